using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Duban.Features.Auth;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Auth;

/// <summary>
/// Password hashes at the current OWASP work factor (PBKDF2-SHA256, 600,000 iterations), and an older,
/// weaker hash upgraded at the account's next successful sign-in. The shared test deployment hashes at a
/// lower work factor (the suite signs in hundreds of times); this deployment keeps the default.
/// </summary>
[Trait("Category", "Database")]
public sealed class PasswordHashTests
{
    [Fact]
    public void Hash_ByDefault_Pbkdf2At600000Iterations()
    {
        var parts = Passwords.Hash("pw").Split('$');
        Assert.Equal("pbkdf2", parts[0]);
        Assert.Equal("600000", parts[1]);
    }

    [Fact]
    public async Task OlderHash_UpgradedAtTheNextSuccessfulSignIn_NotAtAFailedOne()
    {
        await using var app = new DubanFactory();
        app.Settings["Duban:Demo:Matters"] = "false";
        app.Settings["Duban:Auth:PasswordIterations"] = "600000";
        await app.InitializeAsync();
        var salt = RandomNumberGenerator.GetBytes(16);
        var old = $"pbkdf2$100000${Convert.ToBase64String(salt)}${Convert.ToBase64String(Rfc2898DeriveBytes.Pbkdf2("old-hash-password", salt, 100_000, HashAlgorithmName.SHA256, 32))}";
        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            db.Users.Add(new Duban.Data.User
            {
                Username = "legacy",
                DisplayName = "旧账号",
                UnitCode = "440781-rsj",
                Roles = "handler",
                PasswordHash = old,
                CreatedAt = app.Clock.GetUtcNow(),
            });
            await db.SaveChangesAsync();
        }
        async Task<string> StoredAsync()
        {
            await using var scope = app.Scope();
            return await app.Db(scope).Users.Where(u => u.Username == "legacy").Select(u => u.PasswordHash).SingleAsync();
        }
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "legacy", password = "wrong" })).StatusCode);
        Assert.Equal(old, await StoredAsync());

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "legacy", password = "old-hash-password" })).StatusCode);
        var upgraded = await StoredAsync();
        Assert.StartsWith("pbkdf2$600000$", upgraded, StringComparison.Ordinal);
        Assert.True(Passwords.Verify("old-hash-password", upgraded));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "legacy", password = "old-hash-password" })).StatusCode);
    }
}
