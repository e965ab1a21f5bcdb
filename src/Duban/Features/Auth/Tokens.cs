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

    /// <summary>PBKDF2-SHA256 iterations of new hashes, and of older hashes upgraded at the next successful sign-in (OWASP 2023: 600,000).</summary>
    [System.ComponentModel.DataAnnotations.Range(Passwords.MinIterations, Passwords.MaxIterations)]
    public int PasswordIterations { get; set; } = Passwords.DefaultIterations;

    /// <summary>Failed sign-ins in a row an account may make before it waits (<see cref="LoginBackoff"/>).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1000)]
    public int BackoffFreeFailures { get; set; } = 5;

    /// <summary>The longest an account waits between tries after repeated failures.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 24 * 3600)]
    public int BackoffMaxSeconds { get; set; } = 15 * 60;
}

/// <summary>What a valid token says: the account and the security stamp the account had when the token was issued.</summary>
public sealed record TokenClaims(long UserId, string Stamp);

/// <summary>
/// Bearer tokens: base64url(payload) "." base64url(HMAC-SHA256(payload)). The payload names the
/// user, the expiry and the account's security stamp at sign-in; roles and unit are read from the
/// database on use, and a token whose stamp is no longer the account's (logout, a password reset,
/// a deactivation, a change of roles or unit) is refused at once.
/// </summary>
public sealed class Tokens(byte[] key, TimeProvider time)
{
    private sealed record Payload(long Sub, long Exp, string? Stm);

    public string Issue(long userId, string stamp, TimeSpan lifetime)
    {
        ArgumentException.ThrowIfNullOrEmpty(stamp);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Payload(userId, time.GetUtcNow().Add(lifetime).ToUnixTimeSeconds(), stamp));
        var mac = HMACSHA256.HashData(key, payload);
        return Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(mac);
    }

    /// <summary>The account a valid token names, or null.</summary>
    public long? Validate(string token) => Read(token)?.UserId;

    /// <summary>
    /// The account and stamp of a well-signed, unexpired token; null otherwise. A token issued before
    /// stamps existed (no stamp) is refused: its holder signs in again.
    /// </summary>
    public TokenClaims? Read(string token)
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
        if (p is null || p.Exp < time.GetUtcNow().ToUnixTimeSeconds() || string.IsNullOrEmpty(p.Stm)) return null;
        return new TokenClaims(p.Sub, p.Stm);
    }
}
