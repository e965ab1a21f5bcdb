using System.Net;
using System.Net.Http.Json;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.StaffConsole;
using Duban.Features.Supervision;
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
    private sealed record Probe(string Name, string Path, object Body, Func<ActionContext, IServiceProvider, bool> Allows);

    /// <summary>The registry's predicate of the action named (what availableActions lists and the page offers).</summary>
    private static Func<ActionContext, IServiceProvider, bool> Registered(string action) =>
        (c, sp) => sp.GetRequiredService<MatterActions>().Allows(sp, action, c);

    private static readonly Probe[] Probes =
    [
        new("classify", "classify", new { }, Registered("classify")),
        new("dispatch", "dispatch", new { accept = true, leadUnitCode = "440781-rsj" }, Registered("dispatch")),
        new("return", "return", new { }, Registered("return")),
        new("return-review", "return-review", new { }, Registered("return-review")),
        new("progress", "progress", new { }, Registered("progress")),
        new("complete", "complete", new { }, Registered("complete")),
        new("send-back", "send-back", new { }, Registered("send-back")),
        new("urge", "urge", new { note = TooLong }, Registered("urge")),
        new("split", "split", new { children = Array.Empty<object>() }, Registered("split")),
        new("merge", "merge", new { }, Registered("merge")),
        new("reject", "reject", new { }, Registered("reject")),
        new("reopen", "reopen", new { }, Registered("reopen")),
        new("territory", "territory", new { }, Registered("territory")),
        new("extension request", "extension", new { op = "request", days = 0 }, (c, _) => Extension.Allows(c.Scope, c.Actor, c.Matter, "request")),
        new("extension refuse", "extension", new { op = "refuse" }, (c, _) => Extension.Allows(c.Scope, c.Actor, c.Matter, "refuse")),
        new("pause", "pause", new { }, Registered("pause")),
        new("resume", "resume", new { note = TooLong }, Registered("resume")),
        new("key-supervision", "key-supervision", new { }, Registered("key-supervision")),
        new("plan-required", "plan-required", new { }, Registered("plan-required")),
        new("plan", "plan", new { }, Registered("plan")),
        new("milestone", "milestone", new { seq = 999 }, Registered("milestone")),
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
                var probe = new Probe(path, path, new { }, Registered(path));
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
        var supervisor = await FormsAsync("supervisor", id);
        var handler = await FormsAsync("h-440781-rsj", id);
        var dispatcher = await FormsAsync("dispatcher", id);
        Assert.NotNull(supervisor);
        Assert.Superset(new HashSet<string> { "key-on", "pause", "urge", "split" }, supervisor);
        Assert.Empty(supervisor.Intersect(["plan-required", "milestone", "plan"]));
        Assert.NotNull(handler);
        Assert.Superset(new HashSet<string> { "milestone", "plan", "progress", "extension-request" }, handler);
        Assert.Empty(handler.Intersect(["key-on", "key-off", "urge", "merge"]));
        Assert.NotNull(dispatcher);
        Assert.Superset(new HashSet<string> { "merge", "relocate" }, dispatcher);
        Assert.Empty(dispatcher.Intersect(["key-on", "key-off", "reject", "extension-approve", "extension-refuse"]));
        Assert.Null(await FormsAsync("h-440785100", id));
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
            var actor = await factory.Desk.ActorAsync(scope, person);
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

    /// <summary>A complaint in 台山 brought to the state named, through the API as people do: dispatched to 台山市人社局 with 川岛镇 beside it.</summary>
    private Task<long> MakeAsync(string state) =>
        factory.Desk.Matter(NewMatter.Noise("台城某厂拖欠工资 " + state + " " + Guid.NewGuid().ToString("N")[..6], "440781"))
            .Lead("440781-rsj", "440781115").InStateAsync(state);

    private async Task<(bool Allows, int Version)> AllowsAsync(string username, long id, Probe probe)
    {
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var sp = scope.ServiceProvider;
        var m = await db.Matters.AsNoTracking().Include(x => x.Assignments).SingleAsync(x => x.Id == id);
        await sp.GetRequiredService<MatterFacets>().LoadAsync(db, [m], tracked: false, default);
        var open = await db.DispatchReturns.Where(r => r.MatterId == id && (r.State == DispatchReturn.Pending || r.State == DispatchReturn.Review))
            .OrderByDescending(r => r.Id).Select(r => r.State).FirstOrDefaultAsync();
        var context = new ActionContext(sp.GetRequiredService<MatterScope>(), await factory.Desk.ActorAsync(scope, username), m, factory.Clock.Now(), open,
            sp.GetRequiredService<MatterClock>());
        return (probe.Allows(context, sp), m.Version);
    }

    /// <summary>The forms the matter page draws for the user, as it chooses them; null when the user does not see the matter.</summary>
    private async Task<HashSet<string>?> FormsAsync(string username, long id)
    {
        await using var scope = factory.Scope();
        var read = await scope.ServiceProvider.GetRequiredService<MatterQueries>().ReadAsync(id, await factory.Desk.ActorAsync(scope, username), default);
        return read is not { } r ? null
            : [.. Duban.Features.Matters.Forms.MatterForms.Shown(scope.ServiceProvider.GetRequiredService<MatterActions>(), r.Detail, r.Context).Select(f => f.Name)];
    }
}
