using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Dispatching;

/// <summary>
/// One counter of dispatches (table <c>dispatch_corrections</c>, schema 0050): the suggested category (a catalogue path,
/// '' for none) and lead unit ('' for none), and the lead unit the dispatcher chose. Kept in the dispatch's own
/// transaction (<see cref="DispatchCorrections.CountAsync"/>), so it always says what the dispatch events say.
/// </summary>
public sealed class DispatchCorrection
{
    public required string Category { get; set; }
    public required string SuggestedUnit { get; set; }
    public required string ChosenUnit { get; set; }
    /// <summary>Dispatches with this suggestion and this choice.</summary>
    public long Dispatches { get; set; }
    /// <summary>Of them, taken as suggested (<c>suggestion.accepted</c>: nothing corrected).</summary>
    public long Accepted { get; set; }
    public long CategoryCorrected { get; set; }
    public long LeadCorrected { get; set; }
    public long CoCorrected { get; set; }
}

internal sealed class DispatchCorrectionConfiguration : IEntityTypeConfiguration<DispatchCorrection>
{
    public void Configure(EntityTypeBuilder<DispatchCorrection> e)
    {
        e.ToTable("dispatch_corrections");
        e.HasKey(x => new { x.Category, x.SuggestedUnit, x.ChosenUnit });
    }
}

/// <summary>Where the dispatchers sent what was suggested to a unit instead, and how often.</summary>
public sealed record CorrectedTo(Matters.UnitRef Unit, long Dispatches);

/// <summary>
/// A suggested category and owner: how often it was suggested at a dispatch, taken as it was (accepted), corrected
/// (anything: category, lead or co-handlers), which parts were corrected, and the units chosen instead of its lead.
/// </summary>
public sealed record CategoryCorrections(string? Category, Matters.UnitRef? SuggestedUnit, long Suggested, long Accepted, long Corrected,
    long CategoryCorrected, long LeadCorrected, long CoCorrected, IReadOnlyList<CorrectedTo> CorrectedTo);

/// <summary>
/// 派单纠错统计: the dispatchers' corrections of the suggestions, counted per suggested category and owner. Every dispatch
/// records its suggestion in its event (Features/Matters/Actions/Dispatch.cs: accepted, corrected); the counters add it up
/// in the same transaction (<see cref="IDispatchAdvisor.SuggestionRecordedAsync"/>), and <see cref="FromEvents"/> adds up
/// the events again to compare.
/// </summary>
public sealed class DispatchCorrections(DubanDb db, MatterScope scope, UnitDirectory directory)
{
    /// <summary>The key and the counts a dispatch adds, from its event's <c>suggestion</c> and the lead chosen.</summary>
    public static DispatchCorrection Delta(JsonObject suggestion, string chosenLeadUnitCode)
    {
        ArgumentNullException.ThrowIfNull(suggestion);
        var corrected = suggestion["corrected"]?.AsArray().Select(c => (string?)c).ToHashSet(StringComparer.Ordinal) ?? [];
        return new DispatchCorrection
        {
            Category = (string?)suggestion["category"] ?? "",
            SuggestedUnit = (string?)suggestion["leadUnitCode"] ?? "",
            ChosenUnit = chosenLeadUnitCode,
            Dispatches = 1,
            Accepted = (bool?)suggestion["accepted"] == true ? 1 : 0,
            CategoryCorrected = corrected.Contains("category") ? 1 : 0,
            LeadCorrected = corrected.Contains("leadUnitCode") ? 1 : 0,
            CoCorrected = corrected.Contains("coUnitCodes") ? 1 : 0,
        };
    }

    /// <summary>The event's record of the lead chosen (beside <c>suggestion</c>), so the events alone give the counters.</summary>
    public const string ChosenKey = "suggestionLeadChosen";

    /// <summary>
    /// Counts one dispatch, in its transaction: one upsert (INSERT … ON CONFLICT, on both databases), so dispatches on
    /// several nodes at once add up without reading the row first. The lead chosen goes into the event beside the suggestion.
    /// </summary>
    public static async Task CountAsync(ActionStep step, JsonObject suggestion, string chosenLeadUnitCode, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(step);
        var d = Delta(suggestion, chosenLeadUnitCode);
        step.Details[ChosenKey] = chosenLeadUnitCode;
        await using var cmd = Sql.Command(step.Db,
            "INSERT INTO dispatch_corrections (category, suggested_unit, chosen_unit, dispatches, accepted, category_corrected, lead_corrected, co_corrected) "
            + "VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7) ON CONFLICT (category, suggested_unit, chosen_unit) DO UPDATE SET "
            + "dispatches = dispatch_corrections.dispatches + excluded.dispatches, accepted = dispatch_corrections.accepted + excluded.accepted, "
            + "category_corrected = dispatch_corrections.category_corrected + excluded.category_corrected, "
            + "lead_corrected = dispatch_corrections.lead_corrected + excluded.lead_corrected, "
            + "co_corrected = dispatch_corrections.co_corrected + excluded.co_corrected",
            d.Category, d.SuggestedUnit, d.ChosenUnit, d.Dispatches, d.Accepted, d.CategoryCorrected, d.LeadCorrected, d.CoCorrected);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The counters the dispatch events make (each event's data as stored): the same rows as the table, ordered by key.
    /// Events without a suggestion (none was made) or recorded before the counters (no lead chosen in them) count nothing.
    /// </summary>
    public static IReadOnlyList<DispatchCorrection> FromEvents(IEnumerable<string> dispatchEventData)
    {
        ArgumentNullException.ThrowIfNull(dispatchEventData);
        var rows = new Dictionary<(string, string, string), DispatchCorrection>();
        foreach (var text in dispatchEventData)
        {
            if (JsonNode.Parse(text) is not JsonObject data || data["suggestion"] is not JsonObject suggestion || (string?)data[ChosenKey] is not { } chosen) continue;
            var d = Delta(suggestion, chosen);
            var key = (d.Category, d.SuggestedUnit, d.ChosenUnit);
            if (!rows.TryGetValue(key, out var row)) rows[key] = d;
            else
            {
                row.Dispatches += d.Dispatches;
                row.Accepted += d.Accepted;
                row.CategoryCorrected += d.CategoryCorrected;
                row.LeadCorrected += d.LeadCorrected;
                row.CoCorrected += d.CoCorrected;
            }
        }
        return [.. rows.Values.OrderBy(r => r.Category, StringComparer.Ordinal).ThenBy(r => r.SuggestedUnit, StringComparer.Ordinal)
            .ThenBy(r => r.ChosenUnit, StringComparer.Ordinal)];
    }

    /// <summary>
    /// GET /dispatch/corrections: for dispatchers, supervisors and administrators (403 for others). Below the city, the
    /// suggestions to or choices of units in the actor's territory only. The table holds a row per category, suggested and
    /// chosen unit that ever occurred (hundreds), read whole: a counter table, not the matters.
    /// </summary>
    public async Task<Result<List<CategoryCorrections>>> ListAsync(Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.HasAny(Roles.Dispatcher, Roles.Supervisor, Roles.Admin))
            return Error.Forbidden("只有受理、督办人员和管理员可以查看派单纠错统计 / only dispatchers, supervisors and administrators see dispatch corrections");
        var rows = await db.Set<DispatchCorrection>().AsNoTracking().ToListAsync(ct);
        var units = await directory.AllAsync(ct);
        if (!scope.IsCityWide(actor))
        {
            if (actor.TerritoryCode.Length == 0) return Error.Forbidden("没有辖区的账号不能查看派单纠错统计 / an account with no territory sees no dispatch corrections");
            var prefix = MatterScope.TerritoryPrefix(actor.TerritoryCode);
            bool Mine(string code) => units.TryGetValue(code, out var u) && u.TerritoryCode.StartsWith(prefix, StringComparison.Ordinal);
            rows = [.. rows.Where(r => Mine(r.SuggestedUnit) || Mine(r.ChosenUnit))];
        }
        Matters.UnitRef Ref(string code) => new(code, units.TryGetValue(code, out var u) ? u.Name : code);
        return rows.GroupBy(r => (r.Category, r.SuggestedUnit)).Select(g =>
        {
            var suggested = g.Sum(r => r.Dispatches);
            var accepted = g.Sum(r => r.Accepted);
            var to = g.Where(r => r.ChosenUnit != r.SuggestedUnit).OrderByDescending(r => r.Dispatches).ThenBy(r => r.ChosenUnit, StringComparer.Ordinal)
                .Select(r => new CorrectedTo(Ref(r.ChosenUnit), r.Dispatches)).ToList();
            return new CategoryCorrections(g.Key.Category.Length == 0 ? null : g.Key.Category, g.Key.SuggestedUnit.Length == 0 ? null : Ref(g.Key.SuggestedUnit),
                suggested, accepted, suggested - accepted, g.Sum(r => r.CategoryCorrected), g.Sum(r => r.LeadCorrected), g.Sum(r => r.CoCorrected), to);
        }).OrderByDescending(c => c.Corrected).ThenByDescending(c => c.Suggested).ThenBy(c => c.Category, StringComparer.Ordinal)
            .ThenBy(c => c.SuggestedUnit?.Code, StringComparer.Ordinal).ToList();
    }
}
