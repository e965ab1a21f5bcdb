using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Audit;

/// <summary>
/// The key of the chain's HMAC, kept outside the database (configuration or a key file, like the
/// seal key): whoever can write the database but not read this key cannot rewrite an event and
/// recompute the chain after it.
/// </summary>
public sealed record AuditKey(byte[] Value);

/// <summary>
/// Appends hash-chained events. Each event carries the hash of the one before it on its lane and the
/// hash of its matter's whole state after the action, so `audit verify` detects a changed, removed or
/// inserted event, and a matter row changed behind the application's back. There are several lanes
/// (docs/adr/0006): a transaction takes a free one at its first event and holds it to its end, so writers
/// on different nodes or matters do not wait for each other; its first event records the other lanes'
/// lengths (anchors), so no lane's tail can be cut below what another has seen.
/// Call inside the action's transaction, once per transaction and scope (a new transaction starts afresh).
/// </summary>
public sealed class AuditLog(DubanDb db, TimeProvider time, AuditKey key, Matters.MatterFacets facets)
{
    /// <summary>
    /// At most this many lanes: beyond it a writer waits for a busy lane instead of opening another
    /// (each transaction's first event anchors every other lane, so their number bounds that record).
    /// </summary>
    internal const int MaxLanes = 16;

    private AuditChain? lane;
    private string? laneAnchors;
    private bool laneTracked;
    private object? laneTransaction;
    private readonly HashSet<long> lockedMatters = [];
    private readonly Queue<long> reserved = new();
    private int reserveHint = 1;
    private long sqliteNext;

    /// <summary>The lane this transaction appends to, once its first event is chained (tests, the bench).</summary>
    public int? Lane => lane?.Id;

    /// <summary>
    /// Serialises the administrative changes (<see cref="AuditedChange"/>) with each other on every node:
    /// on PostgreSQL the first chain's head row (audit_head, id 1, which no longer moves) is locked FOR
    /// UPDATE; SQLite's write transaction (BEGIN IMMEDIATE) already excludes other writers. Matter actions
    /// do not take it: they lock their matter (<see cref="LockMatterAsync"/>), and their events go to a
    /// free lane, so they never wait for each other's chain (docs/adr/0006).
    /// </summary>
    public async Task LockAsync(CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("The chain is locked inside the action's transaction.");
        }
        if (!db.IsPostgres) return;
        await using var cmd = Sql.Command(db, "SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE");
        await cmd.ExecuteScalarAsync(ct);
    }

    /// <summary>
    /// Takes one matter for this transaction, before anything of it is read: on PostgreSQL its row FOR
    /// UPDATE, so that two actions on one matter run one after the other and each reads the state the
    /// other committed (exactly one of two racing actions sent with the same version wins); an event's
    /// state hash then always records a state nobody else is changing. Actions on other matters do not
    /// wait. SQLite's write transaction already excludes every other writer.
    /// </summary>
    public async Task LockMatterAsync(long matterId, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("A matter is locked inside the action's transaction.");
        }
        ForThisTransaction();
        if (!db.IsPostgres || !lockedMatters.Add(matterId)) return;
        await using var cmd = Sql.Command(db, "SELECT id FROM matters WHERE id = @p0 FOR UPDATE", matterId);
        await cmd.ExecuteScalarAsync(ct);
    }

    /// <summary>The lane, the numbers drawn and the matters locked belong to one transaction: a new one starts afresh.</summary>
    private void ForThisTransaction()
    {
        var tx = db.Database.CurrentTransaction;
        if (ReferenceEquals(tx, laneTransaction)) return;
        if (laneTracked && lane is not null && db.AuditChains.Local.FirstOrDefault(h => h.Id == lane.Id) is { } stale)
        {
            db.Entry(stale).State = EntityState.Detached;
        }
        lane = null;
        laneAnchors = null;
        laneTracked = false;
        reserved.Clear();
        sqliteNext = 0;
        lockedMatters.Clear();
        laneTransaction = tx;
    }

    /// <summary>
    /// An event on a matter that exists and that this transaction did not lock first (a merge's target): on
    /// PostgreSQL its row is locked now and its version compared with the one read, so that the event never
    /// records a state another transaction has changed meanwhile (it would be refused as stale).
    /// </summary>
    private async Task LockReadMatterAsync(Matter matter, CancellationToken ct)
    {
        if (!db.IsPostgres || lockedMatters.Contains(matter.Id)) return;
        var entry = db.Entry(matter);
        if (entry.State is EntityState.Detached or EntityState.Added) return; // a new matter: nobody else has it
        await using var cmd = Sql.Command(db, "SELECT version FROM matters WHERE id = @p0 FOR UPDATE", matter.Id);
        var stored = await cmd.ExecuteScalarAsync(ct);
        lockedMatters.Add(matter.Id);
        if (stored is not null && Convert.ToInt32(stored, System.Globalization.CultureInfo.InvariantCulture) != entry.Property(m => m.Version).OriginalValue)
        {
            throw new DbUpdateConcurrencyException($"matter {matter.Number} was changed by another transaction after it was read");
        }
    }

    /// <summary>This transaction will chain about this many events: their global numbers are drawn in one round trip.</summary>
    public void Reserve(int count) => reserveHint = Math.Max(1, count);

    /// <summary>
    /// Takes this transaction's lane, reads the anchors and draws the global numbers of the <paramref name="events"/>
    /// events it will chain, now rather than at the first event: for a writer that must take a row every writer
    /// takes (a registration's year counter, RegisterNumbers) and chain its events after it, so that those three
    /// round trips are not made while every other node's registrations wait for that row (issue 15: nodes did not
    /// add capacity). The lane is taken before that row, never while holding it.
    /// </summary>
    public async Task PrepareAsync(int events, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Audit events are appended inside the action's transaction.");
        }
        ForThisTransaction();
        if (lane is not null) return;
        lane = await TakeLaneAsync(ct);
        laneAnchors = await AnchorsAsync(lane.Id, ct);
        Reserve(events);
        if (db.IsPostgres) await DrawSeqsAsync(ct);
    }

    /// <summary>Chains the next event and adds it to the context; the caller's save writes it and the lane's head.</summary>
    public async Task<MatterEvent> AppendAsync(Matter? matter, Actor actor, string action, string? fromStatus = null,
        string? toStatus = null, string? reason = null, JsonObject? data = null, CancellationToken ct = default)
    {
        var e = await ChainAsync(matter, actor, action, fromStatus, toStatus, reason, data, ct);
        db.Events.Add(e);
        if (!laneTracked)
        {
            // The caller's SaveChanges writes the lane's head with the events.
            db.AuditChains.Attach(new AuditChain { Id = lane!.Id, Seq = e.ChainSeq!.Value - 1, Hash = e.PrevHash });
            laneTracked = true;
        }
        var tracked = db.AuditChains.Local.Single(h => h.Id == lane!.Id);
        tracked.Seq = e.ChainSeq!.Value;
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
        if (matter is { Facets.Known: false })
            throw new InvalidOperationException($"The state of matter {matter.Number} is hashed without its facets: load them (MatterFacets.LoadAsync), or mark a new matter (FacetStates.MarkNew).");
        ForThisTransaction();
        if (matter is not null) await LockReadMatterAsync(matter, ct);
        string? anchors = null;
        if (lane is null)
        {
            lane = await TakeLaneAsync(ct);
            anchors = await AnchorsAsync(lane.Id, ct);
        }
        else if (laneAnchors is not null)
        {
            // Taken ahead by PrepareAsync: the transaction's first event records them.
            anchors = laneAnchors;
            laneAnchors = null;
        }
        // Drawn after the lane is held: within a lane, global numbers rise with the lane's own (verify relies on it).
        var seq = await NextSeqAsync(ct);

        var e = new MatterEvent
        {
            Seq = seq,
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
            PrevHash = lane.Hash,
            Hash = "",
            Chain = lane.Id,
            ChainSeq = lane.Seq + 1,
            Anchors = anchors,
        };
        e.Hash = EventHash(e, key);
        lane.Seq = e.ChainSeq.Value;
        lane.Hash = e.Hash;
        return e;
    }

    /// <summary>Adds the lane head's update to a batch that inserts the events made by <see cref="ChainAsync"/>.</summary>
    public void SaveHead(SqlBatch batch)
    {
        if (lane is null) return;
        batch.Append("UPDATE audit_chains SET seq = {0}, hash = {1} WHERE id = {2}", lane.Seq, lane.Hash, lane.Id);
    }

    /// <summary>
    /// A lane for this transaction, held until it ends. PostgreSQL: the first lane no other transaction
    /// holds (FOR UPDATE SKIP LOCKED: never waits); none free, a new one (up to <see cref="MaxLanes"/>),
    /// its row inserted by this transaction; all taken, it waits for one. SQLite has one writer: lane 1.
    /// </summary>
    private async Task<AuditChain> TakeLaneAsync(CancellationToken ct)
    {
        if (!db.IsPostgres)
        {
            return await ReadLaneAsync("SELECT id, seq, hash FROM audit_chains WHERE id = 1", ct)
                ?? await ReadLaneAsync("INSERT INTO audit_chains (id, seq, hash) VALUES (1, 0, '') RETURNING id, seq, hash", ct)
                ?? throw new InvalidOperationException("no audit lane");
        }
        while (true)
        {
            if (await ReadLaneAsync("SELECT id, seq, hash FROM audit_chains ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED", ct) is { } free) return free;
            // Every lane is busy. A new one: if another writer opens the same number at the same moment, the
            // insert waits for it and then does nothing; try again.
            if (await ReadLaneAsync(
                    "INSERT INTO audit_chains (id, seq, hash) SELECT COALESCE(MAX(id), 0) + 1, 0, '' FROM audit_chains HAVING COALESCE(MAX(id), 0) < @p0 ON CONFLICT (id) DO NOTHING RETURNING id, seq, hash",
                    ct, MaxLanes) is { } opened)
                return opened;
            if (await CountLanesAsync(ct) >= MaxLanes)
            {
                var wait = Random.Shared.Next(1, MaxLanes + 1);
                if (await ReadLaneAsync("SELECT id, seq, hash FROM audit_chains WHERE id = @p0 FOR UPDATE", ct, wait) is { } taken) return taken;
            }
        }
    }

    private async Task<long> CountLanesAsync(CancellationToken ct)
    {
        await using var cmd = Sql.Command(db, "SELECT COUNT(*) FROM audit_chains");
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<AuditChain?> ReadLaneAsync(string sql, CancellationToken ct, params object?[] args)
    {
        await using var cmd = Sql.Command(db, sql, args);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new AuditChain { Id = reader.GetInt32(0), Seq = reader.GetInt64(1), Hash = reader.GetString(2) };
    }

    /// <summary>
    /// The lengths of the other lanes as committed now, and of the first chain (lane 0, from before schema
    /// 0016) when it has events: {"0":1234,"2":57,…}. Removing a lane's events below a length some later
    /// event recorded is then caught by `audit verify`, even with the lane's head row rewritten to match.
    /// </summary>
    private async Task<string> AnchorsAsync(int own, CancellationToken ct)
    {
        await using var cmd = Sql.Command(db,
            "SELECT id, seq FROM audit_chains WHERE id <> @p0 AND seq > 0 UNION ALL SELECT 0, seq FROM audit_head WHERE id = 1 AND seq > 0 ORDER BY 1", own);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var anchors = new JsonObject();
        while (await reader.ReadAsync(ct))
        {
            anchors[reader.GetInt32(0).ToString(System.Globalization.CultureInfo.InvariantCulture)] = reader.GetInt64(1);
        }
        return anchors.ToJsonString();
    }

    /// <summary>
    /// The next global event number: a sequence on PostgreSQL (never waits; a rolled-back transaction
    /// leaves a gap), the next after the last on SQLite (one writer at a time: no gaps).
    /// </summary>
    private async Task<long> NextSeqAsync(CancellationToken ct)
    {
        if (!db.IsPostgres)
        {
            if (sqliteNext == 0)
            {
                await using var max = Sql.Command(db, "SELECT COALESCE(MAX(seq), 0) FROM events");
                sqliteNext = Convert.ToInt64(await max.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) + 1;
            }
            return sqliteNext++;
        }
        if (reserved.Count == 0) await DrawSeqsAsync(ct);
        return reserved.Dequeue();
    }

    /// <summary>The reserved number of global event numbers from the sequence (PostgreSQL), in rising order, in one round trip.</summary>
    private async Task DrawSeqsAsync(CancellationToken ct)
    {
        await using var cmd = Sql.Command(db, "SELECT nextval('events_seq') FROM generate_series(1, @p0)", reserveHint);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) reserved.Enqueue(reader.GetInt64(0));
        reserveHint = 1;
    }

    /// <summary>
    /// HMAC-SHA256, keyed, over every field of the event but its own hash. An event on a lane (schema 0016)
    /// adds its lane, its place in it and its anchors; the first chain's events hash as they always did.
    /// </summary>
    public static string EventHash(MatterEvent e, AuditKey key)
    {
        object?[] fields =
        [
            e.Seq, e.MatterId, e.At.ToUnixTimeMilliseconds(), e.ActorId, e.ActorName, e.ActorUnitCode, e.Action,
            e.FromStatus, e.ToStatus, e.Reason, e.Data, e.StateHash, e.PrevHash,
        ];
        if (e.Chain is not null) fields = [.. fields, e.Chain, e.ChainSeq, e.Anchors];
        var canonical = JsonSerializer.Serialize(fields);
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
