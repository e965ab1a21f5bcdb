using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

public sealed record KeySupervisionRequest(int? Version, bool? On, string? Reason);

/// <summary>
/// 重点督办: a supervisor marks a matter for close supervision (the light turns yellow earlier,
/// progress is due weekly) or lifts the mark, with a reason.
/// </summary>
public sealed class KeySupervision(MatterWorkflow workflow, MatterClock clock) : MatterAction<KeySupervision, KeySupervisionRequest>, IDescribedAction
{
    public const string Name = "key-supervision";
    public const string EventName = "key_supervision";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Supervise, typeof(KeySupervisionRequest), new("重点督办", "Key supervision"),
        [new(EventName, new("重点督办", "Key supervision"))],
        [
            new("key-on", new("设为重点督办", "Put under close supervision"), typeof(Forms.ReasonForm),
                p => FormPost.Ok(new KeySupervisionRequest(p.Version, true, p.Text("reason"))), Shown: c => !c.Matter.KeySupervision),
            new("key-off", new("取消重点督办", "Lift close supervision"), typeof(Forms.ReasonForm),
                p => FormPost.Ok(new KeySupervisionRequest(p.Version, false, p.Text("reason"))), Shown: c => c.Matter.KeySupervision),
        ],
        Tag: "Supervision");

    public override Task<Result<Matter>> ExecuteAsync(long id, KeySupervisionRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, EventName, (step, _) =>
        {
            var m = step.Matter;
            var error = Check(actor, m)
                ?? (req.On is not { } on ? Error.Validation("on is required: true to set 重点督办, false to lift it") : null)
                ?? ActionRules.RequireReason(req.Reason)
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
    public override bool Allows(ActionContext context) => Check(context.Actor, context.Matter) is null;

    private static Error? Check(Actor actor, Matter m) =>
        ActionRules.RequireStatus("重点督办/key-supervision", m, Status.Dispatched, Status.InProgress, Status.PendingReview)
        ?? (actor.Has(Roles.Supervisor) ? null : ActionRules.NotYours("设置重点督办（仅督办人员）"));
}
