using System.Net;
using System.Text.RegularExpressions;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Tally;
using Duban.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Console;

/// <summary>
/// The home page's boxes (/console) count their matters over LIMIT 100 (issue 15: never the whole visible set),
/// with exactly the visibility of the lists: a county's coordinators see their county's matters and not a
/// confidential report about their own county's government, another county's none of them, the city all; a
/// handler its unit's. From 100 matters on, a box shows "99+", for whoever sees that many, and only for them.
/// Its own deployment, without the demo's matters, so that every count is known.
/// </summary>
[Trait("Category", "Database")]
public sealed partial class HomeBoxesTests
{
    private const string Chuandao = "440781115"; // 台山市川岛镇
    private const string Hengbei = "440785100";  // 恩平市横陂镇

    /// <summary>The count a box shows, as the page writes it.</summary>
    private static async Task<string> BoxAsync(HttpClient client, string box)
    {
        var answer = await client.GetAsync("/console");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var html = await answer.Content.ReadAsStringAsync();
        var found = BoxCount().Matches(html).FirstOrDefault(m => m.Groups[1].Value == box);
        Assert.True(found is not null, $"no box {box}");
        return WebUtility.HtmlDecode(found.Groups[2].Value);
    }

    /// <summary>The exact count of the same list (the matters API counts it whole).</summary>
    private static async Task<int> ListedAsync(HttpClient client, string query) =>
        (int)(await client.GetAsync("/api/v1/matters?pageSize=1&" + query).Ok())["total"]!;

    [GeneratedRegex(@"data-testid=""box-(\w+)"">\s*<h2[^>]*><a[^>]*>[^<]*<span class=""count"">([^<]*)</span>")]
    private static partial Regex BoxCount();

    [Fact]
    public async Task Boxes_CountWhatTheReaderSees_UpTo99Plus()
    {
        await using var app = new DubanFactory();
        app.Settings["Duban:Demo:Matters"] = "false";
        await app.InitializeAsync();
        var desk = app.Desk;
        // 台山: two calls and a confidential report about its government; 恩平: one call; one in 川岛 dispatched to the town.
        await desk.Dispatcher.Register(NewMatter.Plain("川岛镇路灯损坏", Chuandao, "城乡建设"));
        await desk.Dispatcher.Register(NewMatter.Plain("川岛镇垃圾清运", Chuandao, "城乡建设"));
        var report = await desk.Dispatcher.Register(NewMatter.Report("440781").In(Chuandao));
        await desk.Dispatcher.Register(NewMatter.Plain("横陂镇道路破损", Hengbei, "城乡建设"));
        await desk.Matter(NewMatter.Plain("川岛镇码头积水", Chuandao, "城乡建设")).Lead(Chuandao).DispatchedAsync();

        var expected = new (string User, string Box, string Query, int Count)[]
        {
            ("dispatcher", "waiting", "status=received", 4),
            ("supervisor", "waiting", "status=received", 4),
            ("s-440781", "waiting", "status=received", 2),
            ("s-440785", "waiting", "status=received", 1),
            ("h-" + Chuandao, "to_sign", "status=dispatched", 1),
            ("leader", "recent", "", 5),
        };
        foreach (var (user, box, query, count) in expected)
        {
            var client = desk.As(user);
            Assert.Equal(count, await ListedAsync(client, query));
            Assert.Equal(count.ToString(System.Globalization.CultureInfo.InvariantCulture), await BoxAsync(client, box));
        }
        // The report about 台山's government is not in 台山's supervisor's list, nor counted in their box.
        Assert.Equal(HttpStatusCode.NotFound, (await desk.As("s-440781").GetAsync($"/api/v1/matters/{report}")).StatusCode);

        // 120 more calls in 恩平, written straight to the table: the city and 恩平 see "99+", 台山 still its 2.
        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            var now = app.Clock.GetUtcNow();
            for (var i = 0; i < 120; i++)
            {
                var m = new Matter
                {
                    Id = 1_000_000_000 + i, // far above what registration allocates (RegisterNumbers): nothing is registered after
                    Number = $"HOME-2026-{i:D6}",
                    Kind = "complaint",
                    Channel = "hotline",
                    Title = "横陂镇噪音扰民",
                    Content = "请尽快处理。",
                    Urgency = "normal",
                    ReceivedAt = now.AddMinutes(-i),
                    RegisteredAt = now.AddMinutes(-i),
                    Status = Status.Received,
                    UpdatedAt = now,
                    Version = 1,
                };
                m.SetTerritory(Hengbei);
                db.Matters.Add(m);
            }
            await db.SaveChangesAsync();
        }
        Assert.Equal(124, await ListedAsync(desk.Dispatcher, "status=received"));
        Assert.Equal("99+", await BoxAsync(desk.Dispatcher, "waiting"));
        Assert.Equal("99+", await BoxAsync(desk.As("s-440785"), "waiting"));
        Assert.Equal("2", await BoxAsync(desk.As("s-440781"), "waiting"));
        Assert.Equal("99+", await BoxAsync(desk.Leader, "recent"));
        // The box's link to the whole list says so too.
        var html = WebUtility.HtmlDecode(await (await desk.Dispatcher.GetAsync("/console")).Content.ReadAsStringAsync());
        Assert.Contains("查看全部 99+ 件", html, StringComparison.Ordinal);

        // With the counters fresh, the coordinators' "due soon" (yellow) is read from them, with the list's visibility:
        // a matter in 川岛 due in ten days, eight days on.
        var start = app.Clock.GetUtcNow();
        await desk.Matter(NewMatter.Plain("川岛镇排水沟堵塞", Chuandao, "城乡建设")).Lead(Chuandao).Due(start.AddDays(10)).InProgressAsync();
        desk.MoveTo(start.AddDays(8));
        await using (var scope = app.Scope())
        {
            Assert.NotNull(await scope.ServiceProvider.GetRequiredService<Tallies>().CatchUpAsync(default));
        }
        foreach (var user in new[] { "dispatcher", "supervisor", "s-440781", "s-440785", "leader", "h-" + Chuandao })
        {
            var yellow = await ListedAsync(desk.As(user), "light=yellow");
            Assert.Equal(yellow >= 100 ? "99+" : yellow.ToString(System.Globalization.CultureInfo.InvariantCulture), await BoxAsync(desk.As(user), "due_soon"));
            if (user is "dispatcher" or "s-440781" or "h-" + Chuandao) Assert.True(yellow >= 1, $"{user}: {yellow} yellow");
            if (user == "s-440785") Assert.Equal(0, yellow);
        }
    }
}
