using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters.Actions;

public sealed record CompleteRequest(int? Version, string? Outcome);

/// <summary>
/// 办结申请: the lead unit submits its outcome for review. A task split into sub-tasks is
/// complete only when every sub-task is finished.
/// </summary>
public sealed class Complete(MatterWorkflow workflow)
{
    public Task<Result<Matter>> ExecuteAsync(long id, CompleteRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "complete", async (step, ct) =>
        {
            var m = step.Matter;
            var error = MatterWorkflow.RequireStatus("提交办结/complete", m, Status.InProgress)
                ?? (MatterWorkflow.IsLeadUnit(actor, m) ? null : MatterWorkflow.NotYours("提交办结"))
                ?? (string.IsNullOrWhiteSpace(req.Outcome) || req.Outcome.Length > 10_000 ? Error.Validation("outcome is required, at most 10000 characters / 请填写办理结果") : null);
            if (error is not null) return error;
            var open = await workflow.Db.Matters.Where(c => c.ParentId == m.Id && !Status.Finished.Contains(c.Status))
                .Select(c => c.Number).ToListAsync(ct);
            if (open.Count > 0)
                return Error.Conflict("open_subtasks", $"子任务尚未全部办结：{string.Join("、", open)} / sub-tasks still open");
            m.Outcome = req.Outcome!.Trim();
            m.Progress = 100;
            // Done within the deadline it had: a pending request for more time lapses.
            m.ClearExtensionRequest();
            m.Status = Status.PendingReview;
            return null;
        }, ct);
}
