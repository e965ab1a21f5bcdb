using Duban.Data;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Data;

/// <summary>
/// SQLite plans from the statistics ANALYZE writes: a node analyses at start when an index has none (a new
/// database, a schema script that added one), and not otherwise; PostgreSQL is left to its autovacuum.
/// No database category: SQLite's own tables, read in the SQLite pass.
/// </summary>
public sealed class PlannerStatisticsTests
{
    private static Task<int> StatRowsAsync(DubanDb db, string index) =>
        db.Database.SqlQuery<int>($"SELECT count(*) AS \"Value\" FROM sqlite_stat1 WHERE idx = {index}").SingleAsync();

    [Fact]
    public async Task AnIndexWithoutStatistics_IsAnalysed()
    {
        if (DubanFactory.Provider != "sqlite") throw new InvalidOperationException("sqlite_stat1 is SQLite's: this test runs in the SQLite pass");
        await using var app = new DubanFactory();
        await app.InitializeAsync();
        await app.Desk.Matter(NewMatter.Noise("统计信息测试事项", "440781115")).Lead("440781115").InProgressAsync();
        await using var scope = app.Scope();
        var db = app.Db(scope);

        // The tests' nodes never analyse (AnalyzeHours = 0): no statistics at all.
        Assert.Equal(0, await db.Database.SqlQuery<int>($"SELECT count(*) AS \"Value\" FROM sqlite_master WHERE name = 'sqlite_stat1'").SingleAsync());
        Assert.True(await PlannerStatistics.AnalyzeIfMissingAsync(db, default));
        Assert.Equal(1, await StatRowsAsync(db, "ix_matters_received"));
        Assert.Equal(1, await StatRowsAsync(db, "ix_matters_due_overdue"));
        // 0027 dropped the narrow deadline index that the covering one makes redundant.
        Assert.Equal(0, await db.Database.SqlQuery<int>($"SELECT count(*) AS \"Value\" FROM sqlite_master WHERE name = 'ix_matters_due'").SingleAsync());

        // An index that has lost its statistics (as one a new schema script adds) is measured again.
        await db.Database.ExecuteSqlAsync($"DELETE FROM sqlite_stat1 WHERE idx = 'ix_matters_received'");
        Assert.True(await PlannerStatistics.AnalyzeIfMissingAsync(db, default));
        Assert.Equal(1, await StatRowsAsync(db, "ix_matters_received"));

        // The periodic pass runs on a measured database without error.
        await PlannerStatistics.OptimizeAsync(db, default);
    }
}
