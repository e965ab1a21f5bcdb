using System.Linq.Expressions;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Sources;

/// <summary>How much of a source a reader sees.</summary>
public enum SourceSight
{
    /// <summary>Nothing: it looks exactly like a source that does not exist.</summary>
    None,

    /// <summary>Its title and the items held by the reader's own unit.</summary>
    OwnItems,

    /// <summary>The whole source: its owner's line, and the supervisors above it.</summary>
    Whole,
}

/// <summary>
/// Who sees which source (Features/Sources/README.md): its owner unit and the coordinators of the
/// units above it see it whole, as do the city's supervisors, leaders and administrators, and a
/// county's those of their county's units; a unit holding one of its items sees the title and its
/// own items. A confidential source (a discipline campaign) is seen by its owner's line alone.
/// </summary>
public sealed class SourceAccess(MatterScope scope, UnitDirectory units)
{
    /// <summary>The owners whose sources the actor sees whole, and whether they see every non-confidential source.</summary>
    public sealed record Reach(bool AllOpen, IReadOnlySet<string> OwnerLine, IReadOnlySet<string> OpenOwners, string UnitCode);

    public async Task<Reach> ReachAsync(Actor actor, CancellationToken ct)
    {
        var all = await units.AllAsync(ct);
        var oversees = Oversees(actor);
        // The owner's line: the actor's own unit, and for a coordinator the units beneath it.
        var line = new HashSet<string>(StringComparer.Ordinal);
        if (actor.UnitCode.Length > 0)
        {
            line.Add(actor.UnitCode);
            if (oversees)
            {
                foreach (var u in all.Values)
                {
                    if (await units.IsWithinAsync(u.Code, actor.UnitCode, ct)) line.Add(u.Code);
                }
            }
        }
        var cityWide = oversees && scope.IsCityWide(actor);
        var open = new HashSet<string>(StringComparer.Ordinal);
        if (oversees && !cityWide && actor.TerritoryCode.Length > 0)
        {
            var prefix = MatterScope.TerritoryPrefix(actor.TerritoryCode);
            foreach (var u in all.Values.Where(u => u.TerritoryCode.StartsWith(prefix, StringComparison.Ordinal))) open.Add(u.Code);
        }
        return new Reach(cityWide, line, open, actor.UnitCode);
    }

    /// <summary>What the actor sees of the source, given whether their unit holds one of its items now.</summary>
    public static SourceSight SightOf(Reach reach, Source s, bool holdsAnItem) => SightOf(reach, s.OwnerUnitCode, s.Confidential, holdsAnItem);

    /// <summary>The same, from what a matter's facet knows of its source (its owner and whether it is confidential).</summary>
    public static SourceSight SightOf(Reach reach, string ownerUnitCode, bool confidential, bool holdsAnItem)
    {
        if (reach.OwnerLine.Contains(ownerUnitCode)) return SourceSight.Whole;
        if (confidential) return SourceSight.None;
        if (reach.AllOpen || reach.OpenOwners.Contains(ownerUnitCode)) return SourceSight.Whole;
        return holdsAnItem ? SourceSight.OwnItems : SourceSight.None;
    }

    /// <summary>What the actor sees of this source: whether their unit holds one of its items now is read from the database.</summary>
    public async Task<(SourceSight Sight, Reach Reach)> SightAsync(DubanDb db, Actor actor, Source s, CancellationToken ct)
    {
        var reach = await ReachAsync(actor, ct);
        var held = HeldBy(db, actor.UnitCode);
        var holds = !s.Confidential && await db.Set<SourceItem>().AnyAsync(i => i.SourceId == s.Id && held.Contains(i.MatterId), ct);
        return (SightOf(reach, s, holds), reach);
    }

    /// <summary>The sources the actor sees whole (<see cref="SightOf"/>'s rule), as a filter inside the query.</summary>
    public static Expression<Func<Source, bool>> SeenWhole(Reach reach) =>
        s => reach.OwnerLine.Contains(s.OwnerUnitCode) || (!s.Confidential && (reach.AllOpen || reach.OpenOwners.Contains(s.OwnerUnitCode)));

    /// <summary>The sources the actor sees at all (whole, or a unit's own items), as a filter inside the query.</summary>
    public static IQueryable<Source> Visible(IQueryable<Source> sources, DubanDb db, Reach reach)
    {
        if (reach.AllOpen) return sources.Where(SeenWhole(reach));
        var whole = db.Set<Source>().Where(SeenWhole(reach)).Select(s => s.Id);
        var held = HeldBy(db, reach.UnitCode);
        return sources.Where(s => whole.Contains(s.Id) || (!s.Confidential && db.Set<SourceItem>().Any(i => i.SourceId == s.Id && held.Contains(i.MatterId))));
    }

    /// <summary>The matters assigned to the unit now (lead or co-unit), by ix_assignments_unit.</summary>
    public static IQueryable<long> HeldBy(DubanDb db, string unit) =>
        db.Assignments.Where(a => a.Active && a.UnitCode == unit).Select(a => a.MatterId);

    /// <summary>
    /// May the actor create sources for, add items to, and report back on sources of this owner? Its own
    /// unit's supervisors and leaders (and any account of a supervising body: 督查室, 人大, 政协, 纪委), and the
    /// coordinators above it.
    /// </summary>
    public async Task<bool> MayManageAsync(Actor actor, string ownerUnitCode, CancellationToken ct)
    {
        if (actor.UnitCode.Length == 0) return false;
        if (actor.UnitCode == ownerUnitCode)
            return actor.HasAny(Roles.Supervisor, Roles.Leader) || (await units.FindAsync(ownerUnitCode, ct))?.Kind is { } kind && SupervisingKinds.Contains(kind);
        return actor.HasAny(Roles.Supervisor, Roles.Leader) && (scope.IsCityWide(actor) || await units.IsWithinAsync(ownerUnitCode, actor.UnitCode, ct));
    }

    /// <summary>May the actor create a source for some owner (the pages offer the forms only then)?</summary>
    public async Task<bool> MayCreateAnyAsync(Actor actor, CancellationToken ct) => (await OwnersAsync(actor, ct)).Count > 0;

    /// <summary>
    /// The owners the actor may create sources for, as the create form offers them: their own unit when they may, and for
    /// a coordinator the supervising bodies within reach (the city's: 督查室, 人大常委会, 政协, 纪委监委).
    /// </summary>
    public async Task<IReadOnlyList<UnitInfo>> OwnersAsync(Actor actor, CancellationToken ct)
    {
        var all = await units.AllAsync(ct);
        var owners = new List<UnitInfo>();
        if (all.TryGetValue(actor.UnitCode, out var own) && await MayManageAsync(actor, own.Code, ct)) owners.Add(own);
        foreach (var u in all.Values.Where(u => SupervisingKinds.Contains(u.Kind) && u.Code != actor.UnitCode).OrderBy(u => u.Code, StringComparer.Ordinal))
        {
            if (await MayManageAsync(actor, u.Code, ct)) owners.Add(u);
        }
        return owners;
    }

    /// <summary>The kinds of unit that own supervised work as a body (督查室, 人大常委会, 政协, 纪委监委).</summary>
    public static readonly IReadOnlySet<string> SupervisingKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "supervision_office", "congress", "cppcc", "discipline",
    };

    private static bool Oversees(Actor actor) => actor.HasAny(Roles.Admin, Roles.Supervisor, Roles.Leader);
}

/// <summary>A source's owner follows its items: its handlers (a congress office's clerks) open them and hear of their notices.</summary>
public sealed class SourceFollowing : MatterFollowing
{
    /// <summary>ix_sources_owner, then ix_source_items_source.</summary>
    public override IQueryable<long> FollowedBy(DubanDb db, string unitCode) =>
        from s in db.Set<Source>()
        where s.OwnerUnitCode == unitCode
        join i in db.Set<SourceItem>() on s.Id equals i.SourceId
        select i.MatterId;
}
