using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Sealing;
using Duban.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Duban.Features.Backup;

/// <summary>
/// `backup --out DIR` and `restore --from DIR` (issue 17, "Backups that restore"). A backup is a directory:
/// the database (SQLite: <c>duban.db</c>, an online snapshot by <c>VACUUM INTO</c>; PostgreSQL: <c>duban.dump</c>
/// by <c>pg_dump -Fc</c>), the keys encrypted apart (<see cref="KeyArchive"/>, <c>keys.enc</c>), the anchored heads
/// read before the snapshot (<c>audit-anchors.log</c>) and <c>manifest.json</c>. Restore fills an empty data directory
/// (and, on PostgreSQL, an empty database) and checks that the keys it wrote are the ones the database was written with.
/// Exit codes: 0 done, 3 keys that do not match, 64 usage, 65 a backup that is damaged or a wrong passphrase,
/// 69 pg_dump/pg_restore missing, 73 a destination that is not empty.
/// </summary>
public static class BackupCli
{
    public const string DatabaseFile = "duban.db";
    public const string DumpFile = "duban.dump";
    public const string ManifestFile = "manifest.json";
    public const string AnchorsFile = "audit-anchors.log";
    private const string Format = "duban-backup-v1";

    public static async Task<int> BackupAsync(IServiceProvider services, CliCall call)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(call);
        var output = call.Value("--out");
        if (string.IsNullOrWhiteSpace(output))
        {
            await Console.Error.WriteLineAsync("backup needs --out DIR (a new or empty directory)");
            return 64;
        }
        var (passphrase, problem) = KeyArchive.PassphraseFromEnvironment();
        if (passphrase is null)
        {
            await Console.Error.WriteLineAsync(problem);
            return 64;
        }
        output = Path.GetFullPath(output);
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any() || File.Exists(output))
        {
            await Console.Error.WriteLineAsync($"备份目录不为空 / {output} exists and is not an empty directory: a backup is written into a new one");
            return 73;
        }

        // The keys exported must be the ones this database was written with, or the backup would not restore.
        var db = services.GetRequiredService<DubanDb>();
        var configuration = services.GetRequiredService<IConfiguration>();
        Dictionary<string, string> keyFiles;
        try
        {
            var keys = services.GetRequiredService<DeploymentKeys>();
            if (!await AuditVerifier.KeyMatchesAsync(db, services.GetRequiredService<AuditKey>(), record: false)
                || await KeyChecks.DifferingAsync(db, keys) is not null)
            {
                await Console.Error.WriteLineAsync("wrong keys: this node's keys are not the ones the database was written with; back up from a node of the deployment");
                return 3;
            }
            keyFiles = KeyFilesOf(DubanServices.DataDirectory(configuration), keys);
        }
        catch (KeyException e)
        {
            await Console.Error.WriteLineAsync("wrong keys: " + e.Message);
            return 3;
        }

        Directory.CreateDirectory(output);
        // The anchored heads first, then the snapshot: every head anchored before it is in the snapshot, so that
        // `audit verify` passes on the restore (a later head would not be).
        var anchors = AuditAnchors.PathOf(configuration);
        var anchorLines = 0;
        if (File.Exists(anchors))
        {
            var text = await File.ReadAllTextAsync(anchors);
            var whole = text[..(text.LastIndexOf('\n') + 1)]; // a line being appended this moment is left out
            anchorLines = whole.Count(c => c == '\n');
            await File.WriteAllTextAsync(Path.Combine(output, AnchorsFile), whole);
        }

        var manifest = new JsonObject
        {
            ["format"] = Format,
            ["provider"] = db.IsPostgres ? "postgres" : "sqlite",
            ["createdAt"] = services.GetRequiredService<TimeProvider>().GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
            ["schema"] = await LastScriptAsync(db),
            ["anchorLines"] = anchorLines,
        };
        if (db.IsPostgres)
        {
            var dumped = await PgDumpAsync(services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString!, Path.Combine(output, DumpFile));
            if (dumped != 0)
            {
                await WriteKeysAsync(output, keyFiles, passphrase);
                return dumped;
            }
            manifest["database"] = DumpFile;
            manifest["sha256"] = await Sha256Async(Path.Combine(output, DumpFile));
        }
        else
        {
            var copy = Path.Combine(output, DatabaseFile);
            await SnapshotSqliteAsync(db, copy);
            var (matters, events, integrity) = await CountSqliteAsync(copy);
            if (integrity != "ok")
            {
                await Console.Error.WriteLineAsync($"the snapshot fails SQLite's integrity check: {integrity}");
                return 65;
            }
            manifest["database"] = DatabaseFile;
            manifest["sha256"] = await Sha256Async(copy);
            manifest["matters"] = matters;
            manifest["events"] = events;
        }
        await WriteKeysAsync(output, keyFiles, passphrase);
        await File.WriteAllTextAsync(Path.Combine(output, ManifestFile), manifest.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(db.IsPostgres
            ? $"backup written to {output}: {DumpFile} (pg_dump -Fc), {KeyArchive.FileName} ({keyFiles.Count} keys, encrypted)"
            : string.Create(CultureInfo.InvariantCulture,
                $"backup written to {output}: {DatabaseFile} ({manifest["matters"]} matters, {manifest["events"]} events; VACUUM INTO), {KeyArchive.FileName} ({keyFiles.Count} keys, encrypted)"));
        return 0;
    }

    /// <summary>
    /// `restore --from DIR`: into the empty data directory of this configuration (DUBAN_DATA_DIR or Duban:DataDirectory),
    /// and on PostgreSQL into the configured empty database. Nothing is written before the backup and the passphrase are
    /// found good. <paramref name="host"/> builds Duban's services once the files are in place.
    /// </summary>
    public static async Task<int> RestoreAsync(CliCall call, Func<IHost> host)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(call);
        var from = call.Value("--from");
        if (string.IsNullOrWhiteSpace(from))
        {
            await Console.Error.WriteLineAsync("restore needs --from DIR (a directory written by backup)");
            return 64;
        }
        from = Path.GetFullPath(from);
        var (passphrase, problem) = KeyArchive.PassphraseFromEnvironment();
        if (passphrase is null)
        {
            await Console.Error.WriteLineAsync(problem);
            return 64;
        }
        JsonObject manifest;
        try
        {
            manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(from, ManifestFile)))!.AsObject();
            if ((string?)manifest["format"] != Format) throw new FormatException("not a Duban backup manifest");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or FormatException or InvalidOperationException or NullReferenceException)
        {
            await Console.Error.WriteLineAsync($"{from} is not a Duban backup ({ManifestFile}: {e.Message})");
            return 65;
        }

        using var built = host();
        var configuration = built.Services.GetRequiredService<IConfiguration>();
        var options = built.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var provider = (string?)manifest["provider"];
        if (provider != options.Provider)
        {
            await Console.Error.WriteLineAsync($"the backup is of a {provider} database, this configuration's provider is {options.Provider}");
            return 64;
        }
        var dataDirectory = DubanServices.DataDirectory(configuration);
        if (Directory.Exists(dataDirectory) && Directory.EnumerateFileSystemEntries(dataDirectory).Any() || File.Exists(dataDirectory))
        {
            await Console.Error.WriteLineAsync(
                $"数据目录不为空 / the data directory {dataDirectory} is not empty: restore fills an empty one only (set DUBAN_DATA_DIR to a new directory, or move this one aside)");
            return 73;
        }
        var anchors = AuditAnchors.PathOf(configuration);
        if (File.Exists(anchors))
        {
            await Console.Error.WriteLineAsync($"the anchor file {anchors} exists: move it aside (it anchors another database's heads), then restore");
            return 73;
        }

        // The backup checked whole before anything is written: its database file's hash, then the keys.
        var databaseFile = Path.Combine(from, (string?)manifest["database"] ?? "");
        if (!File.Exists(databaseFile) || await Sha256Async(databaseFile) != (string?)manifest["sha256"])
        {
            await Console.Error.WriteLineAsync($"the backup's database file {databaseFile} is missing or differs from the one the backup wrote (sha256)");
            return 65;
        }
        var archive = Path.Combine(from, KeyArchive.FileName);
        var keyFiles = File.Exists(archive) ? KeyArchive.Decrypt(await File.ReadAllTextAsync(archive), passphrase) : null;
        if (keyFiles is null || keyFiles.Keys.Any(name => name != Path.GetFileName(name) || !name.EndsWith(".key", StringComparison.Ordinal)))
        {
            await Console.Error.WriteLineAsync($"口令错误或密钥文件损坏 / wrong passphrase, or {archive} is missing or damaged: nothing was restored");
            return 65;
        }
        if (provider == "postgres" && await PostgresHoldsDubanAsync(options.ConnectionString!))
        {
            await Console.Error.WriteLineAsync("the configured PostgreSQL database already holds Duban's tables: restore into an empty database (createdb)");
            return 73;
        }

        WriteKeyFiles(dataDirectory, keyFiles);
        if (provider == "postgres")
        {
            var restored = await PgRestoreAsync(options.ConnectionString!, databaseFile);
            if (restored != 0) return restored;
        }
        else
        {
            var target = new SqliteConnectionStringBuilder(DatabaseSetup.SqliteConnectionString(options, dataDirectory)).DataSource;
            if (File.Exists(target))
            {
                await Console.Error.WriteLineAsync($"{target} exists: restore does not overwrite a database");
                return 73;
            }
            var temporary = target + ".restoring";
            File.Copy(databaseFile, temporary, overwrite: false);
            File.Move(temporary, target);
        }
        if (File.Exists(Path.Combine(from, AnchorsFile)))
        {
            if (Path.GetDirectoryName(anchors) is { Length: > 0 } anchorDirectory) Directory.CreateDirectory(anchorDirectory);
            File.Copy(Path.Combine(from, AnchorsFile), anchors, overwrite: false);
        }

        // The restored node answers to the same keys: the database's check values against the keys now in place
        // (a key given by configuration wins over its file, as at start).
        await using var scope = built.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        await Schema.MigrateAsync(db);
        try
        {
            if (!await AuditVerifier.KeyMatchesAsync(db, scope.ServiceProvider.GetRequiredService<AuditKey>(), record: false))
            {
                await Console.Error.WriteLineAsync("wrong keys: the audit key in use does not sign the restored chain (is Duban:Audit:Key configured to another key?)");
                return 3;
            }
            if (await KeyChecks.DifferingAsync(db, scope.ServiceProvider.GetRequiredService<DeploymentKeys>()) is { } differing)
            {
                await Console.Error.WriteLineAsync($"wrong keys: the {differing} key in use is not the restored database's (is it configured to another key?)");
                return 3;
            }
        }
        catch (KeyException e)
        {
            await Console.Error.WriteLineAsync("wrong keys: " + e.Message);
            return 3;
        }
        var matters = await db.Matters.CountAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"restored {from} into {dataDirectory}: {matters} matters, {keyFiles.Count} keys in {Path.Combine(dataDirectory, "keys")}; run `audit verify` next"));
        return 0;
    }

    /// <summary>The key files to export: the three keys in use (a configured key wins over its file, as at start) and every other key file.</summary>
    internal static Dictionary<string, string> KeyFilesOf(string dataDirectory, DeploymentKeys keys)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var dir = Path.Combine(dataDirectory, "keys");
        if (Directory.Exists(dir))
        {
            foreach (var file in Directory.EnumerateFiles(dir, "*.key")) files[Path.GetFileName(file)] = File.ReadAllText(file).Trim();
        }
        foreach (var (id, key) in keys.SealRing) files[Path.GetFileName(KeyFiles.SealKeyPath(dataDirectory, id))] = Convert.ToBase64String(key);
        files["audit.key"] = Convert.ToBase64String(keys.Audit);
        files["auth.key"] = Convert.ToBase64String(keys.Auth);
        return files;
    }

    /// <summary>The key files written owner-only into <c>keys/</c>, as <see cref="KeyFiles"/> makes them.</summary>
    private static void WriteKeyFiles(string dataDirectory, Dictionary<string, string> files)
    {
        var dir = Path.Combine(dataDirectory, "keys");
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
        else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var (name, text) in files)
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var stream = new FileStream(Path.Combine(dir, name), options);
            using var writer = new StreamWriter(stream);
            writer.Write(text);
        }
    }

    private static async Task WriteKeysAsync(string output, Dictionary<string, string> keyFiles, string passphrase)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var stream = new FileStream(Path.Combine(output, KeyArchive.FileName), options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(KeyArchive.Encrypt(keyFiles, passphrase));
    }

    /// <summary>
    /// SQLite's own consistent copy while the nodes write: <c>VACUUM INTO</c> reads one snapshot (a read transaction;
    /// in WAL mode writers go on beside it) and writes it whole to a new file. Never a copy of the file: a WAL
    /// database's committed pages may still sit in <c>-wal</c>, and a copied file loses them (issue 17: 103 of 358).
    /// </summary>
    private static async Task SnapshotSqliteAsync(DubanDb db, string copy)
    {
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var cmd = Sql.Command(db, "VACUUM INTO @p0", copy);
            await cmd.ExecuteNonQueryAsync();
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<(long Matters, long Events, string Integrity)> CountSqliteAsync(string file)
    {
        await using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await conn.OpenAsync();
        async Task<object?> Scalar(string sql)
        {
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            return await cmd.ExecuteScalarAsync();
        }
        var integrity = (string?)await Scalar("PRAGMA integrity_check") ?? "no answer";
        return (Convert.ToInt64(await Scalar("SELECT count(*) FROM matters"), CultureInfo.InvariantCulture),
            Convert.ToInt64(await Scalar("SELECT count(*) FROM events"), CultureInfo.InvariantCulture), integrity);
    }

    private static async Task<string?> LastScriptAsync(DubanDb db)
    {
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var cmd = Sql.Command(db, "SELECT max(version) FROM schema_migrations");
            return await cmd.ExecuteScalarAsync() as string;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<string> Sha256Async(string file)
    {
        await using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
    }

    private static async Task<bool> PostgresHoldsDubanAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT to_regclass('events') IS NOT NULL OR to_regclass('schema_migrations') IS NOT NULL", conn);
        return (bool)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// <c>pg_dump -Fc</c>: one consistent snapshot (a repeatable-read transaction) while the nodes write. The connection's
    /// settings go in PG* environment variables, never on the command line (the password would show in ps).
    /// </summary>
    private static Task<int> PgDumpAsync(string connectionString, string file) =>
        RunPgToolAsync("pg_dump", connectionString, ["-Fc", "--no-owner", "--no-privileges", "-f", file],
            $"pg_dump -Fc --no-owner --no-privileges -f {file} (with PGHOST, PGPORT, PGDATABASE, PGUSER and PGPASSWORD set to the database's)");

    private static Task<int> PgRestoreAsync(string connectionString, string file) =>
        RunPgToolAsync("pg_restore", connectionString, ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "-d", new NpgsqlConnectionStringBuilder(connectionString).Database ?? "", file],
            $"pg_restore --no-owner --no-privileges --exit-on-error --single-transaction -d DATABASE {file}, then run restore again with an empty data directory to put the keys in place");

    private static async Task<int> RunPgToolAsync(string tool, string connectionString, string[] arguments, string instead)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        if (settings.Host is { } pgHost) start.Environment["PGHOST"] = pgHost;
        start.Environment["PGPORT"] = settings.Port.ToString(CultureInfo.InvariantCulture);
        if (settings.Database is { } database) start.Environment["PGDATABASE"] = database;
        if (settings.Username is { } user) start.Environment["PGUSER"] = user;
        if (settings.Password is { } password) start.Environment["PGPASSWORD"] = password;
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            process = null;
        }
        if (process is null)
        {
            await Console.Error.WriteLineAsync($"{tool} is not on PATH (install the PostgreSQL client of the server's version). Run it yourself: {instead}");
            return 69;
        }
        using (process)
        {
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode == 0) return 0;
            await Console.Error.WriteLineAsync($"{tool} failed (exit {process.ExitCode}): {errors.Trim()}");
            return 65;
        }
    }
}
