using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Matters;

/// <summary>
/// A unit's matters are narrowed by the assignments' copy of their state (schema 0034, kept by the database's
/// triggers) before any matter row is read: the copy follows the matter through every step, and a handler's
/// list under every filter holds exactly what the city's list of the unit's matters holds.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class UnitStatesTests(DubanFactory factory)
{
    [Fact]
    public async Task AssignmentsCopy_FollowsTheMattersState_ThroughEveryStep()
    {
        var unit = await UnitAsync();
        var made = new List<long>();
        foreach (var state in MatterBuilder.States)
            made.Add(await factory.Desk.Matter(NewMatter.Noise("状态副本" + state)).Lead(unit).InStateAsync(state));
        // Sent back at review, and dispatched again after a return: the copy follows each step.
        var dispatcher = await factory.As("dispatcher");
        var sentBack = await factory.Desk.Matter(NewMatter.Noise("状态副本退回重办")).Lead(unit).PendingReviewAsync();
        await dispatcher.Do(sentBack, "send-back", new { reason = "请补充现场照片" });
        made.Add(sentBack);

        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var rows = await db.Assignments.AsNoTracking().Where(a => made.Contains(a.MatterId))
            .Join(db.Matters.AsNoTracking(), a => a.MatterId, m => m.Id, (a, m) => new { m.Number, m.Status, a.MatterStatus, a.Active }).ToListAsync();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.True(r.Status == r.MatterStatus, $"{r.Number}: matter {r.Status}, its assignment's copy {r.MatterStatus}"));
        // Every state the builder reaches with an assignment is among them, held or finished.
        Assert.Contains(rows, r => r.Status == "in_progress" && r.Active);
        Assert.Contains(rows, r => r.Status == "closed" && r.Active);
        Assert.Contains(rows, r => r.Status == "pending_review" && r.Active);
    }

    [Fact]
    public async Task HandlersList_UnderEveryFilter_EqualsTheCitysListOfTheUnit()
    {
        var unit = await UnitAsync();
        var marker = "状态筛选" + Guid.NewGuid().ToString("N")[..8];
        var now = factory.Clock.GetUtcNow();
        foreach (var state in new[] { "dispatched", "in_progress", "paused", "extension_asked", "pending_review", "closed", "returned", "merged" })
            await factory.Desk.Matter(NewMatter.Noise($"{marker} {state}")).Lead(unit).InStateAsync(state);
        // Due in a minute: yellow now, red and overdue once the clock has passed it.
        await factory.Desk.Matter(NewMatter.Noise($"{marker} 即将到期")).Lead(unit).Due(now.AddMinutes(1)).DispatchedAsync();
        await factory.Desk.Matter(NewMatter.Noise($"{marker} 协办")).Lead("440781115", unit).InStateAsync("in_progress");
        var sentBack = await factory.Desk.Matter(NewMatter.Noise($"{marker} 审核退回")).Lead(unit).PendingReviewAsync();
        await (await factory.As("dispatcher")).Do(sentBack, "send-back", new { reason = "请补充现场照片" });

        var handler = await factory.As("h-" + unit);
        var dispatcher = await factory.As("dispatcher");
        string[] filters =
        [
            "", "status=dispatched", "status=in_progress", "status=pending_review", "status=closed", "status=returned",
            "status=in_progress,closed", "overdue=true", "overdue=false", "sentBack=true", "sentBack=false",
            "light=red", "light=yellow", "light=green", "status=closed&light=green", "status=dispatched&overdue=true",
            "sentBack=true&status=closed",
        ];
        async Task Compare(string when)
        {
            foreach (var filter in filters)
            {
                var theirs = await Numbers(handler, marker, filter);
                var city = await Numbers(dispatcher, marker, $"unit={unit}&{filter}");
                Assert.True(city.SequenceEqual(theirs), $"{when}, ?{filter}: the city's list of the unit [{string.Join(", ", city)}], the handler's [{string.Join(", ", theirs)}]");
                // The filters are not all empty: the comparison would hold for lists that find nothing.
                if (filter is "" or "status=in_progress" or "sentBack=true") Assert.NotEmpty(theirs);
            }
            // Six states, the one due soon, the one sent back, and the co-unit's (returned and merged left the unit).
            Assert.True((await Numbers(handler, marker, "")).Length >= 9);
        }
        await Compare("now");
        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        try
        {
            Assert.NotEmpty(await Numbers(handler, marker, "overdue=true"));
            await Compare("past the deadline");
        }
        finally
        {
            factory.Clock.Advance(TimeSpan.FromMinutes(-2));
        }
    }

    [Fact]
    public async Task Verify_AssignmentsCopyOfTheStateChangedBehindDuban_IsCaught()
    {
        var id = await factory.Desk.Matter(NewMatter.Noise("状态副本篡改", "440781115")).Lead("440781115").InProgressAsync();
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        // The database keeps the copy itself: a plain change of it is undone by its trigger.
        await db.Assignments.Where(a => a.MatterId == id).ExecuteUpdateAsync(s => s.SetProperty(a => a.MatterStatus, "closed"));
        Assert.Equal("in_progress", await db.Assignments.Where(a => a.MatterId == id).Select(a => a.MatterStatus).FirstAsync());
        Assert.True((await factory.Verify(db)).Intact);
        // With the trigger out of the way, verify names the matter.
        await WithoutCopyTrigger(db, () => db.Assignments.Where(a => a.MatterId == id).ExecuteUpdateAsync(s => s.SetProperty(a => a.MatterStatus, "closed")));
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains("copy of the matter's state", report.FirstProblem);
        }
        finally
        {
            await db.Assignments.Where(a => a.MatterId == id).ExecuteUpdateAsync(s => s.SetProperty(a => a.MatterStatus, "in_progress"));
        }
        Assert.True((await factory.Verify(db)).Intact);
    }

    /// <summary>A department of the test's own, with a handler account named as the builder's steps expect (h-&lt;code&gt;).</summary>
    private async Task<string> UnitAsync()
    {
        var unit = await factory.Desk.NewUnitAsync("zt", "状态测试科", null);
        await factory.Desk.AccountAsync("h-" + unit, "测试经办", unit, "handler");
        return unit;
    }

    private static async Task WithoutCopyTrigger(Duban.Data.DubanDb db, Func<Task<int>> change)
    {
        if (db.IsPostgres)
        {
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE assignments DISABLE TRIGGER assignments_matter_status");
            try { await change(); }
            finally { await db.Database.ExecuteSqlRawAsync("ALTER TABLE assignments ENABLE TRIGGER assignments_matter_status"); }
            return;
        }
        var definition = await db.Database.SqlQueryRaw<string>("SELECT sql AS \"Value\" FROM sqlite_master WHERE name = 'assignments_matter_status_update'").SingleAsync();
        await db.Database.ExecuteSqlRawAsync("DROP TRIGGER assignments_matter_status_update");
        try { await change(); }
        finally { await db.Database.ExecuteSqlRawAsync(definition); }
    }

    private static async Task<string[]> Numbers(HttpClient client, string marker, string query)
    {
        var page = await client.GetAsync($"/api/v1/matters?q={Uri.EscapeDataString(marker)}&pageSize=100&{query}").Ok();
        return [.. page["items"]!.AsArray().Select(i => (string)i!["number"]!).Order(StringComparer.Ordinal)];
    }
}
