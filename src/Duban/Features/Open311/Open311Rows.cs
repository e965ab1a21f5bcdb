using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Open311;

/// <summary>A key an administrator issued to an Open311 client (<c>open311 keys add</c>): only its SHA-256 is kept.</summary>
public sealed class Open311Key
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string KeyHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
}

/// <summary>
/// A request that came through the door: its service, the key that filed it, and the place as the client gave it.
/// The index the requests list reads (newest first, by service); the matter itself holds everything else.
/// </summary>
public sealed class Open311Request
{
    public long MatterId { get; set; }
    public required string ServiceCode { get; set; }
    public long KeyId { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public string? Address { get; set; }
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }
}

internal sealed class Open311KeyConfiguration : IEntityTypeConfiguration<Open311Key>
{
    public void Configure(EntityTypeBuilder<Open311Key> e)
    {
        e.ToTable("open311_keys");
        e.HasIndex(x => x.Name).IsUnique();
        e.HasIndex(x => x.KeyHash).IsUnique();
    }
}

internal sealed class Open311RequestConfiguration : IEntityTypeConfiguration<Open311Request>
{
    public void Configure(EntityTypeBuilder<Open311Request> e)
    {
        e.ToTable("open311_requests");
        e.HasKey(x => x.MatterId);
        e.Property(x => x.MatterId).ValueGeneratedNever();
        e.HasOne<Data.Matter>().WithMany().HasForeignKey(x => x.MatterId);
        e.HasOne<Open311Key>().WithMany().HasForeignKey(x => x.KeyId);
    }
}
