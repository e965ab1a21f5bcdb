using System.Text.Json.Nodes;
using Duban.Features.Supervision;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Supervision;

/// <summary>
/// The supervision tests' scene: a deployment whose clock starts on Monday 2 November 2026 at 09:00
/// China time, a wage complaint in 台山, the desks of the city dispatcher, 台山市人社局's handler and
/// the city supervisor, and the automatic steps run on chosen nodes.
/// </summary>
internal static class SupervisionScenario
{
    internal static readonly TimeSpan China = TimeSpan.FromHours(8);
    internal static readonly DateTimeOffset Monday = new(2026, 11, 2, 9, 0, 0, China);

    internal static DateTimeOffset At(int month, int day, int hour = 0, int minute = 0) => new(2026, month, day, hour, minute, 0, China);

    internal static object Wages(string title, string kind = "complaint", string urgency = "normal") => new
    {
        kind,
        channel = "phone",
        title,
        urgency,
        content = "台城某工厂老板拖欠三个月工资不发。",
        location = "台山市台城街道",
        raiser = new { name = "黄秀英", phone = "13922223333" },
    };

    internal sealed class Desk(DubanFactory factory)
    {
        public HttpClient Dispatcher = null!, Handler = null!, Supervisor = null!;

        public async Task SignInAsync()
        {
            factory.ForgetSignIns();
            Dispatcher = await factory.As("dispatcher");
            Handler = await factory.As("h-440781-rsj");
            Supervisor = await factory.As("supervisor");
        }

        /// <summary>Moves the clock to <paramref name="when"/> and signs in again (tokens expire).</summary>
        public async Task MoveToAsync(DateTimeOffset when)
        {
            factory.Clock.Advance(when - factory.Clock.GetUtcNow());
            await SignInAsync();
        }

        public async Task<long> DispatchedAsync(string title, string kind = "complaint", string urgency = "normal", object? dispatch = null)
        {
            var id = await Dispatcher.Register(Wages(title, kind, urgency));
            var body = dispatch is null ? new JsonObject() : System.Text.Json.JsonSerializer.SerializeToNode(dispatch)!.AsObject();
            body["leadUnitCode"] = "440781-rsj";
            await Dispatcher.Do(id, "dispatch", body);
            return id;
        }

        public async Task<JsonNode> ClockAsync(long id) => (await Dispatcher.Get(id))["clock"]!;
    }

    internal static async Task<(DubanFactory, Desk)> StartAsync(DateTimeOffset? at = null)
    {
        var factory = DubanFactory.StartingAt(at ?? Monday);
        await factory.InitializeAsync();
        var desk = new Desk(factory);
        await desk.SignInAsync();
        return (factory, desk);
    }

    internal static DateTimeOffset Time(JsonNode? node) => (DateTimeOffset)node!;

    /// <summary>
    /// Runs the steps on the given nodes at once and counts those taken on these matters (the
    /// demo's own matters, overdue on this clock, get theirs too).
    /// </summary>
    internal static async Task<StepCounts> Run(DubanFactory factory, long[] ids, params DubanFactory[] nodes)
    {
        async Task<StepCounts> Taken()
        {
            await using var scope = factory.Scope();
            var actions = await factory.Db(scope).Events.Where(e => e.MatterId != null && ids.Contains(e.MatterId.Value)).Select(e => e.Action).ToListAsync();
            return new StepCounts(actions.Count(a => a == SupervisionSteps.Remind), actions.Count(a => a == SupervisionSteps.Notice),
                actions.Count(a => a == SupervisionSteps.Escalate));
        }
        var before = await Taken();
        await Task.WhenAll(nodes.Select(n => n.Services.GetRequiredService<SupervisionSteps>().RunAsync(default)));
        var after = await Taken();
        return new StepCounts(after.Reminded - before.Reminded, after.Noticed - before.Noticed, after.Escalated - before.Escalated);
    }

    /// <summary>Runs the steps once on this node and lists the matter's event actions.</summary>
    internal static async Task<List<string>> StepsOn(DubanFactory factory, long id)
    {
        await factory.Services.GetRequiredService<SupervisionSteps>().RunAsync(default);
        await using var scope = factory.Scope();
        return await factory.Db(scope).Events.Where(e => e.MatterId == id).Select(e => e.Action).ToListAsync();
    }
}
