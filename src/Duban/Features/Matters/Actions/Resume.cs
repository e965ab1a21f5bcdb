using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

/// <summary>
/// 恢复计时: a paused clock runs again; the deadline and the yellow point move on by the pause
/// (<see cref="MatterClock.Resume"/>). The lead unit, dispatchers and supervisors of the matter's scope.
/// </summary>
public sealed class Resume(MatterWorkflow workflow, MatterClock clock) : MatterAction<Resume, VersionedRequest>, IDescribedAction
{
    public const string Name = "resume";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Supervise, typeof(VersionedRequest), new("恢复计时", "Resume the clock"),
        [new(Name, new("恢复计时", "Clock resumed"))],
        [new(Name, new("恢复计时", "Resume the clock"), typeof(Forms.NoteForm), p => FormPost.Ok(new VersionedRequest(p.Version, p.Text("note"))))],
        Tag: "Supervision");

    public override Task<Result<Matter>> ExecuteAsync(long id, VersionedRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var m = step.Matter;
            var error = Check(workflow.Scope, actor, m);
            if (error is not null) return Task.FromResult<Error?>(error);
            if (ActionRules.LimitText(req.Note, "note") is { } tooLong) return Task.FromResult<Error?>(tooLong);
            var kind = m.PauseKind;
            var before = m.DueAt;
            var paused = clock.Resume(m, step.Now);
            step.Reason = Text.OrNull(req.Note);
            step.Details["kind"] = kind;
            step.Details["pausedMs"] = (long)paused.TotalMilliseconds;
            step.Details["dueBefore"] = before;
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>May the actor start the matter's paused clock again now?</summary>
    public override bool Allows(ActionContext context) => Check(context.Scope, context.Actor, context.Matter) is null;

    private static Error? Check(MatterScope scope, Actor actor, Matter m) =>
        ActionRules.RequireStatus("恢复计时/resume", m, Status.InProgress)
        ?? Pause.MayAct(scope, actor, m, "恢复计时")
        ?? (m.PausedAt is null ? Error.Conflict("not_paused", "计时未暂停 / the clock is not paused") : null);
}
