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
            var error = MatterWorkflow.RequireStatus("签收/accept", m, Status.Dispatched, Status.InProgress);
            if (error is not null)
            {
                // The state decides first, for everyone: a finished matter is refused as such.
            }
            else if (MatterWorkflow.IsLeadUnit(actor, m))
            {
                error = MatterWorkflow.RequireStatus("签收/accept", m, Status.Dispatched);
                if (error is null)
                {
                    m.Assignments.Single(a => a.Active && a.Role == "lead").AcceptedAt = step.Now;
                    m.Status = Status.InProgress;
                }
            }
            else if (MatterWorkflow.IsCoUnit(actor, m))
            {
                var share = m.Assignments.Single(a => a.Active && a.Role == "co" && a.UnitCode == actor.UnitCode);
                error = MatterWorkflow.RequireStatus("签收/accept", m, Status.Dispatched, Status.InProgress)
                    ?? (share.AcceptedAt is null ? null : Error.Conflict("already_accepted", "本单位已签收 / your unit has already signed for it"));
                if (error is null) share.AcceptedAt = step.Now;
            }
            else
            {
                error = MatterWorkflow.NotYours("签收");
            }
            step.Reason = Text.OrNull(req.Note);
            return Task.FromResult(error);
        }, ct);
}
