using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Duban.Data;

public sealed class DatabaseOptions
{
    public const string Section = "Duban:Database";

    /// <summary><c>sqlite</c> (default, embedded) or <c>postgres</c>.</summary>
    [RegularExpression("^(sqlite|postgres)$", ErrorMessage = "Duban:Database:Provider must be sqlite or postgres.")]
    public string Provider { get; set; } = "sqlite";

    /// <summary>For SQLite, defaults to <c>{DataDirectory}/duban.db</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// PostgreSQL only: a streaming replica's connection string. Lists, dashboards and exports read
    /// there (<see cref="ReadSide"/>); everything else, and every write, goes to the primary.
    /// </summary>
    public string? ReadReplica { get; set; }
}

public static class DatabaseSetup
{
    public static void Configure(DbContextOptionsBuilder options, DatabaseOptions db, string dataDirectory)
    {
        if (db.Provider == "postgres")
        {
            if (string.IsNullOrWhiteSpace(db.ConnectionString))
            {
                throw new InvalidOperationException("Duban:Database:ConnectionString is required when the provider is postgres.");
            }
            options.UseNpgsql(db.ConnectionString, o => o.UseQuerySplittingBehavior(Splitting));
            options.AddInterceptors(Features.Search.SearchIndexing.Instance);
        }
        else
        {
            options.UseSqlite(SqliteConnectionString(db, dataDirectory), o => o.UseQuerySplittingBehavior(Splitting));
            options.AddInterceptors(SqlitePragmas.Instance, Features.Search.SearchIndexing.Instance);
        }
        Quiet(options);
    }

    /// <summary>
    /// How a query that loads several collections is run, chosen rather than left to EF's default (which then warns
    /// at every first start, issue 18): one SQL statement, a consistent snapshot of the matter and its children. The
    /// queries that load collections read one matter or a page of them; one that would multiply rows says
    /// <c>AsSplitQuery()</c> (the audit's pages).
    /// </summary>
    public const QuerySplittingBehavior Splitting = QuerySplittingBehavior.SingleQuery;

    /// <summary>
    /// Warnings that are true of Duban's queries by design, logged at Debug instead: a capped count (count at most N,
    /// <c>Take(N).Count()</c>) takes its rows in any order on purpose, and ordering them would cost a sort.
    /// </summary>
    public static void Quiet(DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(w => w.Log((CoreEventId.RowLimitingOperationWithoutOrderByWarning, LogLevel.Debug)));

    public static string SqliteConnectionString(DatabaseOptions db, string dataDirectory)
    {
        if (!string.IsNullOrWhiteSpace(db.ConnectionString)) return db.ConnectionString;
        Directory.CreateDirectory(dataDirectory);
        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, "duban.db"),
            ForeignKeys = true,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
    }
}

/// <summary>
/// synchronous=FULL makes every committed action durable across a power cut, not only a process
/// crash; busy_timeout makes writers queue instead of failing. Both belong to the native
/// connection, which the pool keeps, so they are set once per native connection, not per open.
/// (journal_mode=WAL is stored in the database file and is set by the schema step.)
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();
    private static readonly ConditionalWeakTable<object, object> Prepared = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        if (connection is not SqliteConnection { Handle: { } handle } || Prepared.TryGetValue(handle, out _)) return;
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000;";
        cmd.ExecuteNonQuery();
        Prepared.AddOrUpdate(handle, handle);
    }
}
