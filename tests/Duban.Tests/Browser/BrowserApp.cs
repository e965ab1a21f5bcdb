using System.Net;
using Duban.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// Duban really listening on 127.0.0.1 (a free port), on the test database (SQLite, or PostgreSQL
/// under test.sh), driven by Debian's Chromium through Playwright. Playwright never downloads a
/// browser: DUBAN_TEST_CHROMIUM, else /usr/bin/chromium. Screenshots go to DUBAN_TEST_SCREENSHOTS,
/// else TestResults/screenshots/&lt;provider&gt;/ at the repository's root.
/// </summary>
public sealed partial class BrowserApp : IAsyncLifetime
{
    public DubanFactory App { get; } = new();
    public Uri BaseAddress { get; private set; } = null!;
    public string Screenshots { get; } = ScreenshotFolder();
    private IPlaywright? playwright;
    private IBrowser? browser;

    public async Task InitializeAsync()
    {
        App.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        await App.CreateDatabaseAsync();
        App.StartServer();
        var addresses = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.First());
        // The first page a server renders pays for its start (compiling the components, the first queries):
        // paid here, once, rather than inside the first test's 30-second waits on a loaded machine.
        using (var warm = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) })
        {
            (await warm.GetAsync("/console/login")).EnsureSuccessStatusCode();
        }
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("DUBAN_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,
        });
        Directory.CreateDirectory(Screenshots);
    }

    /// <summary>A fresh browser context (its own cookies): one person at one device. 360 px wide when <paramref name="phone"/>.</summary>
    public async Task<IPage> NewPageAsync(bool phone = false)
    {
        var context = await browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = phone ? new ViewportSize { Width = 360, Height = 780 } : new ViewportSize { Width = 1366, Height = 900 },
            Locale = "zh-CN",
        });
        var page = await context.NewPageAsync();
        // Generous: CI's two cores also run the server and the database; a wait that needs more is a hang.
        page.SetDefaultTimeout(30_000);
        return page;
    }

    /// <summary>Signs in on the console's sign-in page, as a person does.</summary>
    public async Task<IPage> SignedInAsync(string username)
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/console");
        await page.GetByLabel("用户名").FillAsync(username);
        await page.GetByLabel("密码").FillAsync(DubanFactory.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        try
        {
            // Reaching the address is enough, and it is polled rather than awaited as a navigation event: on a loaded CI
            // machine the console reached /console but its load event came after the 30 s (2026-12-07), and a wait for the
            // navigation's commit still timed out with the page already at /console (a PostgreSQL pass the same night).
            await Assertions.Expect(page).ToHaveURLAsync(ConsoleHome(), new() { Timeout = 30_000 });
        }
        catch (PlaywrightException e)
        {
            // Seen once in a full run (the sign-in never reached the console): say where it stopped and what the page said.
            throw new TimeoutException($"signing in as {username} did not reach /console: the page is {page.Url}, saying: "
                + await page.Locator("body").InnerTextAsync(new() { Timeout = 5_000 }), e);
        }
        return page;
    }

    [System.Text.RegularExpressions.GeneratedRegex("/console$")]
    private static partial System.Text.RegularExpressions.Regex ConsoleHome();

    public Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
        await App.DisposeAsync();
    }

    private static string ScreenshotFolder()
    {
        if (Environment.GetEnvironmentVariable("DUBAN_TEST_SCREENSHOTS") is { Length: > 0 } dir) return dir;
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Duban.slnx"))) root = root.Parent;
        return Path.Combine(root?.FullName ?? Directory.GetCurrentDirectory(), "TestResults", "screenshots", DubanFactory.Provider);
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserApp>
{
    public const string Name = "browser";
}
