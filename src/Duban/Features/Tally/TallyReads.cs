using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Tally;

/// <summary>
/// What a reader's counts are made of: the counters (all counties for the city's coordinators, or one
/// county's), as of <paramref name="CountedAt"/>, plus the few visible matters the counters leave out,
/// counted live (<paramref name="Live"/>, disjoint parts): the confidential reports with a subject unit,
/// each reader seeing those MatterScope lets them see; and for a county, the matters of other counties
/// assigned to its units (ix_assignments_cross).
/// </summary>
public sealed record TallyScope(DateTimeOffset CountedAt, string? County, IReadOnlyList<IQueryable<Matter>> Live);

/// <summary>The counters as readers use them, with exactly the visibility of <see cref="MatterScope.Visible"/>.</summary>
public sealed class TallyReads(DubanDb db, MatterScope scope, TimeProvider time, IOptions<TallyOptions> options)
{
    /// <summary>Ids fetched ahead of a live part at most; beyond, the part is counted as one query.</summary>
    private const int MaxPrefetched = 5_000;

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
        var at = await db.Set<TallyState>().AsNoTracking().Select(s => (DateTimeOffset?)s.CountedAt).FirstOrDefaultAsync(ct);
        if (at is not { } countedAt || countedAt < time.Now().AddSeconds(-options.Value.FreshForSeconds)) return null;
        // The parts counted live are few matters: their ids are fetched first (ix_matters_sensitive,
        // ix_assignments_cross), then counted by key. Left to itself, a count with a date range would be
        // planned from the date index (bench pages: the trend took 500 ms at 200,000 matters).
        var matters = db.Matters.AsNoTracking();
        var visible = scope.Visible(matters, db, actor);
        var live = new List<IQueryable<Matter>>();
        var reports = await visible.Where(m => m.Confidential && m.SubjectUnitCode != null).Select(m => m.Id).Take(MaxPrefetched + 1).ToListAsync(ct);
        if (reports.Count > MaxPrefetched) live.Add(visible.Where(m => m.Confidential && m.SubjectUnitCode != null));
        else if (reports.Count > 0) live.Add(matters.Where(m => reports.Contains(m.Id)));
        if (county is not null)
        {
#pragma warning disable CA1310 // translated to SQL LIKE 'prefix%'
            var crossing = db.Assignments.Where(a => a.CrossesCounty && a.Active && a.UnitTerritoryCode.StartsWith(county)).Select(a => a.MatterId);
#pragma warning restore CA1310
            var elsewhere = matters.Where(m => (m.CountyCode == null || m.CountyCode != county) && !(m.Confidential && m.SubjectUnitCode != null));
            var ids = await crossing.Distinct().OrderBy(id => id).Take(MaxPrefetched + 1).ToListAsync(ct);
            if (ids.Count > MaxPrefetched) live.Add(elsewhere.Where(m => crossing.Contains(m.Id)));
            else if (ids.Count > 0) live.Add(elsewhere.Where(m => ids.Contains(m.Id)));
        }
        return new TallyScope(countedAt, county, live);
    }

    /// <summary>The counters of one kind in the reader's counties.</summary>
    public IQueryable<TallyCount> Counts(TallyScope tally, string kind)
    {
        var counts = db.Set<TallyCount>().AsNoTracking().Where(c => c.Kind == kind);
        return tally.County is { } county ? counts.Where(c => c.County == county) : counts;
    }

    /// <summary>The counters of one kind whose key starts with a China date in [first, last].</summary>
    public IQueryable<TallyCount> Days(TallyScope tally, string kind, DateOnly first, DateOnly last)
    {
        var from = TallyKinds.Day(first);
        var to = TallyKinds.Day(last.AddDays(1));
#pragma warning disable CA1309 // translated to SQL key >= from AND key < to: the databases compare the ASCII keys bytewise
        return Counts(tally, kind).Where(c => string.Compare(c.Key, from) >= 0 && string.Compare(c.Key, to) < 0);
#pragma warning restore CA1309
    }
}
