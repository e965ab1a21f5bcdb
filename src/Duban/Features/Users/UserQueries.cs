using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Users;

/// <summary>Filters of the accounts' list: a unit (exactly), a role, a text in the username or name, active or not; a page of at most 100.</summary>
public sealed record UserFilter(string? Unit = null, string? Role = null, string? Q = null, bool? Active = null, int Page = 1, int PageSize = 20);

/// <summary>The accounts an administrator may see: all for a city-wide one, those of the county's units for a county's.</summary>
public sealed class UserQueries(DubanDb db, AdminScope scope)
{
    public const int MaxPageSize = 100, MaxPage = 10_000;

    public async Task<Result<PageOf<UserView>>> ListAsync(UserFilter filter, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var reach = scope.Require(actor);
        if (reach.Error is { } refused) return refused;
        if (filter.Page is < 1 or > MaxPage || filter.PageSize is < 1 or > MaxPageSize)
            return Error.Validation($"页码须为 1–{MaxPage}，每页 1–{MaxPageSize} 条 / page must be 1 to {MaxPage} and pageSize 1 to {MaxPageSize}");
        if (filter.Role is { } role && !Roles.All.Contains(role))
            return Error.Validation("角色须为 " + string.Join("、", Roles.All) + " / role must be one of: " + string.Join(", ", Roles.All));
        if (Text.HasControlCharacters(filter.Q, filter.Unit) || filter.Q is { Length: > 100 } || filter.Unit is { Length: > UnitChanges.MaxCode })
            return Error.Validation("筛选条件无效 / the filter is not valid text");

        var rows = db.Users.AsNoTracking().Join(db.Units, u => u.UnitCode, n => n.Code, (u, n) => new { User = u, n.Name, n.TerritoryCode });
        if (!reach.Value!.CityWide)
        {
            var county = reach.Value.County!;
#pragma warning disable CA1310 // translated to SQL LIKE 'prefix%'
            rows = rows.Where(r => r.TerritoryCode.StartsWith(county));
#pragma warning restore CA1310
        }
        if (Text.OrNull(filter.Unit) is { } unit) rows = rows.Where(r => r.User.UnitCode == unit);
        // Roles is a comma-separated list: compare whole names.
        if (filter.Role is { } wanted) rows = rows.Where(r => ("," + r.User.Roles + ",").Contains("," + wanted + ","));
        if (Text.OrNull(filter.Q) is { } q) rows = rows.Where(r => r.User.Username.Contains(q) || r.User.DisplayName.Contains(q) || r.Name.Contains(q));
        if (filter.Active is { } active) rows = rows.Where(r => r.User.Active == active);
        var total = await rows.CountAsync(ct);
        var page = await rows.OrderBy(r => r.User.Username)
            .Skip((filter.Page - 1) * filter.PageSize).Take(filter.PageSize).ToListAsync(ct);
        return new PageOf<UserView>([.. page.Select(r => UserChanges.View(r.User, r.Name))], total, filter.Page, filter.PageSize);
    }

    /// <summary>One account, or not found when it does not exist or lies outside the reach.</summary>
    public async Task<Result<UserView>> GetAsync(long id, Actor actor, CancellationToken ct = default)
    {
        var reach = scope.Require(actor);
        if (reach.Error is { } refused) return refused;
        var row = await db.Users.AsNoTracking().Where(u => u.Id == id)
            .Join(db.Units, u => u.UnitCode, n => n.Code, (u, n) => new { User = u, n.Name, n.TerritoryCode }).FirstOrDefaultAsync(ct);
        return row is not null && reach.Value!.Covers(row.TerritoryCode) ? UserChanges.View(row.User, row.Name) : Error.NotFound("账号不存在 / account not found");
    }
}
