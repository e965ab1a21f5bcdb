using System.Text.RegularExpressions;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// Every main page at 360 px in real Chromium: no horizontal scroll, every input, select and textarea
/// with an accessible name, one h1, one main landmark; and in en-US, no Chinese in the page's own
/// words (headings, labels, buttons, column heads, options, captions, hints, aria-labels) once the
/// data shown there (matter titles and numbers, unit and place names) is set aside.
/// Markup, not queries: in the SQLite pass only (test.sh). Every page here is also among AxeTests' pages, which run on
/// PostgreSQL too, so that each still renders there.
/// </summary>
[Trait("Category", "Browser")]
[Collection(BrowserCollection.Name)]
public sealed partial class AccessibilityTests(BrowserApp web)
{
    /// <summary>"{matter}" is replaced by a demo matter the dispatcher sees.</summary>
    public static readonly TheoryData<string> Pages = new()
    {
        "/", "/track", "/console/login", "/console", "/console/queue", "/console/matters",
        "/console/matters?light=red", "/console/matters/{matter}", "/console/dashboard", "/console/notifications",
        "/console/calls/new",
    };

    /// <summary>Problems of the page as shown, found in the browser: what overflows, what has no name, the h1s and landmarks.</summary>
    private const string Checks = """
        () => {
          const problems = [];
          const root = document.documentElement;
          if (root.scrollWidth > root.clientWidth) {
            const wide = [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1 && getComputedStyle(e).position !== 'fixed')
              .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > root.clientWidth + 1))
              .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''));
            problems.push(`scrolls sideways: ${root.scrollWidth} px > ${root.clientWidth} px (widest: ${wide.join(', ')})`);
          }
          const named = e => {
            if ((e.getAttribute('aria-label') || '').trim()) return true;
            const by = e.getAttribute('aria-labelledby');
            if (by && by.split(/\s+/).some(id => (document.getElementById(id)?.textContent || '').trim())) return true;
            if ([...(e.labels || [])].some(l => l.textContent.trim())) return true;
            return !!(e.getAttribute('title') || '').trim();
          };
          for (const e of document.querySelectorAll('input, select, textarea')) {
            if (e.type === 'hidden' || e.closest('[hidden]')) continue;
            if (!named(e)) problems.push(`no label: ${e.tagName.toLowerCase()} name=${e.name} id=${e.id}`);
          }
          const h1 = document.querySelectorAll('h1').length;
          if (h1 !== 1) problems.push(`${h1} h1 elements`);
          const mains = document.querySelectorAll('main, [role=main]').length;
          if (mains !== 1) problems.push(`${mains} main landmarks`);
          return problems;
        }
        """;

    /// <summary>The page's own words in the main element: never data cells (td, row heads), links' text or free text.</summary>
    private const string Chrome = """
        () => {
          const main = document.querySelector('main');
          const words = [];
          for (const e of main.querySelectorAll('h1, h2, h3, label, button, th[scope=col], caption, legend, summary, select option, .hint, .notice'))
            words.push(e.tagName.toLowerCase() + ': ' + e.textContent.replace(/\s+/g, ' ').trim());
          for (const e of main.querySelectorAll('[aria-label], [placeholder], [title]'))
            for (const a of ['aria-label', 'placeholder', 'title'])
              if (e.getAttribute(a)) words.push(e.tagName.toLowerCase() + ' @' + a + ': ' + e.getAttribute(a));
          return words;
        }
        """;

    private async Task<string> AddressAsync(string path)
    {
        if (!path.Contains("{matter}", StringComparison.Ordinal)) return path;
        await using var scope = web.App.Scope();
        var id = await web.App.Db(scope).Matters.Where(m => m.LeadUnitCode != null && !m.Confidential).OrderBy(m => m.Id).Select(m => m.Id).FirstAsync();
        return path.Replace("{matter}", id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>A phone (360 px) showing the page, signed in as the dispatcher for a console page, in the language asked.</summary>
    private async Task<IPage> OpenAsync(string path, bool english)
    {
        var page = await web.NewPageAsync(phone: true);
        if (path.StartsWith("/console", StringComparison.Ordinal) && path != "/console/login")
        {
            await page.GotoAsync("/console/login");
            await page.GetByLabel("用户名").FillAsync("dispatcher");
            await page.GetByLabel("密码").FillAsync(DubanFactory.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
            await page.WaitForURLAsync("**/console");
        }
        var address = await AddressAsync(path);
        var response = english
            ? await page.GotoAsync("/culture?lang=en-US&returnUrl=" + Uri.EscapeDataString(address))
            : await page.GotoAsync(address);
        Assert.Equal(200, response!.Status);
        return page;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_At360Px_NoSidewaysScroll_EveryInputLabelled_OneH1_OneMain(string path)
    {
        var page = await OpenAsync(path, english: false);
        var problems = await page.EvaluateAsync<string[]>(Checks);
        await web.ShotAsync(page, "a11y-360" + Regex.Replace(path, "[^a-z0-9]+", "-"));
        Assert.True(problems.Length == 0, $"{path} at 360 px:\n" + string.Join("\n", problems));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/track")]
    [InlineData("/console/login")]
    [InlineData("/console")]
    [InlineData("/console/queue")]
    [InlineData("/console/matters")]
    [InlineData("/console/matters?light=red")]
    [InlineData("/console/matters/{matter}")]
    [InlineData("/console/dashboard")]
    [InlineData("/console/notifications")]
    [InlineData("/console/calls/new")]
    public async Task Page_InEnglish_ShowsNoChineseButData(string path)
    {
        var page = await OpenAsync(path, english: true);
        Assert.Equal("en-US", await page.EvaluateAsync<string>("() => document.documentElement.lang"));
        var data = await DataAsync();
        var chinese = (await page.EvaluateAsync<string[]>(Chrome))
            .Select(w => (Word: w, Left: data.Aggregate(w, (text, d) => text.Replace(d, "", StringComparison.Ordinal))))
            .Where(w => Han().IsMatch(w.Left)).Select(w => w.Word).Distinct().ToList();
        Assert.True(chinese.Count == 0, $"{path} in English shows Chinese in its own words:\n" + string.Join("\n", chinese));
    }

    /// <summary>What may be Chinese in English: matter titles, unit names, division names on the way, people's names, the catalogue's categories and keywords; longest first.</summary>
    private async Task<List<string>> DataAsync()
    {
        await using var scope = web.App.Scope();
        var db = web.App.Db(scope);
        var strings = new List<string>();
        strings.AddRange(await db.Matters.Select(m => m.Title).ToListAsync());
        strings.AddRange(await db.Matters.Where(m => m.Category != null).Select(m => m.Category!).Distinct().ToListAsync());
        strings.AddRange(await db.Units.Select(u => u.Name).ToListAsync());
        strings.AddRange(await db.Users.Select(u => u.DisplayName).ToListAsync());
        // The catalogue's categories and keywords, which the routing's reasons quote.
        foreach (var e in scope.ServiceProvider.GetRequiredService<Duban.Features.Dispatching.CatalogueStore>().Latest.Entries)
        {
            strings.Add(e.Category);
            if (e.Subcategory is { } sub) strings.Add(e.Category + "/" + sub);
            strings.AddRange(e.Keywords);
        }
        // Place names (counties and towns of the dashboard, paths): Jiangmen's divisions as the tests' gazetteer names them.
        var geo = scope.ServiceProvider.GetService(typeof(Duban.Features.Geo.GeoService)) as Duban.Features.Geo.GeoService;
        if (geo is not null)
        {
            var divisions = geo.Gazetteer.Divisions;
            for (var i = 0; i < divisions.Count; i++)
            {
                if (divisions.Code(i) is { } code && code.StartsWith("4407", StringComparison.Ordinal)) strings.Add(divisions.Name(i));
            }
        }
        return [.. strings.Where(s => s.Length > 0).Distinct().OrderByDescending(s => s.Length)];
    }

    [GeneratedRegex(@"[\u3400-\u4DBF\u4E00-\u9FFF]")]
    private static partial Regex Han();
}
