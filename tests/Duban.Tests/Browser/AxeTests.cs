using System.Globalization;
using System.Text;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// axe-core (issue 18) on every main page, as each kind of visitor sees it: the public (portal home and report form,
/// receipt, tracking, inspection groups, published proposals, sign-in), the dispatcher (home, queue, matters, the lights
/// board, a matter, dashboard, notifications, sources and a source, proposals, projects, a project and the wall chart, the
/// phone desk, letters and visits, the enterprise lane and a firm), a handler unit, a district's department (home,
/// investment leads and a lead), the supervisor (home, queue, a cooperation agreement), the leader (home, cockpit), the
/// proposals office (home, duties, the assignment meeting, social opinion, consultations) and the administrator (home,
/// admin, users, units, rounds, calendar, catalogue, policies): in zh-CN and en-US, each at 360 px and at 1920×1080,
/// with no serious or critical violation. One signed-in page per visitor and one load per page and
/// language (the width changes on the loaded page), so the whole runs in a few browser sessions.
/// axe-core comes from npm, for the tests only: tests/axe (test.sh runs npm ci there); missing, the tests fail.
/// With DUBAN_DOCS_SCREENSHOTS=1 the same journeys write each main screen at 360 px and at 1920×1080 into
/// docs/screenshots/ (zh-CN, the README's pictures) and docs/screenshots/en-US/ (the same in English); nothing is
/// asserted about them.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class AxeTests(BrowserApp web)
{
    private static readonly string[] Languages = ["zh-CN", "en-US"];

    /// <summary>The widths axe checks every page at: a phone and a 1080p screen.</summary>
    private static readonly (string Name, int Width, int Height)[] Screens = [("360", 360, 780), ("1080p", 1920, 1080)];

    /// <summary>
    /// axe.run on the document (every rule axe runs by default: WCAG 2.x A and AA, best practices): the number of rules
    /// passed (none: axe did not run), then the serious and critical violations, each with its first targets.
    /// </summary>
    private const string Run = """
        async () => {
          const result = await axe.run(document, { resultTypes: ['violations'] });
          return [String(result.passes.length), ...result.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.impact} ${v.id} (${v.help}): ` + v.nodes.slice(0, 6).map(n => n.target.join(' ')).join(' | ')
              + (v.nodes.length > 6 ? ` … and ${v.nodes.length - 6} more` : ''))];
        }
        """;

    /// <summary>Two frames: the resize a new width fires has been handled (duban.js's scrolling tables) before axe runs.</summary>
    private const string Settle = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))";

    public static readonly TheoryData<string> Visitors = new()
    {
        "public", "dispatcher", "h-440781115", LeadDistrict, "supervisor", "leader", "cppcc-office", "admin",
    };

    /// <summary>A district's development and reform bureau (江海区发改局): it posts the demo's investment leads (city accounts have none).</summary>
    private const string LeadDistrict = "h-440704-fgj";

    [Theory]
    [MemberData(nameof(Visitors))]
    public async Task MainPages_BothLanguages_At360AndDesktop_HaveNoSeriousOrCriticalViolation(string visitor)
    {
        var axe = AxeSource();
        var page = visitor == "public" ? await web.NewPageAsync() : await web.SignedInAsync(visitor);
        await page.Context.AddInitScriptAsync(axe);
        var problems = new List<string>();
        var checkedPages = 0;
        foreach (var language in Languages)
        {
            await page.GotoAsync("/culture?lang=" + language + "&returnUrl=%2F");
            if (visitor == "public")
            {
                await CheckAsync(page, "/", "portal-report", language, problems);
                // The receipt: a report filed on the form just checked.
                await page.Locator("input[name=kind][value=complaint]").CheckAsync();
                await page.Locator("#title").FillAsync("路灯不亮");
                await page.Locator("#content").FillAsync("蓬江区白沙大道西的路灯一周不亮。");
                await page.Locator("input[name=anonymous]").CheckAsync();
                await page.Locator("form.form button[type=submit]").ClickAsync();
                var receipt = (await page.GetByTestId("receipt").InnerTextAsync()).Trim();
                var code = (await page.GetByTestId("query-code").InnerTextAsync()).Trim();
                await CheckAsync(page, null, "portal-receipt", language, problems);
                // Tracking: the form, then the report it finds.
                await page.GotoAsync("/track?receipt=" + receipt);
                await page.Locator("#code").FillAsync(code);
                await page.Locator("form.form button[type=submit]").ClickAsync();
                await page.Locator(".timeline").WaitForAsync();
                await CheckAsync(page, null, "portal-track", language, problems);
                await CheckAsync(page, "/inspection", "portal-inspection", language, problems);
                await CheckAsync(page, "/proposals", "portal-proposals", language, problems);
                await CheckAsync(page, "/console/login", "console-login", language, problems);
                checkedPages += 6;
                continue;
            }
            foreach (var (path, name) in await PagesOfAsync(visitor))
            {
                await CheckAsync(page, path, name, language, problems);
                checkedPages++;
            }
        }
        Assert.True(checkedPages >= 2, $"{visitor}: no page was checked");
        Assert.True(problems.Count == 0, $"axe-core found serious or critical violations for {visitor}:\n" + string.Join("\n", problems));
    }

    /// <summary>
    /// The main pages a visitor opens, each with the name of its screenshot in docs/ (null: the same screen as another's,
    /// not shot again); a visitor's home is its own.
    /// </summary>
    private async Task<IReadOnlyList<(string Path, string? Name)>> PagesOfAsync(string visitor) => visitor switch
    {
        "dispatcher" =>
        [
            ("/console", "console-home"), ("/console/queue", "console-queue"), ("/console/matters", "console-matters"),
            ("/console/matters?light=red", "console-lights"), ("/console/matters/" + await MatterAsync(), "console-matter"),
            ("/console/dashboard", "console-dashboard"), ("/console/notifications", null),
            ("/console/proposals", "console-proposals"), ("/console/calls/new", "console-calls"),
            ("/console/letters/new", "console-letters"), ("/console/enterprises", "console-enterprises"),
            ("/console/enterprises/" + await FirmAsync(), "console-enterprise"),
        ],
        "h-440781115" => [("/console", "console-home-handler"), ("/console/notifications", "console-notifications-handler")],
        LeadDistrict => [("/console", null), ("/console/leads", "console-leads"), ("/console/leads/" + await LeadAsync(), "console-lead")],
        // The sources and the key projects are the supervision office's (督查室) to see whole; the 12345 centre sees none of them.
        "supervisor" =>
        [
            ("/console", null), ("/console/queue", null), ("/console/agreements/" + await AgreementAsync(), "console-agreement"),
            ("/console/sources", "console-sources"), ("/console/sources/" + await SourceAsync(), "console-source"),
            ("/console/projects", "console-projects"), ("/console/projects/" + await ProjectAsync(), "console-project"),
            ("/console/projects/wall", "console-projects-wall"),
        ],
        "leader" => [("/console", null), ("/console/cockpit", "console-cockpit")],
        "cppcc-office" =>
        [
            ("/console", "console-home-office"), ("/console/duties", "console-duties"), ("/console/proposals/meeting", null),
            ("/console/opinions", "console-opinions"), ("/console/consultations", null),
        ],
        "admin" =>
        [
            ("/console", null), ("/console/admin", "console-admin"), ("/console/admin/users", null), ("/console/admin/units", null),
            ("/console/admin/rounds", null), ("/console/admin/calendar", null), ("/console/admin/catalogue", null), ("/console/admin/policies", null),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(visitor), visitor, null),
    };

    /// <summary>A demo matter with a lead unit, under 重点督办 if one is: the fullest matter page.</summary>
    private async Task<string> MatterAsync()
    {
        await using var scope = web.App.Scope();
        var id = await web.App.Db(scope).Matters.Where(m => m.LeadUnitCode != null && !m.Confidential)
            .OrderByDescending(m => m.KeySupervision).ThenBy(m => m.Id).Select(m => m.Id).FirstAsync();
        return id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The source with the most items that is no project nor agreement (their own pages are checked apart).</summary>
    private async Task<string> SourceAsync()
    {
        await using var scope = web.App.Scope();
        var db = web.App.Db(scope);
        var id = await db.Set<Duban.Features.Sources.SourceItem>()
            .Join(db.Set<Duban.Features.Sources.Source>().Where(s => s.Type != "project" && s.Type != "agreement"), i => i.SourceId, s => s.Id, (i, s) => i.SourceId)
            .GroupBy(id => id).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => g.Key).FirstAsync();
        return id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A key project of the demo's ledger (a source of type project), the first recorded.</summary>
    private async Task<string> ProjectAsync()
    {
        await using var scope = web.App.Scope();
        var id = await web.App.Db(scope).Set<Duban.Features.Sources.Source>().Where(s => s.Type == "project").OrderBy(s => s.Id).Select(s => s.Id).FirstAsync();
        return id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A firm of the enterprise lane's demo (its credit code), one of the top 200 if any.</summary>
    private async Task<string> FirmAsync()
    {
        await using var scope = web.App.Scope();
        return await web.App.Db(scope).Set<Duban.Features.Enterprises.Enterprise>()
            .OrderByDescending(e => e.Top200).ThenBy(e => e.CreditCode).Select(e => e.CreditCode).FirstAsync();
    }

    /// <summary>The newest investment lead the district of <see cref="LeadDistrict"/> posted.</summary>
    private async Task<string> LeadAsync()
    {
        await using var scope = web.App.Scope();
        var id = await web.App.Db(scope).Set<Duban.Features.Leads.Lead>().Where(l => l.DistrictCode == "440704").MaxAsync(l => l.Id);
        return id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The demo's first cooperation agreement (its source's id).</summary>
    private async Task<string> AgreementAsync()
    {
        await using var scope = web.App.Scope();
        var id = await web.App.Db(scope).Set<Duban.Features.Agreements.Agreement>().MinAsync(a => a.SourceId);
        return id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Opens <paramref name="path"/> (null: the page as it is), then runs axe at each width; in the docs mode, shoots it.</summary>
    private async Task CheckAsync(IPage page, string? path, string? name, string language, List<string> problems)
    {
        if (path is not null)
        {
            var response = await page.GotoAsync(path);
            if (response is null || response.Status != 200)
            {
                problems.Add($"{path} [{language}]: HTTP {response?.Status}");
                return;
            }
        }
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var lang = await page.EvaluateAsync<string>("() => document.documentElement.lang");
        if (lang != language) problems.Add($"{path ?? name} [{language}]: <html lang=\"{lang}\">");
        foreach (var (screen, width, height) in Screens)
        {
            await page.SetViewportSizeAsync(width, height);
            await page.EvaluateAsync<bool>(Settle);
            if (await page.Locator("[data-map]").CountAsync() > 0)
                await page.Locator("[data-map][data-drawn=true] svg").WaitForAsync();
            var found = await page.EvaluateAsync<string[]>(Run);
            if (int.Parse(found[0], CultureInfo.InvariantCulture) == 0) problems.Add($"{path ?? name} [{language}, {screen}]: axe-core passed no rule (did it run?)");
            foreach (var violation in found.Skip(1))
                problems.Add($"{path ?? name} [{language}, {screen}]: {violation}");
            if (Docs && name is not null) await DocsShotAsync(page, language, name + "-" + screen, width, height);
        }
    }

    /// <summary>DUBAN_DOCS_SCREENSHOTS=1: the screens are written into docs/screenshots/ (the README's; en-US/ for English).</summary>
    private static bool Docs => Environment.GetEnvironmentVariable("DUBAN_DOCS_SCREENSHOTS") is "1" or "true";

    /// <summary>
    /// The top of the page as a person first sees it, whatever it scrolled to (the queue focuses its first row): at
    /// 1920×1080 one screen, on a phone at most three screens (a long list is not worth a megabyte). Made smaller by
    /// pngquant where it is installed (apt-get install pngquant), which keeps the pictures readable at a third of the bytes.
    /// </summary>
    private static async Task DocsShotAsync(IPage page, string language, string name, int width, int height)
    {
        var folder = language == "zh-CN" ? Path.Combine(Root(), "docs", "screenshots") : Path.Combine(Root(), "docs", "screenshots", language);
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, name + ".png");
        var full = await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight");
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = file,
            FullPage = true,
            Clip = new Clip { X = 0, Y = 0, Width = width, Height = Math.Min(full, width < 800 ? height * 3 : height) },
        });
        if (File.Exists("/usr/bin/pngquant"))
        {
            using var quantize = System.Diagnostics.Process.Start("/usr/bin/pngquant", ["--quality=70-95", "--strip", "--force", "--ext", ".png", file]);
            await quantize.WaitForExitAsync();
        }
    }

    /// <summary>axe.min.js from tests/axe/node_modules (DUBAN_TEST_AXE names another): missing, the test fails.</summary>
    private static string AxeSource()
    {
        var path = Environment.GetEnvironmentVariable("DUBAN_TEST_AXE") is { Length: > 0 } p
            ? p
            : Path.Combine(Root(), "tests", "axe", "node_modules", "axe-core", "axe.min.js");
        Assert.True(File.Exists(path), $"axe-core is not installed at {path}: run `npm ci` in tests/axe (test.sh does)");
        return File.ReadAllText(path, Encoding.UTF8);
    }

    private static string Root()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Duban.slnx"))) root = root.Parent;
        return root?.FullName ?? throw new InvalidOperationException("the repository's root (Duban.slnx) is not above " + AppContext.BaseDirectory);
    }
}
