using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.Proposals.Actions;

/// <summary>
/// 审查立案并交办: the body's office accepts a submitted proposal for the record and assigns it to a host unit
/// (主办) with co-hosts (会办). The host's clock runs under the policy of the proposal's kind (deputy-suggestion:
/// a reply within 3 months of the assignment, one extension to 6 at most).
/// </summary>
public sealed class AcceptProposal(MatterWorkflow workflow, ProposalAccess access, MatterClock clock) : MatterAction<AcceptProposal, AcceptProposalRequest>, IDescribedAction
{
    public const string Name = "proposal-accept";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(AcceptProposalRequest), new("立案交办", "Accept and assign"),
        [new(Name, new("立案交办", "Accepted and assigned"))], [], Tag: "Proposals", Summary: "The office accepts the proposal and assigns it to a host and co-hosts");

    public override Task<Result<Matter>> ExecuteAsync(long id, AcceptProposalRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, async (step, ct) =>
        {
            var m = step.Matter;
            var seen = ProposalRules.Visible(access, actor, m);
            if (!seen.IsSuccess) return seen.Error;
            var p = seen.Value!;
            if (Check(actor, p) is { } refused) return refused;
            if (await UnitsError(workflow, req.HostUnitCode, req.CoHostUnitCodes, ct) is { } badUnit) return badUnit;
            if (ProposalRules.Text(req.Note, "note", ActionRules.MaxText, required: false) is { } badNote) return badNote;
            var built = await Assignments.BuildAsync(workflow.Units, m, req.HostUnitCode, req.CoHostUnitCodes, step.Now, "", ct);
            if (!built.IsSuccess) return Renamed(built.Error!);
            Assign(clock, m, p, built.Value!, step);
            p.AcceptedAt = step.Now;
            step.Reason = Text.OrNull(req.Note);
            return null;
        }, ct, scopeProven: true);

    /// <summary>The assignment itself, shared with an upheld objection: the host's clock starts afresh under the proposal policy.</summary>
    internal static void Assign(MatterClock clock, Matter m, Proposal p, List<Assignment> assignments, ActionStep step)
    {
        foreach (var a in m.Assignments) a.Active = false;
        m.Assignments.AddRange(assignments);
        m.LeadUnitCode = assignments[0].UnitCode;
        Dispatch.StartClock(clock, m, clock.DefaultPolicy(m.Kind, m.Urgency), null, assignments, step);
        m.Progress = 0;
        m.ClearExtensionRequest();
        m.Status = Status.Dispatched;
        m.StatusReason = null;
        p.Status = ProposalStatus.Assigned;
        p.HostUnitCode = m.LeadUnitCode;
        p.Objection = null;
        step.Details["hostUnitCode"] = p.HostUnitCode;
        step.Details["coHostUnitCodes"] = new System.Text.Json.Nodes.JsonArray([.. assignments.Skip(1).Select(a => System.Text.Json.Nodes.JsonValue.Create(a.UnitCode))]);
    }

    /// <summary>The host and co-hosts named and existing: a 400 naming hostUnitCode or coHostUnitCodes[i].</summary>
    internal static async Task<Error?> UnitsError(MatterWorkflow workflow, string? host, string[]? coHosts, CancellationToken ct)
    {
        if (Text.OrNull(host) is not { } h) return Error.Validation("hostUnitCode is required / 请指定主办单位");
        if (await workflow.Units.FindAsync(h, ct) is null) return Error.Validation($"hostUnitCode: unit {h} does not exist / 单位 {h} 不存在");
        for (var i = 0; i < (coHosts?.Length ?? 0); i++)
        {
            if (Text.OrNull(coHosts![i]) is not { } c || await workflow.Units.FindAsync(c, ct) is null)
                return Error.Validation($"coHostUnitCodes[{i}]: unit {coHosts[i]} does not exist / 会办单位不存在");
        }
        return null;
    }

    /// <summary>The core names the units leadUnitCode and coUnitCodes; the proposals' API calls them hostUnitCode and coHostUnitCodes.</summary>
    internal static Error Renamed(Error e) =>
        e with { Message = e.Message.Replace("coUnitCodes", "coHostUnitCodes", StringComparison.Ordinal).Replace("leadUnitCode", "hostUnitCode", StringComparison.Ordinal) };

    public override bool Allows(ActionContext context) =>
        ProposalFacet.Of(context.Matter).Row is { } p && Check(context.Actor, p) is null;

    private Error? Check(Actor actor, Proposal p) =>
        ProposalRules.RequireStatus("立案交办", p, ProposalStatus.Submitted)
        ?? (access.IsOffice(actor, p.Body) ? null : ActionRules.NotYours("立案交办"));
}
