using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.RectificationPlans;

public sealed record MilestoneInput(string? Title, DateTimeOffset? DueAt, int? Weight);
public sealed record PlanRequest(int? Version, MilestoneInput[]? Milestones, string? Note);

/// <summary>
/// 提交整改方案: the lead unit submits its milestones (each with a date and a weight), or replaces
/// them while none is done; the matter's progress is then the weighted share of those done.
/// </summary>
public sealed class SubmitPlan(MatterWorkflow workflow) : MatterAction<SubmitPlan, PlanRequest>, IDescribedAction
{
    public const string Name = "plan";
    public const int MaxMilestones = 30;

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(PlanRequest), new("提交整改方案", "Submit the rectification plan"),
        [new(Name, new("提交整改方案", "Plan submitted"))],
        [new(Name, new("提交整改方案", "Submit the rectification plan"), typeof(PlanForm), PlanForm.Read,
            // Offered once a plan is asked for (or exists): the action takes one unasked too, through the API.
            Shown: c => c.Matter.PlanRequired || PlanFacet.Of(c.Matter).Milestones.Count > 0, Primary: true)],
        Tag: "Supervision");

    public override Task<Result<Matter>> ExecuteAsync(long id, PlanRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) => Task.FromResult(Submit(step, req, actor)), ct);

    private static Error? Submit(ActionStep step, PlanRequest req, Actor actor)
    {
        var m = step.Matter;
        var plan = PlanFacet.Of(m);
        var error = Check(actor, m)
            ?? (req.Milestones is not { Length: >= 1 and <= MaxMilestones } ? Error.Validation($"milestones: 1 to {MaxMilestones} / 请填写1至{MaxMilestones}个整改节点") : null)
            ?? ActionRules.LimitText(req.Note, "note")
            // A plan under way is kept: milestones done are on record.
            ?? Started(plan);
        if (error is not null) return error;
        var milestones = new List<PlanMilestone>();
        for (var i = 0; i < req.Milestones!.Length; i++)
        {
            var x = req.Milestones[i];
            if (x is null) return Error.Validation($"milestones[{i}] is required / 整改节点不能为空");
            if (string.IsNullOrWhiteSpace(x.Title) || x.Title.Length > 200) return Error.Validation($"milestones[{i}].title is required, at most 200 characters");
            if (x.DueAt is not { } due) return Error.Validation($"milestones[{i}].dueAt is required");
            due = Clock.Normalize(due.ToUniversalTime());
            if (due <= step.Now) return Error.Validation($"milestones[{i}].dueAt must lie in the future / 节点时间必须晚于现在");
            if (m.DueAt is { } deadline && due > deadline) return Error.Validation($"milestones[{i}].dueAt must not be later than the matter's deadline / 节点时间不得晚于办理期限");
            if (x.Weight is < 1 or > 100) return Error.Validation($"milestones[{i}].weight is 1 to 100 / 节点权重为1至100");
            milestones.Add(new PlanMilestone { MatterId = m.Id, Seq = i + 1, Title = x.Title.Trim(), DueAt = due, Weight = x.Weight ?? 1 });
        }
        var replaced = plan.Milestones.Count;
        plan.Milestones.Clear();
        plan.Milestones.AddRange(milestones);
        m.Progress = 0;
        m.LastProgressAt = step.Now;
        step.Reason = Text.OrNull(req.Note);
        step.Details["replaced"] = replaced;
        step.Details["milestones"] = new JsonArray([.. milestones.Select(x => new JsonObject
        {
            ["seq"] = x.Seq, ["title"] = x.Title, ["dueAt"] = x.DueAt, ["weight"] = x.Weight,
        })]);
        return null;
    }

    /// <summary>May the actor submit (or replace) the plan now (the lead unit, in progress, no milestone done yet)?</summary>
    public override bool Allows(ActionContext context) => Check(context.Actor, context.Matter) is null && Started(PlanFacet.Of(context.Matter)) is null;

    private static Error? Check(Actor actor, Matter m) =>
        ActionRules.RequireStatus("提交整改方案/plan", m, Status.InProgress)
        ?? (ActionRules.IsLeadUnit(actor, m) ? null : ActionRules.NotYours("提交整改方案"));

    private static Error? Started(PlanState plan) =>
        plan.Milestones.Any(x => x.DoneAt is not null) ? Error.Conflict("plan_started", "整改方案已有完成的节点，不能整体替换 / milestones are already done: the plan cannot be replaced") : null;
}
