using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Sources;
using Duban.Features.Units;

namespace Duban.Features.Projects;

/// <summary>A milestone of a ledger row; <paramref name="DoneOn"/> when the project is recorded with it already reached.</summary>
public sealed record LedgerMilestone(string Title, string? DueDate, int? Weight, string? DoneOn = null);

/// <summary>A row of a project ledger (台账), with the register's fields as the API names them.</summary>
public sealed record LedgerRow(string Title, string Level, string Industry, string OwnerUnitCode, string? Territory, string? Leader, int? Year,
    decimal TotalInvestment, decimal PlannedThisYear, string StartsOn, string EndsOn, IReadOnlyList<LedgerMilestone>? Milestones = null);

/// <summary>
/// A ledger of projects recorded as one audited change (the demo's 2023 ledger; later the XLSX import): every row checked
/// as <c>POST /api/v1/sources</c> checks a project (a refusal names the row, <c>rows[3].plannedThisYear</c>, and keeps
/// nothing), each one its source and register rows, one <c>project_import</c> event listing them.
/// </summary>
public sealed class ProjectLedger(DubanDb db, AuditLog audit, TimeProvider time, UnitDirectory units, SourceAccess access, ProjectSourceType projects)
{
    public const string Imported = "project_import";

    public const int MaxRows = 5_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<Result<IReadOnlyList<long>>> ImportAsync(IReadOnlyList<LedgerRow> rows, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<IReadOnlyList<long>>(async () =>
        {
            ArgumentNullException.ThrowIfNull(rows);
            if (rows.Count is 0 or > MaxRows) return Error.Validation($"rows: 1 to {MaxRows} / 台账应有1至{MaxRows}行");
            var now = time.Now();
            var checkedRows = new List<(LedgerRow Row, ProjectFields Fields)>();
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                var f = $"rows[{i}].";
                if (Text.OrNull(row.Title) is not { Length: <= 200 }) return Error.Validation($"{f}title is required, at most 200 characters / 请填写项目名称");
                if (Text.OrNull(row.OwnerUnitCode) is not { } owner || await units.FindAsync(owner, ct) is null)
                    return Error.Validation($"{f}ownerUnitCode: unit {row.OwnerUnitCode} does not exist / 单位不存在");
                if (!await access.MayManageAsync(actor, owner, ct))
                    return Error.Forbidden($"{f}ownerUnitCode: 无权为该单位登记项目 / you may not record projects of unit {owner}");
                var extra = JsonSerializer.SerializeToElement(row, Json).EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
                var fields = await projects.ReadAsync(extra, owner, ct);
                if (!fields.IsSuccess) return fields.Error! with { Message = f + fields.Error!.Message };
                checkedRows.Add((row, fields.Value!));
            }
            var sources = checkedRows.Select(r => new Source
            {
                Type = ProjectVocabulary.Type,
                Title = r.Row.Title.Trim(),
                Date = ProjectSourceType.Day(r.Fields.StartsOn),
                OwnerUnitCode = r.Row.OwnerUnitCode.Trim(),
                Status = Source.Open,
                Details = "{}",
                CreatedAt = now,
                CreatedBy = actor.Id,
                Version = 1,
            }).ToList();
            db.Set<Source>().AddRange(sources);
            await db.SaveChangesAsync(ct);
            for (var i = 0; i < sources.Count; i++) await projects.RecordAsync(sources[i], checkedRows[i].Fields, ct);
            var data = new JsonObject
            {
                ["count"] = sources.Count,
                ["plannedFen"] = checkedRows.Sum(r => r.Fields.PlannedFen),
                ["projects"] = new JsonArray([.. sources.Select((s, i) => (JsonNode)new JsonObject
                {
                    ["source"] = s.Id, ["title"] = s.Title, ["owner"] = s.OwnerUnitCode, ["level"] = checkedRows[i].Fields.Level,
                    ["industry"] = checkedRows[i].Fields.Industry, ["year"] = checkedRows[i].Fields.Year, ["plannedFen"] = checkedRows[i].Fields.PlannedFen,
                })]),
            };
            return new ChangeMade<IReadOnlyList<long>>([.. sources.Select(s => s.Id)], [new AuditEvent(actor, Imported, data)], []);
        }, ct);
}
