using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

public sealed record FeedbackRequest(int? Version, bool? Resolved, string? Satisfaction, string? Comment);

/// <summary>
/// 回访: the raiser says whether the matter was solved and how satisfied they are, once per
/// closure; given by the raiser on the portal, or recorded by a dispatcher or supervisor who called.
/// </summary>
public sealed class Feedback(MatterWorkflow workflow)
{
    public Task<Result<Matter>> ExecuteAsync(long id, FeedbackRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "feedback", (step, _) => Task.FromResult(Apply(step, req, actor == Actor.Public || workflow.Scope.Coordinates(actor))), ct);

    internal static Error? Apply(ActionStep step, FeedbackRequest req, bool allowed)
    {
        var m = step.Matter;
        var error = MatterWorkflow.RequireStatus("评价/feedback", m, Status.Closed)
            ?? (allowed ? null : MatterWorkflow.NotYours("记录评价"))
            ?? (m.FeedbackSatisfaction is null ? null : Error.Conflict("feedback_given", "已评价过 / feedback was already given"))
            ?? (req.Resolved is null ? Error.Validation("resolved (true/false) is required / 请选择是否解决") : null)
            ?? (req.Satisfaction is null || !Vocabulary.Satisfactions.Contains(req.Satisfaction)
                ? Error.Validation("satisfaction must be satisfied, basically_satisfied or dissatisfied / 请选择满意度") : null)
            ?? Return.LimitText(req.Comment, "comment");
        if (error is not null) return error;
        m.FeedbackResolved = req.Resolved;
        m.FeedbackSatisfaction = req.Satisfaction;
        step.Reason = Text.OrNull(req.Comment);
        return null;
    }
}
