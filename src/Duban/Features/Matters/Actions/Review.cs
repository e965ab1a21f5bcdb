using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

/// <summary>审核通过: a dispatcher or supervisor accepts the outcome and the matter is closed (办结).</summary>
public sealed class Approve(MatterWorkflow workflow)
{
    public Task<Result<Matter>> ExecuteAsync(long id, VersionedRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "approve", (step, _) =>
        {
            var m = step.Matter;
            var error = Check(workflow.Scope, actor, m, "审核通过/approve");
            if (error is not null) return Task.FromResult<Error?>(error);
            m.Status = Status.Closed;
            m.ClosedAt = step.Now;
            // The unit's clock stopped when it completed; closed, nothing is paused any more.
            Supervision.SupervisionClock.Stop(m);
            step.Reason = Text.OrNull(req.Note);
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>May the actor review the outcome now (a dispatcher or supervisor, pending review)? The same for approving and sending back.</summary>
    public static bool Allows(MatterScope scope, Actor actor, Matter m) => Check(scope, actor, m, "审核/review") is null;

    internal static Error? Check(MatterScope scope, Actor actor, Matter m, string action) =>
        MatterWorkflow.RequireStatus(action, m, Status.PendingReview)
        ?? (scope.Coordinates(actor) ? null : MatterWorkflow.NotYours("审核"));
}

/// <summary>审核退回: the outcome is not good enough; the unit works on with the reviewer's reason.</summary>
public sealed class SendBack(MatterWorkflow workflow, Supervision.SupervisionClock clock)
{
    public Task<Result<Matter>> ExecuteAsync(long id, ReasonRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "send_back", (step, _) =>
        {
            var m = step.Matter;
            var error = Approve.Check(workflow.Scope, actor, m, "审核退回/send-back")
                ?? Return.RequireReason(req.Reason);
            if (error is not null) return Task.FromResult<Error?>(error);
            m.Status = Status.InProgress;
            m.StatusReason = req.Reason!.Trim();
            step.Reason = m.StatusReason;
            // The unit works on: its clock runs again, the time under review not counted against it.
            if (m.PauseKind == Supervision.SupervisionClock.ReviewPause) step.Details["pausedMs"] = (long)clock.Resume(m, step.Now).TotalMilliseconds;
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>The reviewer's other answer: allowed exactly when approving is (<see cref="Approve.Allows"/>).</summary>
    public static bool Allows(MatterScope scope, Actor actor, Matter m) => Approve.Allows(scope, actor, m);
}
