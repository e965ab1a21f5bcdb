using System.Security.Cryptography;

namespace Duban.Features.Auth;

/// <summary>PBKDF2-SHA256 password hashes: "pbkdf2$iterations$salt$hash".</summary>
public static class Passwords
{
    private const int Iterations = 100_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>Verified against when the user does not exist, so that both answers take as long.</summary>
    private static readonly string Decoy = Hash(Generate());

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"pbkdf2${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>
    /// False for a wrong password and for any stored value that is not a well-formed hash: an
    /// empty or short hash part must never match, a corrupt row must not crash the login.
    /// </summary>
    public static bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2") return false;
        if (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var iterations)
            || iterations is < 10_000 or > 10_000_000) return false;
        var salt = new byte[64];
        var expected = new byte[64];
        if (!Convert.TryFromBase64String(parts[2], salt, out var saltLength) || saltLength < SaltBytes) return false;
        if (!Convert.TryFromBase64String(parts[3], expected, out var hashLength) || hashLength != HashBytes) return false;
        var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt.AsSpan(0, saltLength), iterations, HashAlgorithmName.SHA256, HashBytes);
        return CryptographicOperations.FixedTimeEquals(actual, expected.AsSpan(0, hashLength));
    }

    /// <summary>Spends the time of a real verification, for an unknown user (no account enumeration by timing).</summary>
    public static bool VerifyDecoy(string password)
    {
        Verify(password, Decoy);
        return false;
    }

    public static string Generate()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, 16);
    }
}
