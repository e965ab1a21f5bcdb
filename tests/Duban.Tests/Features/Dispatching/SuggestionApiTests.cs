using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Dispatching;

/// <summary>GET /api/v1/matters/{id}/suggestion: the routing suggestion for a matter, to those who dispatch it.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class SuggestionApiTests(DubanFactory factory)
{
    private static NewMatter Complaint(string title, string content, string location) =>
        new NewMatter("complaint", title, content).At(location).From("黄秀英", "13922223333");

    private static Task<JsonNode> Suggestion(HttpClient client, long id) => client.GetAsync($"/api/v1/matters/{id}/suggestion").Ok();

    [Fact]
    public async Task Suggestion_WagesInTaishan_ForThoseWhoDispatchIt_404ForThoseWhoDoNotSeeIt_403ForOthers()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(Complaint("台城某工厂拖欠工资", "老板拖欠三个月工资不发。", "台山市台城街道"));
        var before = await dispatcher.Get(id);

        var s = await Suggestion(dispatcher, id);
        Assert.Equal("440781-rsj", (string?)s["leadUnit"]!["code"]);
        Assert.Equal("台山市人力资源和社会保障局", (string?)s["leadUnit"]!["name"]);
        Assert.Equal("category_owner", (string?)s["rule"]);
        Assert.Equal("劳动和社会保障", (string?)s["category"]);
        Assert.Equal("拖欠工资", (string?)s["subcategory"]);
        Assert.Equal("440781001", (string?)s["territoryCode"]);
        Assert.Contains("分级负责", (string?)s["reason"], StringComparison.Ordinal);
        Assert.Equal(["category", "categorySource", "coUnits", "confidence", "leadUnit", "reason", "rule", "subcategory", "territoryCode"],
            s.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        // Nothing of the raiser in it.
        Assert.DoesNotContain("黄", s.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("3333", s.ToJsonString(), StringComparison.Ordinal);

        // The county's supervisor sees the matter and the suggestion; another county's does not see it at all.
        Assert.Equal("440781-rsj", (string?)(await Suggestion(await factory.As("s-440781"), id))["leadUnit"]!["code"]);
        await (await factory.As("s-440703")).GetAsync($"/api/v1/matters/{id}/suggestion").Problem(HttpStatusCode.NotFound);
        await (await factory.As("h-440781-rsj")).GetAsync($"/api/v1/matters/{id}/suggestion").Problem(HttpStatusCode.NotFound);
        await dispatcher.GetAsync("/api/v1/matters/999999999/suggestion").Problem(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync($"/api/v1/matters/{id}/suggestion")).StatusCode);

        // Asking records nothing; accepting is the ordinary dispatch, after which the unit sees the
        // matter but, as a handler, gets no suggestion.
        var after = await dispatcher.Get(id);
        Assert.Equal((int)before["version"]!, (int)after["version"]!);
        Assert.Equal(before["events"]!.AsArray().Count, after["events"]!.AsArray().Count);
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = (string?)s["leadUnit"]!["code"] });
        var handler = await factory.As("h-440781-rsj");
        await handler.GetAsync($"/api/v1/matters/{id}").Ok();
        await handler.GetAsync($"/api/v1/matters/{id}/suggestion").Problem(HttpStatusCode.Forbidden);
        await (await factory.As("leader")).GetAsync($"/api/v1/matters/{id}/suggestion").Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Suggestion_PotholeInAVillageOfChuandao_GoesToTheTownGovernment()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(Complaint("村道路面坑洼", "村道坑坑洼洼，下雨全是积水，摩托车经常摔倒。", "台山市川岛镇略尾村"));
        var s = await Suggestion(dispatcher, id);
        Assert.Equal("440781115", (string?)s["leadUnit"]!["code"]);
        Assert.Equal("台山市川岛镇人民政府", (string?)s["leadUnit"]!["name"]);
        Assert.Equal("道路坑洼", (string?)s["subcategory"]);
        Assert.StartsWith("440781115", (string?)s["territoryCode"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Suggestion_ConfidentialReportAboutThePartySchool_ToItsGroupInTheRound_AndUnseenByTheSchool()
    {
        var dispatcher = await factory.As("dispatcher");
        var during = new DateTimeOffset(2025, 12, 5, 10, 0, 0, TimeSpan.FromHours(8));
        var id = await dispatcher.Register(NewMatter.Report("4407-swdx", "反映市委党校个别教研人员长期不在岗", "多名教研人员长期不在岗，考勤弄虚作假。")
            .From("梁志明", "13500001111").ReceivedOn(during));
        var s = await Suggestion(dispatcher, id);
        Assert.Equal("inspection_round", (string?)s["rule"]);
        Assert.Equal("4407-xcz1", (string?)s["leadUnit"]!["code"]);
        Assert.DoesNotContain("梁", s.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("1111", s.ToJsonString(), StringComparison.Ordinal);
        // The school's own people never see the report, nor its suggestion.
        await (await factory.As("h-4407-swdx")).GetAsync($"/api/v1/matters/{id}/suggestion").Problem(HttpStatusCode.NotFound);

        // The same report arriving after the round: the city's discipline commission.
        var later = await dispatcher.Register(NewMatter.Report("4407-swdx", "反映市委党校个别教研人员长期不在岗", "多名教研人员长期不在岗。")
            .Unnamed().ReceivedOn(new DateTimeOffset(2026, 3, 5, 10, 0, 0, TimeSpan.FromHours(8))));
        var afterRound = await Suggestion(dispatcher, later);
        Assert.Equal("discipline", (string?)afterRound["rule"]);
        Assert.Equal("4407-jw", (string?)afterRound["leadUnit"]!["code"]);
    }

    [Fact]
    public async Task Suggestion_FollowsTheCategoryStaffSet()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(Complaint("来电反映", "要求有关部门处理。", "恩平市大田镇"));
        Assert.Equal("catch_all", (string?)(await Suggestion(dispatcher, id))["rule"]);
        Assert.Equal("440785", (string?)(await Suggestion(dispatcher, id))["leadUnit"]!["code"]);
        await dispatcher.Do(id, "classify", new { category = "环境保护/水污染" });
        var s = await Suggestion(dispatcher, id);
        Assert.Equal("category_owner", (string?)s["rule"]);
        Assert.Equal("440785-sthjj", (string?)s["leadUnit"]!["code"]);
        Assert.Equal(["440785106"], s["coUnits"]!.AsArray().Select(u => (string)u!["code"]!));
        Assert.Equal(1.0, (double)s["confidence"]!);
        var response = await dispatcher.PostAsJsonAsync($"/api/v1/matters/{id}/dispatch", Api.With(await dispatcher.Version(id),
            new { leadUnitCode = "440785-sthjj", coUnitCodes = new[] { "440785106" } }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OpenApi_DescribesTheDispatchEndpoints()
    {
        var doc = await factory.CreateClient().GetAsync("/openapi/v1.json").Ok();
        var paths = doc["paths"]!.AsObject();
        Assert.True(paths.ContainsKey("/api/v1/matters/{id}/suggestion"));
        Assert.True(paths.ContainsKey("/api/v1/dispatch/catalogue/versions"));
        var catalogue = paths["/api/v1/dispatch/catalogue"]!.AsObject();
        Assert.True(catalogue.ContainsKey("get") && catalogue.ContainsKey("put"));
    }
}
