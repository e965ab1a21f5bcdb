using System.Text.Json;
using System.Text.Json.Serialization;

namespace Duban.Features.Sources;

/// <summary>An item of a source: a task for a lead unit and its co-units, due at the end of <paramref name="DueDate"/> (yyyy-MM-dd, China time).</summary>
/// <param name="Weight">Its weight in the source's progress, 1 to 100 (default 1).</param>
/// <param name="Urgency">normal (default) or urgent: the time-limit policy its clock runs under.</param>
public sealed record SourceItemInput(string? Title, string? Content, string? LeadUnitCode, string[]? CoUnitCodes, string? DueDate,
    int? Weight = null, string? Urgency = null);

/// <summary>An outcome measure a campaign declares: <paramref name="Key"/> as the complete request names it, with its name and unit.</summary>
public sealed record SourceMeasureInput(string? Key, string? Name, string? Unit);

/// <summary>
/// POST /api/v1/sources. Common: type, title, date (yyyy-MM-dd; today when absent), ownerUnitCode, parentId, confidential,
/// items, measures (campaigns only). By type: instruction {leader, leaderLevel, text}; meeting {meetingKind, chair, minutes};
/// campaign {leadUnitCode, unitCodes}; research {theme, group, findings}.
/// </summary>
public sealed record CreateSourceRequest(
    string? Type, string? Title, string? Date, string? OwnerUnitCode, long? ParentId = null, bool? Confidential = null,
    string? Leader = null, string? LeaderLevel = null, string? Text = null,
    string? MeetingKind = null, string? Chair = null, string? Minutes = null,
    string? LeadUnitCode = null, string[]? UnitCodes = null,
    string? Theme = null, string? Group = null, string? Findings = null,
    SourceItemInput[]? Items = null, SourceMeasureInput[]? Measures = null)
{
    /// <summary>The fields of a module's source type (a project's level, an agreement's parties…), which its <see cref="ISourceType"/> reads.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>POST /api/v1/sources/{id}/items: more items for an open source.</summary>
public sealed record AddSourceItemsRequest(SourceItemInput[]? Items);

/// <summary>POST /api/v1/sources/{id}/report: the report back (办理情况报告), once every item is closed.</summary>
public sealed record ReportSourceRequest(string? Text, int? Version = null);

/// <summary>201 to a creation, 200 to added items: the source and the matters its items became, in order.</summary>
public sealed record SourceCreated(long Id, IReadOnlyList<long> Matters);

/// <summary>Who raised the source, by type, as stored in sources.details.</summary>
public sealed record SourceDetails
{
    public string? Leader { get; init; }
    public string? LeaderLevel { get; init; }
    public string? Text { get; init; }
    public string? MeetingKind { get; init; }
    public string? Chair { get; init; }
    public string? Minutes { get; init; }
    public string? LeadUnitCode { get; init; }
    public IReadOnlyList<string>? UnitCodes { get; init; }
    public string? Theme { get; init; }
    public string? Group { get; init; }
    public string? Findings { get; init; }
}
