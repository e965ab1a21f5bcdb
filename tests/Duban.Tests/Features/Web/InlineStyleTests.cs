using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.RegularExpressions;
using Duban.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Duban.Tests.Features.Web;

/// <summary>
/// The pages' CSP allows styles from the stylesheets only (issue 17 removed <c>style-src 'unsafe-inline'</c>): no page
/// may carry an inline style attribute or element, or a browser would drop it. Every routable page without route
/// parameters, found by reflection, as the demo's administrator (the portal's pages as a visitor).
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed partial class InlineStyleTests(DubanFactory factory)
{
    [Fact]
    public async Task Pages_CarryNoInlineStyle_AndTheCspAllowsNone()
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "admin", password = DubanFactory.Password })).EnsureSuccessStatusCode();
        var pages = typeof(Duban.Web.WebUi).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t) && !t.IsAbstract)
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>().Select(r => r.Template))
            .Where(p => !p.Contains('{', StringComparison.Ordinal))
            .Append("/console/admin/units?q=" + Uri.EscapeDataString("江门"))
            .ToList();
        Assert.Contains("/console/admin/units", pages);
        var seen = 0;
        foreach (var page in pages)
        {
            var response = await client.GetAsync(page);
            if (response.StatusCode != HttpStatusCode.OK) continue;
            seen++;
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            var html = await response.Content.ReadAsStringAsync();
            Assert.False(InlineStyle().IsMatch(html), $"{page}: {InlineStyle().Match(html).Value}");
        }
        Assert.True(seen >= 10, $"only {seen} pages answered");
    }

    [GeneratedRegex(@"<[^>]*\sstyle\s*=|<style[\s>]", RegexOptions.IgnoreCase)]
    private static partial Regex InlineStyle();
}
