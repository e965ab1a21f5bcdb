using System.Net;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Features.Matters;
using Duban.Features.Supervision;
using Duban.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Matters;

/// <summary>
/// 拆分派单: a matter waiting for dispatch (received or returned) split by the dispatcher in one
/// step: the dispatch centre holds the parent with a running clock, the parts go to their units.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class SplitAtDispatchTests(DubanFactory factory)
{
    private const string RaiserName = "陈美玲";
    private const string RaiserPhone = "13800138000";

    [Fact]
    public async Task Split_ReceivedMatter_CentreHoldsParent_TownsGetTheirPart_CompletedWhenBothClose()
    {
        var dispatcher = await factory.As("dispatcher");
        var supervisor = await factory.As("supervisor");
        var chuandao = await factory.As("h-440781115");
        var guanghai = await factory.As("h-440781110");
        var id = await dispatcher.Register(Api.Matter("川岛镇与广海镇渡口垃圾堆积、路灯损坏", "440781"));
        var waitingBefore = (int)(await dispatcher.GetAsync("/api/v1/dispatch/queue").Ok())["total"]!;
        var now = factory.Clock.Now();

        var split = await dispatcher.Do(id, "split", new
        {
            note = "两镇分别处理",
            children = new object[]
            {
                new { title = "川岛镇渡口垃圾清运", leadUnitCode = "440781115", content = "清运川岛镇渡口堆积垃圾" },
                new { title = "广海镇路灯维修", leadUnitCode = "440781110" },
            },
        });
        Assert.Equal("in_progress", (string?)split["status"]);

        // The parent: held by the dispatch centre, signed for, its clock started under the policy a dispatch would choose.
        var parent = await dispatcher.Get(id);
        Assert.Equal("4407-ddzx", (string?)parent["leadUnit"]!["code"]);
        var lead = parent["assignments"]!.AsArray().Single(a => (bool)a!["active"]! && (string?)a["role"] == "lead")!;
        Assert.NotNull(lead["acceptedAt"]);
        DateTimeOffset policyDue;
        string policyId;
        await using (var scope = factory.Scope())
        {
            var clock = scope.ServiceProvider.GetRequiredService<MatterClock>();
            var policy = clock.Policies.For("complaint", "normal");
            (policyId, policyDue) = (policy.Id, policy.Handle.From(now, clock.Calendar));
        }
        var parentDue = parent["dueAt"]!.GetValue<DateTimeOffset>();
        Assert.Equal(policyDue, parentDue);
        Assert.Equal(policyId, (string?)parent["clock"]!["policy"]!["id"]);
        Assert.Equal(now, parent["clock"]!["startedAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal("green", (string?)parent["clock"]!["light"]);
        var splitEvent = parent["events"]!.AsArray().Last(e => (string?)e!["action"] == "split")!;
        Assert.Equal(("received", "in_progress"), ((string?)splitEvent["fromStatus"], (string?)splitEvent["toStatus"]));
        Assert.Equal("4407-ddzx", (string?)splitEvent["data"]!["heldBy"]);
        Assert.Equal(policyId, (string?)splitEvent["data"]!["timePolicy"]);
        Assert.Equal(parentDue, splitEvent["data"]!["after"]!["dueAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(2, splitEvent["data"]!["children"]!.AsArray().Count);
        // It is dispatched: no longer in the queue.
        Assert.Equal(waitingBefore - 1, (int)(await dispatcher.GetAsync("/api/v1/dispatch/queue").Ok())["total"]!);

        // The parts: dispatched to their towns, due no later than the parent, each registered in its own chain.
        var children = parent["children"]!.AsArray();
        Assert.Equal(2, children.Count);
        var first = (long)children[0]!["id"]!;
        var second = (long)children[1]!["id"]!;
        foreach (var (child, unit) in new[] { (first, "440781115"), (second, "440781110") })
        {
            var c = await dispatcher.Get(child);
            Assert.Equal("dispatched", (string?)c["status"]);
            Assert.Equal(unit, (string?)c["leadUnit"]!["code"]);
            Assert.Equal(id, (long)c["parentId"]!);
            Assert.True(c["dueAt"]!.GetValue<DateTimeOffset>() <= parentDue);
            Assert.Equal(new[] { "register_subtask" }, c.Actions());
        }
        Assert.Equal("清运川岛镇渡口堆积垃圾", (string?)(await dispatcher.Get(first))["content"]);

        // Each town sees its own part only; never the parent, its sibling, nor the raiser behind them.
        var mine = await chuandao.Get(first);
        Assert.True((bool)mine["raiser"]!["anonymous"]!);
        Assert.Null((string?)mine["raiser"]!["name"]);
        Assert.DoesNotContain(RaiserName, mine.ToJsonString());
        Assert.DoesNotContain(RaiserPhone, mine.ToJsonString());
        await chuandao.GetAsync($"/api/v1/matters/{id}").Problem(HttpStatusCode.NotFound);
        await chuandao.GetAsync($"/api/v1/matters/{second}").Problem(HttpStatusCode.NotFound);
        await chuandao.GetAsync($"/api/v1/matters/{first}/raiser").Problem(HttpStatusCode.Conflict, "no_raiser");
        await guanghai.GetAsync($"/api/v1/matters/{id}").Problem(HttpStatusCode.NotFound);
        await guanghai.GetAsync($"/api/v1/matters/{first}").Problem(HttpStatusCode.NotFound);
        Assert.DoesNotContain(RaiserName, (await guanghai.Get(second)).ToJsonString());

        // The centre completes the parent only when both parts are closed; a supervisor approves it.
        await dispatcher.Try(id, "complete", new { outcome = "两镇均已处理" }).Problem(HttpStatusCode.Conflict, "open_subtasks");
        await chuandao.Do(first, "accept");
        await chuandao.Do(first, "complete", new { outcome = "渡口垃圾已清运" });
        await dispatcher.Do(first, "approve");
        await dispatcher.Try(id, "complete", new { outcome = "两镇均已处理" }).Problem(HttpStatusCode.Conflict, "open_subtasks");
        await guanghai.Do(second, "accept");
        await guanghai.Do(second, "complete", new { outcome = "路灯已修复" });
        await dispatcher.Do(second, "approve");
        Assert.Equal(100, (int)(await dispatcher.Get(id))["progress"]!);
        // A coordinator of another unit (台山's supervisor) does not complete the centre's matter.
        await (await factory.As("s-440781")).Try(id, "complete", new { outcome = "x" }).Problem(HttpStatusCode.Forbidden);
        await dispatcher.Do(id, "complete", new { outcome = "两镇均已处理完毕" });
        await supervisor.Do(id, "approve");
        Assert.Equal("closed", (string?)(await dispatcher.Get(id))["status"]);

        await using var verify = factory.Scope();
        var report = await factory.Verify(factory.Db(verify));
        Assert.True(report.Intact, report.FirstProblem);
    }

    [Fact]
    public async Task Split_ReceivedMatter_NotACoordinator_Refused_NothingChanges()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(Api.Matter("台城某小区停水并有违建", "440781"));
        var body = new { children = new[] { new { title = "停水", leadUnitCode = "440781001" } } };
        // A leader sees it but does not dispatch; a handler does not even see a matter not given to its unit.
        await (await factory.As("leader")).Try(id, "split", body, reader: dispatcher).Problem(HttpStatusCode.Forbidden);
        await (await factory.As("h-440781-rsj")).Try(id, "split", body, reader: dispatcher).Problem(HttpStatusCode.NotFound);
        // A part due after the parent's deadline (the policy's, or the one given) is refused before anything changes.
        await dispatcher.Try(id, "split", new
        {
            dueAt = factory.Clock.GetUtcNow().AddDays(5),
            children = new[] { new { title = "停水", leadUnitCode = "440781001", dueAt = factory.Clock.GetUtcNow().AddDays(6) } },
        }).Problem(HttpStatusCode.BadRequest);
        var m = await dispatcher.Get(id);
        Assert.Equal("received", (string?)m["status"]);
        Assert.Null(m["leadUnit"]);
        Assert.Empty(m["children"]!.AsArray());

        // A deadline of the dispatcher's own is the parent's.
        var due = factory.Clock.Now().AddDays(5);
        await dispatcher.Do(id, "split", new { dueAt = due, children = new[] { new { title = "停水", leadUnitCode = "440781001" } } });
        m = await dispatcher.Get(id);
        Assert.Equal(due, m["dueAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(due, (await dispatcher.Get((long)m["children"]![0]!["id"]!))["dueAt"]!.GetValue<DateTimeOffset>());
        // In progress, a parent keeps its deadline: dueAt is for the split at dispatch.
        await dispatcher.Try(id, "split", new { dueAt = due, children = new[] { new { title = "违建", leadUnitCode = "440781-cgj" } } })
            .Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Split_ReturnedMatter_JudgesTheReturn_AsADispatchWould()
    {
        var dispatcher = await factory.As("dispatcher");
        var supervisor = await factory.As("supervisor");

        // A part back to the unit that returned it: the return was improper (overruled).
        var back = await ReturnedAsync("台城某厂欠薪并占道堆放货物");
        await dispatcher.Do(back, "split", new
        {
            children = new object[]
            {
                new { title = "欠薪", leadUnitCode = "440781-rsj" },
                new { title = "占道堆放", leadUnitCode = "440781-cgj" },
            },
        });
        var judged = await dispatcher.Get(back);
        Assert.Equal("overruled", (string?)judged["returns"]![0]!["state"]);
        Assert.Equal("overruled", (string?)judged["events"]!.AsArray().Last(e => (string?)e!["action"] == "split")!["data"]!["return"]!["verdict"]);

        // A return under a supervisor's review: the dispatcher may not end it by splitting; the
        // supervisor may, and parts all elsewhere uphold it.
        var reviewed = await ReturnedAsync("台城某店噪音扰民及食品卫生");
        await dispatcher.Do(reviewed, "return-review", new { reason = "退单理由存疑" });
        var elsewhere = new
        {
            children = new object[]
            {
                new { title = "噪音", leadUnitCode = "440781001" },
                new { title = "食品卫生", leadUnitCode = "440781-scjgj" },
            },
        };
        await dispatcher.Try(reviewed, "split", elsewhere).Problem(HttpStatusCode.Forbidden);
        await supervisor.Do(reviewed, "split", elsewhere);
        var upheld = await supervisor.Get(reviewed);
        Assert.Equal("upheld", (string?)upheld["returns"]![0]!["state"]);
        Assert.Equal("4407-dcs", (string?)upheld["leadUnit"]!["code"]);
        Assert.Equal("in_progress", (string?)upheld["status"]);

        await using var verify = factory.Scope();
        var report = await factory.Verify(factory.Db(verify));
        Assert.True(report.Intact, report.FirstProblem);
    }

    /// <summary>A complaint in 台山 dispatched to 台山市人社局, which returned it.</summary>
    private Task<long> ReturnedAsync(string title) => factory.Desk.Matter(NewMatter.Noise(title, "440781")).Lead("440781-rsj").ReturnedAsync();
}
