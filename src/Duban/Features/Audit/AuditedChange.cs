using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Audit;

/// <summary>
/// An event a change appends, as recorded: who, the action, its data and its reason; on a matter's chain when
/// it names one (a matter the change creates: the event hashes its state, which must be complete, facets known).
/// </summary>
public sealed record AuditEvent(Actor Actor, string Action, JsonObject Data, string? Reason = null, Matter? Matter = null, string? ToStatus = null);

/// <summary>
/// What a change made: its answer, the events that record it (in order), and the reference caches it
/// makes stale on this node. No events: nothing changed (a form saved as it was), nothing is committed.
/// </summary>
public sealed record ChangeMade<T>(T Value, IReadOnlyList<AuditEvent> Events, IReadOnlyList<IRefreshingCache> Stale);

public static class ChangeMade
{
    /// <summary>Nothing to record: the answer alone, nothing committed.</summary>
    public static ChangeMade<T> Unchanged<T>(T value) => new(value, [], []);
}

/// <summary>
/// The one path of the administrative changes (units, accounts, rounds, calendar days, place aliases, the
/// catalogue, and the shipped rounds and catalogue the system saves at first use): BEGIN; the audit
/// chain's lock before anything is read (<see cref="AuditLog.LockAsync"/>: writers on every node one after
/// the other); the change, which checks, changes rows and describes its events; the events appended after
/// its rows and saved with them; COMMIT; then the caches it names are made fresh on this node
/// (<see cref="IRefreshingCache.AfterChangeAsync"/>). A refusal is a result, not an exception: the
/// transaction rolls back, nothing is appended, and the context forgets the changes the refused change
/// left unsaved, so nothing later in the scope saves them.
/// </summary>
public sealed class AuditedChange(DubanDb db, AuditLog audit)
{
    public async Task<Result<T>> RunAsync<T>(Func<Task<Result<ChangeMade<T>>>> change, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await audit.LockAsync(ct);
        // The accounts, units and rounds this change touches have their states recorded in its event (EntityStates):
        // those it saves, changes or reads afresh inside this transaction, after the lock (their state is current).
        var trackedBefore = new HashSet<object>(TrackedRows(), ReferenceEqualityComparer.Instance);
        var saved = new List<object>();
        void Saving(object? sender, SavingChangesEventArgs args) =>
            saved.AddRange(db.ChangeTracker.Entries().Where(e => EntityStates.IsRecorded(e.Entity) && e.State is EntityState.Added or EntityState.Modified).Select(e => e.Entity));
        db.SavingChanges += Saving;
        Result<ChangeMade<T>> result;
        try
        {
            result = await change();
        }
        finally
        {
            db.SavingChanges -= Saving;
        }
        if (result.Error is { } refused)
        {
            await tx.RollbackAsync(ct);
            foreach (var pending in db.ChangeTracker.Entries().Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted).ToList())
            {
                pending.State = EntityState.Detached;
            }
            return refused;
        }
        var made = result.Value!;
        if (made.Events.Count == 0) return made.Value;
        var touched = db.ChangeTracker.Entries()
            .Where(e => EntityStates.IsRecorded(e.Entity) && (e.State is EntityState.Added or EntityState.Modified || !trackedBefore.Contains(e.Entity)))
            .Select(e => e.Entity).Concat(saved).Distinct(ReferenceEqualityComparer.Instance).ToList();
        if (touched.Count > 0)
        {
            // A row tracked before this change (read earlier in the scope) and changed by it: its other columns are read
            // again, so that the state recorded is the one saved, not one another node has changed meanwhile.
            foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State == EntityState.Modified && trackedBefore.Contains(e.Entity)).ToList())
            {
                if (await entry.GetDatabaseValuesAsync(ct) is not { } stored) continue;
                foreach (var property in entry.Properties.Where(p => !p.IsModified)) property.CurrentValue = property.OriginalValue = stored[property.Metadata];
            }
            // A new account's id is known once saved: saved here, in the transaction, before its state is hashed.
            if (touched.Any(r => r is User { Id: 0 } or InspectionRoundRow { Id: 0 })) await db.SaveChangesAsync(ct);
            EntityStates.Record(made.Events[^1].Data, touched);
        }
        foreach (var e in made.Events)
        {
            await audit.AppendAsync(e.Matter, e.Actor, e.Action, toStatus: e.ToStatus, reason: e.Reason, data: e.Data, ct: ct);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        foreach (var cache in made.Stale)
        {
            await cache.AfterChangeAsync(ct);
        }
        return made.Value;
    }

    private IEnumerable<object> TrackedRows() =>
        db.ChangeTracker.Entries().Where(e => EntityStates.IsRecorded(e.Entity)).Select(e => e.Entity);
}
