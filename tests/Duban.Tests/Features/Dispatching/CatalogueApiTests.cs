using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Dispatching;

/// <summary>
/// The dispatch catalogue over HTTP: the shipped one is version 1; a city administrator's change
/// is the next version with its event. On a database of its own, since it changes where every
/// matter is sent (the shared one's suggestions must not depend on this test's order).
/// </summary>
[Trait("Category", "Database")]
public sealed class CatalogueApiTests
{
    private static async Task<DubanFactory> StartAsync()
    {
        var factory = new DubanFactory();
        factory.Settings["Duban:Demo:Matters"] = "false";
        await factory.InitializeAsync();
        return factory;
    }

    private static JsonObject Edited(JsonNode catalogue, Action<JsonArray> edit)
    {
        var body = new JsonObject
        {
            ["baseVersion"] = (int)catalogue["version"]!,
            ["name"] = (string?)catalogue["name"],
            ["categories"] = catalogue["categories"]!.DeepClone(),
            ["note"] = "拖欠工资改由县级人民政府牵头",
        };
        edit(body["categories"]!.AsArray());
        return body;
    }

    private static JsonNode Child(JsonArray categories, string first, string second) =>
        categories.Single(c => (string?)c!["name"] == first)!["children"]!.AsArray().Single(c => (string?)c!["name"] == second)!;

    [Fact]
    public async Task Catalogue_ShippedIsVersion1_AdminPutMakesVersion2WithAnEvent_OthersAndBadOnesRefused()
    {
        await using var factory = await StartAsync();
        var dispatcher = await factory.As("dispatcher");
        var handler = await factory.As("h-440781115");
        var admin = await factory.As("admin");

        // First use: the shipped catalogue is saved as version 1, by the system, once.
        var v1 = await handler.GetAsync("/api/v1/dispatch/catalogue").Ok();
        Assert.Equal(1, (int)v1["version"]!);
        Assert.Equal("system", (string?)v1["createdBy"]);
        var names = v1["categories"]!.AsArray().Select(c => (string)c!["name"]!).ToList();
        Assert.Contains("劳动和社会保障", names);
        Assert.Contains("纪律作风", names);
        Assert.Equal("rsj", (string?)Child(v1["categories"]!.AsArray(), "劳动和社会保障", "拖欠工资")["owner"]);
        Assert.Equal(1, (int)(await dispatcher.GetAsync("/api/v1/dispatch/catalogue").Ok())["version"]!);
        Assert.Single((await dispatcher.GetAsync("/api/v1/dispatch/catalogue/versions").Ok()).AsArray());
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync("/api/v1/dispatch/catalogue")).StatusCode);

        var wagesMatter = await dispatcher.Register(NewMatter.Wages().Unnamed());
        Assert.Equal("440781-rsj", (string?)(await dispatcher.GetAsync($"/api/v1/matters/{wagesMatter}/suggestion").Ok())["leadUnit"]!["code"]);

        var change = Edited(v1, c => Child(c, "劳动和社会保障", "拖欠工资")["owner"] = "county");
        // Not an administrator, or not the city's: refused.
        await dispatcher.PutAsJsonAsync("/api/v1/dispatch/catalogue", change).Problem(HttpStatusCode.Forbidden);
        await (await factory.AsCountyAdmin()).PutAsJsonAsync("/api/v1/dispatch/catalogue", change).Problem(HttpStatusCode.Forbidden);
        // Invalid: an owner no unit has, a name twice, a level against its owner.
        await admin.PutAsJsonAsync("/api/v1/dispatch/catalogue", Edited(v1, c => Child(c, "劳动和社会保障", "拖欠工资")["owner"] = "nosuchbureau"))
            .Problem(HttpStatusCode.BadRequest, "validation");
        await admin.PutAsJsonAsync("/api/v1/dispatch/catalogue", Edited(v1, c => c.Add(new JsonObject { ["name"] = "民政" })))
            .Problem(HttpStatusCode.BadRequest, "validation");
        await admin.PutAsJsonAsync("/api/v1/dispatch/catalogue", Edited(v1, c => Child(c, "城乡建设", "道路坑洼")["level"] = "city"))
            .Problem(HttpStatusCode.BadRequest, "validation");
        await admin.PutAsJsonAsync("/api/v1/dispatch/catalogue", new { categories = Array.Empty<object>() }).Problem(HttpStatusCode.BadRequest);
        await admin.PutAsJsonAsync("/api/v1/dispatch/catalogue", Edited(v1, _ => { })).Problem(HttpStatusCode.Conflict, "no_change");
        Assert.Single((await admin.GetAsync("/api/v1/dispatch/catalogue/versions").Ok()).AsArray());

        var v2 = await admin.PutAsJsonAsync("/api/v1/dispatch/catalogue", change).Ok();
        Assert.Equal(2, (int)v2["version"]!);
        Assert.Equal("admin", (string?)v2["createdBy"]);
        Assert.Equal("county", (string?)Child(v2["categories"]!.AsArray(), "劳动和社会保障", "拖欠工资")["owner"]);
        // Edited from version 1 again: someone else's version 2 is in force.
        await admin.PutAsJsonAsync("/api/v1/dispatch/catalogue", change).Problem(HttpStatusCode.Conflict, "stale_version");

        var versions = (await dispatcher.GetAsync("/api/v1/dispatch/catalogue/versions").Ok()).AsArray();
        Assert.Equal([1, 2], versions.Select(v => (int)v!["version"]!));
        Assert.Equal("拖欠工资改由县级人民政府牵头", (string?)versions[1]!["note"]);
        Assert.Equal(2, (int)(await dispatcher.GetAsync("/api/v1/dispatch/catalogue").Ok())["version"]!);
        var old = await dispatcher.GetAsync("/api/v1/dispatch/catalogue?version=1").Ok();
        Assert.Equal("rsj", (string?)Child(old["categories"]!.AsArray(), "劳动和社会保障", "拖欠工资")["owner"]);
        await dispatcher.GetAsync("/api/v1/dispatch/catalogue?version=9").Problem(HttpStatusCode.NotFound);

        // The new version is in force at once.
        var now = await dispatcher.GetAsync($"/api/v1/matters/{wagesMatter}/suggestion").Ok();
        Assert.Equal("440781", (string?)now["leadUnit"]!["code"]);

        // Each version has its event, chained; the versions cannot be changed behind Duban's back.
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var events = await db.Events.Where(e => e.Action == "catalogue_updated").OrderBy(e => e.Seq).ToListAsync();
        Assert.Equal(2, events.Count);
        Assert.Equal("系统", events[0].ActorName); // the system, as for demo_loaded
        Assert.Equal(1, (int)JsonNode.Parse(events[0].Data)!["version"]!);
        Assert.Equal(2, (int)JsonNode.Parse(events[1].Data)!["version"]!);
        Assert.Equal("拖欠工资改由县级人民政府牵头", events[1].Reason);
        var rows = await db.DispatchCatalogues.OrderBy(c => c.Version).ToListAsync();
        Assert.Equal(rows[1].ContentHash, (string?)JsonNode.Parse(events[1].Data)!["sha256"]);
        Assert.True((await factory.Verify(db)).Intact);
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("UPDATE dispatch_catalogues SET note = 'x' WHERE version = 1"));
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM dispatch_catalogues WHERE version = 2"));
    }

    [Fact]
    public async Task Catalogue_FirstChangeBeforeAnyUse_StillKeepsTheShippedOneAsVersion1()
    {
        await using var factory = await StartAsync();
        var admin = await factory.As("admin");
        var shipped = new Duban.Features.Dispatching.CatalogueStore(TimeProvider.System).Shipped.Catalogue.Document;
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(shipped, System.Text.Json.JsonSerializerOptions.Web))!.AsObject();
        body["categories"]!.AsArray().Add(new JsonObject { ["name"] = "水利水务", ["owner"] = "county" });
        var saved = await admin.PutAsJsonAsync("/api/v1/dispatch/catalogue", body).Ok();
        Assert.Equal(2, (int)saved["version"]!);
        var versions = (await admin.GetAsync("/api/v1/dispatch/catalogue/versions").Ok()).AsArray();
        Assert.Equal(["system", "admin"], versions.Select(v => (string)v!["createdBy"]!));
    }

    [Fact]
    public async Task Catalogue_VersionAddedBehindDubansBack_IsCaughtByAuditVerify()
    {
        await using var factory = await StartAsync();
        Assert.Equal(1, (int)(await (await factory.As("dispatcher")).GetAsync("/api/v1/dispatch/catalogue").Ok())["version"]!);
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        Assert.True((await factory.Verify(db)).Intact);
        var v1 = await db.DispatchCatalogues.AsNoTracking().SingleAsync();
        db.DispatchCatalogues.Add(new Duban.Data.DispatchCatalogue
        {
            Version = 2,
            Name = v1.Name,
            Content = v1.Content.Replace("\"rsj\"", "\"county\"", StringComparison.Ordinal),
            ContentHash = v1.ContentHash,
            CreatedAt = v1.CreatedAt,
            CreatedBy = "intruder",
        });
        await db.SaveChangesAsync();
        var report = await factory.Verify(db);
        Assert.False(report.Intact);
        Assert.Contains("dispatch catalogue version 2", report.FirstProblem, StringComparison.Ordinal);
    }
}
