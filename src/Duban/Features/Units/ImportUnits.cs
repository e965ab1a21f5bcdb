using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Units;

/// <summary>One unit as the unit files hold it (data/demo/jiangmen-units.json is one).</summary>
public sealed record UnitRecord(string Code, string Name, string? ShortName, string Kind, string? ParentCode, string TerritoryCode, string? Phone, string? Email)
{
    /// <summary>The units row of this unit.</summary>
    public Unit ToRow() => new()
    {
        Code = Code,
        Name = Name,
        ShortName = ShortName,
        Kind = Kind,
        ParentCode = ParentCode,
        TerritoryCode = TerritoryCode,
        Phone = Phone,
        Email = Email,
    };
}

/// <summary>
/// `units import [FILE]`: adds the units of a unit file (by default the Jiangmen units shipped with
/// Duban) that the database does not have yet, parents before children, as one audited change. The
/// way to set up a production database without the demo's accounts; accounts then come with `users add`.
/// </summary>
public sealed class ImportUnits(DubanDb db, AuditedChange change, UnitDirectory directory)
{
    public const string BuiltIn = "Duban.Demo.jiangmen-units.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IReadOnlyList<UnitRecord> Read(Stream json) => JsonSerializer.Deserialize<List<UnitRecord>>(json, Json) ?? [];

    public static IReadOnlyList<UnitRecord> ReadBuiltIn()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(BuiltIn)
            ?? throw new InvalidOperationException($"resource {BuiltIn} is missing from the build");
        return Read(stream);
    }

    /// <summary>Adds the missing units; returns how many, or an error naming the first bad record.</summary>
    public async Task<Result<int>> ExecuteAsync(IReadOnlyList<UnitRecord> records, Actor actor, CancellationToken ct = default)
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            if (string.IsNullOrWhiteSpace(r.Code) || string.IsNullOrWhiteSpace(r.Name) || string.IsNullOrWhiteSpace(r.Kind) || string.IsNullOrWhiteSpace(r.TerritoryCode))
                return Error.Validation($"unit {r.Code}: code, name, kind and territoryCode are required");
            if (!codes.Add(r.Code)) return Error.Validation($"unit {r.Code} appears twice");
        }
        return await change.RunAsync<int>(async () =>
        {
            var existing = (await db.Units.Select(u => u.Code).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            var added = records.Where(r => !existing.Contains(r.Code)).ToList();
            foreach (var r in added)
            {
                if (r.ParentCode is { } parent && !existing.Contains(parent) && !codes.Contains(parent))
                    return Error.Validation($"unit {r.Code}: parent {parent} is neither in the file nor in the database");
            }
            db.Units.AddRange(added.Select(r => r.ToRow()));
            await db.SaveChangesAsync(ct);
            return new ChangeMade<int>(added.Count, [new AuditEvent(actor, "units_imported", new JsonObject { ["added"] = added.Count })], [directory.Cache]);
        }, ct);
    }
}
