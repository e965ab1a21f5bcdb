using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Duban.Features.Sources;
using Duban.Web;

namespace Duban.Features.Projects;

/// <summary>Key projects over HTTP (v1): /api/v1/projects (Features/Projects/README.md). A project is recorded through POST /api/v1/sources.</summary>
public static class ProjectsApi
{
    public static RouteGroupBuilder MapProjectsApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/projects").RequireAuthorization().WithTags("Projects");
        g.MapGet("/figures", async (int? year, ProjectQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.FiguresAsync(year, http.Actor(), ct)))
            .WithSummary("The year's key projects by level: count, planned and completed investment (yuan), from the rollup")
            .Produces<ProjectFiguresView>().ProducesProblem(400).ProducesProblem(403);
        g.MapGet("", async ([AsParameters] ProjectListQuery q, ProjectRegister register, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await register.ListAsync(q.Filter, q.Page, q.PageSize, http.Actor(), ct)))
            .WithSummary("The register: the projects the caller sees, by year (the latest when absent), county, industry, level, behind schedule")
            .Produces<ProjectList>().ProducesProblem(400);
        g.MapGet("/wall", async ([AsParameters] ProjectListQuery q, ProjectRegister register, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await register.WallAsync(q.Filter, http.Actor(), ct)))
            .WithSummary("The wall chart (挂图作战): every project of a county or an industry, its milestones on one timeline with their lights")
            .Produces<WallView>().ProducesProblem(400);
        g.MapGet("/ledger-template.xlsx", () => Results.File(ProjectLedgerXlsx.Template(), ProjectLedgerXlsx.ContentType, "重点项目台账模板.xlsx"))
            .WithSummary("The ledger's XLSX template (台账模板): its columns, an example row and notes");
        g.MapPost("/import", async (HttpRequest request, ProjectLedgerImport import, HttpContext http, CancellationToken ct) =>
            {
                // The workbook as the body, or as the file of a multipart form (the console's upload).
                Result<LedgerImported> r;
                if (request.HasFormContentType)
                {
                    var form = await request.ReadFormAsync(ct);
                    if (form.Files.Count == 0) return ApiResults.Problem(Error.Validation("file is required: an XLSX ledger / 请选择XLSX台账文件"));
                    await using var file = form.Files[0].OpenReadStream();
                    r = await import.ImportAsync(file, http.Actor(), ct);
                }
                else r = await import.ImportAsync(request.Body, http.Actor(), ct);
                return r.IsSuccess ? Results.Created("/api/v1/projects", r.Value) : ApiResults.Problem(r.Error!);
            })
            .Accepts<IFormFile>(ProjectLedgerXlsx.ContentType, "multipart/form-data")
            .WithSummary("Imports an XLSX ledger: every row checked, a refusal naming the sheet's row and column, nothing kept then")
            .Produces<LedgerImported>(201).ProducesProblem(400).ProducesProblem(403);
        g.MapGet("/{id:long}", async (long id, ProjectQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.GetAsync(id, http.Actor(), ct)))
            .WithSummary("A key project: planned against completed this year, the rate, milestones with lights, months reported, matters linked")
            .Produces<ProjectView>().ProducesProblem(404);
        g.MapPost("/{id:long}/investment", async (long id, InvestmentRequest request, ProjectChanges changes, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await changes.ReportInvestmentAsync(id, request, http.Actor(), ct)))
            .WithSummary("The owner unit reports a month's investment completed (yuan); a correction appends, the latest counts")
            .Produces<InvestmentRecorded>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        g.MapPost("/{id:long}/milestones/{seq:int}/done", async (long id, int seq, MilestoneDoneRequest request, ProjectChanges changes, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await changes.MilestoneDoneAsync(id, seq, request, http.Actor(), ct)))
            .WithSummary("The owner unit reports a milestone reached").Produces<int>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return api;
    }
}

/// <summary>The register's and the wall chart's query string.</summary>
public sealed record ProjectListQuery(int? Year, string? County, string? Industry, string? Level, bool? Behind, int? Page, int? PageSize)
{
    public ProjectFilter Filter => new(Year, County, Industry, Level, Behind ?? false);
}

public static class ProjectServices
{
    /// <summary>Key projects: their source type (its fields, rows and channel), the events they append, the reads and changes.</summary>
    public static IServiceCollection AddProjects(this IServiceCollection services)
    {
        services.AddSourceType<ProjectSourceType>(ProjectVocabulary.Type, new("重点项目", "Key project"));
        services.AddScoped<ProjectChanges>();
        services.AddScoped<ProjectQueries>();
        services.AddScoped<ProjectSourceType>();
        services.AddScoped<ProjectLedger>();
        services.AddScoped<ProjectLedgerImport>();
        services.AddScoped<ProjectRegister>();
        // The monthly report duties (月报督办): opened by a job on every node, closed by the owner's report.
        services.AddOptions<ProjectReportOptions>().BindConfiguration(ProjectReportOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ProjectReportDuties>();
        services.AddHostedService<ProjectReportJob>();
        services.AddMatterEvent(new(ProjectReportDuties.Closed, new("报送月报，自动办结", "Monthly report made: closed")));
        // Every staff member: the owner units report on their projects, the supervisors keep the register.
        services.AddConsoleNav(new ConsoleNavEntry("/console/projects", new("重点项目", "Key projects"), _ => true));
        services.AddSingleton<Demo.IDemoStories, ProjectDemo>();
        return services;
    }
}
