using Duban.Common;
using Duban.Data;
using Duban.Features.Calendar;
using Duban.Features.Dispatching;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Matters.Actions;

/// <summary>
/// 退回 (退单): the lead unit sends a matter back (not theirs to handle) with a reason, within
/// Duban:Dispatch:ReturnWorkingDays (default 2) working days after it was dispatched to it: until
/// 24:00 China time of the last of them (Features/Calendar). After that the unit handles it, or
/// asks the dispatcher to re-dispatch. The assignments end and the matter waits for the
/// dispatcher again, so it never sits with no one responsible; the return is recorded
/// (dispatch_returns) and judged when the matter is dispatched again: upheld when it goes
/// elsewhere, overruled (an improper return, counted against the unit) when it goes back.
/// </summary>
public sealed class Return(MatterWorkflow workflow, WorkCalendar calendar, IOptions<DispatchOptions> options, MatterClock clock)
    : MatterAction<Return, ReasonRequest>, IDescribedAction
{
    public const string Name = "return";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(ReasonRequest), new("退回（不属本单位办理）", "Return (not ours to handle)"),
        [new(Name, new("退回", "Returned"))],
        [new(Name, new("退回（不属本单位办理）", "Return (not ours to handle)"), typeof(Forms.ReasonForm), p => FormPost.Ok(new ReasonRequest(p.Version, p.Text("reason"))))]);

    private readonly int windowDays = options.Value.ReturnWorkingDays;

    public override Task<Result<Matter>> ExecuteAsync(long id, ReasonRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var m = step.Matter;
            var error = Check(actor, m)
                ?? ActionRules.RequireReason(req.Reason);
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
            MatterClock.Stop(m);
            clock.Waiting(m);
            step.Reason = m.StatusReason;
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>May the actor send the matter back now (its lead unit, while it holds it)? The return window is the action's to judge.</summary>
    public override bool Allows(ActionContext context) => Check(context.Actor, context.Matter) is null;

    private static Error? Check(Actor actor, Matter m) =>
        ActionRules.RequireStatus("退回/return", m, Status.Dispatched, Status.InProgress)
        ?? (ActionRules.IsLeadUnit(actor, m) ? null : ActionRules.NotYours("退回"));
}
