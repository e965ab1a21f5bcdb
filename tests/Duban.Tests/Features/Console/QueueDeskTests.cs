using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Duban.Features.Dispatching;
using Duban.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Console;

/// <summary>
/// The dispatcher's desk (/console/queue, issue 18): the most urgent first, sorts and filters from the address, the
/// deadline a dispatch will set shown before the click (and then set), and a low-confidence suggestion dispatched only
/// once confirmed. Each test on a database of its own, so the queue holds only its matters, at a fixed time.
/// </summary>
[Trait("Category", "Database")]
public sealed partial class QueueDeskTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    /// <summary>
    /// The next Monday, 09:00 China time: a fixed time of day (the sign-in cookie is checked against the real clock,
    /// so the test's clock is not in the past).
    /// </summary>
    private static readonly DateTimeOffset Start = NextMonday();

    private static DateTimeOffset NextMonday()
    {
        var today = DateTimeOffset.UtcNow.ToOffset(China).Date;
        var days = ((int)DayOfWeek.Monday - (int)today.DayOfWeek + 7) % 7;
        return new DateTimeOffset(today.AddDays(days == 0 ? 7 : days).AddHours(9), China);
    }

    private static NewMatter Complaint(string title, string territory) =>
        new NewMatter("complaint", title, "路面塌陷多日无人修补，车辆经过十分危险，请尽快处理。").In(territory);

    private static async Task<DubanFactory> StartAsync(double threshold)
    {
        var app = DubanFactory.StartingAt(Start);
        // Nothing leaves the queue by itself; the threshold decides which suggestions are low.
        app.Settings["Duban:Dispatch:AutoDispatch"] = "false";
        app.Settings["Duban:Dispatch:AutoConfidence"] = threshold.ToString(CultureInfo.InvariantCulture);
        await app.InitializeAsync();
        return app;
    }

    /// <summary>The queue of 恩平's matters: the tests' own (a fresh database's seeded matters wait elsewhere).</summary>
    private const string Enping = "/console/queue?county=440785";

    /// <summary>The numbers of the queue's rows, in the page's order.</summary>
    private static List<string> Rows(string html) => [.. RowTestId().Matches(html).Select(m => m.Groups[1].Value)];

    [Fact]
    public async Task Queue_MostUrgentFirst_ThenSortsAndFiltersByTheAddress()
    {
        await using var app = await StartAsync(0.9);
        var api = app.Desk.Dispatcher;
        // All in 恩平 (the seeded matters waiting elsewhere are filtered out by the county). A: a complaint received
        // first; B: one an hour later. Neither has an acceptance deadline.
        var a = await api.Register(Complaint("横陂镇中心路路面塌陷", "440785100"));
        app.Clock.Advance(TimeSpan.FromHours(1));
        var b = await api.Register(Complaint("圣堂镇新村路路面塌陷", "440785101"));
        // Late: a petition received 20 days ago (15 days to accept it): red. On time: one received now.
        var late = await api.Register(NewMatter.Petition("信访：工厂拖欠工资 逾期").In("440785100").ReceivedOn(Start.AddDays(-20)));
        app.Clock.Advance(TimeSpan.FromHours(1));
        var onTime = await api.Register(NewMatter.Petition("信访：工厂拖欠工资 新收").In("440785100"));
        var number = new Dictionary<long, string>();
        foreach (var id in new[] { a, b, late, onTime }) number[id] = (string)(await api.Get(id))["number"]!;
        string[] Of(params long[] ids) => [.. ids.Select(i => number[i])];

        var desk = await PageForms.SignedInAsync(app, "dispatcher");
        // Default: the red one first, then by acceptance deadline, then those without one, oldest first.
        var html = await desk.GetStringAsync(Enping);
        Assert.Equal(Of(late, onTime, a, b), Rows(html));
        Assert.Matches(new Regex("<tr[^>]*data-testid=\"queue-" + number[late] + "\"[\\s\\S]*?light-red"), html);
        // The pane shows the first (the most urgent) unless a row is selected.
        Assert.Contains("<h2 id=\"detail-title\">信访：工厂拖欠工资 逾期</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<h2 id=\"detail-title\">圣堂镇新村路路面塌陷</h2>", await desk.GetStringAsync($"{Enping}&sel={b}"), StringComparison.Ordinal);

        Assert.Equal(Of(late, a, b, onTime), Rows(await desk.GetStringAsync(Enping + "&sort=oldest")));
        Assert.Equal(Of(onTime, b, a, late), Rows(await desk.GetStringAsync(Enping + "&sort=newest")));
        Assert.Empty(Rows(await desk.GetStringAsync("/console/queue?county=440781")).Intersect(Of(a, b, late, onTime)));
        Assert.Equal(Of(late, onTime), Rows(await desk.GetStringAsync(Enping + "&kind=petition")));
        Assert.Equal(Of(late), Rows(await desk.GetStringAsync(Enping + "&light=red")));
        Assert.Equal(Of(onTime), Rows(await desk.GetStringAsync(Enping + "&light=green&kind=petition")));
        // A filter's links keep it: the row's link selects it within the same filter.
        Assert.Contains($"href=\"/console/queue?kind=petition&amp;county=440785&amp;sel={onTime}\"", await desk.GetStringAsync(Enping + "&kind=petition"), StringComparison.Ordinal);

        // Bad filters are told, not a failure.
        foreach (var bad in new[] { "sort=sideways", "light=purple", "county=110101", "kind=nonsense" })
        {
            var response = await desk.GetAsync("/console/queue?" + bad);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Empty(Rows(await response.Content.ReadAsStringAsync()));
            Assert.Contains("role=\"alert\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The router's filters: the suggested category, a low confidence (below the threshold) — each row is what it says.
        await using var scope = app.Scope();
        var queue = scope.ServiceProvider.GetRequiredService<WaitingForDispatch>();
        var actor = await app.Desk.ActorAsync(scope, "dispatcher");
        var all = (await queue.ListAsync(1, 50, new QueueFilter(County: "440785"), actor, default)).Value!.Items;
        Assert.Equal(4, all.Count);
        var low = (await queue.ListAsync(1, 50, new QueueFilter(County: "440785", LowConfidence: true), actor, default)).Value!.Items;
        Assert.Equal(all.Where(r => r.Top is null || r.Top.Confidence < 0.9).Select(r => r.Item.Id), low.Select(r => r.Item.Id));
        var category = all.First(r => r.Top?.Category is not null).Top!.Category!;
        var ofCategory = (await queue.ListAsync(1, 50, new QueueFilter(County: "440785", Category: category), actor, default)).Value!;
        Assert.Equal(all.Where(r => r.Top?.Category == category).Select(r => r.Item.Id), ofCategory.Items.Select(r => r.Item.Id));
        Assert.Equal(ofCategory.Items.Count, ofCategory.Total);

        // The API's queue is as it was: oldest first, unfiltered.
        var apiQueue = (await api.GetAsync("/api/v1/dispatch/queue?pageSize=50").Ok())["items"]!.AsArray().Select(i => (string)i!["number"]!)
            .Where(Of(a, b, late, onTime).Contains);
        Assert.Equal(Of(late, a, b, onTime), apiQueue);
    }

    [Fact]
    public async Task Dispatch_ShowsItsDeadlineBeforeTheClick_AndALowConfidenceAsksForConfirmation()
    {
        // Every suggestion is below a threshold of 2: each accept asks first.
        await using var app = await StartAsync(2.0);
        var api = app.Desk.Dispatcher;
        var id = await api.Register(Complaint("横陂镇中心路路面塌陷", "440785100"));
        var url = $"{Enping}&sel={id}";
        var desk = await PageForms.SignedInAsync(app, "dispatcher");
        var html = await desk.GetStringAsync(url);
        // The general hotline policy's 7 days: to the end of the 7th day (24:00 China time), shown in the pane before any click.
        var endOfSeventhDay = new DateTimeOffset(Start.Date.AddDays(8), China);
        Assert.Equal(endOfSeventhDay, DueIn(html));
        var confirmBox = ConfirmBox().Match(html);
        Assert.True(confirmBox.Success, "the confirmation form is on the page");
        Assert.Contains(" hidden", confirmBox.Value, StringComparison.Ordinal);
        var suggested = SuggestedUnit().Match(html).Groups[1].Value;
        var version = (await api.Version(id)).ToString(CultureInfo.InvariantCulture);

        // The row's accept: not dispatched; the confirmation is shown instead, focused.
        var asked = await PageForms.PostAsync(desk, url, $"accept-{id}", [new("version", version), new("suggested", suggested)]);
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var answer = await asked.Content.ReadAsStringAsync();
        var shown = ConfirmBox().Match(answer).Value;
        Assert.DoesNotContain(" hidden", shown, StringComparison.Ordinal);
        Assert.Contains("autofocus", answer, StringComparison.Ordinal);
        Assert.Equal("received", (string?)(await api.Get(id))["status"]);

        // Confirmed: dispatched, with the deadline the page showed.
        var shownDue = DueIn(answer);
        var confirmed = await PageForms.PostAsync(desk, url, $"confirm-{id}", [new("version", version), new("suggested", suggested), new("confirm", "yes")]);
        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        Assert.Contains("done=", confirmed.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var matter = await api.Get(id);
        Assert.Equal("dispatched", (string?)matter["status"]);
        Assert.Equal(shownDue, (DateTimeOffset)matter["dueAt"]!);
    }

    [Fact]
    public async Task Accept_AboveTheThreshold_DispatchesAtOnce()
    {
        // A threshold of 0: no suggestion is low, the accept is one click.
        await using var app = await StartAsync(0);
        var api = app.Desk.Dispatcher;
        var id = await api.Register(Complaint("横陂镇中心路路面塌陷", "440785100"));
        var desk = await PageForms.SignedInAsync(app, "dispatcher");
        var html = await desk.GetStringAsync(Enping);
        Assert.DoesNotMatch(ConfirmBox(), html);
        var posted = await PageForms.PostAsync(desk, Enping, $"accept-{id}",
            [new("version", (await api.Version(id)).ToString(CultureInfo.InvariantCulture)), new("suggested", SuggestedUnit().Match(html).Groups[1].Value)]);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var matter = await api.Get(id);
        Assert.Equal("dispatched", (string?)matter["status"]);
        Assert.Equal(DueIn(html), (DateTimeOffset)matter["dueAt"]!);
    }

    /// <summary>The deadline the pane says a dispatch would set.</summary>
    private static DateTimeOffset DueIn(string html) =>
        DateTimeOffset.Parse(DuePreview().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException("no deadline preview"),
            CultureInfo.InvariantCulture);

    [GeneratedRegex("data-testid=\"queue-([A-Z]+-\\d{4}-\\d{6})\"")]
    private static partial Regex RowTestId();

    [GeneratedRegex("data-testid=\"due-preview\"[^>]*>[\\s\\S]*?<time datetime=\"([^\"]+)\"")]
    private static partial Regex DuePreview();

    [GeneratedRegex("<form[^>]*data-confirm-box[^>]*>")]
    private static partial Regex ConfirmBox();

    [GeneratedRegex("name=\"suggested\" value=\"([^\"]+)\"")]
    private static partial Regex SuggestedUnit();
}
