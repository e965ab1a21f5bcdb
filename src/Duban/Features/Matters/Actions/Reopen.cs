using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

/// <summary>
/// 重新办理: a supervisor reopens a closed matter (e.g. the raiser says it was not solved); the
/// same lead unit works on it again, with a new deadline, and the previous outcome and feedback
/// stay in the events.
/// </summary>
public sealed record ReopenRequest(int? Version, string? Reason, DateTimeOffset? DueAt);

public sealed class Reopen(MatterWorkflow workflow, MatterClock clock) : MatterAction<Reopen, ReopenRequest>, IDescribedAction
{
    public const string Name = "reopen";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(ReopenRequest), new("重新办理", "Reopen"),
        [new(Name, new("重新办理", "Reopened"), _ => "已重新办理 / reopened")],
        [new(Name, new("重新办理", "Reopen"), typeof(Forms.ReopenForm), p => FormPost.Ok(new ReopenRequest(p.Version, p.Text("reason"), p.EndOfDay("due"))))]);

    public override Task<Result<Matter>> ExecuteAsync(long id, ReopenRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var m = step.Matter;
            var error = Check(actor, m)
                ?? ActionRules.RequireReason(req.Reason);
            if (error is not null) return Task.FromResult<Error?>(error);
            // A policy with review rounds (信访: 复查, then 复核) allows so many, each asked for within its time after the reply.
            var policy = clock.PolicyOf(m);
            if (policy.Review is { } review)
            {
                if (m.ReopenCount >= review.Rounds)
                    return Task.FromResult<Error?>(Error.Conflict("review_exhausted", $"已经过{review.Rounds}轮复查复核，复核意见为最终意见 / the policy allows {review.Rounds} review round(s): the last decision is final"));
                if (m.ClosedAt is { } closed && step.Now > review.RequestWithin.From(closed, clock.Calendar))
                    return Task.FromResult<Error?>(Error.Conflict("review_window_closed", $"请求复查、复核的期限（答复后{review.RequestWithin.Chinese}）已过 / the time to ask for a review ({review.RequestWithin} after the reply) has passed"));
                step.Details["review"] = m.ReopenCount == 0 ? "复查" : "复核";
            }
            // The work starts again with a deadline of its own: the one given, or the policy's from now
            // (the old one has usually passed, and the matter would be overdue the moment it reopens).
            var due = req.DueAt is { } d ? Clock.Normalize(d.ToUniversalTime())
                : (policy.Review?.DecideWithin ?? policy.Handle).From(step.Now, clock.Calendar);
            if (Deadline.Check(due, step.Now) is { } badDue) return Task.FromResult<Error?>(badDue);
            clock.Restart(m, step.Now, due);
            m.Status = Status.InProgress;
            m.StatusReason = req.Reason!.Trim();
            m.ClosedAt = null;
            m.Outcome = null;
            m.FeedbackResolved = null;
            m.FeedbackSatisfaction = null;
            m.ReopenCount++;
            step.Reason = m.StatusReason;
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>May the actor reopen the matter now (a supervisor, closed)? The policy's review rounds and window are the action's to judge.</summary>
    public override bool Allows(ActionContext context) => Check(context.Actor, context.Matter) is null;

    private static Error? Check(Actor actor, Matter m) =>
        ActionRules.RequireStatus("重新办理/reopen", m, Status.Closed)
        ?? (actor.Has(Roles.Supervisor) ? null : ActionRules.NotYours("重新办理（仅督办人员）"));
}
