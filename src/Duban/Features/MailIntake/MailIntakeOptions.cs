using MailKit.Security;

namespace Duban.Features.MailIntake;

/// <summary>
/// Settings of the e-mail intake (Duban:MailIntake). No mailbox: nothing is read and no node runs the reader.
/// Each mailbox is owned by a unit, or by an inspection group (a unit of kind inspection_group: its report mailbox,
/// 举报邮箱), whose messages become sealed reports to that group.
/// </summary>
public sealed class MailIntakeOptions
{
    public const string Section = "Duban:MailIntake";

    /// <summary>How often a node reads the mailboxes.</summary>
    public int PollSeconds { get; set; } = 60;

    /// <summary>The most messages one mailbox gives in one pass (the rest wait for the next).</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>Send the sender a receipt (the matter's number) through the outbox's SMTP server (Duban:Notifications:Smtp).</summary>
    public bool Receipt { get; set; }

    public List<MailboxOptions> Mailboxes { get; set; } = [];

    /// <summary>A node reading a mailbox holds it this long at most; another node may read it after (the first stopped).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    /// <summary>One IMAP command's longest wait.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
}

/// <summary>One mailbox read over IMAP.</summary>
public sealed class MailboxOptions
{
    /// <summary>Its name in Duban (the key of its messages and lease): letters, digits, '-', '_', '.', at most 40.</summary>
    public string Name { get; set; } = "";
    public string Host { get; set; } = "";
    public int Port { get; set; } = 993;
    /// <summary>SslOnConnect (implicit TLS, 993), StartTls (143), None (only on loopback); unset: SslOnConnect on 993, otherwise StartTls.</summary>
    public SecureSocketOptions? Security { get; set; }
    /// <summary>The SHA-256 of a self-signed server certificate to trust (hex), as for SMTP.</summary>
    public string? CertificateThumbprint { get; set; }
    public string UserName { get; set; } = "";
    public string Password { get; set; } = "";
    /// <summary>The folder read.</summary>
    public string Folder { get; set; } = "INBOX";
    /// <summary>A folder a registered message is moved to (it must exist); unset: the message stays, marked \Seen.</summary>
    public string? MoveTo { get; set; }
    /// <summary>The owner: a unit's code; an inspection group's makes every message a sealed report to the group.</summary>
    public string UnitCode { get; set; } = "";
    /// <summary>The kind of matter a unit's messages become (an inspection group's are always reports).</summary>
    public string Kind { get; set; } = "complaint";

    public SecureSocketOptions EffectiveSecurity => Security ?? (Port == 993 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls);
}
