using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Duban.Features.Sealing;

/// <summary>
/// Seals personal data with AES-256-GCM. The associated data binds a sealed value to its place
/// (e.g. the matter number), so a sealed identity copied onto another matter does not open.
/// A sealed value names the key that sealed it (issue 17): "v1:" + base64(nonce[12] | ciphertext | tag[16]) is
/// sealed under key 1, the deployment's first (the format of every value sealed before key ids, unchanged, so that
/// they open as they are); "v2:N:" + the same is sealed under key N of the ring (<c>keys rotate</c>). New values are
/// sealed under the current key, the highest of the ring; every key of the ring opens its own.
/// </summary>
public sealed class Sealer
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly IReadOnlyDictionary<int, byte[]> ring;

    // A key of its own for fingerprints, derived (HKDF) from key 1 whatever the current key: a rotation must not change
    // the fingerprint of a request, or the same Idempotency-Key would make a second matter (issue 17). Never used to encrypt.
    private readonly byte[] fingerprintKey;

    /// <summary>A ring of one key, key 1.</summary>
    public Sealer(byte[] key)
        : this(new Dictionary<int, byte[]> { [1] = key })
    {
    }

    /// <summary>The ring of the deployment's seal keys by id (1, 2, …): key 1 is needed (fingerprints), the highest seals.</summary>
    public Sealer(IReadOnlyDictionary<int, byte[]> ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        if (!ring.TryGetValue(1, out var first)) throw new KeyException("The seal key ring has no key 1 (keys/seal.key or Duban:Seal:Key): it keys the fingerprints and opens every value sealed before the first rotation.");
        this.ring = ring;
        CurrentKeyId = ring.Keys.Max();
        fingerprintKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, first, 32, info: Encoding.UTF8.GetBytes("duban-fingerprint-v1"));
    }

    /// <summary>The id of the key new values are sealed under.</summary>
    public int CurrentKeyId { get; }

    public IReadOnlyCollection<int> KeyIds => [.. ring.Keys];

    public byte[] CurrentKey => ring[CurrentKeyId];

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
        using var aes = new AesGcm(CurrentKey, TagSize);
        aes.Encrypt(nonce, data, output.AsSpan(NonceSize, data.Length), output.AsSpan(NonceSize + data.Length), Encoding.UTF8.GetBytes(context));
        return Prefix(CurrentKeyId) + Convert.ToBase64String(output);
    }

    /// <summary>"v1:" for key 1 (readable by nodes from before key ids), "v2:N:" for key N.</summary>
    public static string Prefix(int keyId) => keyId == 1 ? "v1:" : string.Create(CultureInfo.InvariantCulture, $"v2:{keyId}:");

    /// <summary>The id of the key a value names (1 for "v1:"), or null when it is not a sealed value.</summary>
    public static int? KeyIdOf(string sealedValue)
    {
        ArgumentNullException.ThrowIfNull(sealedValue);
        if (sealedValue.StartsWith("v1:", StringComparison.Ordinal)) return 1;
        if (!sealedValue.StartsWith("v2:", StringComparison.Ordinal)) return null;
        var end = sealedValue.IndexOf(':', 3);
        return end > 3 && int.TryParse(sealedValue.AsSpan(3, end - 3), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id >= 1 ? id : null;
    }

    /// <summary>Whether this node holds the key the value names.</summary>
    public bool Knows(string sealedValue) => KeyIdOf(sealedValue) is { } id && ring.ContainsKey(id);

    /// <summary>Null when the value was not sealed with a key of this ring for this context (tampered, moved, or an unknown key).</summary>
    public string? Open(string sealedValue, string context)
    {
        ArgumentNullException.ThrowIfNull(sealedValue);
        if (KeyIdOf(sealedValue) is not { } id || !ring.TryGetValue(id, out var key)) return null;
        var body = sealedValue.StartsWith("v1:", StringComparison.Ordinal) ? sealedValue[3..] : sealedValue[(sealedValue.IndexOf(':', 3) + 1)..];
        byte[] raw;
        try { raw = Convert.FromBase64String(body); }
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
