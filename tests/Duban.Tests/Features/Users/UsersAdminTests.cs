using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Features.Users;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Users;

/// <summary>
/// Accounts administered over /api/v1/admin/users: added with a given or generated password shown
/// once, changed from the version the editor saw, deactivated (the token stops at once, on every
/// node, and stays ended after a reactivation) and reactivated, passwords reset; within the administrator's reach; never a password or a
/// hash in an event. Accounts are made with names of their own; the demo's are not changed here.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class UsersAdminTests(DubanFactory factory)
{
    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    private static object NewUser(string username, string unit = "440781-rsj", string[]? roles = null, string? password = null, string? name = "李测试") =>
        new { username, displayName = name, unitCode = unit, roles = roles ?? ["handler"], password };

    private static async Task<HttpResponseMessage> SignIn(HttpClient client, string username, string password) =>
        await client.PostAsJsonAsync("/api/v1/auth/login", new { username, password });

    private static async Task<HttpClient> SignedIn(DubanFactory app, string username, string password)
    {
        var login = await (await SignIn(app.CreateClient(), username, password)).Json(HttpStatusCode.OK);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)login["token"]!);
        return client;
    }

    private static async Task<List<(string Action, string Data)>> EventsAsync(DubanFactory app, string username)
    {
        await using var scope = app.Scope();
        var rows = await app.Db(scope).Events.Where(e => e.Action.StartsWith("user_")).OrderBy(e => e.Seq).Select(e => new { e.Action, e.Data }).ToListAsync();
        return [.. rows.Where(r => (string?)JsonNode.Parse(r.Data)!["username"] == username).Select(r => (r.Action, r.Data))];
    }

    [Fact]
    public async Task Add_GivenOrGeneratedPassword_SignsIn_PasswordShownOnceAndNeverInEvents()
    {
        var admin = await factory.As("admin");
        var given = "li-" + Tag();
        var added = await (await admin.PostAsJsonAsync("/api/v1/admin/users", NewUser(given, password: "given-secret-1"))).Json(HttpStatusCode.Created);
        Assert.Null((string?)added["password"]); // the administrator knows it already
        Assert.Equal(["handler"], added["user"]!["roles"]!.AsArray().Select(r => (string)r!));
        Assert.Equal("台山市人力资源和社会保障局", (string?)added["user"]!["unitName"]);
        await (await SignIn(factory.CreateClient(), given, "given-secret-1")).Json(HttpStatusCode.OK);

        var generated = "wang-" + Tag();
        var response = await admin.PostAsJsonAsync("/api/v1/admin/users", NewUser(generated, roles: ["handler", "supervisor"]));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var made = await response.Json(HttpStatusCode.Created);
        var password = (string)made["password"]!;
        Assert.True(password.Length >= 16);
        await (await SignIn(factory.CreateClient(), generated, password)).Json(HttpStatusCode.OK);
        // Shown once: reading the account again does not show it.
        var read = await admin.GetAsync($"/api/v1/admin/users/{(long)made["user"]!["id"]!}").Ok();
        Assert.DoesNotContain(password, read.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(read["password"]);

        // A reset: a new password, the old one stops.
        var reset = await admin.PostAsJsonAsync($"/api/v1/admin/users/{(long)made["user"]!["id"]!}/reset-password", new { }).Ok();
        var newPassword = (string)reset["password"]!;
        await (await SignIn(factory.CreateClient(), generated, password)).Json(HttpStatusCode.Unauthorized);
        await (await SignIn(factory.CreateClient(), generated, newPassword)).Json(HttpStatusCode.OK);

        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var hash = await db.Users.Where(u => u.Username == generated).Select(u => u.PasswordHash).SingleAsync();
        var events = (await EventsAsync(factory, generated)).Concat(await EventsAsync(factory, given)).ToList();
        Assert.Equal(["user_added", "user_password_reset", "user_added"], events.Select(e => e.Action));
        Assert.All(events, e =>
        {
            foreach (var secret in new[] { password, newPassword, "given-secret-1", hash, "pbkdf2" })
                Assert.DoesNotContain(secret, e.Data, StringComparison.Ordinal);
        });
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task Add_Invalid_400_TakenName_409_UnknownUnit_400()
    {
        var admin = await factory.As("admin");
        var name = "zhao-" + Tag();
        async Task Refused(object body, string english, string? code = null)
        {
            var problem = await admin.PostAsJsonAsync("/api/v1/admin/users", body).Problem(HttpStatusCode.BadRequest, code);
            Assert.Contains(english, (string?)problem["title"], StringComparison.Ordinal);
        }
        await Refused(NewUser("Zhao"), "username must be");
        await Refused(NewUser("z"), "username must be");
        await Refused(NewUser("zhao san"), "username must be");
        await Refused(NewUser(name, password: "short"), "password must be 8 to");
        await Refused(NewUser(name, roles: ["king"]), "roles must be one or more of");
        await Refused(NewUser(name, roles: []), "roles must be one or more of");
        await Refused(NewUser(name, name: "李\n四"), "display name must be one line");
        await Refused(NewUser(name, unit: "440781-nowhere"), "unit 440781-nowhere does not exist", "unknown_unit");
        await (await admin.PostAsJsonAsync("/api/v1/admin/users", NewUser(name))).Json(HttpStatusCode.Created);
        await admin.PostAsJsonAsync("/api/v1/admin/users", NewUser(name)).Problem(HttpStatusCode.Conflict, "username_taken");
        await admin.PostAsJsonAsync("/api/v1/admin/users", NewUser("admin")).Problem(HttpStatusCode.Conflict, "username_taken");
    }

    [Fact]
    public async Task Deactivate_TokenStopsAtOnce_OnEveryNode_ReactivateRestores()
    {
        await using var second = await factory.SecondNodeAsync();
        var admin = await factory.As("admin");
        var username = "chen-" + Tag();
        var user = (await (await admin.PostAsJsonAsync("/api/v1/admin/users", NewUser(username, password: "chen-password-1"))).Json(HttpStatusCode.Created))["user"]!;
        var id = (long)user["id"]!;
        var here = await SignedIn(factory, username, "chen-password-1");
        var token = here.DefaultRequestHeaders.Authorization;
        var there = second.CreateClient();
        there.DefaultRequestHeaders.Authorization = token;
        // Both nodes have the account's sign-in cached now.
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/api/v1/units")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await there.GetAsync("/api/v1/units")).StatusCode);

        var off = await admin.PostAsJsonAsync($"/api/v1/admin/users/{id}/deactivate", new { version = (string)user["version"]! }).Ok();
        Assert.False((bool)off["active"]!);
        Assert.Equal(HttpStatusCode.Unauthorized, (await here.GetAsync("/api/v1/units")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await there.GetAsync("/api/v1/units")).StatusCode);
        await (await SignIn(factory.CreateClient(), username, "chen-password-1")).Json(HttpStatusCode.Unauthorized);
        await admin.PostAsJsonAsync($"/api/v1/admin/users/{id}/deactivate", new { }).Problem(HttpStatusCode.Conflict, "already_inactive");
        // A form opened before the deactivation is stale.
        await admin.PostAsJsonAsync($"/api/v1/admin/users/{id}/reactivate", new { version = (string)user["version"]! }).Problem(HttpStatusCode.Conflict, "stale_version");

        await admin.PostAsJsonAsync($"/api/v1/admin/users/{id}/reactivate", new { version = (string)off["version"]! }).Ok();
        // Reactivated, the account signs in again; the token from before the deactivation stays ended (its security stamp is gone).
        Assert.Equal(HttpStatusCode.Unauthorized, (await here.GetAsync("/api/v1/units")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await there.GetAsync("/api/v1/units")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await SignedIn(factory, username, "chen-password-1")).GetAsync("/api/v1/units")).StatusCode);
        var events = await EventsAsync(factory, username);
        Assert.Equal(["user_added", "user_changed", "user_changed"], events.Select(e => e.Action));
        Assert.Equal("false", (string?)JsonNode.Parse(events[1].Data)!["changes"]!["active"]!["new"]);
    }

    [Fact]
    public async Task Change_RolesAndUnit_ApplyAtOnce_StaleRefused_OwnAdminRoleAndAccountKept()
    {
        var admin = await factory.As("admin");
        var username = "zhou-" + Tag();
        var user = (await (await admin.PostAsJsonAsync("/api/v1/admin/users", NewUser(username, password: "zhou-password-1"))).Json(HttpStatusCode.Created))["user"]!;
        var id = (long)user["id"]!;
        var client = await SignedIn(factory, username, "zhou-password-1");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/dispatch/queue")).StatusCode);

        var changed = await admin.PutAsJsonAsync($"/api/v1/admin/users/{id}",
            new { displayName = "周调度", unitCode = "4407-ddzx", roles = new[] { "dispatcher" }, version = (string)user["version"]! }).Ok();
        Assert.Equal("4407-ddzx", (string?)changed["unitCode"]);
        // The token signed in under the old role and unit ends at once; a new sign-in has the new role.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/dispatch/queue")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await SignedIn(factory, username, "zhou-password-1")).GetAsync("/api/v1/dispatch/queue")).StatusCode);
        await admin.PutAsJsonAsync($"/api/v1/admin/users/{id}",
            new { displayName = "周某", unitCode = "440781-rsj", roles = new[] { "handler" }, version = (string)user["version"]! }).Problem(HttpStatusCode.Conflict, "stale_version");
        var change = JsonNode.Parse((await EventsAsync(factory, username))[1].Data)!["changes"]!.AsObject();
        Assert.Equal(["displayName", "unit", "roles"], change.Select(c => c.Key));
        Assert.Equal("handler", (string?)change["roles"]!["old"]);

        // Nobody locks themselves out.
        var me = (await admin.GetAsync("/api/v1/admin/users?q=admin&role=admin").Ok())["items"]!.AsArray().Single(u => (string?)u!["username"] == "admin")!;
        var myId = (long)me["id"]!;
        await admin.PostAsJsonAsync($"/api/v1/admin/users/{myId}/deactivate", new { }).Problem(HttpStatusCode.Conflict, "own_account");
        await admin.PutAsJsonAsync($"/api/v1/admin/users/{myId}",
            new { displayName = "系统管理员", unitCode = (string)me["unitCode"]!, roles = new[] { "supervisor" }, version = (string)me["version"]! })
            .Problem(HttpStatusCode.Conflict, "own_account");
    }

    [Fact]
    public async Task CountyAdmin_SeesAndManagesOnlyTheCountysAccounts_NeverGrantsOutside()
    {
        var county = await factory.AsCountyAdmin();
        var admin = await factory.As("admin");
        var username = "ts-" + Tag();
        var made = await (await county.PostAsJsonAsync("/api/v1/admin/users", NewUser(username, unit: "440781115", roles: ["handler", "admin"]))).Json(HttpStatusCode.Created);
        var id = (long)made["user"]!["id"]!;
        // Not into a unit of the city or of another county.
        await county.PostAsJsonAsync("/api/v1/admin/users", NewUser("ts-" + Tag(), unit: "4407-zsj", roles: ["admin"])).Problem(HttpStatusCode.Forbidden);
        await county.PostAsJsonAsync("/api/v1/admin/users", NewUser("ts-" + Tag(), unit: "440704004")).Problem(HttpStatusCode.Forbidden);
        await county.PutAsJsonAsync($"/api/v1/admin/users/{id}",
            new { displayName = "李测试", unitCode = "4407-dcs", roles = new[] { "admin" }, version = (string)made["user"]!["version"]! }).Problem(HttpStatusCode.Forbidden);

        // The list holds the county's accounts only; the city's are not found.
        var page = await county.GetAsync("/api/v1/admin/users?pageSize=100").Ok();
        Assert.True((int)page["total"]! > 1);
        var territories = (await admin.GetAsync("/api/v1/units").Ok()).AsArray().ToDictionary(u => (string)u!["code"]!, u => (string)u!["territoryCode"]!);
        Assert.All(page["items"]!.AsArray(), u => Assert.StartsWith("440781", territories[(string)u!["unitCode"]!], StringComparison.Ordinal));
        var cityAdmin = (await admin.GetAsync("/api/v1/admin/users?q=admin&role=admin").Ok())["items"]!.AsArray().Single(u => (string?)u!["username"] == "admin")!;
        await county.GetAsync($"/api/v1/admin/users/{(long)cityAdmin["id"]!}").Problem(HttpStatusCode.NotFound);
        await county.PostAsJsonAsync($"/api/v1/admin/users/{(long)cityAdmin["id"]!}/reset-password", new { }).Problem(HttpStatusCode.NotFound);
        await county.PostAsJsonAsync($"/api/v1/admin/users/{(long)cityAdmin["id"]!}/deactivate", new { }).Problem(HttpStatusCode.NotFound);
        Assert.Single((await admin.GetAsync($"/api/v1/admin/users?unit=440781115&role=admin&q={username}").Ok())["items"]!.AsArray());

        // Others administer no accounts.
        foreach (var user in new[] { "dispatcher", "h-440781115", "s-440781", "leader" })
        {
            await (await factory.As(user)).GetAsync("/api/v1/admin/users").Problem(HttpStatusCode.Forbidden);
            await (await factory.As(user)).PostAsJsonAsync("/api/v1/admin/users", NewUser("x-" + Tag())).Problem(HttpStatusCode.Forbidden);
        }
    }

    /// <summary>On a deployment of its own: it deactivates the demo's administrator.</summary>
    [Fact]
    public async Task LastActiveCityAdmin_CannotBeDeactivatedDemotedOrMoved()
    {
        await using var app = new DubanFactory();
        app.Settings["Duban:Demo:Matters"] = "false";
        await app.InitializeAsync();
        var admin = await app.As("admin");
        var second = (await (await admin.PostAsJsonAsync("/api/v1/admin/users", NewUser("admin2", unit: "4407-zsj", roles: ["admin"], password: "admin2-password")))
            .Json(HttpStatusCode.Created))["user"]!;
        var admin2 = await SignedIn(app, "admin2", "admin2-password");
        var first = (await admin2.GetAsync("/api/v1/admin/users?q=admin&role=admin").Ok())["items"]!.AsArray().Single(u => (string?)u!["username"] == "admin")!;
        // With two, one may go.
        await admin2.PostAsJsonAsync($"/api/v1/admin/users/{(long)first["id"]!}/deactivate", new { }).Ok();

        // admin2 is the last: the system itself (as users add acts) may not deactivate, demote or move it out of the city level.
        // One scope per action, as a request has.
        async Task<Error?> AsSystem(Func<UserChanges, Actor, Task<Error?>> action)
        {
            await using var scope = app.Scope();
            return await action(scope.ServiceProvider.GetRequiredService<UserChanges>(), Actor.System(territory: "440700"));
        }
        var id = (long)second["id"]!;
        var version = (string)second["version"]!;
        Assert.Equal("last_admin", (await AsSystem(async (c, s) => (await c.SetActiveAsync(id, false, null, s)).Error))?.Code);
        Assert.Equal("last_admin", (await AsSystem(async (c, s) => (await c.ChangeAsync(id, new ChangeUserRequest("管理员二", "4407-zsj", ["supervisor"], version), s)).Error))?.Code);
        Assert.Equal("last_admin", (await AsSystem(async (c, s) => (await c.ChangeAsync(id, new ChangeUserRequest("管理员二", "440781", ["admin"], version), s)).Error))?.Code);
        // A county's administrator is no city-wide one: it does not count.
        await (await admin2.PostAsJsonAsync("/api/v1/admin/users", NewUser("a-440781", unit: "440781", roles: ["admin"]))).Json(HttpStatusCode.Created);
        Assert.Equal("last_admin", (await AsSystem(async (c, s) => (await c.SetActiveAsync(id, false, null, s)).Error))?.Code);
        // Another city-wide administrator back: now it may.
        await admin2.PostAsJsonAsync($"/api/v1/admin/users/{(long)first["id"]!}/reactivate", new { }).Ok();
        Assert.Null(await AsSystem(async (c, s) => (await c.SetActiveAsync(id, false, null, s)).Error));
        await using var check = app.Scope();
        Assert.True((await app.Verify(app.Db(check))).Intact);
    }
}
