using System.Globalization;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Dispatching;

/// <summary>A unit's returns in a period: all, still pending or under review, upheld (proper) and overruled (improper).</summary>
public sealed record UnitReturns(Matters.UnitRef Unit, int Returned, int Pending, int Review, int Upheld, int Overruled);

/// <summary>An improper return: the matter went back to the unit that returned it.</summary>
public sealed record OverruledReturn(long MatterId, string Number, Matters.UnitRef Unit, DateTimeOffset ReturnedAt, string Reason, DateTimeOffset? DecidedAt);

public sealed record ReturnFiguresView(DateOnly From, DateOnly To, IReadOnlyList<UnitReturns> Units, IReadOnlyList<OverruledReturn> Overruled);

/// <summary>
/// 退单统计: returns per unit over a period of China dates (by when they were returned), for
/// supervisors, dispatchers, leaders and administrators; those below the city see the units in
/// their territory, and only returns of matters the actor sees. Improper returns are listed with their matters.
/// </summary>
public sealed class ReturnFigures(DubanDb db, MatterScope scope, UnitDirectory directory, TimeProvider time)
{
    public async Task<Result<ReturnFiguresView>> ForPeriodAsync(string? from, string? to, Actor actor, CancellationToken ct)
    {
        if (!actor.HasAny(Roles.Supervisor, Roles.Dispatcher, Roles.Leader, Roles.Admin))
            return Error.Forbidden("只有督办、受理人员和领导可以查看退单统计 / only supervisors, dispatchers and leaders see return figures");
        var today = Clock.ChinaDate(time.Now());
        if (!TryDate(from, new DateOnly(today.Year, today.Month, 1), out var start) || !TryDate(to, today, out var end))
            return Error.Validation("from and to are dates (yyyy-MM-dd) / 日期格式应为 yyyy-MM-dd");
        if (end < start) return Error.Validation("to is before from / 截止日期早于起始日期");
        if (start.Year < 2000 || end.Year > 2100) return Error.Validation("dates are between 2000 and 2100 / 日期应在2000年至2100年之间");
        if (end.DayNumber - start.DayNumber > 366 * 5) return Error.Validation("the period is at most five years / 统计期间不超过五年");
        var (lo, hi) = (Clock.StartOfChinaDay(start), Clock.StartOfChinaDay(end.AddDays(1)));

        // Only returns of matters the actor sees: a count may not betray a report it must not see.
        var visible = scope.Visible(db.Matters.AsNoTracking(), db, actor);
        var returns = InPeriod(db, visible, lo, hi);
        if (!scope.IsCityWide(actor))
        {
            if (actor.TerritoryCode.Length == 0) return Error.Forbidden("没有辖区的账号不能查看退单统计 / an account with no territory sees no return figures");
            var prefix = MatterScope.TerritoryPrefix(actor.TerritoryCode);
            returns = returns.Where(r => r.UnitTerritoryCode.StartsWith(prefix));
        }
        var counts = await returns.GroupBy(r => new { r.UnitCode, r.State }).Select(g => new { g.Key.UnitCode, g.Key.State, Count = g.Count() }).ToListAsync(ct);
        var units = await directory.AllAsync(ct);
        Matters.UnitRef Ref(string code) => new(code, units.TryGetValue(code, out var u) ? u.Name : code);
        var perUnit = counts.GroupBy(c => c.UnitCode).Select(g =>
        {
            int Of(string state) => g.Where(c => c.State == state).Sum(c => c.Count);
            return new UnitReturns(Ref(g.Key), g.Sum(c => c.Count), Of(DispatchReturn.Pending), Of(DispatchReturn.Review), Of(DispatchReturn.Upheld),
                Of(DispatchReturn.Overruled));
        }).OrderByDescending(u => u.Overruled).ThenByDescending(u => u.Returned).ThenBy(u => u.Unit.Code, StringComparer.Ordinal).ToList();

        var overruled = await returns.Where(r => r.State == DispatchReturn.Overruled)
            .Join(visible, r => r.MatterId, m => m.Id, (r, m) => new { r.MatterId, m.Number, r.UnitCode, r.ReturnedAt, r.Reason, r.DecidedAt })
            .OrderBy(r => r.ReturnedAt).Take(500).ToListAsync(ct);
        return new ReturnFiguresView(start, end, perUnit,
            overruled.Select(r => new OverruledReturn(r.MatterId, r.Number, Ref(r.UnitCode), r.ReturnedAt, r.Reason, r.DecidedAt)).ToList());
    }

    /// <summary>
    /// The returns made from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive)
    /// of the matters in <paramref name="visible"/>: the returns this page and the figures per unit
    /// (Features/Figures) both count.
    /// </summary>
    public static IQueryable<DispatchReturn> InPeriod(DubanDb db, IQueryable<Matter> visible, DateTimeOffset from, DateTimeOffset to) =>
        db.DispatchReturns.AsNoTracking().Where(r => r.ReturnedAt >= from && r.ReturnedAt < to && visible.Select(m => m.Id).Contains(r.MatterId));

    private static bool TryDate(string? text, DateOnly fallback, out DateOnly date)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            date = fallback;
            return true;
        }
        return DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }
}
