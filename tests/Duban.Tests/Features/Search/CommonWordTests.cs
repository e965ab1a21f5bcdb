using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Search;

/// <summary>
/// A common word's list (Features/Search, "A common word"): walked by the reader's date order and probed against
/// the index, counted only so far. A second node over the same database takes every word as common, counts up to 4
/// and walks two candidates at a time; its lists must be the first node's (index-driven) lists, page by page, for
/// every reader, with the total marked a lower bound where it stopped counting.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed partial class CommonWordTests
{
    private static string Marker() =>
        string.Concat(Enumerable.Range(0, 4).Select(_ => (char)Random.Shared.Next(0x3400, 0x4DB6)));

    /// <summary>Every page of the list, two at a time, until a short one: the ids in order, and the first page's total and flag.</summary>
    private static async Task<(List<long> Ids, int Total, bool LowerBound)> AllPages(HttpClient client, string q)
    {
        var ids = new List<long>();
        int? total = null;
        var lowerBound = false;
        for (var page = 1; page < 20; page++)
        {
            var body = await client.GetAsync($"/api/v1/matters?pageSize=2&page={page}&q={Uri.EscapeDataString(q)}").Ok();
            if (total is null)
            {
                total = (int)body["total"]!;
                lowerBound = (bool)body["totalIsLowerBound"]!;
            }
            var items = body["items"]!.AsArray();
            ids.AddRange(items.Select(i => (long)i!["id"]!));
            if (items.Count < 2) break;
        }
        return (ids, total ?? 0, lowerBound);
    }

    [Fact]
    public async Task CommonWord_IsWalkedByDate_InTheSameOrderAndVisibility_AndCountedSoFar()
    {
        // A deployment of its own: the walk's order and the count must not meet other tests' matters (or their clock).
        await using var factory = new DubanFactory();
        await factory.InitializeAsync();
        var m = Marker();
        var word = m[..2];
        var at = DateTimeOffset.UtcNow.AddHours(-2);
        var desk = factory.Desk;
        var olderWages = await desk.Matter(NewMatter.Wages($"台城{m}工厂拖欠工资") with { ReceivedAt = at.AddDays(-3) }).Lead("440781-rsj").DispatchedAsync();
        var newerWages = await desk.Matter(NewMatter.Wages($"台城{m}车间拖欠加班费") with { ReceivedAt = at }).Lead("440781-rsj").DispatchedAsync();
        var noiseTitle = await desk.Dispatcher.Register(NewMatter.Noise($"外海{word}工地噪音") with { ReceivedAt = at }); // the same instant: by id
        var noiseContent = await desk.Dispatcher.Register(NewMatter.Noise() with { Content = $"工地{word}每晚施工", ReceivedAt = at.AddMinutes(-5) });
        // A confidential report about 台山's government, in 台山: never shown to 台山's supervisor.
        var report = await desk.Dispatcher.Register(NewMatter.Report("440781", $"反映台山市政府{word}违规") with { TerritoryCode = "440781115", ReceivedAt = at.AddMinutes(-1) });
        var thirdWages = await desk.Dispatcher.Register(NewMatter.Wages($"台城{word}欠薪") with { ReceivedAt = at.AddDays(-1) });
        // The raiser is sealed, never searched, by either plan.
        var raisedBy = await desk.Dispatcher.Register(NewMatter.Noise() with { Raiser = new($"{word}先生", "13800138123") });

        await using var walker = factory.Sibling();
        walker.Settings["Duban:Search:CommonMatches"] = "2";
        walker.Settings["Duban:Search:CountUpTo"] = "4";
        walker.Settings["Duban:Search:WalkChunk"] = "2";
        await walker.InitializeAsync();

        // Newest first; at the same instant, the later registration (the higher id) first.
        Assert.True(noiseTitle > newerWages);
        var expected = new Dictionary<string, long[]>
        {
            ["dispatcher"] = [noiseTitle, newerWages, report, noiseContent, thirdWages, olderWages],
            ["s-440781"] = [newerWages, thirdWages, olderWages],
            ["s-440704"] = [noiseTitle, noiseContent],
            ["h-440781-rsj"] = [newerWages, olderWages],
            ["h-440781115"] = [],
        };
        foreach (var (reader, ids) in expected)
        {
            var byIndex = await AllPages(desk.As(reader), word);
            var walked = await AllPages(walker.Desk.As(reader), word);
            Assert.Equal(ids, byIndex.Ids);
            Assert.Equal(ids, walked.Ids);
            Assert.Equal((ids.Length, false), (byIndex.Total, byIndex.LowerBound));
            // Counted up to 4: the dispatcher's six are "4+", the others exact.
            Assert.Equal(ids.Length > 4 ? (4, true) : (ids.Length, false), (walked.Total, walked.LowerBound));
            Assert.DoesNotContain(raisedBy, walked.Ids);
        }

        // A longer phrase, common too: the same answer.
        Assert.Equal([newerWages, olderWages], (await AllPages(walker.Desk.As("h-440781-rsj"), m)).Ids);
        // A word in fewer matters than the second node calls common is served by the index, counted exactly.
        var rare = await AllPages(walker.Desk.Dispatcher, Marker());
        Assert.Empty(rare.Ids);
        Assert.Equal((0, false), (rare.Total, rare.LowerBound));

        // The console's page of 20 walks the whole list: all six, counted exactly.
        var html = await walker.Desk.Dispatcher.GetStringAsync($"/console/matters?q={Uri.EscapeDataString(word)}");
        Assert.Matches(TotalOf(6), html);
        Assert.DoesNotContain("rel=\"next\"", html, StringComparison.Ordinal);
        // A list whose page needs fewer than the count stops counting at 4: "4+ 条", and a next page is offered.
        for (var i = 0; i < 18; i++) await desk.Dispatcher.Register(NewMatter.Plain($"{word}路灯不亮{i}", "440704"));
        html = await walker.Desk.Dispatcher.GetStringAsync($"/console/matters?q={Uri.EscapeDataString(word)}");
        var decoded = System.Net.WebUtility.HtmlDecode(html);
        var shown = decoded.IndexOf("data-testid=\"total\"", StringComparison.Ordinal);
        Assert.True(TotalAtLeastFour().IsMatch(decoded), shown < 0 ? "no total on the page" : decoded.Substring(shown, Math.Min(80, decoded.Length - shown))); // "4+ 条"
        Assert.Contains("rel=\"next\"", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("data-testid=\"total\">4\\+")]
    private static partial Regex TotalAtLeastFour();

    private static Regex TotalOf(int n) => new($"data-testid=\"total\">{n}</span>");
}
