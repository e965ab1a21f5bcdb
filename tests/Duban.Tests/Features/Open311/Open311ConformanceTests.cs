using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Duban.Common;
using Duban.Data;
using Duban.Features.Open311;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Open311;

/// <summary>
/// The Open311 GeoReport v2 door as an Open311 client uses it (https://wiki.open311.org/GeoReport_v2): discover the
/// services, read one's definition, post a request form-encoded with an api_key, follow it by its id and in the
/// lists, in JSON and XML; errors as [{"code","description"}]; nothing sealed or internal in any answer.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class Open311ConformanceTests(DubanFactory factory)
{
    private const string Name = "黄大文";
    private const string Phone = "13622223333";

    private async Task<string> IssueKeyAsync()
    {
        await using var scope = factory.Scope();
        var issued = await scope.ServiceProvider.GetRequiredService<Open311Keys>().AddAsync("client-" + Guid.NewGuid().ToString("N")[..8], Actor.System(), default);
        Assert.True(issued.IsSuccess, issued.Error?.Message);
        return issued.Value.Key;
    }

    private async Task<JsonArray> ServicesAsync() => (await factory.CreateClient().GetAsync("/open311/v2/services.json").Ok()).AsArray();

    private async Task<string> ServiceCodeAsync(string name) =>
        (string)(await ServicesAsync()).Single(s => (string?)s!["service_name"] == name)!["service_code"]!;

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    private async Task<HttpResponseMessage> PostAsync(params (string Key, string Value)[] fields) =>
        await factory.CreateClient().PostAsync("/open311/v2/requests.json", Form(fields));

    /// <summary>Posts a street-light request with a name and phone; its service_request_id.</summary>
    private async Task<string> FileAsync(string key, string description = "川岛镇略尾村村口的路灯坏了一个星期，晚上一片漆黑。", params (string, string)[] more)
    {
        var code = await ServiceCodeAsync("路灯照明");
        var response = await PostAsync([("api_key", key), ("service_code", code), ("address_string", "台山市川岛镇下川岛略尾村"),
            ("description", description), ("first_name", "大文"), ("last_name", "黄"), ("phone", Phone), ("email", "hdw@example.cn"), .. more]);
        var answer = (await response.Json(HttpStatusCode.OK)).AsArray();
        var one = Assert.Single(answer)!;
        Assert.Equal(["service_request_id", "service_notice", "account_id"], one.AsObject().Select(p => p.Key));
        return (string)one["service_request_id"]!;
    }

    /// <summary>A w3 date-time with its zone, escaped for a query string.</summary>
    private static string At(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture));

    private static void AssertError(JsonNode body, int code, string names)
    {
        var error = Assert.Single(body.AsArray())!;
        Assert.Equal(["code", "description"], error.AsObject().Select(p => p.Key));
        Assert.Equal(code, (int)error["code"]!);
        Assert.Contains(names, (string)error["description"]!);
    }

    [Fact]
    public async Task Services_AreTheDispatchCatalogue_WithTheSpecificationsFields()
    {
        var services = await ServicesAsync();
        Assert.True(services.Count > 10);
        var light = services.Single(s => (string?)s!["service_name"] == "路灯照明")!;
        Assert.Equal(["service_code", "service_name", "description", "metadata", "type", "keywords", "group"], light.AsObject().Select(p => p.Key));
        Assert.Equal("城乡建设", (string?)light["group"]);
        Assert.Equal("realtime", (string?)light["type"]);
        Assert.True((bool)light["metadata"]!);
        Assert.Contains("路灯", (string)light["keywords"]!);
        // The discipline commission's categories (reports of misconduct) are not a service.
        Assert.DoesNotContain(services, s => (string?)s!["group"] == "纪律作风");

        var code = (string)light["service_code"]!;
        var definition = await factory.CreateClient().GetAsync($"/open311/v2/services/{code}.json").Ok();
        Assert.Equal(code, (string?)definition["service_code"]);
        var kind = definition["attributes"]!.AsArray().Single(a => (string?)a!["code"] == "kind")!;
        Assert.Equal("singlevaluelist", (string?)kind["datatype"]);
        var keys = kind["values"]!.AsArray().Select(v => (string)v!["key"]!).ToList();
        Assert.Contains("complaint", keys);
        Assert.DoesNotContain("report", keys);

        AssertError(await (await factory.CreateClient().GetAsync("/open311/v2/services/nosuchcode.json")).Json(HttpStatusCode.NotFound), 404, "service_code");
    }

    [Fact]
    public async Task Post_WithKey_EntersTheIntake_OnChannelOpen311_WithTheRaiserSealed()
    {
        var key = await IssueKeyAsync();
        var number = await FileAsync(key);
        Assert.StartsWith("JM-", number);

        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.IdOf(number);
        var matter = await dispatcher.Get(id);
        Assert.Equal("open311", (string?)matter["channel"]);
        Assert.Equal("complaint", (string?)matter["kind"]);
        Assert.Equal("城乡建设/路灯照明", (string?)matter["category"]);
        Assert.StartsWith("440781115", (string?)matter["territoryCode"]); // 川岛镇, from the address
        // The door's channel is the door's: no account registers on it.
        var body = await (await dispatcher.PostAsJsonAsync("/api/v1/matters", NewMatter.Noise("假冒Open311登记").Via("open311").Body())).Json(HttpStatusCode.BadRequest);
        Assert.Contains("channel", (string)body["title"]!);
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var row = await db.Matters.AsNoTracking().SingleAsync(m => m.Number == number);
        Assert.NotNull(row.RaiserSealed);
        Assert.DoesNotContain(Phone, row.RaiserSealed);
        Assert.DoesNotContain(Phone, await db.Events.AsNoTracking().Where(e => e.MatterId == row.Id).Select(e => e.Data).SingleAsync());
        var report = await factory.Verify(db);
        Assert.True(report.Intact, report.FirstProblem);
    }

    [Fact]
    public async Task Post_WithoutKeyOrWithAWrongOne_Is403_AndMissingFieldsAre400NamingThem()
    {
        var code = await ServiceCodeAsync("路灯照明");
        AssertError(await (await PostAsync(("service_code", code), ("address_string", "台山市台城"), ("description", "路灯坏了"))).Json(HttpStatusCode.Forbidden),
            403, "api_key");
        AssertError(await (await PostAsync(("api_key", "o311_" + new string('0', 40)), ("service_code", code), ("address_string", "台山市台城"),
            ("description", "路灯坏了"))).Json(HttpStatusCode.Forbidden), 403, "api_key");

        var key = await IssueKeyAsync();
        AssertError(await (await PostAsync(("api_key", key), ("address_string", "台山市台城"), ("description", "路灯坏了"))).Json(HttpStatusCode.BadRequest),
            400, "service_code");
        AssertError(await (await PostAsync(("api_key", key), ("service_code", "nosuchcode"), ("address_string", "台山市台城"), ("description", "路灯坏了")))
            .Json(HttpStatusCode.BadRequest), 400, "service_code");
        AssertError(await (await PostAsync(("api_key", key), ("service_code", code), ("description", "路灯坏了"))).Json(HttpStatusCode.BadRequest),
            400, "address_string");
        AssertError(await (await PostAsync(("api_key", key), ("service_code", code), ("address_string", "台山市台城"))).Json(HttpStatusCode.BadRequest),
            400, "description");
        AssertError(await (await PostAsync(("api_key", key), ("service_code", code), ("lat", "north"), ("long", "112.79"), ("description", "路灯坏了")))
            .Json(HttpStatusCode.BadRequest), 400, "lat");
        AssertError(await (await PostAsync(("api_key", key), ("service_code", code), ("address_string", "台山市台城"), ("description", "路灯坏了"),
            ("phone", "call me"))).Json(HttpStatusCode.BadRequest), 400, "phone");
        AssertError(await (await PostAsync(("api_key", key), ("service_code", code), ("address_string", "台山市台城"), ("description", "路灯坏了"),
            ("attribute[kind]", "report"))).Json(HttpStatusCode.BadRequest), 400, "attribute[kind]");
        // Not form-encoded: refused naming the encoding, as a 400.
        var json = await factory.CreateClient().PostAsync("/open311/v2/requests.json", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        AssertError(await json.Json(HttpStatusCode.BadRequest), 400, "form-encoded");
    }

    [Fact]
    public async Task Post_WithLatLong_IsPlacedInTheCountyOfThePoint_AndAPointOutsideIsRefused()
    {
        var key = await IssueKeyAsync();
        var code = await ServiceCodeAsync("路灯照明");
        // 台城 (台山市): no address, the point alone.
        var response = await PostAsync(("api_key", key), ("service_code", code), ("lat", "22.2521"), ("long", "112.7935"), ("description", "这条街的路灯整晚不亮。"),
            ("attribute[kind]", "request"), ("attribute[title]", "台城某街路灯不亮"));
        var number = (string)(await response.Json(HttpStatusCode.OK))[0]!["service_request_id"]!;
        var dispatcher = await factory.As("dispatcher");
        var matter = await dispatcher.Get(await dispatcher.IdOf(number));
        Assert.Equal("440781", (string?)matter["territoryCode"]);
        Assert.Equal("request", (string?)matter["kind"]);
        Assert.Equal("台城某街路灯不亮", (string?)matter["title"]);
        Assert.Contains("22.2521", (string?)matter["location"]);
        var shown = (await factory.CreateClient().GetAsync($"/open311/v2/requests/{number}.json").Ok())[0]!;
        Assert.Equal(22.2521, (double)shown["lat"]!);
        Assert.Equal(112.7935, (double)shown["long"]!);

        // Beijing is no place of this city.
        AssertError(await (await PostAsync(("api_key", key), ("service_code", code), ("lat", "39.9042"), ("long", "116.4074"), ("description", "路灯坏了")))
            .Json(HttpStatusCode.BadRequest), 400, "lat/long");
    }

    [Fact]
    public async Task GetById_AndTheLists_FilterByStatusAndDates_NewestFirst_ShowingNothingSealedOrInternal()
    {
        var key = await IssueKeyAsync();
        var before = factory.Clock.GetUtcNow().AddSeconds(-1);
        var open = await FileAsync(key, "略尾村码头边的路灯不亮。");
        var closing = await FileAsync(key, "略尾村小学门口的路灯坏了。");
        var after = factory.Clock.GetUtcNow().AddSeconds(1);

        // Staff bring the second to its end, with internal notes and a person named on the way.
        var dispatcher = await factory.As("dispatcher");
        var handler = await factory.As("h-440781115");
        var id = await dispatcher.IdOf(closing);
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = "440781115", note = "内部备注：请镇里联系供电所" });
        await handler.Do(id, "accept");
        await handler.Do(id, "progress", new { note = "内部进展：已约谈电工李四" });
        await handler.Do(id, "complete", new { outcome = "已更换学校门口的路灯灯头，恢复照明。" });
        await dispatcher.Do(id, "approve");

        var client = factory.CreateClient();
        var one = (await client.GetAsync($"/open311/v2/requests/{closing}.json").Ok()).AsArray();
        var closed = Assert.Single(one)!;
        Assert.Equal("closed", (string?)closed["status"]);
        Assert.Equal("已更换学校门口的路灯灯头，恢复照明。", (string?)closed["status_notes"]);
        Assert.Equal("路灯照明", (string?)closed["service_name"]);
        Assert.Contains("川岛", (string)closed["agency_responsible"]!);
        Assert.Equal("台山市川岛镇下川岛略尾村", (string?)closed["address"]);
        Assert.EndsWith("Z", (string)closed["requested_datetime"]!);
        Assert.Equal("open", (string?)(await client.GetAsync($"/open311/v2/requests/{open}.json").Ok())[0]!["status"]);

        string Window(string status) => $"/open311/v2/requests.json?status={status}&start_date={At(before)}"
            + $"&end_date={At(after)}";
        var openOnes = (await client.GetAsync(Window("open")).Ok()).AsArray().Select(r => (string)r!["service_request_id"]!).ToList();
        Assert.Contains(open, openOnes);
        Assert.DoesNotContain(closing, openOnes);
        var closedOnes = (await client.GetAsync(Window("closed")).Ok()).AsArray().Select(r => (string)r!["service_request_id"]!).ToList();
        Assert.Contains(closing, closedOnes);
        Assert.DoesNotContain(open, closedOnes);
        // Newest first: the second filed comes before the first.
        var both = (await client.GetAsync(Window("open,closed")).Ok()).AsArray().Select(r => (string)r!["service_request_id"]!).ToList();
        Assert.True(both.IndexOf(closing) < both.IndexOf(open), string.Join(",", both));
        // By id list; a window after them holds neither; a window over 90 days is refused naming start_date.
        var byIds = (await client.GetAsync($"/open311/v2/requests.json?service_request_id={open},{closing}").Ok()).AsArray();
        Assert.Equal(2, byIds.Count);
        var later = At(after.AddMinutes(1));
        Assert.DoesNotContain((await client.GetAsync($"/open311/v2/requests.json?start_date={later}").Ok()).AsArray(), r => (string?)r!["service_request_id"] == open);
        var wide = At(before.AddDays(-100));
        AssertError(await (await client.GetAsync($"/open311/v2/requests.json?start_date={wide}&end_date={At(after)}"))
            .Json(HttpStatusCode.BadRequest), 400, "start_date");
        AssertError(await (await client.GetAsync("/open311/v2/requests.json?status=pending")).Json(HttpStatusCode.BadRequest), 400, "status");
        AssertError(await (await client.GetAsync("/open311/v2/requests.json?end_date=yesterday")).Json(HttpStatusCode.BadRequest), 400, "end_date");
        AssertError(await (await client.GetAsync("/open311/v2/requests/JM-1999-999999.json")).Json(HttpStatusCode.NotFound), 404, "service request");

        // Nothing sealed or internal in any answer, JSON or XML.
        foreach (var url in new[] { $"/open311/v2/requests/{closing}.json", $"/open311/v2/requests/{closing}.xml", Window("open,closed"),
                     $"/open311/v2/requests.json?service_request_id={open},{closing}" })
        {
            var text = await (await client.GetAsync(url)).Content.ReadAsStringAsync();
            foreach (var secret in new[] { Name, "大文", Phone, "hdw@example.cn", "内部备注", "内部进展", "李四", "经办人" }) Assert.DoesNotContain(secret, text);
        }
    }

    [Fact]
    public async Task Xml_IsWellFormed_WithTheSpecificationsElements()
    {
        var key = await IssueKeyAsync();
        var number = await FileAsync(key);
        var client = factory.CreateClient();
        async Task<XDocument> Xml(HttpResponseMessage response, HttpStatusCode status)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
            var text = await response.Content.ReadAsStringAsync();
            Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", text, StringComparison.OrdinalIgnoreCase);
            return XDocument.Parse(text);
        }
        var services = await Xml(await client.GetAsync("/open311/v2/services.xml"), HttpStatusCode.OK);
        Assert.Equal("services", services.Root!.Name.LocalName);
        var light = services.Root.Elements("service").Single(s => s.Element("service_name")!.Value == "路灯照明");
        var code = light.Element("service_code")!.Value;
        Assert.Equal("true", light.Element("metadata")!.Value);
        var definition = await Xml(await client.GetAsync($"/open311/v2/services/{code}.xml"), HttpStatusCode.OK);
        Assert.Equal("service_definition", definition.Root!.Name.LocalName);
        Assert.Contains(definition.Root.Element("attributes")!.Elements("attribute").Single(a => a.Element("code")!.Value == "kind")
            .Element("values")!.Elements("value"), v => v.Element("key")!.Value == "complaint");
        var requests = await Xml(await client.GetAsync($"/open311/v2/requests.xml?service_request_id={number}"), HttpStatusCode.OK);
        Assert.Equal("service_requests", requests.Root!.Name.LocalName);
        Assert.Equal(number, requests.Root.Element("request")!.Element("service_request_id")!.Value);
        var posted = await Xml(await client.PostAsync("/open311/v2/requests.xml", Form(("api_key", key), ("service_code", code),
            ("address_string", "台山市台城"), ("description", "台城路口的路灯忽明忽暗。"))), HttpStatusCode.OK);
        Assert.StartsWith("JM-", posted.Root!.Element("request")!.Element("service_request_id")!.Value);
        var error = await Xml(await client.PostAsync("/open311/v2/requests.xml", Form(("service_code", code))), HttpStatusCode.Forbidden);
        Assert.Equal("errors", error.Root!.Name.LocalName);
        Assert.Equal("403", error.Root.Element("error")!.Element("code")!.Value);
    }

    [Fact]
    public async Task Keys_AreAudited_OnlyTheirHashIsStored_AndVerifyNamesAKeyChangedBehindDubansBack()
    {
        var key = await IssueKeyAsync();
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var row = await db.Set<Open311Key>().SingleAsync(k => k.KeyHash == Open311Keys.Hash(key));
        Assert.DoesNotContain(key, row.KeyHash);
        Assert.Equal(1, await db.Events.CountAsync(e => e.Action == Open311Keys.AddedEvent && e.Data.Contains(row.KeyHash)));
        Assert.Equal(0, await db.Events.CountAsync(e => e.Data.Contains(key)));

        // A key slipped in by rewriting a row's hash is named by audit verify; put back, the chain verifies again.
        var forged = Open311Keys.Hash("o311_forged");
        await db.Set<Open311Key>().Where(k => k.Id == row.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.KeyHash, forged));
        var report = await factory.Verify(db);
        Assert.False(report.Intact);
        Assert.Contains("Open311 key", report.FirstProblem);
        await db.Set<Open311Key>().Where(k => k.Id == row.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.KeyHash, row.KeyHash));
        report = await factory.Verify(db);
        Assert.True(report.Intact, report.FirstProblem);

        // Withdrawn, the key is refused.
        Assert.True((await scope.ServiceProvider.GetRequiredService<Open311Keys>().RemoveAsync(row.Name, Actor.System(), default)).IsSuccess);
        var code = await ServiceCodeAsync("路灯照明");
        AssertError(await (await PostAsync(("api_key", key), ("service_code", code), ("address_string", "台山市台城"), ("description", "路灯坏了")))
            .Json(HttpStatusCode.Forbidden), 403, "api_key");
        report = await factory.Verify(db);
        Assert.True(report.Intact, report.FirstProblem);
    }
}
