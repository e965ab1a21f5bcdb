using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Options;

namespace Duban.Data;

/// <summary>
/// The streaming read replica (<c>Duban:Database:ReadReplica</c>, PostgreSQL only): contexts over it,
/// pooled as the primary's are, for the reads that may lag a moment (lists, dashboards, exports).
/// Null <see cref="Factory"/>: no replica; every read goes to the primary.
/// </summary>
public sealed class ReplicaContexts
{
    public ReplicaContexts(IOptions<DatabaseOptions> options)
    {
        var db = options.Value;
        if (string.IsNullOrWhiteSpace(db.ReadReplica)) return;
        var builder = new DbContextOptionsBuilder<DubanDb>();
        builder.UseNpgsql(db.ReadReplica, o => o.UseQuerySplittingBehavior(DatabaseSetup.Splitting));
        DatabaseSetup.Quiet(builder);
        builder.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
        Factory = new PooledDbContextFactory<DubanDb>(builder.Options);
    }

    public IDbContextFactory<DubanDb>? Factory { get; }

    /// <summary>The cookie that carries a writer's last write position (an LSN), so their next pages wait for it.</summary>
    public const string Cookie = "duban_lsn";
}

/// <summary>
/// Where this request's lists, dashboards and exports read. The replica when one is configured, it
/// answers, and it has replayed the reader's own last write (the position in <see cref="ReplicaContexts.Cookie"/>,
/// set by <see cref="ReadYourWrites"/> on every write request): so whoever acted sees their change on
/// their next page, and everyone else reads a replica that is milliseconds behind. The primary otherwise
/// (a replica down or behind is a slower page, never a wrong or failed one). One decision per request.
/// </summary>
public sealed class ReadSide(DubanDb primary, ReplicaContexts replicas, IHttpContextAccessor http, ILogger<ReadSide> logger) : IAsyncDisposable
{
    private DubanDb? chosen;
    private DubanDb? replica;

    /// <summary>Whether this request's reads went to the replica (for tests and the bench).</summary>
    public bool OnReplica => chosen is not null && !ReferenceEquals(chosen, primary);

    public async Task<DubanDb> ForListsAsync(CancellationToken ct)
    {
        if (chosen is not null) return chosen;
        if (replicas.Factory is not { } factory || primary.Database.CurrentTransaction is not null) return chosen = primary;
        var wrote = http.HttpContext?.Request.Cookies[ReplicaContexts.Cookie];
        replica = await factory.CreateDbContextAsync(ct);
        try
        {
            await using var cmd = wrote is not null && IsLsn(wrote)
                ? Sql.Command(replica, "SELECT pg_last_wal_replay_lsn() >= @p0::pg_lsn", wrote)
                : Sql.Command(replica, "SELECT pg_last_wal_replay_lsn() IS NOT NULL");
            await replica.Database.OpenConnectionAsync(ct);
            var caughtUp = await cmd.ExecuteScalarAsync(ct) is true;
            return chosen = caughtUp ? replica : primary;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            logger.LogWarning(ex, "The read replica did not answer; reading from the primary");
            return chosen = primary;
        }
    }

    /// <summary>An LSN as PostgreSQL prints it (16/B374D848); anything else in the cookie is ignored.</summary>
    private static bool IsLsn(string text) =>
        text.Length <= 17 && text.Split('/') is [var high, var low] && high.Length is > 0 and <= 8 && low.Length is > 0 and <= 8
        && high.All(char.IsAsciiHexDigit) && low.All(char.IsAsciiHexDigit);

    public async ValueTask DisposeAsync()
    {
        if (replica is not null) await replica.DisposeAsync();
    }
}

/// <summary>
/// After a request that may write (any method but GET, HEAD and OPTIONS), when a replica is configured:
/// the primary's current WAL insert position goes to the client in <see cref="ReplicaContexts.Cookie"/>, so that
/// its next lists wait for the replica to have replayed it (<see cref="ReadSide"/>). Taken when the answer
/// starts, after the action has committed. The insert position, not pg_current_wal_lsn (the write position):
/// with synchronous_commit off a committed transaction's record may still sit in the WAL buffers, behind
/// the write position, and a replica that had replayed only to there would not yet show the write.
/// </summary>
public static class ReadYourWrites
{
    public static IApplicationBuilder UseReadYourWrites(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.RequestServices.GetRequiredService<ReplicaContexts>().Factory is not null
            && !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method)))
        {
            context.Response.OnStarting(async () =>
            {
                var db = context.RequestServices.GetRequiredService<DubanDb>();
                await using var cmd = Sql.Command(db, "SELECT pg_current_wal_insert_lsn()::text");
                try
                {
                    await db.Database.OpenConnectionAsync(context.RequestAborted);
                    if (await cmd.ExecuteScalarAsync(context.RequestAborted) is string lsn)
                    {
                        context.Response.Cookies.Append(ReplicaContexts.Cookie, lsn, new CookieOptions
                        {
                            HttpOnly = true,
                            SameSite = SameSiteMode.Lax,
                            Secure = context.Request.IsHttps,
                            Path = "/",
                            MaxAge = TimeSpan.FromMinutes(5),
                        });
                    }
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or OperationCanceledException)
                {
                    // The action has committed: its answer must not turn into an error now. Without the
                    // cookie the writer's next list may come from a replica a moment behind.
                    context.RequestServices.GetRequiredService<ILogger<ReplicaContexts>>()
                        .LogWarning(ex, "Could not read the primary's WAL position after a write; no read-your-writes cookie");
                }
                finally
                {
                    await db.Database.CloseConnectionAsync();
                }
            });
        }
        await next(context);
    });
}
