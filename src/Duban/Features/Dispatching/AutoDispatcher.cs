using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Dispatching;

/// <summary>
/// 自动派单: a newly registered matter goes straight to its unit when the deployment's learned model
/// is sure of its category (Duban:Dispatch:AutoConfidence, default 0.9, of the route's confidence:
/// the category's times the place's) and the ordinary owner rule names a unit. Everything else
/// waits in the dispatcher's queue with its top three suggestions: reports (举报), confidential
/// matters, matters about a unit or person, matters whose title or content names a unit or points
/// at officials (they may accuse the unit they would go to), matters whose category a person gave
/// or the keywords guessed, and every other rule (兜底, upward fallback, another city, no place).
/// The place counts with the confidence intake read it with. The dispatch is the ordinary
/// action by the actor <see cref="ActorName"/>, so its event records the suggestion; a failure
/// leaves the matter in the queue, nothing lost.
/// </summary>
public sealed class AutoDispatcher(DubanDb db, MatterKinds kinds, Dispatch dispatch, DispatchSuggestions suggestions, LearnedSuggester learned,
    IOptions<DispatchOptions> options, IConfiguration configuration, ILogger<AutoDispatcher> logger) : IAutoDispatch
{
    public const string ActorName = "自动派单";
    private readonly bool enabled = options.Value.AutoDispatch;
    private readonly double threshold = options.Value.AutoConfidence;
    private readonly string home = configuration["Duban:HomeDivision"] ?? "440700";

    public Actor Actor => new(null, "auto-dispatch", ActorName, "", "", home,
        new HashSet<string>(StringComparer.Ordinal) { Roles.Dispatcher }, []);

    /// <summary>Dispatches the matter when the rules above allow; the matter after it, or null when it waits for a person.</summary>
    public async Task<Matter?> TryAsync(long matterId, CancellationToken ct)
    {
        // Without a learned model nothing can be sure enough: no read, no routing on the way of every registration.
        if (!enabled || learned.Model is null) return null;
        try
        {
            return await DispatchIfSureAsync(matterId, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The matter is registered and durable; a failure here only leaves it in the queue.
            logger.LogWarning(e, "Matter {Id} was not dispatched automatically", matterId);
            return null;
        }
    }

    private async Task<Matter?> DispatchIfSureAsync(long matterId, CancellationToken ct)
    {
        var m = await db.Matters.AsNoTracking().FirstOrDefaultAsync(x => x.Id == matterId, ct);
        if (m is null || m.Status != Status.Received || kinds.ConfidentialByDefault(m.Kind) || m.Confidential || m.SubjectUnitCode is not null
            || m.SubjectPerson is not null || m.Category is not null || m.ParentId is not null)
            return null;
        var router = await suggestions.RouterAsync(ct);
        // A complaint that names a unit or points at officials may accuse the unit it would go to.
        if (router.MayAccuseAUnit(m.Title + "\n" + m.Content)) return null;
        var best = suggestions.Top(router, m, 1, await PlaceConfidenceAsync(m, ct))[0];
        if (best is not { CategorySource: "learned", Rule: RoutingRule.CategoryOwner, LeadUnit: not null } || best.Confidence < threshold) return null;
        var note = $"自动派单：置信度 {best.Confidence:0.00} ≥ {threshold:0.00} / dispatched automatically: confidence {best.Confidence:0.00}";
        var result = await dispatch.ExecuteAsync(m.Id, new DispatchRequest(m.Version, best.LeadUnit.Code, [.. best.CoUnits.Select(u => u.Code)],
            null, note, best.CategoryPath), Actor, ct);
        if (result.IsSuccess) return result.Value;
        // Someone acted first, or a rule of dispatch refused: the dispatcher sees it in the queue.
        logger.LogInformation("Matter {Number} was not dispatched automatically: {Problem}", m.Number, result.Error!.Message);
        return null;
    }

    /// <summary>How sure intake was of the place (its register event's territory.confidence); 1 when staff gave it.</summary>
    private async Task<double> PlaceConfidenceAsync(Matter m, CancellationToken ct)
    {
        var data = await db.Events.AsNoTracking().Where(e => e.MatterId == m.Id && e.Action == "register").Select(e => e.Data).FirstOrDefaultAsync(ct);
        var territory = data is null ? null : System.Text.Json.Nodes.JsonNode.Parse(data)?["territory"];
        return territory?["source"]?.GetValue<string>() is "resolved" && territory["confidence"] is { } c ? c.GetValue<double>() : 1;
    }
}
