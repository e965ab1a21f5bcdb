using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.MailIntake;

/// <summary>
/// A message read into a matter: its mailbox and the SHA-256 of its Message-ID (unique together), written in the
/// matter's transaction. The hash, not the header: a report's Message-ID names the sender's mail host, sometimes
/// their address, and the reporter is protected.
/// </summary>
public sealed class MailIntakeMessage
{
    public long MatterId { get; set; }
    public required string Mailbox { get; set; }
    public required string MessageId { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>An attachment that is not a photo (a PDF, a document), kept with its matter as it came.</summary>
public sealed class MailIntakeFile
{
    public long MatterId { get; set; }
    public int Seq { get; set; }
    public required string FileName { get; set; }
    public required string ContentType { get; set; }
    public int Size { get; set; }
    public required string Sha256 { get; set; }
    public required byte[] Content { get; set; }
}

/// <summary>A mailbox's lease: the node reading it, since when; and when it was last read through.</summary>
public sealed class MailIntakeMailbox
{
    public required string Mailbox { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedAt { get; set; }
    public DateTimeOffset? ReadAt { get; set; }
}

internal sealed class MailIntakeMessageConfiguration : IEntityTypeConfiguration<MailIntakeMessage>
{
    public void Configure(EntityTypeBuilder<MailIntakeMessage> e)
    {
        e.ToTable("mail_intake_messages");
        e.HasKey(x => x.MatterId);
        e.Property(x => x.MatterId).ValueGeneratedNever();
        e.HasIndex(x => new { x.Mailbox, x.MessageId }).IsUnique();
        e.HasOne<Data.Matter>().WithMany().HasForeignKey(x => x.MatterId);
    }
}

internal sealed class MailIntakeFileConfiguration : IEntityTypeConfiguration<MailIntakeFile>
{
    public void Configure(EntityTypeBuilder<MailIntakeFile> e)
    {
        e.ToTable("mail_intake_files");
        e.HasKey(x => new { x.MatterId, x.Seq });
        e.Property(x => x.MatterId).ValueGeneratedNever();
        e.Property(x => x.Seq).ValueGeneratedNever();
        e.HasOne<Data.Matter>().WithMany().HasForeignKey(x => x.MatterId);
    }
}

internal sealed class MailIntakeMailboxConfiguration : IEntityTypeConfiguration<MailIntakeMailbox>
{
    public void Configure(EntityTypeBuilder<MailIntakeMailbox> e)
    {
        e.ToTable("mail_intake_mailboxes");
        e.HasKey(x => x.Mailbox);
    }
}
