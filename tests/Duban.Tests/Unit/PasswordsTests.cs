using System.Security.Cryptography;
using Duban.Features.Auth;

namespace Duban.Tests.Unit;

public sealed class PasswordsTests
{
    private const string Alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    [Fact]
    public void Verify_HashOfSamePassword_True()
    {
        var stored = Passwords.Hash("正确的密码 correct horse");
        Assert.True(Passwords.Verify("正确的密码 correct horse", stored));
    }

    [Theory]
    [InlineData("")]
    [InlineData("correct-horse")]
    [InlineData("Correct-Horse!")]
    [InlineData("correct-horse! ")]
    [InlineData("correct-horse!\u200b")]
    public void Verify_WrongPassword_False(string attempt)
    {
        var stored = Passwords.Hash("correct-horse!");
        Assert.False(Passwords.Verify(attempt, stored));
    }

    [Fact]
    public void Hash_SamePasswordTwice_DiffersBySalt_BothVerify()
    {
        var a = Passwords.Hash("same password");
        var b = Passwords.Hash("same password");
        Assert.NotEqual(a, b);
        Assert.NotEqual(a.Split('$')[2], b.Split('$')[2]);
        Assert.True(Passwords.Verify("same password", a));
        Assert.True(Passwords.Verify("same password", b));
    }

    [Fact]
    public void Hash_Format_Pbkdf2IterationsSaltHash()
    {
        var parts = Passwords.Hash("pw").Split('$');
        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2", parts[0]);
        Assert.True(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) >= 100_000);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
    }

    [Fact]
    public void Verify_UsesIterationCountOfStoredHash()
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2("old password", salt, 20_000, HashAlgorithmName.SHA256, 32);
        var stored = $"pbkdf2$20000${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
        Assert.True(Passwords.Verify("old password", stored));
        Assert.False(Passwords.Verify("old password", $"pbkdf2$20001${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}"));
        Assert.False(Passwords.Verify("new password", stored));
    }

    [Fact]
    public void Verify_HashWeakerThanTenThousandRounds_NeverAccepted()
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var weak = Rfc2898DeriveBytes.Pbkdf2("pw", salt, 1000, HashAlgorithmName.SHA256, 32);
        Assert.False(Passwords.Verify("pw", $"pbkdf2$1000${Convert.ToBase64String(salt)}${Convert.ToBase64String(weak)}"));
    }

    [Fact]
    public void VerifyDecoy_AlwaysFalse()
    {
        Assert.False(Passwords.VerifyDecoy("anything"));
    }

    [Fact]
    public void Verify_TamperedHashOrSalt_False()
    {
        var parts = Passwords.Hash("pw").Split('$');
        var hash = Convert.FromBase64String(parts[3]);
        hash[0] ^= 1;
        Assert.False(Passwords.Verify("pw", $"{parts[0]}${parts[1]}${parts[2]}${Convert.ToBase64String(hash)}"));
        var salt = Convert.FromBase64String(parts[2]);
        salt[^1] ^= 1;
        Assert.False(Passwords.Verify("pw", $"{parts[0]}${parts[1]}${Convert.ToBase64String(salt)}${parts[3]}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("pbkdf2")]
    [InlineData("pbkdf2$100000")]
    [InlineData("pbkdf2$100000$AAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("pbkdf2$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$extra")]
    [InlineData("bcrypt$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("PBKDF2$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2$many$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234")]
    public void Verify_MalformedStored_FalseWithoutThrowing(string stored)
    {
        Assert.False(Passwords.Verify("pw", stored));
    }

    // A corrupt stored hash never verifies and never throws: an empty hash part would otherwise
    // derive 0 bytes and FixedTimeEquals([], []) would accept ANY password; bad base64 or a
    // non-positive iteration count would throw (a 500 at login instead of 401).
    [Theory]
    [InlineData("pbkdf2$100000$AAAAAAAAAAAAAAAAAAAAAA==$")]
    [InlineData("pbkdf2$100000$$")]
    [InlineData("pbkdf2$100000$!!not-base64!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2$100000$AAAAAAAAAAAAAAAAAAAAAA==$!!not-base64!!")]
    [InlineData("pbkdf2$0$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2$-5$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void Verify_CorruptStoredParts_FalseWithoutThrowing(string stored)
    {
        Assert.False(Passwords.Verify("pw", stored));
        Assert.False(Passwords.Verify("any other password", stored));
    }

    [Fact]
    public void Generate_16CharsFromAlphabet_Varies()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 200; i++)
        {
            var password = Passwords.Generate();
            Assert.Equal(16, password.Length);
            Assert.All(password, c => Assert.Contains(c, Alphabet));
            seen.Add(password);
        }
        Assert.Equal(200, seen.Count);
    }

    [Fact]
    public void Generate_NeverUsesLookAlikes()
    {
        var all = string.Concat(Enumerable.Range(0, 300).Select(_ => Passwords.Generate()));
        Assert.DoesNotContain(all, c => "0O1lIio".Contains(c, StringComparison.Ordinal));
    }
}
