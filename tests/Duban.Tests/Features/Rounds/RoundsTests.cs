using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Rounds;

/// <summary>
/// Inspection rounds as data: seeded once from data/dispatch/rounds.json, kept by the city's
/// administrators, followed by routing and shown to the public. Each test on a deployment of its
/// own, its clock inside the shipped round (十四届市委第八轮巡察, 2025-11-20 to 2026-01-31): a change
/// of rounds changes where reports go, which the shared database's other tests must not see.
/// </summary>
[Trait("Category", "Database")]
public sealed class RoundsTests
{
    private static readonly DateTimeOffset DuringTheRound = new(2025, 12, 5, 10, 0, 0, TimeSpan.FromHours(8));

    private static async Task<DubanFactory> StartAsync()
    {
        var factory = DubanFactory.StartingAt(DuringTheRound);
        factory.Settings["Duban:Demo:Matters"] = "false";
        await factory.InitializeAsync();
        return factory;
    }

    /// <summary>The shipped round's groups as a request body, with <paramref name="edit"/> applied.</summary>
    private static JsonObject Body(JsonNode round, Action<JsonArray>? edit = null, string? from = null, string? to = null)
    {
        var groups = new JsonArray(round["groups"]!.AsArray().Select(g => (JsonNode)new JsonObject
        {
            ["code"] = (string)g!["group"]!["code"]!,
            ["inspects"] = new JsonArray(g["inspects"]!.AsArray().Select(u => (JsonNode)JsonValue.Create((string)u!["code"]!)).ToArray()),
        }).ToArray());
        edit?.Invoke(groups);
        return new JsonObject
        {
            ["version"] = (int)round["version"]!,
            ["name"] = (string)round["name"]!,
            ["from"] = from ?? (string)round["from"]!,
            ["to"] = to ?? (string)round["to"]!,
            ["period"] = (string?)round["period"],
            ["source"] = (string?)round["source"],
            ["groups"] = groups,
            ["note"] = "调整第四、五组分工",
        };
    }

    private static Task<long> ReportAbout(HttpClient dispatcher, string unit) =>
        dispatcher.Register(NewMatter.Report(unit, "反映某单位负责人违规收受礼品", "该负责人春节前后多次收受下属单位赠送的购物卡。").From("匿名群众甲", "13900001111"));

    private static async Task<(string? Rule, string? Lead)> Suggest(HttpClient client, long id)
    {
        var s = await client.GetAsync($"/api/v1/matters/{id}/suggestion").Ok();
        return ((string?)s["rule"], (string?)s["leadUnit"]?["code"]);
    }

    [Fact]
    public async Task Rounds_SeededOnceOnTwoNodes_AdminChangesAreCheckedAndAudited_RoutingFollowsHereAtOnceThereWithinTheRefresh()
    {
        await using var factory = await StartAsync();
        await using var second = await factory.SecondNodeAsync();
        var admin = await factory.As("admin");
        var adminThere = await second.As("admin");
        var dispatcher = await factory.As("dispatcher");
        var dispatcherThere = await second.As("dispatcher");

        // Before anything is saved, routing uses the shipped round: 市委编办 is inspected by the fourth group.
        var report = await ReportAbout(dispatcher, "4407-swbb");
        Assert.Equal(("inspection_round", "4407-xcz4"), await Suggest(dispatcherThere, report));

        // Both nodes list the rounds at once: the shipped round is saved once, with one event by the system.
        var lists = await Task.WhenAll(admin.GetAsync("/api/v1/admin/rounds").Ok(), adminThere.GetAsync("/api/v1/admin/rounds").Ok());
        await using (var scope = factory.Scope())
        {
            var db = factory.Db(scope);
            Assert.Equal(1, await db.InspectionRounds.CountAsync());
            var seeded = await db.Events.AsNoTracking().Where(e => e.Action == "round_added").ToListAsync();
            Assert.Null(Assert.Single(seeded).ActorId); // the system
            Assert.Equal("shipped", (string?)JsonNode.Parse(seeded[0].Data!)!["via"]);
        }
        var round = Assert.Single(lists[0].AsArray())!;
        Assert.Equal(lists[0].ToJsonString(), lists[1].ToJsonString());
        Assert.Equal("十四届市委第八轮巡察", (string?)round["name"]);
        Assert.True((bool)round["inForce"]!);
        Assert.Equal(1, (int)round["version"]!);
        var first = round["groups"]![0]!;
        Assert.Equal(("4407-xcz1", "18025812388", "jmswxcz001@jiangmen.gov.cn"),
            ((string?)first["group"]!["code"], (string?)first["group"]!["phone"], (string?)first["group"]!["email"]));
        Assert.Equal(["4407-szjggw", "4407-swdx"], first["inspects"]!.AsArray().Select(u => (string)u!["code"]!));
        var id = (long)round["id"]!;
        var url = $"/api/v1/admin/rounds/{id}";

        // 市委编办 moves from the fourth group to the fifth.
        var moved = Body(round, g =>
        {
            g[3]!["inspects"] = new JsonArray("4407-rcgzj");
            g[4]!["inspects"]!.AsArray().Add("4407-swbb");
        });

        // Only the city's administrators.
        await dispatcher.PutAsJsonAsync(url, moved).Problem(HttpStatusCode.Forbidden);
        await dispatcher.GetAsync("/api/v1/admin/rounds").Problem(HttpStatusCode.Forbidden);
        var countyAdmin = await factory.AsCountyAdmin();
        await countyAdmin.PutAsJsonAsync(url, moved).Problem(HttpStatusCode.Forbidden);
        await countyAdmin.PostAsJsonAsync("/api/v1/admin/rounds", moved).Problem(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync("/api/v1/admin/rounds")).StatusCode);

        // The rules: dates in order, a group is an inspection group, inspected units exist and belong to one group only.
        var backwards = await admin.PutAsJsonAsync(url, Body(round, from: "2026-02-01", to: "2026-01-31")).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("to must not be before from", (string?)backwards["title"]);
        var notAGroup = await admin.PutAsJsonAsync(url, Body(round, g => g[0]!["code"] = "4407-swdx")).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("4407-swdx is not an inspection group", (string?)notAGroup["title"]);
        var unknown = await admin.PutAsJsonAsync(url, Body(round, g => g[0]!["inspects"]!.AsArray().Add("4407-nosuch"))).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("4407-nosuch is not a known unit", (string?)unknown["title"]);
        var twice = await admin.PutAsJsonAsync(url, Body(round, g => g[1]!["inspects"]!.AsArray().Add("4407-swdx"))).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("4407-swdx is already inspected by 4407-xcz1", (string?)twice["title"]);
        var noVersion = Body(round);
        noVersion.Remove("version");
        await admin.PutAsJsonAsync(url, noVersion).Problem(HttpStatusCode.BadRequest, "validation");
        await admin.PutAsJsonAsync(url, Body(round)).Problem(HttpStatusCode.Conflict, "no_change");
        await admin.PutAsJsonAsync("/api/v1/admin/rounds/999999", moved).Problem(HttpStatusCode.NotFound);

        var changed = await admin.PutAsJsonAsync(url, moved).Ok();
        Assert.Equal(2, (int)changed["version"]!);
        Assert.Equal("admin", (string?)changed["updatedBy"]);
        // Another administrator who edited version 1 does not overwrite it.
        await adminThere.PutAsJsonAsync(url, Body(round, g => g[0]!["inspects"] = new JsonArray("4407-swdx"))).Problem(HttpStatusCode.Conflict, "stale_version");

        // This node routes by the change at once; the other within Duban:Rounds:RefreshSeconds (60).
        Assert.Equal(("inspection_round", "4407-xcz5"), await Suggest(dispatcher, report));
        factory.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(("inspection_round", "4407-xcz5"), await Suggest(dispatcherThere, report));

        // Withdrawn: a reason is required; then no group takes the report, the discipline commission does.
        await admin.PostAsJsonAsync($"{url}/withdraw", new { version = 2 }).Problem(HttpStatusCode.BadRequest, "validation");
        await admin.PostAsJsonAsync($"{url}/withdraw", new { version = 1, reason = "轮次录入有误" }).Problem(HttpStatusCode.Conflict, "stale_version");
        var withdrawn = await admin.PostAsJsonAsync($"{url}/withdraw", new { version = 2, reason = "轮次录入有误" }).Ok();
        Assert.True((bool)withdrawn["withdrawn"]!);
        Assert.False((bool)withdrawn["inForce"]!);
        await admin.PutAsJsonAsync(url, Body(withdrawn)).Problem(HttpStatusCode.Conflict, "withdrawn");
        Assert.Equal(("discipline", "4407-jw"), await Suggest(dispatcher, report));
        Assert.Empty((await factory.CreateClient().GetAsync("/api/v1/public/rounds").Ok()).AsArray());

        // Each change one event, by the administrator, holding the whole round; the chain verifies.
        await using (var scope = factory.Scope())
        {
            var db = factory.Db(scope);
            var events = await db.Events.AsNoTracking().Where(e => e.Action.StartsWith("round_")).OrderBy(e => e.Seq).ToListAsync();
            Assert.Equal(["round_added", "round_changed", "round_withdrawn"], events.Select(e => e.Action));
            var change = JsonNode.Parse(events[1].Data!)!;
            Assert.Equal(2, (int)change["version"]!);
            Assert.Equal(["4407-swtzb", "4407-swwb", "4407-swbb"], change["groups"]![4]!["inspects"]!.AsArray().Select(u => (string)u!));
            Assert.Equal("调整第四、五组分工", events[1].Reason);
            Assert.Equal("轮次录入有误", events[2].Reason);
            var audit = await factory.Verify(db);
            Assert.True(audit.Intact, audit.FirstProblem);
        }
    }

    [Fact]
    public async Task PublicRounds_ShowOnlyRoundsInForce_WithNoInternalData_AndAReportToAGroupIsConfidentialAndNeverReachesTheInspectedUnit()
    {
        await using var factory = await StartAsync();
        var anyone = factory.CreateClient();

        // As announced: the groups' names, phones, mailboxes and the names of the organisations inspected; nothing else.
        var response = await anyone.GetAsync("/api/v1/public/rounds");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var round = Assert.Single(JsonNode.Parse(text)!.AsArray())!;
        Assert.Equal("2025年11月下旬至2026年1月下旬", (string?)round["period"]);
        Assert.Equal(5, round["groups"]!.AsArray().Count);
        var first = round["groups"]![0]!;
        Assert.Equal("市委第一巡察组", (string?)first["name"]);
        Assert.Equal("18025812388", (string?)first["phone"]);
        Assert.Equal("jmswxcz001@jiangmen.gov.cn", (string?)first["email"]);
        Assert.Equal(["市直机关工委", "市委党校"], first["inspects"]!.AsArray().Select(u => (string)u!));
        foreach (var secret in new[] { "4407-", "version", "createdBy", "updatedBy", "source", "江门日报" }) Assert.DoesNotContain(secret, text);

        // A round that has not begun is not shown; one in force is.
        var admin = await factory.As("admin");
        await (await admin.PostAsJsonAsync("/api/v1/admin/rounds", new
        {
            name = "十四届市委第九轮巡察",
            from = "2026-03-01",
            to = "2026-05-31",
            groups = new[] { new { code = "4407-xcz1", inspects = new[] { "4407-rsj" } } },
        })).Json(HttpStatusCode.Created);
        await (await admin.PostAsJsonAsync("/api/v1/admin/rounds", new
        {
            name = "专项巡察",
            from = "2025-12-01",
            to = "2025-12-31",
            period = "2025年12月",
            groups = new[] { new { code = "4407-xcz2", inspects = new[] { "4407-rcgzj" } } },
        })).Json(HttpStatusCode.Created);
        Assert.Equal(["十四届市委第八轮巡察", "专项巡察"], (await anyone.GetAsync("/api/v1/public/rounds").Ok()).AsArray().Select(r => (string)r!["name"]!));

        // A report to a group: about an organisation inspected now, a report (举报), confidential.
        await anyone.PostAsJsonAsync("/api/v1/public/reports", InspectionReport("440781-rsj")).Problem(HttpStatusCode.BadRequest, "validation");
        await anyone.PostAsJsonAsync("/api/v1/public/reports", InspectionReport("4407-rsj")).Problem(HttpStatusCode.BadRequest, "validation"); // only in the next round
        await anyone.PostAsJsonAsync("/api/v1/public/reports", InspectionReport("")).Problem(HttpStatusCode.BadRequest, "validation");
        await anyone.PostAsJsonAsync("/api/v1/public/reports", InspectionReport("4407-swdx", kind: "complaint")).Problem(HttpStatusCode.BadRequest, "validation");
        var filed = await anyone.File(InspectionReport("4407-swdx"));
        var receipt = (string)filed["receipt"]!;

        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.IdOf(receipt);
        var matter = await dispatcher.Get(id);
        Assert.True((bool)matter["confidential"]!);
        Assert.Equal("report", (string?)matter["kind"]);
        Assert.Equal("4407-swdx", (string?)matter["subject"]!["unit"]!["code"]);
        Assert.DoesNotContain(ReporterName, matter.ToJsonString());
        Assert.Equal(("inspection_round", "4407-xcz1"), await Suggest(dispatcher, id));

        // Never to the school, nor beneath it; its people see neither the matter nor the reporter.
        await dispatcher.Try(id, "dispatch", new { leadUnitCode = "4407-swdx" }).Problem(HttpStatusCode.Conflict, "subject_unit");
        await dispatcher.Do(id, "dispatch", new { accept = true });
        var school = await factory.As("h-4407-swdx");
        await school.GetAsync($"/api/v1/matters/{id}").Problem(HttpStatusCode.NotFound);
        await school.GetAsync($"/api/v1/matters/{id}/raiser").Problem(HttpStatusCode.NotFound);
        Assert.DoesNotContain(receipt, await (await school.GetAsync("/api/v1/matters")).Content.ReadAsStringAsync());
        // The group handling it opens the seal, and that is recorded.
        var group = await factory.As("h-4407-xcz1");
        Assert.Equal(ReporterName, (string?)(await group.GetAsync($"/api/v1/matters/{id}/raiser").Ok())["name"]);

        // After the round, no round is shown and a report to a group is refused.
        factory.Clock.Advance(TimeSpan.FromDays(60));
        Assert.Empty((await anyone.GetAsync("/api/v1/public/rounds").Ok()).AsArray());
        await anyone.PostAsJsonAsync("/api/v1/public/reports", InspectionReport("4407-swdx")).Problem(HttpStatusCode.BadRequest, "validation");
    }

    private const string ReporterName = "党校举报人";

    private static object InspectionReport(string subject, string kind = "report") => new
    {
        kind,
        title = "反映市委党校某负责人违规公款吃喝",
        content = "该负责人多次以调研名义在酒店公款宴请，费用拆分报销。",
        anonymous = false,
        name = ReporterName,
        phone = "13812345678",
        subjectUnitCode = subject,
    };
}
