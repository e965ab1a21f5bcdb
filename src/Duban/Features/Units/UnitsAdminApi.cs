using Duban.Common;
using Duban.Data;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Units;

/// <summary>
/// The units' administration over HTTP (/api/v1/admin/units): the units an administrator may edit,
/// with their versions; add one; change one with the version the editor saw (in the body's
/// <c>version</c> or an If-Match header).
/// </summary>
public static class UnitsAdminApi
{
    public static RouteGroupBuilder MapUnitsAdminApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/admin/units").RequireAuthorization().WithTags("Administration");
        g.MapGet("", ListAsync).Produces<List<UnitView>>().ProducesProblem(403);
        g.MapGet("/{code}", GetAsync).Produces<UnitView>().ProducesProblem(403).ProducesProblem(404);
        g.MapPost("", AddAsync).Produces<UnitView>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);
        g.MapPut("/{code}", ChangeAsync).Produces<UnitView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return api;
    }

    /// <summary>The units within the administrator's reach, by territory then code.</summary>
    private static async Task<IResult> ListAsync(HttpContext http, DubanDb db, AdminScope scope, CancellationToken ct)
    {
        var reach = scope.Require(http.Actor());
        if (reach.Error is { } refused) return ApiResults.Problem(refused);
        var rows = await db.Units.AsNoTracking().ToListAsync(ct);
        return Results.Ok(rows.Where(u => reach.Value!.Covers(u.TerritoryCode))
            .OrderBy(u => u.TerritoryCode, StringComparer.Ordinal).ThenBy(u => u.Code, StringComparer.Ordinal)
            .Select(UnitView.Of).ToList());
    }

    private static async Task<IResult> GetAsync(string code, HttpContext http, UnitChanges changes, CancellationToken ct)
    {
        var result = await changes.GetAsync(code, http.Actor(), ct);
        return result.IsSuccess ? Results.Ok(result.Value) : ApiResults.Problem(result.Error!);
    }

    private static async Task<IResult> AddAsync(UnitRequest request, HttpContext http, UnitChanges changes, CancellationToken ct)
    {
        var result = await changes.AddAsync(request, http.Actor(), ct);
        return result.IsSuccess
            ? Results.Created("/api/v1/admin/units/" + Uri.EscapeDataString(result.Value!.Code), result.Value)
            : ApiResults.Problem(result.Error!);
    }

    private static async Task<IResult> ChangeAsync(string code, UnitRequest request, HttpContext http, UnitChanges changes, CancellationToken ct)
    {
        // If-Match: "version" (an entity tag) serves as well as the body's version.
        var ifMatch = http.Request.Headers.IfMatch.ToString().Trim().Trim('"');
        if (string.IsNullOrEmpty(request.Version) && ifMatch.Length > 0) request = request with { Version = ifMatch };
        var result = await changes.ChangeAsync(code, request, http.Actor(), ct);
        return result.IsSuccess ? Results.Ok(result.Value) : ApiResults.Problem(result.Error!);
    }
}
