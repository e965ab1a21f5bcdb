using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Duban.Features.Backup;

/// <summary>
/// The deployment's key files, exported apart from the database and encrypted (issue 17, "Backups that restore"):
/// AES-256-GCM under a key derived from a passphrase by PBKDF2-SHA256 (600,000 iterations, a random 16-byte salt).
/// The file is JSON: <c>{"format":"duban-keys-v1","kdf":"PBKDF2-SHA256","iterations":…,"salt":…,"nonce":…,"sealed":…}</c>,
/// the header bound to the ciphertext as associated data; inside, <c>{"files":{"seal.key":"…","audit.key":"…",…}}</c>,
/// each key file's text as the data directory's <c>keys/</c> holds it. A wrong passphrase or a changed byte opens nothing.
/// </summary>
public static class KeyArchive
{
    public const string FileName = "keys.enc";
    public const string PassphraseVariable = "DUBAN_BACKUP_PASSPHRASE";
    public const int MinimumPassphraseLength = 12;
    private const string Format = "duban-keys-v1";
    private const int Iterations = 600_000;
    private const int SaltSize = 16, NonceSize = 12, TagSize = 16, KeySize = 32;

    /// <summary>The passphrase of the environment, or why it cannot be used.</summary>
    public static (string? Passphrase, string? Problem) PassphraseFromEnvironment()
    {
        var passphrase = Environment.GetEnvironmentVariable(PassphraseVariable);
        if (string.IsNullOrEmpty(passphrase))
            return (null, $"未设置备份口令 / no passphrase: set {PassphraseVariable} (at least {MinimumPassphraseLength} characters); it encrypts the exported keys and restore needs the same one");
        if (passphrase.Length < MinimumPassphraseLength)
            return (null, $"备份口令太短 / {PassphraseVariable} is shorter than {MinimumPassphraseLength} characters");
        return (passphrase, null);
    }

    public static string Encrypt(IReadOnlyDictionary<string, string> files, string passphrase)
    {
        ArgumentNullException.ThrowIfNull(files);
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var inner = new JsonObject { ["files"] = new JsonObject(files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))) };
        var plain = Encoding.UTF8.GetBytes(inner.ToJsonString());
        var output = new byte[plain.Length + TagSize];
        var key = Derive(passphrase, salt, Iterations);
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Encrypt(nonce, plain, output.AsSpan(0, plain.Length), output.AsSpan(plain.Length), Header(Iterations, salt));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plain);
        }
        return new JsonObject
        {
            ["format"] = Format,
            ["kdf"] = "PBKDF2-SHA256",
            ["iterations"] = Iterations,
            ["salt"] = Convert.ToBase64String(salt),
            ["nonce"] = Convert.ToBase64String(nonce),
            ["sealed"] = Convert.ToBase64String(output),
        }.ToJsonString();
    }

    /// <summary>The key files, or null when the passphrase is wrong or the file was changed or is not a key archive.</summary>
    public static Dictionary<string, string>? Decrypt(string archive, string passphrase)
    {
        try
        {
            var outer = JsonNode.Parse(archive)!.AsObject();
            if ((string?)outer["format"] != Format || (string?)outer["kdf"] != "PBKDF2-SHA256") return null;
            var iterations = (int)outer["iterations"]!;
            // A changed count is caught by the tag; bounded so that a crafted file cannot make restore hash for hours.
            if (iterations is < 100_000 or > 10_000_000) return null;
            var salt = Convert.FromBase64String((string)outer["salt"]!);
            var nonce = Convert.FromBase64String((string)outer["nonce"]!);
            var sealedBytes = Convert.FromBase64String((string)outer["sealed"]!);
            if (nonce.Length != NonceSize || sealedBytes.Length < TagSize) return null;
            var plain = new byte[sealedBytes.Length - TagSize];
            var key = Derive(passphrase, salt, iterations);
            try
            {
                using var aes = new AesGcm(key, TagSize);
                aes.Decrypt(nonce, sealedBytes.AsSpan(0, plain.Length), sealedBytes.AsSpan(plain.Length), plain, Header(iterations, salt));
            }
            catch (AuthenticationTagMismatchException)
            {
                return null;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
            var files = JsonNode.Parse(plain)!["files"]!.AsObject();
            CryptographicOperations.ZeroMemory(plain);
            return files.ToDictionary(f => f.Key, f => (string)f.Value!, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NullReferenceException or ArgumentException)
        {
            return null;
        }
    }

    private static byte[] Derive(string passphrase, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(passphrase), salt, iterations, HashAlgorithmName.SHA256, KeySize);

    private static byte[] Header(int iterations, byte[] salt) =>
        Encoding.UTF8.GetBytes(FormattableString.Invariant($"{Format}|PBKDF2-SHA256|{iterations}|{Convert.ToBase64String(salt)}"));
}
