using System.Net;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Web;

/// <summary>
/// The pages' doors: their forms limited like the API's (reading is not), a limited page answered
/// as a page, the security headers, and redirects that stay on the site and never fail.
/// </summary>
public sealed class WebDoorTests
{
    private static async Task<DubanFactory> StartAsync(int perMinute)
    {
        var app = new DubanFactory();
        app.Settings["Duban:RateLimits:PublicPerMinute"] = perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
        app.Settings["Duban:RateLimits:LoginPerMinute"] = perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
        app.Settings["Duban:Demo:Matters"] = "false";
        await app.InitializeAsync();
        return app;
    }

    private static HttpClient Browser(DubanFactory app) =>
        app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    [Theory]
    [InlineData("/")]
    [InlineData("/track")]
    [InlineData("/console/login")]
    public async Task Forms_AreLimitedLikeTheApi_ReadingIsNot_AndALimitedPageIsAPage(string path)
    {
        await using var app = await StartAsync(perMinute: 3);
        var client = Browser(app);
        for (var i = 0; i < 6; i++) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
        for (var i = 0; i < 3; i++)
        {
            var form = await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "y" }));
            Assert.NotEqual(HttpStatusCode.TooManyRequests, form.StatusCode);
        }
        var limited = await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "y" }));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("text/html", limited.Content.Headers.ContentType?.MediaType);
        Assert.Contains("请求过于频繁", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Reading still works, and the API's own login has its own count.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Pages_CarrySecurityHeaders_TheApiItsOwn()
    {
        await using var app = await StartAsync(perMinute: 1000);
        var client = Browser(app);
        var page = await client.GetAsync("/");
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("form-action 'self'", csp, StringComparison.Ordinal);
        var api = await client.GetAsync("/api/v1/geo/resolve?q=" + Uri.EscapeDataString("台山市川岛镇"));
        Assert.Equal("nosniff", api.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.False(api.Headers.Contains("Content-Security-Policy"));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("false", false)]
    public async Task SignInPage_NamesTheDemoAccountsOnlyWhereTheDemoIsLoaded_NeverThePassword(string? seed, bool shown)
    {
        var app = new DubanFactory();
        app.Settings["Duban:Demo:Matters"] = "false";
        if (seed is not null) app.Settings["Duban:Demo:Seed"] = seed;
        await using (app)
        {
            await app.InitializeAsync();
            var html = await Browser(app).GetStringAsync("/console/login");
            Assert.Equal(shown, html.Contains("data-testid=\"demo-accounts\"", StringComparison.Ordinal));
            Assert.Equal(shown, html.Contains("h-440781115", StringComparison.Ordinal));
            Assert.DoesNotContain(DubanFactory.Password, html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SignInPage_TellsStaffHowTheirAccountIsNamed_InTheDeploymentsWordsWhereItHasThem()
    {
        var app = new DubanFactory();
        app.Settings["Duban:Demo:Matters"] = "false";
        app.Settings["Duban:Demo:Seed"] = "false";
        await using (app)
        {
            await app.InitializeAsync();
            var html = WebUtility.HtmlDecode(await Browser(app).GetStringAsync("/console/login"));
            Assert.Contains("一般为“h-单位代码”", html, StringComparison.Ordinal);
            // The hint is the username field's description, read with it by a screen reader.
            Assert.Matches("id=\"username\"[^>]*aria-describedby=\"username-hint", html);
        }
        var configured = new DubanFactory();
        configured.Settings["Duban:Demo:Matters"] = "false";
        configured.Settings["Duban:Auth:AccountHint"] = "账号为本人工号，如 jm0001。";
        configured.Settings["Duban:Auth:AccountHintEn"] = "Your account is your staff number, e.g. jm0001.";
        await using (configured)
        {
            await configured.InitializeAsync();
            var client = Browser(configured);
            var html = WebUtility.HtmlDecode(await client.GetStringAsync("/console/login"));
            Assert.Contains("账号为本人工号，如 jm0001。", html, StringComparison.Ordinal);
            Assert.DoesNotContain("h-单位代码", html, StringComparison.Ordinal);
            await client.GetAsync("/culture?lang=en-US&returnUrl=/console/login");
            Assert.Contains("Your account is your staff number, e.g. jm0001.", await client.GetStringAsync("/console/login"), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/%09/evil.com")]
    [InlineData("%2F%0D%0ASet-Cookie:x=y")]
    [InlineData("/%E2%80%A8x")]
    [InlineData("//evil.com")]
    [InlineData("/\\evil.com")]
    [InlineData("https://evil.com")]
    public async Task TheLanguageSwitch_RedirectsOnlyOnTheSite_AndNeverFails(string returnUrl)
    {
        await using var app = await StartAsync(perMinute: 1000);
        var response = await Browser(app).GetAsync("/culture?lang=en-US&returnUrl=" + returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }
}
