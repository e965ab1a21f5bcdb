using System.Net;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Dispatching;

/// <summary>
/// Returns (退单) within two working days of dispatch, counted on the unit: judged by the next
/// dispatch (back to the unit: overruled, an improper return; elsewhere: upheld), or sent to a
/// supervisor's review first. The clock starts on Wednesday 30 September 2026 at 10:00 China
/// time, the day before the National Day holiday (1–7 October; Saturday 10 October is worked).
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class ReturnsTests
{
    private static readonly DateTimeOffset Dispatched = new(2026, 9, 30, 10, 0, 0, TimeSpan.FromHours(8));

    /// <summary>A wage complaint in 台城 dispatched to 台山市人社局.</summary>
    private static Task<long> DispatchedToRsj(DubanFactory factory, string title) =>
        factory.Desk.Matter(NewMatter.Wages(title)).Lead("440781-rsj").DispatchedAsync();

    private static async Task<JsonNode> Figures(HttpClient client) =>
        await client.GetAsync("/api/v1/dispatch/returns?from=2026-09-01&to=2026-10-31").Ok();

    private static JsonNode? Rsj(JsonNode figures) => figures["units"]!.AsArray().SingleOrDefault(u => (string?)u!["unit"]!["code"] == "440781-rsj");

    [Fact]
    public async Task Return_WithinTwoWorkingDaysAcrossTheHoliday_IsAllowed_AfterIt409_AndTheNextDispatchJudgesIt()
    {
        await using var factory = DubanFactory.StartingAt(Dispatched);
        await factory.InitializeAsync();
        var dispatcher = factory.Desk.Dispatcher;
        var handler = factory.Desk.Handler("440781-rsj");
        var early = await DispatchedToRsj(factory, "台城某工厂拖欠工资");
        var late = await DispatchedToRsj(factory, "台城某酒店拖欠工资");

        // The holiday does not count: the two working days are Thursday 8 and Friday 9 October.
        factory.Desk.MoveTo(new DateTimeOffset(2026, 10, 9, 23, 0, 0, TimeSpan.FromHours(8)));
        await handler.Do(early, "return", new { reason = "欠薪发生在台城街道辖区企业，应由街道先行调解" }, reader: dispatcher);
        var m = await dispatcher.Get(early);
        Assert.Equal("returned", (string?)m["status"]);
        Assert.Equal(1, (int)m["returnCount"]!);
        var recorded = m["returns"]!.AsArray().Single()!;
        Assert.Equal(("440781-rsj", "pending"), ((string?)recorded["unit"]!["code"], (string?)recorded["state"]));
        Assert.Equal(new DateTimeOffset(2026, 10, 10, 0, 0, 0, TimeSpan.FromHours(8)), (DateTimeOffset)recorded["windowEndsAt"]!);

        // Half an hour after the window: too late, and the matter stays with the unit.
        factory.Clock.Advance(TimeSpan.FromMinutes(90));
        await handler.Try(late, "return", new { reason = "不属于本单位职责" }, reader: dispatcher).Problem(HttpStatusCode.Conflict, "return_window_closed");
        Assert.Equal("dispatched", (string?)(await dispatcher.Get(late))["status"]);

        // Accepting the suggestion would send it back to the unit that returned it, unseen: refused.
        await dispatcher.Try(early, "dispatch", new { accept = true }).Problem(HttpStatusCode.Conflict, "suggests_returning_unit");
        // The dispatcher disagrees and names the unit: an improper return, on its record.
        await dispatcher.Do(early, "dispatch", new { leadUnitCode = "440781-rsj", note = "欠薪属人社部门职责" });
        m = await dispatcher.Get(early);
        Assert.Equal("overruled", (string?)m["returns"]![0]!["state"]);
        Assert.Equal("overruled", (string?)m["events"]!.AsArray().Last(e => (string?)e!["action"] == "dispatch")!["data"]!["return"]!["verdict"]);

        var figures = await Figures(await factory.As("supervisor"));
        Assert.Equal((1, 1, 0), ((int)Rsj(figures)!["returned"]!, (int)Rsj(figures)!["overruled"]!, (int)Rsj(figures)!["upheld"]!));
        Assert.Equal(early, (long)figures["overruled"]!.AsArray().Single()!["matterId"]!);
        // 台山's supervisor sees its units; 蓬江's does not see 台山's; a handler sees no figures.
        Assert.NotNull(Rsj(await Figures(await factory.As("s-440781"))));
        Assert.Null(Rsj(await Figures(await factory.As("s-440703"))));
        await handler.GetAsync("/api/v1/dispatch/returns").Problem(HttpStatusCode.Forbidden);
        await dispatcher.GetAsync("/api/v1/dispatch/returns?from=2026-10-31&to=2026-10-01").Problem(HttpStatusCode.BadRequest);
        await dispatcher.GetAsync("/api/v1/dispatch/returns?from=yesterday").Problem(HttpStatusCode.BadRequest);
        await dispatcher.GetAsync("/api/v1/dispatch/returns?from=0001-01-01&to=0001-01-02").Problem(HttpStatusCode.BadRequest);
        await dispatcher.GetAsync("/api/v1/dispatch/returns?from=9999-01-01&to=9999-12-31").Problem(HttpStatusCode.BadRequest);

        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Fact]
    public async Task Return_SentToReview_OnlyASupervisorRedispatches_AndElsewhereUpholdsIt_TamperingIsCaught()
    {
        await using var factory = DubanFactory.StartingAt(Dispatched);
        await factory.InitializeAsync();
        var dispatcher = await factory.As("dispatcher");
        var handler = await factory.As("h-440781-rsj");
        var id = await DispatchedToRsj(factory, "台城某工厂拖欠工资");
        factory.Clock.Advance(TimeSpan.FromHours(2));

        // No return yet: nothing to review.
        await dispatcher.Try(id, "return-review", new { reason = "有争议" }).Problem(HttpStatusCode.Conflict, "invalid_transition");
        await handler.Do(id, "return", new { reason = "应由街道先行调解" }, reader: dispatcher);
        await handler.Try(id, "return-review", new { reason = "有争议" }, reader: dispatcher).Problem(HttpStatusCode.NotFound);
        await dispatcher.Try(id, "return-review", new { reason = "" }).Problem(HttpStatusCode.BadRequest);
        await dispatcher.Do(id, "return-review", new { reason = "人社局与街道对欠薪调解职责有争议，请督办科裁定" });
        await dispatcher.Try(id, "return-review", new { reason = "再次提交" }).Problem(HttpStatusCode.Conflict, "already_in_review");
        Assert.Equal("review", (string?)(await dispatcher.Get(id))["returns"]![0]!["state"]);

        // Under review, the dispatcher may not decide it; the supervisor sends it to the 街道: the return was right.
        await dispatcher.Try(id, "dispatch", new { leadUnitCode = "440781001" }).Problem(HttpStatusCode.Forbidden);
        var supervisor = await factory.As("supervisor");
        await supervisor.Do(id, "dispatch", new { leadUnitCode = "440781001" });
        var m = await dispatcher.Get(id);
        Assert.Equal(("upheld", "人社局与街道对欠薪调解职责有争议，请督办科裁定"), ((string?)m["returns"]![0]!["state"], (string?)m["returns"]![0]!["reviewReason"]));
        Assert.Equal((1, 0, 1), ((int)Rsj(await Figures(supervisor))!["returned"]!, (int)Rsj(await Figures(supervisor))!["overruled"]!,
            (int)Rsj(await Figures(supervisor))!["upheld"]!));

        // A return under review ends with the matter only by a supervisor's hand: rejected, the unit was right.
        var other = await DispatchedToRsj(factory, "台城某酒店拖欠工资");
        await handler.Do(other, "return", new { reason = "应由街道先行调解" }, reader: dispatcher);
        await dispatcher.Do(other, "return-review", new { reason = "职责有争议" });
        await dispatcher.Try(other, "reject", new { reason = "不属受理范围" }).Problem(HttpStatusCode.Forbidden);
        await supervisor.Do(other, "reject", new { reason = "属劳动仲裁事项，已告知来电人申请仲裁" });
        Assert.Equal("upheld", (string?)(await dispatcher.Get(other))["returns"]![0]!["state"]);

        // A confidential report about 台山's government, returned by 台山's discipline commission, is not
        // counted for 台山's supervisor, who may not see it.
        var report = await factory.Desk.Matter(NewMatter.Report("440781", "台山市政府某领导违规收受礼金", "反映台山市政府某领导在节日期间收受企业礼金。")
            .At("台山市台城街道").From("黄秀英", "13922223333").Marked(confidential: true)).Lead("440781-jw").DispatchedAsync();
        await (await factory.As("h-440781-jw")).Do(report, "return", new { reason = "应由市纪委监委受理" }, reader: dispatcher);
        static int? Returned(JsonNode figures, string unit) =>
            (int?)figures["units"]!.AsArray().SingleOrDefault(u => (string?)u!["unit"]!["code"] == unit)?["returned"];
        Assert.Equal(1, Returned(await Figures(supervisor), "440781-jw"));
        Assert.Null(Returned(await Figures(await factory.As("s-440781")), "440781-jw"));

        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        Assert.True((await factory.Verify(db)).Intact);
        // Turning an upheld return into an overruled one behind Duban's back is caught; so is moving when it was made.
        await db.DispatchReturns.Where(r => r.MatterId == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.State, "overruled"));
        var tampered = await factory.Verify(db);
        Assert.False(tampered.Intact);
        Assert.Contains("does not match its events", tampered.FirstProblem, StringComparison.Ordinal);
        await db.DispatchReturns.Where(r => r.MatterId == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.State, "upheld"));
        Assert.True((await factory.Verify(db)).Intact);
        await db.DispatchReturns.Where(r => r.MatterId == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.ReturnedAt, Dispatched.AddDays(-30).ToUniversalTime()));
        Assert.False((await factory.Verify(db)).Intact);
    }
}
