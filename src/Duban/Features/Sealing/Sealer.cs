using System.Security.Cryptography;
using System.Text;

namespace Duban.Features.Sealing;

/// <summary>
/// Seals personal data with AES-256-GCM. The associated data binds a sealed value to its place
/// (e.g. the matter number), so a sealed identity copied onto another matter does not open.
/// Format: "v1:" + base64(nonce[12] | ciphertext | tag[16]).
/// </summary>
public sealed class Sealer(byte[] key)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    // A key of its own for fingerprints, derived from the seal key (HKDF), never used to encrypt.
    private readonly byte[] fingerprintKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, info: Encoding.UTF8.GetBytes("duban-fingerprint-v1"));

    /// <summary>
    /// A keyed fingerprint (HMAC-SHA256) of text that holds personal data, such as a whole request
    /// with a raiser's name and phone: equal texts give equal fingerprints, but without the key
    /// nobody who reads the database can test guesses against it (a plain hash of a name and an
    /// eleven-digit phone falls to brute force in minutes).
    /// </summary>
    public string Fingerprint(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(fingerprintKey, Encoding.UTF8.GetBytes(text)));

    public string Seal(string plaintext, string context)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + data.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, data, output.AsSpan(NonceSize, data.Length), output.AsSpan(NonceSize + data.Length), Encoding.UTF8.GetBytes(context));
        return "v1:" + Convert.ToBase64String(output);
    }

    /// <summary>Null when the value was not sealed with this key for this context (tampered or moved).</summary>
    public string? Open(string sealedValue, string context)
    {
        if (!sealedValue.StartsWith("v1:", StringComparison.Ordinal)) return null;
        byte[] raw;
        try { raw = Convert.FromBase64String(sealedValue[3..]); }
        catch (FormatException) { return null; }
        if (raw.Length < NonceSize + TagSize) return null;
        var length = raw.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        try
        {
            aes.Decrypt(raw.AsSpan(0, NonceSize), raw.AsSpan(NonceSize, length), raw.AsSpan(NonceSize + length), plain, Encoding.UTF8.GetBytes(context));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        return Encoding.UTF8.GetString(plain);
    }
}
