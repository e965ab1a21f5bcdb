using System.Net;
using System.Text.RegularExpressions;
using Duban.Common;
using Duban.Features.Dashboard;
using Duban.Features.Matters;
using Duban.Features.Sources;
using Duban.Features.Supervision;
using Duban.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Dashboard;

/// <summary>
/// The leader's cockpit (issue 18): today's intake and the period's by county, the red matters, the best and worst
/// departments and the sources, read through the queries the other pages use, so it says what they say; leaders and
/// coordinators only.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed partial class CockpitTests(DubanFactory factory)
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private const string Hengbei = "440785100"; // 恩平市横陂镇

    private static DateTimeOffset At(int month, int day, int hour = 10) => new(2026, month, day, hour, 0, 0, China);

    private static async Task<T> AsAsync<T>(DubanFactory app, string username, Func<IServiceProvider, Actor, Task<T>> read)
    {
        await using var scope = app.Scope();
        return await read(scope.ServiceProvider, await app.Desk.ActorAsync(scope, username));
    }

    private static Task<Result<CockpitView>> CockpitAsync(DubanFactory app, string username) =>
        AsAsync(app, username, (s, a) => s.GetRequiredService<CockpitQueries>().ReadAsync(a, default));

    [Fact]
    public async Task Cockpit_CountsTodayAndThePeriodByCounty_AndItsRedAreTheLightsBoards()
    {
        await using var app = DubanFactory.StartingAt(At(11, 18));
        await app.InitializeAsync();
        var before = (await CockpitAsync(app, "leader")).Value!;

        var dispatcher = app.Desk.Dispatcher;
        await dispatcher.Register(NewMatter.Plain("横陂镇今早路灯不亮", Hengbei, "城市管理").ReceivedOn(At(11, 18, 8)));
        await dispatcher.Register(NewMatter.Plain("横陂镇前天路面积水", Hengbei, "城市管理").ReceivedOn(At(11, 16)));
        var after = (await CockpitAsync(app, "leader")).Value!;

        // Every county of the city, by its code; 恩平市 has one more today and two more this month.
        Assert.Equal(["440703", "440704", "440705", "440781", "440783", "440784", "440785"], after.Counties.Select(c => c.Code));
        var (was, now) = (before.Counties.Single(c => c.Code == "440785"), after.Counties.Single(c => c.Code == "440785"));
        Assert.Equal("恩平市", now.Name);
        Assert.Equal((1, 2), (now.Today - was.Today, now.Received - was.Received));
        Assert.Equal(1, after.TodayTotal - before.TodayTotal);
        Assert.Equal("2026-11", after.Period.Name);

        // The red count and each county's red are the lights board's.
        var lights = (await AsAsync(app, "leader", (s, a) => s.GetRequiredService<SupervisionQueries>().LightsAsync("county", a, default))).Value!;
        Assert.Equal(lights.All.Red, after.Lights.Red);
        foreach (var county in after.Counties)
            Assert.Equal(lights.Rows.FirstOrDefault(r => r.Code == county.Code)?.Red ?? 0, county.Red);
        Assert.True(after.RedMatters.Count <= CockpitQueries.RedShown);
        // Best and worst: ranked departments, never the same one twice.
        Assert.Empty(after.Best.Select(b => b.Code).Intersect(after.Worst.Select(w => w.Code)));
        Assert.True(after.Best.Zip(after.Best.Skip(1)).All(p => p.First.Score >= p.Second.Score));

        // A handler reads no cockpit.
        Assert.Equal(403, (await CockpitAsync(app, "h-" + Hengbei)).Error!.Status);
    }

    [Fact]
    public async Task CockpitPage_ForTheLeader_ReloadsItself_EveryCountyInItsTable_AHandlerIsRefused()
    {
        var leader = await PageForms.SignedInAsync(factory, "leader");
        Assert.Contains("href=\"/console/cockpit\"", await leader.GetStringAsync("/console"), StringComparison.Ordinal);
        var page = WebUtility.HtmlDecode(await leader.GetStringAsync("/console/cockpit?figure=red"));
        // It reloads itself every 60 s by its script (data-refresh), never by a meta refresh (axe-core: critical, WCAG 2.2.1).
        Assert.Contains("data-refresh=\"60\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("http-equiv=\"refresh\"", page, StringComparison.Ordinal);
        Assert.Equal(7, CountyRow().Count(page));
        // The map's data: the figure picked, a value for each county by its code.
        Assert.Contains("\"figure\":\"red\"", page, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"440781\"", page, StringComparison.Ordinal);
        // A figure not offered falls back to the score.
        Assert.Contains("\"figure\":\"score\"", await leader.GetStringAsync("/console/cockpit?figure=nonsense"), StringComparison.Ordinal);

        var handler = await PageForms.SignedInAsync(factory, "h-440781115");
        Assert.DoesNotContain("href=\"/console/cockpit\"", await handler.GetStringAsync("/console"), StringComparison.Ordinal);
        var refused = await handler.GetAsync("/console/cockpit");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain("cockpit-data", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The cockpit's sources by light come from one grouped count (SourceQueries.CountByLightAsync) where they came from three
    /// filtered lists: the figures are the lists' totals still, for every reader (a unit counting only its own items' light),
    /// and the red ones shown are the red list's first page.
    /// </summary>
    [Fact]
    public async Task CockpitSources_OneCountByLight_SaysWhatTheThreeFilteredListsSaid()
    {
        await using var app = DubanFactory.StartingAt(At(11, 2));
        await app.InitializeAsync();
        var supervisor = app.Desk.Supervisor;
        string Day(int days) => Sources.NewSource.Day(app, days);
        // Red (an item falls overdue), green (signed for, far off), and one whose red item is another unit's.
        await Sources.NewSource.Create(supervisor, new
        {
            type = "meeting",
            title = "常务会议议定事项",
            ownerUnitCode = "4407-dcs",
            items = new[] { Sources.NewSource.Item("短期任务", "4407-gxj", Day(1)), Sources.NewSource.Item("长期任务", "4407-fgj", Day(200)) },
        });
        var calm = await Sources.NewSource.Create(supervisor, new
        {
            type = "meeting",
            title = "工作会议议定事项",
            ownerUnitCode = "4407-dcs",
            items = new[] { Sources.NewSource.Item("长期任务", "4407-fgj", Day(200)) },
        });
        await app.Desk.Handler("4407-fgj").Do((long)calm["matters"]![0]!, "accept");
        app.Desk.MoveTo(app.Clock.GetUtcNow().AddDays(5));

        foreach (var user in new[] { "leader", "supervisor", "dispatcher", "h-4407-fgj", "h-4407-gxj" })
        {
            var (counts, red, yellow, green) = await AsAsync(app, user, async (s, a) =>
            {
                var sources = s.GetRequiredService<SourceQueries>();
                async Task<SourceList> Lit(string light, int size) => (await sources.ListAsync(null, null, light, 1, size, a, default)).Value!;
                return (await sources.CountByLightAsync(a, default), await Lit(Light.Red, CockpitQueries.RedShown), await Lit(Light.Yellow, 1), await Lit(Light.Green, 1));
            });
            Assert.Equal((red.Total, yellow.Total, green.Total), (counts.Red, counts.Yellow, counts.Green));
            if (user is "leader" or "supervisor")
            {
                Assert.True(red.Total > 0 && green.Total > 0, $"{user}: the scene has a red and a green source");
                var cockpit = (await CockpitAsync(app, user)).Value!.Sources;
                Assert.Equal((red.Total, yellow.Total, green.Total), (cockpit.Red, cockpit.Yellow, cockpit.Green));
                Assert.Equal(red.Items.Select(i => i.Id), cockpit.RedOnes.Select(i => i.Id));
            }
        }
    }

    [GeneratedRegex("<tr data-county=\"4407\\d\\d\">")]
    private static partial Regex CountyRow();
}
