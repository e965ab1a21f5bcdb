using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Duban.Features.Dispatching;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Dispatching;

/// <summary>
/// The dispatchers' corrections counted per suggested category and owner with each dispatch (issue 19), equal to what
/// the dispatch events say, and the top three suggestions offered as one click each below the automatic dispatch's
/// threshold. Each test on a database of its own, so the counters and the queue hold only what it made (and the demo's).
/// </summary>
[Trait("Category", "Database")]
public sealed partial class CorrectionsAndTopPicksTests
{
    private static async Task<DubanFactory> StartAsync(double threshold)
    {
        var app = new DubanFactory();
        // Nothing leaves the queue by itself; the threshold decides which suggestions are low.
        app.Settings["Duban:Dispatch:AutoDispatch"] = "false";
        app.Settings["Duban:Dispatch:AutoConfidence"] = threshold.ToString(CultureInfo.InvariantCulture);
        await app.InitializeAsync();
        return app;
    }

    private static NewMatter RiverIn(string territory) => new NewMatter("complaint", "河涌污水直排", "河涌被排污，水体发黑发臭，请环保部门处理。").In(territory);

    [Fact]
    public async Task Corrections_CountedWithEachDispatch_EqualWhatTheEventsSay()
    {
        await using var app = await StartAsync(0.9);
        var api = app.Desk.Dispatcher;
        var taken = await api.Register(RiverIn("440703002"));
        var sentElsewhere = await api.Register(RiverIn("440703002"));
        var scales = await api.Register(new NewMatter("complaint", "菜市场摊贩缺斤短两", "在台城菜市场买肉，回家一称少了二两。").In("440781001"));
        await api.Do(taken, "dispatch", new { accept = true });
        await api.Do(sentElsewhere, "dispatch", new { leadUnitCode = "4407-sthjj", category = "环境保护/水污染" });
        await api.Do(scales, "dispatch", new { accept = true });

        var list = (await api.GetAsync("/api/v1/dispatch/corrections").Ok()).AsArray();
        var river = list.Single(r => (string?)r!["category"] == "环境保护/水污染" && (string?)r["suggestedUnit"]?["code"] == "440703-sthjj")!;
        Assert.Equal((2, 1, 1, 1), ((long)river["suggested"]!, (long)river["accepted"]!, (long)river["corrected"]!, (long)river["leadCorrected"]!));
        Assert.Equal(0, (long)river["categoryCorrected"]!);
        var to = Assert.Single(river["correctedTo"]!.AsArray())!;
        Assert.Equal(("4407-sthjj", 1L), ((string?)to["unit"]!["code"], (long)to["dispatches"]!));
        var weights = list.Single(r => (string?)r!["category"] == "商贸旅游/计量")!;
        Assert.Equal(("440781-scjgj", 1L, 1L, 0L), ((string?)weights["suggestedUnit"]!["code"], (long)weights["suggested"]!, (long)weights["accepted"]!,
            (long)weights["corrected"]!));

        // The counters are what the events say, row for row (the demo's dispatches included).
        await using var scope = app.Scope();
        var db = app.Db(scope);
        var table = await db.Set<DispatchCorrection>().AsNoTracking().ToListAsync();
        var events = await db.Events.AsNoTracking().Where(e => e.Action == "dispatch").Select(e => e.Data).ToListAsync();
        Assert.Equal(Lines(DispatchCorrections.FromEvents(events)), Lines(table));
        Assert.Contains(table, r => r.Category == "环境保护/水污染" && r.SuggestedUnit == "440703-sthjj" && r.ChosenUnit == "4407-sthjj" && r.LeadCorrected == 1);
    }

    [Fact]
    public async Task Corrections_ForDispatchersSupervisorsAndAdministrators_ACountySeesItsOwnUnits()
    {
        await using var app = await StartAsync(0.9);
        var api = app.Desk.Dispatcher;
        var taishan = await api.Register(new NewMatter("complaint", "菜市场摊贩缺斤短两", "摊贩的秤有问题。").In("440781001"));
        var pengjiang = await api.Register(RiverIn("440703002"));
        await api.Do(taishan, "dispatch", new { accept = true });
        await api.Do(pengjiang, "dispatch", new { accept = true });

        await app.Desk.Handler("440781-scjgj").GetAsync("/api/v1/dispatch/corrections").Problem(HttpStatusCode.Forbidden);
        await app.Desk.Leader.GetAsync("/api/v1/dispatch/corrections").Problem(HttpStatusCode.Forbidden);
        Assert.NotEmpty((await app.Desk.Supervisor.GetAsync("/api/v1/dispatch/corrections").Ok()).AsArray());
        Assert.NotEmpty((await app.Desk.Admin.GetAsync("/api/v1/dispatch/corrections").Ok()).AsArray());
        // 台山's supervisor: the suggestions to or choices of 台山's units only.
        var county = (await app.Desk.CountySupervisor("440781").GetAsync("/api/v1/dispatch/corrections").Ok()).AsArray();
        Assert.Contains(county, r => (string?)r!["suggestedUnit"]?["code"] == "440781-scjgj");
        Assert.DoesNotContain(county, r => (string?)r!["suggestedUnit"]?["code"] == "440703-sthjj");
    }

    [Fact]
    public async Task TopPicks_BelowTheThreshold_EachDispatchesWithOneClick()
    {
        // Every suggestion is below a threshold of 2: the pane offers the top three as buttons.
        await using var app = await StartAsync(2.0);
        var api = app.Desk.Dispatcher;
        var id = await api.Register(new NewMatter("complaint", "河涌污水直排，菜市场缺斤短两",
            "横陂镇河涌被排污，水体发黑；镇上菜市场摊贩缺斤短两。").In("440785100"));
        var url = $"/console/queue?county=440785&sel={id}";
        var desk = await PageForms.SignedInAsync(app, "dispatcher");
        var html = await desk.GetStringAsync(url);
        Assert.Contains("data-testid=\"top-picks\"", html, StringComparison.Ordinal);
        var picks = Pick().Matches(html).Select(m => (Value: WebUtility.HtmlDecode(m.Groups[1].Value), Key: m.Groups[2].Value)).ToList();
        Assert.InRange(picks.Count, 2, 3);
        Assert.Equal(["1", "2"], picks.Take(2).Select(p => p.Key));
        Assert.Equal(picks.Count, picks.Select(p => p.Value).Distinct().Count());

        // The second: dispatched with its lead unit and category, the best suggestion recorded beside it as corrected.
        var (lead, category) = (picks[1].Value.Split('|')[0], picks[1].Value.Split('|')[1]);
        var version = (await api.Version(id)).ToString(CultureInfo.InvariantCulture);
        var posted = await PageForms.PostAsync(desk, url, $"pick-{id}", [new("version", version), new("pick", picks[1].Value)]);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var matter = await api.Get(id);
        Assert.Equal("dispatched", (string?)matter["status"]);
        Assert.Equal(lead, (string?)matter["leadUnit"]!["code"]);
        Assert.Equal(category, (string?)matter["category"]);

        await using var scope = app.Scope();
        var data = await app.Db(scope).Events.AsNoTracking().Where(e => e.MatterId == id && e.Action == "dispatch").Select(e => e.Data).SingleAsync();
        var suggestion = JsonNode.Parse(data)!["suggestion"]!;
        Assert.False((bool)suggestion["accepted"]!);
        Assert.Equal(picks[0].Value.Split('|')[0], (string?)suggestion["leadUnitCode"]);
    }

    [Fact]
    public async Task TopPicks_AboveTheThreshold_NotOffered()
    {
        await using var app = await StartAsync(0);
        var id = await app.Desk.Dispatcher.Register(RiverIn("440785100"));
        var desk = await PageForms.SignedInAsync(app, "dispatcher");
        var html = await desk.GetStringAsync($"/console/queue?county=440785&sel={id}");
        Assert.Contains("data-testid=\"queue-detail\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"top-picks\"", html, StringComparison.Ordinal);
    }

    private static List<string> Lines(IEnumerable<DispatchCorrection> rows) =>
        [.. rows.Select(r => string.Join('|', r.Category, r.SuggestedUnit, r.ChosenUnit, r.Dispatches, r.Accepted, r.CategoryCorrected, r.LeadCorrected, r.CoCorrected))
            .Order(StringComparer.Ordinal)];

    [GeneratedRegex("name=\"pick\" value=\"([^\"]+)\" data-pick=\"(\\d)\"")]
    private static partial Regex Pick();
}
