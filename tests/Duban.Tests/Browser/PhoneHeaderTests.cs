using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// The public layout on a phone (issue 18): at 390 px the header's links wrapped one character per line (反/映/问/题), a
/// 180 px red block above the form. From 320 px up the header is now one row, the brand and a compact menu, whose links
/// open, read on one line each, and lead where they say; the receipt takes the citizen to the report's progress without
/// typing the receipt or the query code, and the progress names the report and, once dispatched, the unit handling it.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class PhoneHeaderTests(BrowserApp web)
{
    /// <summary>How many lines each link or tool of the open menu takes (one: no word broken across lines).</summary>
    private const string LinesPerItem = """
        () => [...document.querySelectorAll('#site-menu a, #site-menu button')].filter(e => e.offsetParent !== null).map(e => {
          const r = document.createRange(); r.selectNodeContents(e);
          const tops = new Set([...r.getClientRects()].map(c => Math.round(c.top)));
          return e.textContent.trim() + ':' + tops.size;
        })
        """;

    [Theory]
    [InlineData(320)]
    [InlineData(360)]
    public async Task Header_OnAPhone_IsOneLowRow_AndItsMenuOpensAndLeadsWhereItSays(int width)
    {
        var page = await web.NewPageAsync(phone: true);
        await page.SetViewportSizeAsync(width, 780);
        await page.GotoAsync("/");
        var header = page.Locator("header[role=banner]");
        var menu = page.GetByRole(AriaRole.Button, new() { Name = "菜单" });
        await Assertions.Expect(menu).ToBeVisibleAsync();
        await Assertions.Expect(menu).ToHaveAttributeAsync("aria-expanded", "false");
        var height = (await header.BoundingBoxAsync())!.Height;
        Assert.True(height <= 64, $"the header is {height} px high at {width} px");
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= width);
        var track = page.GetByRole(AriaRole.Link, new() { Name = "查询进度" });
        await Assertions.Expect(track).ToBeHiddenAsync();
        await web.ShotAsync(page, $"portal-header-{width}");

        await menu.ClickAsync();
        await Assertions.Expect(menu).ToHaveAttributeAsync("aria-expanded", "true");
        await Assertions.Expect(track).ToBeVisibleAsync();
        var lines = await page.EvaluateAsync<string[]>(LinesPerItem);
        Assert.Contains(lines, l => l.StartsWith("反映问题:", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.EndsWith(":1", l));
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= width);
        await web.ShotAsync(page, $"portal-menu-open-{width}");
        // Escape folds it again, the focus back on the button.
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(menu).ToHaveAttributeAsync("aria-expanded", "false");
        await Assertions.Expect(menu).ToBeFocusedAsync();

        await menu.ClickAsync();
        await track.ClickAsync();
        await page.WaitForURLAsync("**/track");
        Assert.Equal("查询进度", await page.Locator("h1").InnerTextAsync());
    }

    [Fact]
    public async Task Header_OnADesktop_ShowsItsLinks_WithoutAMenuButton()
    {
        var page = await web.NewPageAsync();
        await page.GotoAsync("/");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "菜单" })).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "查询进度" })).ToBeVisibleAsync();
        var height = (await page.Locator("header[role=banner]").BoundingBoxAsync())!.Height;
        Assert.True(height <= 64, $"the header is {height} px high at 1366 px");
    }

    [Fact]
    public async Task Receipt_LeadsToTheProgress_WithNothingTypedTwice_NamingTheReport()
    {
        var page = await web.NewPageAsync(phone: true);
        await page.SetViewportSizeAsync(320, 780);
        await page.GotoAsync("/");
        await page.GetByLabel("投诉").CheckAsync();
        await page.GetByLabel("标题").FillAsync("江海区滘头路口红绿灯不亮");
        await page.GetByLabel("内容").FillAsync("滘头路口的红绿灯已经三天不亮，早晚高峰很危险。");
        await page.GetByLabel("匿名反映").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        var receipt = (await page.GetByTestId("receipt").InnerTextAsync()).Trim();

        // The receipt's own button: the receipt and the query code go with it, posted (never in the address).
        await page.GetByTestId("track-from-receipt").GetByRole(AriaRole.Button, new() { Name = "查询进度" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("track-title")).ToHaveTextAsync("江海区滘头路口红绿灯不亮");
        Assert.DoesNotContain("code", page.Url, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(receipt, (await page.Locator("#status-title").InnerTextAsync()).Trim());
        // Not dispatched yet, or dispatched by the rules at once: a unit's name either way, never a person.
        var unit = (await page.GetByTestId("track-unit").InnerTextAsync()).Trim();
        Assert.DoesNotContain("经办人", unit, StringComparison.Ordinal);
        await web.ShotAsync(page, "portal-track-from-receipt-320");
    }
}
