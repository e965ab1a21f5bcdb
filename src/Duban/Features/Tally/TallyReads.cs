using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Tally;

/// <summary>
/// What a reader's counts are made of: the counters (all counties for the city's coordinators, or one
/// county's), as of <paramref name="CountedAt"/>, less the confidential reports about the reader's own
/// units (<paramref name="Hidden"/>: the reader's unit and those above it, whose twins "about" them the
/// reads subtract), plus, for a county, the few visible matters of other counties assigned to its units,
/// counted live (<paramref name="Live"/>, ix_assignments_cross).
/// </summary>
public sealed record TallyScope(DateTimeOffset CountedAt, string? County, IReadOnlyList<IQueryable<Matter>> Live, IReadOnlyList<string> Hidden);

/// <summary>The counters as readers use them, with exactly the visibility of <see cref="MatterScope.Visible"/>.</summary>
public sealed class TallyReads(DubanDb db, MatterScope scope, TimeProvider time, IOptions<TallyOptions> options)
{
    /// <summary>Ids fetched ahead of a live part at most; beyond, the part is counted as one query.</summary>
    private const int MaxPrefetched = 5_000;

    /// <summary>
    /// When the counters were last brought up to date, or null when they are missing or older than
    /// <see cref="TallyOptions.FreshForSeconds"/> (the job is off or failing): then a page counts live. A module's rollup
    /// kept by the same pass (<see cref="TallyRollup"/>) is as fresh as they are.
    /// </summary>
    public async Task<DateTimeOffset?> FreshAsync(CancellationToken ct)
    {
        var at = await db.Set<TallyState>().AsNoTracking().Where(s => s.Id == Tallies.StateId).Select(s => (DateTimeOffset?)s.CountedAt).FirstOrDefaultAsync(ct);
        return at is { } countedAt && countedAt >= time.Now().AddSeconds(-options.Value.FreshForSeconds) ? countedAt : null;
    }

    /// <summary>
    /// The counters' part of the actor's counts, or null when the actor counts live: readers below the
    /// county (their sets are small and index-served), and everybody while the counters are missing or
    /// older than <see cref="TallyOptions.FreshForSeconds"/> (the job is off or failing).
    /// </summary>
    public async Task<TallyScope?> ForAsync(Actor actor, CancellationToken ct)
    {
        string? county;
        if (scope.IsCityWide(actor)) county = null;
        else if (MatterScope.CountyOf(actor) is { } c) county = c;
        else return null;
        if (await FreshAsync(ct) is not { } countedAt) return null;
        var live = new List<IQueryable<Matter>>();
        if (county is not null)
        {
            // The matters of other counties assigned to the county's units: their ids first (ix_assignments_cross),
            // then counted by key. Left to itself, a count with a date range would be planned from the date index
            // (bench pages: the trend took 500 ms at 200,000 matters).
            var visible = scope.Visible(db.Matters.AsNoTracking(), db, actor);
            var crossing = MatterScope.CrossingInto(db, county);
            var elsewhere = visible.Where(m => m.CountyCode == null || m.CountyCode != county);
            var ids = await crossing.Distinct().OrderBy(id => id).Take(MaxPrefetched + 1).ToListAsync(ct);
            if (ids.Count > MaxPrefetched) live.Add(elsewhere.Where(m => crossing.Contains(m.Id)));
            else if (ids.Count > 0) live.Add(MatterScope.ByKeys(elsewhere, ids));
        }
        return new TallyScope(countedAt, county, live, [.. actor.UnitChain]);
    }

    /// <summary>The counters of one kind in the reader's counties, as the reader may see them.</summary>
    public IQueryable<TallyCount> Counts(TallyScope tally, string kind) => Seen(tally, kind, counts => counts);

    /// <summary>The counters of one kind whose key starts with a China date in [first, last].</summary>
    public IQueryable<TallyCount> Days(TallyScope tally, string kind, DateOnly first, DateOnly last)
    {
        var from = TallyKinds.Day(first);
        var to = TallyKinds.Day(last.AddDays(1));
#pragma warning disable CA1309 // translated to SQL key >= from AND key < to: the databases compare the ASCII keys bytewise
        return Seen(tally, kind, counts => counts.Where(c => string.Compare(c.Key, from) >= 0 && string.Compare(c.Key, to) < 0));
#pragma warning restore CA1309
    }

    /// <summary>
    /// The rates' counters (RateCount) of the China months from <paramref name="first"/>'s to <paramref name="last"/>'s (a whole
    /// year: the year's counters), as
    /// the reader may see them: of the reader's county, without the confidential reports about the reader's own
    /// units. Of every kind and channel: the counters over every matter, and, their counts negated, their twins about
    /// the reader's own units; of a kind and/or a channel: their counters but those about the reader's own units.
    /// </summary>
    public IQueryable<RateCount> Rates(TallyScope tally, DateOnly first, DateOnly last, string? kind, string? channel)
    {
        var (from, to) = (RateMeasures.Month(first), RateMeasures.Month(last));
        IQueryable<RateCount> rows;
        if (first.Month == 1 && first.Day == 1 && last == new DateOnly(first.Year, 12, 31))
        {
            // A whole year: its year's counters ("2026").
            var year = from[..4];
            rows = db.Set<RateCount>().AsNoTracking().Where(c => c.Month == year);
        }
        else
        {
            // Months ("2026-10" to "2026-12"). A year's "2026" sorts before its months, but after another year's
            // ("2025-11" to "2026-02" would take it): months only.
#pragma warning disable CA1309 // translated to SQL month >= from AND month <= to: the databases compare the ASCII months bytewise
            rows = db.Set<RateCount>().AsNoTracking().Where(c => string.Compare(c.Month, from) >= 0 && string.Compare(c.Month, to) <= 0 && c.Month.Length == 7);
#pragma warning restore CA1309
        }
        if (tally.County is { } county) rows = rows.Where(c => c.County == county);
        var hidden = tally.Hidden.ToArray();
        if (kind is null && channel is null)
        {
            rows = rows.Where(c => c.Kind == RateMeasures.All && c.Channel == RateMeasures.All);
            var all = rows.Where(c => c.Subject == "");
            if (hidden.Length == 0) return all;
            return Signed(all, 1).Concat(Signed(rows.Where(c => hidden.Contains(c.Subject)), -1));
        }
        if (kind is not null) rows = rows.Where(c => c.Kind == kind);
        if (channel is not null) rows = rows.Where(c => c.Channel == channel);
        return hidden.Length == 0 ? rows : rows.Where(c => !hidden.Contains(c.Subject));
    }

    /// <summary>The rows, their subject dropped and their counts times <paramref name="sign"/>: the negated twins a reader subtracts.</summary>
    private static IQueryable<RateCount> Signed(IQueryable<RateCount> rows, long sign) => rows.Select(c => new RateCount
    {
        Month = c.Month,
        County = c.County,
        Unit = c.Unit,
        Kind = c.Kind,
        Channel = c.Channel,
        Subject = "",
        Measure = c.Measure,
        N = sign * c.N,
    });

    /// <summary>
    /// The counters of one kind (narrowed by <paramref name="narrow"/>), and, with their counts negated, their
    /// twins about the reader's own units: summed by key, exactly the matters the reader sees. A reader with no
    /// such twin reads the counters alone.
    /// </summary>
    private IQueryable<TallyCount> Seen(TallyScope tally, string kind, Func<IQueryable<TallyCount>, IQueryable<TallyCount>> narrow)
    {
        var all = db.Set<TallyCount>().AsNoTracking();
        if (tally.County is { } county) all = all.Where(c => c.County == county);
        var counts = narrow(all.Where(c => c.Kind == kind));
        if (tally.Hidden.Count == 0) return counts;
        var about = tally.Hidden.Select(unit => TallyKinds.About(kind, unit)).ToArray();
        var hidden = narrow(all.Where(c => about.Contains(c.Kind)));
        return counts.Select(c => new TallyCount { Kind = kind, County = c.County, Key = c.Key, N = c.N })
            .Concat(hidden.Select(c => new TallyCount { Kind = kind, County = c.County, Key = c.Key, N = -c.N }));
    }
}
