using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

public sealed record VersionedRequest(int? Version, string? Note);

/// <summary>
/// 签收: the lead unit signs for a dispatched matter and it is in progress. A co-handling unit
/// signs for its own share; the matter's state does not change for that.
/// </summary>
public sealed class Accept(MatterWorkflow workflow)
{
    public Task<Result<Matter>> ExecuteAsync(long id, VersionedRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "accept", (step, _) =>
        {
            var m = step.Matter;
            var error = Check(actor, m);
            if (error is null && MatterWorkflow.IsLeadUnit(actor, m))
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
    public static bool Allows(Actor actor, Matter m) => Check(actor, m) is null;

    /// <summary>Why the actor may not sign for the matter now, or null; the state decides first, for everyone.</summary>
    internal static Error? Check(Actor actor, Matter m)
    {
        if (MatterWorkflow.RequireStatus("签收/accept", m, Status.Dispatched, Status.InProgress) is { } refused) return refused;
        if (MatterWorkflow.IsLeadUnit(actor, m)) return MatterWorkflow.RequireStatus("签收/accept", m, Status.Dispatched);
        if (!MatterWorkflow.IsCoUnit(actor, m)) return MatterWorkflow.NotYours("签收");
        var share = m.Assignments.Single(a => a.Active && a.Role == "co" && a.UnitCode == actor.UnitCode);
        return share.AcceptedAt is null ? null : Error.Conflict("already_accepted", "本单位已签收 / your unit has already signed for it");
    }
}
