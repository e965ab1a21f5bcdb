using System.Security.Cryptography;

namespace Duban.Features.Sealing;

/// <summary>
/// A 256-bit key from configuration (base64), or else from a key file under the data directory,
/// created on first start with owner-only permissions. Several nodes must share the configured key.
/// A key of the wrong length is refused loudly: a short or empty key would weaken every token or
/// seal made with it, and silently making a new one would lose every identity sealed before.
/// </summary>
public static class KeyFiles
{
    private const int KeyBytes = 32;

    /// <summary>
    /// The key; a missing key file is made only when <paramref name="mayGenerate"/> (none: always) says the
    /// database holds nothing yet: a new key over existing data would fork the chain, make tokens fail on the other
    /// nodes and seal identities nobody else can open (issue 17), so that start is refused instead.
    /// </summary>
    public static byte[] Load(string? configured, string dataDirectory, string name, Func<bool>? mayGenerate = null)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Decode(configured, $"the configured {name} key");
        }
        var dir = Path.Combine(dataDirectory, "keys");
        var path = Path.Combine(dir, name + ".key");
        if (File.Exists(path)) return Decode(File.ReadAllText(path), path);
        if (mayGenerate is not null && !mayGenerate())
        {
            // Another node may have made the key and then written its first data while this one looked: the node that
            // makes a key writes it before any data, so data seen here with the file now present is that node's.
            if (File.Exists(path)) return Decode(File.ReadAllText(path), path);
            throw new KeyException(
                $"No {name} key: {path} does not exist and the database already holds data, so no new key is made (it would not match " +
                $"the one the data was written with). Give this node the deployment's {name} key (its configuration or {path}); Duban does not start without it.");
        }

        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
        else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Written whole to a temporary file, then moved into place: another process starting at
        // the same moment sees either no key file or a complete one, never a half-written one.
        var fresh = RandomNumberGenerator.GetBytes(KeyBytes);
        var temporary = Path.Combine(dir, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Convert.ToBase64String(fresh));
        }
        try
        {
            File.Move(temporary, path, overwrite: false);
            return fresh;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process put its key in place first: use theirs.
            File.Delete(temporary);
            return Decode(File.ReadAllText(path), path);
        }
    }

    /// <summary>
    /// The seal key ring: key 1, and each key N ≥ 2 that `keys rotate` made, from configuration (<c>Duban:Seal:Keys:N</c>,
    /// base64) or its file <c>keys/seal-N.key</c> (configuration wins). Never made here: only `keys rotate` adds a key.
    /// </summary>
    public static IReadOnlyDictionary<int, byte[]> SealRing(byte[] first, IConfigurationSection configured, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configured);
        var ring = new SortedDictionary<int, byte[]> { [1] = first };
        var dir = Path.Combine(dataDirectory, "keys");
        if (Directory.Exists(dir))
        {
            foreach (var file in Directory.EnumerateFiles(dir, "seal-*.key"))
            {
                var name = Path.GetFileNameWithoutExtension(file)["seal-".Length..];
                if (int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id >= 2)
                    ring[id] = Decode(File.ReadAllText(file), file);
            }
        }
        foreach (var child in configured.GetChildren())
        {
            if (int.TryParse(child.Key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id >= 2 && !string.IsNullOrWhiteSpace(child.Value))
                ring[id] = Decode(child.Value, $"the configured seal key {id} (Duban:Seal:Keys:{id})");
        }
        return ring;
    }

    /// <summary>The file of seal key <paramref name="id"/> (key 1: seal.key).</summary>
    public static string SealKeyPath(string dataDirectory, int id) =>
        Path.Combine(dataDirectory, "keys", id == 1 ? "seal.key" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"seal-{id}.key"));

    /// <summary>A new key written whole to <paramref name="path"/>, owner-only; never over an existing file.</summary>
    public static byte[] Create(string path)
    {
        var dir = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
        else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var fresh = RandomNumberGenerator.GetBytes(KeyBytes);
        var temporary = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Convert.ToBase64String(fresh));
        }
        File.Move(temporary, path, overwrite: false);
        return fresh;
    }

    private static byte[] Decode(string base64, string source)
    {
        var key = new byte[KeyBytes + 1];
        if (!Convert.TryFromBase64String(base64.Trim(), key, out var length) || length != KeyBytes)
        {
            throw new KeyException($"{source} must hold exactly {KeyBytes} bytes, base64-encoded; refusing to start with it.");
        }
        return key[..KeyBytes];
    }
}

/// <summary>A key that is missing where it must not be made, or that is malformed: the node or verb does not start.</summary>
public sealed class KeyException(string message) : InvalidOperationException(message);
