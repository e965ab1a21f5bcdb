using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Enterprises;

/// <summary>A firm of the register (企业名录), kept by the business office (Duban:Enterprises:OfficeUnit), by its credit code.</summary>
public sealed class Enterprise
{
    /// <summary>The unified social credit code (<see cref="CreditCode"/>), upper case.</summary>
    public required string CreditCode { get; set; }
    public required string Name { get; set; }
    /// <summary>The county-level division it lies in (six digits): who of the county sees it.</summary>
    public required string CountyCode { get; set; }
    /// <summary>One of <see cref="EnterpriseVocabulary.Industries"/>.</summary>
    public required string Industry { get; set; }
    /// <summary>large, sme or micro (大型, 中小型, 微型).</summary>
    public required string Size { get; set; }
    /// <summary>On the city's list of the 200 leading industrial firms (工业200强): it has a service team.</summary>
    public bool Top200 { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A unit on a firm's service team (服务专班): the lead (with its official, 牵头领导) or a member.</summary>
public sealed class EnterpriseTeamMember
{
    public required string CreditCode { get; set; }
    public required string UnitCode { get; set; }
    /// <summary>lead or member.</summary>
    public required string Role { get; set; }
    /// <summary>The official who leads the team (for the lead unit), or the unit's contact.</summary>
    public string? Official { get; set; }
}

/// <summary>A visit to a firm (暖企安商走访): who went, when, what was found; the demands collected are matters linked to it.</summary>
public sealed class EnterpriseVisit
{
    public long Id { get; set; }
    public required string CreditCode { get; set; }
    /// <summary>yyyy-MM-dd (China).</summary>
    public required string VisitedOn { get; set; }
    /// <summary>The officials who visited, as written (区长郑丹辉…).</summary>
    public required string Officials { get; set; }
    /// <summary>The unit of the account that recorded it.</summary>
    public required string UnitCode { get; set; }
    public string? Notes { get; set; }
    public long? RecordedBy { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>
/// An enterprise demand linked to its firm: the queue's row (企业诉求快速响应), with the firm's size, industry and county
/// copied at linking so that the queue and the figures read this table's indexes without the register.
/// </summary>
public sealed class EnterpriseDemand
{
    public long MatterId { get; set; }
    public required string CreditCode { get; set; }
    public long? VisitId { get; set; }
    public required string Size { get; set; }
    public required string Industry { get; set; }
    public required string CountyCode { get; set; }
    public DateTimeOffset RegisteredAt { get; set; }
}

public static class EnterpriseVocabulary
{
    /// <summary>The matter kind of an enterprise demand (the core's 企业诉求).</summary>
    public const string Kind = "enterprise_demand";

    public static readonly IReadOnlyList<string> Sizes = ["large", "sme", "micro"];

    /// <summary>制造业, 建筑业, 批发零售, 交通物流, 信息技术, 服务业, 农业, 其他.</summary>
    public static readonly IReadOnlyList<string> Industries = ["manufacturing", "construction", "trade", "logistics", "it", "services", "agriculture", "other"];

    /// <summary>The Chinese names an import may use for the sizes and industries, besides the API's words.</summary>
    public static readonly IReadOnlyDictionary<string, string> ChineseWords = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["大型"] = "large",
        ["中小型"] = "sme",
        ["中型"] = "sme",
        ["小型"] = "sme",
        ["微型"] = "micro",
        ["制造业"] = "manufacturing",
        ["建筑业"] = "construction",
        ["批发零售"] = "trade",
        ["批发和零售业"] = "trade",
        ["交通物流"] = "logistics",
        ["交通运输"] = "logistics",
        ["信息技术"] = "it",
        ["信息传输、软件和信息技术服务业"] = "it",
        ["服务业"] = "services",
        ["农业"] = "agriculture",
        ["农林牧渔业"] = "agriculture",
        ["其他"] = "other",
    };

    public static string SizeLabel(string size) => size switch { "large" => "大型", "sme" => "中小型", "micro" => "微型", _ => size };
}

internal sealed class EnterpriseConfiguration : IEntityTypeConfiguration<Enterprise>
{
    public void Configure(EntityTypeBuilder<Enterprise> e)
    {
        e.ToTable("enterprises");
        e.HasKey(x => x.CreditCode);
    }
}

internal sealed class EnterpriseTeamMemberConfiguration : IEntityTypeConfiguration<EnterpriseTeamMember>
{
    public void Configure(EntityTypeBuilder<EnterpriseTeamMember> e)
    {
        e.ToTable("enterprise_team_members");
        e.HasKey(x => new { x.CreditCode, x.UnitCode });
    }
}

internal sealed class EnterpriseVisitConfiguration : IEntityTypeConfiguration<EnterpriseVisit>
{
    public void Configure(EntityTypeBuilder<EnterpriseVisit> e) => e.ToTable("enterprise_visits");
}

internal sealed class EnterpriseDemandConfiguration : IEntityTypeConfiguration<EnterpriseDemand>
{
    public void Configure(EntityTypeBuilder<EnterpriseDemand> e)
    {
        e.ToTable("enterprise_demands");
        e.HasKey(x => x.MatterId);
        e.Property(x => x.MatterId).ValueGeneratedNever();
    }
}
