using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Duban.Features.Notifications;
using Duban.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Duban.Tests.Features.Notifications;

/// <summary>
/// The notifications page (/console/notifications) as a browser uses it, over HTTP with the sign-in
/// cookie and the forms' antiforgery token: the inbox's rows marked unread, one marked read, all
/// marked read (but not one that arrived after the page was shown), someone else's refused, paging.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed partial class NotificationsPageTests(DubanFactory factory)
{
    /// <summary>A unit of its own with one handler, "&lt;code&gt;-h".</summary>
    private Task<string> UnitAsync() => factory.Desk.NewUnitAsync("p", "通知页测试局", null, ("h", "handler"));

    private async Task<long> NotifyAsync(string unit, string title) => (await Notices.AddAsync(factory, unit, ["handler"], title)).Id;

    /// <summary>A browser: cookies kept, redirects seen, signed in through the API's login (which sets the console's cookie).</summary>
    private async Task<HttpClient> BrowserAsync(string username)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { username, password = DubanFactory.Password })).EnsureSuccessStatusCode();
        return client;
    }

    private sealed record Row(long Id, bool Read, string Html);

    private static List<Row> Rows(string html) =>
        [.. RowTag().Matches(html).Select(m => new Row(long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value == "true", m.Value))];


    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string url, string html, string form, params (string, string)[] fields) =>
        client.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string>(fields.Select(f => KeyValuePair.Create(f.Item1, f.Item2)))
        {
            ["_handler"] = form,
            ["__RequestVerificationToken"] = PageForms.Token(html),
        }));

    private static async Task<string> PageAsync(HttpClient client, string url = "/console/notifications")
    {
        var answer = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return await answer.Content.ReadAsStringAsync();
    }

    private static async Task<int> UnreadAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<UnreadCount>("/api/v1/notifications/unread-count"))!.Count;

    [Fact]
    public async Task Page_MarksUnread_MarksOneRead_AndRefusesAnotherUnitsNotification()
    {
        var unit = await UnitAsync();
        var first = await NotifyAsync(unit, "第一条催办");
        var second = await NotifyAsync(unit, "第二条催办");
        var third = await NotifyAsync(unit, "第三条催办");
        var elsewhere = await NotifyAsync(await UnitAsync(), "别的单位的催办");
        var client = await BrowserAsync(unit + "-h");

        var html = await PageAsync(client);
        Assert.Equal([(third, false), (second, false), (first, false)], Rows(html).Select(r => (r.Id, r.Read)));
        Assert.DoesNotContain("别的单位的催办", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"unread-count\">3<", html, StringComparison.Ordinal);
        // The navigation shows the count on every console page.
        Assert.Matches(@"data-testid=""unread-badge""><span aria-hidden=""true"">3</span>", await PageAsync(client, "/console"));

        // One read: back to the page (post/redirect/get), that row is read, the others not.
        var posted = await PostAsync(client, "/console/notifications", html, "read", ("id", second.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal("/console/notifications?done=read", posted.Headers.Location!.PathAndQuery);
        html = await PageAsync(client, "/console/notifications?done=read");
        Assert.Equal([(third, false), (second, true), (first, false)], Rows(html).Select(r => (r.Id, r.Read)));
        Assert.Equal(2, await UnreadAsync(client));
        Assert.Contains("<span aria-hidden=\"true\">2</span>", await PageAsync(client, "/console/matters"), StringComparison.Ordinal);
        // Only unread: the read one is gone from the list.
        Assert.Equal([third, first], Rows(await PageAsync(client, "/console/notifications?unread=true")).Select(r => r.Id));

        // Another unit's notification: refused as not found, shown next to the list, nothing marked.
        var refused = await PostAsync(client, "/console/notifications", html, "read", ("id", elsewhere.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("通知不存在", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, await UnreadAsync(client));
        Assert.Equal(1, await UnreadAsync(await BrowserAsync(await UnitOfAsync(elsewhere) + "-h")));
    }

    private async Task<string> UnitOfAsync(long notification)
    {
        await using var scope = factory.Scope();
        return factory.Db(scope).Notifications.Single(n => n.Id == notification).UnitCode;
    }

    [Fact]
    public async Task MarkAll_ReadsWhatThePageShowedAndOlder_NotWhatArrivedSince()
    {
        var unit = await UnitAsync();
        for (var i = 0; i < 3; i++) await NotifyAsync(unit, "催办" + i);
        var client = await BrowserAsync(unit + "-h");
        var html = await PageAsync(client);
        Assert.Contains("data-testid=\"read-all\"", html, StringComparison.Ordinal);
        var newest = Rows(html).Max(r => r.Id);
        var late = await NotifyAsync(unit, "页面显示之后才到的催办");

        var posted = await PostAsync(client, "/console/notifications", html, "read-all", ("upTo", newest.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal("/console/notifications?done=all", posted.Headers.Location!.PathAndQuery);
        html = await PageAsync(client, "/console/notifications?done=all");
        Assert.Equal([late], Rows(html).Where(r => !r.Read).Select(r => r.Id));
        Assert.Equal(1, await UnreadAsync(client));
        Assert.Contains("已全部标为已读", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Paging_TwentyAPage_NewestFirst()
    {
        var unit = await UnitAsync();
        var ids = new List<long>();
        for (var i = 0; i < 23; i++) ids.Add(await NotifyAsync(unit, "分页催办" + i));
        var client = await BrowserAsync(unit + "-h");
        var first = await PageAsync(client);
        Assert.Equal(ids.AsEnumerable().Reverse().Take(20), Rows(first).Select(r => r.Id));
        Assert.Contains("href=\"/console/notifications?page=2\"", first, StringComparison.Ordinal);
        var second = await PageAsync(client, "/console/notifications?page=2");
        Assert.Equal(ids.Take(3).Reverse(), Rows(second).Select(r => r.Id));
        // Mark all is offered on the first page only (it covers what that page shows and older).
        Assert.DoesNotContain("data-testid=\"read-all\"", second, StringComparison.Ordinal);
    }

    [GeneratedRegex("<li class=\"[^\"]*notification[^\"]*\" data-id=\"(\\d+)\" data-read=\"(true|false)\"")]
    private static partial Regex RowTag();
}
