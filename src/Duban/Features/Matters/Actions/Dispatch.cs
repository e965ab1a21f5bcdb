using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

public sealed record DispatchRequest(int? Version, string? LeadUnitCode, string[]? CoUnitCodes, DateTimeOffset? DueAt, string? Note);

/// <summary>
/// 交办: give a matter one lead unit (主办) and any co-handling units (协办) with a deadline.
/// From received, or returned (re-dispatch). A confidential report never goes to the unit it
/// reports on, nor beneath it: the reporter must be protected from the reported.
/// </summary>
public sealed class Dispatch(MatterWorkflow workflow, IConfiguration configuration)
{
    private readonly int defaultDays = configuration.GetValue("Duban:Deadlines:DefaultDays", 15);

    public Task<Result<Matter>> ExecuteAsync(long id, DispatchRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "dispatch", async (step, ct) =>
        {
            var m = step.Matter;
            if (MatterWorkflow.RequireStatus("交办/dispatch", m, Status.Received, Status.Returned) is { } refused) return refused;
            if (!workflow.Scope.Coordinates(actor)) return MatterWorkflow.NotYours("交办");
            var built = await Assignments.BuildAsync(workflow.Units, m, req.LeadUnitCode, req.CoUnitCodes, step.Now, "", ct);
            if (!built.IsSuccess) return built.Error;
            var due = req.DueAt is { } d ? Clock.Normalize(d.ToUniversalTime()) : step.Now.AddDays(defaultDays);
            if (Deadline.Check(due, step.Now) is { } badDue) return badDue;

            foreach (var a in m.Assignments) a.Active = false;
            m.Assignments.AddRange(built.Value!);
            m.LeadUnitCode = built.Value![0].UnitCode;
            m.DueAt = due;
            // A new unit starts afresh: neither another unit's progress nor its extension request carry over.
            m.Progress = 0;
            m.ClearExtensionRequest();
            m.Status = Status.Dispatched;
            m.StatusReason = null;
            step.Reason = Text.OrNull(req.Note);
            return null;
        }, ct);

}
