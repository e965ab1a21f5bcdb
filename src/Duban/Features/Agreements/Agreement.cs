using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Agreements;

/// <summary>
/// A cross-district cooperation agreement (区域合作框架协议): a source of type <c>agreement</c> (Features/Sources) with its
/// signing date and parties. Its commitments are the source's items, each a task for the committed party.
/// </summary>
public sealed class Agreement
{
    public long SourceId { get; set; }
    /// <summary>yyyy-MM-dd.</summary>
    public required string SignedOn { get; set; }
}

/// <summary>A party to an agreement (a district's or county's government or department), in the order given.</summary>
public sealed class AgreementParty
{
    public long AgreementId { get; set; }
    public int Seq { get; set; }
    public required string UnitCode { get; set; }
}

/// <summary>A commitment: the source item (matter) it became, its field and the party that owes it.</summary>
public sealed class AgreementCommitment
{
    public long MatterId { get; set; }
    public long AgreementId { get; set; }
    public required string Field { get; set; }
    public required string PartyUnitCode { get; set; }
}

public static class AgreementVocabulary
{
    public const string Type = "agreement";

    /// <summary>The five fields of the 蓬江—江海—恩平 framework agreements (seed 002): 产业协同, 科技交流, 乡村振兴, 人才协作, 公共服务.</summary>
    public static readonly IReadOnlyList<(string Code, Bilingual Label)> Fields =
    [
        ("industry", new("产业协同", "Industry")),
        ("technology", new("科技交流", "Technology")),
        ("rural", new("乡村振兴", "Rural revitalisation")),
        ("talent", new("人才协作", "Talent")),
        ("public_services", new("公共服务", "Public services")),
    ];

    public static bool IsField(string? code) => Fields.Any(f => f.Code == code);

    public static Bilingual Label(string code) => Fields.FirstOrDefault(f => f.Code == code).Label ?? new(code, code);
}

internal sealed class AgreementConfiguration : IEntityTypeConfiguration<Agreement>
{
    public void Configure(EntityTypeBuilder<Agreement> e)
    {
        e.ToTable("agreements");
        e.HasKey(x => x.SourceId);
        e.Property(x => x.SourceId).ValueGeneratedNever();
        e.HasOne<Sources.Source>().WithMany().HasForeignKey(x => x.SourceId);
    }
}

internal sealed class AgreementPartyConfiguration : IEntityTypeConfiguration<AgreementParty>
{
    public void Configure(EntityTypeBuilder<AgreementParty> e)
    {
        e.ToTable("agreement_parties");
        e.HasKey(x => new { x.AgreementId, x.Seq });
        e.HasOne<Agreement>().WithMany().HasForeignKey(x => x.AgreementId);
    }
}

internal sealed class AgreementCommitmentConfiguration : IEntityTypeConfiguration<AgreementCommitment>
{
    public void Configure(EntityTypeBuilder<AgreementCommitment> e)
    {
        e.ToTable("agreement_commitments");
        e.HasKey(x => x.MatterId);
        e.Property(x => x.MatterId).ValueGeneratedNever();
        e.HasOne<Data.Matter>().WithMany().HasForeignKey(x => x.MatterId);
        e.HasOne<Agreement>().WithMany().HasForeignKey(x => x.AgreementId);
    }
}
