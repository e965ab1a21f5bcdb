using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

/// <summary>催办: a supervisor, dispatcher or leader presses the unit that holds the matter.</summary>
public sealed class Urge(MatterWorkflow workflow, Notifications.Notifier notifier) : MatterAction<Urge, VersionedRequest>, IDescribedAction
{
    public const string Name = "urge";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Supervise, typeof(VersionedRequest), new("催办", "Urge"),
        [new(Name, new("催办", "Urged"))],
        [new(Name, new("催办", "Urge"), typeof(Forms.NoteForm), p => FormPost.Ok(new VersionedRequest(p.Version, p.Text("note"))))]);

    public override Task<Result<Matter>> ExecuteAsync(long id, VersionedRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, async (step, ct) =>
        {
            var m = step.Matter;
            var error = Check(actor, m)
                ?? ActionRules.LimitText(req.Note, "note");
            if (error is not null) return error;
            m.UrgeCount++;
            step.Reason = Text.OrNull(req.Note);
            step.Details["unit"] = m.LeadUnitCode;
            // The unit hears of it at once: in the app, and by e-mail where it has an address.
            await notifier.AddAsync(new Notifications.NotifyRequest(m.LeadUnitCode!, [Roles.Handler, Roles.Leader], "urge",
                $"【催办】{Notifications.Notifier.Subject(m)}",
                $"{actor.DisplayName}催办：{step.Reason ?? "请抓紧办理，按期办结"}（第{m.UrgeCount}次催办）", m.Id,
                TitleEn: $"Urged: {m.Number}",
                BodyEn: $"{actor.DisplayName} urged the unit to handle {m.Number}" + (step.Reason is { } note ? $": {note}" : ", and close it on time")
                    + $" (urge {m.UrgeCount})."), ct);
            return null;
        }, ct);

    /// <summary>May the actor urge the unit now (a supervisor, dispatcher or leader, while a unit holds it)?</summary>
    public override bool Allows(ActionContext context) => Check(context.Actor, context.Matter) is null;

    private static Error? Check(Actor actor, Matter m) =>
        ActionRules.RequireStatus("催办/urge", m, Status.Dispatched, Status.InProgress)
        ?? (actor.HasAny(Roles.Supervisor, Roles.Dispatcher, Roles.Leader) ? null : ActionRules.NotYours("催办"));
}
