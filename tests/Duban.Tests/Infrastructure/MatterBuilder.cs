using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Duban.Tests.Infrastructure;

/// <summary>A matter made: its id, its number, and the version its last step left.</summary>
public sealed record Made(long Id, string Number, int Version);

/// <summary>
/// A matter made through the API as people make it (<c>desk.Matter(NewMatter.Wages()).Lead("440781-rsj").InProgressAsync()</c>):
/// registered (by the dispatcher unless <see cref="RegisteredBy"/>), then brought by the actions, each by
/// whom the rules ask, to the state named. The one place that knows the requests of the actions on the way:
/// <list type="bullet">
/// <item><c>received</c>: registered;</item>
/// <item><c>rejected</c>, <c>merged</c>: rejected, or merged into a matter given or registered alike;</item>
/// <item><c>dispatched</c>: dispatched to the <see cref="Lead"/> unit (and co-units, a deadline, a policy, a note);</item>
/// <item><c>returned</c>: returned by the lead unit's handler;</item>
/// <item><c>in_progress</c>: signed for by the lead unit's handler;</item>
/// <item><c>extension_asked</c>, <c>paused</c>, <c>planned</c>: in progress with an extension asked, the clock paused
/// by the coordinator while awaiting the raiser, or a plan required by the city's supervisor and submitted (one milestone);</item>
/// <item><c>pending_review</c>, <c>closed</c>: completed by the lead unit, then approved by the coordinator.</item>
/// </list>
/// The coordinator (who dispatches, rejects, merges, pauses and approves) is the registrar unless
/// <see cref="DispatchedBy"/>. Each step carries the version the previous one answered; each must succeed.
/// </summary>
public sealed record MatterBuilder
{
    public static readonly IReadOnlyList<string> States =
        ["received", "rejected", "merged", "dispatched", "returned", "in_progress", "extension_asked", "paused", "planned", "pending_review", "closed"];

    internal MatterBuilder(Desk desk, NewMatter matter) => (Desk, Matter) = (desk, matter);

    private Desk Desk { get; }
    private NewMatter Matter { get; init; }
    private string Registrar { get; init; } = "dispatcher";
    private string? Coordinator { get; init; }
    private string? LeadUnit { get; init; }
    private string[] CoUnits { get; init; } = [];
    private DateTimeOffset? DueAt { get; init; }
    private string? TimePolicy { get; init; }
    private string? Note { get; init; }
    private long? MergeTarget { get; init; }

    /// <summary>Registered by this account (a supervisor, a county's supervisor), who then coordinates it too.</summary>
    public MatterBuilder RegisteredBy(string username) => this with { Registrar = username };

    /// <summary>Dispatched, rejected, merged, paused and approved by this account rather than the registrar.</summary>
    public MatterBuilder DispatchedBy(string username) => this with { Coordinator = username };

    /// <summary>The unit it is dispatched to, and its co-handling units.</summary>
    public MatterBuilder Lead(string unit, params string[] co) => this with { LeadUnit = unit, CoUnits = co };

    /// <summary>A deadline of the dispatcher's own.</summary>
    public MatterBuilder Due(DateTimeOffset? at) => this with { DueAt = at };

    /// <summary>A time-limit policy named at dispatch (hotline-complex).</summary>
    public MatterBuilder Under(string? timePolicy) => this with { TimePolicy = timePolicy };

    /// <summary>The dispatch's note.</summary>
    public MatterBuilder Noting(string? note) => this with { Note = note };

    /// <summary>Merged (for <c>merged</c>) into this matter rather than one registered alike.</summary>
    public MatterBuilder MergedInto(long target) => this with { MergeTarget = target };

    public Task<long> ReceivedAsync() => InStateAsync("received");

    public Task<long> DispatchedAsync() => InStateAsync("dispatched");

    public Task<long> ReturnedAsync() => InStateAsync("returned");

    public Task<long> InProgressAsync() => InStateAsync("in_progress");

    public Task<long> PendingReviewAsync() => InStateAsync("pending_review");

    public Task<long> ClosedAsync() => InStateAsync("closed");

    /// <summary>The matter's id, brought to <paramref name="state"/> (one of <see cref="States"/>).</summary>
    public async Task<long> InStateAsync(string state) => (await MakeAsync(state)).Id;

    /// <summary>The matter brought to <paramref name="state"/> (one of <see cref="States"/>), with its number and version.</summary>
    public async Task<Made> MakeAsync(string state = "received")
    {
        if (!States.Contains(state)) throw new ArgumentException($"no way to {state}; one of {string.Join(", ", States)}", nameof(state));
        var coordinator = Desk.As(Coordinator ?? Registrar);
        var made = await RegisterAsync(Matter);
        switch (state)
        {
            case "received":
                return made;
            case "rejected":
                return await StepAsync(made, coordinator, "reject", new { reason = "不属于受理范围" });
            case "merged":
                return await StepAsync(made, coordinator, "merge", new { targetId = MergeTarget ?? (await RegisterAsync(Matter with { Title = Matter.Title + "（合并目标）" })).Id });
        }
        var lead = LeadUnit ?? throw new InvalidOperationException($"to bring a matter to {state}, say which unit it goes to: Lead(unit)");
        var handler = Desk.Handler(lead);
        made = await StepAsync(made, coordinator, "dispatch",
            new { leadUnitCode = lead, coUnitCodes = CoUnits.Length == 0 ? null : CoUnits, dueAt = DueAt, timePolicy = TimePolicy, note = Note });
        switch (state)
        {
            case "dispatched":
                return made;
            case "returned":
                return await StepAsync(made, handler, "return", new { reason = "不属本单位职责" });
        }
        made = await StepAsync(made, handler, "accept");
        switch (state)
        {
            case "in_progress":
                return made;
            case "extension_asked":
                return await StepAsync(made, handler, "extension", new { op = "request", days = 5, reason = "需要等待检测报告" });
            case "paused":
                return await StepAsync(made, coordinator, "pause", new { kind = "awaiting_raiser", reason = "等待诉求人补充材料" });
            case "planned":
                made = await StepAsync(made, Desk.Supervisor, "plan-required", new { reason = "须有整改方案" });
                return await StepAsync(made, handler, "plan",
                    new { milestones = new[] { new { title = "制定整改措施", dueAt = Desk.Factory.Clock.GetUtcNow().AddDays(3), weight = 1 } } });
        }
        made = await StepAsync(made, handler, "complete", new { outcome = "已处理" });
        return state == "pending_review" ? made : await StepAsync(made, coordinator, "approve");
    }

    private async Task<Made> RegisterAsync(NewMatter matter)
    {
        var response = await Desk.As(Registrar).PostAsJsonAsync("/api/v1/matters", matter.Body());
        var json = await response.Json(HttpStatusCode.Created);
        return new Made((long)json["id"]!, (string)json["number"]!, (int)json["version"]!);
    }

    private static async Task<Made> StepAsync(Made made, HttpClient who, string action, object? body = null)
    {
        var response = await who.PostAsJsonAsync($"/api/v1/matters/{made.Id}/{action}", Api.With(made.Version, body));
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"{action} on {made.Number} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return made with { Version = (int)json["version"]! };
    }
}
