using Duban.Features.Audit;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Audit;

[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class AuditChainTests(DubanFactory factory)
{
    [Fact]
    public async Task Verify_FreshDemoAndActivity_IsIntact()
    {
        await using var scope = factory.Scope();
        var report = await factory.Verify(factory.Db(scope));
        Assert.True(report.Intact, report.FirstProblem);
        Assert.True(report.EventCount > 200);
        Assert.True(report.MatterCount >= 45);
    }

    [Fact]
    public async Task Verify_MatterRowChangedBehindDuban_NamesTheMatter()
    {
        var (id, number, _) = await factory.Desk.Matter(NewMatter.Noise()).MakeAsync();
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        await db.Matters.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, "closed"));
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains(number, report.FirstProblem);
        }
        finally
        {
            await db.Matters.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, "received"));
        }
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task Verify_CountyCodeChangedToShowAMatterToAnotherCounty_IsCaught()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(Api.Matter("台山事项", "440781115"));
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        await db.Matters.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.CountyCode, "440703"));
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains("county code", report.FirstProblem);
        }
        finally
        {
            await db.Matters.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.CountyCode, "440781"));
        }
    }

    [Fact]
    public async Task Verify_AssignmentMarkedAsCrossingToShowItToAnotherCounty_IsCaught()
    {
        var id = await factory.Desk.Matter(NewMatter.Noise("台山事项", "440781115")).Lead("440781115").DispatchedAsync();
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        await db.Assignments.Where(a => a.MatterId == id).ExecuteUpdateAsync(s => s.SetProperty(a => a.CrossesCounty, true));
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains("county mark", report.FirstProblem);
        }
        finally
        {
            await db.Assignments.Where(a => a.MatterId == id).ExecuteUpdateAsync(s => s.SetProperty(a => a.CrossesCounty, false));
        }
    }

    [Fact]
    public async Task Events_CannotBeUpdatedOrDeleted_ByTheDatabaseItself()
    {
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("UPDATE events SET reason = 'x' WHERE seq = 1"));
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM events WHERE seq = 1"));
    }

    [Fact]
    public async Task Verify_EventAlteredWithTriggersOff_NamesTheFirstBadEvent()
    {
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var target = await db.Events.AsNoTracking().Where(e => e.Action == "dispatch").OrderBy(e => e.Seq).FirstAsync();
        await WithoutTriggers(db, () => db.Database.ExecuteSqlRawAsync("UPDATE events SET reason = 'rewritten' WHERE seq = {0}", target.Seq));
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains($"event #{target.Seq} ", report.FirstProblem);
            Assert.Equal(target.Seq - 1, report.EventCount);
        }
        finally
        {
            await WithoutTriggers(db, () => target.Reason is null
                ? db.Database.ExecuteSqlRawAsync("UPDATE events SET reason = NULL WHERE seq = {0}", target.Seq)
                : db.Database.ExecuteSqlRawAsync("UPDATE events SET reason = {0} WHERE seq = {1}", target.Reason, target.Seq));
        }
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task Verify_LastEventsRemoved_IsCaughtByTheHead()
    {
        var dispatcher = await factory.As("dispatcher");
        await dispatcher.Register();
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var last = await db.Events.AsNoTracking().OrderByDescending(e => e.Seq).FirstAsync();
        await WithoutTriggers(db, async () =>
        {
            await db.Database.ExecuteSqlRawAsync("DELETE FROM events WHERE seq = {0}", last.Seq);
            return 0;
        });
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains("removed", report.FirstProblem);
        }
        finally
        {
            db.Events.Add(last);
            await WithoutTriggers(db, () => db.SaveChangesAsync());
        }
        Assert.True((await factory.Verify(db)).Intact);
    }

    private static Task WithoutTriggers(Duban.Data.DubanDb db, Func<Task<int>> change) => Tamper.WithoutTriggers(db, change);
}
