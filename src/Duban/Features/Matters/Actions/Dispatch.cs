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
            if (string.IsNullOrWhiteSpace(req.LeadUnitCode)) return Error.Validation("leadUnitCode is required / 请指定主办单位");
            var co = (req.CoUnitCodes ?? []).Select(c => c.Trim()).Where(c => c.Length > 0).ToList();
            if (co.Count != co.Distinct(StringComparer.Ordinal).Count() || co.Contains(req.LeadUnitCode))
                return Error.Validation("co-handling units must be distinct and differ from the lead unit / 协办单位不能重复或与主办单位相同");
            if (co.Count > 20) return Error.Validation("at most 20 co-handling units");
            var units = new List<Units.UnitInfo>();
            foreach (var code in co.Prepend(req.LeadUnitCode))
            {
                var unit = await workflow.Units.FindAsync(code, ct);
                if (unit is null) return Error.Validation($"unit {code} does not exist / 单位 {code} 不存在");
                if (m.Confidential && m.SubjectUnitCode is { } subject && await workflow.Units.IsWithinAsync(code, subject, ct))
                    return Error.Conflict("subject_unit", "保密举报不得交给被反映单位或其下属单位办理 / a confidential report cannot go to the unit it reports on");
                units.Add(unit);
            }
            var due = req.DueAt is { } d ? Clock.Normalize(d.ToUniversalTime()) : step.Now.AddDays(defaultDays);
            if (Deadline.Check(due, step.Now) is { } badDue) return badDue;

            foreach (var a in m.Assignments) a.Active = false;
            for (var i = 0; i < units.Count; i++)
            {
                m.Assignments.Add(new Assignment
                {
                    UnitCode = units[i].Code,
                    UnitTerritoryCode = units[i].TerritoryCode,
                    Role = i == 0 ? "lead" : "co",
                    AssignedAt = step.Now,
                    Active = true,
                });
            }
            m.LeadUnitCode = units[0].Code;
            m.DueAt = due;
            // A new unit starts afresh: neither another unit's progress nor its extension request carry over.
            m.Progress = 0;
            m.ClearExtensionRequest();
            m.Status = Status.Dispatched;
            m.StatusReason = null;
            step.Reason = Trim(req.Note);
            return null;
        }, ct);

    internal static string? Trim(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
