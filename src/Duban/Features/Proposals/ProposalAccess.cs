using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Proposals;

/// <summary>
/// Who may do what with proposals (Features/Proposals/README.md): the body's proposals office (staff of its
/// office unit) examines, accepts, merges and assigns; the host unit (主办) replies; co-hosts (会办) send
/// opinions; the lead proposer evaluates; the proposers, the units holding it, the office and the city's
/// coordinators read it. Anyone else is answered as if it did not exist (404).
/// </summary>
public sealed class ProposalAccess(IOptions<ProposalOptions> options, MatterScope scope)
{
    public ProposalOptions Options => options.Value;

    /// <summary>Staff of the body's proposals office (a member's own account, without a role, is not).</summary>
    public bool IsOffice(Actor actor, string body) =>
        actor.UnitCode == options.Value.OfficeOf(body) && actor.HasAny(Roles.Handler, Roles.Leader, Roles.Supervisor, Roles.Dispatcher, Roles.Admin);

    /// <summary>The body whose office the actor works in, if any.</summary>
    public string? OfficeBody(Actor actor) => Bodies.All.FirstOrDefault(b => IsOffice(actor, b));

    /// <summary>The city's coordinators and administrators read every proposal (they do not act on it).</summary>
    public bool Oversees(Actor actor) => scope.IsCityWide(actor);

    public static bool IsHost(Actor actor, Matter m) => ActionRules.IsLeadUnit(actor, m);

    public static bool IsCoHost(Actor actor, Matter m) => ActionRules.IsCoUnit(actor, m);

    public static bool IsLeadProposer(Actor actor, ProposalState state) => actor.Id is { } id && state.LeadUserId == id;

    public static bool IsProposer(Actor actor, ProposalState state) => actor.Id is { } id && state.ProposerUserIds.Contains(id);

    /// <summary>May the actor read this proposal at all?</summary>
    public bool MaySee(Actor actor, Matter m, ProposalState state) =>
        state.Row is { } row && (IsOffice(actor, row.Body) || Oversees(actor) || IsProposer(actor, state)
            || m.Assignments.Any(a => a.Active && a.UnitCode == actor.UnitCode && actor.HasAny(Roles.Handler, Roles.Leader)));

    /// <summary>The member the account belongs to, if any.</summary>
    public static Task<Member?> MemberOfAsync(DubanDb db, Actor actor, CancellationToken ct) =>
        actor.Id is { } id ? db.Set<Member>().AsNoTracking().FirstOrDefaultAsync(m => m.UserId == id, ct) : Task.FromResult<Member?>(null);

    public const string NotFoundText = "建议提案不存在，或您无权查看 / proposal not found";
}

/// <summary>The body's office follows its proposals: its staff see them in the console's lists and pages.</summary>
public sealed class ProposalFollowing(IOptions<ProposalOptions> options) : MatterFollowing
{
    public override IQueryable<long> FollowedBy(DubanDb db, string unitCode) =>
        options.Value.BodyOfOffice(unitCode) is { } body
            ? db.Set<Proposal>().Where(p => p.Body == body).Select(p => p.MatterId)
            : db.Set<Proposal>().Where(p => false).Select(p => p.MatterId);
}
