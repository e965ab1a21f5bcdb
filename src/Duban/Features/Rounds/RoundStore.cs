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
/// (data/dispatch/rounds.json) while the table is empty. A <see cref="RefreshingCache{T}"/> read on use
/// at most once every Duban:Rounds:RefreshSeconds (a handful of rows, but asked for by every routing),
/// so another node's change is used here within that time; a change made on this node is used at
/// once (its <see cref="AuditedChange"/> names this cache).
/// </summary>
public sealed class RoundStore : IDisposable
{
    public const string ShippedSource = "data/dispatch/rounds.json";
    public const string Added = "round_added", Changed = "round_changed", Withdrawn = "round_withdrawn";

    private readonly TimeProvider time;
    private readonly RefreshingCache<IReadOnlyList<InspectionRound>> inForce;

    public RoundStore(TimeProvider time, RefreshingCaches caches, IOptions<RoundOptions> options)
    {
        ArgumentNullException.ThrowIfNull(caches);
        ArgumentNullException.ThrowIfNull(options);
        this.time = time;
        inForce = caches.Create<IReadOnlyList<InspectionRound>>("the inspection rounds", TimeSpan.FromSeconds(options.Value.RefreshSeconds),
            CacheRefresh.OnUse, LoadAsync);
    }

    internal IRefreshingCache Cache => inForce;

    public void Dispose() => inForce.Dispose();

    /// <summary>The rounds routing uses (withdrawn ones left out), each still to be checked for being in force on a date.</summary>
    public Task<IReadOnlyList<InspectionRound>> CurrentAsync(CancellationToken ct) => inForce.GetAsync(ct);

    private static async Task<IReadOnlyList<InspectionRound>> LoadAsync(IServiceProvider services, IReadOnlyList<InspectionRound>? _, CancellationToken ct)
    {
        var rows = await services.GetRequiredService<DubanDb>().InspectionRounds.AsNoTracking().OrderBy(r => r.Id).ToListAsync(ct);
        return rows.Count == 0 ? InspectionRound.Shipped : [.. rows.Where(r => !r.Withdrawn).Select(r => StoredRound.Of(r).Round)];
    }

    /// <summary>
    /// The table's rounds, seeding it with the shipped ones first when it is empty (an audited change
    /// by the system, holding the chain, so that nodes doing it at once seed it once).
    /// </summary>
    public async Task EnsureAsync(DubanDb db, AuditLog audit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(audit);
        if (await db.InspectionRounds.AnyAsync(ct)) return;
        await new AuditedChange(db, audit).RunAsync<bool>(async () =>
        {
            var seeded = await SeedIfNoneAsync(db, ct);
            return new ChangeMade<bool>(seeded.Count > 0, seeded, [Cache]);
        }, ct);
    }

    /// <summary>
    /// Inside an audited change: saves the shipped rounds and returns their round_added events by the
    /// system, unless the table holds any round (checked again under the chain's lock: another node
    /// may have seeded it meanwhile); no events when it did not seed.
    /// </summary>
    internal async Task<IReadOnlyList<AuditEvent>> SeedIfNoneAsync(DubanDb db, CancellationToken ct)
    {
        if (await db.InspectionRounds.AnyAsync(ct)) return [];
        var events = new List<AuditEvent>();
        foreach (var round in InspectionRound.Shipped)
        {
            events.Add((await AddAsync(db, Actor.System(), round, "shipped", null, ct)).Added);
        }
        return events;
    }

    /// <summary>Inside an audited change: saves a new round (for its id) and returns it with its round_added event.</summary>
    internal async Task<(InspectionRoundRow Row, AuditEvent Added)> AddAsync(DubanDb db, Actor actor, InspectionRound round, string source, string? note,
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
        return (row, new AuditEvent(actor, Added, data, note));
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
