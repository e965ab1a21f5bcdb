using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.Proposals.Actions;

/// <summary>
/// 交办异议: the host unit objects to its assignment (the proposal is not within its duties), with the reason, within
/// <see cref="ProposalOptions.ObjectionDays"/> of it. The host keeps the proposal until the office decides
/// (<see cref="ReviewObjection"/>); it cannot reply meanwhile. One objection at a time.
/// </summary>
public sealed class ObjectProposal(MatterWorkflow workflow, ProposalAccess access) : MatterAction<ObjectProposal, ObjectProposalRequest>, IDescribedAction
{
    public const string Name = "proposal-object";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(ObjectProposalRequest), new("提出交办异议", "Object to the assignment"),
        [new(Name, new("提出交办异议", "Objected to the assignment"))], [], Tag: "Proposals", Summary: "The host objects to the assignment, for the office to review");

    public override Task<Result<Matter>> ExecuteAsync(long id, ObjectProposalRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var m = step.Matter;
            var seen = ProposalRules.Visible(access, actor, m);
            if (!seen.IsSuccess) return Task.FromResult(seen.Error);
            var p = seen.Value!;
            var error = Check(actor, m, p) ?? ProposalRules.Text(req.Reason, "reason", ActionRules.MaxText);
            if (error is not null) return Task.FromResult<Error?>(error);
            if (p.Objection is not null) return Task.FromResult<Error?>(Error.Conflict("objection_pending", "已提出交办异议，等待审查 / an objection already waits for review"));
            if (m.ClockStartedAt is { } assigned && step.Now > assigned.AddDays(access.Options.ObjectionDays))
                return Task.FromResult<Error?>(Error.Conflict("objection_window_closed",
                    $"交办异议应在交办后{access.Options.ObjectionDays}日内提出 / an objection is made within {access.Options.ObjectionDays} days of the assignment"));
            p.Objection = req.Reason!.Trim();
            step.Reason = p.Objection;
            return Task.FromResult<Error?>(null);
        }, ct, scopeProven: true);

    public override bool Allows(ActionContext context) =>
        ProposalFacet.Of(context.Matter).Row is { Objection: null } p && Check(context.Actor, context.Matter, p) is null;

    private static Error? Check(Actor actor, Matter m, Proposal p) =>
        ProposalRules.RequireStatus("提出交办异议", p, ProposalStatus.Assigned)
        ?? (ProposalAccess.IsHost(actor, m) ? null : Error.Forbidden("只有主办单位可以提出交办异议 / only the host unit objects"));
}
