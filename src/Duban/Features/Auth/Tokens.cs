using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Duban.Features.Auth;

public sealed class AuthOptions
{
    public const string Section = "Duban:Auth";

    /// <summary>Base64 of 32 bytes; every node of a deployment must share it. Default: a key file.</summary>
    public string? SigningKey { get; set; }

    [System.ComponentModel.DataAnnotations.Range(5, 60 * 24 * 30)]
    public int TokenMinutes { get; set; } = 12 * 60;

    /// <summary>Mark the cookie Secure even when the request reached Duban over plain HTTP (TLS ended at a proxy).</summary>
    public bool SecureCookie { get; set; }
}

/// <summary>
/// Bearer tokens: base64url(payload) "." base64url(HMAC-SHA256(payload)). The payload names the
/// user and the expiry; roles and unit are read from the database on use, so a change of role or
/// a deactivated account takes effect without waiting for tokens to expire.
/// </summary>
public sealed class Tokens(byte[] key, TimeProvider time)
{
    private sealed record Payload(long Sub, long Exp);

    public string Issue(long userId, TimeSpan lifetime)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Payload(userId, time.GetUtcNow().Add(lifetime).ToUnixTimeSeconds()));
        var mac = HMACSHA256.HashData(key, payload);
        return Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(mac);
    }

    public long? Validate(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == token.Length - 1) return null;
        byte[] payload, mac;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            mac = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }
        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, payload), mac)) return null;
        Payload? p;
        try { p = JsonSerializer.Deserialize<Payload>(payload); }
        catch (JsonException) { return null; }
        if (p is null || p.Exp < time.GetUtcNow().ToUnixTimeSeconds()) return null;
        return p.Sub;
    }
}
