using Duban.Common;
using Duban.Features.Auth;
using Duban.Web;

namespace Duban.Features.Leads;

/// <summary>Shared investment leads over HTTP (v1): /api/v1/leads (Features/Leads/README.md).</summary>
public static class LeadsApi
{
    public static RouteGroupBuilder MapLeadsApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/leads").RequireAuthorization().WithTags("Leads");
        g.MapGet("", async (int? page, int? pageSize, LeadQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.ListAsync(page, pageSize, http.Actor(), ct)))
            .WithSummary("The leads the caller's district sees (posted or shared with it), newest first, from the index; companies only in the poster's own list")
            .Produces<LeadList>().ProducesProblem(400).ProducesProblem(403);
        g.MapGet("/figures", async (LeadQueries queries, CancellationToken ct) => TypedResults.Ok(await queries.FiguresAsync(ct)))
            .WithSummary("Leads shared, landed and investment landed (yuan), by district, from the counters").Produces<LeadFigures>();
        g.MapGet("/{id:long}", async (long id, LeadQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.GetAsync(id, http.Actor(), ct)))
            .WithSummary("A lead, to the posting district and those it was shared with (404 to others)").Produces<LeadView>().ProducesProblem(404);
        g.MapPost("", async (PostLeadRequest request, LeadChanges changes, HttpContext http, CancellationToken ct) =>
                await changes.PostAsync(request, http.Actor(), ct) is var r && r.IsSuccess
                    ? Results.Created($"/api/v1/leads/{r.Value!.Id}", r.Value) : ApiResults.Problem(r.Error!))
            .WithSummary("A district posts a lead: company (confidential), industry, investment (yuan), needs")
            .Produces<LeadChanged>(201).ProducesProblem(400).ProducesProblem(403);
        g.MapPost("/{id:long}/share", async (long id, ShareLeadRequest request, LeadChanges changes, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await changes.ShareAsync(id, request, http.Actor(), ct)))
            .WithSummary("The posting district shares its lead with chosen districts, or all")
            .Produces<LeadChanged>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        g.MapPost("/{id:long}/{action}", async (long id, string action, LeadStepRequest? request, LeadChanges changes, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await changes.ActAsync(id, action, request, http.Actor(), ct)))
            .WithSummary("follow, or a step of the lead's life: contacted, negotiating, signed, landed ({\"amount\"?}), lost; 409 out of order")
            .Produces<LeadChanged>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return api;
    }
}

public static class LeadServices
{
    /// <summary>Shared investment leads: the changes, the reads, the console's entry, the demo's leads.</summary>
    public static IServiceCollection AddLeads(this IServiceCollection services)
    {
        services.AddScoped<LeadChanges>();
        services.AddScoped<LeadQueries>();
        services.AddSingleton<Demo.IDemoStories, LeadDemo>();
        services.AddConsoleNav(new ConsoleNavEntry("/console/leads", new("招商线索", "Investment leads"), _ => true));
        return services;
    }
}
