using Duban.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// The pages' CSP allows no inline style (issue 17): in real Chromium, the dashboard's charts (ECharts, SVG) drawn and
/// a tooltip shown, and the units tree, raise no <c>securitypolicyviolation</c>: nothing the browser refused.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class CspTests(BrowserApp web)
{
    [Fact]
    public async Task Dashboard_WithATooltip_AndTheUnitsTree_RaiseNoCspViolation()
    {
        var page = await web.SignedInAsync("admin");
        await page.AddInitScriptAsync("window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || '')));");

        await page.GotoAsync("/console/dashboard");
        await Assertions.Expect(page.Locator("[data-chart=status][data-drawn=true] svg")).ToHaveCountAsync(1);
        // A tooltip: hover each chart's last drawn mark with an area (the pie's sectors, the bars; a status the period
        // has none of is a bar of no height, which nothing can hover).
        foreach (var chart in new[] { "status", "lights", "trend", "counties" })
        {
            var marks = page.Locator($"[data-chart={chart}] svg path");
            for (var i = await marks.CountAsync() - 1; i >= 0; i--)
            {
                if (await marks.Nth(i).BoundingBoxAsync() is not { Width: > 1, Height: > 1 }) continue;
                await marks.Nth(i).HoverAsync(new() { Force = true });
                break;
            }
        }
        await page.WaitForTimeoutAsync(300); // the tooltip's show delay (ECharts: 0–100 ms), not a measure
        Assert.Empty(await page.EvaluateAsync<string[]>("window.__csp"));

        await page.GotoAsync("/console/admin/units");
        await Assertions.Expect(page.GetByTestId("units")).ToBeVisibleAsync();
        Assert.Empty(await page.EvaluateAsync<string[]>("window.__csp"));

        // The watch sees what it is there for: a style attribute, as the units tree had, is refused and reported.
        await page.EvaluateAsync("document.body.insertAdjacentHTML('beforeend', '<span style=\"padding-left: 2rem\">x</span>')");
        await page.WaitForFunctionAsync("window.__csp.length > 0");
        Assert.Contains("style-src", (await page.EvaluateAsync<string[]>("window.__csp"))[0], StringComparison.Ordinal);
    }
}
