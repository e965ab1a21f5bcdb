using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using Duban.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Duban.Tests.Features.Web;

/// <summary>
/// Every page that reads its query string, found by reflection (a page added later is walked too), with
/// junk in each of its query parameters: never a 5xx; a value that does not parse as the parameter's
/// type answers 400 naming the parameter (issue 17: <c>/console/matters?page=zzz</c> answered 500).
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class QueryValuesTests(DubanFactory factory)
{
    private static readonly string[] Junk =
        ["zzz", "maybe", "-1", "0", "99999999999999999999", "2147483647", "-2147483648", "", "１２", "1.5", "9999-99-99", "'; --", new string('x', 3000)];

    /// <summary>Each routable page without route parameters, and the query names it reads.</summary>
    public static IEnumerable<object[]> Pages() =>
        typeof(Duban.Web.WebUi).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t) && !t.IsAbstract)
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>().Select(r => (Type: t, r.Template)))
            .Where(p => !p.Template.Contains('{', StringComparison.Ordinal))
            .Select(p => (p.Template, Names: QueryNames(p.Type)))
            .Where(p => p.Names.Count > 0)
            .Select(p => new object[] { p.Template, string.Join(',', p.Names) });

    private static List<string> QueryNames(Type type)
    {
        var names = new List<string>();
        for (var t = type; t is not null; t = t.BaseType)
        {
            foreach (var property in t.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (property.GetCustomAttribute<SupplyParameterFromQueryAttribute>() is { } query) names.Add(query.Name ?? property.Name);
            }
        }
        return names;
    }

    [Fact]
    public void Walk_FindsTheConsolePagesOfTheIssue()
    {
        var pages = Pages().Select(p => (string)p[0]).ToList();
        Assert.Contains("/console/matters", pages);
        Assert.Contains("/console/admin/users", pages);
        Assert.True(pages.Count >= 8, string.Join(", ", pages));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task EveryQueryParameter_WithJunk_NeverAnswers5xx(string page, string names)
    {
        // Someone who may open the page (an administrator's pages, a dispatcher's queue): junk must reach the page itself.
        HttpClient? client = null;
        foreach (var username in new[] { "admin", "supervisor", "dispatcher" })
        {
            var candidate = await BrowserAsync(username);
            if ((await candidate.GetAsync(page)).StatusCode == HttpStatusCode.OK) { client = candidate; break; }
        }
        Assert.True(client is not null, $"no demo account opens {page}");
        var failures = new List<string>();
        foreach (var name in names.Split(','))
        {
            foreach (var junk in Junk)
            {
                var url = $"{page}?{Uri.EscapeDataString(name)}={Uri.EscapeDataString(junk)}";
                var response = await client.GetAsync(url);
                if ((int)response.StatusCode >= 500) failures.Add($"{url[..Math.Min(url.Length, 80)]} → {(int)response.StatusCode}");
            }
        }
        Assert.Empty(failures);
    }

    [Theory]
    [InlineData("/console/matters?page=zzz", "page")]
    [InlineData("/console/matters?overdue=maybe", "overdue")]
    [InlineData("/console/admin/users?active=x", "active")]
    [InlineData("/console/notifications?unread=1&page=2", "unread")]
    public async Task UnparseableValue_Answers400_NamingTheParameter(string url, string name)
    {
        var client = await BrowserAsync("admin");
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<code>{name}</code>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseableValues_StillServeThePage()
    {
        var client = await BrowserAsync("admin");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/console/matters?page=2&overdue=true&keySupervision=false")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/console/admin/users?active=true&page=1")).StatusCode);
    }

    private async Task<HttpClient> BrowserAsync(string username)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { username, password = DubanFactory.Password })).EnsureSuccessStatusCode();
        return client;
    }
}
