using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.Proposals.Actions;

/// <summary>
/// 异议审查: the office decides a host's objection. <c>uphold</c>: the proposal is assigned anew to the host named
/// (and co-hosts), whose clock starts afresh; <c>overrule</c>: the host keeps it, its clock running as it was.
/// </summary>
public sealed class ReviewObjection(MatterWorkflow workflow, ProposalAccess access, MatterClock clock) : MatterAction<ReviewObjection, ReviewObjectionRequest>, IDescribedAction
{
    public const string Name = "proposal-objection";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Supervise, typeof(ReviewObjectionRequest), new("审查交办异议", "Review the objection"),
        [new(Name, new("审查交办异议", "Objection reviewed"))], [], Tag: "Proposals", Summary: "The office upholds (assigns anew) or overrules the host's objection");

    public override Task<Result<Matter>> ExecuteAsync(long id, ReviewObjectionRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, async (step, ct) =>
        {
            var m = step.Matter;
            var seen = ProposalRules.Visible(access, actor, m);
            if (!seen.IsSuccess) return seen.Error;
            var p = seen.Value!;
            if (Check(actor, p) is { } refused) return refused;
            var decision = Text.OrNull(req.Decision);
            if (decision is not ("uphold" or "overrule")) return Error.Validation("decision must be uphold or overrule / 请选择异议成立或不成立");
            if (ProposalRules.Text(req.Reason, "reason", ActionRules.MaxText, required: false) is { } badReason) return badReason;
            step.Details["decision"] = decision;
            step.Details["objection"] = p.Objection;
            step.Reason = Text.OrNull(req.Reason);
            if (decision == "overrule")
            {
                p.Objection = null;
                return null;
            }
            if (Text.OrNull(req.HostUnitCode) is not { } host) return Error.Validation("hostUnitCode is required to uphold the objection / 异议成立时请指定新的主办单位");
            if (await AcceptProposal.UnitsError(workflow, host, req.CoHostUnitCodes, ct) is { } badUnit) return badUnit;
            if (host == m.LeadUnitCode) return Error.Validation("hostUnitCode: upholding the objection assigns the proposal to another unit / 请指定其他主办单位");
            var built = await Assignments.BuildAsync(workflow.Units, m, host, req.CoHostUnitCodes, step.Now, "", ct);
            if (!built.IsSuccess) return AcceptProposal.Renamed(built.Error!);
            AcceptProposal.Assign(clock, m, p, built.Value!, step);
            return null;
        }, ct, scopeProven: true);

    public override bool Allows(ActionContext context) =>
        ProposalFacet.Of(context.Matter).Row is { } p && Check(context.Actor, p) is null;

    private Error? Check(Actor actor, Proposal p) =>
        (p.Status == ProposalStatus.Assigned && p.Objection is not null
            ? null
            : Error.Conflict("invalid_transition", "没有待审查的交办异议 / there is no objection to review"))
        ?? (access.IsOffice(actor, p.Body) ? null : ActionRules.NotYours("审查交办异议"));
}
