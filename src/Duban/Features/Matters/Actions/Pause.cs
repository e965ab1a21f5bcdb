using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

public sealed record PauseRequest(int? Version, string? Kind, string? Reason);

/// <summary>
/// 暂停计时: the clock stops only for a reason the matter's policy names (waiting for the raiser's
/// missing information, an appraisal…), each pause an event; <see cref="Resume"/> moves the
/// deadline on by the pause. The lead unit pauses; dispatchers and supervisors of the matter's
/// scope may too, and only they once the matter is overdue or noticed.
/// </summary>
public sealed class Pause(MatterWorkflow workflow, MatterClock clock) : MatterAction<Pause, PauseRequest>, IDescribedAction
{
    public const string Name = "pause";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Supervise, typeof(PauseRequest), new("暂停计时", "Pause the clock"),
        [new(Name, new("暂停计时", "Clock paused"))],
        [new(Name, new("暂停计时", "Pause the clock"), typeof(Forms.PauseForm), p => FormPost.Ok(new PauseRequest(p.Version, p.Text("kind"), p.Text("reason"))))],
        Tag: "Supervision");

    public override Task<Result<Matter>> ExecuteAsync(long id, PauseRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var m = step.Matter;
            var policy = clock.PolicyOf(m);
            var error = Check(workflow.Scope, actor, m, step.Now)
                ?? ActionRules.RequireReason(req.Reason)
                ?? (Text.OrNull(req.Kind) is not { } kind || !clock.Policies.PauseKinds.ContainsKey(kind)
                    ? Error.Validation($"kind must be one of {string.Join(", ", clock.Policies.PauseKinds.Keys)} / 请选择暂停原因")
                    : !policy.Pauses.Contains(kind)
                        ? Error.Conflict("pause_not_allowed", $"办理时限策略「{policy.Name}」不允许因「{clock.Policies.PauseKinds[kind].Name}」暂停计时 / the policy {policy.Id} does not pause for {kind}")
                        : null);
            if (error is not null) return Task.FromResult<Error?>(error);
            m.PausedAt = step.Now;
            m.PauseKind = req.Kind!.Trim();
            step.Reason = req.Reason!.Trim();
            step.Details["kind"] = m.PauseKind;
            step.Details["dueAt"] = m.DueAt;
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>
    /// May the actor stop the matter's clock now, under a policy that names reasons to pause for (under
    /// one that names none every pause is refused)? Which reason is the request's, judged by the action.
    /// </summary>
    public override bool Allows(ActionContext context) =>
        Check(context.Scope, context.Actor, context.Matter, context.Now) is null
        && context.Clock.PolicyOf(context.Matter).Pauses.Any(context.Clock.Policies.PauseKinds.ContainsKey);

    private static Error? Check(MatterScope scope, Actor actor, Matter m, DateTimeOffset now) =>
        ActionRules.RequireStatus("暂停计时/pause", m, Status.InProgress)
        ?? MayAct(scope, actor, m, "暂停计时")
        ?? (m.PausedAt is not null ? Error.Conflict("already_paused", "计时已暂停 / the clock is already paused") : null)
        // The unit may not stop its own clock once it is late: escalation would never come.
        ?? (!scope.Coordinates(actor) && (m.DueAt < now || m.NoticedAt is not null)
            ? Error.Conflict("pause_needs_coordinator", "事项已超期或已发督办通知，暂停计时须由派单或督办人员决定 / overdue or noticed: only a dispatcher or supervisor may pause it")
            : null);

    /// <summary>The lead unit, or a dispatcher or supervisor of the matter's scope, may stop and start its clock.</summary>
    internal static Error? MayAct(MatterScope scope, Actor actor, Matter m, string what) =>
        ActionRules.IsLeadUnit(actor, m) || scope.Coordinates(actor) ? null : ActionRules.NotYours(what);
}
