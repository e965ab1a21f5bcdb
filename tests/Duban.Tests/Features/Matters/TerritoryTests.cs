using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Matters;

/// <summary>A matter's territory (属地): resolved at intake from its text, corrected by staff as an event.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class TerritoryTests(DubanFactory factory)
{
    private const string Village = "440781115002"; // 台山市川岛镇略尾社区居委会
    private const string Waihai = "440704004";     // 江海区外海街道
    private const string PengjiangDept = "440703-rsj";

    private static JsonNode RegisterEvent(JsonNode matter) =>
        matter["events"]!.AsArray().Single(e => (string?)e!["action"] == "register")!;

    private static JsonNode LastEvent(JsonNode matter) => matter["events"]!.AsArray()[^1]!;

    private static string[] PathOf(JsonNode matter) =>
        [.. matter["territory"]!["path"]!.AsArray().Select(p => (string)p!)];

    /// <summary>An anonymous call with no place given: the place, if any, comes from the location or the text.</summary>
    private static NewMatter Unplaced(string title, string? location, string content = "请尽快处理。") =>
        NewMatter.Plain(title).At(location) with { Content = content };

    private async Task<bool> Listed(HttpClient client, long id, string number)
    {
        var page = await client.GetAsync($"/api/v1/matters?q={number}&pageSize=100").Ok();
        return page["items"]!.AsArray().Any(i => (long)i!["id"]! == id);
    }

    private async Task AssertChainIntact()
    {
        await using var scope = factory.Scope();
        var report = await factory.Verify(factory.Db(scope));
        Assert.True(report.Intact, report.FirstProblem);
    }

    [Fact]
    public async Task PublicReport_Location_ResolvesToTheVillage_AndTrackingShowsNothingMore()
    {
        var pub = factory.CreateClient();
        var filed = await pub.File(new
        {
            kind = "complaint",
            title = "快递收发点收取过海费",
            content = "每件快递要另交三元过海费。",
            location = "台山市川岛镇下川岛略尾村的快递收发点",
            anonymous = true,
        });
        var receipt = (string)filed["receipt"]!;
        var code = (string)filed["queryCode"]!;

        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.IdOf(receipt);
        var m = await dispatcher.Get(id);
        Assert.Equal(Village, (string?)m["territoryCode"]);
        Assert.Equal(Village, (string?)m["territory"]!["code"]);
        Assert.Equal("village", (string?)m["territory"]!["level"]);
        Assert.Equal(["广东省", "江门市", "台山市", "川岛镇", "略尾社区居委会"], PathOf(m));
        var placed = RegisterEvent(m)["data"]!["territory"]!;
        Assert.Equal(Village, (string?)placed["code"]);
        Assert.Equal("resolved", (string?)placed["source"]);
        Assert.True((double)placed["confidence"]! > 0);
        // The county follows: Taishan's supervisor sees it, Pengjiang's does not.
        Assert.True(await Listed(await factory.As("s-440781"), id, receipt));
        Assert.Equal(HttpStatusCode.NotFound, (await (await factory.As("s-440703")).GetAsync($"/api/v1/matters/{id}")).StatusCode);

        // Tracking keeps its shape (the title and the handling unit's public name since issue 18), and a correction of the
        // place is no public milestone.
        var before = await pub.GetAsync($"/api/v1/public/reports/{receipt}?queryCode={code}").Ok();
        Assert.Equal(["feedbackGiven", "handlingUnit", "receipt", "receivedAt", "reply", "status", "statusText", "title", "updates"],
            before.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        await dispatcher.Do(id, "territory", new { code = "440781115", reason = "收发点在镇区" });
        var after = await pub.GetAsync($"/api/v1/public/reports/{receipt}?queryCode={code}").Ok();
        Assert.Equal(before["updates"]!.AsArray().Count, after["updates"]!.AsArray().Count);
        Assert.DoesNotContain("440781115", after.ToJsonString());
    }

    [Fact]
    public async Task StaffRegistration_WithoutCode_ResolvesFromLocation_ThenTitle_ElseNone()
    {
        var dispatcher = await factory.As("dispatcher");
        var fromLocation = await dispatcher.Get(await dispatcher.Register(Api.Matter("夜间施工噪音", territory: null)));
        Assert.Equal(Waihai, (string?)fromLocation["territoryCode"]);
        Assert.Equal("town", (string?)fromLocation["territory"]!["level"]);
        Assert.Equal("外海街道", PathOf(fromLocation)[^1]);
        Assert.Equal("resolved", (string?)RegisterEvent(fromLocation)["data"]!["territory"]!["source"]);

        var fromTitle = await dispatcher.Get(await dispatcher.Register(Unplaced("恩平市大田镇农田被淹", location: "现场无门牌")));
        Assert.Equal("440785106", (string?)fromTitle["territoryCode"]);

        var fromContent = await dispatcher.Get(await dispatcher.Register(Unplaced("路灯不亮", location: null, content: "开平市三埠街道的路灯一直不亮。")));
        Assert.Equal("440783001", (string?)fromContent["territoryCode"]); // 开平市三埠街道

        // A location names a place wherever it is; a title or content only inside the home city.
        var away = await dispatcher.Get(await dispatcher.Register(Unplaced("来电反映", location: "福建省三明市三元区列东街道")));
        Assert.Equal("350404001", (string?)away["territoryCode"]);
        var passing = await dispatcher.Get(await dispatcher.Register(Unplaced("来电反映", location: null, content: "我上个月在福建省三明市出差，回来后咨询社保转移。")));
        Assert.Null(passing["territoryCode"]);
        var money = await dispatcher.Get(await dispatcher.Register(Unplaced("快递收发点收费", location: null, content: "每件快递要另交三元过海费。")));
        Assert.Null(money["territoryCode"]);

        var nowhere = await dispatcher.Get(await dispatcher.Register(Unplaced("咨询办事流程", location: null)));
        Assert.Null(nowhere["territoryCode"]);
        Assert.Null(nowhere["territory"]);
        Assert.Equal("none", (string?)RegisterEvent(nowhere)["data"]!["territory"]!["source"]);

        var given = await dispatcher.Get(await dispatcher.Register(Api.Matter("外海街道的事，记在江海区", territory: "440704")));
        Assert.Equal("440704", (string?)given["territoryCode"]);
        Assert.Equal("county", (string?)given["territory"]!["level"]);
        Assert.Equal("given", (string?)RegisterEvent(given)["data"]!["territory"]!["source"]);
    }

    [Fact]
    public async Task CountySupervisor_AddressElsewhere_KeepsOwnTerritory_AddressInside_IsResolved()
    {
        var county = await factory.As("s-440781");
        var elsewhere = await county.Get(await county.Register(Api.Matter("来电反映外海街道噪音", territory: null)));
        Assert.Equal("440781", (string?)elsewhere["territoryCode"]);
        Assert.Equal("registrar", (string?)RegisterEvent(elsewhere)["data"]!["territory"]!["source"]);

        var inside = await county.Get(await county.Register(Unplaced("快递收发点收取过海费", "台山市川岛镇略尾村")));
        Assert.Equal(Village, (string?)inside["territoryCode"]);
        Assert.Equal("resolved", (string?)RegisterEvent(inside)["data"]!["territory"]!["source"]);
    }

    [Theory]
    [InlineData("440799")]        // no such county in 江门
    [InlineData("440781999")]     // no such town in 台山
    [InlineData("440781115999")]  // no such village in 川岛
    public async Task Registration_UnknownDivision_Is400(string code)
    {
        var dispatcher = await factory.As("dispatcher");
        var body = await dispatcher.PostAsJsonAsync("/api/v1/matters", Api.Matter("未知区划", territory: code))
            .Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("not a known division", (string?)body["title"]);
        // Within the registrar's territory by its digits, still no place.
        await (await factory.As("s-440781")).PostAsJsonAsync("/api/v1/matters", Api.Matter("未知区划", territory: "440781999"))
            .Problem(HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task PublicConfidentialReport_IsNotPlacedInTheCountyItMayAccuse_UntilClassified()
    {
        var pub = factory.CreateClient();
        var filed = await pub.File(new
        {
            kind = "report",
            title = "举报台山市人民政府某领导收受贿赂",
            content = "在台山市台城街道某酒店多次收受礼金。",
            location = "台山市台城街道",
            anonymous = true,
        });
        var receipt = (string)filed["receipt"]!;
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.IdOf(receipt);
        var m = await dispatcher.Get(id);
        Assert.Null(m["territoryCode"]);
        var placed = RegisterEvent(m)["data"]!["territory"]!;
        Assert.Equal("withheld", (string?)placed["source"]);
        Assert.Equal("440781001", (string?)placed["suggested"]);
        // Taishan's staff do not see it, in the list or by id.
        var county = await factory.As("s-440781");
        Assert.False(await Listed(county, id, receipt));
        Assert.Equal(HttpStatusCode.NotFound, (await county.GetAsync($"/api/v1/matters/{id}")).StatusCode);
        // Once the city has said whom it is about, the place can be set and Taishan still does not see it.
        await dispatcher.Do(id, "classify", new { subjectUnitCode = "440781", territoryCode = "440781001" });
        Assert.Equal(HttpStatusCode.NotFound, (await county.GetAsync($"/api/v1/matters/{id}")).StatusCode);
        await AssertChainIntact();
    }

    [Fact]
    public async Task Classify_UnknownDivision_Is400_KnownOne_Placed()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(Unplaced("咨询办事流程", location: null));
        var body = await dispatcher.Try(id, "classify", new { territoryCode = "440781999" }).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("not a known division", (string?)body["title"]);
        await dispatcher.Do(id, "classify", new { territoryCode = "440781115" });
        Assert.Equal("440781115", (string?)(await dispatcher.Get(id))["territoryCode"]);
    }

    [Fact]
    public async Task Relocate_ByCityDispatcher_MovesTheMatterToTheOtherCounty_AsAnEvent()
    {
        var dispatcher = await factory.As("dispatcher");
        var pengjiang = await factory.As("s-440703");
        var taishan = await factory.As("s-440781");
        var id = await dispatcher.Register(Api.Matter("快递收发点收取过海费", territory: "440703"));
        var number = (string)(await dispatcher.Get(id))["number"]!;
        Assert.True(await Listed(pengjiang, id, number));
        Assert.False(await Listed(taishan, id, number));

        await dispatcher.Do(id, "territory", new { text = "台山市川岛镇略尾村", reason = "地址在川岛，非蓬江" });
        var m = await dispatcher.Get(id);
        Assert.Equal(Village, (string?)m["territoryCode"]);
        Assert.Equal("略尾社区居委会", PathOf(m)[^1]);
        Assert.Equal(2, (int)m["version"]!);
        var e = LastEvent(m);
        Assert.Equal("territory_corrected", (string?)e["action"]);
        Assert.Equal("地址在川岛，非蓬江", (string?)e["reason"]);
        Assert.Equal("440703", (string?)e["data"]!["territory"]!["before"]!["code"]);
        Assert.Equal("蓬江区", (string?)e["data"]!["territory"]!["before"]!["path"]!.AsArray()[^1]);
        Assert.Equal(Village, (string?)e["data"]!["territory"]!["after"]!["code"]);
        Assert.Equal("略尾社区居委会", (string?)e["data"]!["territory"]!["after"]!["path"]!.AsArray()[^1]);
        Assert.Equal("台山市川岛镇略尾村", (string?)e["data"]!["territory"]!["after"]!["text"]);
        Assert.Equal("440703", (string?)e["data"]!["before"]!["territoryCode"]);
        Assert.Equal(Village, (string?)e["data"]!["after"]!["territoryCode"]);

        // The old county no longer sees it, in its list or by id; the new one does.
        Assert.False(await Listed(pengjiang, id, number));
        Assert.Equal(HttpStatusCode.NotFound, (await pengjiang.GetAsync($"/api/v1/matters/{id}")).StatusCode);
        Assert.True(await Listed(taishan, id, number));
        await taishan.Get(id);

        // By code, with a city-level supervisor too.
        await (await factory.As("supervisor")).Do(id, "territory", new { code = "440781115", reason = "定到镇一级" }, reader: dispatcher);
        Assert.Equal("440781115", (string?)(await dispatcher.Get(id))["territoryCode"]);
        await AssertChainIntact();
    }

    [Fact]
    public async Task Relocate_KeepsCountyCrossingMarks_SoTheAssignedCountyStillListsIt_AndVerifyHolds()
    {
        var dispatcher = await factory.As("dispatcher");
        var pengjiang = await factory.As("s-440703");
        var (id, number, _) = await factory.Desk.Matter(NewMatter.Noise("蓬江区某厂拖欠工资", territory: "440703")).Lead(PengjiangDept).MakeAsync("dispatched");

        // Now in Taishan but still with a Pengjiang unit: Pengjiang lists it through its crossing assignment.
        await dispatcher.Do(id, "territory", new { code = "440781", reason = "工厂实际在台山" });
        Assert.True(await Listed(pengjiang, id, number));
        Assert.True(await Listed(await factory.As("s-440781"), id, number));
        await AssertChainIntact();

        await dispatcher.Do(id, "territory", new { code = "440703002", reason = "核实后在蓬江区白沙街道" });
        Assert.True(await Listed(pengjiang, id, number));
        Assert.False(await Listed(await factory.As("s-440781"), id, number));
        await AssertChainIntact();
    }

    [Fact]
    public async Task Relocate_ByCountySupervisor_OnlyWithinItsTerritory_AndOnlyItsOwnMatters()
    {
        var dispatcher = await factory.As("dispatcher");
        var county = await factory.As("s-440781");
        var id = await dispatcher.Register(Api.Matter("台山市渔港整治", territory: "440781"));
        await county.Do(id, "territory", new { code = "440781115", reason = "渔港在川岛" });
        Assert.Equal("440781115", (string?)(await dispatcher.Get(id))["territoryCode"]);
        // Not into another county.
        await county.Try(id, "territory", new { code = "440703", reason = "试图移出" }).Problem(HttpStatusCode.BadRequest, "validation");
        await county.Try(id, "territory", new { text = "江海区外海街道", reason = "试图移出" }).Problem(HttpStatusCode.BadRequest, "validation");

        // A Pengjiang matter Taishan sees only through its co-handling unit is not Taishan's to move.
        var other = await factory.Desk.Matter(NewMatter.Noise("跨区协办事项", territory: "440703")).Lead(PengjiangDept, "440781115").DispatchedAsync();
        await county.Get(other);
        await county.Try(other, "territory", new { code = "440781115", reason = "试图收归" }).Problem(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("440703", (string?)(await dispatcher.Get(other))["territoryCode"]);
        // Nor a matter the city kept at city level, which Taishan helps with.
        var citywide = await factory.Desk.Matter(NewMatter.Noise("全市跨区事项", territory: "440700")).Lead(PengjiangDept, "440781115").DispatchedAsync();
        await county.Get(citywide);
        await county.Try(citywide, "territory", new { code = "440781", reason = "试图收归" }).Problem(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("440700", (string?)(await dispatcher.Get(citywide))["territoryCode"]);

        // A matter about the county government itself is placed by the city, not by the county.
        var aboutCounty = await dispatcher.Register(new NewMatter("complaint", "反映台山市政府窗口办事拖延", "窗口办事拖延。").Marked(confidential: false)
            .Unnamed().In("440781").About("440781"));
        await county.Get(aboutCounty);
        await county.Try(aboutCounty, "territory", new { code = "440781115", reason = "r" }).Problem(HttpStatusCode.Forbidden, "forbidden");
        await dispatcher.Do(aboutCounty, "territory", new { code = "440781001", reason = "台城街道的窗口" });
    }

    [Fact]
    public async Task Relocate_Refusals()
    {
        var dispatcher = await factory.As("dispatcher");
        var (id, _, version) = await factory.Desk.Matter(NewMatter.Noise("川岛镇路灯损坏", territory: "440781115")).Lead("440781115").MakeAsync("dispatched");

        // Handlers (even of the lead unit) and leaders do not place matters.
        await (await factory.As("h-440781115")).Try(id, "territory", new { code = Village, reason = "r" }, reader: dispatcher)
            .Problem(HttpStatusCode.Forbidden, "forbidden");
        await (await factory.As("leader")).Try(id, "territory", new { code = Village, reason = "r" }, reader: dispatcher)
            .Problem(HttpStatusCode.Forbidden, "forbidden");
        // Out of sight is not found.
        await (await factory.As("s-440703")).Try(id, "territory", new { code = "440703", reason = "r" }, reader: dispatcher)
            .Problem(HttpStatusCode.NotFound, "not_found");

        await dispatcher.Try(id, "territory", new { code = "440781115999", reason = "r" }).Problem(HttpStatusCode.BadRequest, "validation");
        await dispatcher.Try(id, "territory", new { code = "4407811", reason = "r" }).Problem(HttpStatusCode.BadRequest, "validation");
        await dispatcher.Try(id, "territory", new { text = "今天天气很好", reason = "r" }).Problem(HttpStatusCode.BadRequest, "validation");
        await dispatcher.Try(id, "territory", new { reason = "r" }).Problem(HttpStatusCode.BadRequest, "validation");
        await dispatcher.Try(id, "territory", new { code = Village, text = "略尾村", reason = "r" }).Problem(HttpStatusCode.BadRequest, "validation");
        await dispatcher.Try(id, "territory", new { code = Village }).Problem(HttpStatusCode.BadRequest, "validation");
        await dispatcher.Try(id, "territory", new { code = Village, reason = "  " }).Problem(HttpStatusCode.BadRequest, "validation");
        await dispatcher.Try(id, "territory", new { code = "440781115", reason = "r" }).Problem(HttpStatusCode.Conflict, "no_change");
        await dispatcher.Try(id, "territory", new { text = "台山市川岛镇", reason = "r" }).Problem(HttpStatusCode.Conflict, "no_change");
        Assert.Equal(version, await dispatcher.Version(id));

        await dispatcher.Do(id, "territory", new { code = Village, reason = "定到村" });
        await dispatcher.Post($"/api/v1/matters/{id}/territory", new { version, code = "440781115", reason = "r" })
            .Problem(HttpStatusCode.Conflict, "stale_version");
        Assert.Equal(Village, (string?)(await dispatcher.Get(id))["territoryCode"]);

        // A merged matter is placed by its target.
        var duplicate = await dispatcher.Register(Api.Matter("川岛镇路灯损坏（重复来电）", territory: "440781115"));
        await dispatcher.Do(duplicate, "merge", new { targetId = id, reason = "重复" });
        await dispatcher.Try(duplicate, "territory", new { code = Village, reason = "r" }).Problem(HttpStatusCode.Conflict, "invalid_transition");
    }
}
