using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Letters;

/// <summary>
/// A letter or visit registered at the desk (来信, 来访): its channel, its number of visitors (a visit only) and its
/// number of scanned pages. Written in the matter's own transaction (RegisterMatter's <c>alongside</c>); the matter holds
/// the rest (received, raiser sealed, place, kind) and the pages are its attachments.
/// </summary>
public sealed class Letter
{
    public long MatterId { get; set; }
    public required string Channel { get; set; }
    public int? Visitors { get; set; }
    public int Pages { get; set; }
}

internal sealed class LetterConfiguration : IEntityTypeConfiguration<Letter>
{
    public void Configure(EntityTypeBuilder<Letter> e)
    {
        e.ToTable("letters");
        e.HasKey(x => x.MatterId);
        e.Property(x => x.MatterId).ValueGeneratedNever();
        e.HasOne<Data.Matter>().WithMany().HasForeignKey(x => x.MatterId);
    }
}
