using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Auth;

/// <summary>
/// Sessions that end (issue 17): every token and cookie carries the account's security stamp, and
/// logout, a password reset, a deactivation (then a reactivation) and a change of roles or unit give
/// the account a new one, so that the tokens issued before stop at their next request on every node.
/// Each test makes accounts of its own: the demo's are shared by the other tests' cached tokens.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class SessionTests(DubanFactory factory)
{
    private const string Password = "session-password-1";

    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>A new handler account made by the administrator: its id, version and username.</summary>
    private async Task<(long Id, string Version, string Username)> NewAccountAsync(string prefix)
    {
        var admin = await factory.As("admin");
        var username = prefix + "-" + Tag();
        var user = (await (await admin.PostAsJsonAsync("/api/v1/admin/users",
            new { username, displayName = "会话测试", unitCode = "440781-rsj", roles = new[] { "handler" }, password = Password })).Json(HttpStatusCode.Created))["user"]!;
        return ((long)user["id"]!, (string)user["version"]!, username);
    }

    private static async Task<string> TokenAsync(DubanFactory app, string username, string password = Password) =>
        (string)(await (await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { username, password })).Json(HttpStatusCode.OK))["token"]!;

    private static HttpClient Bearer(DubanFactory app, string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client) => (await client.GetAsync("/api/v1/units")).StatusCode;

    private async Task<List<(string Action, JsonNode Data)>> EventsAsync(string username)
    {
        await using var scope = factory.Scope();
        var rows = await factory.Db(scope).Events.Where(e => e.Action.StartsWith("user_") || e.Action == "signed_out")
            .OrderBy(e => e.Seq).Select(e => new { e.Action, e.Data }).ToListAsync();
        return [.. rows.Select(r => (r.Action, JsonNode.Parse(r.Data)!)).Where(r => (string?)r.Item2["username"] == username)];
    }

    [Fact]
    public async Task Logout_EndsTheToken_OnEveryNode_AndIsAudited()
    {
        await using var second = await factory.SecondNodeAsync();
        var (_, _, username) = await NewAccountAsync("out");
        var token = await TokenAsync(factory, username);
        var other = await TokenAsync(factory, username); // a second device of the same account
        var here = Bearer(factory, token);
        var there = Bearer(second, token);
        // Both nodes have the account's sign-in cached now.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(here));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(there));

        Assert.Equal(HttpStatusCode.NoContent, (await here.PostAsync("/api/v1/auth/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(here));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(there));
        // A logout ends every session of the account (one stamp per account).
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(Bearer(second, other)));
        // A logout with an ended token changes nothing and still answers 204.
        Assert.Equal(HttpStatusCode.NoContent, (await here.PostAsync("/api/v1/auth/logout", null)).StatusCode);

        // Signing in again works, on either node.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(Bearer(second, await TokenAsync(factory, username))));
        var events = await EventsAsync(username);
        Assert.Equal(["user_added", "signed_out"], events.Select(e => e.Action));
        Assert.True((bool)events[1].Data["sessionsEnded"]!);
        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Fact]
    public async Task Logout_EndsTheCookie()
    {
        var (_, _, username) = await NewAccountAsync("cookie");
        var browser = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false });
        var login = await browser.PostAsJsonAsync("/api/v1/auth/login", new { username, password = Password });
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie")).Split(';')[0];
        async Task<HttpStatusCode> WithCookie(string path, HttpMethod method)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Add("Cookie", cookie);
            return (await browser.SendAsync(request)).StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, await WithCookie("/api/v1/units", HttpMethod.Get));
        Assert.Equal(HttpStatusCode.NoContent, await WithCookie("/api/v1/auth/logout", HttpMethod.Post));
        // A copy of the cookie kept from before the logout no longer signs anyone in.
        Assert.Equal(HttpStatusCode.Unauthorized, await WithCookie("/api/v1/units", HttpMethod.Get));
    }

    [Fact]
    public async Task PasswordReset_EndsTheTokens_OnEveryNode()
    {
        await using var second = await factory.SecondNodeAsync();
        var (id, _, username) = await NewAccountAsync("reset");
        var token = await TokenAsync(factory, username);
        var here = Bearer(factory, token);
        var there = Bearer(second, token);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(here));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(there));

        var reset = await (await factory.As("admin")).PostAsJsonAsync($"/api/v1/admin/users/{id}/reset-password", new { }).Ok();
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(here));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(there));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(Bearer(second, await TokenAsync(factory, username, (string)reset["password"]!))));
        Assert.True((bool)(await EventsAsync(username)).Single(e => e.Action == "user_password_reset").Data["sessionsEnded"]!);
    }

    [Fact]
    public async Task DeactivateThenReactivate_OldTokenStaysEnded()
    {
        await using var second = await factory.SecondNodeAsync();
        var admin = await factory.As("admin");
        var (id, version, username) = await NewAccountAsync("off");
        var token = await TokenAsync(factory, username);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(Bearer(factory, token)));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(Bearer(second, token)));

        var off = await admin.PostAsJsonAsync($"/api/v1/admin/users/{id}/deactivate", new { version }).Ok();
        await admin.PostAsJsonAsync($"/api/v1/admin/users/{id}/reactivate", new { version = (string)off["version"]! }).Ok();
        // Back to life for a new sign-in, never for the token issued before the deactivation.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(Bearer(factory, token)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(Bearer(second, token)));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(Bearer(second, await TokenAsync(factory, username))));
        Assert.All((await EventsAsync(username)).Where(e => e.Action == "user_changed"), e => Assert.True((bool)e.Data["sessionsEnded"]!));
    }

    [Fact]
    public async Task RolesOrUnitChange_EndsTheTokens_ANameChangeDoesNot()
    {
        await using var second = await factory.SecondNodeAsync();
        var admin = await factory.As("admin");
        var (id, version, username) = await NewAccountAsync("move");
        var token = await TokenAsync(factory, username);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(Bearer(second, token)));

        // The display name alone: the sessions go on.
        var renamed = await admin.PutAsJsonAsync($"/api/v1/admin/users/{id}",
            new { displayName = "会话测试二", unitCode = "440781-rsj", roles = new[] { "handler" }, version }).Ok();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(Bearer(second, token)));

        // New roles: ended.
        var promoted = await admin.PutAsJsonAsync($"/api/v1/admin/users/{id}",
            new { displayName = "会话测试二", unitCode = "440781-rsj", roles = new[] { "handler", "supervisor" }, version = (string)renamed["version"]! }).Ok();
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(Bearer(factory, token)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(Bearer(second, token)));

        // A new unit: ended too.
        var again = await TokenAsync(factory, username);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(Bearer(second, again)));
        await admin.PutAsJsonAsync($"/api/v1/admin/users/{id}",
            new { displayName = "会话测试二", unitCode = "4407-zsj", roles = new[] { "handler", "supervisor" }, version = (string)promoted["version"]! }).Ok();
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(Bearer(second, again)));

        var changes = (await EventsAsync(username)).Where(e => e.Action == "user_changed").Select(e => (bool?)e.Data["sessionsEnded"]).ToList();
        Assert.Equal([null, true, true], changes);
    }
}
