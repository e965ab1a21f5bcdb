using Duban.Common;
using Duban.Data;
using Duban.Features.Calendar;
using Duban.Features.Dispatching;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Matters.Actions;

public sealed record ReasonRequest(int? Version, string? Reason);

/// <summary>
/// 退回 (退单): the lead unit sends a matter back (not theirs to handle) with a reason, within
/// Duban:Dispatch:ReturnWorkingDays (default 2) working days after it was dispatched to it: until
/// 24:00 China time of the last of them (Features/Calendar). After that the unit handles it, or
/// asks the dispatcher to re-dispatch. The assignments end and the matter waits for the
/// dispatcher again, so it never sits with no one responsible; the return is recorded
/// (dispatch_returns) and judged when the matter is dispatched again: upheld when it goes
/// elsewhere, overruled (an improper return, counted against the unit) when it goes back.
/// </summary>
public sealed class Return(MatterWorkflow workflow, WorkCalendar calendar, IOptions<DispatchOptions> options, Supervision.SupervisionClock clock)
{
    private readonly int windowDays = options.Value.ReturnWorkingDays;

    public Task<Result<Matter>> ExecuteAsync(long id, ReasonRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "return", (step, _) =>
        {
            var m = step.Matter;
            var error = Check(actor, m)
                ?? RequireReason(req.Reason);
            if (error is not null) return Task.FromResult<Error?>(error);
            var lead = m.Assignments.First(a => a.Active && a.Role == "lead");
            var windowEnds = calendar.EndOfWorkdays(lead.AssignedAt, windowDays);
            if (step.Now >= windowEnds)
            {
                var local = windowEnds.ToOffset(Clock.ChinaOffset);
                return Task.FromResult<Error?>(Error.Conflict("return_window_closed",
                    $"退单期限已过：须在派单后{windowDays}个工作日内（{local.AddTicks(-1):yyyy-MM-dd} 24:00 前）退回，现应办理或申请延期 / " +
                    $"the return window closed at {local:yyyy-MM-dd HH:mm} China time ({windowDays} working days after dispatch): handle the matter or ask for an extension"));
            }
            foreach (var a in m.Assignments) a.Active = false;
            step.Details["returnedBy"] = m.LeadUnitCode;
            step.Details["dispatchedAt"] = lead.AssignedAt;
            step.Details["windowEndsAt"] = windowEnds;
            step.Details["returnedAt"] = step.Now;
            step.Details["unitTerritoryCode"] = lead.UnitTerritoryCode;
            workflow.Db.DispatchReturns.Add(new DispatchReturn
            {
                MatterId = m.Id,
                UnitCode = lead.UnitCode,
                UnitTerritoryCode = lead.UnitTerritoryCode,
                DispatchedAt = lead.AssignedAt,
                WindowEndsAt = windowEnds,
                ReturnedAt = step.Now,
                Reason = req.Reason!.Trim(),
                State = DispatchReturn.Pending,
            });
            m.LeadUnitCode = null;
            m.Status = Status.Returned;
            m.StatusReason = req.Reason!.Trim();
            m.ReturnCount++;
            m.ClearExtensionRequest();
            // Back with the dispatcher: the light follows the acceptance deadline again (the unit's clock stops).
            Supervision.SupervisionClock.Stop(m);
            clock.Waiting(m);
            step.Reason = m.StatusReason;
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>May the actor send the matter back now (its lead unit, while it holds it)? The return window is the action's to judge.</summary>
    public static bool Allows(Actor actor, Matter m) => Check(actor, m) is null;

    private static Error? Check(Actor actor, Matter m) =>
        MatterWorkflow.RequireStatus("退回/return", m, Status.Dispatched, Status.InProgress)
        ?? (MatterWorkflow.IsLeadUnit(actor, m) ? null : MatterWorkflow.NotYours("退回"));

    /// <summary>The longest reason or note an action takes.</summary>
    internal const int MaxText = 2000;

    internal static Error? RequireReason(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? Error.Validation("reason is required / 请填写理由") : LimitText(reason, "reason");

    /// <summary>An optional note, comment or reason: at most <see cref="MaxText"/> characters.</summary>
    internal static Error? LimitText(string? text, string field) =>
        text is { Length: > MaxText } ? Error.Validation($"{field} is at most {MaxText} characters") : null;

    /// <summary>The matter's return still waiting for a judgement, if any.</summary>
    internal static Task<DispatchReturn?> OpenReturnAsync(DubanDb db, long matterId, CancellationToken ct) =>
        db.DispatchReturns.Where(r => r.MatterId == matterId && (r.State == DispatchReturn.Pending || r.State == DispatchReturn.Review))
            .OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);

    /// <summary>
    /// For an action that ends a returned matter's wait (dispatch, reject, merge): its open return,
    /// if any; 403 when a supervisor reviews it and the actor is not one.
    /// </summary>
    internal static async Task<Result<DispatchReturn?>> OpenReturnAsync(DubanDb db, Matter m, Actor actor, CancellationToken ct)
    {
        if (m.Status != Status.Returned) return new Result<DispatchReturn?>();
        var open = await OpenReturnAsync(db, m.Id, ct);
        if (open?.State == DispatchReturn.Review && !actor.Has(Roles.Supervisor))
            return Error.Forbidden("该退单已提交督办人员审核，由督办人员决定 / the return is under a supervisor's review: a supervisor decides");
        return open;
    }

    /// <summary>Records the judgement of a return on its row and in the judging action's event.</summary>
    internal static void Judge(DispatchReturn open, string verdict, ActionStep step)
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

/// <summary>
/// 派单异议提交审核: the dispatcher does not decide a disputed return alone but sends it to a
/// supervisor with a reason; from then on only a supervisor re-dispatches the matter, which judges
/// the return (back to the unit: overruled; elsewhere: upheld).
/// </summary>
public sealed class ReturnReview(MatterWorkflow workflow)
{
    public Task<Result<Matter>> ExecuteAsync(long id, ReasonRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "return_review", async (step, ct) =>
        {
            var m = step.Matter;
            var error = Check(workflow.Scope, actor, m)
                ?? Return.RequireReason(req.Reason);
            if (error is not null) return error;
            var open = await Return.OpenReturnAsync(workflow.Db, m.Id, ct);
            if (open is null) return Error.Conflict("no_open_return", "该事项没有待处理的退单 / the matter has no return waiting for a decision");
            if (open.State == DispatchReturn.Review) return Error.Conflict("already_in_review", "该退单已提交督办人员审核 / the return is already with a supervisor");
            open.State = DispatchReturn.Review;
            open.ReviewReason = req.Reason!.Trim();
            step.Reason = open.ReviewReason;
            step.Details["returnedBy"] = open.UnitCode;
            return null;
        }, ct);

    /// <summary>
    /// May the actor send the matter's return to review now (a dispatcher or supervisor, returned,
    /// its return still pending: <paramref name="openReturnState"/> is the state of the open return, if any)?
    /// </summary>
    public static bool Allows(MatterScope scope, Actor actor, Matter m, string? openReturnState) =>
        Check(scope, actor, m) is null && openReturnState == DispatchReturn.Pending;

    private static Error? Check(MatterScope scope, Actor actor, Matter m) =>
        MatterWorkflow.RequireStatus("提交审核/send to review", m, Status.Returned)
        ?? (scope.Coordinates(actor) ? null : MatterWorkflow.NotYours("提交退单审核"));
}
