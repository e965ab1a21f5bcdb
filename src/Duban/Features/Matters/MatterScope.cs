using Duban.Common;
using Duban.Data;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters;

/// <summary>
/// Who sees which matters, applied inside every query (not only in the UI):
/// city-level dispatchers, supervisors, leaders and administrators see all; the same roles in a
/// county or town see the matters of their territory or assigned to units in it; a handler sees
/// only what is assigned to their own unit now, and what their unit follows (<see cref="MatterFollowing"/>).
/// </summary>
public sealed class MatterScope(IConfiguration configuration, IEnumerable<MatterFollowing> followings)
{
    private readonly MatterFollowing[] followings = [.. followings];

    private readonly string homeDivision = configuration["Duban:HomeDivision"] ?? "440700";

    public bool IsCityWide(Actor actor) =>
        actor.TerritoryCode == homeDivision && Oversees(actor);

    public bool Coordinates(Actor actor) => actor.HasAny(Roles.Dispatcher, Roles.Supervisor);

    /// <summary>
    /// The matters the actor may see, as a filter inside the query (docs/BENCHMARKS.md, bench lists,
    /// has the cost of each scope on a large table).
    /// </summary>
    public IQueryable<Matter> Visible(IQueryable<Matter> matters, DubanDb db, Actor actor)
    {
        matters = WithoutReportsAboutOwnUnit(matters, actor);
        if (IsCityWide(actor)) return matters;
        if (CountyOf(actor) is { } county)
        {
            var prefix = county;
#pragma warning disable CA1310 // translated to SQL LIKE 'prefix%' (ordinal, index-friendly); no culture is involved
            return matters.Where(m => m.CountyCode == county || m.Assignments.Any(a => a.Active && a.UnitTerritoryCode.StartsWith(prefix)));
        }
        if (Oversees(actor) && actor.TerritoryCode.Length > 0)
        {
            var prefix = TerritoryPrefix(actor.TerritoryCode);
            return matters.Where(m => (m.TerritoryCode != null && m.TerritoryCode.StartsWith(prefix))
                || m.Assignments.Any(a => a.Active && a.UnitTerritoryCode.StartsWith(prefix)));
#pragma warning restore CA1310
        }
        if (actor.Has(Roles.Handler) && actor.UnitCode.Length > 0)
        {
            var ids = UnitMatterIds(db, actor.UnitCode);
            return matters.Where(m => ids.Contains(m.Id));
        }
        return matters.Where(m => false);
    }

    /// <summary>
    /// The same set as <see cref="Visible"/>, as disjoint parts that an index each serves in date
    /// order: for a county, its own matters (ix_matters_county) and, found first through the
    /// county-crossing assignments (ix_assignments_cross), the few matters elsewhere assigned to
    /// its units; for everyone else, one part.
    /// A list counts and pages each part and merges them (bench lists: a part that may match
    /// nothing must not be left to the planner, which then walks the whole date index).
    /// <paramref name="states"/>, when given, holds every state the caller's filter admits (a superset: the filter
    /// itself still decides): a unit's matters are then narrowed to them by the assignments' copy of the state
    /// (ix_assignments_unit_status, schema 0034) before any matter row is read.
    /// </summary>
    public async Task<IReadOnlyList<IQueryable<Matter>>> VisiblePartsAsync(IQueryable<Matter> matters, DubanDb db, Actor actor, CancellationToken ct,
        IReadOnlyCollection<string>? states = null)
    {
        // Exactly the actors Visible treats as handlers: no coordinating role, only their unit.
        if (!Oversees(actor) && actor.Has(Roles.Handler) && actor.UnitCode.Length > 0)
        {
            var unitIds = UnitMatterIds(db, actor.UnitCode, states);
            // On PostgreSQL, a unit's queue: its matter ids first (ix_assignments_unit), then those matters by key; left
            // to itself PostgreSQL's planner walks the whole date index checking each matter's assignments. SQLite already
            // serves the subquery from the unit's index (4 ms at 500k matters) and is slower with a list of ids, which EF
            // passes to it as JSON (30 ms).
            if (db.IsPostgres)
            {
                var ids = await unitIds.Distinct().OrderBy(id => id).Take(MaxPrefetched + 1).ToListAsync(ct);
                if (ids.Count <= MaxPrefetched) return [WithoutReportsAboutOwnUnit(matters, actor).Where(m => ids.Contains(m.Id))];
            }
            return [WithoutReportsAboutOwnUnit(matters, actor).Where(m => unitIds.Contains(m.Id))];
        }
        if (IsCityWide(actor) || CountyOf(actor) is not { } county) return [Visible(matters, db, actor)];
        var elsewhere = await CrossingInto(db, county).Distinct().OrderBy(id => id).Take(MaxPrefetched + 1).ToListAsync(ct);
        if (elsewhere.Count > MaxPrefetched) return [Visible(matters, db, actor)];
        var own = OwnCounty(matters, actor, county);
        return elsewhere.Count == 0 ? [own] : [own, ByKeys(WithoutReportsAboutOwnUnit(matters, actor), elsewhere)];
    }

    /// <summary>
    /// A county's coordinator's own part of <see cref="Visible"/>: the matters of their county, but the
    /// reports about their own units; the same rows as Visible narrowed to the county, without its
    /// subquery of the assignments elsewhere, so that the county's indexes serve it.
    /// </summary>
    public IQueryable<Matter> OwnCounty(IQueryable<Matter> matters, Actor actor, string county) =>
        WithoutReportsAboutOwnUnit(matters, actor).Where(m => m.CountyCode == county);

    /// <summary>
    /// The ids of the matters of other counties assigned now to the units of <paramref name="county"/> (a matter may
    /// appear once per assignment). The county's codes are read as a range, which ix_assignments_cross serves:
    /// SQLite's LIKE 'prefix%' uses no index, and the planner then walked every assignment by ix_assignments_matter
    /// for a DISTINCT's order (0.7 s at a year's volume).
    /// </summary>
    public static IQueryable<long> CrossingInto(DubanDb db, string county)
    {
        var end = MatterQueries.PrefixEnd(county) ?? "A";
#pragma warning disable CA1309 // translated to SQL comparisons of digit strings; no culture is involved
        return db.Assignments.Where(a => a.CrossesCounty && a.Active
            && string.Compare(a.UnitTerritoryCode, county) >= 0 && string.Compare(a.UnitTerritoryCode, end) < 0).Select(a => a.MatterId);
#pragma warning restore CA1309
    }

    /// <summary>
    /// The matters of <paramref name="ids"/> among <paramref name="matters"/>, read by key whatever is added to the
    /// query later. As a plain filter, SQLite (planning without statistics) takes any `status = ?` added to it on a
    /// status index over the keys (a count of the closed among four matters read 875,000 index entries); as a
    /// subquery with a LIMIT, which it does not flatten into the outer query, the keys are read first.
    /// </summary>
    public static IQueryable<Matter> ByKeys(IQueryable<Matter> matters, IReadOnlyCollection<long> ids) =>
        matters.Where(m => ids.Contains(m.Id)).OrderBy(m => m.Id).Take(ids.Count);

    /// <summary>Ids fetched ahead of a list at most; beyond, the list runs as one combined query.</summary>
    private const int MaxPrefetched = 5_000;

    /// <summary>
    /// A confidential report about the actor's own unit, or a unit above it, is invisible to the
    /// actor whatever the role: the reported organisation never holds, sees or decides a report
    /// against itself (巡察/检举控告: 保护举报人).
    /// </summary>
    private static IQueryable<Matter> WithoutReportsAboutOwnUnit(IQueryable<Matter> matters, Actor actor)
    {
        var own = actor.UnitChain.ToArray();
        return own.Length == 0 ? matters : matters.Where(m => !(m.Confidential && m.SubjectUnitCode != null && own.Contains(m.SubjectUnitCode)));
    }

    /// <summary>Roles that see by territory (the city's, a county's), not by their unit's assignments.</summary>
    private static bool Oversees(Actor actor) => actor.HasAny(Roles.Admin, Roles.Dispatcher, Roles.Supervisor, Roles.Leader);

    /// <summary>
    /// The matters assigned to a unit now (ix_assignments_unit), and those it follows by a module's rule (a source's
    /// owner follows its items), in one subquery (UNION ALL) so that the planner still drives from the ids.
    /// </summary>
    private IQueryable<long> UnitMatterIds(DubanDb db, string unit, IReadOnlyCollection<string>? states = null)
    {
        var assigned = db.Assignments.Where(a => a.Active && a.UnitCode == unit);
        // The states inlined (a few words of the vocabulary): as a parameter EF sends a JSON list, which no index reads.
        if (states is not null)
        {
            var inlined = states.ToArray();
            assigned = assigned.Where(a => EF.Constant(inlined).Contains(a.MatterStatus!));
        }
        var ids = assigned.Select(a => a.MatterId);
        foreach (var following in followings) ids = ids.Concat(following.FollowedBy(db, unit));
        return ids;
    }

    /// <summary>The county a county-level coordinator (dispatcher, supervisor, leader, admin) answers for (the tally's counters are per county).</summary>
    internal static string? CountyOf(Actor actor) =>
        Oversees(actor) && actor.TerritoryCode.Length == 6
            ? Matter.CountyOf(actor.TerritoryCode) : null;

    /// <summary>Is the actor in the unit the matter reports on, or beneath it?</summary>
    public static bool IsInSubject(Actor actor, Matter matter) =>
        matter.SubjectUnitCode is { } subject && actor.UnitChain.Contains(subject);

    /// <summary>440700 → 4407 (a whole city), 440781 → 440781, 440781115 → 440781115.</summary>
    public static string TerritoryPrefix(string code)
    {
        if (code.Length != 6) return code;
        var trimmed = code;
        while (trimmed.Length > 2 && trimmed.EndsWith("00", StringComparison.Ordinal)) trimmed = trimmed[..^2];
        return trimmed;
    }

    /// <summary>
    /// May this actor read the raiser's identity? Never anyone in the unit reported on (or beneath
    /// it). A confidential report's raiser only to the discipline and inspection bodies that hold
    /// it (检举控告工作规则: 严格保密, the reporter's identity stays with the body that handles it).
    /// </summary>
    public async Task<bool> MaySeeRaiserAsync(Actor actor, Matter matter, UnitDirectory units, CancellationToken ct)
    {
        if (actor.Id is null || actor.UnitCode.Length == 0) return false;
        if (IsInSubject(actor, matter)) return false;
        if (!matter.Confidential) return true;
        if (actor.UnitKind is not ("discipline" or "inspection_group" or "inspection_office")) return false;
        return matter.LeadUnitCode is null || await units.IsWithinAsync(matter.LeadUnitCode, actor.UnitCode, ct);
    }
}

/// <summary>
/// A module's rule by which a unit follows matters it does not hold (a source's owner, its items): the unit's
/// handlers see them as their own unit's, read-only unless an action allows them more. Registered as a singleton.
/// </summary>
public abstract class MatterFollowing
{
    /// <summary>The ids of the matters the unit follows, as a query (served by an index of the module's tables).</summary>
    public abstract IQueryable<long> FollowedBy(DubanDb db, string unitCode);
}
