using System.Net;
using System.Security.Cryptography;
using Duban.Features.Sealing;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Sealing;

/// <summary>
/// Issue 17: the seal key has an id and `keys rotate` seals everything again under a new key while the old still opens;
/// a node without the new key refuses; fingerprints do not change (one Idempotency-Key, one matter); `audit verify` names a
/// matter sealed under a key id it does not know. In the "console" collection: the verbs redirect Console.
/// </summary>
[Collection("console")]
[Trait("Category", "Database")]
public sealed class KeyRotationTests
{
    private static Task<(int Code, string Out, string Err)> Run(DubanFactory node, params string[] args) =>
        ConsoleCli.RunAsync("", [.. args, $"--Duban:DataDirectory={KeyDeployment.DataDirectory(node)}", $"--Duban:Database:Provider={DubanFactory.Provider}",
            .. node.ConnectionString is null ? Array.Empty<string>() : [$"--Duban:Database:ConnectionString={node.ConnectionString}"]]);

    private static async Task<List<string>> SealedAsync(DubanFactory node)
    {
        await using var scope = node.Scope();
        var db = node.Db(scope);
        var raisers = await db.Matters.AsNoTracking().Where(m => m.RaiserSealed != null).Select(m => m.RaiserSealed!).ToListAsync();
        var answers = await db.IdempotencyRecords.AsNoTracking().Select(r => r.ResponseSealed).ToListAsync();
        return [.. raisers, .. answers];
    }

    private static string Flatten(Exception e) => e.ToString();

    private static async Task<string?> TotpPendingAsync(DubanFactory node, string username)
    {
        await using var scope = node.Scope();
        return await node.Db(scope).Users.AsNoTracking().Where(u => u.Username == username).Select(u => u.TotpPending).SingleAsync();
    }

    private static async Task<int> EventCountAsync(DubanFactory node, string action)
    {
        await using var scope = node.Scope();
        return await node.Db(scope).Events.AsNoTracking().CountAsync(e => e.Action == action);
    }

    /// <summary>Progress that cancels the rotation once a line holding <paramref name="marker"/> is written: a crash at that point.</summary>
    private sealed class CrashAt(string marker, CancellationTokenSource crash) : StringWriter(System.Globalization.CultureInfo.InvariantCulture)
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value is not null && value.Contains(marker, StringComparison.Ordinal)) crash.Cancel();
        }
    }

    [Fact]
    public async Task Rotate_SealsEverythingUnderKey2_OldAndNewOpen_OneIdempotencyKeyOneMatter_ANodeWithoutKey2Refuses()
    {
        await using var first = await KeyDeployment.StartAsync();
        var dispatcher = await first.As("dispatcher");
        var idempotencyKey = Guid.NewGuid().ToString();
        HttpRequestMessage Keyed() => Api.Keyed("/api/v1/matters", Api.Matter("轮换前登记的噪音投诉"), idempotencyKey);
        var registered = await (await dispatcher.SendAsync(Keyed())).Json(HttpStatusCode.Created);
        await dispatcher.Register(Api.Matter("轮换前的另一件"));
        // A TOTP secret waiting for its confirmation is sealed too (Features/Auth, TwoFactor).
        var secret = (string)(await (await dispatcher.PostAsync("/api/v1/auth/totp/setup", null)).Json(HttpStatusCode.OK))["secret"]!;
        var before = await SealedAsync(first);
        Assert.Equal(3, before.Count);
        Assert.All(before, v => Assert.StartsWith("v1:", v)); // key 1, the format from before key ids
        Assert.StartsWith("v1:", await TotpPendingAsync(first, "dispatcher"));

        var rotate = await Run(first, "keys", "rotate", "--batch", "1");
        Assert.True(rotate.Code == 0, rotate.Err + rotate.Out);
        Assert.Contains("rotated from 1 to 2: 2 raisers, 1 idempotency answers and 1 TOTP secrets", rotate.Out);
        Assert.True(File.Exists(Path.Combine(KeyDeployment.DataDirectory(first), "keys", "seal-2.key")));
        Assert.True(File.Exists(Path.Combine(KeyDeployment.DataDirectory(first), "keys", "seal.key"))); // the old key is kept
        var after = await SealedAsync(first);
        Assert.Equal(3, after.Count);
        Assert.All(after, v => Assert.StartsWith("v2:2:", v));
        var pendingTotp = await TotpPendingAsync(first, "dispatcher");
        Assert.StartsWith("v2:2:", pendingTotp);

        // The node started before the rotation holds only key 1: no longer ready, so the balancer stops sending to it.
        var ready = await first.CreateClient().GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);

        // A node with the ring opens what was sealed again, replays the Idempotency-Key (same fingerprint, same matter),
        // and seals new values under key 2.
        await using (var second = first.Sibling())
        {
            await second.InitializeAsync();
            var staff = await second.As("dispatcher");
            var raiser = await staff.GetAsync($"/api/v1/matters/{(long)registered["id"]!}/raiser");
            Assert.Contains("陈美玲", await raiser.Content.ReadAsStringAsync());
            var replay = await (await staff.SendAsync(Keyed())).Json(HttpStatusCode.OK);
            Assert.Equal((long)registered["id"]!, (long)replay["id"]!);
            Assert.Equal((string?)registered["queryCode"], (string?)replay["queryCode"]);
            var fresh = await staff.Register(Api.Matter("轮换后登记的"));
            await using var scope = second.Scope();
            var dispatcherId = await second.Db(scope).Users.Where(u => u.Username == "dispatcher").Select(u => u.Id).SingleAsync();
            Assert.Equal(secret, scope.ServiceProvider.GetRequiredService<Sealer>().Open(pendingTotp!, Duban.Features.Auth.TwoFactor.Context(dispatcherId)));
            Assert.StartsWith("v2:2:", await second.Db(scope).Matters.Where(m => m.Id == fresh).Select(m => m.RaiserSealed).SingleAsync());
            Assert.Equal(3, await second.Db(scope).Matters.CountAsync());
        }

        var verify = await Run(first, "audit", "verify");
        Assert.True(verify.Code == 0, verify.Err);
        Assert.Equal(1, await EventCountAsync(first, SealKeyRotation.RotatedEvent));
        Assert.Equal(2, await EventCountAsync(first, SealKeyRotation.ResealedEvent));

        // A node given only the first key refuses to start, saying which key it lacks.
        var file = Path.Combine(KeyDeployment.DataDirectory(first), "keys", "seal-2.key");
        File.Move(file, file + ".aside");
        try
        {
            await using var third = first.Sibling();
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() => third.Server));
            Assert.Contains("seal key 2", Flatten(refused));
        }
        finally
        {
            File.Move(file + ".aside", file);
        }
    }

    [Fact]
    public async Task Rotate_CrashedWhileSealingAgain_RunAgain_FinishesUnderTheSameKey_AndVerifies()
    {
        await using var first = await KeyDeployment.StartAsync();
        var dispatcher = await first.As("dispatcher");
        for (var i = 0; i < 3; i++) await dispatcher.Register(Api.Matter($"轮换中断前登记的第 {i} 件"));

        // The rotation stops after its first batch of one raiser: the new key recorded, one raiser under it, two under key 1.
        using var crash = new CancellationTokenSource();
        await using (var scope = first.Scope())
        {
            var rotation = scope.ServiceProvider.GetRequiredService<SealKeyRotation>();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rotation.RunAsync(1, new CrashAt("raisers sealed again", crash), crash.Token));
        }
        var halfway = await SealedAsync(first);
        Assert.Single(halfway, v => v.StartsWith("v2:2:", StringComparison.Ordinal));
        Assert.Equal(2, halfway.Count(v => v.StartsWith("v1:", StringComparison.Ordinal)));
        // Meanwhile the chain is whole and everything opens (the ring holds both keys).
        var meanwhile = await Run(first, "audit", "verify");
        Assert.True(meanwhile.Code == 0, meanwhile.Err);

        var again = await Run(first, "keys", "rotate");
        Assert.True(again.Code == 0, again.Err + again.Out);
        Assert.Contains("did not finish", again.Out);
        Assert.Contains("rotation finished from 1 to 2: 2 raisers", again.Out);
        Assert.False(File.Exists(Path.Combine(KeyDeployment.DataDirectory(first), "keys", "seal-3.key"))); // no second key
        Assert.All(await SealedAsync(first), v => Assert.StartsWith("v2:2:", v));
        Assert.Equal(1, await EventCountAsync(first, SealKeyRotation.RotatedEvent));
        Assert.Equal(1, await EventCountAsync(first, SealKeyRotation.DoneEvent));
        Assert.Equal(3, await EventCountAsync(first, SealKeyRotation.ResealedEvent));
        var verify = await Run(first, "audit", "verify");
        Assert.True(verify.Code == 0, verify.Err);

        // Finished, a further run rotates again, to key 3.
        var third = await Run(first, "keys", "rotate");
        Assert.True(third.Code == 0, third.Err + third.Out);
        Assert.Contains("rotated from 2 to 3: 3 raisers", third.Out);
        Assert.All(await SealedAsync(first), v => Assert.StartsWith("v2:3:", v));
    }

    [Fact]
    public async Task Rotate_CrashedAfterWritingTheKeyBeforeRecordingIt_NodesRefuseSayingSo_RunAgainRecordsThatKey()
    {
        await using var first = await KeyDeployment.StartAsync();
        var id = await (await first.As("dispatcher")).Register(Api.Matter());
        // What a rotation that stopped between writing key 2 and recording it leaves behind.
        KeyFiles.Create(KeyFiles.SealKeyPath(KeyDeployment.DataDirectory(first), 2));

        await using (var refusing = first.Sibling())
        {
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() => refusing.Server));
            Assert.Contains("Run `keys rotate` again to finish the rotation", Flatten(refused));
        }

        var rotate = await Run(first, "keys", "rotate");
        Assert.True(rotate.Code == 0, rotate.Err + rotate.Out);
        Assert.Contains("was written by a rotation that stopped before recording it", rotate.Out);
        Assert.Contains("rotated from 1 to 2: 1 raisers", rotate.Out);
        Assert.False(File.Exists(Path.Combine(KeyDeployment.DataDirectory(first), "keys", "seal-3.key")));
        Assert.All(await SealedAsync(first), v => Assert.StartsWith("v2:2:", v));

        await using var second = first.Sibling();
        await second.InitializeAsync();
        var raiser = await (await second.As("dispatcher")).GetAsync($"/api/v1/matters/{id}/raiser");
        Assert.Contains("陈美玲", await raiser.Content.ReadAsStringAsync());
        var verify = await Run(first, "audit", "verify");
        Assert.True(verify.Code == 0, verify.Err);
    }

    [Fact]
    public async Task Backup_AfterARotation_CarriesTheWholeRing_TheRestoredNodeOpensBothKeys()
    {
        var passphraseBefore = Environment.GetEnvironmentVariable(Duban.Features.Backup.KeyArchive.PassphraseVariable);
        var root = Path.Combine(Path.GetTempPath(), "duban-rotation-" + Guid.NewGuid().ToString("N")[..8]);
        string? target = null;
        Environment.SetEnvironmentVariable(Duban.Features.Backup.KeyArchive.PassphraseVariable, "correct horse battery staple");
        try
        {
            await using var first = await KeyDeployment.StartAsync();
            var dispatcher = await first.As("dispatcher");
            var token = dispatcher.DefaultRequestHeaders.Authorization!.Parameter!;
            var underKey2 = await dispatcher.Register(Api.Matter("轮换前登记、轮换后在新密钥下的"));
            var rotate = await Run(first, "keys", "rotate");
            Assert.True(rotate.Code == 0, rotate.Err + rotate.Out);
            // A node not yet restarted still seals under key 1, which the ring keeps.
            var underKey1 = await dispatcher.Register(Api.Matter("轮换后由未重启的节点登记的"));
            await using (var scope = first.Scope())
            {
                var values = await first.Db(scope).Matters.OrderBy(m => m.Id).Select(m => m.RaiserSealed!).ToListAsync();
                Assert.StartsWith("v2:2:", values[0]);
                Assert.StartsWith("v1:", values[1]);
            }

            var backup = await Run(first, "backup", "--out", Path.Combine(root, "backup"));
            Assert.True(backup.Code == 0, backup.Err);
            Assert.False(File.Exists(Path.Combine(root, "backup", "keys", "seal-2.key")));

            target = await EmptyPostgresAsync();
            var restored = Path.Combine(root, "restored");
            var restore = await ConsoleCli.RunAsync("", ["restore", "--from", Path.Combine(root, "backup"), $"--Duban:DataDirectory={restored}",
                $"--Duban:Database:Provider={DubanFactory.Provider}", .. target is null ? Array.Empty<string>() : [$"--Duban:Database:ConnectionString={target}"]]);
            Assert.True(restore.Code == 0, restore.Err);
            Assert.True(File.Exists(Path.Combine(restored, "keys", "seal.key")));
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(KeyDeployment.DataDirectory(first), "keys", "seal-2.key")), await File.ReadAllTextAsync(Path.Combine(restored, "keys", "seal-2.key")));

            await using var node = new Duban.Tests.Features.Backup.BackupRestoreTests.DirectoryApp(restored, target);
            var client = node.CreateClient();
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            foreach (var id in new[] { underKey2, underKey1 })
            {
                var raiser = await client.GetAsync($"/api/v1/matters/{id}/raiser");
                var body = await raiser.Content.ReadAsStringAsync();
                Assert.True(raiser.StatusCode == HttpStatusCode.OK, body);
                Assert.Contains("陈美玲", body);
            }
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz/ready")).StatusCode);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Duban.Features.Backup.KeyArchive.PassphraseVariable, passphraseBefore);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (target is not null)
            {
                Npgsql.NpgsqlConnection.ClearAllPools();
                await using var conn = new Npgsql.NpgsqlConnection(Environment.GetEnvironmentVariable("DUBAN_TEST_POSTGRES"));
                await conn.OpenAsync();
                await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {new Npgsql.NpgsqlConnectionStringBuilder(target).Database} WITH (FORCE)", conn);
                await drop.ExecuteNonQueryAsync();
            }
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>An empty PostgreSQL database to restore into (none on SQLite).</summary>
    private static async Task<string?> EmptyPostgresAsync()
    {
        if (DubanFactory.Provider != "postgres") return null;
        var server = Environment.GetEnvironmentVariable("DUBAN_TEST_POSTGRES")!;
        var name = "duban_restore_" + Guid.NewGuid().ToString("N")[..12];
        await using var conn = new Npgsql.NpgsqlConnection(server);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", conn);
        await cmd.ExecuteNonQueryAsync();
        return new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = name }.ToString();
    }

    [Fact]
    public async Task AuditVerify_NamesAMatterSealedUnderAKeyIdItDoesNotKnow()
    {
        await using var first = await KeyDeployment.StartAsync();
        var id = await (await first.As("dispatcher")).Register(Api.Matter());
        await using (var scope = first.Scope())
        {
            var sealedValue = await first.Db(scope).Matters.Where(m => m.Id == id).Select(m => m.RaiserSealed!).SingleAsync();
            var foreign = "v2:7:" + sealedValue[3..];
            await first.Db(scope).Database.ExecuteSqlAsync($"UPDATE matters SET raiser_sealed = {foreign} WHERE id = {id}");
        }
        var verify = await Run(first, "audit", "verify");
        Assert.Equal(2, verify.Code);
        Assert.Contains("sealed under seal key 7, which this deployment does not know", verify.Err);
    }

    [Fact]
    public void Sealer_KeyIds_OldValuesOpen_NewUnderTheHighest_FingerprintsKeyedByKey1()
    {
        var key1 = RandomNumberGenerator.GetBytes(32);
        var key2 = RandomNumberGenerator.GetBytes(32);
        var before = new Sealer(key1);
        var old = before.Seal("陈美玲", "raiser:JM-2026-000001");
        Assert.StartsWith("v1:", old);
        var ring = new Sealer(new Dictionary<int, byte[]> { [1] = key1, [2] = key2 });
        Assert.Equal(2, ring.CurrentKeyId);
        Assert.Equal("陈美玲", ring.Open(old, "raiser:JM-2026-000001"));
        var resealed = ring.Seal("陈美玲", "raiser:JM-2026-000001");
        Assert.StartsWith("v2:2:", resealed);
        Assert.Equal(2, Sealer.KeyIdOf(resealed));
        Assert.Equal("陈美玲", ring.Open(resealed, "raiser:JM-2026-000001"));
        Assert.Null(before.Open(resealed, "raiser:JM-2026-000001")); // key 2 unknown to a node with key 1 alone
        Assert.False(before.Knows(resealed));
        Assert.Null(ring.Open(resealed, "raiser:JM-2026-000002"));
        Assert.Equal(before.Fingerprint("同一请求"), ring.Fingerprint("同一请求"));
        Assert.Throws<KeyException>(() => new Sealer(new Dictionary<int, byte[]> { [2] = key2 }));
    }
}
