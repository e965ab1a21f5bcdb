using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.SubTasks;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.StaffConsole;

/// <summary>What the queue offers on one waiting matter besides dispatching it.</summary>
public sealed record QueueActions(bool Classify, bool Relocate, bool Merge, bool Reject, bool Split);

/// <summary>
/// What the queue offers, from the action registry: each action's own <c>Allows</c> (the predicate
/// its own check is made of), so a rule is written once. The matter page reads the registry
/// through <see cref="MatterQueries.ReadAsync"/>.
/// </summary>
public sealed class AvailableActions(DubanDb db, MatterScope scope, MatterClock clock, MatterFacets facets, MatterActions registry,
    IServiceProvider services, TimeProvider time)
{
    /// <summary>For each of the queue's matters the actor sees, what the queue offers besides dispatching.</summary>
    public async Task<IReadOnlyDictionary<long, QueueActions>> ForQueueAsync(IReadOnlyCollection<long> ids, Actor actor, CancellationToken ct)
    {
        var matters = await scope.Visible(db.Matters.AsNoTracking(), db, actor).Include(x => x.Assignments)
            .Where(x => ids.Contains(x.Id)).ToListAsync(ct);
        await facets.LoadAsync(db, matters, tracked: false, ct);
        var now = time.Now();
        return matters.ToDictionary(m => m.Id, m =>
        {
            // The queue's own actions do not judge an open return, so its state is not read here.
            var c = new ActionContext(scope, actor, m, now, null, clock);
            bool May(string action) => registry.Allows(services, action, c);
            return new QueueActions(May(Classify.Name), May(Relocate.Name), May(Merge.Name), May(Reject.Name), May(Split.Name));
        });
    }
}
