using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Dispatching;

/// <summary>The dispatch catalogue (派单目录) and routing suggestions over HTTP (v1).</summary>
public static class DispatchApi
{
    public sealed record CatalogueView(int Version, string? Name, DateTimeOffset? CreatedAt, string? CreatedBy, string? Note, string Sha256,
        IReadOnlyList<CategoryNode> Categories);

    public sealed record CatalogueVersionView(int Version, string Name, DateTimeOffset CreatedAt, string CreatedBy, string? Note, string Sha256);

    public static RouteGroupBuilder MapDispatchApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/dispatch").RequireAuthorization().WithTags("Dispatch");
        g.MapGet("/catalogue", GetCatalogueAsync).Produces<CatalogueView>().ProducesProblem(404);
        g.MapPut("/catalogue", PutCatalogueAsync).Produces<CatalogueView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);
        g.MapGet("/catalogue/versions", ListVersionsAsync).Produces<List<CatalogueVersionView>>();
        g.MapGet("/returns", async (string? from, string? to, ReturnFigures figures, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await figures.ForPeriodAsync(from, to, http.Actor(), ct)))
            .WithSummary("Returns (退单) per unit over a period (China dates, default this month), with the improper ones listed")
            .Produces<ReturnFiguresView>().ProducesProblem(400).ProducesProblem(403);
        g.MapGet("/corrections", async (DispatchCorrections corrections, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await corrections.ListAsync(http.Actor(), ct)))
            .WithSummary("The dispatchers' corrections of the suggestions, per suggested category and owner, with the units chosen instead")
            .Produces<List<CategoryCorrections>>().ProducesProblem(403);
        g.MapGet("/queue", async (int? page, int? pageSize, WaitingForDispatch queue, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queue.ListAsync(page, pageSize, http.Actor(), ct)))
            .WithSummary("Matters waiting for dispatch, oldest first, each with its top three suggestions and possible duplicates")
            .Produces<PageOf<QueueItem>>().ProducesProblem(400).ProducesProblem(403);

        api.MapGet("/matters/{id:long}/suggestion", async (long id, DispatchSuggestions suggestions, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await suggestions.ForMatterAsync(id, http.Actor(), ct)))
            .RequireAuthorization().WithTags("Matters").WithSummary("Where the matter should go, by which rule and why (nothing is recorded)")
            .Produces<DispatchSuggestion>().ProducesProblem(403).ProducesProblem(404);
        api.MapGet("/matters/{id:long}/duplicates", async (long id, Duplicates duplicates, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await duplicates.ForMatterAsync(id, http.Actor(), ct)))
            .RequireAuthorization().WithTags("Matters").WithSummary("Open matters in the same place with similar text, most similar first")
            .Produces<List<DuplicateView>>().ProducesProblem(403).ProducesProblem(404);
        return api;
    }

    private static CatalogueView View(CatalogueVersion v) =>
        new(v.Version, v.Catalogue.Document.Name, v.CreatedAt, v.CreatedBy, v.Note, v.Hash, v.Catalogue.Document.Categories ?? []);

    /// <summary>The catalogue in force (the shipped one becomes version 1 at first use), or <paramref name="version"/>.</summary>
    private static async Task<IResult> GetCatalogueAsync(int? version, DubanDb db, AuditLog audit, CatalogueStore store, CancellationToken ct)
    {
        var current = await store.EnsureAsync(db, audit, ct);
        if (version is null || version == current.Version) return Results.Ok(View(current));
        return await store.ReadAsync(db, version.Value, ct) is { } older
            ? Results.Ok(View(older))
            : ApiResults.Problem(Error.NotFound($"no catalogue version {version} / 派单目录无第 {version} 版"));
    }

    private static async Task<IResult> PutCatalogueAsync(CatalogueRequest request, CatalogueUpdate update, HttpContext http, CancellationToken ct)
    {
        var result = await update.ExecuteAsync(request, http.Actor(), ct);
        return result.IsSuccess ? Results.Ok(View(result.Value!)) : ApiResults.Problem(result.Error!);
    }

    private static async Task<IResult> ListVersionsAsync(DubanDb db, AuditLog audit, CatalogueStore store, CancellationToken ct) =>
        Results.Ok(await VersionsAsync(db, audit, store, ct));

    /// <summary>Every version of the catalogue, oldest first (the shipped one becomes version 1 at first use); the API's list and the catalogue page's history.</summary>
    public static async Task<List<CatalogueVersionView>> VersionsAsync(DubanDb db, AuditLog audit, CatalogueStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.EnsureAsync(db, audit, ct);
        return await db.DispatchCatalogues.AsNoTracking().OrderBy(c => c.Version)
            .Select(c => new CatalogueVersionView(c.Version, c.Name, c.CreatedAt, c.CreatedBy, c.Note, c.ContentHash)).ToListAsync(ct);
    }
}
