using System.Net;
using System.Text.Json;
using Duban.Features.Dashboard;
using Duban.Features.Figures;
using Duban.Features.Supervision;
using Duban.Features.Tally;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Tally;

/// <summary>
/// The counters behind the dashboard and the lights board (issue 15): after actions and after time
/// alone, what the city's and a county's coordinators read from them equals a live count of what they
/// may see; a confidential report about a reader's own unit is never counted for them; verify finds a
/// counter changed by hand and a rebuild mends it; the pages state when they were counted. Each test
/// runs its own deployment (the counters are the database's; the clock stands at Wednesday 18 November 2026).
/// </summary>
[Trait("Category", "Database")]
public sealed class TallyTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private const string Chuandao = "440781115";  // 台山市川岛镇
    private const string Hengbei = "440785100";   // 恩平市横陂镇

    /// <summary>The city's supervisor, a county's (台山), another county's (恩平) and a town's handler (live).</summary>
    private static readonly string[] Readers = ["supervisor", "s-440781", "s-440785", "h-" + Chuandao];

    private static DateTimeOffset At(int month, int day, int hour = 10) => new(2026, month, day, hour, 0, 0, China);

    private static NewMatter Call(string title, string territory) => NewMatter.Plain(title, territory, "城市管理");

    private static async Task<TallyPass?> CatchUpAsync(DubanFactory app)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<Tallies>().CatchUpAsync(default);
    }

    private static async Task<TallyReport> VerifyAsync(DubanFactory app)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<Tallies>().VerifyAsync(default);
    }

    private static async Task<DateTimeOffset?> CountedAtAsync(DubanFactory app, string username)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<DashboardQueries>().CountedAtAsync(await app.Desk.ActorAsync(scope, username), default);
    }

    /// <summary>Every count the dashboard and the lights board show the reader, as JSON (without the moments read).</summary>
    private static async Task<string> ReadAsync(DubanFactory app, string username)
    {
        await using var scope = app.Scope();
        var actor = await app.Desk.ActorAsync(scope, username);
        var dashboard = scope.ServiceProvider.GetRequiredService<DashboardQueries>();
        var supervision = scope.ServiceProvider.GetRequiredService<SupervisionQueries>();
        var county = (await supervision.LightsAsync("county", actor, default)).Value!;
        var unit = (await supervision.LightsAsync("unit", actor, default)).Value!;
        // The rates per unit and county (the monthly rollup for the coordinators), a handler their own unit's.
        var unitFigures = scope.ServiceProvider.GetRequiredService<UnitFigures>();
        var figures = new List<object?>();
        foreach (var period in new[] { "2026-11", "2026-Q4", "2026", "2025-12..2026-11" })
        {
            if (username.StartsWith("h-", StringComparison.Ordinal))
            {
                figures.Add((await unitFigures.UnitAsync(username[2..], period, null, null, actor, default)).Value!.Rows);
                continue;
            }
            foreach (var rank in new[] { "county", "town", "department" })
                figures.Add((await unitFigures.RankAsync(period, rank, null, null, actor, default)).Value!.Rows);
            figures.Add((await unitFigures.RankAsync(period, "town", "complaint", null, actor, default)).Value!.Rows);
        }
        return JsonSerializer.Serialize(new
        {
            figures,
            statuses = await dashboard.StatusesAsync(actor, default),
            monthStatuses = (await dashboard.StatusesAsync("2026-11", actor, default)).Value,
            yearStatuses = (await dashboard.StatusesAsync("2026", actor, default)).Value,
            months = (await dashboard.TrendAsync("month", actor, default)).Value,
            weeks = (await dashboard.TrendAsync("week", actor, default)).Value,
            month = (await dashboard.PlacesAsync("2026-11", actor, default)).Value,
            year = (await dashboard.PlacesAsync("2026", actor, default)).Value,
            county = new { county.All, county.Rows },
            unit = new { unit.All, unit.Rows },
        });
    }

    private static async Task SetCountedAtAsync(DubanFactory app, DateTimeOffset at)
    {
        await using var scope = app.Scope();
        var db = app.Db(scope);
        var state = await db.Set<TallyState>().SingleAsync();
        state.CountedAt = at;
        await db.SaveChangesAsync();
    }

    /// <summary>
    /// Brings the counters up to date, reads every count from them, then again live (the counters made
    /// too old to be used, which is what the pages do when the job stops), and compares; verify agrees.
    /// </summary>
    private static async Task AssertCountersEqualLiveAsync(DubanFactory app)
    {
        await CatchUpAsync(app);
        var counted = new List<string>();
        foreach (var reader in Readers)
        {
            Assert.Equal(reader.StartsWith("h-", StringComparison.Ordinal), await CountedAtAsync(app, reader) is null);
            counted.Add(await ReadAsync(app, reader));
        }
        var report = await VerifyAsync(app);
        Assert.True(report.Intact, string.Join("; ", report.Differences.Take(5)) + $" ({report.MattersMiscounted} matters)");

        await using (var scope = app.Scope())
        {
            var state = await app.Db(scope).Set<TallyState>().AsNoTracking().SingleAsync();
            await SetCountedAtAsync(app, state.CountedAt.AddDays(-1));
            foreach (var (reader, fromCounters) in Readers.Zip(counted))
            {
                Assert.Null(await CountedAtAsync(app, reader));
                Assert.Equal(await ReadAsync(app, reader), fromCounters);
            }
            await SetCountedAtAsync(app, state.CountedAt);
        }
    }

    private static async Task<int> TotalAsync(DubanFactory app, string username)
    {
        await using var scope = app.Scope();
        var statuses = await scope.ServiceProvider.GetRequiredService<DashboardQueries>().StatusesAsync(await app.Desk.ActorAsync(scope, username), default);
        return statuses.Sum(s => s.Count);
    }

    [Fact]
    public async Task Counters_AfterEveryKindOfAction_EqualALiveCount_WithinEachReadersVisibility()
    {
        await using var app = DubanFactory.StartingAt(At(11, 18));
        await app.InitializeAsync();
        // No counters yet: the first pass builds them from the demo's matters.
        Assert.Null(await CountedAtAsync(app, "supervisor"));
        Assert.True((await CatchUpAsync(app))!.Rebuilt);
        await AssertCountersEqualLiveAsync(app);
        var (city, taishan, enping) = (await TotalAsync(app, "supervisor"), await TotalAsync(app, "s-440781"), await TotalAsync(app, "s-440785"));

        var desk = app.Desk;
        await desk.Dispatcher.Register(Call("川岛镇路灯不亮", Chuandao));
        await desk.Matter(Call("川岛镇码头积水", Chuandao)).Lead(Chuandao).DispatchedAsync();
        await desk.Matter(Call("川岛镇垃圾堆放", Chuandao)).Lead(Chuandao).InProgressAsync();
        await desk.Matter(Call("川岛镇占道经营", Chuandao)).Lead(Chuandao).PendingReviewAsync();
        var reopened = await desk.Matter(Call("川岛镇井盖缺失", Chuandao)).Lead(Chuandao).ClosedAsync();
        await desk.Supervisor.Do(reopened, "reopen", new { reason = "群众反映井盖仍未补齐", dueAt = At(12, 20, 18) });
        await desk.Matter(Call("川岛镇噪音扰民", Chuandao)).Lead(Chuandao).ClosedAsync();
        await desk.Matter(Call("川岛镇退回事项", Chuandao)).Lead(Chuandao).ReturnedAsync();
        await desk.Matter(Call("川岛镇不予受理", Chuandao)).InStateAsync("rejected");
        var target = await desk.Dispatcher.Register(Call("川岛镇重复反映（原件）", Chuandao));
        await desk.Matter(Call("川岛镇重复反映", Chuandao)).MergedInto(target).InStateAsync("merged");
        // 恩平's matter held by 台山's 人社局: 台山's supervisor sees it (counted live for them), 恩平's counts it.
        await desk.Matter(Call("横陂镇工资纠纷", Hengbei)).Lead("440781-rsj").InProgressAsync();
        // Confidential reports: about 台山's government (never counted for 台山's supervisor) and about its 人社局.
        var aboutGovernment = await desk.Dispatcher.Register(NewMatter.Report("440781").In(Chuandao));
        var aboutBureau = await desk.Dispatcher.Register(NewMatter.Report("440781-rsj").In(Chuandao));
        await using (var scope = app.Scope())
        {
            var counties = await app.Db(scope).Matters.Where(m => m.Id == aboutGovernment || m.Id == aboutBureau).Select(m => m.CountyCode).ToListAsync();
            Assert.All(counties, c => Assert.Equal("440781", c));
        }

        var pass = await CatchUpAsync(app);
        Assert.False(pass!.Rebuilt);
        Assert.True(pass.Matters >= 13, $"{pass.Matters} matters re-counted");
        await AssertCountersEqualLiveAsync(app);
        // 13 matters: the city sees all; 台山 all but the report about its own government (恩平's matter held by its bureau included).
        Assert.Equal(13, await TotalAsync(app, "supervisor") - city);
        Assert.Equal(12, await TotalAsync(app, "s-440781") - taishan);
        Assert.Equal(1, await TotalAsync(app, "s-440785") - enping);
        // The reports are counted like any matter, and once more "about" their subject units: the twins 台山's supervisor subtracts.
        await using (var scope = app.Scope())
        {
            var about = TallyKinds.About(TallyKinds.Status, "440781");
            Assert.Equal(1, await app.Db(scope).Set<TallyCount>().Where(c => c.Kind == about && c.County == "440781").SumAsync(c => c.N));
        }

        // A counter and a matter's bucket changed by hand: verify names the counter and counts the bucket; the rebuild mends both.
        await using (var scope = app.Scope())
        {
            await app.Db(scope).Set<TallyCount>().Where(c => c.Kind == TallyKinds.Status && c.County == "440781" && c.Key == "in_progress")
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.N, c => c.N + 5));
            await app.Db(scope).Set<TallyMatter>().Where(t => t.MatterId == reopened).ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, "closed"));
        }
        var broken = await VerifyAsync(app);
        Assert.False(broken.Intact);
        var difference = Assert.Single(broken.Differences);
        Assert.Equal((TallyKinds.Status, "440781", "in_progress"), (difference.Kind, difference.County, difference.Key));
        Assert.Equal(difference.Records + 5, difference.Counted);
        Assert.Equal(1, broken.MattersMiscounted);
        await using (var scope = app.Scope()) await scope.ServiceProvider.GetRequiredService<Tallies>().RebuildAsync(default);
        Assert.True((await VerifyAsync(app)).Intact);

        // The pages state when they were counted: the dashboard, and the lights board's countedAt.
        var countedAt = (await CountedAtAsync(app, "supervisor"))!.Value;
        var page = await (await desk.Supervisor.GetAsync("/console/dashboard")).Content.ReadAsStringAsync();
        Assert.Contains("统计截至 " + countedAt.ToOffset(China).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), page, StringComparison.Ordinal);
        var handlerPage = await desk.Handler(Chuandao).GetAsync("/console/dashboard");
        Assert.Equal(HttpStatusCode.OK, handlerPage.StatusCode);
        Assert.Contains("实时统计", await handlerPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(countedAt, (DateTimeOffset)(await desk.Supervisor.GetAsync("/api/v1/supervision/lights?by=county").Ok())["countedAt"]!);
        Assert.Null((await desk.Handler(Chuandao).GetAsync("/api/v1/supervision/lights?by=unit").Ok())["countedAt"]);
    }

    [Fact]
    public async Task Passes_OnTwoNodesAtOnce_CountEachChangeOnce()
    {
        await using var app = DubanFactory.StartingAt(At(11, 18));
        await app.InitializeAsync();
        await using var second = await app.SecondNodeAsync();
        await CatchUpAsync(app);
        for (var i = 0; i < 6; i++) await app.Desk.Matter(Call($"川岛镇第{i + 1}件", Chuandao)).Lead(Chuandao).InProgressAsync();
        // Both nodes' jobs at once: one does each pass (the other skips it or waits for the write lock), none counts twice.
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => CatchUpAsync(i % 2 == 0 ? app : second))));
        await AssertCountersEqualLiveAsync(app);
    }

    [Fact]
    public async Task Lights_ChangeByTheClockAlone_AndTheCountersFollow()
    {
        await using var app = DubanFactory.StartingAt(At(11, 18));
        await app.InitializeAsync();
        var id = await app.Desk.Matter(Call("川岛镇路面塌陷", Chuandao)).Lead(Chuandao).Due(At(11, 25, 18)).InProgressAsync();
        await CatchUpAsync(app);
        var seen = new List<string>();
        for (var step = 0; step < 12; step++)
        {
            TallyMatter row;
            await using (var scope = app.Scope()) row = await app.Db(scope).Set<TallyMatter>().AsNoTracking().SingleAsync(t => t.MatterId == id);
            if (seen.Count == 0 || seen[^1] != row.Light) seen.Add(row.Light);
            await AssertCountersEqualLiveAsync(app);
            if (row.NextChange is not { } next) break;
            // Nothing happens to the matter: only the clock moves past the next point of its light.
            app.Clock.Advance(next - app.Clock.GetUtcNow() + TimeSpan.FromMinutes(1));
            await CatchUpAsync(app);
        }
        Assert.Equal(["green", "yellow", "red"], seen);
    }
}
