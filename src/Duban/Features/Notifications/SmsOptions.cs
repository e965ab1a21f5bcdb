namespace Duban.Features.Notifications;

/// <summary>
/// Settings of notifications by SMS (Duban:Notifications:Sms). No gateway address: SMS is off, no node runs the sender
/// and no text message is queued. A unit receives them at its SMS numbers (units.sms, kept by its administrator).
/// </summary>
public sealed class SmsOptions
{
    public const string Section = "Duban:Notifications:Sms";

    /// <summary>The gateway's address (<see cref="HttpSmsGateway"/>): an http or https URL; empty: no SMS.</summary>
    public string? Url { get; set; }
    /// <summary>Sent as <c>Authorization: Bearer …</c> when set.</summary>
    public string? ApiKey { get; set; }
    /// <summary>Put before every text, e.g. 【江门督办】 (a Chinese SMS carries its sender's registered signature); empty: none.</summary>
    public string? Signature { get; set; }
    /// <summary>The kinds of notification sent by SMS (dispatch, co_dispatch, remind, notice, escalate, urge …); empty: every kind.</summary>
    public List<string> Kinds { get; set; } = [];
    /// <summary>A text longer than this is cut, with …: a long SMS is billed by the part.</summary>
    public int MaxChars { get; set; } = 200;
    /// <summary>How often a node looks for text messages to send.</summary>
    public int PollSeconds { get; set; } = 10;
    /// <summary>Attempts before a text message is given up (failed).</summary>
    public int MaxAttempts { get; set; } = 5;

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    public bool Sends(string kind) => Kinds.Count == 0 || Kinds.Contains(kind, StringComparer.Ordinal);

    public static bool IsUrl(string? value) =>
        string.IsNullOrWhiteSpace(value)
        || (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp));
}
