using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

using static Duban.Tests.Features.Sources.NewSource;

namespace Duban.Tests.Features.Sources;

/// <summary>
/// Sources of supervised work (Features/Sources): an instruction, a meeting, a campaign and research
/// deploy items to units as tasks, tracked as one piece, reported back, and seen by whom they concern.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class SourcesTests(DubanFactory factory)
{
    private string Day(int days) => NewSource.Day(factory, days);

    private static async Task<JsonNode> Source(HttpClient client, long id) => await client.GetAsync($"/api/v1/sources/{id}").Ok();

    private object Instruction(string title, params object[] items) => NewSource.Instruction(factory, title, items);

    [Fact]
    public async Task Instruction_WithThreeItems_MakesThreeMattersAtThreeUnits()
    {
        var supervisor = factory.Desk.Supervisor;
        var created = await Create(supervisor, Instruction(Unique("关于巩固川岛快递上岛整治成果的批示"),
            Item("优化海岛快递网点布局", "4407-yzj", Day(30), "440781115"),
            Item("拓展海岛冷链快递服务", "440781", Day(45)),
            Item("核查第三方转运收费", "440781-scjgj", Day(20))));
        var matters = created["matters"]!.AsArray().Select(m => (long)m!).ToList();
        Assert.Equal(3, matters.Count);

        var leads = new List<string>();
        foreach (var id in matters)
        {
            var m = await supervisor.Get(id);
            Assert.Equal(("task", "instruction", "dispatched"), ((string?)m["kind"], (string?)m["channel"], (string?)m["status"]));
            Assert.Equal((long)created["id"]!, (long)m["facets"]!["source"]!["id"]!);
            leads.Add((string)m["leadUnit"]!["code"]!);
        }
        Assert.Equal(["4407-yzj", "440781", "440781-scjgj"], leads);
        // Due at the end of the given China day.
        var first = await supervisor.Get(matters[0]);
        Assert.Equal(Clock.StartOfChinaDay(DateOnly.Parse(Day(31), CultureInfo.InvariantCulture)), (DateTimeOffset)first["dueAt"]!);

        var source = await Source(supervisor, (long)created["id"]!);
        Assert.Equal(("open", 0, "green", "whole"), ((string?)source["status"], (int)source["progress"]!, (string?)source["light"], (string?)source["sight"]));
        Assert.Equal(matters, source["items"]!.AsArray().Select(i => (long)i!["matterId"]!));
        Assert.Equal(Day(30), (string?)source["items"]![0]!["dueDate"]);
        Assert.Equal("市政府主要领导", (string?)source["details"]!["leader"]);
        // Audited: the source's event, and each item's first event on its own chain.
        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Fact]
    public async Task UnitHandler_SeesOnlyItsOwnItem_AndAnotherUnitNothing()
    {
        var created = await Create(factory.Desk.Supervisor, Instruction(Unique("关于企业诉求快速响应的批示"),
            Item("梳理中小企业诉求办理堵点", "4407-gxj", Day(30)),
            Item("建立诉求办理回访机制", "4407-fgj", Day(30))));
        var id = (long)created["id"]!;
        var gxj = factory.Desk.Handler("4407-gxj");

        var seen = await Source(gxj, id);
        Assert.Equal("own", (string?)seen["sight"]);
        Assert.Equal([(long)created["matters"]![0]!], seen["items"]!.AsArray().Select(i => (long)i!["matterId"]!));
        Assert.Null(seen["details"]);
        Assert.Empty(seen["children"]!.AsArray());
        var listed = await gxj.GetAsync("/api/v1/sources?type=instruction&pageSize=100").Ok();
        Assert.Equal(1, (int)listed["items"]!.AsArray().Single(s => (long)s!["id"]! == id)!["items"]!);
        // The other unit's matter stays out of reach, and a unit with no item sees no source at all.
        Assert.Equal(HttpStatusCode.NotFound, (await gxj.GetAsync($"/api/v1/matters/{(long)created["matters"]![1]!}")).StatusCode);
        await factory.Desk.Handler("440781115").GetAsync($"/api/v1/sources/{id}").Problem(HttpStatusCode.NotFound);
        // A unit holding an item does not manage the source.
        await (await gxj.PostAsJsonAsync($"/api/v1/sources/{id}/report", new { text = "已办结" })).Json(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task ClosingEveryItem_ThenReportingBack_ClosesTheSource()
    {
        var supervisor = factory.Desk.Supervisor;
        var created = await Create(supervisor, Instruction(Unique("关于海岛冷链快递的批示"),
            Item("拓展海岛冷链快递服务", "4407-yzj", Day(30)), Item("优化投递时效", "440781115", Day(30))));
        var id = (long)created["id"]!;
        var matters = created["matters"]!.AsArray().Select(m => (long)m!).ToArray();

        await supervisor.PostAsJsonAsync($"/api/v1/sources/{id}/report", new { text = "已全部办结" }).Problem(HttpStatusCode.Conflict, "items_open");
        var yzj = factory.Desk.Handler("4407-yzj");
        await yzj.Do(matters[0], "accept");
        await yzj.Do(matters[0], "progress", new { note = "冷链快递线路已开通", progress = 60 });
        Assert.Equal(30, (int)(await Source(supervisor, id))["progress"]!);
        await yzj.Do(matters[0], "complete", new { outcome = "海岛冷链快递服务已开通" });
        await factory.Desk.Dispatcher.Do(matters[0], "approve");
        Assert.Equal(50, (int)(await Source(supervisor, id))["progress"]!);

        await (await supervisor.PostAsJsonAsync($"/api/v1/sources/{id}/report", new { text = "尚未" })).Json(HttpStatusCode.Conflict);
        var town = factory.Desk.Handler("440781115");
        await town.Do(matters[1], "accept");
        await town.Do(matters[1], "complete", new { outcome = "投递时效提升至次日达" });
        await factory.Desk.Dispatcher.Do(matters[1], "approve");

        await supervisor.PostAsJsonAsync($"/api/v1/sources/{id}/report", new { text = "" }).Problem(HttpStatusCode.BadRequest);
        var reported = await supervisor.PostAsJsonAsync($"/api/v1/sources/{id}/report", new { text = "两项任务均已办结，已向市领导报告办理结果。" }).Ok();
        Assert.Equal(("reported", 100, null), ((string?)reported["status"], (int)reported["progress"]!, (string?)reported["light"]));
        Assert.Equal("两项任务均已办结，已向市领导报告办理结果。", (string?)reported["report"]);
        await supervisor.PostAsJsonAsync($"/api/v1/sources/{id}/report", new { text = "再次报告" }).Problem(HttpStatusCode.Conflict, "source_reported");
        await supervisor.PostAsJsonAsync($"/api/v1/sources/{id}/items", new { items = new[] { Item("补充任务", "4407-yzj", Day(10)) } })
            .Problem(HttpStatusCode.Conflict, "source_reported");
        var listed = await supervisor.GetAsync("/api/v1/sources?status=reported&type=instruction&pageSize=100").Ok();
        Assert.Contains(listed["items"]!.AsArray(), s => (long)s!["id"]! == id);
    }

    private object Campaign(string title, bool confidential = false, params object[] items) => new
    {
        type = "campaign",
        title,
        date = Day(0),
        ownerUnitCode = "4407-jw",
        confidential,
        leadUnitCode = "4407-jw",
        unitCodes = new[] { "4407-yzj", "440781115" },
        measures = new[]
        {
            new { key = "yuan_saved", name = "每年为群众节省取件额外开支", unit = "元/年" },
            new { key = "residents_benefiting", name = "惠及群众", unit = "人" },
        },
        items,
    };

    [Fact]
    public async Task Campaign_MeasuresSumFromItsCompletedTasks_AndUndeclaredOnesAre400s()
    {
        var jw = factory.Desk.Handler("4407-jw");
        var created = await Create(jw, Campaign(Unique("川岛快递过海费专项整治"), false,
            Item("快递全品牌上岛", "4407-yzj", Day(30)), Item("规范转运收费", "440781115", Day(30))));
        var id = (long)created["id"]!;
        var (post, town) = ((long)created["matters"]![0]!, (long)created["matters"]![1]!);
        var yzj = factory.Desk.Handler("4407-yzj");
        await yzj.Do(post, "accept");

        var undeclared = await yzj.Try(post, "complete", new { outcome = "已上岛", measures = new { parcels = 800000 } }).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("measures.parcels", (string?)undeclared["title"], StringComparison.Ordinal);
        await yzj.Try(post, "complete", new { outcome = "已上岛", measures = new { yuan_saved = -1 } }).Problem(HttpStatusCode.BadRequest);
        Assert.Equal("in_progress", (string?)(await yzj.Get(post))["status"]);

        await yzj.Do(post, "complete", new { outcome = "10家快递品牌全部上岛", measures = new { yuan_saved = 2_000_000, residents_benefiting = 7000 } });
        var town_ = factory.Desk.Handler("440781115");
        await town_.Do(town, "accept");
        await town_.Do(town, "complete", new { outcome = "转运收费已规范", measures = new { yuan_saved = 1_000_000.5, residents_benefiting = 4000 } });
        var measures = (await Source(jw, id))["measures"]!.AsArray();
        Assert.Equal([("yuan_saved", 3_000_000.5), ("residents_benefiting", 11000.0)],
            measures.Select(m => ((string)m!["key"]!, (double)m["total"]!)));
        // The recorded values are in the task's detail and its chain.
        var detail = await yzj.Get(post);
        Assert.Equal(2_000_000, (double)detail["facets"]!["source"]!["measures"]![0]!["value"]!);
        Assert.Equal(2_000_000, (double)detail["events"]!.AsArray().Last()!["data"]!["measures"]!["yuan_saved"]!);
        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);

        // A task of no campaign takes no measures.
        var instruction = await Create(factory.Desk.Supervisor, Instruction(Unique("关于快递服务的批示"), Item("提升投递时效", "4407-yzj", Day(30))));
        var plain = (long)instruction["matters"]![0]!;
        await yzj.Do(plain, "accept");
        await yzj.Try(plain, "complete", new { outcome = "已办结", measures = new { yuan_saved = 1 } }).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ResearchThenMeetingThenItems_ReadsEndToEnd()
    {
        var congress = factory.Desk.Handler("4407-rd");
        var research = await Create(congress, new
        {
            type = "research",
            title = Unique("关于创新驱动发展的专题调研报告"),
            date = Day(0),
            ownerUnitCode = "4407-rd",
            theme = "创新驱动",
            group = "创新驱动专题调研组",
            findings = "科技成果转化率不高，企业研发投入不足。",
        });
        var meeting = await Create(congress, new
        {
            type = "meeting",
            title = Unique("创新驱动专题会议"),
            date = Day(0),
            ownerUnitCode = "4407-rd",
            parentId = (long)research["id"]!,
            meetingKind = "thematic",
            chair = "市人大常委会副主任",
            minutes = "会议交办调研发现的问题。",
            items = new[] { Item("提高科技成果转化率", "4407-kjj", Day(60)), Item("引导企业加大研发投入", "4407-gxj", Day(60)) },
        });
        var meetingId = (long)meeting["id"]!;
        var top = await Source(congress, (long)research["id"]!);
        Assert.Equal([meetingId], top["children"]!.AsArray().Select(c => (long)c!));
        var middle = await Source(congress, meetingId);
        Assert.Equal((long)research["id"]!, (long)middle["parentId"]!);
        Assert.Equal("research", (string?)middle["ancestors"]![0]!["type"]);
        Assert.Equal(2, middle["items"]!.AsArray().Count);
        // The item's matter leads back to the meeting, and the meeting to the research.
        var item = await factory.Desk.Supervisor.Get((long)meeting["matters"]![0]!);
        Assert.Equal(meetingId, (long)item["facets"]!["source"]!["id"]!);
        // A parent one may not see is refused by name.
        var other = await (await factory.Desk.Handler("4407-gxj").PostAsJsonAsync("/api/v1/sources", new
        {
            type = "meeting",
            title = "工信局专题会",
            ownerUnitCode = "4407-gxj",
            parentId = (long)research["id"]!,
        })).Json(HttpStatusCode.Forbidden);
        Assert.NotNull(other);
        var hidden = await factory.Desk.Supervisor.PostAsJsonAsync("/api/v1/sources", new
        {
            type = "meeting",
            title = "专题会",
            ownerUnitCode = "4407-dcs",
            parentId = 999_999_999,
        }).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("parentId", (string?)hidden["title"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lists_FilterByKindChannelAndSourceType()
    {
        var supervisor = factory.Desk.Supervisor;
        var meeting = await Create(supervisor, new
        {
            type = "meeting",
            title = Unique("全市高质量发展大会议定事项"),
            ownerUnitCode = "4407-dcs",
            meetingKind = "work_conference",
            items = new[] { Item("推动制造业当家重点任务", "4407-gxj", Day(90)) },
        });
        var item = (long)meeting["matters"]![0]!;
        var number = (string)(await supervisor.Get(item))["number"]!;
        var byChannel = await supervisor.GetAsync($"/api/v1/matters?channel=meeting&q={number}").Ok();
        Assert.Equal(item, (long)byChannel["items"]![0]!["id"]!);
        Assert.Empty((await supervisor.GetAsync($"/api/v1/matters?channel=campaign&q={number}").Ok())["items"]!.AsArray());
        Assert.Single((await supervisor.GetAsync($"/api/v1/matters?kind=task&channel=meeting&q={number}").Ok())["items"]!.AsArray());
        Assert.Empty((await supervisor.GetAsync($"/api/v1/matters?kind=complaint&q={number}").Ok())["items"]!.AsArray());

        var meetings = await supervisor.GetAsync("/api/v1/sources?type=meeting&pageSize=100").Ok();
        Assert.All(meetings["items"]!.AsArray(), s => Assert.Equal("meeting", (string?)s!["type"]));
        Assert.Contains(meetings["items"]!.AsArray(), s => (long)s!["id"]! == (long)meeting["id"]!);
        Assert.DoesNotContain((await supervisor.GetAsync("/api/v1/sources?type=campaign&pageSize=100").Ok())["items"]!.AsArray(),
            s => (long)s!["id"]! == (long)meeting["id"]!);
        foreach (var (query, field) in new[] { ("type=bogus", "type"), ("status=closed", "status"), ("light=blue", "light"), ("pageSize=1000", "pageSize") })
        {
            var problem = await supervisor.GetAsync("/api/v1/sources?" + query).Problem(HttpStatusCode.BadRequest);
            Assert.StartsWith(field, (string?)problem["title"], StringComparison.Ordinal);
        }
        Assert.StartsWith("channel", (string?)(await supervisor.GetAsync("/api/v1/matters?channel=bogus").Problem(HttpStatusCode.BadRequest))["title"],
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task LightFilter_ARedSourceIsOneWithAnOverdueItem()
    {
        await using var app = new DubanFactory();
        await app.InitializeAsync();
        var supervisor = app.Desk.Supervisor;
        string DayOf(int days) => NewSource.Day(app, days);
        var late = await (await supervisor.PostAsJsonAsync("/api/v1/sources", new
        {
            type = "meeting",
            title = "常务会议议定事项",
            ownerUnitCode = "4407-dcs",
            items = new[] { Item("短期任务", "4407-gxj", DayOf(1)), Item("长期任务", "4407-fgj", DayOf(200)) },
        })).Json(HttpStatusCode.Created);
        var calm = await (await supervisor.PostAsJsonAsync("/api/v1/sources", new
        {
            type = "meeting",
            title = "工作会议议定事项",
            ownerUnitCode = "4407-dcs",
            items = new[] { Item("长期任务", "4407-fgj", DayOf(200)) },
        })).Json(HttpStatusCode.Created);
        // Signed for, so that its unit is not late to sign (which would turn it yellow).
        await app.Desk.Handler("4407-fgj").Do((long)calm["matters"]![0]!, "accept");
        app.Desk.MoveTo(app.Clock.GetUtcNow().AddDays(5));
        supervisor = app.Desk.Supervisor;

        var all = await supervisor.GetAsync("/api/v1/sources?type=meeting").Ok();
        Assert.Equal("red", (string?)all["items"]!.AsArray().Single(s => (long)s!["id"]! == (long)late["id"]!)!["light"]);
        var red = await supervisor.GetAsync("/api/v1/sources?light=red&type=meeting").Ok();
        var ids = red["items"]!.AsArray().Select(s => (long)s!["id"]!).ToList();
        Assert.Contains((long)late["id"]!, ids);
        Assert.DoesNotContain((long)calm["id"]!, ids);
        Assert.Equal(1, (int)red["items"]!.AsArray().Single(s => (long)s!["id"]! == (long)late["id"]!)!["overdue"]!);
        var green = (await supervisor.GetAsync("/api/v1/sources?light=green&type=meeting").Ok())["items"]!.AsArray().Select(s => (long)s!["id"]!).ToList();
        Assert.Contains((long)calm["id"]!, green);
        Assert.DoesNotContain((long)late["id"]!, green);
        Assert.Equal("red", (string?)(await supervisor.GetAsync($"/api/v1/sources/{(long)late["id"]!}").Ok())["light"]);

        // A unit sees the light of its own items: 发改局's item is not the late one, so the source is not red to it.
        var fgj = app.Desk.Handler("4407-fgj");
        var own = (await fgj.GetAsync("/api/v1/sources?type=meeting").Ok())["items"]!.AsArray().Single(s => (long)s!["id"]! == (long)late["id"]!)!;
        Assert.NotEqual("red", (string?)own["light"]);
        Assert.DoesNotContain((await fgj.GetAsync("/api/v1/sources?light=red").Ok())["items"]!.AsArray(), s => (long)s!["id"]! == (long)late["id"]!);
    }

    [Fact]
    public async Task TheOwnerFollowsItsItems_OpensThem_AndHearsOfTheirSupervisionNotice()
    {
        await using var app = DubanFactory.StartingAt(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.FromHours(8)));
        await app.InitializeAsync();
        string DayOf(int days) => NewSource.Day(app, days);
        var congress = app.Desk.Handler("4407-rd");
        var meeting = await (await congress.PostAsJsonAsync("/api/v1/sources", new
        {
            type = "meeting",
            title = "创新驱动专题会议",
            ownerUnitCode = "4407-rd",
            meetingKind = "thematic",
            items = new[] { Item("提高科技成果转化率", "4407-gxj", DayOf(2)) },
        })).Json(HttpStatusCode.Created);
        var item = (long)meeting["matters"]![0]!;

        // The congress office opens its item (it follows it) but does not handle it; another unit still sees nothing of it.
        Assert.Equal("4407-gxj", (string?)(await congress.Get(item))["leadUnit"]!["code"]);
        Assert.Contains((await congress.Try(item, "accept")).StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.Conflict });
        await app.Desk.Handler("4407-fgj").GetAsync($"/api/v1/matters/{item}").Problem(HttpStatusCode.NotFound);
        // A county's supervisor sees a task in its county without holding it: the matter shows no source it could not open.
        var town = await (await app.Desk.Supervisor.PostAsJsonAsync("/api/v1/sources", Instruction("关于海岛快递的批示", Item("优化投递", "440781115", DayOf(30)))))
            .Json(HttpStatusCode.Created);
        Assert.Null((await app.Desk.CountySupervisor("440781").Get((long)town["matters"]![0]!))["facets"]!["source"]);

        app.Desk.MoveTo(app.Clock.GetUtcNow().AddDays(10));
        for (var i = 0; i < 3; i++) await app.Services.GetRequiredService<Duban.Features.Supervision.SupervisionSteps>().RunAsync(default);
        var inbox = (await app.Desk.Handler("4407-rd").GetAsync("/api/v1/notifications?pageSize=100").Ok())["items"]!.AsArray();
        Assert.Contains(inbox, n => (long?)n!["matterId"] == item && (string?)n["kind"] == Duban.Features.Supervision.SupervisionSteps.Notice);
    }

    [Fact]
    public async Task Visibility_ForEveryRole()
    {
        var jw = factory.Desk.Handler("4407-jw");
        var secret = await Create(jw, Campaign(Unique("纪检监察专项整治"), confidential: true, Item("核查违规收费问题线索", "4407-yzj", Day(30))));
        var open = await Create(factory.Desk.Supervisor, Instruction(Unique("关于快递服务的批示"), Item("提升投递时效", "4407-yzj", Day(30))));
        var (secretId, openId) = ((long)secret["id"]!, (long)open["id"]!);

        // The confidential source: its owner's line only. Not the city's supervisors, leaders or administrators,
        // and not the unit holding its item, whose task shows no source.
        Assert.Equal("whole", (string?)(await Source(jw, secretId))["sight"]);
        foreach (var who in new[] { "supervisor", "leader", "admin", "dispatcher", "h-4407-yzj", "s-440781" })
        {
            await factory.Desk.As(who).GetAsync($"/api/v1/sources/{secretId}").Problem(HttpStatusCode.NotFound);
            Assert.DoesNotContain((await factory.Desk.As(who).GetAsync("/api/v1/sources?type=campaign&pageSize=100").Ok())["items"]!.AsArray(),
                s => (long)s!["id"]! == secretId);
        }
        var task = await factory.Desk.Handler("4407-yzj").Get((long)secret["matters"]![0]!);
        Assert.Null(task["facets"]!["source"]);

        // An open source: whole to its owner and the city's supervisors, leaders and administrators; own items to the unit
        // holding one; nothing to a dispatcher, a county supervisor or a unit without an item.
        foreach (var who in new[] { "supervisor", "leader", "admin" }) Assert.Equal("whole", (string?)(await Source(factory.Desk.As(who), openId))["sight"]);
        Assert.Equal("own", (string?)(await Source(factory.Desk.Handler("4407-yzj"), openId))["sight"]);
        foreach (var who in new[] { "dispatcher", "s-440781", "h-4407-gxj" })
            await factory.Desk.As(who).GetAsync($"/api/v1/sources/{openId}").Problem(HttpStatusCode.NotFound);

        // Creating: the owner's supervisors and supervising bodies, not a department's handler nor for a unit out of reach.
        await (await factory.Desk.Handler("4407-gxj").PostAsJsonAsync("/api/v1/sources", Instruction("越权批示"))).Json(HttpStatusCode.Forbidden);
        await (await factory.Desk.CountySupervisor("440781").PostAsJsonAsync("/api/v1/sources", Instruction("县级越权"))).Json(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task BadInput_IsA400NamingTheField_AndNothingIsHalfCreated()
    {
        var supervisor = factory.Desk.Supervisor;
        var title = Unique("半途而废的批示");
        var cases = new (object Body, string Field)[]
        {
            (new { type = "memo", title, ownerUnitCode = "4407-dcs" }, "type"),
            (new { type = "instruction", title = "", ownerUnitCode = "4407-dcs", leader = "市长" }, "title"),
            (new { type = "instruction", title, ownerUnitCode = "4407-nope", leader = "市长" }, "ownerUnitCode"),
            (new { type = "instruction", title, ownerUnitCode = "4407-dcs" }, "leader"),
            (new { type = "instruction", title, ownerUnitCode = "4407-dcs", leader = "市长", date = "2026-13-40" }, "date"),
            (new { type = "campaign", title, ownerUnitCode = "4407-dcs" }, "leadUnitCode"),
            (new { type = "research", title, ownerUnitCode = "4407-dcs" }, "theme"),
            (new { type = "instruction", title, ownerUnitCode = "4407-dcs", leader = "市长",
                measures = new[] { new { key = "yuan_saved", name = "节省", unit = "元" } } }, "measures"),
            (new { type = "instruction", title, ownerUnitCode = "4407-dcs", leader = "市长",
                items = new[] { Item("好的一项", "4407-gxj", Day(10)), Item("坏的一项", "4407-nope", Day(10)) } }, "items[1].leadUnitCode"),
            (new { type = "instruction", title, ownerUnitCode = "4407-dcs", leader = "市长", items = new[] { Item("过期", "4407-gxj", Day(-1)) } }, "items[0].dueDate"),
            (new { type = "instruction", title, ownerUnitCode = "4407-dcs", leader = "市长", items = new[] { Item("协办", "4407-gxj", Day(5), "4407-nope") } }, "items[0].unit"),
        };
        var before = (int)(await supervisor.GetAsync("/api/v1/sources?pageSize=1").Ok())["total"]!;
        foreach (var (body, field) in cases)
        {
            var problem = await supervisor.PostAsJsonAsync("/api/v1/sources", body).Problem(HttpStatusCode.BadRequest);
            Assert.StartsWith(field, (string?)problem["title"], StringComparison.Ordinal);
        }
        Assert.Equal(before, (int)(await supervisor.GetAsync("/api/v1/sources?pageSize=1").Ok())["total"]!);
        Assert.Empty((await supervisor.GetAsync("/api/v1/matters?q=好的一项&kind=task").Ok())["items"]!.AsArray());
        await supervisor.GetAsync("/api/v1/sources/999999999").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AddedItems_JoinTheSource_NumberedOn()
    {
        var supervisor = factory.Desk.Supervisor;
        var created = await Create(supervisor, Instruction(Unique("关于优化营商环境的批示"), Item("清理涉企收费", "4407-fgj", Day(30))));
        var id = (long)created["id"]!;
        var added = await supervisor.PostAsJsonAsync($"/api/v1/sources/{id}/items", new { items = new[] { Item("压缩审批时限", "4407-gxj", Day(40)) } }).Ok();
        Assert.Single(added["matters"]!.AsArray());
        var source = await Source(supervisor, id);
        Assert.Equal([(long)created["matters"]![0]!, (long)added["matters"]![0]!], source["items"]!.AsArray().Select(i => (long)i!["matterId"]!));
        await supervisor.PostAsJsonAsync($"/api/v1/sources/{id}/items", new { items = Array.Empty<object>() }).Problem(HttpStatusCode.BadRequest);
    }
}
