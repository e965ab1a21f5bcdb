using Microsoft.Playwright;

namespace Duban.Tests.Browser;

[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class PortalTests(BrowserApp web)
{
    [Fact]
    public async Task Portal_RendersInChinese_AndSwitchesToEnglish()
    {
        var page = await web.NewPageAsync();
        var response = await page.GotoAsync("/");
        Assert.Equal(200, response!.Status);
        Assert.Equal("zh-CN", await page.Locator("html").GetAttributeAsync("lang"));
        Assert.Equal("反映问题", await page.Locator("h1").InnerTextAsync());
        await web.ShotAsync(page, "portal-report-zh");

        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();
        await page.WaitForSelectorAsync("html[lang=en-US]");
        Assert.Equal("Report a problem", await page.Locator("h1").InnerTextAsync());
        // The choice sticks (a cookie): the next page is English too, and the switch leads back.
        await page.GotoAsync("/track");
        Assert.Equal("Track a report", await page.Locator("h1").InnerTextAsync());
        await page.GetByRole(AriaRole.Link, new() { Name = "中文" }).ClickAsync();
        await page.WaitForSelectorAsync("html[lang=zh-CN]");
        Assert.Equal("查询进度", await page.Locator("h1").InnerTextAsync());
    }

    [Fact]
    public async Task UnknownPage_Is404InTheLayout_ApiUnknownStaysProblemDetails()
    {
        var page = await web.NewPageAsync();
        var response = await page.GotoAsync("/no-such-page");
        Assert.Equal(404, response!.Status);
        Assert.Equal("页面不存在", await page.Locator("h1").InnerTextAsync());
        Assert.True(await page.Locator("header[role=banner]").IsVisibleAsync());

        var api = await page.APIRequest.GetAsync("/api/v1/no-such-thing");
        Assert.Equal(404, api.Status);
        Assert.StartsWith("application/problem+json", api.Headers["content-type"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_SendsAVisitorToSignIn_AndAWrongPasswordKeepsTheUsername()
    {
        // An account of its own: signing out ends every session of the account (its security stamp), and the
        // other browser tests call the API with the shared deployment's dispatcher.
        var username = "browser-" + Guid.NewGuid().ToString("N")[..8];
        await web.App.Desk.AccountAsync(username, "退出测试", "4407-ddzx", "dispatcher");
        var page = await web.NewPageAsync();
        await page.GotoAsync("/console/queue");
        Assert.Contains("/console/login", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("用户名").FillAsync(username);
        await page.GetByLabel("密码").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await page.WaitForSelectorAsync("[role=alert]");
        Assert.Equal("用户名或密码错误。", (await page.Locator("[role=alert]").InnerTextAsync()).Trim());
        Assert.Equal(username, await page.GetByLabel("用户名").InputValueAsync());

        await page.GetByLabel("密码").FillAsync(Infrastructure.DubanFactory.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        // Back where the visitor was going.
        await page.WaitForURLAsync("**/console/queue");
        Assert.Equal("派单队列", (await page.Locator("h1").InnerTextAsync()).Split(' ', '\n')[0].Trim());
        await page.GetByRole(AriaRole.Button, new() { Name = "退出" }).ClickAsync();
        await page.WaitForURLAsync("**/console/login");
        await page.GotoAsync("/console");
        Assert.Contains("/console/login", page.Url, StringComparison.Ordinal);
    }
}
