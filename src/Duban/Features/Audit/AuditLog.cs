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
public sealed class AuditLog(DubanDb db, TimeProvider time)
{
    private AuditHead? head;

    public async Task<MatterEvent> AppendAsync(Matter? matter, Actor actor, string action, string? fromStatus = null,
        string? toStatus = null, string? reason = null, JsonObject? data = null, CancellationToken ct = default)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Audit events are appended inside the action's transaction.");
        }
        head ??= await (db.IsPostgres
                ? db.AuditHeads.FromSqlRaw("SELECT id, seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
                : db.AuditHeads.FromSqlRaw("SELECT id, seq, hash FROM audit_head WHERE id = 1"))
            .SingleAsync(ct);

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
            StateHash = matter is null ? "" : StateHash(matter),
            PrevHash = head.Hash,
            Hash = "",
        };
        e.Hash = EventHash(e);
        db.Events.Add(e);
        head.Seq = e.Seq;
        head.Hash = e.Hash;
        return e;
    }

    public static string EventHash(MatterEvent e)
    {
        var canonical = JsonSerializer.Serialize(new object?[]
        {
            e.Seq, e.MatterId, e.At.ToUnixTimeMilliseconds(), e.ActorId, e.ActorName, e.ActorUnitCode, e.Action,
            e.FromStatus, e.ToStatus, e.Reason, e.Data, e.StateHash, e.PrevHash,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Every stored field of the matter and its assignments, in a fixed order.</summary>
    public static string StateHash(Matter m)
    {
        static long? Ms(DateTimeOffset? t) => t?.ToUnixTimeMilliseconds();
        var assignments = m.Assignments
            .OrderBy(a => a.AssignedAt).ThenBy(a => a.UnitCode, StringComparer.Ordinal).ThenBy(a => a.Role, StringComparer.Ordinal)
            .Select(a => new object?[] { a.UnitCode, a.UnitTerritoryCode, a.Role, Ms(a.AssignedAt), Ms(a.AcceptedAt), a.Active })
            .ToArray();
        var canonical = JsonSerializer.Serialize(new object?[]
        {
            m.Id, m.Number, m.Kind, m.Channel, m.Title, m.Content, m.Location, m.TerritoryCode, m.Category, m.Urgency,
            Ms(m.ReceivedAt), Ms(m.RegisteredAt), m.RegisteredBy, m.RaiserAnonymous, m.RaiserSealed, m.SubjectUnitCode,
            m.SubjectPerson, m.Confidential, m.Status, m.LeadUnitCode, Ms(m.DueAt), m.ParentId, m.MergedIntoId, m.Progress,
            m.Outcome, m.StatusReason, m.ExtensionRequestedDays, m.ExtensionReason, m.FeedbackResolved, m.FeedbackSatisfaction,
            m.UrgeCount, m.ReturnCount, m.ReopenCount, Ms(m.ClosedAt), m.QueryCodeHash, Ms(m.UpdatedAt), m.Version, assignments,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
