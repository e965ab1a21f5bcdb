using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Matters;
using Duban.Features.Sealing;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Matters;

/// <summary>
/// A registration takes the one row every registration on every node takes, the year's number counter,
/// last: after its audit lane, the lane's anchors and its events' global numbers are drawn, so that only
/// the in-memory chaining, one batch command and the commit happen while the other nodes' registrations
/// wait for that row (issue 15: with the lane taken under it, two and three nodes acknowledged fewer
/// registrations than one). The batch still chains as before: one lane, places in a row, numbers rising.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class RegistrationLockOrderTests(DubanFactory factory)
{
    private static readonly TimeSpan Hung = TimeSpan.FromSeconds(60); // a guard against a hang, never a measure

    [Fact]
    public async Task WriteAsync_WaitingForTheYearsCounter_HoldsItsLaneAndEventNumbersAlready_ThenChainsInOrder()
    {
        // The year's counter row exists once a matter is registered.
        await factory.Desk.Matter(NewMatter.Noise("先登记一件")).MakeAsync();
        await using var writer = factory.Scope();
        var actor = await factory.Desk.ActorAsync(writer, "dispatcher");
        var now = writer.ServiceProvider.GetRequiredService<TimeProvider>().Now();
        PreparedRegistration Item(string title) => new(
            new RegisterCommand("complaint", "phone", title, "节点登记顺序。", TerritoryCode: "440704"), actor, false, now,
            "user:" + actor.Id, null, "hash-" + title, new TerritoryChoice("440704", "given", null));
        var titles = new[] { "锁序一" + Guid.NewGuid().ToString("N")[..6], "锁序二" + Guid.NewGuid().ToString("N")[..6] };

        IReadOnlyList<Registered?> answers;
        await using (var other = factory.Scope())
        {
            var otherDb = factory.Db(other);
            if (otherDb.IsPostgres)
            {
                // Another node's registration holds the year's counter row.
                var year = now.ToOffset(Clock.ChinaOffset).Year;
                var seqBefore = await ScalarAsync(otherDb, "SELECT last_value FROM events_seq");
                await using var tx = await otherDb.Database.BeginTransactionAsync();
                await otherDb.Database.ExecuteSqlRawAsync("SELECT value FROM counters WHERE name = {0} FOR UPDATE", $"matter:{year}");
                var write = WriteAsync(writer, [Item(titles[0]), Item(titles[1])]);
                long lanes, free, seqWaiting;
                try
                {
                    await WaitForCounterAsync(factory, write);
                    await using var probe = factory.Scope();
                    var probeDb = factory.Db(probe);
                    lanes = await ScalarAsync(probeDb, "SELECT COUNT(*) FROM audit_chains");
                    free = await ScalarAsync(probeDb, "SELECT COUNT(*) FROM (SELECT id FROM audit_chains FOR UPDATE SKIP LOCKED) f");
                    seqWaiting = await ScalarAsync(probeDb, "SELECT last_value FROM events_seq");
                }
                finally
                {
                    await tx.RollbackAsync();
                    answers = await write.WaitAsync(Hung);
                }
                // While it waited, it held a lane (one fewer free to others) and had drawn its two events' numbers.
                Assert.Equal(lanes - 1, free);
                Assert.True(seqWaiting >= seqBefore + 2, $"events_seq {seqWaiting}, {seqBefore} before");
            }
            else
            {
                // SQLite has one writer at a time: nothing to wait for, the same chaining.
                answers = await WriteAsync(writer, [Item(titles[0]), Item(titles[1])]);
            }
        }

        Assert.Equal(titles, answers.Select(a => a?.Matter.Title));
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var ids = answers.Select(a => a!.Matter.Id).ToList();
        var events = await db.Events.Where(e => e.MatterId != null && ids.Contains(e.MatterId.Value)).OrderBy(e => e.Seq).ToListAsync();
        Assert.Equal(2, events.Count);
        Assert.Equal(events[0].Chain, events[1].Chain);
        Assert.Equal(events[0].ChainSeq + 1, events[1].ChainSeq);
        Assert.Equal(events[0].Hash, events[1].PrevHash);
        // The transaction's first event records the other lanes' lengths, the second does not again.
        Assert.NotNull(events[0].Anchors);
        Assert.Null(events[1].Anchors);
        var numbers = answers.Select(a => int.Parse(a!.Matter.Number[^6..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(numbers[0] + 1, numbers[1]);
        var report = await factory.Verify(db);
        Assert.True(report.Intact, report.FirstProblem);
    }

    private static async Task<long> ScalarAsync(DubanDb db, string sql)
    {
        if (db.Database.GetDbConnection().State != System.Data.ConnectionState.Open) await db.Database.OpenConnectionAsync();
        await using var cmd = Sql.Command(db, sql);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Until the writer's transaction waits for a row lock on the counters (or has ended, which the caller then sees).</summary>
    private static async Task WaitForCounterAsync(DubanFactory factory, Task write)
    {
        // Outside any transaction: pg_stat_activity is a snapshot for the rest of the transaction that reads it.
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!write.IsCompleted && waited.Elapsed < Hung)
        {
            var waiting = await ScalarAsync(db,
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO counters%'");
            if (waiting > 0) return;
            await Task.Delay(20);
        }
        Assert.Fail("the registration neither waited for the year's counter nor ended");
    }

    private static Task<IReadOnlyList<Registered?>> WriteAsync(AsyncServiceScope s, IReadOnlyList<PreparedRegistration> items)
    {
        var sp = s.ServiceProvider;
        return RegisterMatter.WriteAsync(sp.GetRequiredService<DubanDb>(), sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<RegisterNumbers>(),
            sp.GetRequiredService<Sealer>(), sp.GetRequiredService<MatterClock>(), items, default);
    }
}
