using System.Net;
using System.Text.Json.Nodes;
using Duban.Features.Matters;
using Duban.Features.Supervision;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Duban.Tests.Features.Supervision.SupervisionScenario;

namespace Duban.Tests.Features.Supervision;

/// <summary>
/// A matter's clock through the API: the policy's deadlines at dispatch, the lights and their
/// filter, pauses, 重点督办, rectification plans, extensions and reviews under a policy, and the
/// automatic steps (reminder, notice, escalation), on a clock that starts on Monday 2 November
/// 2026 at 09:00 China time (no holiday near).
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class SupervisionFlowTests
{
    [Fact]
    public async Task Dispatch_StartsThePolicysClock_ByKindAndUrgency_OrAsNamed()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;

        var general = await desk.Wages("一般欠薪投诉").DispatchedAsync();
        var clock = await desk.ClockAsync(general);
        Assert.Equal("hotline-general", (string?)clock["policy"]!["id"]);
        Assert.Contains("7日", (string?)clock["policy"]!["rule"], StringComparison.Ordinal);
        Assert.Equal(At(11, 10), Time(clock["dueAt"]));      // 7 days: to the end of Monday 9 November
        Assert.Equal(At(11, 4), Time(clock["signDueAt"]));   // 1 working day: to the end of Tuesday 3 November
        Assert.Equal(Monday, Time(clock["startedAt"]));
        Assert.Equal("green", (string?)clock["light"]);

        var emergency = await desk.Wages("工地围墙倒塌压住工人", urgency: "emergency").DispatchedAsync();
        clock = await desk.ClockAsync(emergency);
        Assert.Equal(("hotline-emergency", Monday.AddHours(2), Monday.AddMinutes(30)),
            ((string?)clock["policy"]!["id"], Time(clock["dueAt"]), Time(clock["signDueAt"])));

        var complex = await desk.Wages("多家企业长期欠薪涉及数百人").Under("hotline-complex").DispatchedAsync();
        Assert.Equal(At(11, 18), Time((await desk.ClockAsync(complex))["dueAt"]));

        var petition = await desk.Dispatcher.Register(NewMatter.Petition("信访：工厂拖欠工资"));
        clock = await desk.ClockAsync(petition);
        Assert.Equal(("petition", At(11, 18)), ((string?)clock["policy"]!["id"], Time(clock["acceptDueAt"]))); // decide within 15 days of receipt
        await desk.Dispatcher.Do(petition, "dispatch", new { leadUnitCode = "440781-rsj" });
        Assert.Equal(At(1, 2).AddYears(1), Time((await desk.ClockAsync(petition))["dueAt"])); // 60 days: to the end of 1 January 2027

        // A deadline of the dispatcher's own wins over the policy's; an unknown policy is refused.
        var own = await desk.Dispatcher.Register(NewMatter.Wages("自定期限"));
        await desk.Dispatcher.Try(own, "dispatch", new { leadUnitCode = "440781-rsj", timePolicy = "fortnight" }).Problem(HttpStatusCode.BadRequest);
        await desk.Dispatcher.Do(own, "dispatch", new { leadUnitCode = "440781-rsj", dueAt = At(11, 20, 18), note = "涉及多个工地" });
        Assert.Equal(At(11, 20, 18), Time((await desk.ClockAsync(own))["dueAt"]));

        await using var scope = factory.Scope();
        var report = await factory.Verify(factory.Db(scope));
        Assert.True(report.Intact, report.FirstProblem);
    }

    [Fact]
    public async Task Lights_TurnWithTime_TheListFiltersThemAsShown_AndTheBoardCountsThem()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var tag = "亮灯" + Guid.NewGuid().ToString("N")[..6];
        var signed = await desk.Wages(tag + " 已签收").InProgressAsync();
        var unsigned = await desk.Wages(tag + " 未签收").DispatchedAsync();

        async Task<Dictionary<string, string[]>> Lists()
        {
            var result = new Dictionary<string, string[]>();
            foreach (var light in Light.All)
            {
                var page = await desk.Supervisor.GetAsync($"/api/v1/matters?light={light}&q={Uri.EscapeDataString(tag)}").Ok();
                var items = page["items"]!.AsArray();
                // Each row shows the light it was filtered by: the query and the display share one rule.
                Assert.All(items, i => Assert.Equal(light, (string?)i!["light"]));
                result[light] = [.. items.Select(i => ((string)i!["title"]!)[(tag.Length + 1)..]).Order(StringComparer.Ordinal)];
            }
            return result;
        }

        Assert.Equal(["已签收", "未签收"], (await Lists())["green"]);
        // Past the signing deadline (end of Tuesday) the unsigned one is yellow.
        desk.MoveTo(At(11, 4, 1));
        var lists = await Lists();
        Assert.Equal(["已签收"], lists["green"]);
        Assert.Equal(["未签收"], lists["yellow"]);
        // 75 % of the 183 hours from Monday 09:00 to Tuesday 10 November 00:00 is Sunday 8 November 02:15.
        desk.MoveTo(At(11, 8, 2, 14));
        Assert.Equal(["已签收"], (await Lists())["green"]);
        desk.MoveTo(At(11, 8, 2, 16));
        Assert.Equal(["已签收", "未签收"], (await Lists())["yellow"]);
        desk.MoveTo(At(11, 10, 0, 1));
        Assert.Equal(["已签收", "未签收"], (await Lists())["red"]);
        await desk.Supervisor.GetAsync("/api/v1/matters?light=blue").Problem(HttpStatusCode.BadRequest);

        var board = await desk.Supervisor.GetAsync("/api/v1/supervision/lights?by=unit").Ok();
        var rsj = board["rows"]!.AsArray().Single(r => (string?)r!["code"] == "440781-rsj")!;
        Assert.True((int)rsj["red"]! >= 2);
        Assert.Equal((int)rsj["total"]!, (int)rsj["green"]! + (int)rsj["yellow"]! + (int)rsj["red"]!);
        var county = (await desk.Supervisor.GetAsync("/api/v1/supervision/lights?by=county").Ok())["rows"]!.AsArray()
            .Single(r => (string?)r!["code"] == "440781")!;
        Assert.Equal("台山市人民政府", (string?)county["name"]);
        // 蓬江's supervisor counts none of 台山's.
        var other = await (await factory.As("s-440703")).GetAsync("/api/v1/supervision/lights?by=unit").Ok();
        Assert.DoesNotContain(other["rows"]!.AsArray(), r => (string?)r!["code"] == "440781-rsj");
        await desk.Supervisor.GetAsync("/api/v1/supervision/lights?by=street").Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task WaitingForDispatch_TheLightFollowsTheAcceptanceDeadline_ThenTheUnitsClock()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var tag = "受理时限" + Guid.NewGuid().ToString("N")[..6];
        var petition = await desk.Dispatcher.Register(NewMatter.Petition(tag + " 信访"));
        var complaint = await desk.Dispatcher.Register(NewMatter.Wages(tag + " 投诉"));
        async Task<string?> LightIn(string light, long id)
        {
            var page = await desk.Supervisor.GetAsync($"/api/v1/matters?light={light}&q={Uri.EscapeDataString(tag)}").Ok();
            return page["items"]!.AsArray().Any(i => (long)i!["id"]! == id) ? light : null;
        }
        Assert.Equal("green", (string?)(await desk.ClockAsync(petition))["light"]);
        Assert.Equal("green", await LightIn("green", petition));
        // A complaint's policy sets no acceptance deadline: no light while it waits.
        Assert.Null((string?)(await desk.ClockAsync(complaint))["light"]);
        Assert.Null(await LightIn("green", complaint) ?? await LightIn("yellow", complaint) ?? await LightIn("red", complaint));

        // 15 days from Monday 09:00 end on Wednesday 18 November 00:00: 75 % of those 375 hours is Saturday 14 November 02:15.
        desk.MoveTo(At(11, 14, 2, 14));
        Assert.Equal("green", (string?)(await desk.ClockAsync(petition))["light"]);
        desk.MoveTo(At(11, 14, 2, 16));
        Assert.Equal(("yellow", "yellow"), ((string?)(await desk.ClockAsync(petition))["light"], await LightIn("yellow", petition)));
        desk.MoveTo(At(11, 18, 0, 1));
        Assert.Equal(("red", "red"), ((string?)(await desk.ClockAsync(petition))["light"], await LightIn("red", petition)));
        var board = await desk.Supervisor.GetAsync("/api/v1/supervision/lights?by=unit").Ok();
        Assert.True((int)board["rows"]!.AsArray().Single(r => (string?)r!["code"] == "")!["red"]! >= 1);

        // Dispatched: the unit's own clock, green again; returned: the acceptance deadline again, long past.
        await desk.Dispatcher.Do(petition, "dispatch", new { leadUnitCode = "440781-rsj" });
        Assert.Equal("green", (string?)(await desk.ClockAsync(petition))["light"]);
        await desk.Handler(Rsj).Do(petition, "return", new { reason = "应由信访局先行登记受理" }, reader: desk.Dispatcher);
        Assert.Equal(("red", "red"), ((string?)(await desk.ClockAsync(petition))["light"], await LightIn("red", petition)));
    }

    [Fact]
    public async Task Pause_OnlyForAReasonThePolicyNames_FreezesTheLight_AndResumingMovesTheDeadlineByThePause()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var id = await desk.Wages("欠薪投诉：需诉求人补充工资条").DispatchedAsync();
        await desk.Handler(Rsj).Try(id, "pause", new { kind = "awaiting_raiser", reason = "待补充" }, reader: desk.Dispatcher)
            .Problem(HttpStatusCode.Conflict, "invalid_transition"); // not signed for yet
        await desk.Handler(Rsj).Do(id, "accept", reader: desk.Dispatcher);
        await desk.Handler(Rsj).Try(id, "pause", new { kind = "appraisal", reason = "工伤鉴定" }, reader: desk.Dispatcher)
            .Problem(HttpStatusCode.Conflict, "pause_not_allowed");
        await desk.Handler(Rsj).Try(id, "pause", new { kind = "lunch", reason = "x" }, reader: desk.Dispatcher).Problem(HttpStatusCode.BadRequest);
        await desk.Handler(Rsj).Try(id, "pause", new { kind = "awaiting_raiser" }, reader: desk.Dispatcher).Problem(HttpStatusCode.BadRequest);
        await (await factory.As("h-440781-jw")).Try(id, "pause", new { kind = "awaiting_raiser", reason = "x" }, reader: desk.Dispatcher)
            .Problem(HttpStatusCode.NotFound);

        desk.MoveTo(At(11, 3, 9));
        await desk.Handler(Rsj).Do(id, "pause", new { kind = "awaiting_raiser", reason = "请诉求人补充工资条和劳动合同" }, reader: desk.Dispatcher);
        await desk.Handler(Rsj).Try(id, "pause", new { kind = "awaiting_raiser", reason = "再次" }, reader: desk.Dispatcher).Problem(HttpStatusCode.Conflict, "already_paused");
        // Paused for 10 days: past the old deadline, yet the light stays what it was when it paused.
        desk.MoveTo(At(11, 13, 9));
        var clock = await desk.ClockAsync(id);
        Assert.Equal(("green", "awaiting_raiser", "等待诉求人补充材料"), ((string?)clock["light"], (string?)clock["paused"]!["kind"], (string?)clock["paused"]!["kindName"]));
        Assert.Equal(At(11, 10), Time(clock["dueAt"]));

        await desk.Handler(Rsj).Do(id, "resume", new { note = "材料已补齐" }, reader: desk.Dispatcher);
        clock = await desk.ClockAsync(id);
        Assert.Equal(At(11, 20), Time(clock["dueAt"]));
        Assert.Equal((long)TimeSpan.FromDays(10).TotalMilliseconds, (long)clock["pausedMs"]!);
        Assert.Null(clock["paused"]);
        await desk.Handler(Rsj).Try(id, "resume", reader: desk.Dispatcher).Problem(HttpStatusCode.Conflict, "not_paused");
        var resumed = (await desk.Dispatcher.Get(id))["events"]!.AsArray().Single(e => (string?)e!["action"] == "resume")!;
        Assert.Equal((long)TimeSpan.FromDays(10).TotalMilliseconds, (long)resumed["data"]!["pausedMs"]!);
        Assert.Equal(At(11, 10), Time(resumed["data"]!["dueBefore"]));

        await using var scope = factory.Scope();
        var report = await factory.Verify(factory.Db(scope));
        Assert.True(report.Intact, report.FirstProblem);
    }

    [Fact]
    public async Task Steps_RemindAtYellow_NoticeWhenOverdue_EscalateLater_EachOnceEvenOnTwoNodes()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        await using var second = await factory.SecondNodeAsync();
        var id = await desk.Wages("长期欠薪无人处理").InProgressAsync();
        Task<StepCounts> RunBoth() => Run(factory, [id], factory, second);
        Assert.Equal(0, (await RunBoth()).Reminded);

        desk.MoveTo(At(11, 8, 3));
        Assert.Equal(1, (await RunBoth()).Reminded);
        Assert.Equal(new StepCounts(0, 0, 0), await RunBoth());

        desk.MoveTo(At(11, 10, 8));
        Assert.Equal(new StepCounts(0, 1, 0), await RunBoth());
        // Escalation waits 3 working days after the notice: until the end of Friday 13 November.
        desk.MoveTo(At(11, 13, 23));
        Assert.Equal(new StepCounts(0, 0, 0), await RunBoth());
        desk.MoveTo(At(11, 14, 0, 1));
        Assert.Equal(new StepCounts(0, 0, 1), await RunBoth());
        Assert.Equal(new StepCounts(0, 0, 0), await RunBoth());

        var m = await desk.Dispatcher.Get(id);
        var actions = m.Actions().ToList();
        Assert.Equal(1, actions.Count(a => a == "remind"));
        Assert.Equal(1, actions.Count(a => a == "notice"));
        Assert.Equal(1, actions.Count(a => a == "escalate"));
        var escalated = m["events"]!.AsArray().Single(e => (string?)e!["action"] == "escalate")!;
        Assert.Equal(("督办系统", "440781"), ((string?)escalated["actor"], (string?)escalated["data"]!["to"]));
        Assert.Equal(("440781", "台山市人民政府"), ((string?)m["clock"]!["escalatedTo"]!["code"], (string?)m["clock"]!["escalatedTo"]!["name"]));
        // The manual actions still work with the version the unit saw: the steps do not change it.
        Assert.Equal((int)m["version"]!, await desk.Handler(Rsj).Version(id));

        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var notes = await db.Notifications.Where(n => n.MatterId == id).OrderBy(n => n.Id).ToListAsync();
        // The unit heard first that the matter was given to it (交办), then the steps.
        Assert.Equal(["dispatch", "remind", "notice", "escalate"], notes.Select(n => n.Kind));
        Assert.Equal(("440781-rsj", "handler,leader"), (notes[0].UnitCode, notes[0].Roles));
        Assert.Equal(("440781-rsj", "handler,leader"), (notes[1].UnitCode, notes[1].Roles));
        Assert.Equal(("440781-rsj", "leader,handler"), (notes[2].UnitCode, notes[2].Roles));
        Assert.Equal("440781", notes[3].UnitCode);
        Assert.Contains("督办通知", notes[2].Title, StringComparison.Ordinal);
        Assert.DoesNotContain("overdue", notes[2].Body, StringComparison.Ordinal);
        Assert.Contains("is overdue", notes[2].TitleEn, StringComparison.Ordinal);
        Assert.All(notes, n => Assert.DoesNotContain("黄秀英", n.Title + n.Body, StringComparison.Ordinal));
        var report = await factory.Verify(db);
        Assert.True(report.Intact, report.FirstProblem);
    }

    [Fact]
    public async Task Steps_AndAManualUrge_ReachTheUnitsMailboxes_ThroughARealSmtpServer()
    {
        await using var sink = await SmtpSink.StartAsync();
        var factory = DubanFactory.StartingAt(Monday);
        await using var _ = factory;
        Duban.Tests.Features.Notifications.MailDeployment.UseSink(factory, sink, pollSeconds: 3600);
        factory.WithoutHostedServices.Add(typeof(Duban.Features.Notifications.NotificationMailer));
        await factory.InitializeAsync();
        await Duban.Tests.Features.Notifications.MailDeployment.SetAddressesAsync(factory,
            ("440781-rsj", "rsj@taishan.example"), ("440781", "szf@taishan.example"));
        var outbox = factory.Services.GetRequiredService<Duban.Features.Notifications.MailOutbox>();
        var desk = factory.Desk;
        var id = await desk.Wages("欠薪投诉：邮件督办").InProgressAsync();
        var number = (string)(await desk.Dispatcher.Get(id))["number"]!;

        async Task<SmtpMessage> Next(int count)
        {
            Assert.Equal(1, await outbox.SendDueAsync(default));
            return (await sink.WaitForAsync(count, TimeSpan.FromSeconds(30)))[count - 1];
        }

        // The unit was told by mail when the matter was given to it (交办), its English below the Chinese.
        var given = await Next(1);
        Assert.Equal(["rsj@taishan.example"], given.Recipients);
        Assert.StartsWith("【交办】" + number, given.Subject, StringComparison.Ordinal);
        var body = given.Body ?? "";
        Assert.InRange(body.IndexOf("已交由贵单位主办", StringComparison.Ordinal), 0, body.IndexOf("given to your unit to lead", StringComparison.Ordinal) - 1);

        await desk.Supervisor.Do(id, "urge", new { note = "群众反映强烈，请加快办理" }, reader: desk.Dispatcher);
        var urged = await Next(2);
        Assert.Equal(["rsj@taishan.example"], urged.Recipients);
        Assert.StartsWith("【催办】" + number, urged.Subject, StringComparison.Ordinal);
        Assert.Contains("群众反映强烈", urged.Body, StringComparison.Ordinal);

        desk.MoveTo(At(11, 8, 3));
        await Run(factory, [id], factory);
        Assert.StartsWith("【催办】" + number, (await Next(3)).Subject, StringComparison.Ordinal);
        desk.MoveTo(At(11, 10, 8));
        await Run(factory, [id], factory);
        var notice = await Next(4);
        Assert.Equal(["rsj@taishan.example"], notice.Recipients);
        Assert.StartsWith("【督办通知】" + number, notice.Subject, StringComparison.Ordinal);
        Assert.Contains("2026-11-09 24:00", notice.Body, StringComparison.Ordinal);
        desk.MoveTo(At(11, 14, 9));
        await Run(factory, [id], factory);
        var escalated = await Next(5);
        Assert.Equal(["szf@taishan.example"], escalated.Recipients);
        Assert.StartsWith("【提级督办】" + number, escalated.Subject, StringComparison.Ordinal);
        Assert.All(sink.Messages, message => Assert.DoesNotContain("黄秀英", message.Data, StringComparison.Ordinal));
        Assert.Equal(0, await outbox.SendDueAsync(default));
    }

    [Fact]
    public async Task Steps_SkipPausedAndFinishedMatters_AndAnExtensionStartsThemAfresh()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var paused = await desk.Wages("暂停中的事项").InProgressAsync();
        var extended = await desk.Wages("延期的事项").InProgressAsync();
        await desk.Handler(Rsj).Do(paused, "pause", new { kind = "awaiting_raiser", reason = "待补充材料" }, reader: desk.Dispatcher);
        desk.MoveTo(At(11, 8, 3));
        Assert.Equal(new StepCounts(1, 0, 0), await Run(factory, [paused, extended], factory)); // the paused one is not reminded
        await desk.Handler(Rsj).Do(extended, "extension", new { days = 10, reason = "需等待仲裁结果" }, reader: desk.Dispatcher);
        await desk.Dispatcher.Do(extended, "extension", new { op = "approve" });
        // A new deadline: a new yellow point, and a reminder again when it comes.
        desk.MoveTo(At(11, 10, 12));
        Assert.Equal(new StepCounts(0, 0, 0), await Run(factory, [paused, extended], factory));
        desk.MoveTo(At(11, 18, 12));
        Assert.Equal(new StepCounts(1, 0, 0), await Run(factory, [paused, extended], factory));
        var actions = (await desk.Dispatcher.Get(extended)).Actions().ToList();
        Assert.Equal(2, actions.Count(a => a == "remind"));
    }

    [Fact]
    public async Task KeySupervision_BySupervisorsOnly_TurnsYellowEarlier_AndWantsWeeklyProgress()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var id = await desk.Wages("群体性欠薪重点督办").InProgressAsync();
        await desk.Handler(Rsj).Try(id, "key-supervision", new { on = true, reason = "涉及人数多" }, reader: desk.Dispatcher).Problem(HttpStatusCode.Forbidden);
        await desk.Dispatcher.Try(id, "key-supervision", new { on = true, reason = "涉及人数多" }).Problem(HttpStatusCode.Forbidden);
        await desk.Supervisor.Try(id, "key-supervision", new { on = true }).Problem(HttpStatusCode.BadRequest);
        await desk.Supervisor.Do(id, "key-supervision", new { on = true, reason = "涉及人数多，列为重点督办" });
        await desk.Supervisor.Try(id, "key-supervision", new { on = true, reason = "again" }).Problem(HttpStatusCode.Conflict, "no_change");
        var clock = await desk.ClockAsync(id);
        Assert.True((bool)clock["keySupervision"]!);
        // Half of the 183 hours: Friday 6 November 04:30.
        Assert.Equal(At(11, 6, 4, 30), Time(clock["yellowAt"]));
        var list = await desk.Supervisor.GetAsync("/api/v1/matters?keySupervision=true&q=" + Uri.EscapeDataString("群体性欠薪重点督办")).Ok();
        Assert.True((bool)list["items"]![0]!["keySupervision"]!);

        desk.MoveTo(At(11, 6, 4, 31));
        Assert.Equal("yellow", (string?)(await desk.ClockAsync(id))["light"]);

        // Weekly progress: a long matter stays green only while the unit reports each week.
        var longer = await desk.Wages("重点督办：长期整治").Due(At(12, 31)).Noting("市领导批示，年底前办结").InProgressAsync();
        await desk.Supervisor.Do(longer, "key-supervision", new { on = true, reason = "市领导批示" });
        desk.MoveTo(At(11, 12, 9));
        Assert.Equal("green", (string?)(await desk.ClockAsync(longer))["light"]);
        desk.MoveTo(At(11, 14, 9));
        Assert.Equal("yellow", (string?)(await desk.ClockAsync(longer))["light"]);
        await desk.Handler(Rsj).Do(longer, "progress", new { note = "已约谈企业负责人" }, reader: desk.Dispatcher);
        Assert.Equal("green", (string?)(await desk.ClockAsync(longer))["light"]);
    }

    [Fact]
    public async Task RectificationPlan_Milestones_WeightTheProgress_LateOnesTurnYellow_AndCompletionWaitsForAll()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var id = await desk.Wages("欠薪整改").Due(At(12, 31)).Noting("整改需时较长，限年底前完成").InProgressAsync();
        await desk.Handler(Rsj).Try(id, "plan-required", new { reason = "x" }, reader: desk.Dispatcher).Problem(HttpStatusCode.Forbidden);
        await desk.Supervisor.Do(id, "plan-required", new { reason = "请提交整改方案，明确整改节点" });
        await desk.Handler(Rsj).Try(id, "complete", new { outcome = "已整改" }, reader: desk.Dispatcher).Problem(HttpStatusCode.Conflict, "plan_unfinished");

        await desk.Handler(Rsj).Try(id, "plan", new { milestones = new[] { new { title = "清偿欠薪", dueAt = At(12, 31).AddDays(1), weight = 1 } } }, reader: desk.Dispatcher)
            .Problem(HttpStatusCode.BadRequest); // after the deadline
        await desk.Supervisor.Try(id, "plan", new { milestones = new[] { new { title = "x", dueAt = At(11, 20), weight = 1 } } }).Problem(HttpStatusCode.Forbidden);
        var plan = new[]
        {
            new { title = "核实欠薪人数和金额", dueAt = At(11, 6), weight = 1 },
            new { title = "督促企业清偿欠薪", dueAt = At(11, 30), weight = 3 },
        };
        await desk.Handler(Rsj).Do(id, "plan", new { milestones = plan, note = "整改方案" }, reader: desk.Dispatcher);
        await desk.Handler(Rsj).Do(id, "milestone", new { seq = 1, note = "共23人，金额41万元" }, reader: desk.Dispatcher);
        Assert.Equal(25, (int)(await desk.Dispatcher.Get(id))["progress"]!);
        await desk.Handler(Rsj).Try(id, "milestone", new { seq = 1 }, reader: desk.Dispatcher).Problem(HttpStatusCode.Conflict, "already_done");
        await desk.Handler(Rsj).Try(id, "milestone", new { seq = 9 }, reader: desk.Dispatcher).Problem(HttpStatusCode.BadRequest);
        // A plan under way is not replaced.
        await desk.Handler(Rsj).Try(id, "plan", new { milestones = plan }, reader: desk.Dispatcher).Problem(HttpStatusCode.Conflict, "plan_started");

        // The second milestone is late: yellow long before the deadline's share is used.
        desk.MoveTo(At(12, 1, 9));
        var clock = await desk.ClockAsync(id);
        Assert.Equal("yellow", (string?)clock["light"]);
        Assert.True((bool)clock["milestones"]![1]!["late"]!);
        var yellow = await desk.Supervisor.GetAsync("/api/v1/matters?light=yellow&q=" + Uri.EscapeDataString("欠薪整改")).Ok();
        Assert.Contains(yellow["items"]!.AsArray(), i => (long)i!["id"]! == id);

        await desk.Handler(Rsj).Do(id, "milestone", new { seq = 2 }, reader: desk.Dispatcher);
        var m = await desk.Dispatcher.Get(id);
        Assert.Equal(100, (int)m["progress"]!);
        Assert.Equal("green", (string?)m["clock"]!["light"]);
        Assert.True((bool)m["events"]!.AsArray().Last(e => (string?)e!["action"] == "milestone_done")!["data"]!["late"]!);
        await desk.Handler(Rsj).Do(id, "complete", new { outcome = "欠薪已全部清偿" }, reader: desk.Dispatcher);

        await using var scope = factory.Scope();
        var report = await factory.Verify(factory.Db(scope));
        Assert.True(report.Intact, report.FirstProblem);
    }

    [Fact]
    public async Task SubTasks_WeighInTheParentsProgress()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var id = await desk.Wages("台城欠薪专项整治").InProgressAsync();
        await desk.Handler(Rsj).Try(id, "split", new { children = new[] { new { title = "a", leadUnitCode = "440781-rsj", weight = 0 } } }, reader: desk.Dispatcher)
            .Problem(HttpStatusCode.BadRequest);
        await desk.Handler(Rsj).Do(id, "split", new
        {
            children = new object[]
            {
                new { title = "排查全部在建工地", leadUnitCode = "440781-rsj", weight = 3 },
                new { title = "公布举报电话", leadUnitCode = "440781-rsj" },
            },
        }, reader: desk.Dispatcher);
        var children = (await desk.Dispatcher.Get(id))["children"]!.AsArray();
        Assert.Equal([3, 1], children.Select(c => (int)c!["weight"]!));
        var heavy = (long)children[0]!["id"]!;
        Assert.Equal("hotline-general", (string?)(await desk.ClockAsync(heavy))["policy"]!["id"]); // a sub-task runs under its parent's policy
        await desk.Handler(Rsj).Do(heavy, "accept", reader: desk.Dispatcher);
        await desk.Handler(Rsj).Do(heavy, "progress", new { note = "已排查一半", progress = 50 }, reader: desk.Dispatcher);
        Assert.Equal(38, (int)(await desk.Dispatcher.Get(id))["progress"]!); // (50×3 + 0×1) / 4 = 37.5
        var listed = await desk.Dispatcher.GetAsync("/api/v1/matters?q=" + Uri.EscapeDataString("台城欠薪专项整治")).Ok();
        Assert.Equal(38, (int)listed["items"]!.AsArray().Single(i => (long)i!["id"]! == id)!["progress"]!);
    }

    [Fact]
    public async Task Petition_OneExtensionOfAtMost30Days_ThenReviewAndReReview_WithinTheirWindows()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var id = await desk.Wages("信访：欠薪多年未解决", kind: "petition").InProgressAsync();
        Assert.Equal(At(1, 2).AddYears(1), Time((await desk.ClockAsync(id))["dueAt"]));
        // 30 days after the end of 1 January 2027 is Sunday 31 January: the limit ends on Monday 1 February.
        await desk.Handler(Rsj).Do(id, "extension", new { days = 32, reason = "情况复杂" }, reader: desk.Dispatcher);
        await desk.Dispatcher.Try(id, "extension", new { op = "approve" }).Problem(HttpStatusCode.Conflict, "extension_beyond_limit");
        await desk.Dispatcher.Do(id, "extension", new { op = "refuse", reason = "超过30日" });
        await desk.Handler(Rsj).Do(id, "extension", new { days = 30, reason = "情况复杂，经负责人批准" }, reader: desk.Dispatcher);
        await desk.Dispatcher.Do(id, "extension", new { op = "approve" });
        Assert.Equal(At(2, 1).AddYears(1), Time((await desk.ClockAsync(id))["dueAt"]));
        await desk.Handler(Rsj).Try(id, "extension", new { days = 1, reason = "再延" }, reader: desk.Dispatcher).Problem(HttpStatusCode.Conflict, "extension_limit_reached");

        await desk.Handler(Rsj).Do(id, "complete", new { outcome = "已责令企业支付" }, reader: desk.Dispatcher);
        await desk.Dispatcher.Do(id, "approve");
        // 复查 within 30 days of the reply, decided within 30 days; then 复核; then no more.
        desk.MoveTo(At(11, 20, 10));
        await desk.Supervisor.Do(id, "reopen", new { reason = "信访人请求复查" });
        var m = await desk.Dispatcher.Get(id);
        Assert.Equal(At(12, 22), Time(m["clock"]!["dueAt"])); // 30 days: Sunday 20 December, so Monday 21 to its end
        await desk.Handler(Rsj).Try(id, "extension", new { days = 10, reason = "复查需要更多时间" }, reader: desk.Dispatcher)
            .Problem(HttpStatusCode.Conflict, "extension_not_in_review");
        Assert.Equal("复查", (string?)m["events"]!.AsArray().Last(e => (string?)e!["action"] == "reopen")!["data"]!["review"]);
        await desk.Handler(Rsj).Do(id, "complete", new { outcome = "复查维持" }, reader: desk.Dispatcher);
        await desk.Dispatcher.Do(id, "approve");
        await desk.Supervisor.Do(id, "reopen", new { reason = "信访人请求复核" });
        Assert.Equal("复核", (string?)(await desk.Dispatcher.Get(id))["events"]!.AsArray().Last(e => (string?)e!["action"] == "reopen")!["data"]!["review"]);
        await desk.Handler(Rsj).Do(id, "complete", new { outcome = "复核维持" }, reader: desk.Dispatcher);
        await desk.Dispatcher.Do(id, "approve");
        await desk.Supervisor.Try(id, "reopen", new { reason = "再次请求" }).Problem(HttpStatusCode.Conflict, "review_exhausted");

        // Another petition closed, then asked to review 31 days after the reply: too late.
        var late = await desk.Wages("信访：拖欠工程款", kind: "petition").InProgressAsync();
        await desk.Handler(Rsj).Do(late, "complete", new { outcome = "已协调支付" }, reader: desk.Dispatcher);
        await desk.Dispatcher.Do(late, "approve");
        desk.MoveTo(At(12, 22, 10));
        await desk.Supervisor.Try(late, "reopen", new { reason = "请求复查" }).Problem(HttpStatusCode.Conflict, "review_window_closed");
    }
}
