using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Duban.Features.Enterprises;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Enterprises;

/// <summary>
/// The enterprise lane (Features/Enterprises, schema 0047): the register imported from CSV with its lines checked, the
/// service team seeing and hearing of its firm's demands (and a unit off the team not), a visit making demands linked to
/// it and to the firm, the queue's limits on a dispatched demand, a demand from another door linked at dispatch, the figures.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class EnterpriseLaneTests(DubanFactory factory)
{
    private const string Office = "4407-gxj";
    private static int serial = Random.Shared.Next(1_000_000, 5_000_000);

    private HttpClient OfficeDesk => factory.Desk.Handler(Office);

    /// <summary>A fresh valid credit code in <paramref name="division"/> (GB 32100: its organisation code and final check characters computed).</summary>
    private static string NewCode(string division = "440704")
    {
        var body = "T" + Interlocked.Increment(ref serial).ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
        var first17 = "91" + division + body + CreditCode.OrganisationCheck(body);
        return first17 + CreditCode.Check(first17);
    }

    private static StringContent Csv(params string[] lines) =>
        new("统一社会信用代码,企业名称,所在区县,行业,企业规模,200强\n" + string.Join("\n", lines), Encoding.UTF8, "text/csv");

    private async Task<string> FirmAsync(string name, string county = "江海区", string industry = "制造业", string size = "中小型", bool top200 = false)
    {
        var code = NewCode();
        await OfficeDesk.PostAsync("/api/v1/enterprises/import", Csv($"{code},{name},{county},{industry},{size},{(top200 ? "是" : "否")}")).Ok();
        return code;
    }

    [Fact]
    public async Task Import_ChecksEveryLine_NamesEachBadOne_AndKeepsNothing()
    {
        var (good, bad) = (NewCode(), NewCode());
        var wrongCheck = bad[..17] + (bad[17] == '0' ? '1' : '0');
        var problem = await OfficeDesk.PostAsync("/api/v1/enterprises/import", Csv(
            $"{good},江门市校验测试有限公司,江海区,制造业,中小型,否",
            $"{wrongCheck},江门市校验码错误有限公司,江海区,制造业,中小型,否",
            $"{NewCode()},江门市规模错误有限公司,江海区,制造业,巨型,否",
            $"{NewCode()},江门市区县错误有限公司,广州市,制造业,微型,否")).Problem(HttpStatusCode.BadRequest);
        var title = (string?)problem["title"];
        Assert.Contains("line 3 (creditCode)", title, StringComparison.Ordinal);
        Assert.Contains("line 4 (size)", title, StringComparison.Ordinal);
        Assert.Contains("line 5 (county)", title, StringComparison.Ordinal);
        Assert.DoesNotContain("line 2", title, StringComparison.Ordinal);
        // Nothing kept: the good line is not registered either.
        await factory.Desk.Supervisor.GetAsync($"/api/v1/enterprises/{good}").Problem(HttpStatusCode.NotFound);
        // Only the business office keeps the register.
        await factory.Desk.Handler("4407-rsj").PostAsync("/api/v1/enterprises/import", Csv($"{good},江门市越权导入有限公司,江海区,制造业,中小型,否"))
            .Problem(HttpStatusCode.Forbidden);

        var imported = await OfficeDesk.PostAsync("/api/v1/enterprises/import", Csv($"{good.ToLowerInvariant()},江门市校验测试有限公司,440704,manufacturing,sme,否")).Ok();
        Assert.Equal(1, (int)imported["added"]!);
        var firm = await factory.Desk.Supervisor.GetAsync($"/api/v1/enterprises/{good}").Ok();
        Assert.Equal(("江门市校验测试有限公司", "440704", "sme"), ((string?)firm["firm"]!["name"], (string?)firm["firm"]!["countyCode"], (string?)firm["firm"]!["size"]));
        // A code that is no code is a 400 naming it, not a 404.
        await factory.Desk.Supervisor.GetAsync($"/api/v1/enterprises/{wrongCheck}").Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ServiceTeam_SeesAndHearsOfItsFirmsDemand_AUnitOffTheTeamDoesNot()
    {
        var code = await FirmAsync("江门市专班测试新材料有限公司", size: "大型", top200: true);
        var lone = await FirmAsync("江门市非200强测试有限公司");
        await OfficeDesk.Post($"/api/v1/enterprises/{lone}/team", new { leadUnitCode = Office, leadOfficial = "局长", memberUnitCodes = new[] { "4407-rsj" } })
            .Problem(HttpStatusCode.Conflict, "not_top200");
        await factory.Desk.Handler("4407-rsj").Post($"/api/v1/enterprises/{code}/team", new { leadUnitCode = Office, leadOfficial = "局长" })
            .Problem(HttpStatusCode.NotFound);
        await OfficeDesk.Post($"/api/v1/enterprises/{code}/team", new { leadUnitCode = Office, leadOfficial = "市工业和信息化局局长", memberUnitCodes = new[] { "4407-nowhere" } })
            .Problem(HttpStatusCode.BadRequest);
        var team = await OfficeDesk.Post($"/api/v1/enterprises/{code}/team",
            new { leadUnitCode = Office, leadOfficial = "市工业和信息化局局长", memberUnitCodes = new[] { "4407-rsj", "440704-fgj" } }).Ok();
        Assert.Equal(3, team.AsArray().Count);

        var member = factory.Desk.Handler("4407-rsj");
        var stranger = factory.Desk.Handler("4407-jtj");
        // The team sees the firm; a unit off it does not (as for a firm not registered).
        await member.GetAsync($"/api/v1/enterprises/{code}").Ok();
        await stranger.GetAsync($"/api/v1/enterprises/{code}").Problem(HttpStatusCode.NotFound);

        var made = await (await factory.Desk.Dispatcher.PostAsJsonAsync("/api/v1/enterprises/demands", new
        {
            title = "新建产线用工招聘对接",
            content = $"企业（统一社会信用代码 {code}）新产线投产需招聘技术工人60名，请求对接职业院校。",
        })).Json(HttpStatusCode.Created);
        var id = (long)made["id"]!;
        Assert.Equal(code, (string?)made["creditCode"]);

        // Not dispatched to them, yet the team's units see it; the stranger gets 404 as for no matter at all.
        var seen = await member.Get(id);
        Assert.Equal(code, (string?)seen["facets"]!["enterprise"]!["creditCode"]);
        await factory.Desk.Handler("440704-fgj").Get(id);
        await stranger.GetAsync($"/api/v1/matters/{id}").Problem(HttpStatusCode.NotFound);
        Assert.Contains((await member.GetAsync("/api/v1/enterprises/queue").Ok())["items"]!.AsArray(), i => (long)i!["id"]! == id);
        Assert.DoesNotContain((await stranger.GetAsync("/api/v1/enterprises/queue").Ok())["items"]!.AsArray(), i => (long)i!["id"]! == id);

        // And the team is told of it.
        var inbox = await member.GetAsync("/api/v1/notifications?pageSize=100").Ok();
        Assert.Contains(inbox["items"]!.AsArray(), n => (long?)n!["matterId"] == id && (string?)n["kind"] == "enterprise_demand");
        var strangerInbox = await stranger.GetAsync("/api/v1/notifications?pageSize=100").Ok();
        Assert.DoesNotContain(strangerInbox["items"]!.AsArray(), n => (long?)n!["matterId"] == id);

        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Fact]
    public async Task Visit_MakesADemandOfEachOneCollected_LinkedToTheVisitAndTheFirm()
    {
        var code = await FirmAsync("江门市走访测试电机有限公司", size: "大型");
        var county = factory.Desk.CountySupervisor("440704");
        var today = Duban.Common.Clock.ChinaDate(factory.Clock.GetUtcNow());
        var future = today.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var day = today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var bad = await county.Post($"/api/v1/enterprises/{code}/visits", new { visitedOn = future, officials = "区长", demands = Array.Empty<object>() })
            .Problem(HttpStatusCode.BadRequest);
        Assert.StartsWith("visitedOn", (string?)bad["title"], StringComparison.Ordinal);
        var noTitle = await county.Post($"/api/v1/enterprises/{code}/visits", new
        {
            visitedOn = day,
            officials = "区长",
            demands = new object[] { new { title = "用地", content = "用地诉求" }, new { title = "", content = "没有标题" } },
        }).Problem(HttpStatusCode.BadRequest);
        Assert.StartsWith("demands[1].title", (string?)noTitle["title"], StringComparison.Ordinal);
        Assert.Empty((await county.GetAsync($"/api/v1/enterprises/{code}/visits").Ok()).AsArray());
        // A county's coordinators of another county do not see the firm.
        await factory.Desk.CountySupervisor("440781").Post($"/api/v1/enterprises/{code}/visits", new { visitedOn = day, officials = "市长" })
            .Problem(HttpStatusCode.NotFound);

        var visit = await (await county.PostAsJsonAsync($"/api/v1/enterprises/{code}/visits", new
        {
            visitedOn = day,
            officials = "区委副书记、区长郑丹辉",
            notes = "暖企安商调研",
            demands = new object[]
            {
                new { title = "扩产用地控规调整", content = "厂区东侧预留用地需由仓储用地调整为工业用地。" },
                new { title = "外籍专家工作许可", content = "新引进外籍技术专家3名，咨询工作许可办理。" },
            },
        })).Json(HttpStatusCode.Created);
        var visitId = (long)visit["id"]!;
        var ids = visit["demands"]!.AsArray().Select(d => (long)d!["id"]!).ToList();
        Assert.Equal(2, ids.Count);
        foreach (var id in ids)
        {
            var m = await county.Get(id);
            Assert.Equal(("enterprise_demand", "visit", "received"), ((string?)m["kind"], (string?)m["channel"], (string?)m["status"]));
            Assert.Equal(code, (string?)m["facets"]!["enterprise"]!["creditCode"]);
            Assert.Equal(visitId, (long?)m["facets"]!["enterprise"]!["visitId"]);
        }
        // The firm's page: the visit with its demands, and the demands themselves.
        var firm = await county.GetAsync($"/api/v1/enterprises/{code}").Ok();
        var listed = firm["visits"]!.AsArray().Single();
        Assert.Equal(visitId, (long)listed!["id"]!);
        Assert.Equal(ids.Order(), listed["demands"]!.AsArray().Select(d => (long)d!));
        Assert.Equal(ids.ToHashSet(), firm["demands"]!.AsArray().Select(d => (long)d!["id"]!).ToHashSet());

        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Fact]
    public async Task ADemandByAnotherDoor_IsLinkedAtDispatch_AndRunsOnTheRapidResponseLimits()
    {
        var code = await FirmAsync("江门市快速响应测试有限公司", size: "微型");
        var id = await factory.Desk.Dispatcher.Register(new
        {
            kind = "enterprise_demand",
            channel = "phone",
            title = "企业融资对接",
            content = $"来电企业统一社会信用代码{code}，希望对接政银保融资产品。",
            territoryCode = "440704",
        });
        Assert.Null((await factory.Desk.Dispatcher.Get(id))["facets"]!["enterprise"]);
        await factory.Desk.Dispatcher.Do(id, "dispatch", new { leadUnitCode = "4407-scjgj" });
        var m = await factory.Desk.Dispatcher.Get(id);
        Assert.Equal(code, (string?)m["facets"]!["enterprise"]!["creditCode"]);
        Assert.Equal("enterprise-rapid", (string?)m["clock"]!["policy"]!["id"]);
        // Five working days to solve, one to sign: the deadlines lie within those spans (weekends and holidays aside, at most two weeks).
        var due = (DateTimeOffset)m["clock"]!["dueAt"]!;
        var sign = (DateTimeOffset)m["clock"]!["signDueAt"]!;
        var now = factory.Clock.GetUtcNow();
        Assert.InRange(sign, now.AddHours(1), now.AddDays(12));
        Assert.InRange(due, sign.AddDays(1), now.AddDays(16));
        // Linked once: the firm's page lists it.
        Assert.Contains((await factory.Desk.Supervisor.GetAsync($"/api/v1/enterprises/{code}").Ok())["demands"]!.AsArray(), d => (long)d!["id"]! == id);
    }

    [Fact]
    public async Task Figures_CountTheYearsDemands_BySizeAndIndustry_ForTheOfficeAndTheCity()
    {
        var code = await FirmAsync("江门市统计测试信息技术有限公司", industry: "信息技术", size: "微型");
        await factory.Desk.Handler("4407-rsj").GetAsync("/api/v1/enterprises/figures").Problem(HttpStatusCode.Forbidden);
        await OfficeDesk.GetAsync("/api/v1/enterprises/figures?year=1900").Problem(HttpStatusCode.BadRequest);
        var year = Duban.Common.Clock.ChinaDate(factory.Clock.GetUtcNow()).Year;
        static JsonNode? It(JsonNode f) => f["byIndustry"]!.AsArray().FirstOrDefault(g => (string?)g!["key"] == "it");
        var before = await OfficeDesk.GetAsync($"/api/v1/enterprises/figures?year={year}").Ok();
        var itBefore = It(before) is { } b ? (int)b["count"]! : 0;

        var made = await (await factory.Desk.Dispatcher.PostAsJsonAsync("/api/v1/enterprises/demands",
            new { creditCode = code, title = "软件著作权登记咨询", content = "企业咨询软件著作权登记流程。" })).Json(HttpStatusCode.Created);
        var id = (long)made["id"]!;
        await factory.Desk.Dispatcher.Do(id, "dispatch", new { leadUnitCode = "4407-scjgj" });
        await factory.Desk.Handler("4407-scjgj").Do(id, "accept", reader: factory.Desk.Dispatcher);
        await factory.Desk.Handler("4407-scjgj").Do(id, "complete", new { outcome = "已指导企业完成登记。" }, reader: factory.Desk.Dispatcher);
        await factory.Desk.Dispatcher.Do(id, "approve");
        await factory.Desk.Dispatcher.Do(id, "feedback", new { resolved = true, satisfaction = "satisfied" });

        var after = await factory.Desk.Supervisor.GetAsync($"/api/v1/enterprises/figures?year={year}").Ok();
        var it = It(after)!;
        Assert.Equal(itBefore + 1, (int)it["count"]!);
        Assert.Equal(itBefore + 1, (int)it["solved"]!);
        Assert.Equal(itBefore + 1, (int)it["responded"]!);
        Assert.Equal(100.0, (double)it["satisfactionRate"]!);
        Assert.Equal((int)before["all"]!["count"]! + 1, (int)after["all"]!["count"]!);
        var micro = after["bySize"]!.AsArray().Single(g => (string?)g!["key"] == "micro")!;
        Assert.True((int)micro["solved"]! >= 1);
    }
}
