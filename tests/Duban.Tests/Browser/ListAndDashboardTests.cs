using Duban.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// A supervisor's lists and dashboard through the pages: filters by light and status, the filtered
/// list downloaded as XLSX, and the dashboard's counts, charts and ranking.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class ListAndDashboardTests(BrowserApp web)
{
    private sealed record Scene(string Marker, string Fresh, string Late, string Dispatched);

    /// <summary>Under one marker, three petitions: received just now (green), received a month ago and never accepted (red), and dispatched (running, green).</summary>
    private async Task<Scene> SceneAsync()
    {
        var marker = "列表" + Guid.NewGuid().ToString("N")[..6];
        // A petition (信访) is to be accepted within 15 days of receipt (data/supervision/policies.json): its light runs from then.
        MatterBuilder Petition(string title, DateTimeOffset? receivedAt = null) =>
            web.App.Desk.Matter(NewMatter.Plain($"{marker} {title}", "440781115", "城市管理").OfKind("petition").ReceivedOn(receivedAt));
        var fresh = await Petition("川岛镇码头路灯不亮").MakeAsync();
        var late = await Petition("川岛镇市场占道经营", web.App.Clock.GetUtcNow().AddDays(-30)).MakeAsync();
        var running = await Petition("川岛镇渡口垃圾无人清运").Lead("440781115").MakeAsync("dispatched");
        return new Scene(marker, fresh.Number, late.Number, running.Number);
    }

    private static async Task<string[]> Rows(IPage page)
    {
        var numbers = await page.Locator("[data-testid=matters] tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.number)");
        return [.. numbers.Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task Supervisor_FiltersByLightAndStatus_AndExportsTheList()
    {
        var s = await SceneAsync();
        var page = await web.SignedInAsync("supervisor");
        await page.GetByRole(AriaRole.Link, new() { Name = "事项", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/console/matters");

        await page.GetByLabel("关键词").FillAsync(s.Marker);
        await page.GetByRole(AriaRole.Button, new() { Name = "筛选", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("total")).ToHaveTextAsync("3");

        // Red and received: the one never accepted.
        await page.GetByLabel("状态").SelectOptionAsync("received");
        await page.GetByLabel("亮灯").SelectOptionAsync("red");
        await page.GetByRole(AriaRole.Button, new() { Name = "筛选", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("total")).ToHaveTextAsync("1");
        Assert.Equal([s.Late], await Rows(page));
        var row = page.Locator($"tr[data-number='{s.Late}']");
        await Assertions.Expect(row).ToContainTextAsync("红灯");
        await Assertions.Expect(row).ToContainTextAsync("已受理");
        // The filter stays in the form and in the address.
        Assert.Equal("red", await page.GetByLabel("亮灯").InputValueAsync());
        Assert.Contains("light=red", page.Url, StringComparison.Ordinal);

        // Green: the fresh one while received, the dispatched one while dispatched.
        await page.GetByLabel("亮灯").SelectOptionAsync("green");
        await page.GetByRole(AriaRole.Button, new() { Name = "筛选", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("total")).ToHaveTextAsync("1");
        Assert.Equal([s.Fresh], await Rows(page));
        await page.GetByLabel("状态").SelectOptionAsync("dispatched");
        await page.GetByRole(AriaRole.Button, new() { Name = "筛选", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("total")).ToHaveTextAsync("1");
        Assert.Equal([s.Dispatched], await Rows(page));
        await Assertions.Expect(page.Locator($"tr[data-number='{s.Dispatched}']")).ToContainTextAsync("台山市川岛镇人民政府");
        await web.ShotAsync(page, "console-matters-filtered");

        // The filtered list (all green ones under the marker) downloaded as XLSX.
        await page.GetByLabel("状态").SelectOptionAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "筛选", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("total")).ToHaveTextAsync("2");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export").ClickAsync());
        Assert.EndsWith(".xlsx", download.SuggestedFilename, StringComparison.Ordinal);
        var path = await download.PathAsync();
        var rows = Sheets.Rows(await File.ReadAllBytesAsync(path), "事项");
        Assert.Equal(["编号", "标题", "状态", "亮灯"], rows[0][..4]);
        Assert.Equal([s.Fresh, s.Dispatched], rows.Skip(1).Select(r => r[0]).Order(StringComparer.Ordinal));
        var dispatched = rows.Single(r => r[0] == s.Dispatched);
        Assert.Equal("已交办", dispatched[2]);
        Assert.Equal("绿灯", dispatched[3]);
        Assert.Equal("台山市川岛镇人民政府", dispatched[7]);
    }

    [Fact]
    public async Task HomeBox_LinksToTheListWithItsFilter()
    {
        var page = await web.SignedInAsync("supervisor");
        await page.GetByTestId("box-waiting").GetByRole(AriaRole.Link).First.ClickAsync();
        await page.WaitForURLAsync("**/console/matters?status=received");
        Assert.Equal("received", await page.GetByLabel("状态").InputValueAsync());
    }

    [Fact]
    public async Task Supervisor_Dashboard_ShowsCountsChartsAndRanking()
    {
        await SceneAsync();
        var supervisor = await web.App.As("supervisor");
        // The statuses count the matters received in the period (this month by default), as the list filtered by those dates does.
        var today = Duban.Common.Clock.ChinaDate(web.App.Clock.GetUtcNow());
        var (first, last) = (new DateOnly(today.Year, today.Month, 1), new DateOnly(today.Year, today.Month, 1).AddMonths(1).AddDays(-1));
        var received = (int)(await supervisor.GetAsync($"/api/v1/matters?status=received&pageSize=1&from={first:yyyy-MM-dd}&to={last:yyyy-MM-dd}").Ok())["total"]!;
        var red = (int)(await supervisor.GetAsync("/api/v1/supervision/lights?by=county").Ok())["all"]!["red"]!;

        var page = await web.SignedInAsync("supervisor");
        await page.GetByRole(AriaRole.Link, new() { Name = "统计分析" }).ClickAsync();
        await page.WaitForURLAsync("**/console/dashboard");
        await Assertions.Expect(page.Locator("[data-testid=status-counts] tr[data-status=received] td")).ToHaveTextAsync(received.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("[data-testid=light-counts] tr[data-light=red] td")).ToHaveTextAsync(red.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // The charts are drawn (ECharts, SVG) from the data in the page.
        foreach (var chart in new[] { "status", "lights", "trend", "counties" })
        {
            await Assertions.Expect(page.Locator($"[data-chart={chart}][data-drawn=true] svg")).ToHaveCountAsync(1);
        }
        // The trend's table has its twelve months, the last this month holding this scene's matters.
        await Assertions.Expect(page.Locator("[data-testid=trend] tbody tr")).ToHaveCountAsync(12);
        Assert.True(int.Parse(await page.Locator("[data-testid=trend] tbody tr").Last.Locator("td").First.InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture) >= 2);

        // The ranking of the counties for the period, and the breakdown with 台山市 in it.
        await Assertions.Expect(page.GetByTestId("ranking")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("ranking").Locator("thead")).ToContainTextAsync("综合得分");
        await Assertions.Expect(page.GetByTestId("counties")).ToContainTextAsync("台山市");
        await Assertions.Expect(page.GetByTestId("towns")).ToContainTextAsync("川岛镇");
        // Every county in the ranking; those with too few matters say so, unranked.
        await Assertions.Expect(page.GetByTestId("ranking").Locator("tbody tr")).ToHaveCountAsync(7);
        await Assertions.Expect(page.GetByTestId("minimum-matters")).ToContainTextAsync("5");
        await web.ShotAsync(page, "console-dashboard");

        // The period picker: a quarter, then months from–to; the page reads the period picked.
        await page.GetByLabel("期间类型", new() { Exact = true }).SelectOptionAsync("quarter");
        await Assertions.Expect(page.GetByLabel("月份", new() { Exact = true })).ToBeHiddenAsync();
        var quarter = $"{today.Year}-Q{(today.Month + 2) / 3}";
        await page.GetByLabel("季度", new() { Exact = true }).SelectOptionAsync(quarter);
        await page.GetByRole(AriaRole.Button, new() { Name = "查看" }).ClickAsync();
        await page.WaitForURLAsync("**pk=quarter**");
        await Assertions.Expect(page.Locator(".lead")).ToContainTextAsync(quarter);
        await page.GetByLabel("期间类型", new() { Exact = true }).SelectOptionAsync("custom");
        await page.GetByLabel("起始月份", new() { Exact = true }).FillAsync($"{today.Year - 1}-12");
        await page.GetByLabel("截止月份", new() { Exact = true }).FillAsync($"{today:yyyy-MM}");
        await page.GetByRole(AriaRole.Button, new() { Name = "查看" }).ClickAsync();
        await page.WaitForURLAsync("**pk=custom**");
        await Assertions.Expect(page.Locator(".lead")).ToContainTextAsync($"{today.Year - 1}-12..{today:yyyy-MM}");
        await web.ShotAsync(page, "console-dashboard-custom-period");

        // On a 1080p projector.
        await page.SetViewportSizeAsync(1920, 1080);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-chart=trend][data-drawn=true] svg")).ToHaveCountAsync(1);
        await web.ShotAsync(page, "console-dashboard-1080p");
    }
}
