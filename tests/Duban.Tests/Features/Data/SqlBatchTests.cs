using Duban.Data;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Data;

[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class SqlBatchTests(DubanFactory factory)
{
    [Fact]
    public async Task Insert_ManyRowsWithGeneratedKeys_AllWritten_BeyondThePerStatementParameterLimit()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register();
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        await using var tx = await db.Database.BeginTransactionAsync();
        // 9,000 rows × 8 columns = 72,000 parameters: more than one PostgreSQL statement may carry (65,535).
        var rows = Enumerable.Range(0, 9000).Select(i => new Assignment
        {
            MatterId = id,
            UnitCode = "440781115",
            UnitTerritoryCode = "440781115",
            Role = "co",
            AssignedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + i),
            Active = false,
        }).ToList();
        await new SqlBatch(db).Insert(rows).Append("UPDATE matters SET progress = {0} WHERE id = {1}", 7, id).ExecuteAsync(default);

        Assert.Equal(9000, await db.Assignments.CountAsync(a => a.MatterId == id));
        Assert.Equal(9000, await db.Assignments.Where(a => a.MatterId == id).Select(a => a.Id).Distinct().CountAsync());
        Assert.Equal(7, await db.Matters.Where(m => m.Id == id).Select(m => m.Progress).SingleAsync());
        var last = await db.Assignments.Where(a => a.MatterId == id).OrderByDescending(a => a.AssignedAt).FirstAsync();
        Assert.Equal(1_700_000_008_999, last.AssignedAt.ToUnixTimeMilliseconds());
        await tx.RollbackAsync(); // the shared database keeps its chain intact
    }
}
