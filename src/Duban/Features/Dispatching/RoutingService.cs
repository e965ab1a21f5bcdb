using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Rounds;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Dispatching;

/// <summary>
/// Routing suggestions with this node's data: the catalogue in force, the inspection rounds (Features/Rounds), the
/// units, the places of China (for a matter not placed yet) and the category suggester. Nothing
/// is recorded here: a suggestion is accepted or corrected by the dispatch action, whose event
/// records it beside the choice (<see cref="IDispatchAdvisor"/>).
/// </summary>
public sealed class DispatchSuggestions(DubanDb db, AuditLog audit, CatalogueStore store, UnitDirectory directory, GeoService geo,
    ICategorySuggester suggester, MatterScope scope, IConfiguration configuration, RoundStore rounds, MatterKinds kinds) : IDispatchAdvisor
{
    private readonly string home = configuration["Duban:HomeDivision"] ?? "440700";

    /// <summary>
    /// GET /matters/{id}/suggestion: for the dispatchers and supervisors who see the matter (404
    /// for a matter out of sight, exactly as for one that does not exist; 403 for others who see it).
    /// </summary>
    public async Task<Result<DispatchSuggestion>> ForMatterAsync(long id, Actor actor, CancellationToken ct)
    {
        var m = await scope.Visible(db.Matters.AsNoTracking(), db, actor).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (m is null) return Error.NotFound();
        if (!scope.Coordinates(actor))
            return Error.Forbidden("只有受理和督办人员可以查看派单建议 / only dispatchers and supervisors see dispatch suggestions");
        var catalogue = await store.EnsureAsync(db, audit, ct);
        return Top(await RouterAsync(catalogue.Catalogue, ct), m, 1)[0];
    }

    /// <summary>A router over the catalogue in force (the shipped one before any is saved), without saving anything.</summary>
    public async Task<DispatchRouter> RouterAsync(CancellationToken ct) =>
        await RouterAsync((await store.CurrentAsync(ct))?.Catalogue ?? store.Shipped.Catalogue, ct);

    private (Catalogue Catalogue, object Units, object Rounds, DispatchRouter Router)? built;

    /// <summary>
    /// One router per request for the same catalogue, units and rounds: an auto-dispatch routes the
    /// matter, then its dispatch routes it again to record the suggestion.
    /// </summary>
    private async Task<DispatchRouter> RouterAsync(Catalogue catalogue, CancellationToken ct)
    {
        var units = await directory.AllAsync(ct);
        var inForce = await rounds.CurrentAsync(ct);
        if (built is { } b && ReferenceEquals(b.Catalogue, catalogue) && ReferenceEquals(b.Units, units) && ReferenceEquals(b.Rounds, inForce)) return b.Router;
        var router = Router(geo, home, suggester, catalogue, units.Values, inForce);
        built = (catalogue, units, inForce, router);
        return router;
    }

    /// <summary>
    /// The best routes for a matter, best first, at most <paramref name="count"/>: one for each of
    /// the likeliest categories (the matter's own first when it has one), each with its reason.
    /// </summary>
    /// <param name="placeConfidence">How sure the matter's place is (intake's reading); default 1: staff placed or confirmed it.</param>
    public IReadOnlyList<DispatchSuggestion> Top(DispatchRouter router, Matter m, int count, double placeConfidence = 1)
    {
        var (territory, confidence) = m.TerritoryCode is { } placed ? (placed, placeConfidence) : Resolve(m.Location, m.Title, m.Content);
        var input = new RoutingInput(m.Kind, m.Title, m.Content, m.Category, territory, confidence, m.SubjectUnitCode, m.SubjectPerson,
            m.Confidential, m.ReceivedAt)
        { Misconduct = kinds.Misconduct(m.Kind) };
        // The text is read once: the best route and the alternatives share the suggester's answer.
        var guess = count > 1 || m.Category is null ? suggester.Suggest(m.Title, m.Content) : null;
        var best = router.Route(input with { Suggested = guess });
        var routes = new List<DispatchSuggestion> { best };
        if (guess is null) return routes;
        foreach (var alternative in guess.Alternatives)
        {
            if (routes.Count >= count) break;
            if (routes.Any(r => r.Category == alternative.Category)) continue;
            var route = router.Route(input with
            {
                Category = null,
                Suggested = new CategorySuggestion(alternative.Category, null, alternative.Confidence) { Evidence = guess.Evidence, EvidenceEn = guess.EvidenceEn, Learned = guess.Learned },
            });
            if (!routes.Any(r => r.Category == route.Category && r.LeadUnit?.Code == route.LeadUnit?.Code)) routes.Add(route);
        }
        return routes;
    }

    /// <summary>The suggestion recorded with a dispatch (IDispatchAdvisor): the matter is already in the actor's sight.</summary>
    public async Task<DispatchAdvice?> AdviseAsync(Matter matter, CancellationToken ct)
    {
        var s = Top(await RouterAsync(ct), matter, 1)[0];
        return new DispatchAdvice(s.CategoryPath, s.LeadUnit?.Code, s.CoUnits.Select(u => u.Code).ToList(), s.Rule, s.Confidence, s.CategorySource);
    }

    /// <summary>Counts the dispatch's suggestion and choice (DispatchCorrections), in its transaction.</summary>
    public Task SuggestionRecordedAsync(ActionStep step, System.Text.Json.Nodes.JsonObject suggestion, string chosenLeadUnitCode, CancellationToken ct) =>
        DispatchCorrections.CountAsync(step, suggestion, chosenLeadUnitCode, ct);

    public async Task<string?> CanonicalCategoryAsync(string category, CancellationToken ct) =>
        ((await store.CurrentAsync(ct))?.Catalogue ?? store.Shipped.Catalogue).Find(category)?.Path;

    private (string? Code, double Confidence) Resolve(string? location, string? title, string? content) => Resolve(geo, location, title, content);

    /// <summary>The place of a matter from its text, as intake reads it (GeoService.ResolveTerritory).</summary>
    public static (string? Code, double Confidence) Resolve(GeoService geo, string? location, string? title, string? content)
    {
        var match = geo.ResolveTerritory(location, title, content);
        return (match.Code, match.Confidence);
    }

    /// <summary>A router over these units, this catalogue and these rounds, naming places and the province from the divisions of China.</summary>
    public static DispatchRouter Router(GeoService geo, string home, ICategorySuggester suggester, Catalogue catalogue, IEnumerable<UnitInfo> units,
        IReadOnlyList<InspectionRound> rounds)
    {
        var divisions = geo.Gazetteer.Divisions;
        var homeIndex = divisions.Find(home);
        return new DispatchRouter(catalogue, rounds, units, home, suggester,
            // 江门市台山市川岛镇 inside the home province, 福建省三明市… outside it.
            code => divisions.Find(code) is var i and > 0 ? string.Concat(divisions.Path(i).Skip(code[..2] == home[..2] ? 1 : 0)) : null,
            homeIndex > 0 ? divisions.Path(homeIndex)[0] : null);
    }
}
