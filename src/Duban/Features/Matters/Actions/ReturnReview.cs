using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

/// <summary>
/// 派单异议提交审核: the dispatcher does not decide a disputed return alone but sends it to a
/// supervisor with a reason; from then on only a supervisor re-dispatches the matter, which judges
/// the return (back to the unit: overruled; elsewhere: upheld).
/// </summary>
public sealed class ReturnReview(MatterWorkflow workflow) : MatterAction<ReturnReview, ReasonRequest>, IDescribedAction
{
    public const string Name = "return-review";

    /// <summary>Its event's name in the chain (audit verify replays it).</summary>
    public const string EventName = "return_review";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Correct, typeof(ReasonRequest), new("退单提交督办审核", "Send the return to a supervisor's review"),
        [new(EventName, new("退单提交审核", "Return sent to review"))],
        [new(Name, new("退单提交督办审核", "Send the return to a supervisor's review"), typeof(Forms.ReasonForm), p => FormPost.Ok(new ReasonRequest(p.Version, p.Text("reason"))))]);

    public override Task<Result<Matter>> ExecuteAsync(long id, ReasonRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, EventName, async (step, ct) =>
        {
            var m = step.Matter;
            var error = Check(workflow.Scope, actor, m)
                ?? ActionRules.RequireReason(req.Reason);
            if (error is not null) return error;
            var open = await ActionRules.OpenReturnAsync(workflow.Db, m.Id, ct);
            if (open is null) return Error.Conflict("no_open_return", "该事项没有待处理的退单 / the matter has no return waiting for a decision");
            if (open.State == DispatchReturn.Review) return Error.Conflict("already_in_review", "该退单已提交督办人员审核 / the return is already with a supervisor");
            open.State = DispatchReturn.Review;
            open.ReviewReason = req.Reason!.Trim();
            step.Reason = open.ReviewReason;
            step.Details["returnedBy"] = open.UnitCode;
            return null;
        }, ct);

    /// <summary>
    /// May the actor send the matter's return to review now (a dispatcher or supervisor, returned,
    /// its return still pending)?
    /// </summary>
    public override bool Allows(ActionContext context) => Check(context.Scope, context.Actor, context.Matter) is null && context.OpenReturnState == DispatchReturn.Pending;

    private static Error? Check(MatterScope scope, Actor actor, Matter m) =>
        ActionRules.RequireStatus("提交审核/send to review", m, Status.Returned)
        ?? (scope.Coordinates(actor) ? null : ActionRules.NotYours("提交退单审核"));
}
