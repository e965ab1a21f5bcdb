using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters.Actions;

/// <summary>
/// The outcome; a module's members (a campaign task's <c>measures</c>) travel in <see cref="Extensions"/>; the
/// rectification photos and documents in <see cref="Attachments"/> (a multipart form's <c>attachments</c>, never JSON).
/// </summary>
public sealed record CompleteRequest(int? Version, string? Outcome) : IExtensibleRequest, IAttachmentRequest
{
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<Attachments.PhotoUpload>? Attachments { get; init; }

    public IAttachmentRequest WithAttachments(IReadOnlyList<Attachments.PhotoUpload> files) => this with { Attachments = files };

    // A Dictionary, not a JsonObject: System.Text.Json cannot fill a JsonObject on a record with a constructor.
    [System.Text.Json.Serialization.JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Extensions { get; init; }
}

/// <summary>
/// 办结申请: the lead unit submits its outcome for review. A task split into sub-tasks is
/// complete only when every sub-task is finished.
/// </summary>
public sealed class Complete(MatterWorkflow workflow, MatterClock clock) : MatterAction<Complete, CompleteRequest>, IDescribedAction
{
    public const string Name = "complete";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(CompleteRequest), new("提交办结", "Submit as done"),
        [new(Name, new("提交办结", "Submitted as done"))],
        [new(Name, new("提交办结", "Submit as done"), typeof(Forms.CompleteForm), async p => await FormPost.Ok(new CompleteRequest(p.Version, p.Text("outcome")) { Attachments = await p.FilesAsync() }))]);

    public override Task<Result<Matter>> ExecuteAsync(long id, CompleteRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, async (step, ct) =>
        {
            var m = step.Matter;
            var error = Check(actor, m)
                ?? (string.IsNullOrWhiteSpace(req.Outcome) || req.Outcome.Length > 10_000 ? Error.Validation("outcome is required, at most 10000 characters / 请填写办理结果") : null);
            if (error is not null) return error;
            // What a facet's state forbids: open sub-tasks, an unfinished rectification plan.
            if (await workflow.Facets.GuardAsync(Name, step, ct) is { } refused) return refused;
            // Finished while paused: the pause ends, counted. Then the unit's clock stops while the
            // work waits for review (no steps, the light of this moment); send-back resumes it.
            if (m.PausedAt is not null) step.Details["pausedMs"] = (long)clock.Resume(m, step.Now).TotalMilliseconds;
            m.PausedAt = step.Now;
            m.PauseKind = MatterClock.ReviewPause;
            m.Outcome = req.Outcome!.Trim();
            m.Progress = 100;
            // Done within the deadline it had: a pending request for more time lapses.
            m.ClearExtensionRequest();
            m.Status = Status.PendingReview;
            return null;
        }, ct, extensions: req.Extensions, attachments: req.Attachments);

    /// <summary>May the actor submit the outcome now (the lead unit, in progress; the dispatch centre for a parent it split at dispatch)? Open sub-tasks and an unfinished plan (the facets' guards) are the action's to refuse.</summary>
    public override bool Allows(ActionContext context) => Check(context.Actor, context.Matter) is null;

    /// <summary>
    /// Is the actor a dispatcher or supervisor of the unit that holds the matter as its lead (the
    /// dispatch centre holding a parent it split at dispatch)? They complete it when the parts are done.
    /// </summary>
    public static bool HoldsAsCoordinator(Actor actor, Matter m) =>
        m.LeadUnitCode is not null && actor.UnitCode == m.LeadUnitCode && actor.HasAny(Roles.Dispatcher, Roles.Supervisor);

    private static Error? Check(Actor actor, Matter m) =>
        ActionRules.RequireStatus("提交办结/complete", m, Status.InProgress)
        ?? (ActionRules.IsLeadUnit(actor, m) || HoldsAsCoordinator(actor, m) ? null : ActionRules.NotYours("提交办结"));
}
