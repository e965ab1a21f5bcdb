using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Auth;

[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class AuthTests(DubanFactory factory)
{
    [Fact]
    public async Task Login_WrongPasswordOrUnknownUser_SameAnswer401()
    {
        var client = factory.CreateClient();
        var wrong = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "dispatcher", password = "nope" }).Problem(HttpStatusCode.Unauthorized);
        var unknown = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "nobody", password = "nope" }).Problem(HttpStatusCode.Unauthorized);
        Assert.Equal((string?)wrong["title"], (string?)unknown["title"]);
    }

    [Fact]
    public async Task Api_WithoutOrWithBadToken_Is401_WithGoodToken_200()
    {
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/matters")).StatusCode);
        var login = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "leader", password = DubanFactory.Password }).Ok();
        var token = (string)login["token"]!;
        Assert.Equal(["leader"], login["roles"]!.AsArray().Select(r => (string)r!));

        var tampered = token[..^3] + (token[^3] == 'A' ? "B" : "A") + token[^2..];
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tampered);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/matters")).StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/matters")).StatusCode);
    }

    [Fact]
    public async Task Token_Expires()
    {
        var client = factory.CreateClient();
        var token = (string)(await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "supervisor", password = DubanFactory.Password }).Ok())["token"]!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        factory.Clock.Advance(TimeSpan.FromHours(13));
        try
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/matters")).StatusCode);
        }
        finally
        {
            factory.Clock.Advance(TimeSpan.FromHours(-13));
        }
    }

    [Fact]
    public async Task Login_SetsHttpOnlyStrictCookie_ThatAuthenticates_AndLogoutClearsIt()
    {
        // An account of its own: a logout ends every session of the account, the shared deployment's cached ones too.
        var username = "cookie-" + Guid.NewGuid().ToString("N")[..8];
        await factory.Desk.AccountAsync(username, "退出测试", "4407-ddzx", "dispatcher");
        var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = true });
        var login = await client.PostAsJsonAsync("/api/v1/auth/login", new { username, password = DubanFactory.Password });
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/matters")).StatusCode);

        await client.PostAsync("/api/v1/auth/logout", null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/matters")).StatusCode);
    }
}
