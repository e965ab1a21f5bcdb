using System.Net;
using System.Text.Json.Nodes;
using Duban.Data;
using Duban.Features.Search;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Search;

/// <summary>
/// The full-text search of the matter lists (q=) on both databases: title, content, place and outcome,
/// by the index, for one, two and more characters, never the raiser, within the reader's visibility,
/// newest first, with where it was found, and kept in step with every change.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class SearchTests(DubanFactory factory)
{
    private Desk Desk => factory.Desk;

    /// <summary>
    /// Four Han characters that no demo matter writes, drawn from the 6,582 of CJK extension A, different each
    /// call: two markers share a given pair about once in 43 million, so other tests' matters in the shared
    /// database never match a test's query (a range of 68 characters made that a one-in-a-hundred event).
    /// </summary>
    private static string Marker() =>
        string.Concat(Enumerable.Range(0, 4).Select(_ => (char)Random.Shared.Next(0x3400, 0x4DB6)));

    private static async Task<List<long>> Found(HttpClient client, string q)
    {
        var body = await client.GetAsync($"/api/v1/matters?pageSize=100&q={Uri.EscapeDataString(q)}").Ok();
        return [.. body["items"]!.AsArray().Select(i => (long)i!["id"]!)];
    }

    [Fact]
    public async Task Search_FindsTitleContentPlaceAndOutcome_ByTwoCharacterWordsAndLonger()
    {
        var (t, c, p, o) = (Marker(), Marker(), Marker(), Marker());
        var inTitle = await Desk.Dispatcher.Register(NewMatter.Noise($"龙溪路{t}施工噪音"));
        var inContent = await Desk.Dispatcher.Register(NewMatter.Noise() with { Content = $"工地每晚施工，{c}严重影响休息。" });
        var inPlace = await Desk.Dispatcher.Register(NewMatter.Noise() with { Location = $"江海区外海街道{p}路88号" });
        var closing = await Desk.Matter(NewMatter.Noise()).Lead("440704").InProgressAsync();
        await Desk.Handler("440704").Do(closing, "complete", new { outcome = $"已责令工地{o}整改，夜间停工。" }, reader: Desk.Dispatcher);

        var dispatcher = Desk.Dispatcher;
        Assert.Equal([inTitle], await Found(dispatcher, t));                // four characters: the phrase of three pairs
        Assert.Equal([inTitle], await Found(dispatcher, t[..2]));           // two: one pair, from the index
        Assert.Equal([inTitle], await Found(dispatcher, t[1..4]));          // three, from the middle of the run
        Assert.Equal([inContent], await Found(dispatcher, c[2..]));         // the last two of a run
        Assert.Equal([inPlace], await Found(dispatcher, p[..3]));
        Assert.Equal([closing], await Found(dispatcher, o));
        Assert.Contains(inContent, await Found(dispatcher, c[3..]));        // one character: the run's last
        Assert.Contains(inTitle, await Found(dispatcher, t[..1]));          // one character: a pair's first
        Assert.Equal([inTitle], await Found(dispatcher, $"{t[..2]}  噪音")); // two terms, both in it
        Assert.Empty(await Found(dispatcher, $"{t[..2]} {c[..2]}"));        // two terms, in two different matters
    }

    [Fact]
    public async Task Search_MatchesOnlyWhatTheTextHolds_NotPairsOfTwoRunsNorReversed()
    {
        var m = Marker();
        var id = await Desk.Dispatcher.Register(NewMatter.Noise() with { Content = $"{m[..2]}，{m[2..]}。X{m[1]}3号楼。" });
        Assert.Equal([id], await Found(Desk.Dispatcher, m[..2]));
        Assert.Empty(await Found(Desk.Dispatcher, m[..3]));                  // the text holds 12，34: no 123
        Assert.Empty(await Found(Desk.Dispatcher, $"{m[1]}{m[0]}"));        // nor 21
        Assert.Equal([id], await Found(Desk.Dispatcher, $"x{m[1]}3号楼"));    // a word and Han in one term: one phrase
        Assert.Equal([id], await Found(Desk.Dispatcher, $"{m[1]}3号"));
        Assert.Empty(await Found(Desk.Dispatcher, $"{m[1]}4号楼"));
        Assert.Empty(await Found(Desk.Dispatcher, $"{m[0]}x"));
        Assert.Equal([id], await Found(Desk.Dispatcher, $"Ｘ{m[1]}"));       // full-width letters read as ASCII
    }

    [Fact]
    public async Task Search_NeverReadsTheRaiser()
    {
        var name = Marker();
        var id = await Desk.Dispatcher.Register(NewMatter.Noise() with { Raiser = new(name, "13800138123") });
        Assert.True(id > 0);
        Assert.Empty(await Found(Desk.Dispatcher, name));
        Assert.Empty(await Found(Desk.Dispatcher, name[..2]));
        Assert.Empty(await Found(Desk.Dispatcher, "13800138123"));
    }

    [Fact]
    public async Task Search_StaysWithinTheReadersView_NewestFirst()
    {
        var m = Marker();
        var older = await Desk.Matter(NewMatter.Wages($"台城{m}工厂拖欠工资") with { ReceivedAt = DateTimeOffset.UtcNow.AddDays(-3) }).Lead("440781-rsj").DispatchedAsync();
        var newer = await Desk.Matter(NewMatter.Wages($"台城{m}车间拖欠加班费")).Lead("440781-rsj").DispatchedAsync();
        var elsewhere = await Desk.Matter(NewMatter.Noise($"外海{m}工地噪音")).Lead("440704").DispatchedAsync();

        Assert.Equal([elsewhere, newer, older], (await Found(Desk.Dispatcher, m[..2])).Where(i => i == older || i == newer || i == elsewhere));
        Assert.Equal([newer, older], await Found(Desk.CountySupervisor("440781"), m[..2]));
        Assert.Equal([newer, older], await Found(Desk.Handler("440781-rsj"), m));
        Assert.Equal([elsewhere], await Found(Desk.CountySupervisor("440704"), m[1..3]));
        Assert.Empty(await Found(Desk.Handler("440781115"), m[..2]));
    }

    [Fact]
    public async Task Search_TellsWhereItFound_AndThePageMarksIt()
    {
        var m = Marker();
        var id = await Desk.Dispatcher.Register(NewMatter.Noise("夜间施工噪音") with { Content = $"龙溪路工地每晚施工到凌晨两点，{m}<b>严重</b>影响附近居民休息，请尽快处理。" });
        var body = await Desk.Dispatcher.GetAsync($"/api/v1/matters?q={m[..2]}").Ok();
        var item = body["items"]!.AsArray().Single(i => (long)i!["id"]! == id)!;
        Assert.Equal("content", (string?)item["match"]!["field"]);
        Assert.Contains(m, (string)item["match"]!["text"]!, StringComparison.Ordinal);

        var html = await Desk.Dispatcher.GetStringAsync($"/console/matters?q={Uri.EscapeDataString(m[..2])}");
        Assert.Contains($"<mark>{m[..2]}</mark>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;", html, StringComparison.Ordinal); // the matter's text is shown, never read as markup
        Assert.DoesNotContain("<b>严重</b>", html, StringComparison.Ordinal);

        // In the title: the title is marked and no other field is named.
        var t = Marker();
        var titled = await Desk.Dispatcher.Register(NewMatter.Noise($"{t}路灯不亮"));
        var inTitle = (await Desk.Dispatcher.GetAsync($"/api/v1/matters?q={t}").Ok())["items"]!.AsArray().Single()!;
        Assert.Equal(titled, (long)inTitle["id"]!);
        Assert.Null(inTitle["match"]);
    }

    [Fact]
    public async Task Search_FollowsChanges_CompletionAndReopening()
    {
        var (place, outcome) = (Marker(), Marker());
        var id = await Desk.Matter(NewMatter.Noise() with { Location = $"外海街道{place}路" }).Lead("440704").InProgressAsync();
        await Desk.Handler("440704").Do(id, "complete", new { outcome = $"已处理{outcome}" }, reader: Desk.Dispatcher);
        Assert.Equal([id], await Found(Desk.Dispatcher, outcome));
        Assert.Equal([id], await Found(Desk.Dispatcher, place)); // the row written anew keeps every column

        await Desk.Dispatcher.Do(id, "approve");
        await Desk.Supervisor.Do(id, "reopen", new { reason = "群众反映仍有噪音" });
        Assert.Empty(await Found(Desk.Dispatcher, outcome)); // reopening clears the outcome, and the index with it
        Assert.Equal([id], await Found(Desk.Dispatcher, place));
    }

    [Fact]
    public async Task Rebuild_WritesTheIndexAnew()
    {
        var m = Marker();
        var id = await Desk.Dispatcher.Register(NewMatter.Noise($"{m}井盖缺失"));
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
            await db.Database.ExecuteSqlRawAsync(db.IsPostgres ? "DELETE FROM matter_search" : "DELETE FROM matter_search WHERE rowid > 0");
        }
        Assert.Empty(await Found(Desk.Dispatcher, m));
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
            Assert.Equal(await db.Matters.LongCountAsync(), await MatterSearch.RebuildAsync(db, null, default));
        }
        Assert.Equal([id], await Found(Desk.Dispatcher, m));
    }

    [Fact]
    public async Task Search_ByNumber_AndPunctuationAlone()
    {
        var id = await Desk.Dispatcher.Register(NewMatter.Noise());
        var number = (string)(await Desk.Dispatcher.GetAsync($"/api/v1/matters/{id}").Ok())["number"]!;
        Assert.Equal([id], await Found(Desk.Dispatcher, number));
        Assert.Equal(0, (int)(await Desk.Dispatcher.GetAsync("/api/v1/matters?q=%25%25").Ok())["total"]!);
        // The index's own syntax typed by a user is read as words, never as a query of the index (no 500).
        foreach (var q in new[] { "\"", "* OR", "NEAR(a b)", "a:b", "'x' <-> !y", "(" })
            Assert.Equal(HttpStatusCode.OK, (await Desk.Dispatcher.GetAsync($"/api/v1/matters?q={Uri.EscapeDataString(q)}")).StatusCode);
    }
}
