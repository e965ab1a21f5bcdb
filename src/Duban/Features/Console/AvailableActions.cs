using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.StaffConsole;

/// <summary>Which of a matter's actions the console offers the current user.</summary>
public sealed record MatterActions(bool Dispatch, bool Accept, bool Return, bool Progress, bool Complete, bool Review, bool Urge, bool RevealRaiser)
{
    public bool Any => Dispatch || Accept || Return || Progress || Complete || Review || Urge;
}

/// <summary>
/// What to show, not what to allow: composed from the predicates the actions themselves use
/// (<see cref="MatterWorkflow.IsLeadUnit"/>, <see cref="MatterWorkflow.IsCoUnit"/>,
/// <see cref="MatterScope.Coordinates"/>, <see cref="MatterScope.IsInSubject"/>,
/// <see cref="MatterScope.MaySeeRaiserAsync"/>) and the states each action starts from. The action
/// stays the authority: anything it refuses (a closed return window, an open sub-task, a stale
/// version) is shown as its own message next to the form.
/// </summary>
public sealed class AvailableActions(DubanDb db, MatterScope scope, UnitDirectory units)
{
    public async Task<MatterActions?> ForAsync(long id, Actor actor, CancellationToken ct)
    {
        var m = await scope.Visible(db.Matters.AsNoTracking(), db, actor).Include(x => x.Assignments).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (m is null) return null;
        var lead = MatterWorkflow.IsLeadUnit(actor, m);
        var co = MatterWorkflow.IsCoUnit(actor, m);
        var coShareOpen = co && m.Assignments.Any(a => a.Active && a.Role == "co" && a.UnitCode == actor.UnitCode && a.AcceptedAt is null);
        var running = m.Status is Status.Dispatched or Status.InProgress;
        return new MatterActions(
            Dispatch: m.Status is Status.Received or Status.Returned && scope.Coordinates(actor) && !MatterScope.IsInSubject(actor, m),
            Accept: (m.Status == Status.Dispatched && lead) || (running && coShareOpen),
            Return: running && lead,
            Progress: m.Status == Status.InProgress && (lead || co),
            Complete: m.Status == Status.InProgress && lead,
            Review: m.Status == Status.PendingReview && scope.Coordinates(actor),
            Urge: running && actor.HasAny(Roles.Supervisor, Roles.Dispatcher, Roles.Leader),
            RevealRaiser: !m.RaiserAnonymous && m.RaiserSealed is not null && await scope.MaySeeRaiserAsync(actor, m, units, ct));
    }
}
