using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

public sealed record ReasonRequest(int? Version, string? Reason);

/// <summary>
/// 退回: the lead unit sends a matter back (not theirs to handle) with a reason; the assignments
/// end and the matter waits for the dispatcher again, so it never sits with no one responsible.
/// </summary>
public sealed class Return(MatterWorkflow workflow)
{
    public Task<Result<Matter>> ExecuteAsync(long id, ReasonRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "return", (step, _) =>
        {
            var m = step.Matter;
            var error = MatterWorkflow.RequireStatus("退回/return", m, Status.Dispatched, Status.InProgress)
                ?? (MatterWorkflow.IsLeadUnit(actor, m) ? null : MatterWorkflow.NotYours("退回"))
                ?? RequireReason(req.Reason);
            if (error is not null) return Task.FromResult<Error?>(error);
            foreach (var a in m.Assignments) a.Active = false;
            step.Details["returnedBy"] = m.LeadUnitCode;
            m.LeadUnitCode = null;
            m.Status = Status.Returned;
            m.StatusReason = req.Reason!.Trim();
            m.ReturnCount++;
            m.ClearExtensionRequest();
            step.Reason = m.StatusReason;
            return Task.FromResult<Error?>(null);
        }, ct);

    internal static Error? RequireReason(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? Error.Validation("reason is required / 请填写理由")
        : reason.Length > 2000 ? Error.Validation("reason is at most 2000 characters") : null;
}
