using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Duban.Features.Auth;

namespace Duban.Tests.Unit;

public sealed class TokensTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 9, 0, 0, TimeSpan.FromHours(8));
    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);
    private readonly ManualClock clock = new(Start);

    [Fact]
    public void IssueThenValidate_ReturnsUserId()
    {
        var tokens = new Tokens(key, clock);
        Assert.Equal(42L, tokens.Validate(tokens.Issue(42, "stamp", TimeSpan.FromHours(12))));
        Assert.Equal(long.MaxValue, tokens.Validate(tokens.Issue(long.MaxValue, "stamp", TimeSpan.FromMinutes(5))));
    }

    [Fact]
    public void Validate_SameKeyOtherInstance_Accepts()
    {
        var token = new Tokens(key, clock).Issue(7, "stamp", TimeSpan.FromHours(1));
        Assert.Equal(7L, new Tokens((byte[])key.Clone(), clock).Validate(token));
    }

    [Fact]
    public void Validate_BeforeExpiry_Accepts_AfterExpiry_Null()
    {
        var tokens = new Tokens(key, clock);
        var token = tokens.Issue(5, "stamp", TimeSpan.FromHours(12));

        clock.UtcNow = Start.AddHours(12).AddSeconds(-1);
        Assert.Equal(5L, tokens.Validate(token));

        clock.UtcNow = Start.AddHours(12).AddSeconds(1);
        Assert.Null(tokens.Validate(token));

        clock.UtcNow = Start.AddDays(30);
        Assert.Null(tokens.Validate(token));
    }

    [Fact]
    public void Validate_NegativeLifetime_Null()
    {
        var tokens = new Tokens(key, clock);
        Assert.Null(tokens.Validate(tokens.Issue(5, "stamp", TimeSpan.FromMinutes(-1))));
    }

    [Fact]
    public void Validate_TamperedPayload_Null()
    {
        var tokens = new Tokens(key, clock);
        var token = tokens.Issue(5, "stamp", TimeSpan.FromHours(1));
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var json = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.AsSpan(0, dot)));
        Assert.Contains("5", json, StringComparison.Ordinal);

        // Another user, same signature.
        var otherUser = json.Replace(":5,", ":1,", StringComparison.Ordinal);
        Assert.NotEqual(json, otherUser);
        Assert.Null(tokens.Validate(Base64Url.EncodeToString(Encoding.UTF8.GetBytes(otherUser)) + token[dot..]));

        // Flipped bit in the payload bytes.
        var payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
        payload[^2] ^= 0x01;
        Assert.Null(tokens.Validate(Base64Url.EncodeToString(payload) + token[dot..]));
    }

    [Fact]
    public void Validate_TamperedSignature_Null()
    {
        var tokens = new Tokens(key, clock);
        var token = tokens.Issue(5, "stamp", TimeSpan.FromHours(1));
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var mac = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        for (var i = 0; i < mac.Length; i++)
        {
            var copy = (byte[])mac.Clone();
            copy[i] ^= 0x80;
            Assert.Null(tokens.Validate(token[..(dot + 1)] + Base64Url.EncodeToString(copy)));
        }
        Assert.Null(tokens.Validate(token[..(dot + 1)] + Base64Url.EncodeToString(mac.AsSpan(0, mac.Length - 1))));
        Assert.Null(tokens.Validate(token[..dot]));
    }

    [Fact]
    public void Validate_TokenSignedWithAnotherKey_Null()
    {
        var foreign = new Tokens(RandomNumberGenerator.GetBytes(32), clock).Issue(5, "stamp", TimeSpan.FromHours(1));
        Assert.Null(new Tokens(key, clock).Validate(foreign));
    }

    [Fact]
    public void Validate_CorrectlySignedButNotAPayload_Null()
    {
        var tokens = new Tokens(key, clock);
        foreach (var body in new[] { "null", "[]", "not json", "{\"Sub\":5}" })
        {
            var payload = Encoding.UTF8.GetBytes(body);
            var token = Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(HMACSHA256.HashData(key, payload));
            Assert.Null(tokens.Validate(token));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a.b")]
    [InlineData("a.")]
    [InlineData(".b")]
    [InlineData("nodot")]
    [InlineData("a.b.c")]
    [InlineData("!!!.???")]
    [InlineData("eyJTdWIiOjUsIkV4cCI6OTk5OTk5OTk5OX0")]
    [InlineData("eyJTdWIiOjUsIkV4cCI6OTk5OTk5OTk5OX0.")]
    [InlineData("eyJTdWIiOjUsIkV4cCI6OTk5OTk5OTk5OX0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Bearer abc.def")]
    [InlineData("陈美玲.陈美玲")]
    public void Validate_Garbage_NullWithoutThrowing(string garbage)
    {
        Assert.Null(new Tokens(key, clock).Validate(garbage));
    }
}
