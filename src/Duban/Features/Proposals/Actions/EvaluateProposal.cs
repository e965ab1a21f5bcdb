using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.Proposals.Actions;

/// <summary>
/// 评价: the lead proposer rates the reply: satisfied, basically satisfied, or dissatisfied, with a comment. A
/// satisfied or basically satisfied evaluation closes the proposal. A dissatisfied one opens re-handling (重新办理)
/// at once: the host handles it again under a new deadline (the policy's, from now). Re-handling is once: a second
/// dissatisfied evaluation is recorded and closes it (the office takes it up with the host).
/// </summary>
public sealed class EvaluateProposal(MatterWorkflow workflow, ProposalAccess access, MatterClock clock) : MatterAction<EvaluateProposal, EvaluateProposalRequest>, IDescribedAction
{
    public const string Name = "proposal-evaluate";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(EvaluateProposalRequest), new("评价答复", "Evaluate the reply"),
        [new(Name, new("评价答复", "Reply evaluated"))], [], Tag: "Proposals", Summary: "The lead proposer evaluates the reply; dissatisfied opens re-handling");

    public override Task<Result<Matter>> ExecuteAsync(long id, EvaluateProposalRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var m = step.Matter;
            var seen = ProposalRules.Visible(access, actor, m);
            if (!seen.IsSuccess) return Task.FromResult(seen.Error);
            var p = seen.Value!;
            var error = Check(actor, m, p)
                ?? (Text.OrNull(req.Rating) is not { } r || !Vocabulary.Satisfactions.Contains(r)
                    ? Error.Validation("rating is required: satisfied, basically_satisfied or dissatisfied / 请选择满意、基本满意或不满意") : null)
                ?? ProposalRules.Text(req.Comment, "comment", ActionRules.MaxText, required: false);
            if (error is not null) return Task.FromResult<Error?>(error);
            p.Rating = req.Rating!.Trim();
            p.Comment = Text.OrNull(req.Comment);
            p.EvaluatedAt = step.Now;
            step.Reason = p.Comment;
            step.Details["rating"] = p.Rating;
            if (p.Rating == "dissatisfied" && p.RehandlingCount == 0)
            {
                // 重新办理: the host's clock starts again with a deadline of its own, from the policy.
                var policy = clock.PolicyOf(m);
                var due = policy.Handle.From(step.Now, clock.Calendar);
                clock.Restart(m, step.Now, due);
                m.Status = Status.InProgress;
                m.Progress = 0;
                p.Status = ProposalStatus.Rehandling;
                p.RehandlingCount++;
                step.Details["rehandlingDueAt"] = due;
                return Task.FromResult<Error?>(null);
            }
            p.Status = ProposalStatus.Closed;
            m.Status = Status.Closed;
            m.ClosedAt = step.Now;
            MatterClock.Stop(m);
            return Task.FromResult<Error?>(null);
        }, ct, scopeProven: true);

    public override bool Allows(ActionContext context) =>
        ProposalFacet.Of(context.Matter).Row is { } p && Check(context.Actor, context.Matter, p) is null;

    private static Error? Check(Actor actor, Matter m, Proposal p) =>
        ProposalRules.RequireStatus("评价", p, ProposalStatus.Replied)
        ?? (ProposalAccess.IsLeadProposer(actor, ProposalFacet.Of(m)) ? null : Error.Forbidden("只有领衔提出人可以评价答复 / only the lead proposer evaluates the reply"));
}
