using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Sources;

/// <summary>
/// A source of supervised work (督办来源): a leader's instruction (领导批示), a meeting's decisions
/// (会议议定事项), a special campaign (专项整治) or a research report (调研报告). It is owned by a
/// supervising unit, may have a parent (research → thematic meeting → its decisions), and deploys
/// its items to units as matters of kind <c>task</c> whose channel is its type.
/// </summary>
public sealed class Source
{
    public long Id { get; set; }
    /// <summary>One of <see cref="SourceTypes"/>.</summary>
    public required string Type { get; set; }
    public required string Title { get; set; }
    /// <summary>yyyy-MM-dd: the day it was given (the instruction signed, the meeting held).</summary>
    public required string Date { get; set; }
    public required string OwnerUnitCode { get; set; }
    public long? ParentId { get; set; }
    /// <summary>Seen only by its owner's line (a discipline campaign).</summary>
    public bool Confidential { get; set; }
    /// <summary>open, or reported (办理情况已报告): the report back closes it.</summary>
    public required string Status { get; set; }
    /// <summary>Who raised it, by type (<see cref="SourceDetails"/>), as JSON.</summary>
    public required string Details { get; set; }
    public string? Report { get; set; }
    public DateTimeOffset? ReportedAt { get; set; }
    public long? ReportedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public long? CreatedBy { get; set; }
    public int Version { get; set; }

    public const string Open = "open";
    public const string Reported = "reported";
}

/// <summary>A source's item: the matter it deployed, in the order entered.</summary>
public sealed class SourceItem
{
    public long MatterId { get; set; }
    public long SourceId { get; set; }
    public int Seq { get; set; }
}

/// <summary>An outcome measure a campaign counts (yuan saved a year, residents benefiting…).</summary>
public sealed class SourceMeasure
{
    public long SourceId { get; set; }
    /// <summary>[a-z][a-z0-9_]*, as the complete request names it.</summary>
    public required string Key { get; set; }
    public required string Name { get; set; }
    public required string Unit { get; set; }
    public int Seq { get; set; }
}

/// <summary>A value a completed task recorded for one of its campaign's measures (replaced when it is completed again).</summary>
public sealed class SourceMeasureValue
{
    public long MatterId { get; set; }
    public required string Key { get; set; }
    public double Value { get; set; }
}

/// <summary>The types of source, each the channel of its items.</summary>
public static class SourceTypes
{
    public const string Instruction = "instruction";
    public const string Meeting = "meeting";
    public const string Campaign = "campaign";
    public const string Research = "research";

    public static readonly IReadOnlyList<(string Type, Bilingual Label)> All =
    [
        (Instruction, new("领导批示", "Leader's instruction")),
        (Meeting, new("会议议定事项", "Meeting decisions")),
        (Campaign, new("专项整治", "Special campaign")),
        (Research, new("调研报告", "Research report")),
    ];

    public static bool IsType(string? type) => All.Any(t => t.Type == type);

    public static Bilingual Label(string type) => All.FirstOrDefault(t => t.Type == type).Label ?? new(type, type);
}

internal sealed class SourceConfiguration : IEntityTypeConfiguration<Source>
{
    public void Configure(EntityTypeBuilder<Source> e)
    {
        e.ToTable("sources");
        e.Property(x => x.Version).IsConcurrencyToken();
        e.HasOne<Source>().WithMany().HasForeignKey(x => x.ParentId);
        e.HasOne<Data.Unit>().WithMany().HasForeignKey(x => x.OwnerUnitCode);
    }
}

internal sealed class SourceItemConfiguration : IEntityTypeConfiguration<SourceItem>
{
    public void Configure(EntityTypeBuilder<SourceItem> e)
    {
        e.ToTable("source_items");
        e.HasKey(x => x.MatterId);
        e.Property(x => x.MatterId).ValueGeneratedNever();
        e.HasOne<Data.Matter>().WithMany().HasForeignKey(x => x.MatterId);
        e.HasOne<Source>().WithMany().HasForeignKey(x => x.SourceId);
    }
}

internal sealed class SourceMeasureConfiguration : IEntityTypeConfiguration<SourceMeasure>
{
    public void Configure(EntityTypeBuilder<SourceMeasure> e)
    {
        e.ToTable("source_measures");
        e.HasKey(x => new { x.SourceId, x.Key });
        e.HasOne<Source>().WithMany().HasForeignKey(x => x.SourceId);
    }
}

internal sealed class SourceMeasureValueConfiguration : IEntityTypeConfiguration<SourceMeasureValue>
{
    public void Configure(EntityTypeBuilder<SourceMeasureValue> e)
    {
        e.ToTable("source_measure_values");
        e.HasKey(x => new { x.MatterId, x.Key });
        e.HasOne<Data.Matter>().WithMany().HasForeignKey(x => x.MatterId);
    }
}
