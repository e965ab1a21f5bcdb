using Duban.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Data;

/// <summary>
/// SQLite chooses its indexes from the statistics that only ANALYZE writes (<c>sqlite_stat1</c>). Without them it
/// guesses from the shape of the indexes; with some indexes measured and others not (those a later schema
/// script added) it can take the worse of two: at a million matters a year's open-overdue count read a table row
/// per held matter through a status index (124 ms) instead of a covering index (22 ms). So at start, when an index
/// has no statistics yet, the whole database is analysed, sampled (<c>analysis_limit</c>: about a thousand rows an
/// index, a tenth of a second of CPU at a million matters); then every <see cref="DatabaseOptions.AnalyzeHours"/>
/// <c>PRAGMA optimize</c> re-analyses the tables that have grown or changed much, as SQLite recommends for
/// long-lived connections. PostgreSQL: its autovacuum analyses, nothing to do.
/// </summary>
public sealed class PlannerStatistics(IServiceScopeFactory scopes, IOptions<DatabaseOptions> options, TimeProvider time, ILogger<PlannerStatistics> log)
    : BackgroundService
{
    /// <summary>Rows sampled per index by ANALYZE (SQLite's <c>analysis_limit</c>).</summary>
    public const int AnalysisLimit = 1000;

    /// <summary>Analyses the database when an index has no statistics (a new database, a new schema script); answers whether it did.</summary>
    public static async Task<bool> AnalyzeIfMissingAsync(DubanDb db, CancellationToken ct)
    {
        if (db.IsPostgres) return false;
        var measured = await db.Database.SqlQueryRaw<int>("SELECT count(*) AS \"Value\" FROM sqlite_master WHERE name = 'sqlite_stat1'").SingleAsync(ct) == 1;
        // An index of an empty table gets no row: the check then analyses again at the next start, which costs nothing on an empty table.
        var missing = !measured || await db.Database.SqlQueryRaw<int>(
            "SELECT count(*) AS \"Value\" FROM sqlite_master i WHERE i.type = 'index' AND i.sql IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sqlite_stat1 s WHERE s.idx = i.name)")
            .SingleAsync(ct) > 0;
        if (!missing) return false;
        await db.Database.ExecuteSqlRawAsync($"PRAGMA analysis_limit = {AnalysisLimit}; ANALYZE;", ct);
        return true;
    }

    /// <summary>SQLite's periodic refresh: re-analyses the tables whose statistics are out of date.</summary>
    public static async Task OptimizeAsync(DubanDb db, CancellationToken ct)
    {
        if (db.IsPostgres) return;
        await db.Database.ExecuteSqlRawAsync($"PRAGMA analysis_limit = {AnalysisLimit}; PRAGMA optimize = 0x10002;", ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var hours = options.Value.AnalyzeHours;
        if (hours <= 0 || options.Value.Provider == "postgres") return;
        // After the start-up tasks (schema scripts, the demo): a pass once the node serves.
        await Task.Yield();
        var first = true;
        using var timer = new PeriodicTimer(TimeSpan.FromHours(hours), time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
                if (first) await AnalyzeIfMissingAsync(db, stoppingToken);
                else await OptimizeAsync(db, stoppingToken);
                first = false;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Plans keep the statistics they have; tried again at the next tick.
                log.LogWarning(e, "refreshing the planner's statistics failed");
            }
        }
        while (await timer.NextTickAsync(stoppingToken));
    }
}
