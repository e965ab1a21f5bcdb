using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

/// <summary>不予受理: the dispatcher declines a matter that is not for the system, with a reason the raiser sees.</summary>
public sealed class Reject(MatterWorkflow workflow) : MatterAction<Reject, ReasonRequest>, IDescribedAction
{
    public const string Name = "reject";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Correct, typeof(ReasonRequest), new("不予受理", "Decline"),
        [new(Name, new("不予受理", "Rejected"), e => "不予受理：" + e.Reason)],
        [new(Name, new("不予受理", "Decline (not for the system)"), typeof(Forms.RejectForm), p => FormPost.Ok(new ReasonRequest(p.Version, p.Text("reason"))))]);

    public override Task<Result<Matter>> ExecuteAsync(long id, ReasonRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, async (step, ct) =>
        {
            var m = step.Matter;
            var error = Check(workflow.Scope, actor, m)
                ?? ActionRules.RequireReason(req.Reason);
            if (error is not null) return error;
            // A return waiting for a judgement ends with the matter: the unit was right not to take it.
            var open = await ActionRules.OpenReturnAsync(workflow.Db, m, actor, ct);
            if (!open.IsSuccess) return open.Error;
            if (open.Value is { } returned) ActionRules.Judge(returned, DispatchReturn.Upheld, step);
            m.Status = Status.Rejected;
            m.StatusReason = req.Reason!.Trim();
            step.Reason = m.StatusReason;
            return null;
        }, ct);

    /// <summary>May the actor decline the matter now (a dispatcher or supervisor, while it waits)? A return under a supervisor's review is the action's to refuse.</summary>
    public override bool Allows(ActionContext context) => Check(context.Scope, context.Actor, context.Matter) is null;

    private static Error? Check(MatterScope scope, Actor actor, Matter m) =>
        ActionRules.RequireStatus("不予受理/reject", m, Status.Received, Status.Returned)
        ?? (scope.Coordinates(actor) ? null : ActionRules.NotYours("不予受理"));
}
