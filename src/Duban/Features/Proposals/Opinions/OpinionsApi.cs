using Duban.Common;
using Duban.Features.Auth;
using Duban.Web;

namespace Duban.Features.Proposals.Opinions;

/// <summary>Social-opinion items (/api/v1/opinions) and consultation activities (/api/v1/consultations) over HTTP (Features/Proposals/README.md).</summary>
public static class OpinionsApi
{
    public static RouteGroupBuilder MapOpinionsApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/opinions").RequireAuthorization().WithTags("Proposals");
        g.MapPost("", async (SubmitOpinionRequest? request, OpinionChanges changes, OpinionQueries queries, HttpContext http, CancellationToken ct) =>
            {
                if (request is null) return ApiResults.Problem(Error.Validation("a JSON body is required / 请求内容不能为空"));
                var r = await changes.SubmitAsync(request, http.Actor(), ct);
                if (!r.IsSuccess) return ApiResults.Problem(r.Error!);
                var view = await queries.GetAsync(r.Value!.Id, http.Actor(), ct);
                return Results.Created($"/api/v1/opinions/{r.Value.Id}", view.Value);
            })
            .WithSummary("Submits a social-opinion item or report (a member in their own name, or the office for a member)")
            .Produces<OpinionView>(201).ProducesProblem(400).ProducesProblem(403);
        g.MapGet("", async (string? body, int? year, string? status, int? page, int? pageSize, OpinionQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.ListAsync(body, year, status, page, pageSize, http.Actor(), ct)))
            .WithSummary("The items the caller may read: the office's body's, a member's own, every one for the city's coordinators").Produces<OpinionList>().ProducesProblem(400);
        g.MapGet("/figures", async (string? body, int? year, OpinionQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.FiguresAsync(body, year, http.Actor(), ct)))
            .WithSummary("A body's items of a year: submitted (opinions, reports), adopted, forwarded, the leaders' instructions").Produces<OpinionFigures>().ProducesProblem(400).ProducesProblem(403);
        g.MapGet("/{id:long}", async (long id, OpinionQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.GetAsync(id, http.Actor(), ct)))
            .WithSummary("An item, with its instructions").Produces<OpinionView>().ProducesProblem(404);
        Step<EditOpinionRequest>(g, "edit", "The office edits a submitted item", (c, id, r, a, ct) => c.EditAsync(id, r, a, ct));
        Step<object>(g, "adopt", "The office adopts a submitted item (采用)", (c, id, _, a, ct) => c.AdoptAsync(id, a, ct));
        Step<NotAdoptOpinionRequest>(g, "not-adopt", "The office does not adopt it, with the reason", (c, id, r, a, ct) => c.NotAdoptAsync(id, r, a, ct));
        Step<ForwardOpinionRequest>(g, "forward", "The office forwards an adopted item to the leaders (报送)", (c, id, r, a, ct) => c.ForwardAsync(id, r, a, ct));
        Step<InstructOpinionRequest>(g, "instructions", "A leader's instruction on a forwarded item (批示): the leader, or the office recording it",
            (c, id, r, a, ct) => c.InstructAsync(id, r, a, ct));

        var k = api.MapGroup("/consultations").RequireAuthorization().WithTags("Proposals");
        k.MapPost("", async (NewConsultationRequest? request, ConsultationChanges changes, HttpContext http, CancellationToken ct) =>
            {
                if (request is null) return ApiResults.Problem(Error.Validation("a JSON body is required / 请求内容不能为空"));
                var r = await changes.AddAsync(request, http.Actor(), ct);
                return r.IsSuccess ? Results.Created($"/api/v1/consultations/{r.Value!.Id}", r.Value) : ApiResults.Problem(r.Error!);
            })
            .WithSummary("Records a consultation activity (topic or event) with the members who took part").Produces<ConsultationView>(201).ProducesProblem(400).ProducesProblem(403);
        k.MapGet("", async (string? body, int? year, ConsultationQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.ListAsync(body, year, http.Actor(), ct)))
            .WithSummary("A body's consultation activities of a year, with the counts of topics, events and reports").Produces<ConsultationList>().ProducesProblem(400).ProducesProblem(403);
        k.MapPost("/{id:long}/report", async (long id, ConsultationReportRequest? request, ConsultationChanges changes, HttpContext http, CancellationToken ct) =>
                request is null ? ApiResults.Problem(Error.Validation("a JSON body is required")) : ApiResults.ToHttp(await changes.ReportAsync(id, request, http.Actor(), ct)))
            .WithSummary("A research topic's report").Produces<ConsultationView>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
        k.MapPost("/{id:long}/participants", async (long id, ParticipantsRequest? request, ConsultationChanges changes, HttpContext http, CancellationToken ct) =>
                request is null ? ApiResults.Problem(Error.Validation("a JSON body is required")) : ApiResults.ToHttp(await changes.AddParticipantsAsync(id, request, http.Actor(), ct)))
            .WithSummary("Members who took part, added").Produces<ConsultationView>().ProducesProblem(400).ProducesProblem(404);
        return api;
    }

    private static void Step<TRequest>(RouteGroupBuilder g, string name, string summary,
        Func<OpinionChanges, long, TRequest, Actor, CancellationToken, Task<Result<OpinionItem>>> run) where TRequest : class
    {
        g.MapPost("/{id:long}/" + name, async (long id, HttpRequest http, OpinionChanges changes, OpinionQueries queries, HttpContext context, CancellationToken ct) =>
            {
                TRequest? request;
                try
                {
                    request = http.ContentLength is 0 or null && typeof(TRequest) == typeof(object)
                        ? (TRequest)new object()
                        : await http.ReadFromJsonAsync<TRequest>(ct);
                }
                catch (System.Text.Json.JsonException)
                {
                    return ApiResults.Problem(Error.Validation("the body is not valid JSON / 请求内容格式错误"));
                }
                if (request is null) return ApiResults.Problem(Error.Validation("a JSON body is required / 请求内容不能为空"));
                if (Text.HasControlCharactersIn(request)) return ApiResults.Problem(Error.Validation("text may not contain control characters / 文本含有非法控制字符"));
                var r = await run(changes, id, request, context.Actor(), ct);
                return r.IsSuccess ? ApiResults.ToHttp(await queries.GetAsync(id, context.Actor(), ct)) : ApiResults.Problem(r.Error!);
            })
            .WithName("opinion-" + name).WithSummary(summary).Produces<OpinionView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
    }
}
