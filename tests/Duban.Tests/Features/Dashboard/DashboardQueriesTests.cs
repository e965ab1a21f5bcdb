using Duban.Common;
using Duban.Features.Dashboard;
using Duban.Features.Matters;
using Duban.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Dashboard;

/// <summary>
/// The dashboard's counts: by status, the trend per month and week, and by county and town, each
/// over the matters the reader may see. The scene is in 恩平市 (no demo matters) with one matter of
/// 台山市 beside it; the clock stands at Friday 20 November 2026, 10:00 China time.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class DashboardQueriesTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private const string Hengbei = "440785100";   // 恩平市横陂镇
    private const string Shengtang = "440785101"; // 恩平市圣堂镇
    private const string Chuandao = "440781115";  // 台山市川岛镇

    private static DateTimeOffset At(int month, int day, int hour = 10) => new(2026, month, day, hour, 0, 0, China);

    /// <summary>An anonymous call about 城市管理 in <paramref name="territory"/>, received at <paramref name="receivedAt"/>.</summary>
    private static NewMatter Call(string title, string territory, DateTimeOffset receivedAt) =>
        NewMatter.Plain(title, territory, "城市管理").ReceivedOn(receivedAt);

    private static async Task<T> AsAsync<T>(DubanFactory app, string username, Func<DashboardQueries, Actor, Task<T>> read)
    {
        await using var scope = app.Scope();
        return await read(scope.ServiceProvider.GetRequiredService<DashboardQueries>(), await app.Desk.ActorAsync(scope, username));
    }

    /// <summary>What the dashboard says to 恩平's supervisor, 横陂镇's handler and the city's supervisor.</summary>
    private sealed record Reading(IReadOnlyList<StatusCount> Enping, PlaceBreakdown EnpingPlaces, Trend Months, Trend Weeks,
        IReadOnlyList<StatusCount> Town, PlaceBreakdown CityPlaces);

    private static async Task<Reading> ReadAsync(DubanFactory app) => new(
        await AsAsync(app, "s-440785", (q, a) => q.StatusesAsync(a, default)),
        (await AsAsync(app, "s-440785", (q, a) => q.PlacesAsync("2026-11", a, default))).Value!,
        (await AsAsync(app, "s-440785", (q, a) => q.TrendAsync("month", a, default))).Value!,
        (await AsAsync(app, "s-440785", (q, a) => q.TrendAsync("week", a, default))).Value!,
        await AsAsync(app, "h-" + Hengbei, (q, a) => q.StatusesAsync(a, default)),
        (await AsAsync(app, "supervisor", (q, a) => q.PlacesAsync("2026-11", a, default))).Value!);

    private static int Count(IReadOnlyList<StatusCount> counts, string status) => counts.Single(c => c.Status == status).Count;

    private static (int Received, int Closed) Place(IReadOnlyList<PlaceCount> places, string code) =>
        places.FirstOrDefault(p => p.Code == code) is { } p ? (p.Received, p.Closed) : (0, 0);

    private static (int Received, int Closed) Point(Trend trend, int fromEnd) => (trend.Points[^fromEnd].Received, trend.Points[^fromEnd].Closed);

    private static (int, int) Minus((int, int) a, (int, int) b) => (a.Item1 - b.Item1, a.Item2 - b.Item2);

    [Fact]
    public async Task Dashboard_CountsByStatusTrendAndPlace_OnlyWhatTheReaderSees()
    {
        // The database is shared with other tests: everything is read before and after the scene.
        await using var app = DubanFactory.StartingAt(At(11, 18));
        await app.InitializeAsync();
        var before = await ReadAsync(app);

        var dispatcher = app.Desk.Dispatcher;
        await dispatcher.Register(Call("横陂镇九月路面塌陷", Hengbei, At(9, 15)));
        // One closed: dispatched, signed for, completed and approved on 18 November.
        await app.Desk.Matter(Call("横陂镇十一月路灯不亮", Hengbei, At(11, 3))).Lead(Hengbei).ClosedAsync();
        // 00:30 on Monday 16 November in China is still Sunday 15 November in UTC: weeks are China weeks.
        await dispatcher.Register(Call("圣堂镇十一月垃圾堆放", Shengtang, new DateTimeOffset(2026, 11, 16, 0, 30, 0, China)));
        await dispatcher.Register(Call("川岛镇十一月码头积水", Chuandao, At(11, 5)));
        app.Clock.Advance(At(11, 20) - At(11, 18));
        var after = await ReadAsync(app);

        // 恩平's supervisor: 恩平's three matters, not 台山's.
        Assert.Equal(2, Count(after.Enping, "received") - Count(before.Enping, "received"));
        Assert.Equal(1, Count(after.Enping, "closed") - Count(before.Enping, "closed"));
        Assert.Equal(3, after.Enping.Sum(c => c.Count) - before.Enping.Sum(c => c.Count));
        Assert.Equal((2, 1), Minus(Place(after.EnpingPlaces.Counties, "440785"), Place(before.EnpingPlaces.Counties, "440785")));
        Assert.Equal("恩平市", after.EnpingPlaces.Counties.Single(c => c.Code == "440785").Name);
        Assert.DoesNotContain(after.EnpingPlaces.Counties, c => c.Code == "440781");
        Assert.Equal((1, 1), Minus(Place(after.EnpingPlaces.Towns, Hengbei), Place(before.EnpingPlaces.Towns, Hengbei)));
        Assert.Equal((1, 0), Minus(Place(after.EnpingPlaces.Towns, Shengtang), Place(before.EnpingPlaces.Towns, Shengtang)));
        Assert.Equal("横陂镇", after.EnpingPlaces.Towns.Single(t => t.Code == Hengbei).Name);
        Assert.DoesNotContain(after.EnpingPlaces.Towns, t => t.Code == Chuandao);
        // The city's supervisor sees 台山's matter too.
        Assert.Equal((1, 0), Minus(Place(after.CityPlaces.Towns, Chuandao), Place(before.CityPlaces.Towns, Chuandao)));
        Assert.Equal("川岛镇", after.CityPlaces.Towns.Single(t => t.Code == Chuandao).Name);
        // 横陂镇's handler: only the matter assigned to the town.
        Assert.Equal(1, after.Town.Sum(c => c.Count) - before.Town.Sum(c => c.Count));
        Assert.Equal(1, Count(after.Town, "closed") - Count(before.Town, "closed"));

        // Months: twelve, December 2025 to November 2026 (China dates).
        Assert.Equal(12, after.Months.Points.Count);
        Assert.Equal("2025-12", after.Months.Points[0].Label);
        Assert.Equal(new DateOnly(2026, 11, 30), after.Months.Points[^1].Last);
        Assert.Equal((2, 1), Minus(Point(after.Months, 1), Point(before.Months, 1)));
        Assert.Equal((0, 0), Minus(Point(after.Months, 2), Point(before.Months, 2)));
        Assert.Equal((1, 0), Minus(Point(after.Months, 3), Point(before.Months, 3)));
        // Weeks: this week is Monday 16 to Sunday 22 November, with the matter of 00:30 on the Monday and the one closed.
        Assert.Equal(12, after.Weeks.Points.Count);
        Assert.Equal((new DateOnly(2026, 11, 16), new DateOnly(2026, 11, 22)), (after.Weeks.Points[^1].First, after.Weeks.Points[^1].Last));
        Assert.Equal((1, 1), Minus(Point(after.Weeks, 1), Point(before.Weeks, 1)));
        // 3 November, a Tuesday: the week of 2 November.
        Assert.Equal(new DateOnly(2026, 11, 2), after.Weeks.Points[^3].First);
        Assert.Equal((1, 0), Minus(Point(after.Weeks, 3), Point(before.Weeks, 3)));
    }

    /// <summary>
    /// Issue 18: the status counts covered all time beside a monthly period, and a county with nothing received was
    /// missing. The statuses are now those of the matters received in the period; every county the reader oversees has
    /// its row (the city's: the seven of Jiangmen).
    /// </summary>
    [Fact]
    public async Task Dashboard_StatusesCountThePeriodsMatters_AndEveryCountyIsListed()
    {
        await using var app = DubanFactory.StartingAt(At(11, 18));
        await app.InitializeAsync();
        async Task<(IReadOnlyList<StatusCount> November, IReadOnlyList<StatusCount> September, IReadOnlyList<StatusCount> Autumn)> StatusesAsync() => (
            (await AsAsync(app, "s-440785", (q, a) => q.StatusesAsync("2026-11", a, default))).Value!,
            (await AsAsync(app, "s-440785", (q, a) => q.StatusesAsync("2026-09", a, default))).Value!,
            (await AsAsync(app, "s-440785", (q, a) => q.StatusesAsync("2026-09..2026-11", a, default))).Value!);
        var before = await StatusesAsync();

        var dispatcher = app.Desk.Dispatcher;
        await dispatcher.Register(Call("横陂镇九月路面塌陷", Hengbei, At(9, 15)));
        await app.Desk.Matter(Call("横陂镇十一月路灯不亮", Hengbei, At(11, 3))).Lead(Hengbei).ClosedAsync();
        await dispatcher.Register(Call("圣堂镇十一月垃圾堆放", Shengtang, At(11, 16)));
        var after = await StatusesAsync();

        // November: its two matters (one closed, one received), not September's.
        Assert.Equal(2, after.November.Sum(c => c.Count) - before.November.Sum(c => c.Count));
        Assert.Equal(1, Count(after.November, "closed") - Count(before.November, "closed"));
        Assert.Equal(1, Count(after.November, "received") - Count(before.November, "received"));
        Assert.Equal(1, after.September.Sum(c => c.Count) - before.September.Sum(c => c.Count));
        Assert.Equal(3, after.Autumn.Sum(c => c.Count) - before.Autumn.Sum(c => c.Count));
        Assert.Equal(Status.All, after.November.Select(c => c.Status));
        Assert.False((await AsAsync(app, "s-440785", (q, a) => q.StatusesAsync("2026-13", a, default))).IsSuccess);

        // Every county of the city for the city's supervisor, those with nothing received too; a county's own for its supervisor.
        var city = (await AsAsync(app, "supervisor", (q, a) => q.PlacesAsync("2026-11", a, default))).Value!;
        Assert.Superset(new HashSet<string> { "440703", "440704", "440705", "440781", "440783", "440784", "440785" }, city.Counties.Select(c => c.Code).ToHashSet());
        Assert.Equal("恩平市", city.Counties.Single(c => c.Code == "440785").Name);
        var quiet = (await AsAsync(app, "s-440785", (q, a) => q.PlacesAsync("2001-01", a, default))).Value!;
        Assert.Equal(new[] { ("440785", 0) }, quiet.Counties.Select(c => (c.Code, c.Received)));
    }

    [Fact]
    public async Task Dashboard_BadPeriodOrStep_IsRefused()
    {
        await using var app = DubanFactory.StartingAt(At(11, 18));
        await app.InitializeAsync();
        Assert.False((await AsAsync(app, "s-440785", (q, a) => q.TrendAsync("day", a, default))).IsSuccess);
        Assert.False((await AsAsync(app, "s-440785", (q, a) => q.PlacesAsync("2026-13", a, default))).IsSuccess);
    }
}
