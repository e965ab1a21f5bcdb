using System.Linq.Expressions;
using Duban.Common;
using Duban.Data;
using Duban.Features.Figures;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Tally;
using Duban.Web;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Dashboard;

public sealed record StatusCount(string Status, int Count);

/// <summary>One period of the trend: its China dates and the matters received and closed in it.</summary>
public sealed record TrendPoint(string Label, DateOnly First, DateOnly Last, int Received, int Closed);

public sealed record Trend(string Every, IReadOnlyList<TrendPoint> Points);

/// <summary>A county or town: matters received in the period, and how many of those are closed now.</summary>
public sealed record PlaceCount(string Code, string Name, int Received, int Closed);

public sealed record PlaceBreakdown(FiguresPeriod Period, IReadOnlyList<PlaceCount> Counties, IReadOnlyList<PlaceCount> Towns);

/// <summary>
/// The dashboard's own counts, always over the matters the actor may see
/// (<see cref="MatterScope.Visible"/>): by status, received and closed per week or month, and
/// by county and town. The lights and the figures come from their own features.
/// The city's and a county's coordinators read the tally's counters (Features/Tally) plus the few
/// visible matters they leave out, counted live; everyone else counts live (small, index-served sets).
/// </summary>
public sealed class DashboardQueries(DubanDb db, MatterScope scope, TimeProvider time, GeoService geo, TallyReads tallies)
{
    public const int TrendPeriods = 12;

    private IQueryable<Matter> Visible(Actor actor) => scope.Visible(db.Matters.AsNoTracking(), db, actor);

    /// <summary>The parts counted live: everything visible, or what the counters leave out.</summary>
    private IReadOnlyList<IQueryable<Matter>> LiveParts(Actor actor, TallyScope? tally) => tally?.Live ?? [Visible(actor)];

    /// <summary>When the counts the actor reads were counted: the tally's last pass, or null when counted live now.</summary>
    public async Task<DateTimeOffset?> CountedAtAsync(Actor actor, CancellationToken ct) => (await tallies.ForAsync(actor, ct))?.CountedAt;

    /// <summary>Every status with its count (zero included), in the order of <see cref="Status.All"/>.</summary>
    public async Task<IReadOnlyList<StatusCount>> StatusesAsync(Actor actor, CancellationToken ct)
    {
        var tally = await tallies.ForAsync(actor, ct);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        if (tally is not null)
        {
            foreach (var c in await tallies.Counts(tally, TallyKinds.Status).GroupBy(c => c.Key).Select(g => new { g.Key, N = g.Sum(c => c.N) }).ToListAsync(ct))
                counts[c.Key] = c.N;
        }
        foreach (var part in LiveParts(actor, tally))
        {
            foreach (var c in await part.GroupBy(m => m.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct))
                counts[c.Key] = counts.GetValueOrDefault(c.Key) + c.Count;
        }
        return [.. Status.All.Select(s => new StatusCount(s, (int)counts.GetValueOrDefault(s)))];
    }

    /// <summary>
    /// The matters received in a figures period (<see cref="FiguresPeriod"/>: the dashboard's period), by their status now:
    /// every status (zero included) in the order of <see cref="Status.All"/>. From the counters of the day received and
    /// status (<see cref="TallyKinds.ReceivedStatus"/>), as the counties' counts are, plus what they leave out counted live.
    /// </summary>
    public async Task<Result<IReadOnlyList<StatusCount>>> StatusesAsync(string? period, Actor actor, CancellationToken ct)
    {
        var parsed = FiguresPeriod.Parse(period, time.Now());
        if (!parsed.IsSuccess) return parsed.Error!;
        var p = parsed.Value!;
        var tally = await tallies.ForAsync(actor, ct);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        if (tally is not null)
        {
            // The status follows the date in the key: yyyy-MM-dd|status.
            foreach (var c in await tallies.Days(tally, TallyKinds.ReceivedStatus, p.First, p.Last).GroupBy(c => c.Key.Substring(11))
                .Select(g => new { g.Key, N = g.Sum(c => c.N) }).ToListAsync(ct))
                counts[c.Key] = counts.GetValueOrDefault(c.Key) + c.N;
        }
        var (start, end) = (p.Start, p.End);
        foreach (var part in LiveParts(actor, tally))
        {
            foreach (var c in await part.Where(m => m.ReceivedAt >= start && m.ReceivedAt < end).GroupBy(m => m.Status)
                .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct))
                counts[c.Key] = counts.GetValueOrDefault(c.Key) + c.Count;
        }
        return Status.All.Select(s => new StatusCount(s, (int)counts.GetValueOrDefault(s))).ToList();
    }

    /// <summary>
    /// Received (by when received) and closed (by when closed) in each of the last
    /// <see cref="TrendPeriods"/> weeks (Monday to Sunday) or months, China dates, the current one last.
    /// </summary>
    public async Task<Result<Trend>> TrendAsync(string? every, Actor actor, CancellationToken ct)
    {
        every = string.IsNullOrWhiteSpace(every) ? "month" : every.Trim().ToLowerInvariant();
        if (every is not ("week" or "month")) return Error.Validation("every is week or month / 趋势周期应为 week（周）或 month（月）");
        var today = Clock.ChinaDate(time.Now());
        var periods = new List<(DateOnly First, DateOnly Next)>();
        if (every == "month")
        {
            var first = new DateOnly(today.Year, today.Month, 1).AddMonths(1 - TrendPeriods);
            for (var i = 0; i < TrendPeriods; i++) periods.Add((first.AddMonths(i), first.AddMonths(i + 1)));
        }
        else
        {
            var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7)).AddDays(-7 * (TrendPeriods - 1));
            for (var i = 0; i < TrendPeriods; i++) periods.Add((monday.AddDays(7 * i), monday.AddDays(7 * (i + 1))));
        }
        // One grouped query per series (received, closed), not two counts per period: the period is the
        // number of period starts at or before the date, a sum of comparisons on the date column, so the
        // same SQL runs in SQLite and PostgreSQL without date functions.
        var starts = periods.Select(p => Clock.StartOfChinaDay(p.First)).ToArray();
        var end = Clock.StartOfChinaDay(periods[^1].Next);
        var tally = await tallies.ForAsync(actor, ct);
        var received = new Dictionary<int, long>();
        var closed = new Dictionary<int, long>();
        if (tally is not null)
        {
            // The counters are per China day: each day falls in the period whose first day it has reached.
            int Period(string day)
            {
                var date = DateOnly.ParseExact(day[..10], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                return periods.FindLastIndex(p => p.First <= date);
            }
            var last = periods[^1].Next.AddDays(-1);
            foreach (var (kind, into) in new[] { (TallyKinds.Received, received), (TallyKinds.Closed, closed) })
            {
                var days = await tallies.Days(tally, kind, periods[0].First, last).GroupBy(c => c.Key).Select(g => new { g.Key, N = g.Sum(c => c.N) }).ToListAsync(ct);
                foreach (var d in days) into[Period(d.Key)] = into.GetValueOrDefault(Period(d.Key)) + d.N;
            }
        }
        foreach (var part in LiveParts(actor, tally))
        {
            Add(received, await PerPeriodAsync(part.Where(m => m.ReceivedAt >= starts[0] && m.ReceivedAt < end), m => m.ReceivedAt, starts, ct));
            Add(closed, await PerPeriodAsync(part.Where(m => m.ClosedAt != null && m.ClosedAt >= starts[0] && m.ClosedAt < end),
                m => m.ClosedAt!.Value, starts, ct));
        }
        var points = new List<TrendPoint>();
        for (var i = 0; i < periods.Count; i++)
        {
            var (first, next) = periods[i];
            var label = every == "month"
                ? first.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture)
                : first.ToString("MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            points.Add(new TrendPoint(label, first, next.AddDays(-1), (int)received.GetValueOrDefault(i), (int)closed.GetValueOrDefault(i)));
        }
        return new Trend(every, points);
    }

    private static void Add<TKey>(Dictionary<TKey, long> into, Dictionary<TKey, int> counts) where TKey : notnull
    {
        foreach (var (key, n) in counts) into[key] = into.GetValueOrDefault(key) + n;
    }

    /// <summary>
    /// How many of <paramref name="matters"/> (already limited to the periods) fall in each period, by
    /// index: GROUP BY (at ≥ start₁) + (at ≥ start₂) + … over the periods' starts after the first.
    /// </summary>
    private static async Task<Dictionary<int, int>> PerPeriodAsync(IQueryable<Matter> matters,
        Expression<Func<Matter, DateTimeOffset>> at, DateTimeOffset[] starts, CancellationToken ct)
    {
        var m = at.Parameters[0];
        Expression index = Expression.Constant(0);
        foreach (var start in starts.Skip(1))
        {
            index = Expression.Add(index, Expression.Condition(
                Expression.GreaterThanOrEqual(at.Body, Expression.Constant(start)), Expression.Constant(1), Expression.Constant(0)));
        }
        var counts = await matters.GroupBy(Expression.Lambda<Func<Matter, int>>(index, m))
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        return counts.ToDictionary(c => c.Key, c => c.Count);
    }

    /// <summary>
    /// The matters received on one China day per county (a matter at city level under ""): the counters of the day
    /// received (<see cref="TallyKinds.Received"/>, keyed by county) plus what they leave out, counted live.
    /// </summary>
    public async Task<Dictionary<string, int>> ReceivedOnAsync(DateOnly day, Actor actor, CancellationToken ct)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var tally = await tallies.ForAsync(actor, ct);
        if (tally is not null)
        {
            foreach (var c in await tallies.Days(tally, TallyKinds.Received, day, day).GroupBy(c => c.County).Select(g => new { g.Key, N = g.Sum(c => c.N) }).ToListAsync(ct))
                counts[c.Key] = counts.GetValueOrDefault(c.Key) + (int)c.N;
        }
        var (start, end) = (Clock.StartOfChinaDay(day), Clock.StartOfChinaDay(day.AddDays(1)));
        foreach (var part in LiveParts(actor, tally))
        {
            foreach (var c in await part.Where(m => m.ReceivedAt >= start && m.ReceivedAt < end).GroupBy(m => m.CountyCode)
                .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct))
                counts[c.Key ?? ""] = counts.GetValueOrDefault(c.Key ?? "") + c.Count;
        }
        return counts;
    }

    /// <summary>Matters received in the period per county (a matter at city level under the city) and per town, most first.</summary>
    public async Task<Result<PlaceBreakdown>> PlacesAsync(string? period, Actor actor, CancellationToken ct)
    {
        var parsed = FiguresPeriod.Parse(period, time.Now());
        if (!parsed.IsSuccess) return parsed.Error!;
        var p = parsed.Value!;
        var (start, end) = (p.Start, p.End);
        var tally = await tallies.ForAsync(actor, ct);
        // code → (received, closed of them); a county at city level is "".
        var counties = new Dictionary<string, (long Received, long Closed)>(StringComparer.Ordinal);
        var towns = new Dictionary<string, (long Received, long Closed)>(StringComparer.Ordinal);
        static void Count(Dictionary<string, (long Received, long Closed)> into, string key, long received, long closed)
        {
            var (r, c) = into.GetValueOrDefault(key);
            into[key] = (r + received, c + closed);
        }
        if (tally is not null)
        {
            foreach (var c in await tallies.Days(tally, TallyKinds.Received, p.First, p.Last).GroupBy(c => c.County).Select(g => new { g.Key, N = g.Sum(c => c.N) }).ToListAsync(ct))
                Count(counties, c.Key, c.N, 0);
            foreach (var c in await tallies.Days(tally, TallyKinds.ReceivedClosed, p.First, p.Last).GroupBy(c => c.County).Select(g => new { g.Key, N = g.Sum(c => c.N) }).ToListAsync(ct))
                Count(counties, c.Key, 0, c.N);
            // The town follows the date in the key: yyyy-MM-dd|town.
            foreach (var t in await tallies.Days(tally, TallyKinds.ReceivedTown, p.First, p.Last).GroupBy(c => c.Key.Substring(11)).Select(g => new { g.Key, N = g.Sum(c => c.N) }).ToListAsync(ct))
                Count(towns, t.Key, t.N, 0);
            foreach (var t in await tallies.Days(tally, TallyKinds.ReceivedClosedTown, p.First, p.Last).GroupBy(c => c.Key.Substring(11)).Select(g => new { g.Key, N = g.Sum(c => c.N) }).ToListAsync(ct))
                Count(towns, t.Key, 0, t.N);
        }
        foreach (var part in LiveParts(actor, tally))
        {
            var inPeriod = part.Where(m => m.ReceivedAt >= start && m.ReceivedAt < end);
            foreach (var c in await inPeriod.GroupBy(m => m.CountyCode)
                .Select(g => new { g.Key, Received = g.Count(), Closed = g.Count(m => m.Status == Status.Closed) }).ToListAsync(ct))
                Count(counties, c.Key ?? "", c.Received, c.Closed);
            foreach (var t in await inPeriod.Where(m => m.TerritoryCode != null && m.TerritoryCode.Length >= 9)
                .GroupBy(m => m.TerritoryCode!.Substring(0, 9))
                .Select(g => new { g.Key, Received = g.Count(), Closed = g.Count(m => m.Status == Status.Closed) }).ToListAsync(ct))
                Count(towns, t.Key, t.Received, t.Closed);
        }
        var divisions = geo.Gazetteer.Divisions;
        var home = geo.Gazetteer.Home;
        // Every county the reader oversees has its row, with nothing received too (issue 18: a county left out reads as
        // no county): the city's readers every county of the city, a county's its own.
        var shown = scope.IsCityWide(actor) && home >= 0
            ? geo.Gazetteer.HomeCounties().Select(c => c.Code).ToHashSet(StringComparer.Ordinal)
            : MatterScope.CountyOf(actor) is { } own ? new HashSet<string>(StringComparer.Ordinal) { own } : [];
        foreach (var code in shown) counties.TryAdd(code, (0, 0));
        string Name(string code) => code.Length == 0
            ? home >= 0 ? divisions.Name(home) : ""
            : divisions.Find(code) is var i and >= 0 ? divisions.Name(i) : code;
        return new PlaceBreakdown(p,
            [.. counties.Where(c => c.Value.Received != 0 || shown.Contains(c.Key))
                .Select(c => new PlaceCount(c.Key.Length > 0 ? c.Key : home >= 0 ? divisions.Code(home) ?? "" : "", Name(c.Key), (int)c.Value.Received, (int)c.Value.Closed))
                .OrderByDescending(c => c.Received).ThenBy(c => c.Code, StringComparer.Ordinal)],
            [.. towns.Where(t => t.Value.Received != 0).Select(t => new PlaceCount(t.Key, Name(t.Key), (int)t.Value.Received, (int)t.Value.Closed))
                .OrderByDescending(t => t.Received).ThenBy(t => t.Code, StringComparer.Ordinal)]);
    }
}

public static class DashboardServices
{
    public static IServiceCollection AddDubanDashboard(this IServiceCollection services) =>
        services.AddScoped<DashboardQueries>().AddScoped<CockpitQueries>()
            .AddConsoleNav(new ConsoleNavEntry("/console/cockpit", new("领导驾驶舱", "Cockpit"), CockpitQueries.MayRead));
}
