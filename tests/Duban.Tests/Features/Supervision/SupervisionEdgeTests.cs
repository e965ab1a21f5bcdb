using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Features.Matters;
using Duban.Features.Supervision;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Duban.Tests.Features.Supervision.SupervisionScenario;

namespace Duban.Tests.Features.Supervision;

/// <summary>
/// The clock's edges, each a case a review found wrong once: a unit pausing its own overdue
/// matter, a review round extended, steps while the work waits for review, a paused matter's
/// overdue flag, a returned matter's plan, bad bodies, pauses and the yellow point, the filter
/// on every branch of the light, calendar days behind Duban's back, confidential titles in
/// notifications, a deadline beyond the policy's.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class SupervisionEdgeTests
{
    [Fact]
    public async Task Pause_TheUnitCannotStopItsOwnClockOnceLate_ACoordinatorCan_AndTheNoticeMovesOnWithIt()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var id = await desk.Wages("长期欠薪").InProgressAsync();
        desk.MoveTo(At(11, 10, 8));
        await desk.Handler(Rsj).Try(id, "pause", new { kind = "awaiting_raiser", reason = "等待补充材料" }, reader: desk.Dispatcher)
            .Problem(HttpStatusCode.Conflict, "pause_needs_coordinator");
        Assert.Contains("notice", await StepsOn(factory, id));
        await desk.Supervisor.Do(id, "pause", new { kind = "awaiting_raiser", reason = "经核实确需诉求人补充材料" }, reader: desk.Dispatcher);
        // Paused for ten days: no escalation, and none at once after resuming (the notice moved on too).
        desk.MoveTo(At(11, 20, 8));
        Assert.DoesNotContain("escalate", await StepsOn(factory, id));
        await desk.Supervisor.Do(id, "resume", reader: desk.Dispatcher);
        Assert.Equal(At(11, 20), (DateTimeOffset)(await desk.Dispatcher.Get(id))["clock"]!["dueAt"]!);
        Assert.DoesNotContain("escalate", await StepsOn(factory, id));
        // Three working days after the moved notice (Friday 20 November 08:00): the end of Wednesday 25.
        desk.MoveTo(At(11, 25, 23));
        Assert.DoesNotContain("escalate", await StepsOn(factory, id));
        desk.MoveTo(At(11, 26, 9));
        Assert.Contains("escalate", await StepsOn(factory, id));
    }

    [Fact]
    public async Task PendingReview_TheUnitsClockStops_NoNotice_AndASendBackResumesIt()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var id = await desk.Wages("欠薪已办结待审核").InProgressAsync();
        desk.MoveTo(At(11, 5, 9));
        await desk.Handler(Rsj).Do(id, "complete", new { outcome = "已支付" }, reader: desk.Dispatcher);
        desk.MoveTo(At(11, 20, 8));
        Assert.DoesNotContain("notice", await StepsOn(factory, id));
        var clock = (await desk.Dispatcher.Get(id))["clock"]!;
        Assert.Equal(("green", "review"), ((string?)clock["light"], (string?)clock["paused"]!["kind"]));
        Assert.False((bool)(await desk.Dispatcher.Get(id))["overdue"]!);
        // Sent back after 15 days under review: the unit gets those 15 days back.
        await desk.Dispatcher.Do(id, "send-back", new { reason = "请补充支付凭证" });
        clock = (await desk.Dispatcher.Get(id))["clock"]!;
        Assert.Equal(At(11, 10).AddDays(15).AddHours(-1), (DateTimeOffset)clock["dueAt"]!);
        Assert.Null(clock["paused"]);
        await desk.Handler(Rsj).Do(id, "complete", new { outcome = "已补充凭证" }, reader: desk.Dispatcher);
        await desk.Dispatcher.Do(id, "approve");
        Assert.Null((await desk.Dispatcher.Get(id))["clock"]!["paused"]);
    }

    [Fact]
    public async Task Paused_TheOverdueFlagAndFilterReadTheClockAsTheLightDoes()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var tag = "暂停中的欠薪投诉" + Guid.NewGuid().ToString("N")[..6];
        var id = await desk.Wages(tag).InProgressAsync();
        await desk.Handler(Rsj).Do(id, "pause", new { kind = "awaiting_raiser", reason = "等待补充材料" }, reader: desk.Dispatcher);
        desk.MoveTo(At(11, 20, 8));
        var item = (await desk.Supervisor.GetAsync("/api/v1/matters?q=" + Uri.EscapeDataString(tag)).Ok())["items"]![0]!;
        Assert.Equal((false, "green"), ((bool)item["overdue"]!, (string?)item["light"]));
        var overdue = await desk.Supervisor.GetAsync("/api/v1/matters?overdue=true&q=" + Uri.EscapeDataString(tag)).Ok();
        Assert.Empty(overdue["items"]!.AsArray());
        var notOverdue = await desk.Supervisor.GetAsync("/api/v1/matters?overdue=false&q=" + Uri.EscapeDataString(tag)).Ok();
        Assert.Single(notOverdue["items"]!.AsArray());
    }

    [Fact]
    public async Task Return_TheNextUnitStartsWithoutTheOldUnitsPlanOrPause()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var id = await desk.Wages("欠薪 退回后再交办").InProgressAsync();
        await desk.Handler(Rsj).Do(id, "plan", new { milestones = new[] { new { title = "约谈老板", dueAt = At(11, 3, 12), weight = 1 } } }, reader: desk.Dispatcher);
        await desk.Handler(Rsj).Do(id, "pause", new { kind = "awaiting_raiser", reason = "等待补充材料" }, reader: desk.Dispatcher);
        await desk.Handler(Rsj).Do(id, "return", new { reason = "不属于本单位职责" }, reader: desk.Dispatcher);
        Assert.Null((await desk.Dispatcher.Get(id))["clock"]!["paused"]);
        await desk.Dispatcher.Do(id, "dispatch", new { leadUnitCode = "440781115" });
        desk.MoveTo(At(11, 3, 13));
        var clock = (await desk.Dispatcher.Get(id))["clock"]!;
        Assert.Empty(clock["milestones"]!.AsArray());
        Assert.Equal("green", (string?)clock["light"]);
        // The old plan is still on record, in the plan event.
        Assert.Contains("plan", (await desk.Dispatcher.Get(id)).Actions());
        await using var scope = factory.Scope();
        var report = await factory.Verify(factory.Db(scope));
        Assert.True(report.Intact, report.FirstProblem);
    }

    [Fact]
    public async Task BadBodies_Are400_Not500()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var id = await desk.Wages("欠薪 坏请求").InProgressAsync();
        var body = new JsonObject { ["version"] = await desk.Dispatcher.Version(id), ["milestones"] = new JsonArray((JsonNode?)null) };
        Assert.Equal(HttpStatusCode.BadRequest, (await desk.Handler(Rsj).PostAsync($"/api/v1/matters/{id}/plan", JsonContent(body))).StatusCode);
        foreach (var action in new[] { "pause", "key-supervision", "accept", "plan", "milestone", "resume" })
        {
            var r = await desk.Supervisor.PostAsync($"/api/v1/matters/{id}/{action}", new StringContent("null", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        }
        await desk.Handler(Rsj).Do(id, "pause", new { kind = "awaiting_raiser", reason = "等待补充材料" }, reader: desk.Dispatcher);
        await desk.Handler(Rsj).Try(id, "resume", new { note = new string('长', 2001) }, reader: desk.Dispatcher).Problem(HttpStatusCode.BadRequest);
        await desk.Supervisor.Try(id, "urge", new { note = new string('催', 2001) }, reader: desk.Dispatcher).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Pauses_AreNotTimeUsed_TheYellowPointAndShareKeepToIt()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var id = await desk.Wages("欠薪 暂停后重点督办").InProgressAsync();
        desk.MoveTo(At(11, 3, 9));
        await desk.Handler(Rsj).Do(id, "pause", new { kind = "awaiting_raiser", reason = "等待补充材料" }, reader: desk.Dispatcher);
        desk.MoveTo(At(11, 13, 9));
        await desk.Handler(Rsj).Do(id, "resume", reader: desk.Dispatcher);
        var clock = (await desk.Dispatcher.Get(id))["clock"]!;
        var before = (DateTimeOffset)clock["yellowAt"]!;
        // 24 of the 183 working hours used: 0.131.
        Assert.Equal(0.131, (double)clock["usedShare"]!);
        await desk.Supervisor.Do(id, "key-supervision", new { on = true, reason = "重点" });
        // Half of the 183 hours after the start, plus the 10 days paused: 13 November 00:30 + 10 days.
        Assert.Equal(At(11, 6, 4, 30).AddDays(10), (DateTimeOffset)(await desk.Dispatcher.Get(id))["clock"]!["yellowAt"]!);
        await desk.Supervisor.Do(id, "key-supervision", new { on = false, reason = "解除" });
        Assert.Equal(before, (DateTimeOffset)(await desk.Dispatcher.Get(id))["clock"]!["yellowAt"]!);
    }

    [Fact]
    public async Task TheFilterAgreesWithTheLight_ForPausedAndWeeklyProgressBranches()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var tag = "R9" + Guid.NewGuid().ToString("N")[..6];
        var paused = await desk.Wages(tag + " paused").InProgressAsync();
        var key = await desk.Wages(tag + " key").Due(At(12, 31)).Noting("市领导批示，年底前办结").InProgressAsync();
        await desk.Handler(Rsj).Do(paused, "pause", new { kind = "awaiting_raiser", reason = "x" }, reader: desk.Dispatcher);
        await desk.Supervisor.Do(key, "key-supervision", new { on = true, reason = "x" });
        desk.MoveTo(At(11, 20, 9));
        var lights = new List<string?>();
        foreach (var id in new[] { paused, key })
        {
            var light = (string?)(await desk.Dispatcher.Get(id))["clock"]!["light"];
            lights.Add(light);
            var found = new List<string>();
            foreach (var l in Light.All)
            {
                var page = await desk.Supervisor.GetAsync($"/api/v1/matters?light={l}&q={Uri.EscapeDataString(tag)}").Ok();
                if (page["items"]!.AsArray().Any(i => (long)i!["id"]! == id)) found.Add(l);
            }
            Assert.Equal(new[] { light! }, found.ToArray());
        }
        Assert.Equal(["green", "yellow"], lights); // paused while green; no progress for 18 days under 重点督办
    }

    [Fact]
    public async Task ADeadlineBeyondThePolicys_IsRecordedBesideIt()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var id = await desk.Dispatcher.Register(NewMatter.Wages("欠薪 自定期限"));
        await desk.Dispatcher.Do(id, "dispatch", new { leadUnitCode = "440781-rsj", dueAt = At(11, 30), note = "涉及多个工地，需联合执法" });
        var dispatch = (await desk.Dispatcher.Get(id))["events"]!.AsArray().Last(e => (string?)e!["action"] == "dispatch")!["data"]!;
        Assert.Equal(At(11, 10), (DateTimeOffset)dispatch["policyDueAt"]!);
        Assert.True((bool)dispatch["beyondPolicy"]!);
        Assert.Equal(At(11, 30), (DateTimeOffset)dispatch["after"]!["dueAt"]!);
        var within = await desk.Wages("欠薪 按策略期限").DispatchedAsync();
        Assert.False((bool)(await desk.Dispatcher.Get(within))["events"]!.AsArray().Last(e => (string?)e!["action"] == "dispatch")!["data"]!["beyondPolicy"]!);
    }

    [Fact]
    public async Task AConfidentialMatter_TheNotificationsNameItsNumberOnly()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var id = await desk.Matter(NewMatter.Wages("举报台城某厂长欠薪并威胁工人", "厂长拖欠工资。").Marked(confidential: true) with { Urgency = "normal" })
            .Lead(Rsj).DispatchedAsync();
        await desk.Supervisor.Do(id, "urge", new { note = "请尽快办理" }, reader: desk.Dispatcher);
        desk.MoveTo(At(11, 10, 8));
        await StepsOn(factory, id);
        await using var scope = factory.Scope();
        var notes = await factory.Db(scope).Notifications.Where(n => n.MatterId == id).ToListAsync();
        Assert.Equal(["dispatch", "urge", "notice"], notes.OrderBy(n => n.Id).Select(n => n.Kind)); // already past the deadline: no reminder
        Assert.All(notes, n => Assert.DoesNotContain("厂长", n.Title + n.Body + n.TitleEn + n.BodyEn, StringComparison.Ordinal));
        Assert.All(notes, n => Assert.Contains("【保密】", n.Title, StringComparison.Ordinal));
    }

    private static StringContent JsonContent(JsonNode n) => new(n.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}

[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class CalendarAuditTests
{
    [Fact]
    public async Task ADayOffWrittenBehindDubansBack_FailsAuditVerify_ButOnesAddedThroughDubanPass()
    {
        var factory = DubanFactory.StartingAt(new DateTimeOffset(2026, 11, 2, 1, 0, 0, TimeSpan.Zero));
        await using var _ = factory;
        await factory.InitializeAsync();
        var admin = await factory.As("admin");
        var added = await (await admin.PostAsJsonAsync("/api/v1/calendar/days", new { day = "2026-12-24", kind = "day_off", name = "台风停工" })).Json(HttpStatusCode.Created);
        await (await admin.PostAsJsonAsync("/api/v1/calendar/years/2027", new { entries = new[] { new { day = "2027-01-01", kind = "day_off", name = "元旦" } } })).Json(HttpStatusCode.Created);
        await admin.DeleteAsync($"/api/v1/calendar/days/{(long)added["id"]!}");
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var report = await factory.Verify(db);
        Assert.True(report.Intact, report.FirstProblem);
        db.CalendarDays.Add(new Duban.Data.CalendarDay { Day = "2026-11-04", Kind = "day_off", Name = "伪造停工日", Active = true, CreatedAt = DateTimeOffset.UtcNow, CreatedBy = "nobody" });
        await db.SaveChangesAsync();
        report = await factory.Verify(db);
        Assert.False(report.Intact);
        Assert.Contains("2026-11-04", report.FirstProblem, StringComparison.Ordinal);
    }
}
