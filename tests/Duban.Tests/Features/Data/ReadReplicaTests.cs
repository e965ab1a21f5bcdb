using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Duban.Tests.Features.Data;

/// <summary>
/// A node on a primary and its streaming replica (test.sh starts both: DUBAN_TEST_POSTGRES, DUBAN_TEST_REPLICA):
/// lists read from the replica, writes and a matter's page from the primary, and whoever wrote reads
/// their own write on their next list even while the replica is behind.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class ReadReplicaTests
{
    private static string Replica => Environment.GetEnvironmentVariable("DUBAN_TEST_REPLICA")
        ?? throw new InvalidOperationException("the PostgreSQL pass needs DUBAN_TEST_REPLICA, a streaming replica of DUBAN_TEST_POSTGRES (test.sh starts one)");

    private static async Task<DubanFactory> StartAsync(Func<string, string> replicaOf)
    {
        var app = new DubanFactory();
        await app.CreateDatabaseAsync();
        var database = new NpgsqlConnectionStringBuilder(app.ConnectionString).Database!;
        app.Settings["Duban:Database:ReadReplica"] = replicaOf(database);
        await app.InitializeAsync();
        return app;
    }

    private static async Task<object?> OnReplicaAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(Replica);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }

    /// <summary>Until the replica has replayed everything the primary has written so far.</summary>
    private static async Task CaughtUpAsync()
    {
        await using var primary = new NpgsqlConnection(Environment.GetEnvironmentVariable("DUBAN_TEST_POSTGRES"));
        await primary.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()::text", primary);
        var lsn = (string)(await cmd.ExecuteScalarAsync())!;
        for (var i = 0; i < 600; i++)
        {
            if (await OnReplicaAsync($"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn") is true) return;
            await Task.Delay(50);
        }
        throw new TimeoutException("the replica did not replay the primary's writes in 30 s");
    }

    /// <summary>Replay paused, not only asked to pause (a request "does not mean that recovery stops right away").</summary>
    private static async Task PausedAsync()
    {
        await OnReplicaAsync("SELECT pg_wal_replay_pause()");
        for (var i = 0; i < 600; i++)
        {
            if (await OnReplicaAsync("SELECT pg_get_wal_replay_pause_state()") is "paused") return;
            await Task.Delay(50);
        }
        throw new TimeoutException("the replica did not pause its replay in 30 s");
    }

    private static async Task<HashSet<long>> ListedAsync(HttpClient client) =>
        [.. (await client.GetAsync("/api/v1/matters?pageSize=100").Ok())["items"]!.AsArray().Select(i => (long)i!["id"]!)];

    [Fact]
    public async Task Lists_ReadTheReplica_WhileTheWriterReadsTheirOwnWrite()
    {
        await using var app = await StartAsync(database => new NpgsqlConnectionStringBuilder(Replica) { Database = database }.ToString());
        await CaughtUpAsync();
        var supervisor = app.Desk.Supervisor;
        var dispatcher = app.Desk.Dispatcher;
        Assert.NotEmpty(await ListedAsync(supervisor)); // the demo, read from the replica
        await PausedAsync();
        try
        {
            var id = await dispatcher.Register(NewMatter.Noise("复制延迟期间登记的事项"));
            // The writer's next list waits for its write: the replica is behind it, so the primary answers.
            Assert.Contains(id, await ListedAsync(dispatcher));
            var page = await dispatcher.GetStringAsync("/console/matters");
            Assert.Contains("复制延迟期间登记的事项", page, StringComparison.Ordinal);
            // Someone who wrote nothing reads the replica, which has not replayed it yet: the list is the replica's.
            Assert.DoesNotContain(id, await ListedAsync(supervisor));
            // A matter's own page reads the primary.
            Assert.Equal("复制延迟期间登记的事项", (string?)(await supervisor.GetAsync($"/api/v1/matters/{id}").Ok())["title"]);

            await OnReplicaAsync("SELECT pg_wal_replay_resume()");
            await CaughtUpAsync();
            Assert.Contains(id, await ListedAsync(supervisor));
        }
        finally
        {
            await OnReplicaAsync("SELECT pg_wal_replay_resume()");
        }
    }

    [Fact]
    public async Task Lists_ReadThePrimary_WhenTheReplicaDoesNotAnswer()
    {
        // A port where no server listens: the replica is down; lists are slower, never wrong or failed.
        await using var app = await StartAsync(database => new NpgsqlConnectionStringBuilder(Replica) { Database = database, Port = 9, Timeout = 2 }.ToString());
        var id = await app.Desk.Dispatcher.Register(NewMatter.Noise("副本不可用时登记的事项"));
        Assert.Contains(id, await ListedAsync(app.Desk.Supervisor));
    }
}

/// <summary>The replica is PostgreSQL's: on SQLite the setting stops the start, naming it.</summary>
public sealed class ReadReplicaSettingTests
{
    [Fact]
    public async Task ReadReplica_WithSqlite_IsRefusedAtStart()
    {
        if (DubanFactory.Provider != "sqlite") throw new InvalidOperationException("this test runs in the SQLite pass only (it has no category)");
        await using var app = new DubanFactory();
        app.Settings["Duban:Database:ReadReplica"] = "Host=127.0.0.1;Database=duban";
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => app.InitializeAsync());
        var validation = refused as OptionsValidationException ?? refused.InnerException as OptionsValidationException;
        Assert.NotNull(validation);
        Assert.Contains("Duban:Database:ReadReplica", validation.Message, StringComparison.Ordinal);
    }
}
