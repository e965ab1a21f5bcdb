using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Audit;

/// <summary>
/// Appends hash-chained events. Each event carries the hash of the one before it and the hash
/// of its matter's whole state after the action, so `audit verify` detects a changed, removed
/// or inserted event, and a matter row changed behind the application's back.
/// Call inside the action's transaction, after the matter's changes are saved (ids are known);
/// the head row is locked (FOR UPDATE on PostgreSQL; SQLite's write transaction already is).
/// </summary>
/// <summary>
/// The key of the chain's HMAC, kept outside the database (configuration or a key file, like the
/// seal key): whoever can write the database but not read this key cannot rewrite an event and
/// recompute the chain after it.
/// </summary>
public sealed record AuditKey(byte[] Value);

public sealed class AuditLog(DubanDb db, TimeProvider time, AuditKey key, Matters.MatterFacets facets)
{
    private AuditHead? head;
    private bool headTracked;

    /// <summary>
    /// Takes the chain for this transaction. Every writer calls it first thing after BEGIN, before
    /// reading what it will change: on PostgreSQL the head row is locked FOR UPDATE, so writers on
    /// any node run one after the other and each reads the state the previous one committed
    /// (without it, two actions could both decide on a state that one of them then changes).
    /// SQLite's write transaction (BEGIN IMMEDIATE) already excludes other writers.
    /// Always the head first, then counters: one order everywhere, so no deadlock.
    /// </summary>
    public async Task LockAsync(CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("The chain is locked inside the action's transaction.");
        }
        head ??= await ReadHeadAsync(ct);
    }

    /// <summary>Chains the next event and adds it to the context; the caller's save writes it and the head.</summary>
    public async Task<MatterEvent> AppendAsync(Matter? matter, Actor actor, string action, string? fromStatus = null,
        string? toStatus = null, string? reason = null, JsonObject? data = null, CancellationToken ct = default)
    {
        var e = await ChainAsync(matter, actor, action, fromStatus, toStatus, reason, data, ct);
        db.Events.Add(e);
        if (!headTracked)
        {
            // The caller's SaveChanges writes the head with the events.
            db.AuditHeads.Attach(new AuditHead { Id = 1, Seq = e.Seq - 1, Hash = e.PrevHash });
            headTracked = true;
        }
        var tracked = db.AuditHeads.Local.Single(h => h.Id == 1);
        tracked.Seq = e.Seq;
        tracked.Hash = e.Hash;
        return e;
    }

    /// <summary>
    /// Chains the next event without adding it to the context: for a writer that inserts rows
    /// itself, which then calls <see cref="SaveHead"/> before committing.
    /// </summary>
    public async Task<MatterEvent> ChainAsync(Matter? matter, Actor actor, string action, string? fromStatus = null,
        string? toStatus = null, string? reason = null, JsonObject? data = null, CancellationToken ct = default)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Audit events are appended inside the action's transaction.");
        }
        head ??= await ReadHeadAsync(ct);
        if (matter is { Facets.Known: false })
            throw new InvalidOperationException($"The state of matter {matter.Number} is hashed without its facets: load them (MatterFacets.LoadAsync), or mark a new matter (FacetStates.MarkNew).");

        var e = new MatterEvent
        {
            Seq = head.Seq + 1,
            MatterId = matter?.Id,
            At = time.Now(),
            ActorId = actor.Id,
            ActorName = actor.DisplayName,
            ActorUnitCode = string.IsNullOrEmpty(actor.UnitCode) ? null : actor.UnitCode,
            Action = action,
            FromStatus = fromStatus,
            ToStatus = toStatus,
            Reason = reason,
            Data = (data ?? []).ToJsonString(),
            StateHash = matter is null ? "" : StateHash(matter, facets.All),
            PrevHash = head.Hash,
            Hash = "",
        };
        e.Hash = EventHash(e, key);
        head.Seq = e.Seq;
        head.Hash = e.Hash;
        return e;
    }

    /// <summary>Adds the chain head's update to a batch that inserts the events made by <see cref="ChainAsync"/>.</summary>
    public void SaveHead(SqlBatch batch)
    {
        if (head is null) return;
        batch.Append("UPDATE audit_head SET seq = {0}, hash = {1} WHERE id = 1", head.Seq, head.Hash);
    }

    /// <summary>The head row, locked for this transaction on PostgreSQL (SQLite's write transaction already excludes others).</summary>
    private async Task<AuditHead> ReadHeadAsync(CancellationToken ct)
    {
        await using var cmd = Sql.Command(db, db.IsPostgres
            ? "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
            : "SELECT seq, hash FROM audit_head WHERE id = 1");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new InvalidOperationException("audit_head row is missing: the schema was not applied");
        return new AuditHead { Id = 1, Seq = reader.GetInt64(0), Hash = reader.GetString(1) };
    }

    /// <summary>HMAC-SHA256, keyed, over every field of the event but its own hash.</summary>
    public static string EventHash(MatterEvent e, AuditKey key)
    {
        var canonical = JsonSerializer.Serialize(new object?[]
        {
            e.Seq, e.MatterId, e.At.ToUnixTimeMilliseconds(), e.ActorId, e.ActorName, e.ActorUnitCode, e.Action,
            e.FromStatus, e.ToStatus, e.Reason, e.Data, e.StateHash, e.PrevHash,
        });
        return Convert.ToHexStringLower(HMACSHA256.HashData(key.Value, Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>
    /// Every stored field of the matter and its assignments, in a fixed order, then the clock and
    /// the facets' parts (<see cref="Matters.MatterFacet.HashPart"/>). Parts added later join the
    /// hash only when present, so that states hashed before them still verify: the clock's fields
    /// only once one is set, and a facet's part only when the matter has it (the rectification
    /// plan's milestones, which came with the clock, always follow it: [] when there are none).
    /// </summary>
    public static string StateHash(Matter m, IReadOnlyList<Matters.MatterFacet> facets)
    {
        static long? Ms(DateTimeOffset? t) => t?.ToUnixTimeMilliseconds();
        var assignments = m.Assignments
            .OrderBy(a => a.AssignedAt).ThenBy(a => a.UnitCode, StringComparer.Ordinal).ThenBy(a => a.Role, StringComparer.Ordinal)
            .ThenBy(a => a.Active).ThenBy(a => a.AcceptedAt)
            // Fields added later join the hash only when set, so that states hashed before them still verify.
            .Select(a => a.SignDueAt is null
                ? new object?[] { a.UnitCode, a.UnitTerritoryCode, a.Role, Ms(a.AssignedAt), Ms(a.AcceptedAt), a.Active }
                : [a.UnitCode, a.UnitTerritoryCode, a.Role, Ms(a.AssignedAt), Ms(a.AcceptedAt), a.Active, Ms(a.SignDueAt)])
            .ToArray();
        object?[] fields =
        [
            m.Id, m.Number, m.Kind, m.Channel, m.Title, m.Content, m.Location, m.TerritoryCode, m.Category, m.Urgency,
            Ms(m.ReceivedAt), Ms(m.RegisteredAt), m.RegisteredBy, m.RaiserAnonymous, m.RaiserSealed, m.SubjectUnitCode,
            m.SubjectPerson, m.Confidential, m.Status, m.LeadUnitCode, Ms(m.DueAt), m.ParentId, m.MergedIntoId, m.Progress,
            m.Outcome, m.StatusReason, m.ExtensionRequestedDays, m.ExtensionReason, m.FeedbackResolved, m.FeedbackSatisfaction,
            m.UrgeCount, m.ReturnCount, m.ReopenCount, Ms(m.ClosedAt), m.QueryCodeHash, Ms(m.UpdatedAt), m.Version, assignments,
        ];
        object?[] clock =
        [
            m.TimePolicy, Ms(m.AcceptDueAt), Ms(m.ClockStartedAt), Ms(m.YellowAt), Ms(m.PausedAt), m.PauseKind, m.PausedMs,
            m.ExtensionCount, m.KeySupervision, m.PlanRequired, Ms(m.LastProgressAt), m.Weight, Ms(m.StepsDueAt),
            Ms(m.RemindedAt), Ms(m.NoticedAt), Ms(m.EscalatedAt), m.EscalatedTo,
        ];
        object?[] unset = [null, null, null, null, null, null, 0L, 0, false, false, null, 1, null, null, null, null, null];
        var parts = new object?[facets.Count];
        var anyPart = false;
        for (var i = 0; i < facets.Count; i++)
        {
            parts[i] = facets[i].HashPart(m);
            anyPart |= parts[i] is not null;
        }
        if (!clock.SequenceEqual(unset) || anyPart)
        {
            fields = [.. fields, clock];
            for (var i = 0; i < facets.Count; i++)
            {
                if (parts[i] is { } part) fields = [.. fields, part];
                else if (facets[i].HashedWithClock) fields = [.. fields, Array.Empty<object>()];
            }
        }
        var canonical = JsonSerializer.Serialize(fields);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
