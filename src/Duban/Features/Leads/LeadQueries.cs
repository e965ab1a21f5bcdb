using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Leads;

/// <summary>A row of a district's list. <see cref="Company"/> only in the posting district's own list (null to the others).</summary>
public sealed record LeadRow(long Id, UnitRef District, DateTimeOffset PostedAt, string Industry, string IndustryLabel, decimal Investment, string Status,
    string StatusLabel, bool Own, bool Following, string? Company);

public sealed record LeadList(IReadOnlyList<LeadRow> Items, int Total);

public sealed record LeadStepView(string Action, string Status, UnitRef District, DateTimeOffset At);

/// <summary>
/// GET /api/v1/leads/{id}, to a district that sees it: the company's details (confidential: this page only), who shares
/// and follows it, its steps, and what the reader may do.
/// </summary>
public sealed record LeadView(long Id, UnitRef District, DateTimeOffset PostedAt, string Industry, string IndustryLabel, decimal Investment, string Needs,
    string Company, string? Contact, string Status, string StatusLabel, bool SharedAll, IReadOnlyList<UnitRef> SharedWith, IReadOnlyList<UnitRef> Followers,
    UnitRef? LandedIn, decimal? Landed, IReadOnlyList<LeadStepView> Steps, bool Own, bool Following, bool MayShare, bool MayFollow, string? NextStep, bool MayMove);

public sealed record DistrictLeadFigure(UnitRef District, int Posted, int Shared, int Landed, decimal InvestmentLanded);

/// <summary>GET /api/v1/leads/figures: leads shared, landed and investment landed (yuan), by district, from the counters.</summary>
public sealed record LeadFigures(IReadOnlyList<DistrictLeadFigure> Districts, int Posted, int Shared, int Landed, decimal InvestmentLanded);

/// <summary>
/// The leads a district sees, read from the index (lead_sights: the poster and each district it was shared with), its
/// total from the counters; a lead's page; the figures. Only the posting district and its sharing set see a lead: to
/// anyone else, a lead is 404, as one that does not exist.
/// </summary>
public sealed class LeadQueries(DubanDb db, UnitDirectory units)
{
    public const int MaxPageSize = 100;

    /// <summary>The actor's district (440704 for 江海区's departments and streets); none for a city-level account.</summary>
    public static string? DistrictOf(Actor actor) => Matter.CountyOf(actor?.TerritoryCode);

    /// <summary>The city's districts (county-level divisions), as the unit directory holds them, each named by its government.</summary>
    public static async Task<IReadOnlyList<UnitRef>> DistrictsAsync(UnitDirectory units, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(units);
        var all = await units.AllAsync(ct);
        return [.. all.Values.Select(u => Matter.CountyOf(u.TerritoryCode)).OfType<string>().Distinct().Order(StringComparer.Ordinal).Select(c => Name(all, c))];
    }

    /// <summary>A district by its government's name, without the city's prefix (江门市蓬江区人民政府 → 蓬江区).</summary>
    private static UnitRef Name(IReadOnlyDictionary<string, UnitInfo> all, string code)
    {
        if (!all.TryGetValue(code, out var u)) return new(code, code);
        var name = u.Name.Replace("人民政府", "", StringComparison.Ordinal);
        return new(code, name.StartsWith("江门市", StringComparison.Ordinal) && name.Length > 3 ? name[3..] : name);
    }

    public async Task<Result<LeadList>> ListAsync(int? page, int? pageSize, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (DistrictOf(actor) is not { } district) return Error.Forbidden("招商线索在区县之间共享 / leads are shared among the districts: a city-level account has none");
        if (page is < 1) return Error.Validation("page starts at 1 / 页码从1开始");
        if (pageSize is < 1 or > MaxPageSize) return Error.Validation($"pageSize is 1 to {MaxPageSize} / 每页1至{MaxPageSize}条");
        var size = pageSize ?? 20;
        var skip = ((page ?? 1) - 1) * size;
        var rows = await (from s in db.Set<LeadSight>().AsNoTracking()
                          where s.DistrictCode == district
                          orderby s.LeadId descending
                          join l in db.Set<Lead>().AsNoTracking() on s.LeadId equals l.Id
                          select l).Skip(skip).Take(size).ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var followed = await db.Set<LeadFollow>().AsNoTracking().Where(f => f.DistrictCode == district && ids.Contains(f.LeadId)).Select(f => f.LeadId).ToListAsync(ct);
        var total = await db.Set<LeadFigure>().AsNoTracking().Where(f => f.DistrictCode == district).Select(f => f.Visible).FirstOrDefaultAsync(ct);
        var all = await units.AllAsync(ct);
        // The company is the posting district's own business: another district's list never holds it.
        return new LeadList([.. rows.Select(l => new LeadRow(l.Id, Name(all, l.DistrictCode), l.PostedAt, l.Industry, LeadVocabulary.IndustryLabel(l.Industry).Current,
            Yuan(l.InvestmentFen), l.Status, LeadVocabulary.StatusLabel(l.Status).Current, l.DistrictCode == district, followed.Contains(l.Id),
            l.DistrictCode == district ? l.Company : null))], total);
    }

    public async Task<Result<LeadView>> GetAsync(long id, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (DistrictOf(actor) is not { } district
            || !await db.Set<LeadSight>().AsNoTracking().AnyAsync(s => s.DistrictCode == district && s.LeadId == id, ct))
            return Error.NotFound(LeadChanges.NotFoundText);
        var l = await db.Set<Lead>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (l is null) return Error.NotFound(LeadChanges.NotFoundText);
        var all = await units.AllAsync(ct);
        var sharedWith = await db.Set<LeadSight>().AsNoTracking().Where(s => s.LeadId == id && s.DistrictCode != l.DistrictCode).Select(s => s.DistrictCode).ToListAsync(ct);
        var followers = await db.Set<LeadFollow>().AsNoTracking().Where(f => f.LeadId == id).Select(f => f.DistrictCode).ToListAsync(ct);
        var steps = await db.Set<LeadStep>().AsNoTracking().Where(s => s.LeadId == id).OrderBy(s => s.Id).ToListAsync(ct);
        var own = l.DistrictCode == district;
        var following = followers.Contains(district);
        var open = LeadVocabulary.IsOpen(l.Status);
        return new LeadView(l.Id, Name(all, l.DistrictCode), l.PostedAt, l.Industry, LeadVocabulary.IndustryLabel(l.Industry).Current, Yuan(l.InvestmentFen), l.Needs,
            l.Company, l.Contact, l.Status, LeadVocabulary.StatusLabel(l.Status).Current, l.SharedAll,
            [.. sharedWith.Order(StringComparer.Ordinal).Select(c => Name(all, c))], [.. followers.Order(StringComparer.Ordinal).Select(c => Name(all, c))],
            l.LandedDistrictCode is { } landed ? Name(all, landed) : null, l.LandedFen is { } fen ? Yuan(fen) : null,
            [.. steps.Select(s => new LeadStepView(s.Action, s.Status, Name(all, s.DistrictCode), s.SteppedAt))],
            own, following, own && open, !own && !following && open, LeadVocabulary.Next(l.Status), (own || following) && open);
    }

    /// <summary>The figures from the counters (one row per district): readable by every staff account, they name no company.</summary>
    public async Task<LeadFigures> FiguresAsync(CancellationToken ct)
    {
        var rows = await db.Set<LeadFigure>().AsNoTracking().ToDictionaryAsync(f => f.DistrictCode, ct);
        var districts = (await DistrictsAsync(units, ct)).Select(d => rows.GetValueOrDefault(d.Code) is { } f
            ? new DistrictLeadFigure(d, f.Posted, f.Shared, f.Landed, Yuan(f.LandedFen))
            : new DistrictLeadFigure(d, 0, 0, 0, 0m)).ToList();
        return new LeadFigures(districts, districts.Sum(d => d.Posted), districts.Sum(d => d.Shared), districts.Sum(d => d.Landed), districts.Sum(d => d.InvestmentLanded));
    }

    private static decimal Yuan(long fen) => Projects.ProjectSourceType.Yuan(fen);
}
