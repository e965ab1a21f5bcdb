using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Supervision;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.StaffConsole;

/// <summary>Which of a matter's actions the console offers the current user.</summary>
public sealed record MatterActions
{
    // 办理: the work on the matter.
    public bool Dispatch { get; init; }
    public bool Accept { get; init; }
    public bool Progress { get; init; }
    public bool Complete { get; init; }
    public bool Review { get; init; }
    public bool Return { get; init; }
    public bool Split { get; init; }
    public bool ExtensionRequest { get; init; }
    public bool PlanSubmit { get; init; }
    public bool MilestoneDone { get; init; }
    public bool Reopen { get; init; }

    // 督办: pressing and watching.
    public bool Urge { get; init; }
    public bool ExtensionDecide { get; init; }
    public bool Pause { get; init; }
    public bool Resume { get; init; }
    public bool KeySupervision { get; init; }
    public bool PlanRequire { get; init; }

    // 更正: what the dispatcher corrects or ends.
    public bool Relocate { get; init; }
    public bool Merge { get; init; }
    public bool Reject { get; init; }
    public bool ReturnReview { get; init; }

    public bool RevealRaiser { get; init; }

    public bool Handling => Dispatch || Accept || Progress || Complete || Review || Return || Split || ExtensionRequest || PlanSubmit || MilestoneDone || Reopen;
    public bool Supervising => Urge || ExtensionDecide || Pause || Resume || KeySupervision || PlanRequire;
    public bool Correcting => Relocate || Merge || Reject || ReturnReview;
    public bool Any => Handling || Supervising || Correcting;
}

/// <summary>What the queue offers on one waiting matter besides dispatching it.</summary>
public sealed record QueueActions(bool Classify, bool Relocate, bool Merge, bool Reject, bool Split);

/// <summary>
/// What to show, not what to allow: each action class's own <c>Allows</c> (the predicate its own
/// check is made of: the states it starts from and who may take it), so a rule is written once.
/// The action stays the authority: anything it refuses beyond that (a closed return window, an
/// open sub-task, a policy's limit, a stale version) is shown as its own message next to the form.
/// </summary>
public sealed class AvailableActions(DubanDb db, MatterScope scope, UnitDirectory units, TimeProvider time)
{
    public async Task<MatterActions?> ForAsync(long id, Actor actor, CancellationToken ct)
    {
        var m = await scope.Visible(db.Matters.AsNoTracking(), db, actor).Include(x => x.Assignments).Include(x => x.Milestones)
            .FirstOrDefaultAsync(x => x.Id == id, ct);
        if (m is null) return null;
        var openReturn = m.Status == Status.Returned
            ? await db.DispatchReturns.AsNoTracking().Where(r => r.MatterId == m.Id && (r.State == DispatchReturn.Pending || r.State == DispatchReturn.Review))
                .OrderByDescending(r => r.Id).Select(r => r.State).FirstOrDefaultAsync(ct)
            : null;
        return new MatterActions
        {
            Dispatch = Matters.Actions.Dispatch.Allows(scope, actor, m),
            Accept = Matters.Actions.Accept.Allows(actor, m),
            Progress = ReportProgress.Allows(actor, m),
            Complete = Matters.Actions.Complete.Allows(actor, m),
            Review = Approve.Allows(scope, actor, m) && SendBack.Allows(scope, actor, m),
            Return = Matters.Actions.Return.Allows(actor, m),
            Split = Matters.Actions.Split.Allows(scope, actor, m),
            ExtensionRequest = Extension.Allows(scope, actor, m, "request"),
            // Offered once a plan is asked for (or exists): the action takes one unasked too, through the API.
            PlanSubmit = RectificationPlan.AllowsSubmit(actor, m) && (m.PlanRequired || m.Milestones.Count > 0),
            MilestoneDone = RectificationPlan.AllowsDone(actor, m) && m.Milestones.Any(x => x.DoneAt is null),
            Reopen = Matters.Actions.Reopen.Allows(actor, m),
            Urge = Matters.Actions.Urge.Allows(actor, m),
            ExtensionDecide = Extension.Allows(scope, actor, m, "approve"),
            Pause = ClockPause.AllowsPause(scope, actor, m, time.Now()),
            Resume = ClockPause.AllowsResume(scope, actor, m),
            KeySupervision = Supervision.KeySupervision.Allows(actor, m),
            PlanRequire = RectificationPlan.AllowsRequire(actor, m),
            Relocate = Matters.Actions.Relocate.Allows(scope, actor, m),
            Merge = Matters.Actions.Merge.Allows(scope, actor, m),
            Reject = Matters.Actions.Reject.Allows(scope, actor, m),
            ReturnReview = Matters.Actions.ReturnReview.Allows(scope, actor, m, openReturn),
            RevealRaiser = !m.RaiserAnonymous && m.RaiserSealed is not null && await scope.MaySeeRaiserAsync(actor, m, units, ct),
        };
    }

    /// <summary>For each of the queue's matters the actor sees, what the queue offers besides dispatching.</summary>
    public async Task<IReadOnlyDictionary<long, QueueActions>> ForQueueAsync(IReadOnlyCollection<long> ids, Actor actor, CancellationToken ct)
    {
        var matters = await scope.Visible(db.Matters.AsNoTracking(), db, actor).Include(x => x.Assignments)
            .Where(x => ids.Contains(x.Id)).ToListAsync(ct);
        return matters.ToDictionary(m => m.Id, m => new QueueActions(
            Classify.Allows(scope, actor, m), Matters.Actions.Relocate.Allows(scope, actor, m), Matters.Actions.Merge.Allows(scope, actor, m),
            Matters.Actions.Reject.Allows(scope, actor, m), Matters.Actions.Split.Allows(scope, actor, m)));
    }
}
