using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Leads;

/// <summary>
/// A shared investment lead (招商线索, 招商信息共享平台 of seed 002): posted by a district (a county-level division), shared
/// with chosen districts or all, followed by others, moved through its life. <see cref="Company"/> and
/// <see cref="Contact"/> are confidential business information (商业秘密): shown only on the lead's page to those who see
/// it and in the posting district's own list, never in another district's list, an audit event or a log.
/// </summary>
public sealed class Lead
{
    public long Id { get; set; }
    /// <summary>The posting district (6 digits: 440704 江海区).</summary>
    public required string DistrictCode { get; set; }
    public long? PostedBy { get; set; }
    public DateTimeOffset PostedAt { get; set; }
    public required string Industry { get; set; }
    public long InvestmentFen { get; set; }
    public required string Needs { get; set; }
    public required string Company { get; set; }
    public string? Contact { get; set; }
    public required string Status { get; set; }
    public bool SharedAll { get; set; }
    public string? LandedDistrictCode { get; set; }
    public long? LandedFen { get; set; }
    public int Version { get; set; }
}

/// <summary>The index a district's list reads: one row per district that sees a lead (the poster, and each it was shared with).</summary>
public sealed class LeadSight
{
    public required string DistrictCode { get; set; }
    public long LeadId { get; set; }
}

/// <summary>A district following a lead it was shared with: it may then move it along.</summary>
public sealed class LeadFollow
{
    public long LeadId { get; set; }
    public required string DistrictCode { get; set; }
    public DateTimeOffset FollowedAt { get; set; }
    public long? FollowedBy { get; set; }
}

/// <summary>A step of a lead's life, as its page lists it (the audit chain holds the same).</summary>
public sealed class LeadStep
{
    public long Id { get; set; }
    public long LeadId { get; set; }
    public required string Action { get; set; }
    /// <summary>The lead's status after the step.</summary>
    public required string Status { get; set; }
    public required string DistrictCode { get; set; }
    public DateTimeOffset SteppedAt { get; set; }
    public long? ActorId { get; set; }
}

/// <summary>The figures' counters by district, kept with every post, share and landing (never a scan of the leads).</summary>
public sealed class LeadFigure
{
    public required string DistrictCode { get; set; }
    /// <summary>Leads the district sees (its list's total).</summary>
    public int Visible { get; set; }
    public int Posted { get; set; }
    /// <summary>Leads it posted and shared with at least one other district.</summary>
    public int Shared { get; set; }
    /// <summary>Leads landed in the district, and the investment they brought.</summary>
    public int Landed { get; set; }
    public long LandedFen { get; set; }
}

public static class LeadVocabulary
{
    public const string New = "new";
    public const string Contacted = "contacted";
    public const string Negotiating = "negotiating";
    public const string SignedContract = "signed";
    public const string Landed = "landed";
    public const string Lost = "lost";
    public const string Follow = "follow";

    public static readonly IReadOnlyList<string> Statuses = [New, Contacted, Negotiating, SignedContract, Landed, Lost];

    /// <summary>The one step each status moves on to; <see cref="Lost"/> may end any open one.</summary>
    public static string? Next(string status) => status switch
    {
        New => Contacted,
        Contacted => Negotiating,
        Negotiating => SignedContract,
        SignedContract => Landed,
        _ => null,
    };

    public static bool IsOpen(string status) => status is not (Landed or Lost);

    public static readonly IReadOnlyList<(string Code, Bilingual Label)> Industries =
    [
        ("equipment", new("高端装备制造", "Advanced equipment")),
        ("new_energy", new("新能源（储能、硅能源）", "New energy")),
        ("electronics", new("电子信息", "Electronics")),
        ("health", new("大健康", "Health")),
        ("materials", new("新材料", "New materials")),
        ("food", new("食品（含农产品加工）", "Food")),
        ("services", new("现代服务业", "Modern services")),
        ("other", new("其他", "Other")),
    ];

    public static Bilingual IndustryLabel(string code) => Industries.FirstOrDefault(i => i.Code == code).Label ?? new(code, code);

    public static Bilingual StatusLabel(string status) => status switch
    {
        New => new("新线索", "New"),
        Contacted => new("已接洽", "Contacted"),
        Negotiating => new("洽谈中", "Negotiating"),
        SignedContract => new("已签约", "Signed"),
        Landed => new("已落地", "Landed"),
        _ => new("已流失", "Lost"),
    };
}

internal sealed class LeadConfiguration : IEntityTypeConfiguration<Lead>
{
    public void Configure(EntityTypeBuilder<Lead> e) => e.ToTable("leads");
}

internal sealed class LeadSightConfiguration : IEntityTypeConfiguration<LeadSight>
{
    public void Configure(EntityTypeBuilder<LeadSight> e)
    {
        e.ToTable("lead_sights");
        e.HasKey(x => new { x.DistrictCode, x.LeadId });
        e.HasOne<Lead>().WithMany().HasForeignKey(x => x.LeadId);
    }
}

internal sealed class LeadFollowConfiguration : IEntityTypeConfiguration<LeadFollow>
{
    public void Configure(EntityTypeBuilder<LeadFollow> e)
    {
        e.ToTable("lead_follows");
        e.HasKey(x => new { x.LeadId, x.DistrictCode });
        e.HasOne<Lead>().WithMany().HasForeignKey(x => x.LeadId);
    }
}

internal sealed class LeadStepConfiguration : IEntityTypeConfiguration<LeadStep>
{
    public void Configure(EntityTypeBuilder<LeadStep> e)
    {
        e.ToTable("lead_steps");
        e.HasOne<Lead>().WithMany().HasForeignKey(x => x.LeadId);
    }
}

internal sealed class LeadFigureConfiguration : IEntityTypeConfiguration<LeadFigure>
{
    public void Configure(EntityTypeBuilder<LeadFigure> e)
    {
        e.ToTable("lead_figures");
        e.HasKey(x => x.DistrictCode);
    }
}
