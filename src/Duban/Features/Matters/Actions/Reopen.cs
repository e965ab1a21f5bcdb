using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

/// <summary>
/// 重新办理: a supervisor reopens a closed matter (e.g. the raiser says it was not solved); the
/// same lead unit works on it again and the previous outcome and feedback stay in the events.
/// </summary>
public sealed class Reopen(MatterWorkflow workflow)
{
    public Task<Result<Matter>> ExecuteAsync(long id, ReasonRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "reopen", (step, _) =>
        {
            var m = step.Matter;
            var error = MatterWorkflow.RequireStatus("重新办理/reopen", m, Status.Closed)
                ?? (actor.Has(Roles.Supervisor) ? null : MatterWorkflow.NotYours("重新办理（仅督办人员）"))
                ?? Return.RequireReason(req.Reason);
            if (error is not null) return Task.FromResult<Error?>(error);
            m.Status = Status.InProgress;
            m.StatusReason = req.Reason!.Trim();
            m.ClosedAt = null;
            m.Outcome = null;
            m.FeedbackResolved = null;
            m.FeedbackSatisfaction = null;
            m.ReopenCount++;
            step.Reason = m.StatusReason;
            return Task.FromResult<Error?>(null);
        }, ct);
}

/// <summary>不予受理: the dispatcher declines a matter that is not for the system, with a reason the raiser sees.</summary>
public sealed class Reject(MatterWorkflow workflow)
{
    public Task<Result<Matter>> ExecuteAsync(long id, ReasonRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "reject", (step, _) =>
        {
            var m = step.Matter;
            var error = MatterWorkflow.RequireStatus("不予受理/reject", m, Status.Received, Status.Returned)
                ?? (workflow.Scope.Coordinates(actor) ? null : MatterWorkflow.NotYours("不予受理"))
                ?? Return.RequireReason(req.Reason);
            if (error is not null) return Task.FromResult<Error?>(error);
            m.Status = Status.Rejected;
            m.StatusReason = req.Reason!.Trim();
            step.Reason = m.StatusReason;
            return Task.FromResult<Error?>(null);
        }, ct);
}
