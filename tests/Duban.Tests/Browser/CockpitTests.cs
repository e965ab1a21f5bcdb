using Duban.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// The leader's cockpit in Chromium (issue 18): reached from the navigation, the counties' map drawn from the shipped
/// borders (wwwroot/lib/jiangmen-counties.geo.json) within the CSP, the figure picked, on a 1080p projector and a phone.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class CockpitTests(BrowserApp web)
{
    [Fact]
    public async Task Leader_OpensTheCockpit_TheCountiesMapIsDrawn_AndAnotherFigureIsPicked()
    {
        var red = (int)(await web.App.Desk.Leader.GetAsync("/api/v1/supervision/lights?by=county").Ok())["all"]!["red"]!;
        var page = await web.SignedInAsync("leader");
        var refused = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") refused.Add(m.Text); };
        await page.GetByRole(AriaRole.Link, new() { Name = "领导驾驶舱" }).ClickAsync();
        await page.WaitForURLAsync("**/console/cockpit");
        await Assertions.Expect(page.GetByTestId("tile-red").Locator(".tile-value")).ToHaveTextAsync(red.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.GetByTestId("cockpit-counties").Locator("tbody tr[data-county]")).ToHaveCountAsync(7);

        // The map: seven counties drawn as SVG paths, each labelled with its name.
        var map = page.Locator("[data-map][data-drawn=true] svg");
        await Assertions.Expect(map).ToHaveCountAsync(1);
        Assert.True(await map.Locator("path").CountAsync() >= 7);
        foreach (var county in new[] { "蓬江区", "江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市" })
            await Assertions.Expect(map.GetByText(county, new() { Exact = false }).First).ToBeAttachedAsync();
        Assert.Empty(refused);

        // Another figure: the red matters by county.
        await page.GetByLabel("地图显示").SelectOptionAsync("red");
        await page.GetByRole(AriaRole.Button, new() { Name = "显示", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**figure=red**");
        await Assertions.Expect(page.Locator("#h-map")).ToContainTextAsync("红灯件数");
        await Assertions.Expect(page.Locator("[data-map][data-drawn=true] svg")).ToHaveCountAsync(1);

        await page.SetViewportSizeAsync(1920, 1080);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-map][data-drawn=true] svg")).ToHaveCountAsync(1);
        await web.ShotAsync(page, "console-cockpit-1080p");
        await page.SetViewportSizeAsync(360, 780);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-map][data-drawn=true] svg")).ToHaveCountAsync(1);
        await web.ShotAsync(page, "console-cockpit-360");
    }
}
