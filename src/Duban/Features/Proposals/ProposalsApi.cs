using Duban.Common;
using Duban.Data;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Duban.Features.Proposals.Actions;
using Duban.Features.Proposals.Opinions;
using Duban.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Duban.Features.Proposals;

/// <summary>Proposals and members over HTTP (v1): /api/v1/proposals and /api/v1/members (Features/Proposals/README.md).</summary>
public static class ProposalsApi
{
    public static RouteGroupBuilder MapProposalsApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/proposals").RequireAuthorization().WithTags("Proposals");
        g.MapPost("", async (SubmitProposalRequest? request, ProposalChanges changes, HttpContext http, CancellationToken ct) =>
            {
                if (request is null) return ApiResults.Problem(Error.Validation("a JSON body is required / 请求内容不能为空"));
                var r = await changes.SubmitAsync(request, http.Actor(), ct);
                return r.IsSuccess ? Results.Created($"/api/v1/proposals/{r.Value!.Id}", r.Value) : ApiResults.Problem(r.Error!);
            })
            .WithSummary("Submits a proposal (a member leading it, or the office): 201 with its id and number")
            .Produces<ProposalCreated>(201).ProducesProblem(400).ProducesProblem(403);
        g.MapGet("", async (string? body, int? year, string? status, bool? awaitingEvaluation, int? page, int? pageSize, ProposalQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.ListAsync(body, year, status, awaitingEvaluation, page, pageSize, http.Actor(), ct)))
            .WithSummary("The proposals the caller works on: the office's body's, a member's own (awaitingEvaluation: replies to evaluate), a unit's hosted")
            .Produces<ProposalList>().ProducesProblem(400);
        g.MapGet("/figures", async (string? body, int? year, ProposalQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.FiguresAsync(body, year, http.Actor(), ct)))
            .WithSummary("A body's figures for a year, counted from the records: submitted, accepted, by category, replied on time, satisfaction, by host unit")
            .Produces<ProposalFigures>().ProducesProblem(400).ProducesProblem(403);
        g.MapGet("/figures.xlsx", async (string? body, int? year, ProposalQueries queries, HttpContext http, CancellationToken ct) =>
            {
                var figures = await queries.FiguresAsync(body, year, http.Actor(), ct);
                if (!figures.IsSuccess) return ApiResults.Problem(figures.Error!);
                var f = figures.Value!;
                return Results.File(ProposalExport.FiguresXlsx(f), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"proposal-figures-{f.Body}-{f.Year}.xlsx"));
            })
            .WithSummary("The figures (as /figures answers them) as XLSX: the totals, and the host units").ProducesProblem(400).ProducesProblem(403);
        g.MapGet("/{id:long}", async (long id, ProposalQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.GetAsync(id, http.Actor(), ct)))
            .WithSummary("A proposal: status, version, host unit, reply, evaluation and the actions the caller may take")
            .Produces<ProposalView>().ProducesProblem(404);
        g.MapPost("/assignment-meeting", async (AssignmentMeetingRequest? request, AssignmentMeeting meeting, HttpContext http, CancellationToken ct) =>
            {
                if (request is null) return ApiResults.Problem(Error.Validation("a JSON body is required / 请求内容不能为空"));
                if (Text.HasControlCharactersIn(request)) return ApiResults.Problem(Error.Validation("text may not contain control characters / 文本含有非法控制字符"));
                return ApiResults.ToHttp(await meeting.RunAsync(request, http.Actor(), ct));
            })
            .WithSummary("交办会: the office accepts and assigns many submitted proposals at once, each its own audited step; the result of each")
            .Produces<AssignmentMeetingDone>().ProducesProblem(400).ProducesProblem(403);
        Step<AcceptProposalRequest, AcceptProposal>(g, "accept");
        Step<NotAcceptProposalRequest, NotAcceptProposal>(g, "not-accept");
        Step<MergeProposalRequest, MergeProposal>(g, "merge");
        // The reply: JSON as the contract has it, or the same fields as a multipart form with its optional PDF (`document`).
        g.MapPost("/{id:long}/reply", async (long id, ReplyProposal action, ProposalQueries queries, IOptions<ProposalOptions> options, HttpContext http, CancellationToken ct) =>
            {
                ReplyProposalRequest? request;
                if (http.Request.HasFormContentType)
                {
                    var read = await ReplyDocuments.RequestFromFormAsync(http.Request, options.Value.ReplyDocumentMaxBytes, ct);
                    if (!read.IsSuccess) return ApiResults.Problem(read.Error!);
                    request = read.Value;
                }
                else if (http.Request.HasJsonContentType())
                {
                    try
                    {
                        request = await http.Request.ReadFromJsonAsync<ReplyProposalRequest>(ct);
                    }
                    catch (System.Text.Json.JsonException)
                    {
                        return ApiResults.Problem(Error.Validation("the body is not valid JSON / 请求内容不是有效的 JSON"));
                    }
                }
                else return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
                // The file's name is not text the host typed: it is made safe when stored (Photos.SafeName), never refused.
                return await RunStepAsync(id, request, action, queries, http, ct, textOnly: request is null ? null : request with { Document = null });
            })
            .Accepts<ReplyProposalRequest>("application/json", "multipart/form-data")
            .WithName("proposal-reply").WithSummary(ReplyProposal.Describe.Summary + "; as multipart/form-data with an optional PDF (document)")
            .Produces<ProposalView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        g.MapGet("/{id:long}/reply/document", async (long id, DubanDb db, ProposalAccess access, MatterFacets facets, HttpContext http, CancellationToken ct) =>
            {
                var result = await ReplyDocuments.GetAsync(db, access, facets, id, http.Actor(), ct);
                if (!result.IsSuccess) return ApiResults.Problem(result.Error!);
                var a = result.Value!;
                var disposition = new ContentDispositionHeaderValue("attachment");
                disposition.SetHttpFileName(a.FileName);
                var headers = http.Response.Headers;
                headers.ContentDisposition = disposition.ToString();
                // Downloaded, never shown in the page's origin: no sniffing, no script, and asked again each time (who reads it can change).
                headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
                headers.XContentTypeOptions = "nosniff";
                headers.CacheControl = "private, no-cache";
                return Results.Bytes(a.Content, a.ContentType, entityTag: new EntityTagHeaderValue("\"" + a.Sha256 + "\""));
            })
            .WithSummary("The reply's PDF (答复函), to the proposers, the office, the units holding it and the city's coordinators; 404 to anyone else")
            .Produces(200, null, ReplyDocuments.ContentType).ProducesProblem(404);
        Step<EvaluateProposalRequest, EvaluateProposal>(g, "evaluate");
        Step<ObjectProposalRequest, ObjectProposal>(g, "object");
        Step<ReviewObjectionRequest, ReviewObjection>(g, "objection");
        Step<CoHostOpinionRequest, CoHostOpinion>(g, "opinion");
        Step<PublishProposalRequest, PublishProposal>(g, "publish");
        g.MapGet("/export.xlsx", async (string? body, int? year, string? status, ProposalQueries queries, HttpContext http, CancellationToken ct) =>
            {
                var list = await queries.ListAsync(body, year, status, null, 1, ProposalExport.MaxRows, http.Actor(), ct, ProposalExport.MaxRows);
                if (!list.IsSuccess) return ApiResults.Problem(list.Error!);
                return Results.File(ProposalExport.Xlsx(list.Value!), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    $"proposals{(Text.OrNull(body) is { } b ? "-" + b : "")}{(year is { } y ? "-" + y.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")}.xlsx");
            })
            .WithSummary("The proposals list the caller may read, as XLSX (body, year, status as the list takes them)").ProducesProblem(400);
        api.MapGet("/public/proposals", async (string? body, int? year, int? page, ProposalQueries queries, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.PublishedAsync(body, year, page, ct)))
            .AllowAnonymous().WithTags("Proposals")
            .WithSummary("The proposals the offices published, with their replies (anonymous: no proposer, evaluation or opinion)").Produces<PublishedList>().ProducesProblem(400);

        var members = api.MapGroup("/members").RequireAuthorization().WithTags("Proposals");
        members.MapGet("", async (string? body, string? q, int? page, int? pageSize, MemberQueries queries, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.ListAsync(body, q, page, pageSize, ct)))
            .WithSummary("The registers of deputies and members, with their accounts' usernames").Produces<MemberList>().ProducesProblem(400);
        members.MapPost("/import", async (string? body, HttpRequest request, MemberChanges changes, HttpContext http, CancellationToken ct) =>
            {
                if (request.ContentLength is > 2_000_000) return ApiResults.Problem(Error.Validation("csv: at most 2 MB"));
                using var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8);
                var csv = await reader.ReadToEndAsync(ct);
                if (csv.Length > 2_000_000) return ApiResults.Problem(Error.Validation("csv: at most 2 MB"));
                var r = await changes.ImportAsync(body, csv, http.Actor(), ct);
                if (r.IsSuccess && r.Value!.Accounts.Count > 0) http.Response.Headers.CacheControl = "no-store";
                return ApiResults.ToHttp(r);
            })
            .WithSummary("Imports a register from CSV (?body=npc|cppcc; header name,term,delegation|sector[,username]): members added or updated, accounts made for new usernames (passwords shown once)")
            .Accepts<string>("text/csv").Produces<MembersImported>().ProducesProblem(400).ProducesProblem(403);
        members.MapGet("/duties", async (string? body, int? year, MemberQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.RankingAsync(body, year, http.Actor(), ct)))
            .WithSummary("The year's duty ranking of a body's members, with the share of each grade").Produces<DutyRanking>().ProducesProblem(400).ProducesProblem(403);
        members.MapGet("/{id:long}/duties", async (long id, int? year, MemberQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.DutiesAsync(id, year, http.Actor(), ct)))
            .WithSummary("A member's duties for a year, computed from the records: score, grade, points per duty").Produces<MemberDuties>().ProducesProblem(400).ProducesProblem(404);
        members.MapPost("/{id:long}/activities", async (long id, RecordActivityRequest? request, MemberChanges changes, HttpContext http, CancellationToken ct) =>
            {
                if (request is null) return ApiResults.Problem(Error.Validation("a JSON body is required / 请求内容不能为空"));
                var r = await changes.RecordActivityAsync(id, request, http.Actor(), ct);
                return r.IsSuccess ? Results.Created($"/api/v1/members/{id}/duties?year={r.Value!.Year}", r.Value) : ApiResults.Problem(r.Error!);
            })
            .WithSummary("Records a member's activity (an event attended, a speech, an item adopted) for the duty evaluation")
            .Produces<ActivityRecorded>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        api.MapOpinionsApiV1();
        return api;
    }

    private static async Task<IResult> RunStepAsync<TRequest, TAction>(long id, TRequest? request, TAction action, ProposalQueries queries, HttpContext http, CancellationToken ct,
        object? textOnly = null)
        where TRequest : class
        where TAction : MatterAction<TAction, TRequest>, IDescribedAction
    {
        if (request is null) return ApiResults.Problem(Error.Validation("a JSON body with the version is required / 请求内容不能为空"));
        if (Text.HasControlCharactersIn(textOnly ?? request)) return ApiResults.Problem(Error.Validation("text may not contain control characters / 文本含有非法控制字符"));
        var actor = http.Actor();
        var r = await action.ExecuteAsync(id, request, actor, ct);
        if (!r.IsSuccess) return ApiResults.Problem(r.Error!);
        // The proposer who merged or was refused may still read it; one who can no longer see it gets the bare state.
        var view = await queries.GetAsync(id, actor, ct);
        return view.IsSuccess ? Results.Ok(view.Value) : Results.Ok(new ActionResponse(r.Value!.Id, r.Value.Number, r.Value.Status, r.Value.Version));
    }

    /// <summary>A step of the proposal's life: the registered action, answered with the proposal as the caller now sees it.</summary>
    private static void Step<TRequest, TAction>(RouteGroupBuilder g, string name)
        where TRequest : class
        where TAction : MatterAction<TAction, TRequest>, IDescribedAction
    {
        g.MapPost("/{id:long}/" + name, (long id, [FromBody] TRequest? request, TAction action, ProposalQueries queries, HttpContext http, CancellationToken ct) =>
                RunStepAsync(id, request, action, queries, http, ct))
            .WithName("proposal-" + name).WithSummary(TAction.Describe.Summary ?? TAction.Describe.Label.En)
            .Produces<ProposalView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
    }
}

public static class ProposalServices
{
    /// <summary>Proposals: the facet, the actions, the channel, the events no action appends, the reads and changes, the office's following, the demo.</summary>
    /// <summary>The actions a proposal takes: its own, and the core's that fit its life.</summary>
    public static readonly IReadOnlyList<string> ProposalKindActions =
    [
        AcceptProposal.Name, NotAcceptProposal.Name, MergeProposal.Name, ObjectProposal.Name, ReviewObjection.Name, CoHostOpinion.Name,
        ReplyProposal.Name, EvaluateProposal.Name, PublishProposal.Name,
        Matters.Actions.Accept.Name, Matters.Actions.ReportProgress.Name, Matters.Actions.Urge.Name, Matters.Actions.KeySupervision.Name,
        Matters.Actions.Extension.Name,
    ];

    public static IServiceCollection AddProposals(this IServiceCollection services)
    {
        services.AddOptions<ProposalOptions>().BindConfiguration(ProposalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddMatterFacet<ProposalFacet>()
            .AddMatterAction<AcceptProposal>()
            .AddMatterAction<NotAcceptProposal>()
            .AddMatterAction<MergeProposal>()
            .AddMatterAction<ObjectProposal>()
            .AddMatterAction<ReviewObjection>()
            .AddMatterAction<CoHostOpinion>()
            .AddMatterAction<ReplyProposal>()
            .AddMatterAction<EvaluateProposal>()
            .AddMatterAction<PublishProposal>();
        // The core's steps that go around the proposals' life (dispatch, approve, reject, complete, merge, return…) are
        // neither offered nor taken on a proposal: it is assigned, finished and merged by its own actions. Kept: the
        // host's signing for (签收) and progress notes, the supervisors' urging and key supervision, the extension to 6 months.
        foreach (var body in Bodies.All) services.LimitKindActions(Bodies.KindOf(body), ProposalKindActions);
        services.AddMatterChannel(new ChannelRegistration(ProposalChanges.Channel, new("建议提案", "Proposals")));
        services.AddMatterEvent(new MatterEventInfo(ProposalChanges.Submitted, new("提交建议提案", "Proposal submitted")));
        services.AddSingleton<ProposalAccess>();
        services.AddSingleton<MatterFollowing, ProposalFollowing>();
        services.AddScoped<ProposalChanges>();
        services.AddScoped<ProposalQueries>();
        services.AddScoped<MemberChanges>();
        services.AddScoped<MemberQueries>();
        services.AddScoped<AssignmentMeeting>();
        services.AddScoped<OpinionChanges>();
        services.AddScoped<OpinionQueries>();
        services.AddScoped<ConsultationChanges>();
        services.AddScoped<ConsultationQueries>();
        services.AddSingleton<Demo.IDemoStories, ProposalDemo>();
        // Members (accounts of no role), the offices, the host units: each sees the proposals it works on.
        services.AddConsoleNav(new ConsoleNavEntry("/console/proposals", new("建议提案", "Proposals"), _ => true));
        services.AddConsoleNav(new ConsoleNavEntry("/console/opinions", new("社情民意", "Social opinion"), _ => true));
        services.AddConsoleNav(new ConsoleNavEntry("/console/consultations", new("协商活动", "Consultations"), _ => true));
        // The duty evaluation: a member's own record (accounts of no role), the ranking for the offices and the city's coordinators.
        services.AddSingleton(sp =>
        {
            var access = sp.GetRequiredService<ProposalAccess>();
            return new ConsoleNavEntry("/console/duties", new("履职考评", "Duty evaluation"), a => a.Roles.Count == 0 || access.OfficeBody(a) is not null || access.Oversees(a));
        });
        return services;
    }
}
