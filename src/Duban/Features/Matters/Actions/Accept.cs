using Duban.Common;
using Duban.Data;
using Duban.Features.Matters.Forms;

namespace Duban.Features.Matters.Actions;

/// <summary>
/// 签收: the lead unit signs for a dispatched matter and it is in progress. A co-handling unit
/// signs for its own share; the matter's state does not change for that.
/// </summary>
public sealed class Accept(MatterWorkflow workflow) : MatterAction<Accept, VersionedRequest>, IDescribedAction
{
    public const string Name = "accept";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(VersionedRequest), new("签收", "Sign for"),
        [new(Name, new("签收", "Signed for"), e => e.ToStatus == Status.InProgress ? "承办单位已签收，正在办理 / the unit is handling it" : null)],
        [new(Name, new("签收", "Sign for"), typeof(ButtonForm), p => FormPost.Ok(new VersionedRequest(p.Version, p.Text("note"))), Primary: true)]);

    public override Task<Result<Matter>> ExecuteAsync(long id, VersionedRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var m = step.Matter;
            var error = Check(actor, m);
            if (error is null && ActionRules.IsLeadUnit(actor, m))
            {
                m.Assignments.Single(a => a.Active && a.Role == "lead").AcceptedAt = step.Now;
                m.Status = Status.InProgress;
            }
            else if (error is null)
            {
                m.Assignments.Single(a => a.Active && a.Role == "co" && a.UnitCode == actor.UnitCode).AcceptedAt = step.Now;
            }
            step.Reason = Text.OrNull(req.Note);
            return Task.FromResult(error);
        }, ct);

    /// <summary>May the actor sign for the matter now (the lead unit, or a co-unit for its own share not yet signed for)?</summary>
    public override bool Allows(ActionContext context) => Check(context.Actor, context.Matter) is null;

    /// <summary>Why the actor may not sign for the matter now, or null; the state decides first, for everyone.</summary>
    internal static Error? Check(Actor actor, Matter m)
    {
        if (ActionRules.RequireStatus("签收/accept", m, Status.Dispatched, Status.InProgress) is { } refused) return refused;
        if (ActionRules.IsLeadUnit(actor, m)) return ActionRules.RequireStatus("签收/accept", m, Status.Dispatched);
        if (!ActionRules.IsCoUnit(actor, m)) return ActionRules.NotYours("签收");
        var share = m.Assignments.Single(a => a.Active && a.Role == "co" && a.UnitCode == actor.UnitCode);
        return share.AcceptedAt is null ? null : Error.Conflict("already_accepted", "本单位已签收 / your unit has already signed for it");
    }
}
