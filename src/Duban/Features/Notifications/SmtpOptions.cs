using MailKit.Security;
using MimeKit;

namespace Duban.Features.Notifications;

/// <summary>
/// Settings of the e-mail outbox (Duban:Notifications:Smtp). No host: e-mail is off, notifications
/// are in-app only (their EmailState is none) and no node runs the mailer.
/// </summary>
public sealed class SmtpOptions
{
    public const string Section = "Duban:Notifications:Smtp";

    public string? Host { get; set; }
    public int Port { get; set; } = 25;
    /// <summary>The sender, an address or "名称 &lt;address&gt;".</summary>
    public string From { get; set; } = "duban@localhost";
    public string? UserName { get; set; }
    public string? Password { get; set; }
    /// <summary>STARTTLS on the plain port (the setting before <see cref="Security"/>; kept so that old configurations mean the same).</summary>
    public bool EnableSsl { get; set; }
    /// <summary>
    /// How the connection is secured (MailKit's SecureSocketOptions): <c>SslOnConnect</c> (implicit TLS, port 465),
    /// <c>StartTls</c> (587, refused if the server does not offer it), <c>StartTlsWhenAvailable</c>, <c>None</c>,
    /// <c>Auto</c>. Unset: SslOnConnect on port 465, StartTls when <see cref="EnableSsl"/>, otherwise None.
    /// </summary>
    public SecureSocketOptions? Security { get; set; }
    /// <summary>
    /// The SHA-256 of a server certificate trusted although no authority vouches for it (a self-signed
    /// internal server), hex; otherwise the certificate must be valid for the host in the system's trust store.
    /// </summary>
    public string? CertificateThumbprint { get; set; }
    /// <summary>How often a node looks for e-mails to send.</summary>
    public int PollSeconds { get; set; } = 10;
    /// <summary>Attempts before an e-mail is given up (EmailState failed).</summary>
    public int MaxAttempts { get; set; } = 5;

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);

    public SecureSocketOptions EffectiveSecurity => Security ?? (Port == 465 ? SecureSocketOptions.SslOnConnect
        : EnableSsl ? SecureSocketOptions.StartTls : SecureSocketOptions.None);

    /// <summary>A claimed e-mail not finished within this time may be claimed by another node (its node stopped).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>One message's conversation with the server at most: well inside the lease, so a live node never outlives its claim.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(60);

    /// <summary>After the n-th failed attempt: 1, 2, 4, 8 … minutes, at most an hour.</summary>
    public static TimeSpan Backoff(int attempts) => TimeSpan.FromMinutes(Math.Min(60, 1 << Math.Clamp(attempts - 1, 0, 6)));

    public static bool IsAddress(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return false;
        return Mailbox(value) is not null;
    }

    /// <summary>
    /// One address (or "名称 &lt;address&gt;"), with a local part and a domain; null when it is not one. MimeKit
    /// alone would take a bare word as a local mailbox, which no server of the city's will deliver to.
    /// </summary>
    public static MailboxAddress? Mailbox(string? value) =>
        value is not null && MailboxAddress.TryParse(value.Trim(), out var mailbox) && mailbox.LocalPart.Length > 0 && mailbox.Domain.Length > 0 ? mailbox : null;
}
