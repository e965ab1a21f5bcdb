using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters;

/// <summary>What one action is doing to one matter; the action fills it in.</summary>
public sealed class ActionStep(Matter matter, Actor actor, DateTimeOffset now, DubanDb db)
{
    public Matter Matter { get; } = matter;

    /// <summary>The action's database context, in its transaction: a facet's guard reads related rows with it.</summary>
    public DubanDb Db { get; } = db;
    public Actor Actor { get; } = actor;
    public DateTimeOffset Now { get; } = now;
    public string? Reason { get; set; }
    public JsonObject Details { get; } = [];

    /// <summary>Further events in the same transaction, after the matter's own: related matters' events.</summary>
    public List<Func<AuditLog, CancellationToken, Task>> MoreEvents { get; } = [];

    /// <summary>
    /// The request's members that its own type does not bind (<see cref="IExtensibleRequest"/>), for the
    /// facets' <see cref="MatterFacet.OnActionAsync"/>: a campaign's measures when its task is completed.
    /// </summary>
    public JsonObject Extensions { get; init; } = [];
}

/// <summary>
/// The one path every action on an existing matter takes: load it within the actor's scope,
/// refuse a stale version, let the action check its rules and change the matter, then save the
/// change and its audit event in one transaction.
/// </summary>
public sealed class MatterWorkflow(DubanDb db, AuditLog audit, TimeProvider time, MatterScope scope, UnitDirectory units, MatterClock clock,
    MatterFacets facets, MatterActions actions, Notifications.Notifier notifier,
    Microsoft.Extensions.Options.IOptions<Attachments.AttachmentOptions>? attachmentOptions = null)
{
    public DubanDb Db => db;
    public MatterScope Scope => scope;
    public UnitDirectory Units => units;
    public MatterClock Clock => clock;
    public MatterFacets Facets => facets;

    public async Task<Result<Matter>> RunAsync(long id, int? version, Actor actor, string action,
        Func<ActionStep, CancellationToken, Task<Error?>> apply, CancellationToken ct, bool changesMatter = true, bool scopeProven = false,
        IReadOnlyDictionary<string, System.Text.Json.JsonElement>? extensions = null, IReadOnlyList<Attachments.PhotoUpload>? attachments = null)
    {
        if (changesMatter && version is null) return Error.Validation("version is required: send the version of the matter you saw");
        // The files the action carries (IAttachmentRequest), checked before anything is read: every problem said at once, 400 naming `attachments`.
        var (files, fileProblems) = Attachments.StaffFiles.Check(attachments, attachmentOptions?.Value ?? new Attachments.AttachmentOptions());
        if (fileProblems.Count > 0) return Error.Validation(string.Join("; ", fileProblems));
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The matter first, before anything of it is read: actions on it run one after the other on every
        // node, each reading the state the previous committed; actions on other matters do not wait (docs/adr/0006).
        await audit.LockMatterAsync(id, ct);
        // scopeProven: the caller established the right to act otherwise (the raiser's query code).
        var source = scopeProven ? db.Matters : scope.Visible(db.Matters, db, actor);
        var matter = await source.Include(m => m.Assignments).FirstOrDefaultAsync(m => m.Id == id, ct);
        if (matter is null) return Error.NotFound();
        // An action the matter's kind does not offer, whoever calls it (the API, a page, the queue, a job).
        if (actions.RefusedForKind(matter, action) is { } notForKind) return notForKind;
        await facets.LoadAsync(db, [matter], tracked: true, ct);
        if (changesMatter && matter.Version != version) return Error.StaleVersion(version!.Value, matter.Version);

        var before = Snapshot(matter, facets);
        var fromStatus = matter.Status;
        var held = matter.Assignments.Where(a => a.Active).ToHashSet();
        var step = new ActionStep(matter, actor, time.Now(), db)
        {
            Extensions = extensions is null ? [] : new JsonObject(extensions.Select(x => KeyValuePair.Create(x.Key, JsonSerializer.SerializeToNode(x.Value)))),
        };
        var error = await apply(step, ct);
        if (error is not null) return error;
        // The facets take their part of the step the action has taken (a campaign task's measures at completion).
        if (await facets.OnActionAsync(action, step, ct) is { } refusedByFacet) return refusedByFacet;

        if (changesMatter)
        {
            matter.Version++;
            matter.UpdatedAt = step.Now;
        }
        // A unit the step gave the matter to (a dispatch, a module's assignment) hears of it, whichever action it was.
        await NotifyGivenAsync(matter, matter.Assignments.Where(a => !held.Contains(a)), ct);
        // Derived fields follow the change (the warning point of the light), and the facets' rows it touched are saved with it.
        clock.Refresh(matter);
        facets.Save(matter, db);
        // The event hashes the matter's state as it is about to be saved; everything it hashes is
        // known before saving (ids are allocated up front), so the change and its events go in one save.
        var data = new JsonObject { ["before"] = Diff(before, Snapshot(matter, facets), out var after), ["after"] = after };
        foreach (var (key, value) in step.Details) data[key] = value?.DeepClone();
        if (files.Count > 0)
        {
            // The chain covers the files: each one's hash, type and size in the step's event; the rows in its transaction.
            data["attachments"] = Attachments.StaffFiles.EventData(files);
            db.Attachments.AddRange(Attachments.StaffFiles.Rows(files, matter.Id, actor.Id, step.Now, action));
        }
        try
        {
            await audit.AppendAsync(matter, actor, action, fromStatus, matter.Status, step.Reason, data, ct);
            // A related matter's event (a merge's target) locks that matter and refuses it if it changed since read.
            foreach (var more in step.MoreEvents) await more(audit, ct);
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Error.Conflict("stale_version", "事项已被他人同时更新，请刷新后重试 / the matter was changed at the same moment; reload and retry");
        }
        await tx.CommitAsync(ct);
        return matter;
    }

    /// <summary>
    /// Tells each unit given the matter (an active assignment not yet signed for) that it has it, in the step's
    /// transaction (Features/Notifications, AssignmentNotices): the workflow does so for every action's new
    /// assignments; a step that makes matters of its own (a split's parts) calls it for them.
    /// </summary>
    public Task NotifyGivenAsync(Matter matter, IEnumerable<Assignment> given, CancellationToken ct) =>
        Notifications.AssignmentNotices.AddAsync(notifier, units, matter, given.Where(a => a.Active && a.AcceptedAt is null), ct);

    /// <summary>The fields an audit reader cares about, the facets' after the core's. No raiser identity, ever.</summary>
    public static JsonObject Snapshot(Matter m, MatterFacets facets)
    {
        var snapshot = CoreSnapshot(m);
        facets.Snapshot(m, snapshot);
        return snapshot;
    }

    private static JsonObject CoreSnapshot(Matter m) => new()
    {
        ["status"] = m.Status,
        ["title"] = m.Title,
        ["category"] = m.Category,
        ["subjectUnitCode"] = m.SubjectUnitCode,
        ["subjectPerson"] = m.SubjectPerson,
        ["confidential"] = m.Confidential,
        ["territoryCode"] = m.TerritoryCode,
        ["urgency"] = m.Urgency,
        ["leadUnitCode"] = m.LeadUnitCode,
        ["coUnitCodes"] = new JsonArray([.. m.Assignments.Where(a => a.Active && a.Role == "co").Select(a => JsonValue.Create(a.UnitCode)).OrderBy(v => v!.GetValue<string>(), StringComparer.Ordinal)]),
        ["dueAt"] = m.DueAt,
        ["progress"] = m.Progress,
        ["outcome"] = m.Outcome,
        ["statusReason"] = m.StatusReason,
        ["extensionRequestedDays"] = m.ExtensionRequestedDays,
        ["feedbackResolved"] = m.FeedbackResolved,
        ["feedbackSatisfaction"] = m.FeedbackSatisfaction,
        ["mergedIntoId"] = m.MergedIntoId,
        ["urgeCount"] = m.UrgeCount,
        ["timePolicy"] = m.TimePolicy,
        ["acceptDueAt"] = m.AcceptDueAt,
        ["pausedAt"] = m.PausedAt,
        ["pauseKind"] = m.PauseKind,
        ["extensionCount"] = m.ExtensionCount,
        ["keySupervision"] = m.KeySupervision,
        ["planRequired"] = m.PlanRequired,
        ["weight"] = m.Weight,
        ["escalatedTo"] = m.EscalatedTo,
        ["version"] = m.Version,
    };

    private static JsonObject Diff(JsonObject before, JsonObject after, out JsonObject changedAfter)
    {
        var b = new JsonObject();
        changedAfter = [];
        foreach (var (key, value) in after)
        {
            var old = before[key];
            if (JsonNode.DeepEquals(old, value)) continue;
            b[key] = old?.DeepClone();
            changedAfter[key] = value?.DeepClone();
        }
        return b;
    }
}
