using System.ComponentModel.DataAnnotations;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Microsoft.Extensions.Options;

namespace Duban.Features.Enterprises;

/// <summary>The enterprise lane's settings (section <c>Duban:Enterprises</c>).</summary>
public sealed class EnterpriseOptions
{
    public const string Section = "Duban:Enterprises";

    /// <summary>
    /// The business office (营商/工信部门) that keeps the register and the service teams: 市工业和信息化局 by default, which runs
    /// the 200强企业服务专班 and the 中小微企业诉求快速响应平台 (seeds 003, 004).
    /// </summary>
    [Required, MinLength(1)]
    public string OfficeUnit { get; set; } = "4407-gxj";
}

/// <summary>
/// Who sees a firm and its data (the register row, its team, visits and demands): the business office and the city's
/// coordinators (dispatchers, supervisors, leaders, administrators) every firm; a county's coordinators the firms of their
/// county; the units of a firm's service team that firm. Anyone else: 404, as for a firm that is not registered. The
/// demands themselves stay under the matters' own rule (<see cref="MatterScope"/>), to which the team's units add the
/// demands of their firms (<see cref="EnterpriseFollowing"/>).
/// </summary>
public sealed class EnterpriseAccess(MatterScope scope, IOptions<EnterpriseOptions> options)
{
    public const string NotFoundText = "企业不存在 / firm not found";

    public string OfficeUnit => options.Value.OfficeUnit;

    /// <summary>The business office's accounts, and the city's administrators: they keep the register and the teams.</summary>
    public bool Keeps(Actor actor) => actor.Id is not null && (actor.UnitCode == OfficeUnit || (actor.Has(Roles.Admin) && scope.IsCityWide(actor)));

    /// <summary>Sees every firm: the office and the city's coordinators.</summary>
    public bool SeesAll(Actor actor) => Keeps(actor) || (actor.Id is not null && scope.IsCityWide(actor));

    /// <summary>The county whose firms the actor sees as a county coordinator, or null.</summary>
    public static string? County(Actor actor) => MatterScope.CountyOf(actor);

    /// <summary>The firms the actor may see, as a filter inside the query (ix_enterprises_county, ix_enterprise_team_members_unit).</summary>
    public IQueryable<Enterprise> Visible(DubanDb db, Actor actor)
    {
        var firms = db.Set<Enterprise>().AsQueryable();
        if (SeesAll(actor)) return firms;
        if (actor.Id is null || actor.UnitCode.Length == 0) return firms.Where(f => false);
        var unit = actor.UnitCode;
        var teamed = db.Set<EnterpriseTeamMember>().Where(t => t.UnitCode == unit).Select(t => t.CreditCode);
        return County(actor) is { } county
            ? firms.Where(f => f.CountyCode == county || teamed.Contains(f.CreditCode))
            : firms.Where(f => teamed.Contains(f.CreditCode));
    }
}

/// <summary>
/// A service team's units follow their firms' demands (服务专班: the team sees its firms' demands), and the business office
/// follows every demand linked to a firm: their handlers see them as their own unit's, read-only unless an action allows
/// more. ix_enterprise_team_members_unit, then ix_enterprise_demands_firm.
/// </summary>
public sealed class EnterpriseFollowing(IOptions<EnterpriseOptions> options) : MatterFollowing
{
    public override IQueryable<long> FollowedBy(DubanDb db, string unitCode) =>
        unitCode == options.Value.OfficeUnit
            ? db.Set<EnterpriseDemand>().Select(d => d.MatterId)
            : from t in db.Set<EnterpriseTeamMember>()
              where t.UnitCode == unitCode
              join d in db.Set<EnterpriseDemand>() on t.CreditCode equals d.CreditCode
              select d.MatterId;
}
