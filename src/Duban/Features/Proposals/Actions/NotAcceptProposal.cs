using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.Proposals.Actions;

/// <summary>不予立案: the office declines a submitted proposal (or turns it into an opinion, 转为意见), with the reason the proposers read.</summary>
public sealed class NotAcceptProposal(MatterWorkflow workflow, ProposalAccess access) : MatterAction<NotAcceptProposal, NotAcceptProposalRequest>, IDescribedAction
{
    public const string Name = "proposal-not-accept";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Correct, typeof(NotAcceptProposalRequest), new("不予立案", "Do not accept"),
        [new(Name, new("不予立案", "Not accepted"))], [], Tag: "Proposals", Summary: "The office does not accept the proposal, with the reason");

    public override Task<Result<Matter>> ExecuteAsync(long id, NotAcceptProposalRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var m = step.Matter;
            var seen = ProposalRules.Visible(access, actor, m);
            if (!seen.IsSuccess) return Task.FromResult(seen.Error);
            var p = seen.Value!;
            var error = Check(actor, p) ?? ProposalRules.Text(req.Reason, "reason", ActionRules.MaxText);
            if (error is not null) return Task.FromResult<Error?>(error);
            p.Status = ProposalStatus.NotAccepted;
            m.Status = Status.Rejected;
            m.StatusReason = req.Reason!.Trim();
            step.Reason = m.StatusReason;
            return Task.FromResult<Error?>(null);
        }, ct, scopeProven: true);

    public override bool Allows(ActionContext context) =>
        ProposalFacet.Of(context.Matter).Row is { } p && Check(context.Actor, p) is null;

    private Error? Check(Actor actor, Proposal p) =>
        ProposalRules.RequireStatus("不予立案", p, ProposalStatus.Submitted)
        ?? (access.IsOffice(actor, p.Body) ? null : ActionRules.NotYours("不予立案"));
}
