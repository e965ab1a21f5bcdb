using Duban.Data;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Data;

/// <summary>
/// Applied schema scripts carry a checksum (issue 17): recorded when a script runs, recorded at the first start
/// for a database whose scripts ran before checksums were kept, and a script whose text no longer matches its
/// recorded checksum stops the start with a message naming it. On SQLite and PostgreSQL.
/// </summary>
[Trait("Category", "Database")]
public sealed class SchemaChecksumTests
{
    [Fact]
    public async Task Checksums_RecordedWhenApplied_RecordedForAnOlderDatabase_AndAnEditedScriptIsRefusedByName()
    {
        await using var app = new DubanFactory();
        app.Settings["Duban:Demo:Matters"] = "false";
        await app.InitializeAsync();
        var expected = Schema.Scripts(DubanFactory.Provider).ToDictionary(s => s.Version, s => (string?)Schema.Checksum(s.Sql));

        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            Assert.Equal(expected, await RecordedAsync(db));

            // A database from before checksums: no such column. It is added and filled, nothing is refused or applied again.
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE schema_migrations DROP COLUMN checksum");
            Assert.Empty(await Schema.MigrateAsync(db));
            Assert.Equal(expected, await RecordedAsync(db));

            // A script edited after it ran: this build's text no longer has the checksum recorded when it was applied.
            var edited = expected.Keys.Order(StringComparer.Ordinal).ElementAt(3);
            await db.Database.ExecuteSqlRawAsync("UPDATE schema_migrations SET checksum = {0} WHERE version = {1}", new string('a', 64), edited);
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Schema.MigrateAsync(db));
            Assert.Contains(edited + ".sql", refused.Message, StringComparison.Ordinal);
            Assert.Contains(edited, await Schema.ProblemAsync(db) ?? "", StringComparison.Ordinal); // readiness names it too

            // A node starting on it refuses to start.
            await using var second = app.Sibling();
            var start = await Assert.ThrowsAnyAsync<Exception>(second.InitializeAsync);
            Assert.Contains(edited + ".sql", start.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Checksum_IgnoresLineEndsAndTrailingBlanks_NotAnEdit()
    {
        var sql = "CREATE TABLE t (id INTEGER);\nCREATE INDEX ix ON t(id);\n";
        Assert.Equal(Schema.Checksum(sql), Schema.Checksum("\uFEFFCREATE TABLE t (id INTEGER);  \r\nCREATE INDEX ix ON t(id);\r\n\r\n"));
        Assert.NotEqual(Schema.Checksum(sql), Schema.Checksum(sql.Replace("INTEGER", "BIGINT", StringComparison.Ordinal)));
        Assert.Equal(64, Schema.Checksum(sql).Length);
    }

    private static async Task<Dictionary<string, string?>> RecordedAsync(DubanDb db) =>
        (await db.Database.SqlQueryRaw<Row>("SELECT version AS \"Version\", checksum AS \"Checksum\" FROM schema_migrations").ToListAsync())
            .ToDictionary(r => r.Version, r => r.Checksum);

    private sealed class Row
    {
        public string Version { get; set; } = "";
        public string? Checksum { get; set; }
    }
}
