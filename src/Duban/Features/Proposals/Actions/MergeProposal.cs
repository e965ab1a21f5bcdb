using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Proposals.Actions;

/// <summary>
/// 并案: the office joins a submitted proposal to another of the same body and year on the same subject (submitted or
/// assigned, not finished). It is finished as merged, pointing to the target, whose chain records what joined it; its
/// proposers follow the target's handling on their pages.
/// </summary>
public sealed class MergeProposal(MatterWorkflow workflow, ProposalAccess access) : MatterAction<MergeProposal, MergeProposalRequest>, IDescribedAction
{
    public const string Name = "proposal-merge";

    /// <summary>The event on the target.</summary>
    public const string MergedIn = "proposal-merged-in";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Correct, typeof(MergeProposalRequest), new("并案", "Merge"),
        [new(Name, new("并案", "Merged")), new(MergedIn, new("并入提案", "A proposal joined"))], [], Tag: "Proposals",
        Summary: "The office merges the proposal into another on the same subject");

    public override Task<Result<Matter>> ExecuteAsync(long id, MergeProposalRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, async (step, ct) =>
        {
            var m = step.Matter;
            var seen = ProposalRules.Visible(access, actor, m);
            if (!seen.IsSuccess) return seen.Error;
            var p = seen.Value!;
            var error = Check(actor, p)
                ?? (req.TargetId is null ? Error.Validation("targetId is required / 请指定并入的提案") : null)
                ?? (req.TargetId == m.Id ? Error.Validation("targetId: a proposal cannot be merged into itself") : null)
                ?? ProposalRules.Text(req.Reason, "reason", ActionRules.MaxText, required: false);
            if (error is not null) return error;
            var target = await workflow.Db.Matters.Include(t => t.Assignments).FirstOrDefaultAsync(t => t.Id == req.TargetId, ct);
            if (target is null) return Error.Validation($"targetId: proposal {req.TargetId} does not exist / 并入的提案不存在");
            await workflow.Facets.LoadAsync(workflow.Db, [target], tracked: true, ct);
            if (ProposalFacet.Of(target).Row is not { } t || t.Body != p.Body || t.Year != p.Year)
                return Error.Validation($"targetId: {req.TargetId} is not a proposal of the same body and year / 只能并入同一届同一年度的建议提案");
            if (t.Status is not (ProposalStatus.Submitted or ProposalStatus.Assigned))
                return Error.Conflict("target_finished", $"提案{t.Number}已{ProposalStatus.Chinese(t.Status)}，不能并入 / the target is {t.Status}");
            p.Status = ProposalStatus.Merged;
            m.Status = Status.Merged;
            m.MergedIntoId = target.Id;
            m.StatusReason = Text.OrNull(req.Reason);
            step.Reason = m.StatusReason;
            step.Details["target"] = t.Number;
            step.MoreEvents.Add((audit, ct) => audit.AppendAsync(target, actor, MergedIn, target.Status, target.Status, m.StatusReason,
                new JsonObject { ["source"] = p.Number, ["sourceId"] = m.Id }, ct));
            return null;
        }, ct, scopeProven: true);

    public override bool Allows(ActionContext context) =>
        ProposalFacet.Of(context.Matter).Row is { } p && Check(context.Actor, p) is null;

    private Error? Check(Actor actor, Proposal p) =>
        ProposalRules.RequireStatus("并案", p, ProposalStatus.Submitted)
        ?? (access.IsOffice(actor, p.Body) ? null : ActionRules.NotYours("并案"));
}
