using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.Proposals.Actions;

/// <summary>POST /api/v1/proposals/{id}/publish: the office publishes the proposal and its reply on the public page.</summary>
public sealed record PublishProposalRequest(int? Version);

/// <summary>
/// 公开: the body's office publishes a replied proposal with its reply (the public page, <c>/proposals</c>, shows the
/// published ones only: number, title, content, host unit, category and reply; never the proposers, the evaluation or the
/// co-hosts' opinions). Once; a later reply (re-handling) is shown in its place.
/// </summary>
public sealed class PublishProposal(MatterWorkflow workflow, ProposalAccess access) : MatterAction<PublishProposal, PublishProposalRequest>, IDescribedAction
{
    public const string Name = "proposal-publish";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(PublishProposalRequest), new("公开答复", "Publish the reply"),
        [new(Name, new("公开答复", "Reply published"))], [], Tag: "Proposals", Summary: "The office publishes the proposal and its reply on the public page");

    public override Task<Result<Matter>> ExecuteAsync(long id, PublishProposalRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var seen = ProposalRules.Visible(access, actor, step.Matter);
            if (!seen.IsSuccess) return Task.FromResult(seen.Error);
            var p = seen.Value!;
            if (Check(actor, p) is { } refused) return Task.FromResult<Error?>(refused);
            p.PublishedAt = step.Now;
            return Task.FromResult<Error?>(null);
        }, ct, scopeProven: true);

    public override bool Allows(ActionContext context) =>
        ProposalFacet.Of(context.Matter).Row is { } p && Check(context.Actor, p) is null;

    private Error? Check(Actor actor, Proposal p) =>
        ProposalRules.RequireStatus("公开", p, ProposalStatus.Replied, ProposalStatus.Closed, ProposalStatus.Rehandling)
        ?? (p.PublishedAt is not null ? Error.Conflict("already_published", "该建议提案已公开 / already published") : null)
        ?? (access.IsOffice(actor, p.Body) ? null : ActionRules.NotYours("公开答复"));
}
