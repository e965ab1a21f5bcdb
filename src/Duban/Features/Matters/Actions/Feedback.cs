using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

public sealed record FeedbackRequest(int? Version, bool? Resolved, string? Satisfaction, string? Comment);

/// <summary>
/// 回访: the raiser says whether the matter was solved and how satisfied they are, once per
/// closure; given by the raiser on the portal, or recorded by a dispatcher or supervisor who called.
/// </summary>
public sealed class Feedback(MatterWorkflow workflow) : MatterAction<Feedback, FeedbackRequest>, IDescribedAction
{
    public const string Name = "feedback";

    /// <summary>Staff record it through the API (a call); the raiser gives it on the portal (Features/Intake).</summary>
    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(FeedbackRequest), new("回访评价", "Record the feedback"),
        [new(Name, new("回访评价", "Feedback"), _ => "已收到您的评价 / thank you for your feedback")], []);

    public override Task<Result<Matter>> ExecuteAsync(long id, FeedbackRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) => Task.FromResult(Apply(step, req, actor == Actor.Public || workflow.Scope.Coordinates(actor))), ct);

    /// <summary>May the actor record the raiser's feedback now (a dispatcher or supervisor, closed, none given yet)?</summary>
    public override bool Allows(ActionContext context) =>
        context.Matter.Status == Status.Closed && context.Scope.Coordinates(context.Actor) && context.Matter.FeedbackSatisfaction is null;

    internal static Error? Apply(ActionStep step, FeedbackRequest req, bool allowed)
    {
        var m = step.Matter;
        var error = ActionRules.RequireStatus("评价/feedback", m, Status.Closed)
            ?? (allowed ? null : ActionRules.NotYours("记录评价"))
            ?? (m.FeedbackSatisfaction is null ? null : Error.Conflict("feedback_given", "已评价过 / feedback was already given"))
            ?? (req.Resolved is null ? Error.Validation("resolved (true/false) is required / 请选择是否解决") : null)
            ?? (req.Satisfaction is null || !Vocabulary.Satisfactions.Contains(req.Satisfaction)
                ? Error.Validation("satisfaction must be satisfied, basically_satisfied or dissatisfied / 请选择满意度") : null)
            ?? ActionRules.LimitText(req.Comment, "comment");
        if (error is not null) return error;
        m.FeedbackResolved = req.Resolved;
        m.FeedbackSatisfaction = req.Satisfaction;
        step.Reason = Text.OrNull(req.Comment);
        return null;
    }
}
