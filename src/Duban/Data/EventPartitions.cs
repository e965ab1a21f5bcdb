using Duban.Common;
using Microsoft.EntityFrameworkCore;

namespace Duban.Data;

/// <summary>
/// PostgreSQL: the events table is partitioned by month (schema 0018). The coming months' partitions are
/// created ahead of time, at start and then every <see cref="Every"/>, by whichever node gets there first
/// (the SQL function takes an advisory lock). A row whose month has no partition goes to
/// <c>events_default</c>, so a write never fails for want of one; creating them ahead keeps that partition
/// empty. SQLite: nothing to do.
/// </summary>
public sealed class EventPartitions(IServiceScopeFactory scopes, TimeProvider time, ILogger<EventPartitions> log) : BackgroundService
{
    /// <summary>From last month (a clock just past a month's turn) to this many months ahead.</summary>
    public const int MonthsAhead = 3;

    public static readonly TimeSpan Every = TimeSpan.FromHours(6);

    /// <summary>Months back for a history written into an empty database: a year and the month before it.</summary>
    public const int HistoryMonths = 13;

    /// <summary>
    /// Creates the missing partitions from <paramref name="monthsBack"/> months ago (last month by default) to
    /// <see cref="MonthsAhead"/> months ahead; answers how many. A history written into an empty database
    /// (the demo's, a bench's year) asks for its past months first, so that it does not fill
    /// <c>events_default</c>, whose months could then never get a partition of their own.
    /// </summary>
    public static async Task<int> EnsureAsync(DubanDb db, TimeProvider time, CancellationToken ct, int monthsBack = 1)
    {
        if (!db.IsPostgres) return 0;
        var from = time.Now().AddMonths(-monthsBack);
        return await db.Database.SqlQuery<int>($"SELECT duban_event_partitions({from}, {monthsBack + MonthsAhead}) AS \"Value\"").SingleAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, time);
        while (await timer.NextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
                if (!db.IsPostgres) return;
                var created = await EnsureAsync(db, time, stoppingToken);
                if (created > 0) log.LogInformation("Created {Count} monthly partitions of events", created);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Tried again at the next tick; until then new events of an uncovered month go to events_default.
                log.LogError(e, "creating the events' monthly partitions failed");
            }
        }
    }
}
