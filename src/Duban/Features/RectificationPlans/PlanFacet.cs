using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.RectificationPlans;

/// <summary>A matter's rectification plan as loaded: its milestones, and the rows read, so that a change saves only what changed.</summary>
public sealed class PlanState
{
    public List<PlanMilestone> Milestones { get; } = [];

    internal List<PlanMilestone> Loaded { get; } = [];
}

/// <summary>
/// The rectification plan (整改方案) as a facet: its milestones are loaded with the matter, hashed
/// into its state after the clock (where they always were), turn the light yellow when one is
/// late, hold back completion while a required plan is unfinished, and go when the matter passes
/// to another unit.
/// </summary>
public sealed class PlanFacet : MatterFacet
{
    public const string FacetName = "plan";

    public override string Name => FacetName;

    /// <summary>After sub-tasks: a matter with both open is refused completion for its sub-tasks first, as before facets.</summary>
    public override int Order => 20;

    /// <summary>The plan of a loaded matter (empty for one that has none, or that was not loaded with its facets).</summary>
    public static PlanState Of(Matter m) => m.Facets.GetOrAdd<PlanState>();

    public override async Task LoadAsync(DubanDb db, IReadOnlyList<Matter> matters, bool tracked, CancellationToken ct)
    {
        var ids = matters.Select(m => m.Id).ToList();
        var rows = db.Set<PlanMilestone>().Where(x => ids.Contains(x.MatterId));
        var loaded = await (tracked ? rows : rows.AsNoTracking()).ToListAsync(ct);
        var byMatter = loaded.ToLookup(x => x.MatterId);
        foreach (var m in matters)
        {
            var state = new PlanState();
            state.Milestones.AddRange(byMatter[m.Id].OrderBy(x => x.Seq));
            state.Loaded.AddRange(state.Milestones);
            m.Facets.Set(state);
        }
    }

    public override void Save(Matter m, DubanDb db)
    {
        if (m.Facets.Get<PlanState>() is not { } state) return;
        foreach (var gone in state.Loaded.Except(state.Milestones)) db.Set<PlanMilestone>().Remove(gone);
        foreach (var added in state.Milestones.Except(state.Loaded))
        {
            added.MatterId = m.Id;
            db.Set<PlanMilestone>().Add(added);
        }
        state.Loaded.Clear();
        state.Loaded.AddRange(state.Milestones);
    }

    /// <summary>The milestones in the order of their numbers, each with every field.</summary>
    public override object? HashPart(Matter m)
    {
        static long? Ms(DateTimeOffset? t) => t?.ToUnixTimeMilliseconds();
        var milestones = m.Facets.Get<PlanState>()?.Milestones;
        return milestones is not { Count: > 0 } ? null
            : milestones.OrderBy(x => x.Seq).Select(x => new object?[] { x.Seq, x.Title, Ms(x.DueAt), x.Weight, Ms(x.DoneAt), x.Note }).ToArray();
    }

    /// <summary>The plan came with the clock and its milestones always followed it in the hash.</summary>
    public override bool HashedWithClock => true;

    /// <summary>A milestone not done by its date turns the light yellow.</summary>
    public override DateTimeOffset? WarningPoint(Matter m)
    {
        DateTimeOffset? point = null;
        foreach (var x in m.Facets.Get<PlanState>()?.Milestones ?? [])
        {
            if (x.DoneAt is null && (point is null || x.DueAt < point)) point = x.DueAt;
        }
        return point?.AddMilliseconds(1);
    }

    /// <summary>A required rectification plan is done when every milestone is.</summary>
    public override Task<Error?> GuardAsync(string action, ActionStep step, CancellationToken ct)
    {
        var m = step.Matter;
        var milestones = Of(m).Milestones;
        return Task.FromResult(action == Matters.Actions.Complete.Name && m.PlanRequired && (milestones.Count == 0 || milestones.Any(x => x.DoneAt is null))
            ? Error.Conflict("plan_unfinished", "整改方案尚未提交或尚有节点未完成 / the required rectification plan is missing or has open milestones")
            : null);
    }

    /// <summary>Another unit's rectification plan is not the new unit's (it stays in the events).</summary>
    public override void OnNewHolder(Matter m) => Of(m).Milestones.Clear();

    /// <summary>The milestones in the clock's view, where the API has always shown them.</summary>
    public override Task<MatterDetail> DescribeAsync(MatterDetail detail, Matter m, FacetView view, CancellationToken ct) =>
        Task.FromResult(detail.Clock is not { } clock ? detail : detail with
        {
            Clock = clock with
            {
                Milestones = [.. Of(m).Milestones.OrderBy(x => x.Seq).Select(x => new MilestoneView(x.Seq, x.Title, x.DueAt, x.Weight, x.DoneAt, x.Note,
                    (x.DoneAt ?? view.Now) > x.DueAt))],
            },
        });

    public override Type? PageSection => typeof(PlanSection);

    /// <summary>The weighted share of the milestones done, as a whole percentage.</summary>
    public static int WeightedProgress(IReadOnlyCollection<PlanMilestone> milestones)
    {
        var total = milestones.Sum(x => x.Weight);
        return total == 0 ? 0 : (int)Math.Round(100.0 * milestones.Where(x => x.DoneAt is not null).Sum(x => x.Weight) / total, MidpointRounding.AwayFromZero);
    }
}
