using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.RectificationPlans;

public sealed record MilestoneDoneRequest(int? Version, int? Seq, string? Note);

/// <summary>整改节点完成: the lead unit marks a milestone of its plan done; the progress follows the weights done.</summary>
public sealed class MarkMilestoneDone(MatterWorkflow workflow) : MatterAction<MarkMilestoneDone, MilestoneDoneRequest>, IDescribedAction
{
    public const string Name = "milestone";
    public const string EventName = "milestone_done";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(MilestoneDoneRequest), new("整改节点完成", "Mark a milestone done"),
        [new(EventName, new("完成整改节点", "Milestone done"))],
        [new(Name, new("整改节点完成", "Mark a milestone done"), typeof(MilestoneForm),
            p => FormPost.Ok(new MilestoneDoneRequest(p.Version, p.Number("seq"), p.Text("note"))))],
        Tag: "Supervision");

    public override Task<Result<Matter>> ExecuteAsync(long id, MilestoneDoneRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, EventName, (step, _) =>
        {
            var m = step.Matter;
            var plan = PlanFacet.Of(m);
            var error = Check(actor, m)
                ?? ActionRules.LimitText(req.Note, "note");
            if (error is not null) return Task.FromResult<Error?>(error);
            if (plan.Milestones.FirstOrDefault(x => x.Seq == req.Seq) is not { } milestone)
                return Task.FromResult<Error?>(Error.Validation($"seq {req.Seq} is not a milestone of the plan / 没有该整改节点"));
            if (milestone.DoneAt is not null) return Task.FromResult<Error?>(Error.Conflict("already_done", "该节点已完成 / the milestone is already done"));
            milestone.DoneAt = step.Now;
            milestone.Note = Text.OrNull(req.Note);
            m.Progress = PlanFacet.WeightedProgress(plan.Milestones);
            m.LastProgressAt = step.Now;
            step.Reason = milestone.Note;
            step.Details["seq"] = milestone.Seq;
            step.Details["title"] = milestone.Title;
            step.Details["late"] = step.Now > milestone.DueAt;
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>May the actor mark a milestone done now (the lead unit, in progress, one still open)? Which milestone is the request's.</summary>
    public override bool Allows(ActionContext context) => Check(context.Actor, context.Matter) is null;

    /// <summary>The state's refusals, so that the action and its <see cref="Allows"/> agree: with no milestone open there is nothing to mark (409).</summary>
    private static Error? Check(Actor actor, Matter m) =>
        ActionRules.RequireStatus("整改节点完成/milestone", m, Status.InProgress)
        ?? (ActionRules.IsLeadUnit(actor, m) ? null : ActionRules.NotYours("报告整改节点"))
        ?? (PlanFacet.Of(m).Milestones.Any(x => x.DoneAt is null) ? null
            : Error.Conflict("no_open_milestone", "没有待完成的整改节点 / no milestone of a plan is open"));
}
