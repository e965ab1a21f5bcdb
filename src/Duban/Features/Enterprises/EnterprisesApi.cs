using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Duban.Web;

namespace Duban.Features.Enterprises;

/// <summary>The enterprise lane over HTTP (v1): /api/v1/enterprises (Features/Enterprises/README.md).</summary>
public static class EnterprisesApi
{
    public static RouteGroupBuilder MapEnterprisesApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/enterprises").RequireAuthorization().WithTags("Enterprises");
        g.MapGet("", async ([AsParameters] EnterpriseFilter f, EnterpriseRegister register, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await register.ListAsync(f, http.Actor(), ct)))
            .WithSummary("The register: the firms the caller sees, by county, size and the 200强 flag").Produces<EnterpriseList>().ProducesProblem(400);
        g.MapPost("/import", async (HttpRequest request, EnterpriseRegister register, HttpContext http, CancellationToken ct) =>
            {
                string csv;
                if (request.HasFormContentType)
                {
                    var form = await request.ReadFormAsync(ct);
                    if (form.Files.Count == 0) return ApiResults.Problem(Error.Validation("file is required: a CSV register / 请选择CSV文件"));
                    using var reader = new StreamReader(form.Files[0].OpenReadStream());
                    csv = await reader.ReadToEndAsync(ct);
                }
                else
                {
                    using var reader = new StreamReader(request.Body);
                    csv = await reader.ReadToEndAsync(ct);
                }
                var r = await register.ImportCsvAsync(csv, http.Actor(), ct);
                return r.IsSuccess ? Results.Ok(r.Value) : ApiResults.Problem(r.Error!);
            })
            .Accepts<IFormFile>("text/csv", "multipart/form-data")
            .WithSummary("Imports the register from CSV (the business office): every bad line named, nothing kept then")
            .Produces<EnterpriseImported>().ProducesProblem(400).ProducesProblem(403);
        g.MapGet("/queue", async (string? status, bool? open, int? page, int? pageSize, RapidResponse queue, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queue.ListAsync(status, open, page, pageSize, http.Actor(), ct)))
            .WithSummary("The SME rapid-response queue: the enterprise demands linked to firms that the caller sees, newest first")
            .Produces<QueueList>().ProducesProblem(400);
        g.MapGet("/figures", async (int? year, RapidResponse queue, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queue.FiguresAsync(year, http.Actor(), ct)))
            .WithSummary("The year's figures: response time, solved rate, satisfaction, by size and industry")
            .Produces<EnterpriseFiguresView>().ProducesProblem(400).ProducesProblem(403);
        g.MapPost("/demands", async (DemandRequest request, EnterpriseDemands demands, HttpContext http, CancellationToken ct) =>
            {
                var r = await demands.RegisterAsync(request, http.Actor(), ct);
                return r.IsSuccess ? Results.Created($"/api/v1/matters/{r.Value!.Id}", r.Value) : ApiResults.Problem(r.Error!);
            })
            .WithSummary("Registers an enterprise demand linked to the firm its credit code names; the firm's team is told")
            .Produces<DemandRegistered>(201).ProducesProblem(400).ProducesProblem(404);
        g.MapGet("/{code}", async (string code, EnterpriseRegister register, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await register.GetAsync(code, http.Actor(), ct)))
            .WithSummary("A firm: its team, its visits and its demands across the years").Produces<EnterpriseDetail>().ProducesProblem(400).ProducesProblem(404);
        g.MapGet("/{code}/visits", async (string code, EnterpriseRegister register, HttpContext http, CancellationToken ct) =>
            {
                var found = await register.FindAsync(code, http.Actor(), ct);
                return found.IsSuccess ? Results.Ok(await register.VisitsAsync(found.Value!.CreditCode, ct)) : ApiResults.Problem(found.Error!);
            })
            .WithSummary("A firm's visits, newest first, each with the matters its demands became").Produces<IReadOnlyList<VisitView>>().ProducesProblem(404);
        g.MapPost("/{code}/visits", async (string code, VisitRequest request, EnterpriseDemands demands, HttpContext http, CancellationToken ct) =>
            {
                var r = await demands.RecordVisitAsync(code, request, http.Actor(), ct);
                return r.IsSuccess ? Results.Created($"/api/v1/enterprises/{r.Value!.CreditCode}/visits", r.Value) : ApiResults.Problem(r.Error!);
            })
            .WithSummary("Records a visit (暖企安商走访) with the demands collected: each a matter linked to the visit and the firm")
            .Produces<VisitRecorded>(201).ProducesProblem(400).ProducesProblem(404);
        g.MapPost("/{code}/team", async (string code, TeamRequest request, EnterpriseRegister register, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await register.SetTeamAsync(code, request, http.Actor(), ct)))
            .WithSummary("Sets a 200强 firm's service team (服务专班): the lead unit and official, the member units (the business office)")
            .Produces<IReadOnlyList<TeamMemberView>>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return api;
    }
}

public static class EnterpriseServices
{
    /// <summary>The enterprise lane: its facet on enterprise demands, the team's following, the register, the doors, the queue.</summary>
    public static IServiceCollection AddEnterprises(this IServiceCollection services)
    {
        services.AddOptions<EnterpriseOptions>().BindConfiguration(EnterpriseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddMatterFacet<EnterpriseFacet>();
        services.AddSingleton<MatterFollowing, EnterpriseFollowing>();
        services.AddSingleton<EnterpriseAccess>();
        services.AddScoped<EnterpriseRegister>();
        services.AddScoped<EnterpriseDemands>();
        services.AddScoped<RapidResponse>();
        services.AddSingleton<Tally.TallyRollup, EnterpriseRollup>();
        services.AddSingleton<Demo.IDemoStories, EnterpriseDemo>();
        services.AddConsoleNav(new ConsoleNavEntry("/console/enterprises", new("企业诉求", "Enterprise demands"), _ => true));
        return services;
    }
}
