using Microsoft.AspNetCore.Http.HttpResults;

namespace Duban.Features.Units;

public static class UnitsApi
{
    public sealed record UnitDto(string Code, string Name, string? ShortName, string Kind, string? ParentCode, string TerritoryCode, string? Phone, string? Email);

    public static RouteGroupBuilder MapUnitsApiV1(this RouteGroupBuilder api)
    {
        api.MapGet("/units", ListAsync).RequireAuthorization().WithTags("Directory");
        api.MapUnitsAdminApiV1();
        return api;
    }

    private static async Task<Ok<List<UnitDto>>> ListAsync(UnitDirectory directory, CancellationToken ct)
    {
        var all = await directory.AllAsync(ct);
        var list = all.Values
            .OrderBy(u => u.TerritoryCode, StringComparer.Ordinal).ThenBy(u => u.Code, StringComparer.Ordinal)
            .Select(u => new UnitDto(u.Code, u.Name, u.ShortName, u.Kind, u.ParentCode, u.TerritoryCode, u.Phone, u.Email))
            .ToList();
        return TypedResults.Ok(list);
    }
}
