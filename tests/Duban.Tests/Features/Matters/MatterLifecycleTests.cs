using System.Net;
using Duban.Features.Audit;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Matters;

[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class MatterLifecycleTests(DubanFactory factory)
{
    private const string Town = "440704004";      // 外海街道 (江海区)
    private const string CoUnit = "440704-cgj";   // 江海区城市管理和综合执法局

    [Fact]
    public async Task WholeLife_RegisterToFeedback_EveryStepRecordedAndChainIntact()
    {
        var dispatcher = await factory.As("dispatcher");
        var supervisor = await factory.As("supervisor");
        var handler = await factory.As("h-" + Town);
        var co = await factory.As("h-" + CoUnit);

        var id = await dispatcher.Register();
        var m = await dispatcher.Get(id);
        Assert.Equal("received", (string?)m["status"]);
        Assert.Matches(@"^JM-\d{4}-\d{6}$", (string?)m["number"]);
        Assert.Equal(1, (int)m["version"]!);

        var due = factory.Clock.GetUtcNow().AddDays(10);
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = Town, coUnitCodes = new[] { CoUnit }, dueAt = due });
        await handler.Do(id, "accept");
        await co.Do(id, "accept", reader: dispatcher);
        await handler.Do(id, "progress", new { note = "已约谈施工单位，要求22点后停止高噪音作业", progress = 40 });
        await co.Do(id, "progress", new { note = "城管夜查两次，已立案" }, reader: dispatcher);
        await handler.Do(id, "extension", new { op = "request", days = 5, reason = "需等待环保监测报告" });
        await supervisor.Do(id, "extension", new { op = "approve" });
        await dispatcher.Do(id, "urge", new { note = "群众再次来电" });
        await handler.Do(id, "complete", new { outcome = "施工单位已调整作业时间，夜间噪音经监测达标" });
        await dispatcher.Do(id, "approve");
        await dispatcher.Do(id, "feedback", new { resolved = true, satisfaction = "satisfied" });

        m = await dispatcher.Get(id);
        Assert.Equal("closed", (string?)m["status"]);
        Assert.Equal(100, (int)m["progress"]!);
        Assert.Equal("satisfied", (string?)m["feedback"]!["satisfaction"]);
        Assert.Equal(1, (int)m["urgeCount"]!);
        // The approved extension moved the deadline by five days.
        Assert.Equal(due.AddDays(5).ToUnixTimeMilliseconds(), DateTimeOffset.Parse((string)m["dueAt"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
        Assert.Equal(
            ["register", "dispatch", "accept", "accept", "progress", "progress", "extension_request", "extension_approve", "urge", "complete", "approve", "feedback"],
            m.Actions());
        var lead = m["assignments"]!.AsArray().Single(a => (string?)a!["role"] == "lead")!;
        Assert.NotNull(lead["acceptedAt"]);

        await using var scope = factory.Scope();
        var report = await factory.Verify(factory.Db(scope));
        Assert.True(report.Intact, report.FirstProblem);
    }

    [Fact]
    public async Task Return_SendsMatterBackToDispatcher_UnitLosesIt_AndReDispatchWorks()
    {
        var dispatcher = await factory.As("dispatcher");
        var wrongUnit = await factory.As("h-440704-jtj");
        var id = await factory.Desk.Matter(NewMatter.Noise()).Lead("440704-jtj").DispatchedAsync();

        await wrongUnit.Try(id, "return", new { reason = "" }).Problem(HttpStatusCode.BadRequest, "validation");
        await wrongUnit.Do(id, "return", new { reason = "噪音扰民属城管执法职责，非交通部门" });

        var m = await dispatcher.Get(id);
        Assert.Equal("returned", (string?)m["status"]);
        Assert.Null(m["leadUnit"]);
        Assert.Equal(1, (int)m["returnCount"]!);
        Assert.All(m["assignments"]!.AsArray(), a => Assert.False((bool)a!["active"]!));
        await wrongUnit.GetAsync($"/api/v1/matters/{id}").Problem(HttpStatusCode.NotFound);

        await dispatcher.Do(id, "dispatch", new { leadUnitCode = CoUnit });
        Assert.Equal("dispatched", (string?)(await dispatcher.Get(id))["status"]);
    }

    [Fact]
    public async Task SendBack_ThenReopen_OnlySupervisorReopens()
    {
        var dispatcher = await factory.As("dispatcher");
        var supervisor = await factory.As("supervisor");
        var handler = await factory.As("h-" + Town);
        // Closed after being sent back once.
        var id = await factory.Desk.Matter(NewMatter.Noise()).Lead(Town).PendingReviewAsync();
        await dispatcher.Do(id, "send-back", new { reason = "请补充处理照片" });
        await handler.Do(id, "complete", new { outcome = "已处理，附现场照片" });
        await dispatcher.Do(id, "approve");

        await dispatcher.Try(id, "reopen", new { reason = "群众反映仍未解决" }).Problem(HttpStatusCode.Forbidden, "forbidden");
        await supervisor.Do(id, "reopen", new { reason = "群众反映仍未解决" });
        var m = await dispatcher.Get(id);
        Assert.Equal("in_progress", (string?)m["status"]);
        Assert.Equal(1, (int)m["reopenCount"]!);
        Assert.Null(m["outcome"]);
        Assert.Contains("send_back", m.Actions());
    }

    [Fact]
    public async Task Reject_NeedsReasonAndEndsTheMatter()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register();
        await dispatcher.Try(id, "reject", new { }).Problem(HttpStatusCode.BadRequest);
        await dispatcher.Do(id, "reject", new { reason = "属民事纠纷，请通过诉讼途径解决" });
        Assert.Equal("rejected", (string?)(await dispatcher.Get(id))["status"]);
        await dispatcher.Try(id, "dispatch", new { leadUnitCode = Town }).Problem(HttpStatusCode.Conflict, "invalid_transition");
    }
}
