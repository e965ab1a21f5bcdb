using Duban.Common;
using Duban.Data;
using Duban.Features.Units;

namespace Duban.Features.Matters;

/// <summary>The one place that turns "lead unit + co-handling units" into assignments, for dispatch and for sub-tasks.</summary>
public static class Assignments
{
    public const int MaxCoUnits = 20;

    /// <summary>
    /// Checks the units (named, existing, distinct, at most <see cref="MaxCoUnits"/> co-units) and
    /// that a confidential report goes to none of the unit it reports on or the units beneath it,
    /// then builds the assignments, the lead first. <paramref name="field"/> names the input in
    /// messages ("" for a dispatch, "children[2]." for a sub-task).
    /// </summary>
    public static Task<Result<List<Assignment>>> BuildAsync(UnitDirectory units, Matter matter, string? leadUnitCode,
        IEnumerable<string>? coUnitCodes, DateTimeOffset now, string field, CancellationToken ct) =>
        BuildAsync(units, matter.CountyCode, matter.Confidential ? matter.SubjectUnitCode : null, leadUnitCode, coUnitCodes, now, field, ct);

    /// <summary>
    /// The same for a matter not yet made (a source's item): <paramref name="countyCode"/> is the county it will belong
    /// to, <paramref name="sealedSubjectUnitCode"/> the unit a confidential report is about (null for anything else).
    /// </summary>
    public static async Task<Result<List<Assignment>>> BuildAsync(UnitDirectory units, string? countyCode, string? sealedSubjectUnitCode,
        string? leadUnitCode, IEnumerable<string>? coUnitCodes, DateTimeOffset now, string field, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(leadUnitCode)) return Error.Validation($"{field}leadUnitCode is required / 请指定主办单位");
        var lead = leadUnitCode.Trim();
        if (coUnitCodes?.Any(c => c is null) == true) return Error.Validation($"{field}coUnitCodes may not hold null / 协办单位不能为空");
        var co = (coUnitCodes ?? []).Select(c => c.Trim()).Where(c => c.Length > 0).ToList();
        if (co.Count != co.Distinct(StringComparer.Ordinal).Count() || co.Contains(lead))
            return Error.Validation($"{field}coUnitCodes must be distinct and differ from the lead unit / 协办单位不能重复或与主办单位相同");
        if (co.Count > MaxCoUnits) return Error.Validation($"{field}coUnitCodes: at most {MaxCoUnits} co-handling units");

        var assignments = new List<Assignment>(co.Count + 1);
        foreach (var code in co.Prepend(lead))
        {
            var unit = await units.FindAsync(code, ct);
            if (unit is null) return Error.Validation($"{field}unit {code} does not exist / 单位 {code} 不存在");
            if (sealedSubjectUnitCode is { } subject && await units.IsWithinAsync(code, subject, ct))
                return Error.Conflict("subject_unit", "保密举报不得交给被反映单位或其下属单位办理 / a confidential report cannot go to the unit it reports on");
            assignments.Add(new Assignment
            {
                UnitCode = unit.Code,
                UnitTerritoryCode = unit.TerritoryCode,
                Role = assignments.Count == 0 ? "lead" : "co",
                AssignedAt = now,
                Active = true,
                CrossesCounty = Assignment.Crosses(unit.TerritoryCode, countyCode),
            });
        }
        return assignments;
    }
}
