using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Duban.Tests.Features.Audit;

/// <summary>
/// Issue #13: a database written by release a848a4a still passes `audit verify` and still serves with
/// today's code. The database is Fixtures/release-a848a4a (its README says how it was made and what it
/// holds): SQLite as the file, PostgreSQL loaded from its dump into a fresh database. Each test starts
/// a deployment on its own copy, so no test sees another's changes. In the "console" collection: the
/// tests run the CLI's own `audit verify`, which writes to Console.
/// </summary>
[Collection("console")]
[Trait("Category", "Database")]
public sealed class ReleaseFixtureTests
{
    /// <summary>What the fixture holds (its README): a lost or added event changes these.</summary>
    private const int Events = FixtureCounts.Events;

    /// <summary>Today's first start on the release's database records its accounts' and units' states: one event (issue 17, docs/adr/0007).</summary>
    private const int StatesRecorded = 1;
    private const int Matters = FixtureCounts.Matters;

    [Fact]
    public async Task OldDatabase_Migrates_AndAuditVerifyReportsIntact_WithTheFixtureCounts()
    {
        await using var release = await ReleaseDeployment.StartAsync();

        // Every schema script of today's code is applied on top of the release's.
        var scripts = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Duban", "Data", "Migrations", DubanFactory.Provider), "*.sql")
            .Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(scripts);
        Assert.Equal(scripts, await release.ScalarsAsync("SELECT version FROM schema_migrations ORDER BY version"));

        // The CLI's verifier, as an operator runs it, and the same verifier in process.
        var (code, output, error) = await release.AuditVerifyAsync();
        Assert.True(code == 0, error);
        Assert.Contains($"audit chain intact: {Events + StatesRecorded} events, {Matters} matters verified", output, StringComparison.Ordinal);
        await using var scope = release.Node.Scope();
        var report = await release.Node.Verify(release.Node.Db(scope));
        Assert.True(report.Intact, report.FirstProblem);
        Assert.Equal(Events + StatesRecorded, report.EventCount);
        Assert.Equal(Matters, report.MatterCount);

        // Event by event kind, as the README counts them: today's start lost none and added only the recorded states.
        var byAction = await release.Node.Db(scope).Events.GroupBy(e => e.Action).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        Assert.Equal(FixtureCounts.EventsByAction.Append(KeyValuePair.Create(Duban.Features.Audit.EntityStates.BaselineAction, StatesRecorded)).OrderBy(p => p.Key, StringComparer.Ordinal),
            byAction.Select(x => KeyValuePair.Create(x.Key, x.Count)).OrderBy(p => p.Key, StringComparer.Ordinal));
        var byStatus = await release.Node.Db(scope).Matters.GroupBy(m => m.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        Assert.Equal(FixtureCounts.MattersByStatus.OrderBy(p => p.Key, StringComparer.Ordinal),
            byStatus.Select(x => KeyValuePair.Create(x.Key, x.Count)).OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task OldDatabase_Serves_TheMattersItHolds_ThroughTheApiAndTheConsole()
    {
        await using var release = await ReleaseDeployment.StartAsync();
        var node = release.Node;
        var dispatcher = await node.As("dispatcher");

        // The accounts of the release sign in with their stored password hashes (the one added by an administrator too).
        foreach (var user in new[] { "supervisor", "leader", "admin", "h-440781115", "h-440781-jw", "fixture.handler" })
            Assert.Equal(HttpStatusCode.OK, (await (await node.As(user)).GetAsync("/api/v1/matters?pageSize=1")).StatusCode);

        var list = await dispatcher.GetAsync("/api/v1/matters?pageSize=100").Ok();
        Assert.Equal(Matters, (int)list["total"]!);
        var search = await dispatcher.GetAsync("/api/v1/matters?q=" + Uri.EscapeDataString("夹具B")).Ok();
        Assert.Equal(release.Id("planInProgress"), (long)search["items"]![0]!["id"]!);

        // B: 重点督办, paused and resumed, a plan of three milestones (weights 1, 2, 3) with two done, an extension refused.
        var b = await dispatcher.Get(release.Id("planInProgress"));
        Assert.Equal("in_progress", (string?)b["status"]);
        Assert.Equal("440781115", (string?)b["leadUnit"]!["code"]);
        Assert.Equal(50, (int)b["progress"]!);
        Assert.True((bool)b["clock"]!["keySupervision"]!);
        Assert.True((bool)b["clock"]!["planRequired"]!);
        Assert.Null(b["clock"]!["paused"]);
        Assert.True((long)b["clock"]!["pausedMs"]! > 0);
        Assert.Null(b["extensionRequest"]);
        var milestones = b["clock"]!["milestones"]!.AsArray();
        Assert.Equal(["摸清收费情况", "约谈快递企业", "取消过海费并公示"], milestones.Select(m => (string)m!["title"]!));
        Assert.Equal([1, 2, 3], milestones.Select(m => (int)m!["weight"]!));
        Assert.Equal([true, true, false], milestones.Select(m => m!["doneAt"] is not null));
        Assert.Equal("已约谈4家快递企业", (string?)milestones[1]!["note"]);
        foreach (var action in new[] { "pause", "resume", "key_supervision", "plan_required", "plan", "milestone_done", "extension_refuse" }) Assert.Contains(action, b.Actions());

        // F: split by its lead unit; one part in progress (60 %, weight 3), one closed (weight 1).
        var f = await dispatcher.Get(release.Id("splitInProgress"));
        Assert.Equal("in_progress", (string?)f["status"]);
        var children = f["children"]!.AsArray();
        Assert.Equal(["川岛镇清理渔港垃圾", "人社局排查渔港用工"], children.Select(c => (string)c!["title"]!));
        Assert.Equal(["in_progress", "closed"], children.Select(c => (string)c!["status"]!));
        Assert.Equal([60, 100], children.Select(c => (int)c!["progress"]!));
        Assert.Equal([3, 1], children.Select(c => (int)c!["weight"]!));
        Assert.Equal(["440781115", "440781-rsj"], children.Select(c => (string)c!["leadUnit"]!["code"]!));
        Assert.Equal(70, (int)f["progress"]!);

        // G: split at dispatch, both parts and the parent closed.
        var g = await dispatcher.Get(release.Id("splitAtDispatchClosed"));
        Assert.Equal("closed", (string?)g["status"]);
        Assert.Equal(["closed", "closed"], g["children"]!.AsArray().Select(c => (string)c!["status"]!));

        // O: the clock stays paused, for the raiser.
        var o = await dispatcher.Get(release.Id("paused"));
        Assert.Equal("awaiting_raiser", (string?)o["clock"]!["paused"]!["kind"]);

        // D and E: returned within the window; upheld (sent elsewhere) and overruled after review (sent back).
        var d = await dispatcher.Get(release.Id("returnUpheld"));
        Assert.Equal(1, (int)d["returnCount"]!);
        Assert.Equal("upheld", (string?)d["returns"]![0]!["state"]);
        Assert.Equal("440704001", (string?)d["returns"]![0]!["unit"]!["code"]);
        Assert.Equal("440704004", (string?)d["leadUnit"]!["code"]);
        Assert.Equal(50, (int)d["progress"]!);
        var e = await dispatcher.Get(release.Id("returnOverruled"));
        Assert.Equal("overruled", (string?)e["returns"]![0]!["state"]);
        Assert.Equal("退单理由存疑，请督查室审核", (string?)e["returns"]![0]!["reviewReason"]);
        Assert.Equal("440704005", (string?)e["leadUnit"]!["code"]);

        // A: closed with a co-unit, an extension granted, an urge, the raiser's satisfaction; the sealed identity opens.
        var a = await dispatcher.Get(release.Id("closedWithCoUnits"));
        Assert.Equal("closed", (string?)a["status"]);
        Assert.Equal("satisfied", (string?)a["feedback"]!["satisfaction"]);
        Assert.Equal(1, (int)a["urgeCount"]!);
        Assert.Equal(1, (int)a["clock"]!["extensions"]!);
        Assert.Contains(a["assignments"]!.AsArray(), x => (string?)x!["unit"]!["code"] == "440704-cgj" && (string?)x["role"] == "co");
        Assert.Equal("陈**", (string?)a["raiser"]!["name"]);
        var raiser = await dispatcher.GetAsync($"/api/v1/matters/{release.Id("closedWithCoUnits")}/raiser").Ok();
        Assert.Equal("陈美玲", (string?)raiser["name"]);
        Assert.Equal("13800138000", (string?)raiser["phone"]);

        // C: plan finished, sent back, closed, dissatisfied, reopened; K: a petition in review (复查).
        var c = await dispatcher.Get(release.Id("reopenedWithPlan"));
        Assert.Equal("in_progress", (string?)c["status"]);
        Assert.Equal(1, (int)c["reopenCount"]!);
        Assert.All(c["clock"]!["milestones"]!.AsArray(), m => Assert.NotNull(m!["doneAt"]));
        Assert.Contains("send_back", c.Actions());
        Assert.Equal("in_progress", (string?)(await dispatcher.Get(release.Id("petitionInReview")))["status"]);
        var m2 = await dispatcher.Get(release.Id("publicNamedClosed"));
        Assert.Equal("basically_satisfied", (string?)m2["feedback"]!["satisfaction"]);

        // L: a confidential report about 台山市人社局 is seen by the discipline body that holds it, never by that unit.
        var l = release.Id("confidentialReport");
        var jw = await node.As("h-440781-jw");
        Assert.True((bool)(await jw.Get(l))["confidential"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await (await node.As("h-440781-rsj")).GetAsync($"/api/v1/matters/{l}")).StatusCode);
        Assert.Equal("匿名举报人", (string?)(await jw.GetAsync($"/api/v1/matters/{l}/raiser").Ok())["name"]);

        // M4: the photo filed on the portal, without its metadata, still served with its hash.
        var photos = (await dispatcher.GetAsync($"/api/v1/matters/{release.Id("publicWithPhoto")}/attachments").Ok()).AsArray();
        var photo = Assert.Single(photos);
        Assert.Equal("台阶破损.png", (string?)photo!["fileName"]);
        var bytes = await (await dispatcher.GetAsync((string)photo["url"]!)).Content.ReadAsByteArrayAsync();
        Assert.Equal((string?)photo["sha256"], Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.DoesNotContain("GPS", System.Text.Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);

        // The console's matter page draws the same facts.
        var page = await dispatcher.GetStringAsync($"/console/matters/{release.Id("planInProgress")}");
        Assert.Contains((string)b["number"]!, page, StringComparison.Ordinal);
        Assert.Contains("约谈快递企业", page, StringComparison.Ordinal);
        Assert.Contains("取消过海费并公示", page, StringComparison.Ordinal);
        var parentPage = await dispatcher.GetStringAsync($"/console/matters/{release.Id("splitInProgress")}");
        Assert.Contains("川岛镇清理渔港垃圾", parentPage, StringComparison.Ordinal);
        Assert.Contains("人社局排查渔港用工", parentPage, StringComparison.Ordinal);
        Assert.Contains("计时暂停", await dispatcher.GetStringAsync($"/console/matters/{release.Id("paused")}"), StringComparison.Ordinal);
        Assert.Contains("路段属外海街道辖区", await dispatcher.GetStringAsync($"/console/matters/{release.Id("returnUpheld")}"), StringComparison.Ordinal);
        var handlerPage = await (await node.As("h-440781115")).GetAsync($"/console/matters/{release.Id("planInProgress")}");
        Assert.Equal(HttpStatusCode.OK, handlerPage.StatusCode);
    }

    [Fact]
    public async Task NewActionsOnOldMatters_ChainOnToTheOldEvents_AndVerify()
    {
        await using var release = await ReleaseDeployment.StartAsync();
        var node = release.Node;
        var dispatcher = await node.As("dispatcher");
        var b = release.Id("planInProgress");

        // The last milestone of the release's plan, done today: the plan is whole, progress 100.
        await (await node.As("h-440781115")).Do(b, "milestone", new { seq = 3, note = "过海费已取消并公示" }, reader: dispatcher);
        var after = await dispatcher.Get(b);
        Assert.Equal(100, (int)after["progress"]!);
        Assert.All(after["clock"]!["milestones"]!.AsArray(), m => Assert.NotNull(m!["doneAt"]));
        await (await node.As("h-440781115")).Do(b, "complete", new { outcome = "过海费已取消" }, reader: dispatcher);
        await dispatcher.Do(b, "approve");

        // A part of the release's split, urged; the waiting matter dispatched; a new matter beside the old.
        await (await node.As("supervisor")).Do(release.Ids("splitInProgressChildren")[0], "urge", new { note = "请加快清运" }, reader: dispatcher);
        await dispatcher.Do(release.Id("received"), "dispatch", new { leadUnitCode = "440704-fgj" });
        await dispatcher.Register(Api.Matter("夹具之后登记的事项"));

        var (code, output, error) = await release.AuditVerifyAsync();
        Assert.True(code == 0, error);
        Assert.Contains($"audit chain intact: {Events + StatesRecorded + 6} events, {Matters + 1} matters verified", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TamperedCopy_IsCaughtByVerify()
    {
        await using var release = await ReleaseDeployment.StartAsync();
        var b = release.Id("planInProgress");
        var number = (string)(await (await release.Node.As("dispatcher")).Get(b))["number"]!;
        Assert.Equal(0, (await release.AuditVerifyAsync()).Code);

        // A matter row changed behind Duban's back.
        await release.ExecuteAsync($"UPDATE matters SET title = title || '（改）' WHERE id = {b}");
        var changed = await release.AuditVerifyAsync();
        Assert.Equal(2, changed.Code);
        Assert.Contains(number, changed.Err, StringComparison.Ordinal);
        await release.ExecuteAsync($"UPDATE matters SET title = replace(title, '（改）', '') WHERE id = {b}");
        Assert.Equal(0, (await release.AuditVerifyAsync()).Code);

        // A milestone of the plan marked done behind Duban's back: the state hash covers the plan.
        await release.ExecuteAsync($"UPDATE plan_milestones SET done_at = due_at WHERE matter_id = {b} AND seq = 3");
        var milestone = await release.AuditVerifyAsync();
        Assert.Equal(2, milestone.Code);
        Assert.Contains(number, milestone.Err, StringComparison.Ordinal);
        await release.ExecuteAsync($"UPDATE plan_milestones SET done_at = NULL WHERE matter_id = {b} AND seq = 3");
        Assert.Equal(0, (await release.AuditVerifyAsync()).Code);

        // One event's data rewritten with the append-only triggers off: named as the first bad event.
        var seq = long.Parse((await release.ScalarsAsync($"SELECT MIN(seq) FROM events WHERE matter_id = {b} AND action = 'plan'")).Single(), System.Globalization.CultureInfo.InvariantCulture);
        // (The stored JSON escapes Chinese, so the change is to the second milestone's weight: 2 → 5.)
        await release.WithoutEventTriggersAsync($"UPDATE events SET data = replace(data, '\"weight\":2}}', '\"weight\":5}}') WHERE seq = {seq}");
        Assert.Contains("\"weight\":5}", (await release.ScalarsAsync($"SELECT data FROM events WHERE seq = {seq}")).Single(), StringComparison.Ordinal);
        var altered = await release.AuditVerifyAsync();
        Assert.Equal(2, altered.Code);
        Assert.Contains($"event #{seq} ", altered.Err, StringComparison.Ordinal);
    }

    /// <summary>A deployment of today's code on a fresh copy of the release's database and its keys.</summary>
    private sealed class ReleaseDeployment : IAsyncDisposable
    {
        private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "release-a848a4a");
        private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "duban-release-" + Guid.NewGuid().ToString("N")[..10]);
        private string? database;
        private string? connectionString;
        private JsonNode made = new JsonObject();

        public DubanFactory Node { get; private set; } = null!;

        public static async Task<ReleaseDeployment> StartAsync()
        {
            var release = new ReleaseDeployment();
            await release.CopyAsync();
            release.Node = new DubanFactory();
            release.Node.Settings["Duban:DataDirectory"] = release.dataDirectory;
            if (release.connectionString is not null) release.Node.Settings["Duban:Database:ConnectionString"] = release.connectionString;
            _ = release.Node.Server; // today's start: schema scripts, caches, no demo (the database is not empty)
            return release;
        }

        private async Task CopyAsync()
        {
            Directory.CreateDirectory(Path.Combine(dataDirectory, "keys"));
            foreach (var key in Directory.GetFiles(Path.Combine(Fixture, "keys")))
                File.Copy(key, Path.Combine(dataDirectory, "keys", Path.GetFileName(key)));
            Assert.Equal(DubanFactory.Password, (await File.ReadAllTextAsync(Path.Combine(Fixture, "demo-password.txt"))).Trim());
            if (DubanFactory.Provider == "postgres")
            {
                made = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Fixture, "made-postgres.json")))!;
                var server = Environment.GetEnvironmentVariable("DUBAN_TEST_POSTGRES")
                    ?? throw new InvalidOperationException("DUBAN_TEST_PROVIDER=postgres needs DUBAN_TEST_POSTGRES (test.sh sets it)");
                database = "duban_release_" + Guid.NewGuid().ToString("N")[..12];
                await using (var conn = new NpgsqlConnection(server))
                {
                    await conn.OpenAsync();
                    await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", conn);
                    await create.ExecuteNonQueryAsync();
                }
                connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ToString();
                // The dump as pg_dump wrote it (plain SQL); it sets search_path to '' for its session, so
                // that connection is not given back to the pool the deployment uses.
                var loader = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
                await using var load = new NpgsqlConnection(loader);
                await load.OpenAsync();
                await using var restore = new NpgsqlCommand(await File.ReadAllTextAsync(Path.Combine(Fixture, "duban-postgres.sql")), load) { CommandTimeout = 300 };
                await restore.ExecuteNonQueryAsync();
            }
            else
            {
                made = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Fixture, "made.json")))!;
                File.Copy(Path.Combine(Fixture, "duban.db"), Path.Combine(dataDirectory, "duban.db"));
            }
        }

        /// <summary>The id of the matter the fixture's life made for this role (made.json).</summary>
        public long Id(string role) => (long)made[role]!;

        public long[] Ids(string role) => [.. made[role]!.AsArray().Select(x => (long)x!)];

        /// <summary>`audit verify` as the CLI runs it on this deployment's database and data directory.</summary>
        public Task<(int Code, string Out, string Err)> AuditVerifyAsync()
        {
            List<string> args = ["audit", "verify", $"--Duban:DataDirectory={dataDirectory}", $"--Duban:Database:Provider={DubanFactory.Provider}"];
            if (connectionString is not null) args.Add($"--Duban:Database:ConnectionString={connectionString}");
            return ConsoleCli.RunAsync("", [.. args]);
        }

        /// <summary>Raw SQL on the database, as someone with write access to it and no key would.</summary>
        public async Task ExecuteAsync(string sql)
        {
            // A plain command, not ExecuteSqlRaw, which would read the braces of JSON as format items.
            await using var scope = Node.Scope();
            var conn = Node.Db(scope).Database.GetDbConnection();
            await conn.OpenAsync();
            await using DbCommand cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            await cmd.ExecuteNonQueryAsync();
        }

        public async Task<List<string>> ScalarsAsync(string sql)
        {
            await using var scope = Node.Scope();
            var conn = Node.Db(scope).Database.GetDbConnection();
            await conn.OpenAsync();
            await using DbCommand cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            var values = new List<string>();
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
            return values;
        }

        public Task WithoutEventTriggersAsync(string sql) => DubanFactory.Provider == "postgres"
            ? ExecuteAsync($"ALTER TABLE events DISABLE TRIGGER events_no_update; {sql}; ALTER TABLE events ENABLE TRIGGER events_no_update;")
            : ExecuteAsync($"DROP TRIGGER events_no_update; {sql}; CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;");

        public async ValueTask DisposeAsync()
        {
            if (Node is not null) await Node.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (database is not null)
            {
                NpgsqlConnection.ClearAllPools();
                await using var conn = new NpgsqlConnection(Environment.GetEnvironmentVariable("DUBAN_TEST_POSTGRES"));
                await conn.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", conn);
                await drop.ExecuteNonQueryAsync();
            }
            try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
        }
    }
}
