using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Dispatching;

/// <summary>
/// Routing suggestions with this node's data: the catalogue in force, the shipped rounds, the
/// units, the places of China (for a matter not placed yet) and the category suggester. Nothing
/// is recorded: a suggestion is accepted by the ordinary dispatch action.
/// </summary>
public sealed class DispatchSuggestions(DubanDb db, AuditLog audit, CatalogueStore store, UnitDirectory directory, GeoService geo,
    ICategorySuggester suggester, MatterScope scope, IConfiguration configuration)
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
        var (territory, confidence) = m.TerritoryCode is { } placed ? (placed, 1.0) : Resolve(m.Location, m.Title, m.Content);
        var input = new RoutingInput(m.Kind, m.Title, m.Content, m.Category, territory, confidence, m.SubjectUnitCode, m.SubjectPerson,
            m.Confidential, m.ReceivedAt);
        return Router(geo, home, suggester, catalogue.Catalogue, (await directory.AllAsync(ct)).Values).Route(input);
    }

    private (string? Code, double Confidence) Resolve(string? location, string? title, string? content) => Resolve(geo, location, title, content);

    /// <summary>The place of a matter from its text, as intake reads it (GeoService.ResolveTerritory).</summary>
    public static (string? Code, double Confidence) Resolve(GeoService geo, string? location, string? title, string? content)
    {
        var match = geo.ResolveTerritory(location, title, content);
        return (match.Code, match.Confidence);
    }

    /// <summary>A router over these units and this catalogue, naming places and the province from the divisions of China.</summary>
    public static DispatchRouter Router(GeoService geo, string home, ICategorySuggester suggester, Catalogue catalogue, IEnumerable<UnitInfo> units)
    {
        var divisions = geo.Gazetteer.Divisions;
        var homeIndex = divisions.Find(home);
        return new DispatchRouter(catalogue, InspectionRound.Shipped, units, home, suggester,
            // 江门市台山市川岛镇 inside the home province, 福建省三明市… outside it.
            code => divisions.Find(code) is var i and > 0 ? string.Concat(divisions.Path(i).Skip(code[..2] == home[..2] ? 1 : 0)) : null,
            homeIndex > 0 ? divisions.Path(homeIndex)[0] : null);
    }
}
