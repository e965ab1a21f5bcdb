using Duban.Common;
using Duban.Data;

namespace Duban.Features.Units;

/// <summary>
/// What an administrator may administer (units and accounts): a city-wide administrator
/// (<see cref="Matters.MatterScope.IsCityWide"/>: the admin role in a unit whose territory is the
/// home division) everything in the city; a county's administrator (the admin role in a unit whose
/// territory is a county, 台山市) the units whose territory lies in that county and their accounts;
/// anyone else nothing.
/// </summary>
public sealed record AdminReach(string Home, string? County)
{
    public bool CityWide => County is null;

    /// <summary>Does a territory (a unit's) lie inside what this administrator administers?</summary>
    public bool Covers(string? territory) =>
        territory is not null && territory.StartsWith(County ?? Matters.MatterScope.TerritoryPrefix(Home), StringComparison.Ordinal);
}

public sealed class AdminScope(IConfiguration configuration)
{
    /// <summary>The city Duban serves (Duban:HomeDivision, 440700 江门市).</summary>
    public string Home { get; } = configuration["Duban:HomeDivision"] ?? "440700";

    /// <summary>The actor's reach as an administrator, or null when they administer nothing.</summary>
    public AdminReach? ReachOf(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.Has(Roles.Admin)) return null;
        if (actor.TerritoryCode == Home) return new AdminReach(Home, null);
        return actor.TerritoryCode.Length == 6 && Matter.CountyOf(actor.TerritoryCode) is { } county ? new AdminReach(Home, county) : null;
    }

    /// <summary>The reach, or the 403 a non-administrator gets.</summary>
    public Result<AdminReach> Require(Actor actor) =>
        ReachOf(actor) is { } reach ? reach
            : Error.Forbidden("只有市、县（市、区）管理员可以管理单位和账号 / only the city's and the counties' administrators manage units and accounts");
}
