using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit;

namespace Duban.Features.Notifications;

/// <summary>
/// How Duban's mail clients (the SMTP outbox, the IMAP intake in Features/MailIntake) check a server's
/// certificate: valid for the host in the system's trust store, or the one certificate whose SHA-256 the
/// configuration names (a self-signed internal server). Nothing else is accepted: no "accept any".
/// </summary>
public static class MailTls
{
    public static void Configure(IMailService client, string? pinnedSha256)
    {
        var pinned = string.IsNullOrWhiteSpace(pinnedSha256) ? null : Normalize(pinnedSha256);
        client.ServerCertificateValidationCallback = (_, certificate, _, errors) =>
            errors == SslPolicyErrors.None || (pinned is not null && certificate is not null && Sha256(certificate) == pinned);
        // A pinned certificate is its own revocation: a self-signed one names no list to ask.
        if (pinned is not null) client.CheckCertificateRevocation = false;
    }

    /// <summary>The certificate's SHA-256 as lower-case hex, the form <c>CertificateThumbprint</c> takes.</summary>
    public static string Sha256(X509Certificate certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.GetRawCertData()));

    /// <summary>Unset, or 64 hex digits (colons and spaces allowed between them).</summary>
    public static bool IsThumbprint(string? value) =>
        string.IsNullOrWhiteSpace(value) || Normalize(value) is { Length: 64 } hex && hex.All(char.IsAsciiHexDigit);

    private static string Normalize(string hex) => hex.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).Trim().ToLowerInvariant();
}
