using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters;

/// <summary>
/// A facet: state that only some matters have, kept in a module's own table (a rectification
/// plan's milestones) or read from other matters (a task's sub-tasks), and registered with the
/// core so that loading, the audit chain, the light, the detail view and the matter page take it
/// in without the core knowing it. A facet is a stateless singleton; the state of one matter lives
/// in that matter's <see cref="Matter.Facets"/>. Override what the facet needs; the rest does nothing.
/// </summary>
public abstract class MatterFacet
{
    /// <summary>Its name: the key of its part in the detail's <c>facets</c>, and in kind traits.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Its place among the facets, whatever the order of registration: the order of their guards (which
    /// refusal wins), page sections and, above all, hash parts. Never change it once the facet has put a
    /// part in a chain: every state hashed with it would stop verifying. Sub-tasks 10, the plan 20;
    /// later modules take higher numbers.
    /// </summary>
    public virtual int Order => 1000;

    /// <summary>
    /// Reads the facet's state of these matters (one query for all of them) into each one's
    /// <see cref="Matter.Facets"/>. <paramref name="tracked"/>: the matters are about to change, so
    /// their rows are read for change tracking.
    /// </summary>
    public virtual Task LoadAsync(DubanDb db, IReadOnlyList<Matter> matters, bool tracked, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Before an action's change is saved: adds and removes the rows its state gained or lost.</summary>
    public virtual void Save(Matter m, DubanDb db)
    {
    }

    /// <summary>
    /// Its part of the matter's state hash (AuditLog.StateHash), or null when the matter has none: a
    /// part joins the hash only when present, so a chain written before the facet existed still verifies.
    /// </summary>
    public virtual object? HashPart(Matter m) => null;

    /// <summary>
    /// The rectification plan's part always followed the clock's in the hash ([] when it had no
    /// milestone), from before facets existed; a facet that keeps that layout says so. New facets don't.
    /// </summary>
    public virtual bool HashedWithClock => false;

    /// <summary>Adds its fields to the audit snapshot, whose changes each event records (only when present).</summary>
    public virtual void Snapshot(Matter m, JsonObject snapshot)
    {
    }

    /// <summary>When its state turns the light yellow (a milestone due), or null: the clock keeps the earliest.</summary>
    public virtual DateTimeOffset? WarningPoint(Matter m) => null;

    /// <summary>Refuses a step of the core that its state forbids (completion with milestones open), or null.</summary>
    public virtual Task<Error?> GuardAsync(string action, ActionStep step, CancellationToken ct) => Task.FromResult<Error?>(null);

    /// <summary>
    /// Takes its part of a step the action has taken and its guards allowed: the request's members it owns
    /// (<see cref="ActionStep.Extensions"/>, e.g. a campaign's measures at <c>complete</c>), checked and kept
    /// in its state. A refusal (a 400 naming the member) undoes the whole step.
    /// </summary>
    public virtual Task<Error?> OnActionAsync(string action, ActionStep step, CancellationToken ct) => Task.FromResult<Error?>(null);

    /// <summary>Units that follow the matter without holding it (a source's owner): the supervision job tells them of its notices and escalations.</summary>
    public virtual IEnumerable<string> Followers(Matter m) => [];

    /// <summary>The matter passes to a new holder (a dispatch): what belonged to the previous one is dropped (it stays in the events).</summary>
    public virtual void OnNewHolder(Matter m)
    {
    }

    /// <summary>Adds its part to the detail view (in <see cref="MatterDetail.Facets"/>, or in the fields it has always filled).</summary>
    public virtual Task<MatterDetail> DescribeAsync(MatterDetail detail, Matter m, FacetView view, CancellationToken ct) => Task.FromResult(detail);

    /// <summary>The component that draws its section of the matter page (parameter <c>Matter</c>, a <see cref="MatterDetail"/>), or null.</summary>
    public virtual Type? PageSection => null;
}

/// <summary>What a facet's view may read: the database, the reader, the time, the units' names.</summary>
public sealed record FacetView(DubanDb Db, Actor Actor, DateTimeOffset Now, Func<string?, UnitRef?> Unit, MatterClock Clock);

/// <summary>The facets' state of one loaded matter, by type.</summary>
public sealed class FacetStates
{
    private readonly Dictionary<Type, object> states = [];

    /// <summary>
    /// Whether the facets' state is known: read with the matter (<see cref="MatterFacets.LoadAsync"/>),
    /// or the matter is new and has none. A state not read must never be hashed as "no state": the
    /// chain would record a plan's absence and `audit verify` find its milestones later.
    /// </summary>
    public bool Known { get; private set; }

    /// <summary>Marks a matter being created: it has no facet state yet.</summary>
    public void MarkNew() => Known = true;

    internal void MarkLoaded() => Known = true;

    public T? Get<T>() where T : class => states.TryGetValue(typeof(T), out var s) ? (T)s : null;

    public void Set<T>(T state) where T : class => states[typeof(T)] = state;

    /// <summary>The state of this type, made empty when the matter has none yet (a facet's <c>Of(matter)</c>).</summary>
    public T GetOrAdd<T>() where T : class, new()
    {
        if (Get<T>() is { } state) return state;
        state = new T();
        Set(state);
        return state;
    }
}

/// <summary>
/// The registered facets, in the order of their <see cref="MatterFacet.Order"/> (which is the order of their
/// guards, hash parts and page sections). A matter carries those its kind does (<see cref="KindTraits.Facets"/>); the hash
/// asks every facet, whose part is absent for a matter that does not carry it.
/// </summary>
public sealed class MatterFacets(IEnumerable<MatterFacet> facets, MatterKinds kinds)
{
    public IReadOnlyList<MatterFacet> All { get; } = [.. facets.OrderBy(f => f.Order).ThenBy(f => f.Name, StringComparer.Ordinal)];

    /// <summary>The facets a matter of this kind carries.</summary>
    public IEnumerable<MatterFacet> Of(string kind) => kinds.Find(kind) is { Facets: not null } traits ? All.Where(f => traits.HasFacet(f.Name)) : All;

    /// <summary>Reads every facet's state of the matters that carry it.</summary>
    public async Task LoadAsync(DubanDb db, IReadOnlyList<Matter> matters, bool tracked, CancellationToken ct)
    {
        if (matters.Count == 0) return;
        foreach (var m in matters) m.Facets.MarkLoaded();
        foreach (var f in All)
        {
            var carrying = matters.Where(m => Of(m.Kind).Contains(f)).ToList();
            if (carrying.Count > 0) await f.LoadAsync(db, carrying, tracked, ct);
        }
    }

    public void Save(Matter m, DubanDb db)
    {
        foreach (var f in Of(m.Kind)) f.Save(m, db);
    }

    public async Task<Error?> GuardAsync(string action, ActionStep step, CancellationToken ct)
    {
        foreach (var f in Of(step.Matter.Kind))
        {
            if (await f.GuardAsync(action, step, ct) is { } refused) return refused;
        }
        return null;
    }

    public async Task<Error?> OnActionAsync(string action, ActionStep step, CancellationToken ct)
    {
        foreach (var f in Of(step.Matter.Kind))
        {
            if (await f.OnActionAsync(action, step, ct) is { } refused) return refused;
        }
        return null;
    }

    /// <summary>The units that follow the matter, by the facets it carries, each once.</summary>
    public IReadOnlyList<string> Followers(Matter m) => [.. Of(m.Kind).SelectMany(f => f.Followers(m)).Distinct(StringComparer.Ordinal)];

    public void OnNewHolder(Matter m)
    {
        foreach (var f in Of(m.Kind)) f.OnNewHolder(m);
    }

    public void Snapshot(Matter m, JsonObject snapshot)
    {
        foreach (var f in Of(m.Kind)) f.Snapshot(m, snapshot);
    }

    /// <summary>The earliest warning point of the facets the matter carries.</summary>
    public DateTimeOffset? WarningPoint(Matter m)
    {
        DateTimeOffset? point = null;
        foreach (var f in Of(m.Kind))
        {
            if (f.WarningPoint(m) is { } p && (point is null || p < point)) point = p;
        }
        return point;
    }

    public async Task<MatterDetail> DescribeAsync(MatterDetail detail, Matter m, FacetView view, CancellationToken ct)
    {
        foreach (var f in Of(m.Kind)) detail = await f.DescribeAsync(detail, m, view, ct);
        return detail;
    }
}
