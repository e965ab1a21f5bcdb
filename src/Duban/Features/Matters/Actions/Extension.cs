using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

public sealed record ExtensionRequest(int? Version, string? Op, int? Days, string? Reason);

/// <summary>
/// 延期: the lead unit asks for more days with a reason (op=request); a dispatcher or supervisor
/// approves (the deadline moves) or refuses with a reason. One request open at a time.
/// </summary>
public sealed class Extension(MatterWorkflow workflow, MatterClock clock) : MatterAction<Extension, ExtensionRequest>, IDescribedAction
{
    public const string Name = "extension";

    /// <summary>One action with three steps: the unit asks (办理), a coordinator approves or refuses (督办).</summary>
    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(ExtensionRequest), new("延期", "Extension"),
        [
            new(Name + "_request", new("申请延期", "Extension requested")),
            new(Name + "_approve", new("批准延期", "Extension approved")),
            new(Name + "_refuse", new("不批准延期", "Extension refused")),
        ],
        [
            new("extension-request", new("申请延期", "Ask for an extension"), typeof(Forms.ExtensionRequestForm),
                p => FormPost.Ok(new ExtensionRequest(p.Version, "request", p.Number("days"), p.Text("reason"))),
                Shown: c => Check(c.Scope, c.Actor, c.Matter, "request") is null),
            new("extension-approve", new("批准延期", "Approve the extension"), typeof(Forms.ExtensionDecisionForm),
                p => FormPost.Ok(new ExtensionRequest(p.Version, "approve", null, p.Text("note"))),
                ActionSection.Supervise, c => Check(c.Scope, c.Actor, c.Matter, "approve") is null, Primary: true),
            new("extension-refuse", new("不批准延期", "Refuse the extension"), typeof(Forms.ReasonForm),
                p => FormPost.Ok(new ExtensionRequest(p.Version, "refuse", null, p.Text("reason"))),
                ActionSection.Supervise, c => Check(c.Scope, c.Actor, c.Matter, "refuse") is null),
        ]);

    public override Task<Result<Matter>> ExecuteAsync(long id, ExtensionRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name + "_" + (req.Op ?? "request"), (step, _) =>
            Task.FromResult(Apply(step, req, actor)), ct);

    private Error? Apply(ActionStep step, ExtensionRequest req, Actor actor)
    {
        var m = step.Matter;
        if (Check(workflow.Scope, actor, m, req.Op ?? "request") is { } refused) return refused;
        switch (req.Op ?? "request")
        {
            case "request":
                if (req.Days is not (>= 1 and <= 90)) return Error.Validation("days must be from 1 to 90 / 延期天数为1至90天");
                // 复查、复核 are decided within their own time (信访工作条例): the handling extension is not theirs.
                if (clock.PolicyOf(m).Review is not null && m.ReopenCount > 0)
                    return Error.Conflict("extension_not_in_review", "复查、复核须在规定期限内作出意见，不能延期 / a review round cannot be extended");
                if (clock.PolicyOf(m).Extension is { } allowed && m.ExtensionCount >= allowed.Times)
                    return Error.Conflict("extension_limit_reached", $"该办理时限策略只允许延期{allowed.Times}次 / the time-limit policy allows {allowed.Times} extension(s)");
                if (ActionRules.RequireReason(req.Reason) is { } noReason) return noReason;
                m.ExtensionRequestedDays = req.Days;
                m.ExtensionReason = req.Reason!.Trim();
                step.Reason = m.ExtensionReason;
                step.Details["days"] = req.Days;
                return null;
            case "approve":
            case "refuse":
                var days = m.ExtensionRequestedDays!.Value;
                if (req.Op == "refuse")
                {
                    if (ActionRules.RequireReason(req.Reason) is { } missing) return missing;
                    step.Reason = req.Reason!.Trim();
                }
                else
                {
                    // From the deadline, or from now when it has already passed: an approved extension always gives time.
                    var extended = (m.DueAt is { } due && due > step.Now ? due : step.Now).AddDays(days);
                    if (Deadline.Check(extended, step.Now) is { } badDue) return badDue;
                    // A policy caps how far extensions reach: from the deadline it set, moved on by any pauses.
                    if (clock.PolicyOf(m).Extension is { } limit && clock.PolicyDeadline(m) is { } original)
                    {
                        var cap = limit.Max.After(original, clock.Calendar).AddMilliseconds(m.PausedMs);
                        if (extended > cap)
                            return Error.Conflict("extension_beyond_limit",
                                $"延期后期限 {Clock.ChinaDate(extended):yyyy-MM-dd} 超过策略允许的最长期限 {Clock.ChinaDate(cap):yyyy-MM-dd}（原期限后{limit.Max.Chinese}） / beyond the policy's limit ({limit.Max} after the original deadline)");
                    }
                    m.DueAt = extended;
                    m.ExtensionCount++;
                    clock.NewDeadline(m);
                    step.Reason = Text.OrNull(req.Reason);
                }
                step.Details["days"] = days;
                m.ExtensionRequestedDays = null;
                m.ExtensionReason = null;
                return null;
            default:
                return Error.Validation("op must be request, approve or refuse");
        }
    }

    /// <summary>
    /// May the actor take this step of an extension now (<paramref name="op"/> request: the lead unit,
    /// none pending; approve or refuse: a dispatcher or supervisor, one pending)? The policy's limits
    /// are the action's to judge.
    /// </summary>
    public static bool Allows(MatterScope scope, Actor actor, Matter m, string op) => Check(scope, actor, m, op) is null;

    /// <summary>May the actor take any step of an extension now (ask for one, or decide the one asked)?</summary>
    public override bool Allows(ActionContext context) => Allows(context.Scope, context.Actor, context.Matter, "request") || Allows(context.Scope, context.Actor, context.Matter, "approve");

    private static Error? Check(MatterScope scope, Actor actor, Matter m, string op)
    {
        if (ActionRules.RequireStatus("延期/extension", m, Status.Dispatched, Status.InProgress) is { } refused) return refused;
        return op switch
        {
            "request" => !ActionRules.IsLeadUnit(actor, m) ? ActionRules.NotYours("申请延期")
                : m.ExtensionRequestedDays is not null ? Error.Conflict("extension_pending", "已有待审批的延期申请 / an extension request is already pending")
                : null,
            "approve" or "refuse" => !scope.Coordinates(actor) ? ActionRules.NotYours("审批延期")
                : m.ExtensionRequestedDays is null ? Error.Conflict("no_extension_pending", "没有待审批的延期申请 / no extension request is pending")
                : null,
            _ => null,
        };
    }
}
