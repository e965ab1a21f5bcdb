using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Open311;

/// <summary>
/// The keys Open311 clients post with (<c>api_key</c>). An administrator issues one by name
/// (<c>open311 keys add --name NAME</c>): the key is printed once, only its SHA-256 is stored, and the issue is
/// an audited change whose event records the name and the hash, so that <c>audit verify</c> holds the table to
/// its events (a key slipped into the table, or a hash replaced, is named).
/// </summary>
public sealed class Open311Keys(DubanDb db, AuditedChange change, TimeProvider time)
{
    public const string AddedEvent = "open311_key_added";
    public const string RemovedEvent = "open311_key_removed";

    /// <summary>A new key: 160 random bits, written so that it survives a form post and a shell unquoted.</summary>
    public static string NewKey() => "o311_" + RandomNumberGenerator.GetHexString(40, lowercase: true);

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Issues a key named <paramref name="name"/> (1 to 60 characters, unique): the key itself, shown this once.</summary>
    public async Task<Result<(Open311Key Row, string Key)>> AddAsync(string? name, Actor actor, CancellationToken ct)
    {
        var trimmed = Text.OrNull(name);
        if (trimmed is null || trimmed.Length > 60 || Text.HasControlCharacters(trimmed))
            return Error.Validation("name is required, 1 to 60 characters / 请填写密钥名称（不超过60字）");
        var key = NewKey();
        var made = await change.RunAsync<Open311Key>(async () =>
        {
            if (await db.Set<Open311Key>().AnyAsync(k => k.Name == trimmed, ct))
                return Error.Conflict("key_exists", $"an Open311 key named {trimmed} exists already / 已有同名密钥");
            var row = new Open311Key { Name = trimmed, KeyHash = Hash(key), CreatedAt = Clock.Now(time), CreatedBy = actor.Username };
            db.Add(row);
            await db.SaveChangesAsync(ct);
            return new ChangeMade<Open311Key>(row, [new AuditEvent(actor, AddedEvent, new JsonObject
            {
                ["id"] = row.Id, ["name"] = row.Name, ["keyHash"] = row.KeyHash,
            })], []);
        }, ct);
        return made.IsSuccess ? (made.Value!, key) : made.Error!;
    }

    /// <summary>Withdraws the key named <paramref name="name"/>: its clients are refused from then on; what they filed stays.</summary>
    public async Task<Result<Open311Key>> RemoveAsync(string? name, Actor actor, CancellationToken ct)
    {
        var trimmed = Text.OrNull(name);
        return await change.RunAsync<Open311Key>(async () =>
        {
            var row = trimmed is null ? null : await db.Set<Open311Key>().FirstOrDefaultAsync(k => k.Name == trimmed && k.KeyHash != "", ct);
            if (row is null) return Error.NotFound($"no Open311 key named {trimmed} / 没有该名称的密钥");
            // The row stays (the requests it filed name it); its hash is emptied, which no key hashes to.
            row.KeyHash = "";
            await db.SaveChangesAsync(ct);
            return new ChangeMade<Open311Key>(row, [new AuditEvent(actor, RemovedEvent, new JsonObject { ["id"] = row.Id, ["name"] = row.Name })], []);
        }, ct);
    }

    /// <summary>The key a client posted, or null when it is missing, unknown or withdrawn.</summary>
    public async Task<Open311Key?> FindAsync(string? key, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length > 200) return null;
        var hash = Hash(key.Trim());
        return await db.Set<Open311Key>().AsNoTracking().FirstOrDefaultAsync(k => k.KeyHash == hash, ct);
    }

    /// <summary>
    /// The keys against the events that issued and withdrew them (<c>audit verify</c>): a row without its event, a hash or
    /// name other than its event's, a withdrawn key live again, or a row missing, is named; null when they agree.
    /// </summary>
    public static async Task<string?> MatchEventsAsync(DubanDb db, CancellationToken ct)
    {
        var expected = new Dictionary<long, (string Name, string Hash)>();
        var events = await db.Events.AsNoTracking().Where(e => e.Action == AddedEvent || e.Action == RemovedEvent)
            .OrderBy(e => e.Seq).Select(e => new { e.Action, e.Data }).ToListAsync(ct);
        foreach (var e in events)
        {
            var data = JsonNode.Parse(e.Data)!;
            var id = (long)data["id"]!;
            if (e.Action == AddedEvent) expected[id] = ((string)data["name"]!, (string)data["keyHash"]!);
            else if (expected.TryGetValue(id, out var was)) expected[id] = (was.Name, "");
        }
        var rows = await db.Set<Open311Key>().AsNoTracking().OrderBy(k => k.Id).Select(k => new { k.Id, k.Name, k.KeyHash }).ToListAsync(ct);
        foreach (var row in rows)
        {
            if (!expected.Remove(row.Id, out var was)) return $"Open311 key {row.Name} (id {row.Id}) has no event: it was added outside Duban";
            if (was != (row.Name, row.KeyHash)) return $"Open311 key {row.Name} (id {row.Id}) differs from its events (name or key hash): it was changed outside Duban";
        }
        return expected.Count == 0 ? null : $"Open311 key {expected.First().Value.Name} (id {expected.First().Key}) is missing: it was deleted outside Duban";
    }
}

/// <summary>The <c>open311 keys</c> verbs.</summary>
public static class Open311Cli
{
    public static async Task<int> AddAsync(IServiceProvider sp, CliCall call)
    {
        var system = Actor.System(territory: sp.GetRequiredService<Units.AdminScope>().Home);
        var result = await sp.GetRequiredService<Open311Keys>().AddAsync(call.Value("--name"), system, default);
        if (!result.IsSuccess)
        {
            await Console.Error.WriteLineAsync(result.Error!.Message);
            return result.Error.Status == 409 ? 65 : 64;
        }
        var (row, key) = result.Value;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"added Open311 key {row.Name} (id {row.Id}); api_key: {key}"));
        return 0;
    }

    public static async Task<int> RemoveAsync(IServiceProvider sp, CliCall call)
    {
        var system = Actor.System(territory: sp.GetRequiredService<Units.AdminScope>().Home);
        var result = await sp.GetRequiredService<Open311Keys>().RemoveAsync(call.Value("--name"), system, default);
        if (!result.IsSuccess)
        {
            await Console.Error.WriteLineAsync(result.Error!.Message);
            return 65;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"withdrew Open311 key {result.Value!.Name} (id {result.Value.Id})"));
        return 0;
    }
}
