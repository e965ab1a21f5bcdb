using System.Security.Cryptography;

namespace Duban.Features.Sealing;

/// <summary>
/// A 256-bit key from configuration (base64), or else from a key file under the data directory,
/// created on first start with owner-only permissions. Several nodes must share the configured key.
/// </summary>
public static class KeyFiles
{
    public static byte[] Load(string? configured, string dataDirectory, string name)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var key = Convert.FromBase64String(configured);
            if (key.Length != 32) throw new InvalidOperationException($"The configured {name} key must be 32 bytes, base64-encoded.");
            return key;
        }
        var dir = Path.Combine(dataDirectory, "keys");
        var path = Path.Combine(dir, name + ".key");
        if (File.Exists(path)) return Convert.FromBase64String(File.ReadAllText(path).Trim());
        Directory.CreateDirectory(dir);
        var fresh = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var stream = new FileStream(path, options);
            using var writer = new StreamWriter(stream);
            writer.Write(Convert.ToBase64String(fresh));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
        return fresh;
    }
}
