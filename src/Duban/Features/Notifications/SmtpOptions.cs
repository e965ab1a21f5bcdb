using System.Net.Mail;

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
    public bool EnableSsl { get; set; }
    /// <summary>How often a node looks for e-mails to send.</summary>
    public int PollSeconds { get; set; } = 10;
    /// <summary>Attempts before an e-mail is given up (EmailState failed).</summary>
    public int MaxAttempts { get; set; } = 5;

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);

    /// <summary>A claimed e-mail not finished within this time may be claimed by another node (its node stopped).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>One message's conversation with the server at most: well inside the lease, so a live node never outlives its claim.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(60);

    /// <summary>After the n-th failed attempt: 1, 2, 4, 8 … minutes, at most an hour.</summary>
    public static TimeSpan Backoff(int attempts) => TimeSpan.FromMinutes(Math.Min(60, 1 << Math.Clamp(attempts - 1, 0, 6)));

    public static bool IsAddress(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return false;
        try
        {
            _ = new MailAddress(value);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
