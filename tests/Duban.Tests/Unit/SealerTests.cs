using System.Security.Cryptography;
using Duban.Features.Sealing;

namespace Duban.Tests.Unit;

public sealed class SealerTests
{
    private const string Context = "raiser:JM-2025-000123";
    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);

    [Theory]
    [InlineData("{\"name\":\"陈美玲\",\"phone\":\"13800138000\"}")]
    [InlineData("江门市蓬江区 督办 ✓ 𠮷")]
    [InlineData("")]
    public void SealThenOpen_SameKeyAndContext_ReturnsPlaintext(string plaintext)
    {
        var sealer = new Sealer(key);
        var sealedValue = sealer.Seal(plaintext, Context);
        Assert.StartsWith("v1:", sealedValue, StringComparison.Ordinal);
        Assert.Equal(plaintext, sealer.Open(sealedValue, Context));
    }

    [Fact]
    public void Seal_DoesNotContainPlaintext()
    {
        var sealedValue = new Sealer(key).Seal("13800138000", Context);
        Assert.DoesNotContain("13800138000", sealedValue, StringComparison.Ordinal);
        var raw = Convert.FromBase64String(sealedValue[3..]);
        Assert.Equal(12 + "13800138000".Length + 16, raw.Length);
    }

    [Fact]
    public void Open_DifferentContext_ReturnsNull()
    {
        var sealer = new Sealer(key);
        var sealedValue = sealer.Seal("陈美玲", Context);
        Assert.Null(sealer.Open(sealedValue, "raiser:JM-2025-000124"));
        Assert.Null(sealer.Open(sealedValue, ""));
    }

    [Fact]
    public void Open_DifferentKey_ReturnsNull()
    {
        var sealedValue = new Sealer(key).Seal("陈美玲", Context);
        Assert.Null(new Sealer(RandomNumberGenerator.GetBytes(32)).Open(sealedValue, Context));
    }

    [Fact]
    public void Open_AnyFlippedByte_ReturnsNull()
    {
        var sealer = new Sealer(key);
        var raw = Convert.FromBase64String(sealer.Seal("陈美玲 13800138000", Context)[3..]);
        // Every byte matters: nonce, ciphertext and tag.
        for (var i = 0; i < raw.Length; i++)
        {
            var copy = (byte[])raw.Clone();
            copy[i] ^= 0x01;
            Assert.Null(sealer.Open("v1:" + Convert.ToBase64String(copy), Context));
        }
    }

    [Fact]
    public void Open_TruncatedOrExtended_ReturnsNull()
    {
        var sealer = new Sealer(key);
        var raw = Convert.FromBase64String(sealer.Seal("陈美玲", Context)[3..]);
        Assert.Null(sealer.Open("v1:" + Convert.ToBase64String(raw[..^1]), Context));
        Assert.Null(sealer.Open("v1:" + Convert.ToBase64String([.. raw, 0]), Context));
    }

    [Fact]
    public void Seal_SameTextTwice_DiffersButBothOpen()
    {
        var sealer = new Sealer(key);
        var a = sealer.Seal("陈美玲", Context);
        var b = sealer.Seal("陈美玲", Context);
        Assert.NotEqual(a, b);
        Assert.NotEqual(Convert.FromBase64String(a[3..])[..12], Convert.FromBase64String(b[3..])[..12]);
        Assert.Equal("陈美玲", sealer.Open(a, Context));
        Assert.Equal("陈美玲", sealer.Open(b, Context));
    }

    [Theory]
    [InlineData("")]
    [InlineData("v1:")]
    [InlineData("v1")]
    [InlineData("v2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("V1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("v1:not base64 at all!")]
    [InlineData("v1:AAAA")]
    [InlineData("v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 27 bytes: shorter than nonce + tag
    [InlineData("v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 28 zero bytes: right size, wrong tag
    [InlineData("陈美玲")]
    public void Open_Garbage_ReturnsNullWithoutThrowing(string garbage)
    {
        Assert.Null(new Sealer(key).Open(garbage, Context));
    }

    [Fact]
    public void Open_ValueSealedWithoutPrefix_ReturnsNull()
    {
        var sealedValue = new Sealer(key).Seal("陈美玲", Context);
        Assert.Null(new Sealer(key).Open(sealedValue[3..], Context));
    }
}
