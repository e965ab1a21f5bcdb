using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

/// <param name="Category">The category to dispatch under (a catalogue path, 城乡建设/市政道路); none: the matter keeps its own.</param>
/// <param name="Accept">Take the suggestion as it is (category, lead and co-handlers): one click. Not with leadUnitCode or coUnitCodes.</param>
/// <param name="TimePolicy">The time-limit policy to run under (Features/Supervision), e.g. hotline-complex; none: the one the matter's kind and urgency choose.</param>
/// <param name="DueAt">A deadline of the dispatcher's own instead of the policy's.</param>
public sealed record DispatchRequest(int? Version, string? LeadUnitCode, string[]? CoUnitCodes, DateTimeOffset? DueAt, string? Note,
    string? Category = null, bool? Accept = null, string? TimePolicy = null);

/// <summary>What the system suggests for a matter about to be dispatched, recorded in the dispatch event beside what was chosen.</summary>
public sealed record DispatchAdvice(string? Category, string? LeadUnitCode, IReadOnlyList<string> CoUnitCodes, string Rule, double Confidence,
    string CategorySource);

/// <summary>The dispatch suggestion for a matter (Features/Dispatching), and the catalogue's form of a category.</summary>
public interface IDispatchAdvisor
{
    Task<DispatchAdvice?> AdviseAsync(Matter matter, CancellationToken ct);

    /// <summary>The category as the catalogue in force writes it (a path), or null when it is not in the catalogue.</summary>
    Task<string?> CanonicalCategoryAsync(string category, CancellationToken ct);

    /// <summary>
    /// The suggestion as the dispatch's event records it (<c>suggestion</c>) and the lead unit chosen, in the dispatch's own
    /// transaction: the advisor keeps what it counts of its suggestions with the events (Features/Dispatching, corrections).
    /// </summary>
    Task SuggestionRecordedAsync(ActionStep step, JsonObject suggestion, string chosenLeadUnitCode, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>Dispatches a newly registered matter by itself when sure enough (Features/Dispatching/AutoDispatcher); null: it waits for a person.</summary>
public interface IAutoDispatch
{
    Task<Matter?> TryAsync(long matterId, CancellationToken ct);
}

/// <summary>
/// 交办: give a matter one lead unit (主办) and any co-handling units (协办) with a deadline.
/// From received, or returned (re-dispatch). A confidential report never goes to the unit it
/// reports on, nor beneath it: the reporter must be protected from the reported. The suggestion
/// of the moment is recorded in the event with what was chosen, so every correction is on record.
/// </summary>
public sealed class Dispatch(MatterWorkflow workflow, IDispatchAdvisor advisor, MatterClock clock) : MatterAction<Dispatch, DispatchRequest>, IDescribedAction
{
    public const string Name = "dispatch";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(DispatchRequest), new("派单", "Dispatch"),
        [new(Name, new("派单", "Dispatched"), _ => "已交有关单位办理 / passed to the responsible unit")],
        [
            new(Dispatching.DispatchForms.AcceptName, new("采纳建议派单", "Accept the suggestion"), typeof(Dispatching.DispatchAcceptForm),
                Dispatching.DispatchForms.ReadAcceptAsync, Primary: true),
            new(Name, new("派单", "Dispatch"), typeof(Dispatching.DispatchForm), Dispatching.DispatchForms.Read),
        ]);

    public override Task<Result<Matter>> ExecuteAsync(long id, DispatchRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, async (step, ct) =>
        {
            var m = step.Matter;
            if (Check(workflow.Scope, actor, m) is { } refused) return refused;
            if (req.Accept == true && (req.LeadUnitCode is not null || req.CoUnitCodes is not null))
                return Error.Validation("accept takes the suggestion as it is; to correct it send leadUnitCode (and coUnitCodes) without accept / 采纳建议时不能另指定单位");
            if (req.Category is { Length: > 100 }) return Error.Validation("category is at most 100 characters");
            string? category = null;
            if (Text.OrNull(req.Category) is { } asked)
            {
                category = await advisor.CanonicalCategoryAsync(asked, ct);
                if (category is null) return Error.Validation($"category {asked} is not in the dispatch catalogue / 分类「{asked}」不在派单目录中");
            }

            // A returned matter's dispatch judges the return; one sent to review is a supervisor's to judge.
            var open = await ActionRules.OpenReturnAsync(workflow.Db, m, actor, ct);
            if (!open.IsSuccess) return open.Error;

            var advice = await advisor.AdviseAsync(m, ct);
            var lead = req.LeadUnitCode;
            var co = req.CoUnitCodes;
            if (req.Accept == true)
            {
                if (advice?.LeadUnitCode is null)
                    return Error.Conflict("no_suggestion", "没有可采纳的派单建议，请指定主办单位 / there is no suggested unit to accept: choose the lead unit");
                // Accepting a route back to the unit that returned the matter would overrule the return unseen.
                if (open.Value is { } returned && advice.LeadUnitCode == returned.UnitCode)
                    return Error.Conflict("suggests_returning_unit",
                        $"建议的主办单位正是退单单位 {returned.UnitCode}：请另选单位，或明确指定该单位以驳回退单 / the suggestion is the unit that returned it: choose another, or name it to overrule the return");
                lead = advice.LeadUnitCode;
                co = [.. advice.CoUnitCodes];
                category ??= advice.Category;
            }
            var built = await Assignments.BuildAsync(workflow.Units, m, lead, co, step.Now, "", ct);
            if (!built.IsSuccess) return built.Error;
            var chosenPolicy = PolicyFor(clock, m, req.TimePolicy);
            if (!chosenPolicy.IsSuccess) return chosenPolicy.Error;
            var policy = chosenPolicy.Value!;
            DateTimeOffset? due = req.DueAt is { } d ? Clock.Normalize(d.ToUniversalTime()) : null;
            if (due is { } given && Deadline.Check(given, step.Now) is { } badDue) return badDue;

            var chosenLead = built.Value![0].UnitCode;
            // A category a person sent or accepted is confirmed (the model learns from it); otherwise the matter keeps its own.
            step.Details["categoryConfirmed"] = category is not null;
            category ??= m.Category;
            JsonObject? suggestion = advice is null ? null : Record(advice, chosenLead, built.Value.Skip(1).Select(a => a.UnitCode), category);
            if (suggestion is not null) step.Details["suggestion"] = suggestion;
            // Back to the unit that returned it: the return was improper (overruled); elsewhere: it was right (upheld).
            if (open.Value is { } judged) ActionRules.Judge(judged, chosenLead == judged.UnitCode ? DispatchReturn.Overruled : DispatchReturn.Upheld, step);

            foreach (var a in m.Assignments) a.Active = false;
            m.Assignments.AddRange(built.Value);
            m.LeadUnitCode = chosenLead;
            m.Category = category;
            StartClock(clock, m, policy, due, built.Value, step);
            // A new unit starts afresh: neither another unit's progress nor its extension request carry over.
            m.Progress = 0;
            m.ClearExtensionRequest();
            m.Status = Status.Dispatched;
            m.StatusReason = null;
            step.Reason = Text.OrNull(req.Note);
            if (suggestion is not null) await advisor.SuggestionRecordedAsync(step, suggestion, chosenLead, ct);
            return null;
        }, ct);

    /// <summary>
    /// May the actor dispatch the matter now (a dispatcher or supervisor, while it waits, not about
    /// their own organisation)? A return under a supervisor's review is the action's to refuse.
    /// </summary>
    public override bool Allows(ActionContext context) => Check(context.Scope, context.Actor, context.Matter) is null;

    /// <summary>Who may end a matter's wait for dispatch (dispatch, and split at dispatch: <see cref="Split"/>), and from which states.</summary>
    internal static Error? Check(MatterScope scope, Actor actor, Matter m) =>
        ActionRules.RequireStatus("交办/dispatch", m, Status.Received, Status.Returned)
        ?? (scope.Coordinates(actor) ? null : ActionRules.NotYours("交办"))
        ?? (MatterScope.IsInSubject(actor, m) ? Error.Forbidden("反映本单位的事项由上级交办 / a matter about your own unit is dispatched by the level above") : null);

    /// <summary>The policy a dispatch runs under: the one named, else the one the matter's kind and urgency choose.</summary>
    internal static Result<TimePolicy> PolicyFor(MatterClock clock, Matter m, string? named)
    {
        if (Text.OrNull(named) is not { } id) return clock.DefaultPolicy(m.Kind, m.Urgency);
        return clock.Policies.Find(id) is { } chosen
            ? chosen
            : Error.Validation($"timePolicy {id} is not a time-limit policy / 没有名为 {id} 的办理时限策略");
    }

    /// <summary>
    /// Starts the handling clock of a dispatch (the policy's deadline from now, or the one given)
    /// and records the policy in the event; a deadline of one's own beyond the policy's (a rule's
    /// time limit) stays on record beside it.
    /// </summary>
    internal static void StartClock(MatterClock clock, Matter m, TimePolicy policy, DateTimeOffset? due,
        IEnumerable<Assignment> fresh, ActionStep step)
    {
        var policyDue = PolicyDue(clock, policy, step.Now);
        clock.Start(m, policy, step.Now, due, fresh);
        step.Details["timePolicy"] = policy.Id;
        step.Details["policyDueAt"] = policyDue;
        step.Details["beyondPolicy"] = due > policyDue;
    }

    /// <summary>The deadline a policy sets from <paramref name="now"/> on the working-day calendar (what <see cref="MatterClock.Start"/> sets).</summary>
    internal static DateTimeOffset PolicyDue(MatterClock clock, TimePolicy policy, DateTimeOffset now) => policy.Handle.From(now, clock.Calendar);

    /// <summary>
    /// The deadline a dispatch at <paramref name="now"/> would set without a deadline or policy of the dispatcher's
    /// own: the policy the matter's kind and urgency choose (<see cref="PolicyFor"/>), on the calendar. The queue
    /// shows it before the click; it is the rule the dispatch runs, not a copy of it.
    /// </summary>
    public static DateTimeOffset DueIfDispatched(MatterClock clock, Matter m, DateTimeOffset now) =>
        PolicyDue(clock, PolicyFor(clock, m, null).Value!, now);

    /// <summary>The suggestion and which of its parts the dispatcher changed (category, lead unit, co-handlers).</summary>
    private static JsonObject Record(DispatchAdvice advice, string lead, IEnumerable<string> co, string? category)
    {
        var suggestedCo = advice.CoUnitCodes.Order(StringComparer.Ordinal).ToArray();
        var chosenCo = co.Order(StringComparer.Ordinal).ToArray();
        var corrected = new JsonArray();
        // A first level alone chosen over the suggestion's path within it (城乡建设 for 城乡建设/道路坑洼) is no correction.
        if (advice.Category != category && !(category is not null && advice.Category?.StartsWith(category + "/", StringComparison.Ordinal) == true))
            corrected.Add("category");
        if (advice.LeadUnitCode != lead) corrected.Add("leadUnitCode");
        if (!suggestedCo.SequenceEqual(chosenCo, StringComparer.Ordinal)) corrected.Add("coUnitCodes");
        return new JsonObject
        {
            ["category"] = advice.Category,
            ["categorySource"] = advice.CategorySource,
            ["leadUnitCode"] = advice.LeadUnitCode,
            ["coUnitCodes"] = new JsonArray([.. suggestedCo.Select(c => JsonValue.Create(c))]),
            ["rule"] = advice.Rule,
            ["confidence"] = advice.Confidence,
            ["accepted"] = corrected.Count == 0,
            ["corrected"] = corrected,
        };
    }
}
