using System.Text.Json.Nodes;
using Duban.Features.Supervision;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Supervision;

/// <summary>
/// The supervision tests' scene: a deployment whose clock starts on Monday 2 November 2026 at 09:00
/// China time, a wage complaint in 台山 dispatched to 台山市人社局 (the desk's dispatcher, supervisor and
/// <c>Handler(Rsj)</c> act on it), and the automatic steps run on chosen nodes.
/// </summary>
internal static class SupervisionScenario
{
    internal static readonly TimeSpan China = TimeSpan.FromHours(8);
    internal static readonly DateTimeOffset Monday = new(2026, 11, 2, 9, 0, 0, China);

    internal static DateTimeOffset At(int month, int day, int hour = 0, int minute = 0) => new(2026, month, day, hour, minute, 0, China);

    /// <summary>台山市人社局, the unit the scene's complaints go to.</summary>
    internal const string Rsj = "440781-rsj";

    /// <summary>A wage complaint in 台城 (or a petition...) on its way to 台山市人社局: <c>desk.Wages("...").InProgressAsync()</c>.</summary>
    internal static MatterBuilder Wages(this Desk desk, string title, string kind = "complaint", string urgency = "normal") =>
        desk.Matter(NewMatter.Wages(title).OfKind(kind) with { Urgency = urgency }).Lead(Rsj);

    internal static async Task<JsonNode> ClockAsync(this Desk desk, long id) => (await desk.Dispatcher.Get(id))["clock"]!;

    /// <summary>A deployment on the scene's clock and its desk, where the dispatcher, the supervisor and 台山市人社局's handler sign in.</summary>
    internal static async Task<(DubanFactory, Desk)> StartAsync(DateTimeOffset? at = null)
    {
        var factory = DubanFactory.StartingAt(at ?? Monday);
        await factory.InitializeAsync();
        return (factory, factory.Desk);
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
