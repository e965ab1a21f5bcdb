using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

/// <summary>催办: a supervisor, dispatcher or leader presses the unit that holds the matter.</summary>
public sealed class Urge(MatterWorkflow workflow)
{
    public Task<Result<Matter>> ExecuteAsync(long id, VersionedRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "urge", (step, _) =>
        {
            var m = step.Matter;
            var error = MatterWorkflow.RequireStatus("催办/urge", m, Status.Dispatched, Status.InProgress)
                ?? (actor.HasAny(Roles.Supervisor, Roles.Dispatcher, Roles.Leader) ? null : MatterWorkflow.NotYours("催办"));
            if (error is not null) return Task.FromResult<Error?>(error);
            m.UrgeCount++;
            step.Reason = Text.OrNull(req.Note);
            step.Details["unit"] = m.LeadUnitCode;
            return Task.FromResult<Error?>(null);
        }, ct);
}
