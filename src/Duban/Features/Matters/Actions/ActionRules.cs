using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters.Actions;

/// <summary>A request that carries only the version seen and an optional note (签收, 催办, 审核通过…).</summary>
public sealed record VersionedRequest(int? Version, string? Note);

/// <summary>A request that carries the version seen and a reason (退回, 不予受理, 审核退回…).</summary>
public sealed record ReasonRequest(int? Version, string? Reason);

/// <summary>The rules every action builds its checks from: states, who holds the matter, reasons, returns.</summary>
public static class ActionRules
{
    /// <summary>The longest reason or note an action takes.</summary>
    public const int MaxText = 2000;

    public static Error Refuse(string action, Matter m) =>
        Error.Conflict("invalid_transition", $"状态为「{Status.Chinese(m.Status)}」的事项不能执行「{action}」 / cannot {action} a matter that is {m.Status}");

    public static Error? RequireStatus(string action, Matter m, params ReadOnlySpan<string> allowed)
    {
        foreach (var s in allowed)
        {
            if (m.Status == s) return null;
        }
        return Refuse(action, m);
    }

    public static bool IsLeadUnit(Actor actor, Matter m) =>
        m.LeadUnitCode is not null && actor.UnitCode == m.LeadUnitCode && actor.HasAny(Roles.Handler, Roles.Leader);

    public static bool IsCoUnit(Actor actor, Matter m) =>
        actor.HasAny(Roles.Handler, Roles.Leader) && m.Assignments.Any(a => a.Active && a.Role == "co" && a.UnitCode == actor.UnitCode);

    public static Error NotYours(string what) =>
        Error.Forbidden($"您无权{what} / you may not do this on this matter");

    public static Error? RequireReason(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? Error.Validation("reason is required / 请填写理由") : LimitText(reason, "reason");

    /// <summary>An optional note, comment or reason: at most <see cref="MaxText"/> characters.</summary>
    public static Error? LimitText(string? text, string field) =>
        text is { Length: > MaxText } ? Error.Validation($"{field} is at most {MaxText} characters") : null;

    /// <summary>The matter's return still waiting for a judgement, if any.</summary>
    public static Task<DispatchReturn?> OpenReturnAsync(DubanDb db, long matterId, CancellationToken ct) =>
        db.DispatchReturns.Where(r => r.MatterId == matterId && (r.State == DispatchReturn.Pending || r.State == DispatchReturn.Review))
            .OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);

    /// <summary>
    /// For an action that ends a returned matter's wait (dispatch, reject, merge): its open return,
    /// if any; 403 when a supervisor reviews it and the actor is not one.
    /// </summary>
    public static async Task<Result<DispatchReturn?>> OpenReturnAsync(DubanDb db, Matter m, Actor actor, CancellationToken ct)
    {
        if (m.Status != Status.Returned) return new Result<DispatchReturn?>();
        var open = await OpenReturnAsync(db, m.Id, ct);
        if (open?.State == DispatchReturn.Review && !actor.Has(Roles.Supervisor))
            return Error.Forbidden("该退单已提交督办人员审核，由督办人员决定 / the return is under a supervisor's review: a supervisor decides");
        return open;
    }

    /// <summary>Records the judgement of a return on its row and in the judging action's event.</summary>
    public static void Judge(DispatchReturn open, string verdict, ActionStep step)
    {
        open.State = verdict;
        open.DecidedAt = step.Now;
        open.DecidedBy = step.Actor.DisplayName;
        step.Details["return"] = new System.Text.Json.Nodes.JsonObject
        {
            ["returnedBy"] = open.UnitCode,
            ["verdict"] = verdict,
            ["decidedAt"] = step.Now,
            ["decidedBy"] = open.DecidedBy,
        };
    }
}
