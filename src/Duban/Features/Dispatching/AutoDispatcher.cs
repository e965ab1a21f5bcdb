using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Dispatching;

/// <summary>
/// 自动派单: a newly registered matter goes straight to its unit when the deployment's learned model
/// is sure of its category (Duban:Dispatch:AutoConfidence, default 0.9, of the route's confidence:
/// the category's times the place's) and the ordinary owner rule names a unit. Everything else
/// waits in the dispatcher's queue with its top three suggestions: confidential reports, reports
/// about a unit or person, matters whose category a person gave or the keywords guessed, and
/// every other rule (兜底, upward fallback, another city, no place). The dispatch is the ordinary
/// action by the actor <see cref="ActorName"/>, so its event records the suggestion; a failure
/// leaves the matter in the queue, nothing lost.
/// </summary>
public sealed class AutoDispatcher(DubanDb db, Dispatch dispatch, DispatchSuggestions suggestions, IConfiguration configuration,
    ILogger<AutoDispatcher> logger) : IAutoDispatch
{
    public const string ActorName = "自动派单";
    private readonly bool enabled = configuration.GetValue("Duban:Dispatch:AutoDispatch", true);
    private readonly double threshold = configuration.GetValue("Duban:Dispatch:AutoConfidence", 0.9);
    private readonly string home = configuration["Duban:HomeDivision"] ?? "440700";

    public Actor Actor => new(null, "auto-dispatch", ActorName, "", "", home,
        new HashSet<string>(StringComparer.Ordinal) { Roles.Dispatcher }, []);

    /// <summary>Dispatches the matter when the rules above allow; the matter after it, or null when it waits for a person.</summary>
    public async Task<Matter?> TryAsync(long matterId, CancellationToken ct)
    {
        if (!enabled) return null;
        var m = await db.Matters.AsNoTracking().FirstOrDefaultAsync(x => x.Id == matterId, ct);
        if (m is null || m.Status != Status.Received || m.Confidential || m.SubjectUnitCode is not null || m.SubjectPerson is not null
            || m.Category is not null || m.ParentId is not null)
            return null;
        var best = suggestions.Top(await suggestions.RouterAsync(ct), m, 1)[0];
        if (best is not { CategorySource: "learned", Rule: RoutingRule.CategoryOwner, LeadUnit: not null } || best.Confidence < threshold) return null;
        var category = best.Subcategory is null ? best.Category : best.Category + Catalogue.Separator + best.Subcategory;
        var note = $"自动派单：置信度 {best.Confidence:0.00} ≥ {threshold:0.00} / dispatched automatically: confidence {best.Confidence:0.00}";
        var result = await dispatch.ExecuteAsync(m.Id, new DispatchRequest(m.Version, best.LeadUnit.Code, [.. best.CoUnits.Select(u => u.Code)],
            null, note, category), Actor, ct);
        if (result.IsSuccess) return result.Value;
        // Someone acted first, or a rule of dispatch refused: the dispatcher sees it in the queue.
        logger.LogInformation("Matter {Number} was not dispatched automatically: {Problem}", m.Number, result.Error!.Message);
        return null;
    }
}
