using System.Net;
using System.Text.Json;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Duban.Tests.Features.Hosting;

/// <summary>
/// Liveness and readiness (issue 17): /healthz said Healthy with the database gone. Readiness answers 200 only
/// while the database answers, every schema script is applied, and the node's audit key signs the chain; the
/// old /healthz follows it; liveness answers while the process does. On SQLite and PostgreSQL.
/// </summary>
[Trait("Category", "Database")]
public sealed class HealthTests
{
    [Fact]
    public async Task Ready_Is503_WhenAScriptIsMissing_TheKeyDiffers_OrTheDatabaseIsGone_LiveStays200()
    {
        await using var app = new DubanFactory();
        app.Settings["Duban:Demo:Matters"] = "false";
        await app.InitializeAsync();
        var client = app.CreateClient();

        await AssertReadyAsync(client, HttpStatusCode.OK);
        Assert.Equal("Healthy", await client.GetStringAsync("/healthz"));

        // A script of this build not applied (a node of a newer build over an older database).
        string version;
        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            version = (await db.Database.SqlQueryRaw<string>("SELECT version AS \"Value\" FROM schema_migrations ORDER BY version DESC").ToListAsync())[0];
            await db.Database.ExecuteSqlRawAsync("DELETE FROM schema_migrations WHERE version = {0}", version);
        }
        var missing = await AssertReadyAsync(client, HttpStatusCode.ServiceUnavailable);
        Assert.Contains(version, missing, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/healthz")).StatusCode);
        await using (var scope = app.Scope())
        {
            await app.Db(scope).Database.ExecuteSqlRawAsync(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ({0}, '2026-01-01T00:00:00Z')", version);
        }
        await AssertReadyAsync(client, HttpStatusCode.OK);

        // The chain's key check is another key's.
        string check;
        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            check = (await db.AuditHeads.AsNoTracking().SingleAsync(h => h.Id == 1)).KeyCheck!;
            await db.AuditHeads.Where(h => h.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(h => h.KeyCheck, new string('0', check.Length)));
        }
        Assert.Contains("audit key", await AssertReadyAsync(client, HttpStatusCode.ServiceUnavailable), StringComparison.Ordinal);
        await using (var scope = app.Scope())
        {
            await app.Db(scope).AuditHeads.Where(h => h.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(h => h.KeyCheck, check));
        }
        await AssertReadyAsync(client, HttpStatusCode.OK);

        // The seal key's check value is another key's (a node started with another seal key is refused at start; one
        // whose recorded value changed under it is not ready).
        string sealCheck;
        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            sealCheck = (await db.AuditHeads.AsNoTracking().SingleAsync(h => h.Id == 1)).SealKeyCheck!;
            await db.AuditHeads.Where(h => h.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(h => h.SealKeyCheck, new string('0', sealCheck.Length)));
        }
        Assert.Contains("seal key", await AssertReadyAsync(client, HttpStatusCode.ServiceUnavailable), StringComparison.Ordinal);
        await using (var scope = app.Scope())
        {
            await app.Db(scope).AuditHeads.Where(h => h.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(h => h.SealKeyCheck, sealCheck));
        }
        await AssertReadyAsync(client, HttpStatusCode.OK);

        // The database gone: PostgreSQL's dropped, SQLite's file removed.
        if (DubanFactory.Provider == "postgres")
        {
            var name = new NpgsqlConnectionStringBuilder(app.ConnectionString).Database;
            await using var conn = new NpgsqlConnection(Environment.GetEnvironmentVariable("DUBAN_TEST_POSTGRES"));
            await conn.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE {name} WITH (FORCE)", conn);
            await drop.ExecuteNonQueryAsync();
        }
        else
        {
            string file;
            await using (var scope = app.Scope()) file = app.Db(scope).Database.GetDbConnection().DataSource;
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var path in new[] { file, file + "-wal", file + "-shm" }) File.Delete(path);
        }
        var gone = await AssertReadyAsync(client, HttpStatusCode.ServiceUnavailable);
        Assert.DoesNotContain("Exception", gone, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/healthz")).StatusCode);
        // Liveness asks nothing of the database: the process answers, so it is not restarted for the database's sake.
        var live = await client.GetAsync("/healthz/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var body = JsonDocument.Parse(await live.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Empty(body.RootElement.GetProperty("checks").EnumerateObject());
    }

    private static async Task<string> AssertReadyAsync(HttpClient client, HttpStatusCode expected)
    {
        var response = await client.GetAsync("/healthz/ready");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return body;
    }
}
