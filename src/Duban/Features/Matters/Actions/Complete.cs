using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters.Actions;

public sealed record CompleteRequest(int? Version, string? Outcome);

/// <summary>
/// 办结申请: the lead unit submits its outcome for review. A task split into sub-tasks is
/// complete only when every sub-task is finished.
/// </summary>
public sealed class Complete(MatterWorkflow workflow, Supervision.SupervisionClock clock)
{
    public Task<Result<Matter>> ExecuteAsync(long id, CompleteRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "complete", async (step, ct) =>
        {
            var m = step.Matter;
            var error = Check(actor, m)
                ?? (string.IsNullOrWhiteSpace(req.Outcome) || req.Outcome.Length > 10_000 ? Error.Validation("outcome is required, at most 10000 characters / 请填写办理结果") : null);
            if (error is not null) return error;
            var open = await workflow.Db.Matters.Where(c => c.ParentId == m.Id && !Status.Finished.Contains(c.Status))
                .Select(c => c.Number).ToListAsync(ct);
            if (open.Count > 0)
                return Error.Conflict("open_subtasks", $"子任务尚未全部办结：{string.Join("、", open)} / sub-tasks still open");
            // A required rectification plan is done when every milestone is.
            if (m.PlanRequired && (m.Milestones.Count == 0 || m.Milestones.Any(x => x.DoneAt is null)))
                return Error.Conflict("plan_unfinished", "整改方案尚未提交或尚有节点未完成 / the required rectification plan is missing or has open milestones");
            // Finished while paused: the pause ends, counted. Then the unit's clock stops while the
            // work waits for review (no steps, the light of this moment); send-back resumes it.
            if (m.PausedAt is not null) step.Details["pausedMs"] = (long)clock.Resume(m, step.Now).TotalMilliseconds;
            m.PausedAt = step.Now;
            m.PauseKind = Supervision.SupervisionClock.ReviewPause;
            m.Outcome = req.Outcome!.Trim();
            m.Progress = 100;
            // Done within the deadline it had: a pending request for more time lapses.
            m.ClearExtensionRequest();
            m.Status = Status.PendingReview;
            return null;
        }, ct);

    /// <summary>May the actor submit the outcome now (the lead unit, in progress; the dispatch centre for a parent it split at dispatch)? Open sub-tasks and an unfinished plan are the action's to refuse.</summary>
    public static bool Allows(Actor actor, Matter m) => Check(actor, m) is null;

    private static Error? Check(Actor actor, Matter m) =>
        MatterWorkflow.RequireStatus("提交办结/complete", m, Status.InProgress)
        ?? (MatterWorkflow.IsLeadUnit(actor, m) || Split.HoldsAsCoordinator(actor, m) ? null : MatterWorkflow.NotYours("提交办结"));
}
