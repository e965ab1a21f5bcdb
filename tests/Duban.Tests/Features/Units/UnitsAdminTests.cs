using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Features.Units;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Units;

/// <summary>
/// Units administered over /api/v1/admin/units: added and changed with one audited event each,
/// checked, within the administrator's reach, never overwriting another's change unknowingly, and in
/// force on this node at once and on another at its refresh. Units are added with codes of their own.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class UnitsAdminTests(DubanFactory factory)
{
    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    private static JsonObject Unit(string code, string name, string territory = "440781", string? parent = "440781", string kind = "department") => new()
    {
        ["code"] = code,
        ["name"] = name,
        ["shortName"] = null,
        ["kind"] = kind,
        ["parentCode"] = parent,
        ["territoryCode"] = territory,
        ["phone"] = "0750-5501234",
        ["email"] = "office@ts.gov.cn",
    };

    private static JsonObject Edit(JsonNode unit, Action<JsonObject> change)
    {
        var body = unit.DeepClone().AsObject();
        change(body);
        return body;
    }

    private static async Task<List<JsonNode>> EventsAsync(DubanFactory app, string action, string code)
    {
        await using var scope = app.Scope();
        var rows = await app.Db(scope).Events.Where(e => e.Action == action).OrderBy(e => e.Seq).Select(e => e.Data).ToListAsync();
        return [.. rows.Select(d => JsonNode.Parse(d)!).Where(d => (string?)d["code"] == code)];
    }

    [Fact]
    public async Task Add_ByCityAdmin_Created_Audited_AndListedAtOnce()
    {
        var admin = await factory.As("admin");
        var code = "440781-t" + Tag();
        var created = await (await admin.PostAsJsonAsync("/api/v1/admin/units", Unit(code, "台山市测试局"))).Json(HttpStatusCode.Created);
        Assert.Equal(code, (string?)created["code"]);
        Assert.Equal(16, ((string)created["version"]!).Length);

        // Every signed-in user's list (the directory this node caches) has it at once.
        var list = await (await factory.As("h-440781115")).GetAsync("/api/v1/units").Ok();
        Assert.Contains(list.AsArray(), u => (string?)u!["code"] == code && (string?)u["name"] == "台山市测试局");

        var events = await EventsAsync(factory, "unit_added", code);
        var data = Assert.Single(events);
        Assert.Equal("台山市测试局", (string?)data["name"]);
        Assert.Equal("440781", (string?)data["territoryCode"]);
        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Fact]
    public async Task Add_Invalid_400WithTheFieldNamed_Duplicate409()
    {
        var admin = await factory.As("admin");
        var code = "440781-v" + Tag();
        async Task Refused(JsonObject body, string english)
        {
            var problem = await admin.PostAsJsonAsync("/api/v1/admin/units", body).Problem(HttpStatusCode.BadRequest);
            Assert.Contains(english, (string?)problem["title"], StringComparison.Ordinal);
        }
        await Refused(Unit("Bad Code", "台山市测试局"), "code must be");
        await Refused(Unit("44-x", "台山市测试局"), "code must be");
        await Refused(Unit(code, "局"), "name must be 2 to");
        await Refused(Unit(code, new string('局', 61)), "name must be 2 to");
        await Refused(Unit(code, "台山\u202e测试局"), "name must be one line");
        await Refused(Unit(code, "台山市测试局", territory: "440799"), "territory must be a known division");
        await Refused(Unit(code, "台山市测试局", territory: "110101", parent: null), "territory must lie in the city");
        await Refused(Unit(code, "台山市测试局", kind: "club"), "kind must be one of");
        await Refused(Edit(Unit(code, "台山市测试局"), b => b["phone"] = "call me"), "phone must be");
        await Refused(Edit(Unit(code, "台山市测试局"), b => b["email"] = "office@"), "e-mail must be");
        await Refused(Unit(code, "台山市测试局", parent: "440781-nowhere"), "parent 440781-nowhere does not exist");
        // All the problems at once, each naming its field.
        var several = await admin.PostAsJsonAsync("/api/v1/admin/units", Edit(Unit(code, "局", kind: "club"), b => b["phone"] = "x")).Problem(HttpStatusCode.BadRequest);
        var title = (string)several["title"]!;
        Assert.Contains("name must", title, StringComparison.Ordinal);
        Assert.Contains("kind must", title, StringComparison.Ordinal);
        Assert.Contains("phone must", title, StringComparison.Ordinal);

        await (await admin.PostAsJsonAsync("/api/v1/admin/units", Unit(code, "台山市测试局"))).Json(HttpStatusCode.Created);
        await admin.PostAsJsonAsync("/api/v1/admin/units", Unit(code, "台山市另一局")).Problem(HttpStatusCode.Conflict, "unit_exists");
        // An existing demo unit's code is taken as well.
        await admin.PostAsJsonAsync("/api/v1/admin/units", Unit("440781-rsj", "台山市另一局")).Problem(HttpStatusCode.Conflict, "unit_exists");
        Assert.Empty(await EventsAsync(factory, "unit_added", "440781-rsj"));
    }

    [Fact]
    public async Task Change_ParentTheUnitItselfOrBeneathIt_Refused()
    {
        var admin = await factory.As("admin");
        var tag = Tag();
        var a = await (await admin.PostAsJsonAsync("/api/v1/admin/units", Unit("440781-a" + tag, "台山市甲局"))).Json(HttpStatusCode.Created);
        var b = await (await admin.PostAsJsonAsync("/api/v1/admin/units", Unit("440781-b" + tag, "台山市乙科", parent: "440781-a" + tag))).Json(HttpStatusCode.Created);
        await (await admin.PostAsJsonAsync("/api/v1/admin/units", Unit("440781-c" + tag, "台山市丙组", parent: "440781-b" + tag))).Json(HttpStatusCode.Created);

        foreach (var parent in new[] { "440781-a" + tag, "440781-b" + tag, "440781-c" + tag })
        {
            var problem = await admin.PutAsJsonAsync($"/api/v1/admin/units/440781-a{tag}", Edit(a, x => x["parentCode"] = parent)).Problem(HttpStatusCode.BadRequest);
            Assert.Contains("parent may not be the unit itself or a unit beneath it", (string?)problem["title"], StringComparison.Ordinal);
        }
        // Moving a child up is fine; the code never changes.
        var moved = await admin.PutAsJsonAsync($"/api/v1/admin/units/440781-b{tag}", Edit(b, x => x["parentCode"] = "440781")).Ok();
        Assert.Equal("440781", (string?)moved["parentCode"]);
        await admin.PutAsJsonAsync($"/api/v1/admin/units/440781-b{tag}", Edit(moved, x => x["code"] = "440781-z" + tag)).Problem(HttpStatusCode.BadRequest);
        await admin.PutAsJsonAsync("/api/v1/admin/units/440781-nowhere", Edit(moved, x => x["code"] = null)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Change_FromAnOlderVersion_409Stale_EventHoldsOldAndNew()
    {
        var admin = await factory.As("admin");
        var code = "440781-s" + Tag();
        var v1 = await (await admin.PostAsJsonAsync("/api/v1/admin/units", Unit(code, "台山市旧名局"))).Json(HttpStatusCode.Created);

        var v2 = await admin.PutAsJsonAsync("/api/v1/admin/units/" + code, Edit(v1, x => x["name"] = "台山市新名局")).Ok();
        Assert.NotEqual((string?)v1["version"], (string?)v2["version"]);
        // Another administrator's form, opened before that change, is refused rather than undoing it.
        await admin.PutAsJsonAsync("/api/v1/admin/units/" + code, Edit(v1, x => x["phone"] = "12345")).Problem(HttpStatusCode.Conflict, "stale_version");
        await admin.PutAsJsonAsync("/api/v1/admin/units/" + code, Edit(v2, x => x["version"] = null)).Problem(HttpStatusCode.BadRequest);
        // If-Match serves as the base too.
        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/v1/admin/units/" + code)
        {
            Content = JsonContent.Create(Edit(v2, x => { x["version"] = null; x["email"] = null; })),
        };
        put.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"" + (string)v2["version"]! + "\""));
        var v3 = await (await admin.SendAsync(put)).Json(HttpStatusCode.OK);
        Assert.Null((string?)v3["email"]);
        Assert.Equal("台山市新名局", (string?)(await admin.GetAsync("/api/v1/admin/units/" + code).Ok())["name"]);

        var changes = (await EventsAsync(factory, "unit_changed", code)).Select(e => e["changes"]!.AsObject()).ToList();
        Assert.Equal(2, changes.Count);
        Assert.Equal(["name"], changes[0].Select(c => c.Key));
        Assert.Equal("台山市旧名局", (string?)changes[0]["name"]!["old"]);
        Assert.Equal("台山市新名局", (string?)changes[0]["name"]!["new"]);
        Assert.Equal(["email"], changes[1].Select(c => c.Key));
        // Saving what is there changes nothing and records nothing.
        await admin.PutAsJsonAsync("/api/v1/admin/units/" + code, v3).Ok();
        Assert.Equal(2, (await EventsAsync(factory, "unit_changed", code)).Count);
    }

    [Fact]
    public async Task CountyAdmin_OnlyTheCountysUnits_NeverMovesOneOut_OthersForbidden()
    {
        var county = await factory.AsCountyAdmin();
        var code = "440781-k" + Tag();
        var own = await (await county.PostAsJsonAsync("/api/v1/admin/units", Unit(code, "台山市县管局", territory: "440781115", parent: "440781115"))).Json(HttpStatusCode.Created);

        // Another county's territory, a unit of the city, a parent outside the county: refused.
        await county.PostAsJsonAsync("/api/v1/admin/units", Unit("440704-k" + Tag(), "江海区某局", territory: "440704", parent: null)).Problem(HttpStatusCode.Forbidden);
        await county.PutAsJsonAsync("/api/v1/admin/units/" + code, Edit(own, x => x["territoryCode"] = "440704")).Problem(HttpStatusCode.Forbidden);
        await county.PutAsJsonAsync("/api/v1/admin/units/" + code, Edit(own, x => x["parentCode"] = "4407-szf")).Problem(HttpStatusCode.Forbidden);
        var city = await (await factory.As("admin")).GetAsync("/api/v1/admin/units/4407-szf").Ok();
        await county.PutAsJsonAsync("/api/v1/admin/units/4407-szf", Edit(city, x => x["phone"] = "12345")).Problem(HttpStatusCode.Forbidden);
        await county.GetAsync("/api/v1/admin/units/4407-szf").Problem(HttpStatusCode.Forbidden);
        // Within the county: fine, and the list holds only the county's units.
        await county.PutAsJsonAsync("/api/v1/admin/units/" + code, Edit(own, x => x["territoryCode"] = "440781114")).Ok();
        var listed = (await county.GetAsync("/api/v1/admin/units").Ok()).AsArray();
        Assert.Contains(listed, u => (string?)u!["code"] == code);
        Assert.All(listed, u => Assert.StartsWith("440781", (string)u!["territoryCode"]!, StringComparison.Ordinal));

        // Neither a dispatcher nor a handler nor a county's supervisor administers units.
        foreach (var user in new[] { "dispatcher", "h-440781115", "s-440781" })
        {
            await (await factory.As(user)).PostAsJsonAsync("/api/v1/admin/units", Unit("440781-x" + Tag(), "台山市无权局")).Problem(HttpStatusCode.Forbidden);
            await (await factory.As(user)).GetAsync("/api/v1/admin/units").Problem(HttpStatusCode.Forbidden);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync("/api/v1/admin/units")).StatusCode);
    }

    [Fact]
    public async Task Change_SeenAtOnceHere_AndOnAnotherNodeAtItsRefresh()
    {
        // The other node refreshes only when told (its timer would be 86400 s).
        await using var second = factory.Sibling();
        second.Settings["Duban:Units:RefreshSeconds"] = "86400";
        await second.InitializeAsync();
        var admin = await factory.As("admin");
        var code = "440781-n" + Tag();
        var secondUnits = second.Services.GetRequiredService<UnitDirectory>();
        Assert.Null(await secondUnits.FindAsync(code));

        var added = await (await admin.PostAsJsonAsync("/api/v1/admin/units", Unit(code, "台山市两节点局"))).Json(HttpStatusCode.Created);
        Assert.Equal("台山市两节点局", (await factory.Services.GetRequiredService<UnitDirectory>().FindAsync(code))?.Name);
        Assert.Null(await secondUnits.FindAsync(code));
        Assert.True(await secondUnits.RefreshAsync());
        Assert.Equal("台山市两节点局", (await secondUnits.FindAsync(code))?.Name);
        Assert.False(await secondUnits.RefreshAsync()); // nothing changed since

        await admin.PutAsJsonAsync("/api/v1/admin/units/" + code, Edit(added, x => x["name"] = "台山市两节点新局")).Ok();
        Assert.Equal("台山市两节点新局", (await factory.Services.GetRequiredService<UnitDirectory>().FindAsync(code))?.Name);
        Assert.True(await secondUnits.RefreshAsync());
        Assert.Equal("台山市两节点新局", (await secondUnits.FindAsync(code))?.Name);
    }
}
