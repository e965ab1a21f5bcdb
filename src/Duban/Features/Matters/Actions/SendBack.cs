using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

/// <summary>审核退回: the outcome is not good enough; the unit works on with the reviewer's reason.</summary>
public sealed class SendBack(MatterWorkflow workflow, MatterClock clock) : MatterAction<SendBack, ReasonRequest>, IDescribedAction
{
    public const string Name = "send-back";
    public const string EventName = "send_back";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(ReasonRequest), new("退回重办", "Send back"),
        [new(EventName, new("退回重办", "Sent back"))],
        [new(Name, new("退回重办", "Send back"), typeof(Forms.ReasonForm), p => FormPost.Ok(new ReasonRequest(p.Version, p.Text("reason"))))]);

    public override Task<Result<Matter>> ExecuteAsync(long id, ReasonRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, EventName, (step, _) =>
        {
            var m = step.Matter;
            var error = Approve.Check(workflow.Scope, actor, m, "审核退回/send-back")
                ?? ActionRules.RequireReason(req.Reason);
            if (error is not null) return Task.FromResult<Error?>(error);
            m.Status = Status.InProgress;
            m.StatusReason = req.Reason!.Trim();
            step.Reason = m.StatusReason;
            // The unit works on: its clock runs again, the time under review not counted against it.
            if (m.PauseKind == MatterClock.ReviewPause) step.Details["pausedMs"] = (long)clock.Resume(m, step.Now).TotalMilliseconds;
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>The reviewer's other answer: allowed exactly when approving is.</summary>
    public override bool Allows(ActionContext context) => Approve.Check(context.Scope, context.Actor, context.Matter, "审核/review") is null;
}
