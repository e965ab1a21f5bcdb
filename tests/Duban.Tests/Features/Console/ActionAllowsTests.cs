using System.Net;
using System.Net.Http.Json;
using Duban.Common;
using Duban.Data;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.StaffConsole;
using Duban.Features.Supervision;
using Duban.Features.Units;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Console;

/// <summary>
/// Each action's <c>Allows</c> (what the console shows) must agree with the action itself (what
/// it does): over a grid of states and people, an action whose predicate allows it gets as far as
/// checking the request (400 for a request it cannot take, so nothing changes), and one whose
/// predicate refuses is refused as not theirs (403) or not from this state (409).
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class ActionAllowsTests(DubanFactory factory)
{
    private static readonly string[] People = ["dispatcher", "supervisor", "leader", "s-440781", "h-440781-rsj", "h-440781115"];

    private static readonly string TooLong = new('长', 2001);

    /// <summary>An action, a request it cannot take (so an allowed actor gets 400 and nothing changes), and its predicate.</summary>
    private sealed record Probe(string Name, string Path, object Body, Func<MatterScope, Actor, Matter, string?, DateTimeOffset, bool> Allows);

    private static readonly Probe[] Probes =
    [
        new("classify", "classify", new { }, (s, a, m, _, _) => Classify.Allows(s, a, m)),
        new("dispatch", "dispatch", new { accept = true, leadUnitCode = "440781-rsj" }, (s, a, m, _, _) => Dispatch.Allows(s, a, m)),
        new("return", "return", new { }, (_, a, m, _, _) => Return.Allows(a, m)),
        new("return-review", "return-review", new { }, (s, a, m, open, _) => ReturnReview.Allows(s, a, m, open)),
        new("progress", "progress", new { }, (_, a, m, _, _) => ReportProgress.Allows(a, m)),
        new("complete", "complete", new { }, (_, a, m, _, _) => Complete.Allows(a, m)),
        new("send-back", "send-back", new { }, (s, a, m, _, _) => SendBack.Allows(s, a, m)),
        new("urge", "urge", new { note = TooLong }, (_, a, m, _, _) => Urge.Allows(a, m)),
        new("split", "split", new { children = Array.Empty<object>() }, (s, a, m, _, _) => Split.Allows(s, a, m)),
        new("merge", "merge", new { }, (s, a, m, _, _) => Merge.Allows(s, a, m)),
        new("reject", "reject", new { }, (s, a, m, _, _) => Reject.Allows(s, a, m)),
        new("reopen", "reopen", new { }, (_, a, m, _, _) => Reopen.Allows(a, m)),
        new("territory", "territory", new { }, (s, a, m, _, _) => Relocate.Allows(s, a, m)),
        new("extension request", "extension", new { op = "request", days = 0 }, (s, a, m, _, _) => Extension.Allows(s, a, m, "request")),
        new("extension refuse", "extension", new { op = "refuse" }, (s, a, m, _, _) => Extension.Allows(s, a, m, "refuse")),
        new("pause", "pause", new { }, (s, a, m, _, now) => ClockPause.AllowsPause(s, a, m, now)),
        new("resume", "resume", new { note = TooLong }, (s, a, m, _, _) => ClockPause.AllowsResume(s, a, m)),
        new("key-supervision", "key-supervision", new { }, (_, a, m, _, _) => KeySupervision.Allows(a, m)),
        new("plan-required", "plan-required", new { }, (_, a, m, _, _) => RectificationPlan.AllowsRequire(a, m)),
        new("plan", "plan", new { }, (_, a, m, _, _) => RectificationPlan.AllowsSubmit(a, m)),
        new("milestone", "milestone", new { seq = 999 }, (_, a, m, _, _) => RectificationPlan.AllowsDone(a, m)),
    ];

    [Fact]
    public async Task EveryAllows_AgreesWithItsAction_OverStatesAndPeople()
    {
        var desk = await factory.As("dispatcher");
        var states = new Dictionary<string, long>();
        foreach (var state in States) states[state] = await MakeAsync(state);

        var disagreements = new List<string>();
        var checkedCells = 0;
        foreach (var person in People)
        {
            var client = await factory.As(person);
            foreach (var (state, id) in states)
            {
                foreach (var probe in Probes)
                {
                    var (allows, version) = await AllowsAsync(person, id, probe);
                    var response = await client.PostAsJsonAsync($"/api/v1/matters/{id}/{probe.Path}", Api.With(version, probe.Body));
                    if (response.StatusCode == HttpStatusCode.NotFound) continue; // out of sight: visibility is another rule
                    checkedCells++;
                    var status = (int)response.StatusCode;
                    var agrees = allows ? status == 400 : status is 403 or 409;
                    if (!agrees) disagreements.Add($"{probe.Name} on {state} by {person}: Allows={allows}, action answered {status} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }
        Assert.Empty(disagreements);
        Assert.True(checkedCells > 300, $"only {checkedCells} cells were visible");
        // Nothing above changed anything: every state is still as made.
        Assert.Equal("in_progress", (string?)(await desk.Get(states["in_progress"]))["status"]);
    }

    /// <summary>Sign for and approve take no request to refuse, so an allowed cell runs for real, on a matter of its own.</summary>
    [Fact]
    public async Task AcceptAndApprove_Allows_AgreesWithTheAction()
    {
        var disagreements = new List<string>();
        foreach (var (path, state) in new[] { ("accept", "dispatched"), ("accept", "in_progress"), ("approve", "pending_review"), ("approve", "in_progress") })
        {
            foreach (var person in People)
            {
                var id = await MakeAsync(state);
                var probe = new Probe(path, path, new { }, path == "accept"
                    ? (_, a, m, _, _) => Accept.Allows(a, m)
                    : (s, a, m, _, _) => Approve.Allows(s, a, m));
                var (allows, version) = await AllowsAsync(person, id, probe);
                var response = await (await factory.As(person)).PostAsJsonAsync($"/api/v1/matters/{id}/{path}", Api.With(version, new { }));
                if (response.StatusCode == HttpStatusCode.NotFound) continue;
                var status = (int)response.StatusCode;
                if (allows ? status != 200 : status is not (403 or 409))
                    disagreements.Add($"{path} on {state} by {person}: Allows={allows}, action answered {status}");
            }
        }
        Assert.Empty(disagreements);
    }

    /// <summary>The console's own composition: the matter page offers exactly what the predicates allow, nothing for a stranger.</summary>
    [Fact]
    public async Task AvailableActions_OffersTheSupervisionForms_ToWhomTheyAreAllowed()
    {
        var id = await MakeAsync("planned");
        var supervisor = await ForAsync("supervisor", id);
        var handler = await ForAsync("h-440781-rsj", id);
        var dispatcher = await ForAsync("dispatcher", id);
        Assert.True(supervisor is { KeySupervision: true, Pause: true, Urge: true, Split: true, PlanRequire: false, MilestoneDone: false, PlanSubmit: false });
        Assert.True(handler is { MilestoneDone: true, PlanSubmit: true, Progress: true, ExtensionRequest: true, KeySupervision: false, Urge: false, Merge: false });
        Assert.True(dispatcher is { KeySupervision: false, Merge: true, Relocate: true, Reject: false, ExtensionDecide: false });
        Assert.Null(await ForAsync("h-440785100", id));
    }

    /// <summary>
    /// 拆分派单: the queue offers split on a received or returned matter to exactly those who may
    /// dispatch it (the coordinators in scope), and on a matter in progress as before.
    /// </summary>
    [Fact]
    public async Task Split_OnTheQueue_IsOfferedToWhoeverMayDispatch()
    {
        var received = await MakeAsync("received");
        var returned = await MakeAsync("returned");
        var offered = new List<string>();
        foreach (var person in People)
        {
            await using var scope = factory.Scope();
            var actor = await ActorAsync(scope, person);
            var queue = await scope.ServiceProvider.GetRequiredService<AvailableActions>().ForQueueAsync([received, returned], actor, default);
            foreach (var (state, id) in new[] { ("received", received), ("returned", returned) })
            {
                if (queue.TryGetValue(id, out var can) && can.Split) offered.Add($"{state} {person}");
                var (dispatch, _) = await AllowsAsync(person, id, Probes.Single(p => p.Name == "dispatch"));
                var (split, _) = await AllowsAsync(person, id, Probes.Single(p => p.Name == "split"));
                Assert.Equal(dispatch, split);
            }
        }
        Assert.Equal(["received dispatcher", "returned dispatcher", "received supervisor", "returned supervisor", "received s-440781", "returned s-440781"], offered);
    }

    private static readonly string[] States = ["received", "returned", "dispatched", "in_progress", "extension_asked", "paused", "planned", "pending_review", "closed", "merged"];

    /// <summary>A wage complaint in 台山 brought to the state named, through the API as people do.</summary>
    private async Task<long> MakeAsync(string state)
    {
        var dispatcher = await factory.As("dispatcher");
        var handler = await factory.As("h-440781-rsj");
        var supervisor = await factory.As("supervisor");
        var id = await dispatcher.Register(Api.Matter("台城某厂拖欠工资 " + state + " " + Guid.NewGuid().ToString("N")[..6], "440781"));
        if (state == "received") return id;
        if (state == "merged")
        {
            await dispatcher.Do(id, "merge", new { targetId = await dispatcher.Register(Api.Matter("台城某厂拖欠工资 合并目标", "440781")) });
            return id;
        }
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = "440781-rsj", coUnitCodes = new[] { "440781115" } });
        if (state == "returned")
        {
            await handler.Do(id, "return", new { reason = "不属本局职责" }, reader: dispatcher);
            return id;
        }
        if (state == "dispatched") return id;
        await handler.Do(id, "accept");
        switch (state)
        {
            case "extension_asked":
                await handler.Do(id, "extension", new { op = "request", days = 5, reason = "需要调取银行流水" });
                break;
            case "paused":
                await dispatcher.Do(id, "pause", new { kind = "awaiting_raiser", reason = "等待诉求人补充劳动合同" });
                break;
            case "planned":
                await supervisor.Do(id, "plan-required", new { reason = "涉及群体欠薪，须有整改方案" });
                await handler.Do(id, "plan", new { milestones = new[] { new { title = "核查欠薪名单", dueAt = factory.Clock.GetUtcNow().AddDays(3), weight = 1 } } });
                break;
            case "pending_review":
            case "closed":
                await handler.Do(id, "complete", new { outcome = "已督促企业发放工资" });
                if (state == "closed") await dispatcher.Do(id, "approve");
                break;
        }
        return id;
    }

    private async Task<Actor> ActorAsync(AsyncServiceScope scope, string username)
    {
        var db = factory.Db(scope);
        var userId = await db.Users.Where(u => u.Username == username).Select(u => u.Id).SingleAsync();
        return (await DubanAuthenticationHandler.LoadActorAsync(db, scope.ServiceProvider.GetRequiredService<UnitDirectory>(), userId, default))!;
    }

    private async Task<(bool Allows, int Version)> AllowsAsync(string username, long id, Probe probe)
    {
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var m = await db.Matters.AsNoTracking().Include(x => x.Assignments).Include(x => x.Milestones).SingleAsync(x => x.Id == id);
        var open = await db.DispatchReturns.Where(r => r.MatterId == id && (r.State == DispatchReturn.Pending || r.State == DispatchReturn.Review))
            .OrderByDescending(r => r.Id).Select(r => r.State).FirstOrDefaultAsync();
        var allows = probe.Allows(scope.ServiceProvider.GetRequiredService<MatterScope>(), await ActorAsync(scope, username), m, open, factory.Clock.Now());
        return (allows, m.Version);
    }

    private async Task<MatterActions?> ForAsync(string username, long id)
    {
        await using var scope = factory.Scope();
        return await scope.ServiceProvider.GetRequiredService<AvailableActions>().ForAsync(id, await ActorAsync(scope, username), default);
    }
}
