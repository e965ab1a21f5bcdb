using System.Threading.Channels;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Sealing;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters;

/// <summary>
/// Group commit for intake. Every registration is durable when its request is answered, but
/// registrations that arrive while a commit is in flight wait and share the next one: a busy
/// intake pays one transaction (and one fsync, one audit-head lock) per batch instead of per
/// matter. The hash chain serialises writers anyway, so one writer loop per node loses nothing.
/// A batch that fails on one row's data is retried one by one, so one bad registration never
/// fails its neighbours; a batch that fails for any other reason fails as a whole, at once.
/// </summary>
public sealed class IntakeBatcher : IAsyncDisposable
{
    private const int MaxBatch = 64;
    private readonly Channel<(PreparedRegistration Item, TaskCompletionSource<Registered> Done)> queue =
        Channel.CreateBounded<(PreparedRegistration, TaskCompletionSource<Registered>)>(new BoundedChannelOptions(4096) { SingleReader = true });
    private readonly IServiceScopeFactory scopes;
    private readonly ILogger<IntakeBatcher> logger;
    private readonly Task loop;

    public IntakeBatcher(IServiceScopeFactory scopes, ILogger<IntakeBatcher> logger)
    {
        this.scopes = scopes;
        this.logger = logger;
        loop = Task.Run(RunAsync);
    }

    public async Task<Registered> SubmitAsync(PreparedRegistration item, CancellationToken ct)
    {
        var done = new TaskCompletionSource<Registered>(TaskCreationOptions.RunContinuationsAsynchronously);
        await queue.Writer.WriteAsync((item, done), ct);
        // Not cancelled with the request: once queued, the registration is written (an
        // Idempotency-Key lets the client find it again).
        return await done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<(PreparedRegistration Item, TaskCompletionSource<Registered> Done)>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var next)) batch.Add(next);
            if (batch.Count == 0) continue;
            try
            {
                await WriteAsync(batch);
            }
            catch (Exception ex) when (batch.Count > 1 && IsDataError(ex))
            {
                logger.LogWarning(ex, "An intake batch of {Count} failed; writing its registrations one by one", batch.Count);
                foreach (var one in batch)
                {
                    try { await WriteAsync([one]); }
                    catch (Exception single) { one.Done.TrySetException(single); }
                }
            }
            catch (Exception ex)
            {
                // Not a bad row but a bad moment (connection lost, timeout, database down): every
                // registration of the batch fails now, rather than 64 more attempts against a sick
                // database. A commit whose answer was lost may have gone through; an Idempotency-Key
                // lets the client retry without a duplicate.
                foreach (var one in batch) one.Done.TrySetException(ex);
            }
        }
    }

    private async Task WriteAsync(List<(PreparedRegistration Item, TaskCompletionSource<Registered> Done)> batch)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var results = await RegisterMatter.WriteAsync(sp.GetRequiredService<DubanDb>(), sp.GetRequiredService<AuditLog>(),
            sp.GetRequiredService<RegisterNumbers>(), sp.GetRequiredService<Sealer>(), sp.GetRequiredService<MatterClock>(), batch.Select(b => b.Item).ToList(), CancellationToken.None);
        for (var i = 0; i < batch.Count; i++)
        {
            // Left out: its key was taken; its request answers as the key's first one did.
            if (results[i] is { } registered) batch[i].Done.TrySetResult(registered);
            else batch[i].Done.TrySetException(new RegisterMatter.IdempotencyKeyTaken());
        }
    }

    /// <summary>A constraint or data error (SQLSTATE class 22 or 23; SQLite's constraint and mismatch codes): one row's fault.</summary>
    internal static bool IsDataError(Exception ex) => ex switch
    {
        DbUpdateException { InnerException: { } inner } => IsDataError(inner),
        Npgsql.PostgresException pg => pg.SqlState.StartsWith("22", StringComparison.Ordinal) || pg.SqlState.StartsWith("23", StringComparison.Ordinal),
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode is 19 or 20 or 25,
        _ => false,
    };

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await loop;
    }
}
