using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Duban.Features.Backup;
using Duban.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Backup;

/// <summary>
/// Issue 17, "Backups that restore": `backup` takes a consistent copy while the node writes, `restore` fills an empty
/// data directory that answers to the same keys, and refuses a directory that is not empty or a wrong passphrase.
/// In the "console" collection: the verbs redirect Console and read DUBAN_BACKUP_PASSPHRASE.
/// </summary>
[Collection("console")]
public sealed class BackupRestoreTests : IDisposable
{
    private const string Passphrase = "correct horse battery staple";
    private readonly string root = Path.Combine(Path.GetTempPath(), "duban-backup-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string? passphraseBefore = Environment.GetEnvironmentVariable(KeyArchive.PassphraseVariable);

    public BackupRestoreTests() => Environment.SetEnvironmentVariable(KeyArchive.PassphraseVariable, Passphrase);

    private string Dir(string name) => Path.Combine(root, name);

    private static Task<(int Code, string Out, string Err)> Run(string dataDirectory, params string[] args) =>
        ConsoleCli.RunAsync("", [.. args, $"--Duban:DataDirectory={dataDirectory}", "--Duban:Database:Provider=sqlite"]);

    /// <summary>A verb on the test's provider: on PostgreSQL against <paramref name="connectionString"/>.</summary>
    private static Task<(int Code, string Out, string Err)> RunOn(string dataDirectory, string? connectionString, params string[] args) =>
        ConsoleCli.RunAsync("", [.. args, $"--Duban:DataDirectory={dataDirectory}", $"--Duban:Database:Provider={DubanFactory.Provider}",
            .. connectionString is null ? Array.Empty<string>() : [$"--Duban:Database:ConnectionString={connectionString}"]]);

    /// <summary>An empty PostgreSQL database to restore into (none on SQLite), dropped with the test.</summary>
    private async Task<string?> EmptyPostgresAsync()
    {
        if (DubanFactory.Provider != "postgres") return null;
        var server = Environment.GetEnvironmentVariable("DUBAN_TEST_POSTGRES")!;
        targetDatabase = "duban_restore_" + Guid.NewGuid().ToString("N")[..12];
        await using var conn = new Npgsql.NpgsqlConnection(server);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand($"CREATE DATABASE {targetDatabase}", conn);
        await cmd.ExecuteNonQueryAsync();
        return new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = targetDatabase }.ToString();
    }

    private string? targetDatabase;

    private static async Task<List<long>> MatterIdsAsync(string dataDirectory, string? connectionString)
    {
        if (connectionString is null) return await MatterIdsAsync(dataDirectory);
        await using var conn = new Npgsql.NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT id FROM matters ORDER BY id", conn);
        var ids = new List<long>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetInt64(0));
        return ids;
    }

    private static async Task<DubanFactory> SourceAsync()
    {
        var source = new DubanFactory();
        source.Settings["Duban:Demo:Matters"] = "false";
        await source.InitializeAsync();
        return source;
    }

    private static string DataDirectory(DubanFactory node) => Duban.Hosting.DubanServices.DataDirectory(node.Services.GetRequiredService<IConfiguration>());

    private static async Task<List<long>> MatterIdsAsync(string dataDirectory)
    {
        await using var conn = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "duban.db")};Pooling=False");
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT id FROM matters ORDER BY id";
        var ids = new List<long>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetInt64(0));
        return ids;
    }

    [Fact]
    [Trait("Category", "Database")]
    public async Task RestoreDrill_UnderWriteLoad_HoldsEveryAcknowledgedMatter_NothingHalfWritten_AndVerifies()
    {
        // SQLite: VACUUM INTO; PostgreSQL: pg_dump -Fc and pg_restore into an empty database.
        await using var source = await SourceAsync();
        var target = await EmptyPostgresAsync();
        var sourceDir = DataDirectory(source);
        var dispatcher = await source.As("dispatcher");
        var token = dispatcher.DefaultRequestHeaders.Authorization!.Parameter!;

        // Writers register matters until told to stop; a matter counts as acknowledged once its 201 has arrived.
        var acknowledged = new ConcurrentDictionary<long, byte>();
        using var stop = new CancellationTokenSource();
        var serial = 0;
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var client = await source.As("dispatcher");
            while (!stop.IsCancellationRequested)
            {
                var id = await client.Register(Api.Matter($"外海街道夜间施工噪音 {w}-{Interlocked.Increment(ref serial)}"));
                acknowledged.TryAdd(id, 0);
            }
        })).ToList();
        while (acknowledged.Count < 40) await Task.Delay(20);

        var before = acknowledged.Keys.ToHashSet();
        var backup = await RunOn(sourceDir, source.ConnectionString, "backup", "--out", Dir("backup"));
        var duringOrAfter = acknowledged.Count;
        Assert.True(backup.Code == 0, backup.Err);
        // The writers go on after the backup, then stop; each finishes its request in flight.
        while (acknowledged.Count < duringOrAfter + 20) await Task.Delay(20);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        var all = acknowledged.Keys.ToHashSet();
        var sourceIds = await MatterIdsAsync(sourceDir, source.ConnectionString);
        Assert.Equal(all.Order(), sourceIds); // nothing committed unanswered, nothing answered uncommitted

        Assert.False(File.Exists(Path.Combine(Dir("backup"), "keys", "seal.key")));
        Assert.DoesNotContain(await File.ReadAllTextAsync(Path.Combine(sourceDir, "keys", "seal.key")), await File.ReadAllTextAsync(Path.Combine(Dir("backup"), KeyArchive.FileName)));

        var restore = await RunOn(Dir("restored"), target, "restore", "--from", Dir("backup"));
        Assert.True(restore.Code == 0, restore.Err);
        var verify = await RunOn(Dir("restored"), target, "audit", "verify");
        Assert.True(verify.Code == 0, verify.Err);

        var restored = await MatterIdsAsync(Dir("restored"), target);
        // Every matter acknowledged before the backup began is there; every restored one was acknowledged; and the
        // restored ones are exactly the source's first N (one snapshot, nothing half-written).
        Assert.Subset(restored.ToHashSet(), before);
        Assert.Subset(all, restored.ToHashSet());
        Assert.Equal(sourceIds.Take(restored.Count), restored);
        Assert.Contains($"{restored.Count} matters verified", verify.Out);
        if (target is null) Assert.Contains($"({restored.Count} matters,", backup.Out);

        // The restored node answers to the same keys: the source's token is accepted and the sealed raiser opens.
        await using var node = new DirectoryApp(Dir("restored"), target);
        var client = node.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var raiser = await client.GetAsync($"/api/v1/matters/{restored[0]}/raiser");
        var body = await raiser.Content.ReadAsStringAsync();
        Assert.True(raiser.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("陈美玲", body);
    }

    [Fact]
    public async Task Restore_RefusesANonEmptyDirectory_AWrongPassphrase_AndNoPassphrase_WritingNothing()
    {
        // SQLite's files (its damaged database file below): no database category, so it runs in the SQLite pass only.
        if (DubanFactory.Provider != "sqlite") throw new InvalidOperationException("a test of SQLite's backup files: it runs in the SQLite pass");
        await using var source = await SourceAsync();
        var backup = await Run(DataDirectory(source), "backup", "--out", Dir("backup"));
        Assert.True(backup.Code == 0, backup.Err);
        // A backup is never written over another.
        Assert.Equal(73, (await Run(DataDirectory(source), "backup", "--out", Dir("backup"))).Code);

        Directory.CreateDirectory(Dir("occupied"));
        await File.WriteAllTextAsync(Path.Combine(Dir("occupied"), "notes.txt"), "something of the operator's");
        var occupied = await Run(Dir("occupied"), "restore", "--from", Dir("backup"));
        Assert.Equal(73, occupied.Code);
        Assert.Contains("is not empty", occupied.Err);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(Dir("occupied")).Select(Path.GetFileName));

        Environment.SetEnvironmentVariable(KeyArchive.PassphraseVariable, "not the passphrase at all");
        var wrong = await Run(Dir("fresh"), "restore", "--from", Dir("backup"));
        Assert.Equal(65, wrong.Code);
        Assert.Contains("wrong passphrase", wrong.Err);
        Assert.False(Directory.Exists(Dir("fresh")) && Directory.EnumerateFileSystemEntries(Dir("fresh")).Any());

        Environment.SetEnvironmentVariable(KeyArchive.PassphraseVariable, null);
        var none = await Run(Dir("fresh"), "restore", "--from", Dir("backup"));
        Assert.Equal(64, none.Code);
        Assert.Contains(KeyArchive.PassphraseVariable, none.Err);

        // A damaged database file is refused before anything is written.
        Environment.SetEnvironmentVariable(KeyArchive.PassphraseVariable, Passphrase);
        await using (var file = File.OpenWrite(Path.Combine(Dir("backup"), BackupCli.DatabaseFile)))
        {
            file.Seek(200, SeekOrigin.Begin);
            file.WriteByte(0x5A);
        }
        Assert.Equal(65, (await Run(Dir("fresh"), "restore", "--from", Dir("backup"))).Code);
        Assert.False(Directory.Exists(Dir("fresh")) && Directory.EnumerateFileSystemEntries(Dir("fresh")).Any());
    }

    [Fact]
    public void KeyArchive_OpensWithItsPassphraseOnly_AndNotOnceChanged()
    {
        var files = new Dictionary<string, string> { ["seal.key"] = "c2VhbA==", ["audit.key"] = "YXVkaXQ=" };
        var archive = KeyArchive.Encrypt(files, Passphrase);
        Assert.DoesNotContain("c2VhbA==", archive);
        Assert.Equal(files, KeyArchive.Decrypt(archive, Passphrase));
        Assert.Null(KeyArchive.Decrypt(archive, Passphrase + "!"));
        var node = System.Text.Json.Nodes.JsonNode.Parse(archive)!;
        node["iterations"] = 100_001;
        Assert.Null(KeyArchive.Decrypt(node.ToJsonString(), Passphrase));
        Assert.Null(KeyArchive.Decrypt("not json", Passphrase));
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(KeyArchive.PassphraseVariable, passphraseBefore);
        SqliteConnection.ClearAllPools();
        if (targetDatabase is not null)
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            using var conn = new Npgsql.NpgsqlConnection(Environment.GetEnvironmentVariable("DUBAN_TEST_POSTGRES"));
            conn.Open();
            using var cmd = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {targetDatabase} WITH (FORCE)", conn);
            cmd.ExecuteNonQuery();
        }
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    /// <summary>A node on a restored data directory (and database): also KeyRotationTests'.</summary>
    internal sealed class DirectoryApp(string dataDirectory, string? connectionString) : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseSetting("Duban:DataDirectory", dataDirectory);
            builder.UseSetting("Duban:Database:Provider", DubanFactory.Provider);
            if (connectionString is not null) builder.UseSetting("Duban:Database:ConnectionString", connectionString);
            builder.UseSetting("Duban:Supervision:Job", "false");
            builder.UseSetting("Duban:Tally:Job", "false");
        }
    }
}
