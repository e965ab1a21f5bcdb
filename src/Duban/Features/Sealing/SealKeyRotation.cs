using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Sealing;

/// <summary>What a rotation did: the new key's id, whether it finished an interrupted rotation, and the values sealed again under it.</summary>
public sealed record RotationReport(int From, int To, bool Resumed, int Matters, int Idempotency, int Accounts, IReadOnlyList<string> NotOpened);

/// <summary>
/// `keys rotate` (issue 17): a new seal key N+1 beside the old ones (<c>keys/seal-N.key</c>, a ring: every old key is
/// kept, so what is still sealed under it opens during and after the rotation); the database's seal check value moved
/// to it in the same transaction as an audited <c>seal_key_rotated</c> event (ids only, never a key or a plaintext), so
/// that a node without the new key refuses to start and a running one turns unready (KeyChecks); then every sealed
/// value is sealed again under it, in batches: raisers (each matter's change an audited <c>raiser_resealed</c> event
/// recording its new state, so that `audit verify` still passes), the idempotency answers and the accounts' TOTP
/// secrets (neither is in a recorded state); then <c>seal_key_rotation_done</c>. Fingerprints stay keyed by key 1
/// (<see cref="Sealer.Fingerprint"/>).
/// Safe to run again after a crash at any point: a key file written but not recorded (<see cref="PendingKeyAsync"/>) is
/// recorded now rather than a second one made; a rotation recorded but not done (no <c>seal_key_rotation_done</c>
/// after its <c>seal_key_rotated</c>) is finished under its key, without a new one; each batch is one transaction
/// and only values not yet under the new key are read, so nothing is sealed twice or lost.
/// </summary>
public sealed class SealKeyRotation(DubanDb db, AuditLog audit, DeploymentKeys keys, MatterFacets facets, IConfiguration configuration)
{
    /// <summary>The event on a matter whose raiser was sealed again under the new key.</summary>
    public const string ResealedEvent = "raiser_resealed";

    /// <summary>The event recording the new key as the deployment's (its check value moved in the same transaction).</summary>
    public const string RotatedEvent = "seal_key_rotated";

    /// <summary>The event closing a rotation: everything that opened is sealed under the new key.</summary>
    public const string DoneEvent = "seal_key_rotation_done";

    /// <summary>The ring without key <paramref name="id"/>.</summary>
    public static IReadOnlyDictionary<int, byte[]> Without(IReadOnlyDictionary<int, byte[]> ring, int id)
    {
        ArgumentNullException.ThrowIfNull(ring);
        return new SortedDictionary<int, byte[]>(ring.Where(k => k.Key != id).ToDictionary(k => k.Key, k => k.Value));
    }

    /// <summary>
    /// The id of a key that a rotation wrote but did not record (it stopped between the two): the ring's highest, one
    /// above the recorded key, the rest of the ring being exactly the recorded one. Null otherwise.
    /// </summary>
    public static async Task<int?> PendingKeyAsync(DubanDb db, IReadOnlyDictionary<int, byte[]> ring, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(ring);
        var highest = ring.Keys.Max();
        if (highest < 2 || await KeyChecks.RecordedAsync(db, "seal_key_check", ct) is not { } recorded) return null;
        return KeyChecks.SealKeyIdOf(recorded) == highest - 1 && KeyChecks.SealCheckValue(Without(ring, highest)) == recorded ? highest : null;
    }

    public async Task<Result<RotationReport>> RunAsync(int batchSize, TextWriter progress, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var ring = keys.SealRing;
        var current = ring.Keys.Max();
        var dataDirectory = Hosting.DubanServices.DataDirectory(configuration);
        int to;
        var resumed = false;
        string? created = null;
        if (await PendingKeyAsync(db, ring, ct) is { } pending)
        {
            to = pending;
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seal key {to} was written by a rotation that stopped before recording it: recording it now, no other key is made"));
        }
        else if (current > 1 && await UnfinishedAsync(ct))
        {
            to = current;
            resumed = true;
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"the rotation to seal key {to} did not finish: sealing again under it what is still under an older key, no other key is made"));
        }
        else
        {
            to = current + 1;
            var path = KeyFiles.SealKeyPath(dataDirectory, to);
            if (File.Exists(path)) return Error.Conflict("key_file_exists", $"{path} exists already: remove it (nothing is sealed under it) or give it to every node, then rotate again");
            try
            {
                ring = new SortedDictionary<int, byte[]>(ring.ToDictionary(k => k.Key, k => k.Value)) { [to] = KeyFiles.Create(path) };
            }
            catch (IOException e)
            {
                return Error.Conflict("key_file_exists", $"{path} could not be made ({e.Message}): is another `keys rotate` running? Nothing was changed");
            }
            created = path;
        }
        var from = ring.Keys.Where(k => k < to).DefaultIfEmpty(1).Max();
        var sealer = new Sealer(ring);

        if (!resumed)
        {
            // The check value moves first: from this commit every node must hold the new key (one without it refuses to start).
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await audit.LockAsync(ct);
            await using var update = Sql.Command(db, "UPDATE audit_head SET seal_key_check = @p0 WHERE id = 1 AND seal_key_check = @p1",
                KeyChecks.SealCheckValue(ring), KeyChecks.SealCheckValue(Without(ring, to)));
            if (await update.ExecuteNonQueryAsync(ct) != 1)
            {
                await tx.RollbackAsync(ct);
                if (await KeyChecks.RecordedAsync(db, "seal_key_check", ct) == KeyChecks.SealCheckValue(ring))
                {
                    return Error.Conflict("rotation_running", string.Create(CultureInfo.InvariantCulture,
                        $"another `keys rotate` recorded seal key {to} meanwhile and is sealing again under it: let it finish (or run `keys rotate` again if it stopped)"));
                }
                if (created is not null) File.Delete(created); // made by this run, never recorded: nothing is sealed under it
                return Error.Conflict("seal_key_changed", "the seal key recorded in the database is not this node's (another rotation?): nothing was changed");
            }
            await audit.AppendAsync(null, Actor.System(), RotatedEvent, data: new JsonObject { ["from"] = from, ["to"] = to }, ct: ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seal key {to} recorded ({KeyFiles.SealKeyPath(dataDirectory, to)}); sealing again under it…"));
        }

        var notOpened = new List<string>();
        var matters = await ResealMattersAsync(sealer, batchSize, notOpened, progress, ct);
        var idempotency = await ResealIdempotencyAsync(sealer, batchSize, notOpened, ct);
        var accounts = await ResealAccountsAsync(sealer, notOpened, ct);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await audit.LockAsync(ct);
            await audit.AppendAsync(null, Actor.System(), DoneEvent, data: new JsonObject
            {
                ["to"] = to,
                ["matters"] = matters,
                ["idempotency"] = idempotency,
                ["accounts"] = accounts,
                ["notOpened"] = notOpened.Count,
            }, ct: ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        return new RotationReport(from, to, resumed, matters, idempotency, accounts, notOpened);
    }

    /// <summary>The last rotation recorded has no <see cref="DoneEvent"/> after it: it stopped while sealing again.</summary>
    private async Task<bool> UnfinishedAsync(CancellationToken ct)
    {
        var rotated = await db.Events.AsNoTracking().Where(e => e.MatterId == null && e.Action == RotatedEvent).MaxAsync(e => (long?)e.Seq, ct);
        if (rotated is null) return false;
        var done = await db.Events.AsNoTracking().Where(e => e.MatterId == null && e.Action == DoneEvent).MaxAsync(e => (long?)e.Seq, ct);
        return done is null || done < rotated;
    }

    /// <summary>Sealed under an older key: not yet under <paramref name="to"/>'s prefix.</summary>
    private static bool Older(string value, int to) => Sealer.KeyIdOf(value) != to;

    private async Task<int> ResealMattersAsync(Sealer sealer, int batchSize, List<string> notOpened, TextWriter progress, CancellationToken ct)
    {
        var prefix = Sealer.Prefix(sealer.CurrentKeyId);
        long after = 0;
        var done = 0;
        while (true)
        {
            var ids = await db.Matters.AsNoTracking()
                .Where(m => m.Id > after && m.RaiserSealed != null && !m.RaiserSealed.StartsWith(prefix))
                .OrderBy(m => m.Id).Select(m => m.Id).Take(batchSize).ToListAsync(ct);
            if (ids.Count == 0) return done;
            after = ids[^1];
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            foreach (var id in ids) await audit.LockMatterAsync(id, ct); // in id order, as every batch: no deadlock
            var batch = await db.Matters.Include(m => m.Assignments).Where(m => ids.Contains(m.Id)).OrderBy(m => m.Id).ToListAsync(ct);
            await facets.LoadAsync(db, batch, tracked: true, ct);
            audit.Reserve(batch.Count);
            foreach (var m in batch)
            {
                if (m.RaiserSealed is not { } value || !Older(value, sealer.CurrentKeyId)) continue;
                var context = RegisterMatter.RaiserContext(m.Number);
                if (sealer.Open(value, context) is not { } plain)
                {
                    notOpened.Add($"matter {m.Number}");
                    continue;
                }
                m.RaiserSealed = sealer.Seal(plain, context);
                m.Version++;
                await audit.AppendAsync(m, Actor.System(), ResealedEvent, data: new JsonObject { ["key"] = sealer.CurrentKeyId }, ct: ct);
                done++;
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{done} raisers sealed again (to matter id {after})"));
        }
    }

    private async Task<int> ResealIdempotencyAsync(Sealer sealer, int batchSize, List<string> notOpened, CancellationToken ct)
    {
        var prefix = Sealer.Prefix(sealer.CurrentKeyId);
        var done = 0;
        var skipped = new HashSet<(string, string)>();
        while (true)
        {
            var rows = await db.IdempotencyRecords.AsNoTracking().Where(r => !r.ResponseSealed.StartsWith(prefix))
                .OrderBy(r => r.Scope).ThenBy(r => r.Key).Take(batchSize + skipped.Count).ToListAsync(ct);
            rows = [.. rows.Where(r => !skipped.Contains((r.Scope, r.Key)))];
            if (rows.Count == 0) return done;
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            foreach (var r in rows)
            {
                var context = "idempotency:" + r.Scope + ":" + r.Key;
                if (sealer.Open(r.ResponseSealed, context) is not { } plain)
                {
                    skipped.Add((r.Scope, r.Key));
                    notOpened.Add($"idempotency {r.Scope}/{r.Key}");
                    continue;
                }
                // Only if unchanged since read: a value another node sealed meanwhile is left as it is.
                await using var update = Sql.Command(db, "UPDATE idempotency SET response_sealed = @p0 WHERE scope = @p1 AND key = @p2 AND response_sealed = @p3",
                    sealer.Seal(plain, context), r.Scope, r.Key, r.ResponseSealed);
                done += await update.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
    }

    private async Task<int> ResealAccountsAsync(Sealer sealer, List<string> notOpened, CancellationToken ct)
    {
        var done = 0;
        var users = await db.Users.AsNoTracking().Where(u => u.TotpSecret != null || u.TotpPending != null)
            .Select(u => new { u.Id, u.Username, u.TotpSecret, u.TotpPending }).ToListAsync(ct);
        foreach (var u in users)
        {
            foreach (var (column, value) in new[] { ("totp_secret", u.TotpSecret), ("totp_pending", u.TotpPending) })
            {
                if (value is null || !Older(value, sealer.CurrentKeyId)) continue;
                var context = Auth.TwoFactor.Context(u.Id);
                if (sealer.Open(value, context) is not { } plain)
                {
                    notOpened.Add($"account {u.Username} ({column})");
                    continue;
                }
                await using var update = Sql.Command(db, $"UPDATE users SET {column} = @p0 WHERE id = @p1 AND {column} = @p2", sealer.Seal(plain, context), u.Id, value);
                await db.Database.OpenConnectionAsync(ct);
                try { done += await update.ExecuteNonQueryAsync(ct); }
                finally { await db.Database.CloseConnectionAsync(); }
            }
        }
        return done;
    }
}

/// <summary>
/// `keys rotate [--batch N]`: the deployment's key checks (a writing verb), against the ring without a key that an
/// interrupted rotation wrote but did not record (<see cref="SealKeyRotation.PendingKeyAsync"/>), then the rotation.
/// </summary>
public static class KeysCli
{
    public static async Task<int> RotateAsync(IServiceProvider services, Hosting.CliCall call)
    {
        ArgumentNullException.ThrowIfNull(services);
        var batch = 500;
        ArgumentNullException.ThrowIfNull(call);
        if (call.Value("--batch") is { } given && (!int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out batch) || batch is < 1 or > 10_000))
        {
            await Console.Error.WriteLineAsync("--batch is a number of values a transaction, 1 to 10000");
            return 64;
        }
        IReadOnlyDictionary<int, byte[]> ring;
        try
        {
            ring = services.GetRequiredService<DeploymentKeys>().SealRing;
        }
        catch (KeyException e)
        {
            await Console.Error.WriteLineAsync("wrong keys: " + e.Message);
            return 3;
        }
        var pending = await SealKeyRotation.PendingKeyAsync(services.GetRequiredService<DubanDb>(), ring);
        if (await DeploymentChecks.RunAsync(services, pending is { } id ? SealKeyRotation.Without(ring, id) : null) is { } refused)
        {
            await Console.Error.WriteLineAsync("wrong keys: " + refused);
            return 3;
        }
        var result = await services.GetRequiredService<SealKeyRotation>().RunAsync(batch, Console.Out);
        if (!result.IsSuccess)
        {
            await Console.Error.WriteLineAsync(result.Error!.Message);
            return 65;
        }
        var r = result.Value!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seal key {(r.Resumed ? "rotation finished" : "rotated")} from {r.From} to {r.To}: {r.Matters} raisers, {r.Idempotency} idempotency answers and {r.Accounts} TOTP secrets sealed again. " +
            $"Give keys/seal-{r.To}.key to every node (keep the older keys) and restart them: a node without it refuses to start, and a running one is not ready."));
        if (r.NotOpened.Count > 0)
        {
            await Console.Error.WriteLineAsync($"{r.NotOpened.Count} values did not open with any key of this node and were left as they are: {string.Join("; ", r.NotOpened.Take(20))}");
            return 2;
        }
        return 0;
    }
}
