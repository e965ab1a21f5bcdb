using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Enterprises;

/// <summary>An enterprise demand's link to its firm, as loaded with the matter.</summary>
public sealed class EnterpriseLink
{
    public EnterpriseDemand? Row { get; set; }
    public string? FirmName { get; set; }
    public IReadOnlyList<string> Team { get; set; } = [];
}

/// <summary>
/// The enterprise facet: an enterprise demand's firm (and visit). It adds the firm to the matter's detail
/// (<c>facets.enterprise</c>), makes the firm's service team follow the matter's notices and escalations, and links a demand
/// that came in by another door (the portal, POST /api/v1/matters) to the firm whose credit code its title or content names,
/// when it is dispatched: the link is recorded in the dispatch event (<c>enterprise</c>). It adds nothing to the state hash.
/// </summary>
public sealed class EnterpriseFacet : MatterFacet
{
    public const string FacetName = "enterprise";

    public override string Name => FacetName;

    /// <summary>After sub-tasks (10), the plan (20), sources (30), proposals (45).</summary>
    public override int Order => 55;

    public static EnterpriseLink Of(Matter m) => m.Facets.GetOrAdd<EnterpriseLink>();

    public override async Task LoadAsync(DubanDb db, IReadOnlyList<Matter> matters, bool tracked, CancellationToken ct)
    {
        var demands = matters.Where(m => m.Kind == EnterpriseVocabulary.Kind).ToList();
        if (demands.Count == 0) return;
        var ids = demands.Select(m => m.Id).ToList();
        var rows = await db.Set<EnterpriseDemand>().AsNoTracking().Where(d => ids.Contains(d.MatterId)).ToListAsync(ct);
        if (rows.Count == 0) return;
        var codes = rows.Select(r => r.CreditCode).Distinct().ToList();
        var names = await db.Set<Enterprise>().AsNoTracking().Where(e => codes.Contains(e.CreditCode)).ToDictionaryAsync(e => e.CreditCode, e => e.Name, ct);
        var teams = (await db.Set<EnterpriseTeamMember>().AsNoTracking().Where(t => codes.Contains(t.CreditCode)).ToListAsync(ct)).ToLookup(t => t.CreditCode);
        foreach (var m in demands)
        {
            if (rows.FirstOrDefault(r => r.MatterId == m.Id) is not { } row) continue;
            var link = Of(m);
            link.Row = row;
            link.FirmName = names.GetValueOrDefault(row.CreditCode);
            link.Team = [.. teams[row.CreditCode].Select(t => t.UnitCode)];
        }
    }

    /// <summary>A demand not yet linked is linked at its dispatch to the registered firm its words name by credit code.</summary>
    public override async Task<Error?> OnActionAsync(string action, ActionStep step, CancellationToken ct)
    {
        var m = step.Matter;
        if (action != Dispatch.Name || m.Kind != EnterpriseVocabulary.Kind || m.Facets.Get<EnterpriseLink>() is { Row: not null }) return null;
        if ((CreditCode.FindIn(m.Title) ?? CreditCode.FindIn(m.Content)) is not { } code) return null;
        var firm = await step.Db.Set<Enterprise>().AsNoTracking().FirstOrDefaultAsync(e => e.CreditCode == code, ct);
        if (firm is null) return null;
        var row = new EnterpriseDemand
        {
            MatterId = m.Id,
            CreditCode = firm.CreditCode,
            Size = firm.Size,
            Industry = firm.Industry,
            CountyCode = firm.CountyCode,
            RegisteredAt = m.RegisteredAt,
        };
        step.Db.Set<EnterpriseDemand>().Add(row);
        var link = Of(m);
        link.Row = row;
        link.FirmName = firm.Name;
        link.Team = await step.Db.Set<EnterpriseTeamMember>().AsNoTracking().Where(t => t.CreditCode == code).Select(t => t.UnitCode).ToListAsync(ct);
        step.Details[FacetName] = code;
        return null;
    }

    /// <summary>The firm's service team follows its demands: the supervision job tells it of their notices and escalations.</summary>
    public override IEnumerable<string> Followers(Matter m) => m.Facets.Get<EnterpriseLink>()?.Team ?? [];

    public override Task<MatterDetail> DescribeAsync(MatterDetail detail, Matter m, FacetView view, CancellationToken ct)
    {
        if (m.Facets.Get<EnterpriseLink>() is not { Row: { } row } link) return Task.FromResult(detail);
        var facets = new Dictionary<string, object?>(detail.Facets)
        {
            [FacetName] = new { creditCode = row.CreditCode, name = link.FirmName, size = row.Size, industry = row.Industry, visitId = row.VisitId },
        };
        return Task.FromResult(detail with { Facets = facets });
    }
}
