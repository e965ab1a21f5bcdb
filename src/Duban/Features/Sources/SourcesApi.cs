using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Duban.Web;

namespace Duban.Features.Sources;

/// <summary>Sources of supervised work over HTTP (v1): /api/v1/sources (Features/Sources/README.md).</summary>
public static class SourcesApi
{
    public static RouteGroupBuilder MapSourcesApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/sources").RequireAuthorization().WithTags("Sources");
        g.MapGet("", async (string? type, string? status, string? light, int? page, int? pageSize, SourceQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.ListAsync(type, status, light, page, pageSize, http.Actor(), ct)))
            .WithSummary("The sources the caller sees, newest first; filter by type, status (open, reported) and light")
            .Produces<SourceList>().ProducesProblem(400);
        g.MapGet("/{id:long}", async (long id, SourceQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.GetAsync(id, http.Actor(), ct)))
            .WithSummary("A source: its items (only the caller's own to a unit holding some), progress, light, measures and tree")
            .Produces<SourceView>().ProducesProblem(404);
        g.MapPost("", async (CreateSourceRequest request, SourceChanges changes, HttpContext http, CancellationToken ct) =>
                await changes.CreateAsync(request, http.Actor(), ct) is var r && r.IsSuccess
                    ? Results.Created($"/api/v1/sources/{r.Value!.Id}", r.Value) : ApiResults.Problem(r.Error!))
            .WithSummary("Records a source (instruction, meeting, campaign, research) and deploys its items to units as tasks")
            .Produces<SourceCreated>(201).ProducesProblem(400).ProducesProblem(403);
        g.MapPost("/{id:long}/items", async (long id, AddSourceItemsRequest request, SourceChanges changes, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await changes.AddItemsAsync(id, request, http.Actor(), ct)))
            .WithSummary("Adds items to an open source").Produces<SourceCreated>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        g.MapPost("/{id:long}/report", async (long id, ReportSourceRequest request, SourceChanges changes, SourceQueries queries, HttpContext http, CancellationToken ct) =>
            {
                var actor = http.Actor();
                var r = await changes.ReportAsync(id, request, actor, ct);
                return r.IsSuccess ? ApiResults.ToHttp(await queries.GetAsync(id, actor, ct)) : ApiResults.Problem(r.Error!);
            })
            .WithSummary("The report back (办理情况报告): closes the source once every item is closed; 409 otherwise")
            .Produces<SourceView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        api.MapSourceExportsApiV1();
        return api;
    }
}

public static class SourceServices
{
    /// <summary>Sources: their facet, their items' channels (one per type), the events they append, the reads and changes, the demo's stories.</summary>
    public static IServiceCollection AddSources(this IServiceCollection services)
    {
        services.AddMatterFacet<SourceFacet>();
        foreach (var (type, label) in SourceTypes.All) services.AddMatterChannel(new ChannelRegistration(type, label));
        services.AddMatterEvent(new MatterEventInfo(SourceChanges.ItemRegistered, new("督办来源交办", "Assigned by a supervision source")));
        services.AddSingleton<SourceTypeCatalog>();
        services.AddSingleton<SourceAccess>();
        services.AddScoped<SourceChanges>();
        services.AddScoped<SourceQueries>();
        services.AddSingleton<Demo.IDemoStories, SourceDemo>();
        services.AddSingleton<MatterFollowing, SourceFollowing>();
        services.AddSourceExports();
        // Every staff member: the owners track their sources, the units holding items see them there.
        services.AddConsoleNav(new ConsoleNavEntry("/console/sources", new("督办来源", "Sources"), _ => true));
        return services;
    }
}
