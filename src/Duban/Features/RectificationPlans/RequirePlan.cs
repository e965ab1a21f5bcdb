using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.RectificationPlans;

/// <summary>要求整改方案: a supervisor requires the lead unit to submit a rectification plan, with a reason.</summary>
public sealed class RequirePlan(MatterWorkflow workflow) : MatterAction<RequirePlan, ReasonRequest>, IDescribedAction
{
    public const string Name = "plan-required";
    public const string EventName = "plan_required";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Supervise, typeof(ReasonRequest), new("要求整改方案", "Require a rectification plan"),
        [new(EventName, new("要求整改方案", "Plan required"))],
        [new(Name, new("要求整改方案", "Require a rectification plan"), typeof(Matters.Forms.ReasonForm), p => FormPost.Ok(new ReasonRequest(p.Version, p.Text("reason"))))],
        Tag: "Supervision");

    public override Task<Result<Matter>> ExecuteAsync(long id, ReasonRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, EventName, (step, _) =>
        {
            var m = step.Matter;
            var error = Check(actor, m) ?? ActionRules.RequireReason(req.Reason);
            if (error is not null) return Task.FromResult<Error?>(error);
            m.PlanRequired = true;
            step.Reason = req.Reason!.Trim();
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>May the actor require a plan now (a supervisor, while a unit holds the matter, none required yet)?</summary>
    public override bool Allows(ActionContext context) => Check(context.Actor, context.Matter) is null;

    private static Error? Check(Actor actor, Matter m) =>
        ActionRules.RequireStatus("要求整改方案/plan-required", m, Status.Dispatched, Status.InProgress)
        ?? (actor.Has(Roles.Supervisor) ? null : ActionRules.NotYours("要求整改方案（仅督办人员）"))
        ?? (m.PlanRequired ? Error.Conflict("no_change", "已要求整改方案 / a plan is already required") : null);
}
