using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Audit;

/// <summary>
/// The chain's heads, anchored outside the database (issue 17, docs/adr/0007): whoever can write the database
/// can cut the last events of a lane and move its head row back to match (docs/adr/0006, "Limit"). Every
/// <see cref="AuditAnchorOptions.Seconds"/> each node appends the heads it reads, signed with the audit key, as
/// one line to an append-only file (<c>Duban:Audit:AnchorFile</c>, default <c>&lt;data&gt;/audit-anchors.log</c>):
/// <c>{"at":…,"heads":{"0":[seq,"hash"],"3":[place,"hash"],…},"mac":"…"}</c>. `audit verify` reads it and requires the
/// chain to hold every anchored head: each lane at least as long as its longest anchored place, with that event's hash.
/// </summary>
public static class AuditAnchors
{
    public const string DefaultFile = "audit-anchors.log";

    /// <summary>The anchor file of this deployment's configuration.</summary>
    public static string PathOf(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration["Duban:Audit:AnchorFile"] is { Length: > 0 } file
            ? Path.GetFullPath(file) : Path.Combine(Hosting.DubanServices.DataDirectory(configuration), DefaultFile);
    }

    /// <summary>The heads as committed now: lane 0 (the first chain, before schema 0016) and every lane that has events.</summary>
    public static async Task<SortedDictionary<int, (long Place, string Hash)>> HeadsAsync(DubanDb db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var heads = new SortedDictionary<int, (long, string)>();
        var first = await db.AuditHeads.AsNoTracking().Where(h => h.Id == 1).Select(h => new { h.Seq, h.Hash }).SingleAsync(ct);
        if (first.Seq > 0) heads[0] = (first.Seq, first.Hash);
        foreach (var lane in await db.AuditChains.AsNoTracking().Where(h => h.Seq > 0).ToListAsync(ct)) heads[lane.Id] = (lane.Seq, lane.Hash);
        return heads;
    }

    /// <summary>
    /// Appends the current heads to the file unless they equal <paramref name="last"/> (what this writer wrote last);
    /// answers what it wrote (or <paramref name="last"/>). One write of one line, flushed to the disk: lines of
    /// several processes appending at once do not interleave (O_APPEND).
    /// </summary>
    public static async Task<string?> AppendAsync(DubanDb db, AuditKey key, string path, DateTimeOffset now, string? last, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        var heads = new JsonObject();
        foreach (var (lane, (place, hash)) in await HeadsAsync(db, ct))
            heads[lane.ToString(CultureInfo.InvariantCulture)] = new JsonArray(place, hash);
        var signed = heads.ToJsonString();
        if (heads.Count == 0 || signed == last) return last;
        var at = now.ToUnixTimeMilliseconds();
        var line = new JsonObject { ["at"] = at, ["heads"] = JsonNode.Parse(signed), ["mac"] = Mac(key, at, signed) }.ToJsonString() + "\n";
        if (Path.GetDirectoryName(path) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using (var file = new FileStream(path, options))
        {
            await file.WriteAsync(Encoding.UTF8.GetBytes(line), ct);
            file.Flush(flushToDisk: true);
        }
        return signed;
    }

    /// <summary>
    /// The longest anchored place of each lane in the file, with its hash and when it was written; a line that does
    /// not parse or whose signature is not the audit key's is a problem (someone wrote in the file).
    /// </summary>
    public static async Task<(Dictionary<int, (long Place, string Hash, DateTimeOffset At)> Heads, int Lines, string? Problem)> ReadAsync(
        string path, AuditKey key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        var longest = new Dictionary<int, (long Place, string Hash, DateTimeOffset At)>();
        if (!File.Exists(path)) return (longest, 0, null);
        var number = 0;
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            number++;
            if (line.Length == 0) continue;
            try
            {
                var node = JsonNode.Parse(line)!.AsObject();
                var at = (long)node["at"]!;
                var heads = node["heads"]!.AsObject();
                var signed = heads.ToJsonString();
                if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Mac(key, at, signed)), Encoding.ASCII.GetBytes((string?)node["mac"] ?? "")))
                    return (longest, number, $"line {number} of the anchor file {path} is not signed with the audit key: the file was written by someone else");
                foreach (var (lane, head) in heads)
                {
                    var id = int.Parse(lane, CultureInfo.InvariantCulture);
                    var place = (long)head![0]!;
                    if (place > longest.GetValueOrDefault(id).Place) longest[id] = (place, (string)head[1]!, DateTimeOffset.FromUnixTimeMilliseconds(at));
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException or ArgumentException or IndexOutOfRangeException)
            {
                return (longest, number, $"line {number} of the anchor file {path} does not parse: the file was damaged or written by someone else");
            }
        }
        return (longest, number, null);
    }

    private static string Mac(AuditKey key, long at, string heads) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key.Value, Encoding.UTF8.GetBytes("duban-anchor-v1\n" + at.ToString(CultureInfo.InvariantCulture) + "\n" + heads)));
}

public sealed class AuditAnchorOptions
{
    public const string Section = "Duban:Audit:Anchor";

    /// <summary>How often each node appends the heads (when they moved). 0: never (a deployment that anchors otherwise).</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 86_400)]
    public int Seconds { get; set; } = 60;
}

/// <summary>Appends the heads to the anchor file every <see cref="AuditAnchorOptions.Seconds"/> when they moved (CONVENTIONS: BackgroundService + PeriodicTimer on TimeProvider).</summary>
public sealed class AuditAnchorWriter(IServiceScopeFactory scopes, IConfiguration configuration, AuditKey key,
    Microsoft.Extensions.Options.IOptions<AuditAnchorOptions> options, TimeProvider time, ILogger<AuditAnchorWriter> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Seconds <= 0) return;
        var path = AuditAnchors.PathOf(configuration);
        string? last = null;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Seconds), time);
        while (await timer.NextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                last = await AuditAnchors.AppendAsync(scope.ServiceProvider.GetRequiredService<DubanDb>(), key, path, time.GetUtcNow(), last, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database or the disk away for a moment: tried again at the next tick.
                log.LogError(e, "audit anchor not written to {Path}", path);
            }
        }
    }
}
