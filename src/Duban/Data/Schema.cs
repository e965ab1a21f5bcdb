using System.Data.Common;
using System.Reflection;
using Microsoft.EntityFrameworkCore;

namespace Duban.Data;

/// <summary>
/// Applies the numbered SQL scripts in Data/Migrations/{sqlite,postgres} that have not run yet.
/// There are no EF design-time tools on this project's machines, so the schema is plain SQL per
/// provider (ADR 0001). On PostgreSQL an advisory lock lets several nodes start at once.
/// </summary>
public static class Schema
{
    private const long MigrationLockKey = 0x44_75_62_61_6E_01; // "Duban" 1

    public static async Task<IReadOnlyList<string>> MigrateAsync(DubanDb db, CancellationToken ct = default)
    {
        IReadOnlyList<string> applied;
        if (db.IsPostgres)
        {
            applied = await MigrateNowAsync(db, ct);
        }
        else
        {
            // Two processes on one SQLite file would both find a script unapplied: one at a time.
            await using var held = await LockFileAsync(db.Database.GetDbConnection().DataSource + ".startup-lock", ct);
            applied = await MigrateNowAsync(db, ct);
        }
        // The full-text index arrives empty: the matters already there are indexed once, by the node that applied it.
        if (applied.Contains(SearchScript)) await Features.Search.MatterSearch.RebuildAsync(db, null, ct);
        return applied;
    }

    private const string SearchScript = "0012_search";

    private static async Task<IReadOnlyList<string>> MigrateNowAsync(DubanDb db, CancellationToken ct)
    {
        var provider = db.IsPostgres ? "postgres" : "sqlite";
        var scripts = Scripts(provider);
        var conn = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        var applied = new List<string>();
        try
        {
            if (db.IsPostgres)
            {
                await ExecAsync(conn, null, $"SELECT pg_advisory_lock({MigrationLockKey})", ct);
            }
            else
            {
                // WAL lets readers run beside the one writer; the setting is kept in the file.
                await ExecAsync(conn, null, "PRAGMA journal_mode = WAL", ct);
            }
            await ExecAsync(conn, null,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL, checksum TEXT NULL)", ct);
            await EnsureChecksumColumnAsync(db, conn, ct);
            var done = await AppliedAsync(conn, ct);
            // A script applied before checksums were kept gets its checksum now (the text this build holds);
            // one whose recorded checksum differs was edited after it ran: refused before anything is applied.
            var edited = new List<string>();
            foreach (var (version, sql) in scripts)
            {
                if (!done.TryGetValue(version, out var recorded)) continue;
                var checksum = Checksum(sql);
                if (recorded is null)
                {
                    await using var cmd = conn.CreateCommand();
                    cmd.CommandText = "UPDATE schema_migrations SET checksum = @c WHERE version = @v AND checksum IS NULL";
                    AddParameter(cmd, "@c", checksum);
                    AddParameter(cmd, "@v", version);
                    await cmd.ExecuteNonQueryAsync(ct);
                }
                else if (!string.Equals(recorded, checksum, StringComparison.Ordinal))
                {
                    edited.Add(version);
                }
            }
            if (edited.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Schema script {string.Join(", ", edited.Select(v => $"{v}.sql ({provider})"))} differs from the one applied to this database " +
                    "(its SHA-256 checksum does not match the one recorded when it ran). An applied script is never edited: restore it " +
                    "as it was and put the change into a new numbered script. Duban does not start on a schema it cannot vouch for.");
            }
            foreach (var (version, sql) in scripts)
            {
                if (done.ContainsKey(version)) continue;
                await using var tx = await conn.BeginTransactionAsync(ct);
                await ExecAsync(conn, tx, sql, ct);
                await using (var cmd = conn.CreateCommand())
                {
                    cmd.Transaction = tx;
                    cmd.CommandText = "INSERT INTO schema_migrations (version, applied_at, checksum) VALUES (@v, @t, @c)";
                    AddParameter(cmd, "@v", version);
                    AddParameter(cmd, "@t", DateTimeOffset.UtcNow.ToString("O"));
                    AddParameter(cmd, "@c", Checksum(sql));
                    await cmd.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                applied.Add(version);
            }
        }
        finally
        {
            if (db.IsPostgres)
            {
                await ExecAsync(conn, null, $"SELECT pg_advisory_unlock({MigrationLockKey})", ct);
            }
            await db.Database.CloseConnectionAsync();
        }
        return applied;
    }

    /// <summary>
    /// Runs <paramref name="work"/> while holding a lock, so that of several processes starting at
    /// once only one does it at a time: a PostgreSQL advisory lock, or on SQLite an exclusive lock
    /// file beside the database.
    /// </summary>
    public static async Task ExclusivelyAsync(DubanDb db, Func<Task> work, CancellationToken ct = default)
    {
        if (!db.IsPostgres)
        {
            await using var held = await LockFileAsync(db.Database.GetDbConnection().DataSource + ".seed-lock", ct);
            await work();
            return;
        }
        await db.Database.OpenConnectionAsync(ct);
        var conn = db.Database.GetDbConnection();
        try
        {
            // Nodes started together queue here while the first one migrates and seeds, which can take longer
            // than Npgsql's default 30 s command timeout: this wait alone has none (0 = wait until granted or cancelled).
            await ExecAsync(conn, null, $"SELECT pg_advisory_lock({StartupLockKey})", ct, commandTimeoutSeconds: 0);
            try { await work(); }
            finally { await ExecAsync(conn, null, $"SELECT pg_advisory_unlock({StartupLockKey})", CancellationToken.None); }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private const long StartupLockKey = MigrationLockKey + 1;

    private static async Task<FileStream> LockFileAsync(string path, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                // The file stays: deleting a lock file while it is held lets a third process lock a new one.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, ct);
            }
        }
    }

    /// <summary>
    /// Why this database is not the schema this build expects, or null: a script not applied, or one
    /// whose recorded checksum differs from this build's text. For readiness; it changes nothing.
    /// </summary>
    public static async Task<string?> ProblemAsync(DubanDb db, CancellationToken ct = default)
    {
        var conn = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var done = await AppliedAsync(conn, ct);
            foreach (var (version, sql) in Scripts(db.IsPostgres ? "postgres" : "sqlite"))
            {
                if (!done.TryGetValue(version, out var recorded)) return $"schema script {version} is not applied";
                if (recorded is not null && !string.Equals(recorded, Checksum(sql), StringComparison.Ordinal))
                    return $"schema script {version} differs from the one applied";
            }
            return null;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// SHA-256 (hex) of a script's normalised text: line ends as \n, no trailing blanks on a line or at the end,
    /// no byte-order mark; so a checkout with CRLF line ends or an editor's trailing spaces is not an edit.
    /// </summary>
    public static string Checksum(string sql)
    {
        var lines = sql.TrimStart('\uFEFF').ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd());
        var normalised = string.Join('\n', lines).TrimEnd();
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(normalised)));
    }

    /// <summary>Each applied script and its recorded checksum (null: applied before checksums were kept).</summary>
    private static async Task<Dictionary<string, string?>> AppliedAsync(DbConnection conn, CancellationToken ct)
    {
        var done = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT version, checksum FROM schema_migrations";
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) done[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        return done;
    }

    /// <summary>A database made before checksums were kept: its table gains the column (the scripts cannot add it, they are recorded in it).</summary>
    private static async Task EnsureChecksumColumnAsync(DubanDb db, DbConnection conn, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            await ExecAsync(conn, null, "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum TEXT NULL", ct);
            return;
        }
        await using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "SELECT COUNT(*) FROM pragma_table_info('schema_migrations') WHERE name = 'checksum'";
            if (Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) > 0) return;
        }
        await ExecAsync(conn, null, "ALTER TABLE schema_migrations ADD COLUMN checksum TEXT NULL", ct);
    }

    /// <summary>
    /// Drops Duban's own tables (demo reset), and nothing else in the database: every table the model
    /// maps (a module's too, found by its configuration, so a module never edits this list) and the
    /// few the scripts keep outside the model. The append-only triggers go with them.
    /// </summary>
    public static async Task DropAllAsync(DubanDb db, CancellationToken ct = default)
    {
        string[] unmapped = ["counters", "schema_migrations", "matter_search", "mfa_roles"];
        var tables = db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Concat(unmapped).Distinct(StringComparer.Ordinal).ToList();
        if (!db.IsPostgres) await db.Database.ExecuteSqlRawAsync("PRAGMA foreign_keys = OFF;", ct);
        foreach (var table in tables)
        {
#pragma warning disable EF1002 // the names come from the model and the list above, never from input
            await db.Database.ExecuteSqlRawAsync(db.IsPostgres ? $"DROP TABLE IF EXISTS {table} CASCADE;" : $"DROP TABLE IF EXISTS {table};", ct);
#pragma warning restore EF1002
        }
        if (db.IsPostgres) await db.Database.ExecuteSqlRawAsync("DROP FUNCTION IF EXISTS events_append_only(); DROP FUNCTION IF EXISTS duban_event_partitions(timestamptz, integer);", ct);
        else await db.Database.ExecuteSqlRawAsync("PRAGMA foreign_keys = ON;", ct);
    }

    internal static IReadOnlyList<(string Version, string Sql)> Scripts(string provider)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var prefix = $"Duban.Migrations.{provider}/";
        // %(RecursiveDir) gives "sqlite\" when built on Windows: compare with forward slashes.
        return assembly.GetManifestResourceNames()
            .Select(n => (Resource: n, Name: n.Replace('\\', '/')))
            .Where(n => n.Name.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n.Resource)!;
                using var reader = new StreamReader(stream);
                return (Path.GetFileNameWithoutExtension(n.Name[prefix.Length..]), reader.ReadToEnd());
            })
            .ToList();
    }

    private static async Task ExecAsync(DbConnection conn, DbTransaction? tx, string sql, CancellationToken ct, int? commandTimeoutSeconds = null)
    {
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        if (commandTimeoutSeconds is { } seconds) cmd.CommandTimeout = seconds;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static void AddParameter(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }
}
