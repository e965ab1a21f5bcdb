using System.Security.Cryptography;
using Duban.Features.Sealing;

namespace Duban.Tests.Unit;

public sealed class KeyFilesTests
{
    private static string NewTempDir() => Path.Combine(Path.GetTempPath(), "duban-unit-" + Guid.NewGuid().ToString("N"));

    private static void Cleanup(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Load_NoConfiguredKey_CreatesOwnerOnly32ByteKeyFile()
    {
        var dir = NewTempDir();
        try
        {
            var key = KeyFiles.Load(null, dir, "seal");
            Assert.Equal(32, key.Length);
            var path = Path.Combine(dir, "keys", "seal.key");
            Assert.True(File.Exists(path));
            Assert.Equal(key, Convert.FromBase64String(File.ReadAllText(path).Trim()));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }
        finally
        {
            Cleanup(dir);
        }
    }

    [Fact]
    public void Load_Twice_ReturnsSameKey()
    {
        var dir = NewTempDir();
        try
        {
            var first = KeyFiles.Load(null, dir, "auth");
            var second = KeyFiles.Load("", dir, "auth");
            var third = KeyFiles.Load("   ", dir, "auth");
            Assert.Equal(first, second);
            Assert.Equal(first, third);
        }
        finally
        {
            Cleanup(dir);
        }
    }

    [Fact]
    public void Load_DifferentNames_DifferentKeysAndFiles()
    {
        var dir = NewTempDir();
        try
        {
            var seal = KeyFiles.Load(null, dir, "seal");
            var auth = KeyFiles.Load(null, dir, "auth");
            Assert.NotEqual(seal, auth);
            Assert.True(File.Exists(Path.Combine(dir, "keys", "seal.key")));
            Assert.True(File.Exists(Path.Combine(dir, "keys", "auth.key")));
        }
        finally
        {
            Cleanup(dir);
        }
    }

    [Fact]
    public void Load_ExistingKeyFile_IsRead()
    {
        var dir = NewTempDir();
        try
        {
            var expected = RandomNumberGenerator.GetBytes(32);
            Directory.CreateDirectory(Path.Combine(dir, "keys"));
            File.WriteAllText(Path.Combine(dir, "keys", "seal.key"), Convert.ToBase64String(expected) + "\n");
            Assert.Equal(expected, KeyFiles.Load(null, dir, "seal"));
        }
        finally
        {
            Cleanup(dir);
        }
    }

    [Fact]
    public void Load_KeyMadeByAnotherNodeWhileThisOneLooked_IsUsedInsteadOfRefusingTheStart()
    {
        var dir = NewTempDir();
        try
        {
            var theirs = RandomNumberGenerator.GetBytes(32);
            // The other node puts its key in place and writes its first data between this node's look for the
            // file and its look at the database (the CI's two nodes starting at once).
            bool OtherNodeStartedMeanwhile()
            {
                Directory.CreateDirectory(Path.Combine(dir, "keys"));
                File.WriteAllText(Path.Combine(dir, "keys", "audit.key"), Convert.ToBase64String(theirs));
                return false;
            }
            Assert.Equal(theirs, KeyFiles.Load(null, dir, "audit", OtherNodeStartedMeanwhile));
            Assert.Throws<KeyException>(() => KeyFiles.Load(null, dir, "seal", () => false));
        }
        finally
        {
            Cleanup(dir);
        }
    }

    [Fact]
    public void Load_ConfiguredKey_WinsOverKeyFileAndWritesNothing()
    {
        var dir = NewTempDir();
        try
        {
            var configured = RandomNumberGenerator.GetBytes(32);
            Assert.Equal(configured, KeyFiles.Load(Convert.ToBase64String(configured), dir, "seal"));
            Assert.False(File.Exists(Path.Combine(dir, "keys", "seal.key")));

            var fromFile = KeyFiles.Load(null, dir, "seal");
            Assert.NotEqual(configured, fromFile);
            Assert.Equal(configured, KeyFiles.Load(Convert.ToBase64String(configured), dir, "seal"));
        }
        finally
        {
            Cleanup(dir);
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void Load_ConfiguredKeyOfWrongLength_Throws(int length)
    {
        var dir = NewTempDir();
        try
        {
            var configured = Convert.ToBase64String(RandomNumberGenerator.GetBytes(length));
            var ex = Assert.Throws<Duban.Features.Sealing.KeyException>(() => KeyFiles.Load(configured, dir, "seal"));
            Assert.Contains("seal", ex.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(dir));
        }
        finally
        {
            Cleanup(dir);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("AAAA")]
    [InlineData("not base64 at all")]
    public void Load_ExistingKeyFileOfWrongLength_RefusesInsteadOfUsingOrReplacingIt(string content)
    {
        var dir = Path.Combine(Path.GetTempPath(), "duban-keys-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "keys"));
            var path = Path.Combine(dir, "keys", "auth.key");
            File.WriteAllText(path, content);
            Assert.Throws<Duban.Features.Sealing.KeyException>(() => KeyFiles.Load(null, dir, "auth"));
            Assert.Equal(content, File.ReadAllText(path)); // not silently replaced
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Load_NewKeysDirectory_IsOwnerOnly()
    {
        if (OperatingSystem.IsWindows()) return;
        var dir = Path.Combine(Path.GetTempPath(), "duban-keys-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            KeyFiles.Load(null, dir, "seal");
            var mode = File.GetUnixFileMode(Path.Combine(dir, "keys"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, mode);
            Assert.Empty(Directory.GetFiles(Path.Combine(dir, "keys"), "*.tmp", SearchOption.TopDirectoryOnly));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Load_ManyProcessesAtOnce_AllGetTheSameFullKey()
    {
        var dir = Path.Combine(Path.GetTempPath(), "duban-keys-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var keys = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => KeyFiles.Load(null, dir, "seal"))));
            Assert.All(keys, k => Assert.Equal(keys[0], k));
            Assert.Equal(32, keys[0].Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
