using System.Security.Cryptography;

namespace Duban.Features.Auth;

/// <summary>
/// PBKDF2-SHA256 password hashes: "pbkdf2$iterations$salt$hash". New hashes take the configured work
/// factor (<see cref="AuthOptions.PasswordIterations"/>, by default OWASP's 600,000); a stored hash of
/// fewer iterations still verifies and is upgraded at the account's next successful sign-in.
/// </summary>
public static class Passwords
{
    public const int DefaultIterations = 600_000;
    public const int MinIterations = 10_000;
    public const int MaxIterations = 10_000_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>Verified against when the user does not exist, so that both answers take as long: one per work factor.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> Decoys = new();

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"pbkdf2${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>The iterations of a stored hash, or null when it is not a PBKDF2 hash of this form.</summary>
    public static int? IterationsOf(string stored)
    {
        var parts = stored.Split('$');
        return parts.Length == 4 && parts[0] == "pbkdf2"
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var iterations)
            ? iterations : null;
    }

    /// <summary>A hash to replace at the next successful sign-in: made with fewer iterations than the deployment's.</summary>
    public static bool NeedsUpgrade(string stored, int iterations) => IterationsOf(stored) is { } used && used < iterations;

    /// <summary>
    /// False for a wrong password and for any stored value that is not a well-formed hash: an
    /// empty or short hash part must never match, a corrupt row must not crash the login.
    /// </summary>
    public static bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2") return false;
        if (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var iterations)
            || iterations is < MinIterations or > MaxIterations) return false;
        var salt = new byte[64];
        var expected = new byte[64];
        if (!Convert.TryFromBase64String(parts[2], salt, out var saltLength) || saltLength < SaltBytes) return false;
        if (!Convert.TryFromBase64String(parts[3], expected, out var hashLength) || hashLength != HashBytes) return false;
        var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt.AsSpan(0, saltLength), iterations, HashAlgorithmName.SHA256, HashBytes);
        return CryptographicOperations.FixedTimeEquals(actual, expected.AsSpan(0, hashLength));
    }

    /// <summary>Spends the time of a real verification, for an unknown user (no account enumeration by timing).</summary>
    public static bool VerifyDecoy(string password, int iterations = DefaultIterations)
    {
        Verify(password, Decoys.GetOrAdd(iterations, i => Hash(Generate(), i)));
        return false;
    }

    public static string Generate()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, 16);
    }
}
