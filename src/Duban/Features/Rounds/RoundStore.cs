using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Dispatching;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Rounds;

/// <summary>Duban:Rounds settings.</summary>
public sealed class RoundOptions
{
    public const string Section = "Duban:Rounds";

    /// <summary>How long, in seconds, a node routes by the rounds it read before reading them again (another node's change).</summary>
    [Range(1, 86_400, ErrorMessage = "Duban:Rounds:RefreshSeconds must be between 1 and 86400.")]
    public int RefreshSeconds { get; set; } = 60;
}

/// <summary>A round as the table keeps it: the round, its row's id and version, and who last changed it.</summary>
public sealed record StoredRound(long Id, int Version, bool Withdrawn, InspectionRound Round, DateTimeOffset CreatedAt, string CreatedBy,
    DateTimeOffset UpdatedAt, string UpdatedBy)
{
    public static StoredRound Of(InspectionRoundRow r) =>
        new(r.Id, r.Version, r.Withdrawn, new InspectionRound(r.Name, r.FromDay, r.ToDay, r.Period, r.Source, InspectionRound.GroupsFromJson(r.GroupsJson)),
            r.CreatedAt, r.CreatedBy, r.UpdatedAt, r.UpdatedBy);
}

/// <summary>
/// The rounds this node routes by: the table's rounds not withdrawn, or the shipped ones
/// (data/dispatch/rounds.json) while the table is empty. Read at most once every
/// Duban:Rounds:RefreshSeconds (a handful of rows, but asked for by every routing), so another
/// node's change is used here within that time; a change made on this node is used at once
/// (<see cref="Invalidate"/> after its commit).
/// </summary>
public sealed class RoundStore(TimeProvider time, IOptions<RoundOptions> options)
{
    public const string ShippedSource = "data/dispatch/rounds.json";
    public const string Added = "round_added", Changed = "round_changed", Withdrawn = "round_withdrawn";

    private sealed record Snapshot(IReadOnlyList<InspectionRound> Rounds, DateTimeOffset ReadAt);

    private volatile Snapshot? cached;
    private long generation;

    /// <summary>The rounds routing uses (withdrawn ones left out), each still to be checked for being in force on a date.</summary>
    public async Task<IReadOnlyList<InspectionRound>> CurrentAsync(DubanDb db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = time.GetUtcNow();
        if (cached is { } known && now - known.ReadAt < TimeSpan.FromSeconds(options.Value.RefreshSeconds) && now >= known.ReadAt) return known.Rounds;
        // A read that began before a change on this node must not put the older rounds back after it.
        var seen = Interlocked.Read(ref generation);
        var rows = await db.InspectionRounds.AsNoTracking().OrderBy(r => r.Id).ToListAsync(ct);
        IReadOnlyList<InspectionRound> rounds = rows.Count == 0
            ? InspectionRound.Shipped
            : [.. rows.Where(r => !r.Withdrawn).Select(r => StoredRound.Of(r).Round)];
        if (Interlocked.Read(ref generation) == seen) cached = new Snapshot(rounds, now);
        return rounds;
    }

    /// <summary>Forgets the rounds read, after a change on this node has been committed.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref generation);
        cached = null;
    }

    /// <summary>
    /// The table's rounds, seeding it with the shipped ones first when it is empty (in a transaction
    /// holding the audit chain, so that nodes doing it at once seed it once).
    /// </summary>
    public async Task EnsureAsync(DubanDb db, AuditLog audit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(audit);
        if (await db.InspectionRounds.AnyAsync(ct)) return;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await audit.LockAsync(ct);
        var seeded = await SeedIfNoneAsync(db, audit, ct);
        await tx.CommitAsync(ct);
        if (seeded) Invalidate();
    }

    /// <summary>
    /// Inside a transaction holding the chain: saves the shipped rounds, each with its round_added
    /// event by the system, unless the table holds any round (checked again under the chain's lock:
    /// another node may have seeded it meanwhile). True when it seeded.
    /// </summary>
    internal async Task<bool> SeedIfNoneAsync(DubanDb db, AuditLog audit, CancellationToken ct)
    {
        if (await db.InspectionRounds.AnyAsync(ct)) return false;
        foreach (var round in InspectionRound.Shipped)
        {
            await AddAsync(db, audit, Actor.System(), round, "shipped", null, ct);
        }
        return true;
    }

    /// <summary>Adds a round and its round_added event; the caller holds the chain in its transaction and commits.</summary>
    internal async Task<InspectionRoundRow> AddAsync(DubanDb db, AuditLog audit, Actor actor, InspectionRound round, string source, string? note,
        CancellationToken ct)
    {
        var now = time.Now();
        var row = new InspectionRoundRow
        {
            Name = round.Name,
            FromDay = round.From,
            ToDay = round.To,
            Period = round.Period,
            Source = round.Source,
            GroupsJson = InspectionRound.GroupsToJson(round.Groups),
            Version = 1,
            CreatedAt = now,
            CreatedBy = actor.Username,
            UpdatedAt = now,
            UpdatedBy = actor.Username,
        };
        db.InspectionRounds.Add(row);
        await db.SaveChangesAsync(ct);
        var data = EventData(row);
        data["via"] = source;
        await audit.AppendAsync(null, actor, Added, reason: note, data: data, ct: ct);
        await db.SaveChangesAsync(ct);
        return row;
    }

    /// <summary>What an event records of a round: all of it, so that the chain alone tells each version.</summary>
    internal static JsonObject EventData(InspectionRoundRow row) => new()
    {
        ["roundId"] = row.Id,
        ["version"] = row.Version,
        ["name"] = row.Name,
        ["from"] = Day(row.FromDay),
        ["to"] = Day(row.ToDay),
        ["period"] = row.Period,
        ["source"] = row.Source,
        ["withdrawn"] = row.Withdrawn,
        ["groups"] = JsonNode.Parse(row.GroupsJson),
    };

    public static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
