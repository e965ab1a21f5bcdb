using Duban.Common;
using Duban.Features.Auth;
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
        services.AddSingleton<Demo.IDemoStories, ProjectDemo>();
        return services;
    }
}
