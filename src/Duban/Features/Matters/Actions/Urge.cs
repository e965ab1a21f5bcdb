using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

/// <summary>催办: a supervisor, dispatcher or leader presses the unit that holds the matter.</summary>
public sealed class Urge(MatterWorkflow workflow, Notifications.Notifier notifier)
{
    public Task<Result<Matter>> ExecuteAsync(long id, VersionedRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "urge", async (step, ct) =>
        {
            var m = step.Matter;
            var error = Check(actor, m)
                ?? Return.LimitText(req.Note, "note");
            if (error is not null) return error;
            m.UrgeCount++;
            step.Reason = Text.OrNull(req.Note);
            step.Details["unit"] = m.LeadUnitCode;
            // The unit hears of it at once: in the app, and by e-mail where it has an address.
            await notifier.AddAsync(new Notifications.NotifyRequest(m.LeadUnitCode!, [Roles.Handler, Roles.Leader], "urge",
                $"【催办】{Notifications.Notifier.Subject(m)}",
                $"{actor.DisplayName}催办：{step.Reason ?? "请抓紧办理，按期办结"}（第{m.UrgeCount}次催办） / urged by {actor.DisplayName}", m.Id), ct);
            return null;
        }, ct);

    /// <summary>May the actor urge the unit now (a supervisor, dispatcher or leader, while a unit holds it)?</summary>
    public static bool Allows(Actor actor, Matter m) => Check(actor, m) is null;

    private static Error? Check(Actor actor, Matter m) =>
        MatterWorkflow.RequireStatus("催办/urge", m, Status.Dispatched, Status.InProgress)
        ?? (actor.HasAny(Roles.Supervisor, Roles.Dispatcher, Roles.Leader) ? null : MatterWorkflow.NotYours("催办"));
}
