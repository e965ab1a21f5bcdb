using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.Supervision;

public sealed record PauseRequest(int? Version, string? Kind, string? Reason);
public sealed record KeySupervisionRequest(int? Version, bool? On, string? Reason);
public sealed record MilestoneInput(string? Title, DateTimeOffset? DueAt, int? Weight);
public sealed record PlanRequest(int? Version, MilestoneInput[]? Milestones, string? Note);
public sealed record MilestoneDoneRequest(int? Version, int? Seq, string? Note);

/// <summary>
/// 暂停计时 / 恢复计时: the clock stops only for a reason the matter's policy names (waiting for
/// the raiser's missing information, an appraisal…), each pause and resume an event; on resume the
/// deadline moves on by the pause. The lead unit pauses and resumes; dispatchers and supervisors
/// of the matter's scope may resume (or pause) too.
/// </summary>
public sealed class ClockPause(MatterWorkflow workflow, SupervisionClock clock)
{
    public Task<Result<Matter>> PauseAsync(long id, PauseRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "pause", (step, _) =>
        {
            var m = step.Matter;
            var policy = clock.PolicyOf(m);
            var error = CheckPause(workflow.Scope, actor, m, step.Now)
                ?? Return.RequireReason(req.Reason)
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

    public Task<Result<Matter>> ResumeAsync(long id, VersionedRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "resume", (step, _) =>
        {
            var m = step.Matter;
            var error = CheckResume(workflow.Scope, actor, m);
            if (error is not null) return Task.FromResult<Error?>(error);
            if (Return.LimitText(req.Note, "note") is { } tooLong) return Task.FromResult<Error?>(tooLong);
            var kind = m.PauseKind;
            var before = m.DueAt;
            var paused = clock.Resume(m, step.Now);
            step.Reason = Text.OrNull(req.Note);
            step.Details["kind"] = kind;
            step.Details["pausedMs"] = (long)paused.TotalMilliseconds;
            step.Details["dueBefore"] = before;
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>May the actor stop the matter's clock now? The reason's kind is the action's to judge against the policy.</summary>
    public static bool AllowsPause(MatterScope scope, Actor actor, Matter m, DateTimeOffset now) => CheckPause(scope, actor, m, now) is null;

    /// <summary>May the actor start the matter's paused clock again now?</summary>
    public static bool AllowsResume(MatterScope scope, Actor actor, Matter m) => CheckResume(scope, actor, m) is null;

    private static Error? CheckPause(MatterScope scope, Actor actor, Matter m, DateTimeOffset now) =>
        MatterWorkflow.RequireStatus("暂停计时/pause", m, Status.InProgress)
        ?? MayAct(scope, actor, m, "暂停计时")
        ?? (m.PausedAt is not null ? Error.Conflict("already_paused", "计时已暂停 / the clock is already paused") : null)
        // The unit may not stop its own clock once it is late: escalation would never come.
        ?? (!scope.Coordinates(actor) && (m.DueAt < now || m.NoticedAt is not null)
            ? Error.Conflict("pause_needs_coordinator", "事项已超期或已发督办通知，暂停计时须由派单或督办人员决定 / overdue or noticed: only a dispatcher or supervisor may pause it")
            : null);

    private static Error? CheckResume(MatterScope scope, Actor actor, Matter m) =>
        MatterWorkflow.RequireStatus("恢复计时/resume", m, Status.InProgress)
        ?? MayAct(scope, actor, m, "恢复计时")
        ?? (m.PausedAt is null ? Error.Conflict("not_paused", "计时未暂停 / the clock is not paused") : null);

    private static Error? MayAct(MatterScope scope, Actor actor, Matter m, string what) =>
        MatterWorkflow.IsLeadUnit(actor, m) || scope.Coordinates(actor) ? null : MatterWorkflow.NotYours(what);
}

/// <summary>
/// 重点督办: a supervisor marks a matter for close supervision (the light turns yellow earlier,
/// progress is due weekly) or lifts the mark, with a reason.
/// </summary>
public sealed class KeySupervision(MatterWorkflow workflow, SupervisionClock clock)
{
    public Task<Result<Matter>> ExecuteAsync(long id, KeySupervisionRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "key_supervision", (step, _) =>
        {
            var m = step.Matter;
            var error = Check(actor, m)
                ?? (req.On is not { } on ? Error.Validation("on is required: true to set 重点督办, false to lift it") : null)
                ?? Return.RequireReason(req.Reason)
                ?? (m.KeySupervision == req.On ? Error.Conflict("no_change", req.On == true ? "已是重点督办 / already under 重点督办" : "不是重点督办 / not under 重点督办") : null);
            if (error is not null) return Task.FromResult<Error?>(error);
            m.KeySupervision = req.On!.Value;
            // The weekly progress is counted from now; the earlier yellow point follows at once.
            if (m.KeySupervision) m.LastProgressAt = step.Now;
            m.YellowAt = clock.YellowPoint(m);
            step.Reason = req.Reason!.Trim();
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>May the actor set or lift 重点督办 now (a supervisor, while a unit holds the matter)? Setting it on or off is the request's.</summary>
    public static bool Allows(Actor actor, Matter m) => Check(actor, m) is null;

    private static Error? Check(Actor actor, Matter m) =>
        MatterWorkflow.RequireStatus("重点督办/key-supervision", m, Status.Dispatched, Status.InProgress, Status.PendingReview)
        ?? (actor.Has(Roles.Supervisor) ? null : MatterWorkflow.NotYours("设置重点督办（仅督办人员）"));
}

/// <summary>
/// 整改方案: a supervisor requires a rectification plan; the lead unit submits its milestones
/// (each with a date and a weight) and marks them done; the matter's progress is the weighted
/// share of its milestones done, and it cannot be completed before all are.
/// </summary>
public sealed class RectificationPlan(MatterWorkflow workflow)
{
    public const int MaxMilestones = 30;

    public Task<Result<Matter>> RequireAsync(long id, ReasonRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "plan_required", (step, _) =>
        {
            var m = step.Matter;
            var error = CheckRequire(actor, m) ?? Return.RequireReason(req.Reason);
            if (error is not null) return Task.FromResult<Error?>(error);
            m.PlanRequired = true;
            step.Reason = req.Reason!.Trim();
            return Task.FromResult<Error?>(null);
        }, ct);

    public Task<Result<Matter>> SubmitAsync(long id, PlanRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "plan", (step, _) => Task.FromResult(Submit(step, req, actor)), ct);

    private static Error? Submit(ActionStep step, PlanRequest req, Actor actor)
    {
        var m = step.Matter;
        var error = CheckSubmit(actor, m)
            ?? (req.Milestones is not { Length: >= 1 and <= MaxMilestones } ? Error.Validation($"milestones: 1 to {MaxMilestones} / 请填写1至{MaxMilestones}个整改节点") : null)
            ?? Return.LimitText(req.Note, "note")
            // A plan under way is kept: milestones done are on record.
            ?? PlanStarted(m);
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
        var replaced = m.Milestones.Count;
        m.Milestones.Clear();
        m.Milestones.AddRange(milestones);
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

    public Task<Result<Matter>> DoneAsync(long id, MilestoneDoneRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "milestone_done", (step, _) =>
        {
            var m = step.Matter;
            var error = CheckDone(actor, m)
                ?? Return.LimitText(req.Note, "note");
            if (error is not null) return Task.FromResult<Error?>(error);
            if (m.Milestones.FirstOrDefault(x => x.Seq == req.Seq) is not { } milestone)
                return Task.FromResult<Error?>(Error.Validation($"seq {req.Seq} is not a milestone of the plan / 没有该整改节点"));
            if (milestone.DoneAt is not null) return Task.FromResult<Error?>(Error.Conflict("already_done", "该节点已完成 / the milestone is already done"));
            milestone.DoneAt = step.Now;
            milestone.Note = Text.OrNull(req.Note);
            m.Progress = WeightedProgress(m.Milestones);
            m.LastProgressAt = step.Now;
            step.Reason = milestone.Note;
            step.Details["seq"] = milestone.Seq;
            step.Details["title"] = milestone.Title;
            step.Details["late"] = step.Now > milestone.DueAt;
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>May the actor require a plan now (a supervisor, while a unit holds the matter, none required yet)?</summary>
    public static bool AllowsRequire(Actor actor, Matter m) => CheckRequire(actor, m) is null;

    /// <summary>May the actor submit (or replace) the plan now (the lead unit, in progress, no milestone done yet)?</summary>
    public static bool AllowsSubmit(Actor actor, Matter m) => CheckSubmit(actor, m) is null && PlanStarted(m) is null;

    /// <summary>May the actor mark milestones done now (the lead unit, in progress)? Which milestone is the request's.</summary>
    public static bool AllowsDone(Actor actor, Matter m) => CheckDone(actor, m) is null;

    private static Error? CheckRequire(Actor actor, Matter m) =>
        MatterWorkflow.RequireStatus("要求整改方案/plan-required", m, Status.Dispatched, Status.InProgress)
        ?? (actor.Has(Roles.Supervisor) ? null : MatterWorkflow.NotYours("要求整改方案（仅督办人员）"))
        ?? (m.PlanRequired ? Error.Conflict("no_change", "已要求整改方案 / a plan is already required") : null);

    private static Error? CheckSubmit(Actor actor, Matter m) =>
        MatterWorkflow.RequireStatus("提交整改方案/plan", m, Status.InProgress)
        ?? (MatterWorkflow.IsLeadUnit(actor, m) ? null : MatterWorkflow.NotYours("提交整改方案"));

    private static Error? PlanStarted(Matter m) =>
        m.Milestones.Any(x => x.DoneAt is not null) ? Error.Conflict("plan_started", "整改方案已有完成的节点，不能整体替换 / milestones are already done: the plan cannot be replaced") : null;

    private static Error? CheckDone(Actor actor, Matter m) =>
        MatterWorkflow.RequireStatus("整改节点完成/milestone", m, Status.InProgress)
        ?? (MatterWorkflow.IsLeadUnit(actor, m) ? null : MatterWorkflow.NotYours("报告整改节点"));

    /// <summary>The weighted share of the milestones done, as a whole percentage.</summary>
    public static int WeightedProgress(IReadOnlyCollection<PlanMilestone> milestones)
    {
        var total = milestones.Sum(x => x.Weight);
        return total == 0 ? 0 : (int)Math.Round(100.0 * milestones.Where(x => x.DoneAt is not null).Sum(x => x.Weight) / total, MidpointRounding.AwayFromZero);
    }
}
