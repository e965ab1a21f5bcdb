using System.Net;
using Duban.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// Two people at once: a page drawn before someone else acted never acts on a matter it did not
/// show (the version the page showed goes with the form), and a form for a matter that moved on is
/// answered with the reason, not a bare 400; a matter one may not see looks exactly like a missing one.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class StalePageTests(BrowserApp web)
{
    /// <summary>Potholes in 略尾村 (川岛镇), no raiser named.</summary>
    private static NewMatter Pothole(string title) =>
        new NewMatter("complaint", title, "下川岛略尾村村道有多处坑洼，下雨积水。").At("台山市川岛镇下川岛略尾村").In("440781115");

    [Fact]
    public async Task AStaleMatterPage_DoesNotDispatchWhatChangedMeanwhile_AndSaysWhy()
    {
        var api = await web.App.As("dispatcher");
        var id = await api.Register(Pothole("村道坑洼 陈旧页面 " + Guid.NewGuid().ToString("N")[..6]));
        var page = await web.SignedInAsync("dispatcher");
        await page.GotoAsync($"/console/matters/{id}");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "采纳建议派单" })).ToBeVisibleAsync();

        // Meanwhile the supervisor dispatches it and the unit returns it, with a reason the page never showed.
        await (await web.App.As("supervisor")).Do(id, "dispatch", new { leadUnitCode = "440781-zjj" }, reader: api);
        await (await web.App.As("h-440781-zjj")).Do(id, "return", new { reason = "村道属镇政府管养，不属于本局职责" }, reader: api);
        var version = await api.Version(id);

        await page.GetByRole(AriaRole.Button, new() { Name = "采纳建议派单" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).First).ToContainTextAsync("刷新");
        var matter = await api.Get(id);
        Assert.Equal(("returned", version), ((string?)matter["status"], (int)matter["version"]!));
    }

    [Fact]
    public async Task AQueueItemTakenByAnother_IsAnsweredAsSuch_NotABare400()
    {
        var api = await web.App.As("dispatcher");
        var title = "村道坑洼 两人派单 " + Guid.NewGuid().ToString("N")[..6];
        var id = await api.Register(Pothole(title));
        var number = (string)(await api.Get(id))["number"]!;
        var page = await web.SignedInAsync("dispatcher");
        await page.GotoAsync("/console/queue");
        var item = page.GetByTestId("queue-" + number);
        await Assertions.Expect(item).ToBeVisibleAsync();

        await (await web.App.As("supervisor")).Do(id, "dispatch", new { leadUnitCode = "440781115" }, reader: api);

        var response = await page.RunAndWaitForResponseAsync(
            () => item.GetByRole(AriaRole.Button, new() { Name = "采纳" }).ClickAsync(),
            r => r.Url.Contains("/console/queue", StringComparison.Ordinal) && r.Request.Method == "POST");
        Assert.Equal((int)HttpStatusCode.OK, response.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).First).ToContainTextAsync("已由他人处理");
        Assert.Equal("440781115", (string?)(await api.Get(id))["leadUnit"]!["code"]);
    }

    [Fact]
    public async Task AMatterOutOfSight_LooksExactlyLikeAMissingOne()
    {
        var api = await web.App.As("dispatcher");
        var id = await api.Register(Pothole("村道坑洼 看不见 " + Guid.NewGuid().ToString("N")[..6]));
        var page = await web.SignedInAsync("h-440785100");
        var hidden = await page.GotoAsync($"/console/matters/{id}");
        var hiddenText = await page.Locator("main").InnerTextAsync();
        var missing = await page.GotoAsync("/console/matters/999999999");
        var missingText = await page.Locator("main").InnerTextAsync();
        Assert.Equal(hidden!.Status, missing!.Status);
        Assert.Contains("事项不存在，或您无权查看", hiddenText, StringComparison.Ordinal);
        Assert.Equal(missingText, hiddenText);
    }
}
