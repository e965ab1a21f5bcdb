using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CsvHelper;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Duban.Features.Tally;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Figures;

/// <summary>
/// The figures per unit from the records, through the API. The deployment starts in August 2026
/// (the demo's matters and their deadlines fall before November) and the scenario runs in
/// November in 恩平市 (no demo matters): 横陂镇 (440785100) with a mixed record, 圣堂镇 (440785101)
/// with a perfect one, and one matter of 台山's 川岛镇 for the visibility checks.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class FiguresTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private const string Hengbei = "440785100";
    private const string Shengtang = "440785101";

    private static DateTimeOffset At(int month, int day, int hour, int minute = 0, int second = 0) => new(2026, month, day, hour, minute, second, China);

    /// <summary>A road caving in, raised by 梁志强 in 恩平市横陂镇's words, placed in <paramref name="territory"/>.</summary>
    private static NewMatter Road(string title, string territory, string category) =>
        new NewMatter("complaint", title, "路面塌陷多日无人修补，车辆经过十分危险。") { Category = category }.At("恩平市横陂镇").From("梁志强", "13700137000").In(territory);

    /// <summary>The figures' scene on the deployment's desk: road matters dispatched with a deadline, signed for, closed with or without feedback.</summary>
    private sealed class Scenario(DubanFactory app)
    {
        public HttpClient Dispatcher => app.Desk.Dispatcher;
        public HttpClient Supervisor => app.Desk.Supervisor;

        public void To(DateTimeOffset when) => app.Desk.MoveTo(when);

        public Task<long> Dispatched(string title, string unit, DateTimeOffset due, string territory, string category = "城乡建设/市政道路") =>
            app.Desk.Matter(Road(title, territory, category)).Lead(unit).Due(due).DispatchedAsync();

        /// <summary>A task (督办任务) to 横陂镇 that came by <paramref name="channel"/>: a leader's instruction, a meeting's decision.</summary>
        public Task<long> DispatchedTask(string title, string channel, DateTimeOffset due) =>
            app.Desk.Matter(NewMatter.Task(title, "按要求限期整改到位。", "城乡建设/市政道路").Via(channel).In(Hengbei)).Lead(Hengbei).Due(due).DispatchedAsync();

        /// <summary>Sets the signing deadline of the matter's active lead assignment (the dispatch of issue #5 sets it itself).</summary>
        public async Task SignDue(long id, DateTimeOffset? due)
        {
            await using var scope = app.Scope();
            await app.Db(scope).Assignments.Where(a => a.MatterId == id && a.Active && a.Role == "lead")
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.SignDueAt, due?.ToUniversalTime()));
        }

        public async Task Accept(long id, string unit) => await app.Desk.Handler(unit).Do(id, "accept", reader: Dispatcher);

        public async Task Close(long id, string unit, bool? resolved = null, string? satisfaction = null)
        {
            await app.Desk.Handler(unit).Do(id, "complete", new { outcome = "已修复路面并恢复通行。" }, reader: Dispatcher);
            await Dispatcher.Do(id, "approve");
            if (resolved is not null) await Dispatcher.Do(id, "feedback", new { resolved, satisfaction });
        }
    }

    private static async Task<Scenario> StartAsync(DubanFactory app)
    {
        await app.InitializeAsync();
        var s = new Scenario(app);
        s.To(At(11, 2, 9));
        return s;
    }

    /// <summary>
    /// The figures at <paramref name="path"/> as the client reads them, twice: counted from the records (the
    /// counters made too old to be used, as when the tally job stops) and from the counters brought up to date
    /// (Features/Tally: the monthly rollup, which a county's and the city's coordinators read). Both must say
    /// the same; the second states when it was counted (asOf), unless the client counts live (a handler: <paramref name="counters"/> false).
    /// </summary>
    private static async Task<JsonNode> Figures(DubanFactory app, HttpClient client, string path, bool counters = true)
    {
        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            if (await db.Set<TallyState>().SingleOrDefaultAsync() is { } state)
            {
                state.CountedAt = state.CountedAt.AddDays(-1);
                await db.SaveChangesAsync();
            }
        }
        var live = (await client.GetAsync(path).Ok()).AsObject();
        Assert.Null(live["asOf"]);
        await using (var scope = app.Scope()) await scope.ServiceProvider.GetRequiredService<Tallies>().CatchUpAsync(default);
        var counted = (await client.GetAsync(path).Ok()).AsObject();
        Assert.Equal(counters, counted["asOf"] is not null);
        JsonObject Figures(JsonObject view)
        {
            var copy = view.DeepClone().AsObject();
            copy.Remove("generatedAt");
            copy.Remove("asOf");
            return copy;
        }
        Assert.Equal(Figures(live).ToJsonString(), Figures(counted).ToJsonString());
        return counted;
    }

    private static JsonNode Row(JsonNode view, string code) => view["rows"]!.AsArray().Single(r => (string?)r!["unit"]!["code"] == code)!;

    private static (int, int) Pair(JsonNode node, string a, string b) => ((int)node[a]!, (int)node[b]!);

    [Fact]
    public async Task Figures_FromTheRecords_EachRateCountsWhatItSays_AndTheRankingOrdersByScore()
    {
        await using var app = DubanFactory.StartingAt(At(8, 3, 9));
        app.Settings["Duban:Figures:BasicallySatisfied"] = "0.8";
        app.Settings["Duban:Figures:ExcludedCategories:0"] = "其他";
        // 圣堂镇 has one matter: ranked here, where the order by score is what is tested (the minimum has its own test).
        app.Settings["Duban:Figures:MinimumMatters"] = "1";
        var s = await StartAsync(app);

        // 2 November 09:00: seven matters to 横陂镇, one to 圣堂镇.
        var onTime = await s.Dispatched("横陂镇中心路路面塌陷", Hengbei, At(11, 20, 18), Hengbei);
        var lateSigned = await s.Dispatched("横陂镇新村路积水", Hengbei, At(11, 12, 18), Hengbei);
        var excluded = await s.Dispatched("咨询农房报建政策", Hengbei, At(11, 20, 18), Hengbei, "其他/政策咨询");
        var stillOpen = await s.Dispatched("横陂镇路灯不亮", Hengbei, At(11, 15, 18), Hengbei);
        var december = await s.Dispatched("横陂镇桥面破损", Hengbei, At(12, 20, 18), Hengbei);
        var returned = await s.Dispatched("横陂镇河道垃圾", Hengbei, At(12, 20, 18), Hengbei);
        var reopened = await s.Dispatched("横陂镇井盖缺失", Hengbei, At(11, 20, 18), Hengbei);
        var perfect = await s.Dispatched("圣堂镇路面坑洼", Shengtang, At(11, 20, 18), Shengtang);
        await s.SignDue(onTime, At(11, 3, 9));
        await s.SignDue(lateSigned, At(11, 3, 9));

        s.To(At(11, 2, 10));
        foreach (var id in new[] { onTime, excluded, stillOpen, december, reopened }) await s.Accept(id, Hengbei);
        await s.Accept(perfect, Shengtang);
        // An improper return: 横陂镇 returns it, the dispatcher sends it back to 横陂镇, which then signs.
        await (await app.As("h-" + Hengbei)).Do(returned, "return", new { reason = "河道保洁不属本镇职责" }, reader: s.Dispatcher);
        await s.Dispatcher.Do(returned, "dispatch", new { leadUnitCode = Hengbei, dueAt = At(12, 20, 18), note = "河道属镇街属地管理" });
        await s.Accept(returned, Hengbei);

        s.To(At(11, 4, 10));
        await s.Accept(lateSigned, Hengbei); // after its signing deadline of 3 November 09:00

        s.To(At(11, 10, 10));
        await s.Close(onTime, Hengbei, true, "satisfied");
        await s.Close(excluded, Hengbei, false, "dissatisfied");
        await s.Close(reopened, Hengbei);
        await s.Close(perfect, Shengtang, true, "satisfied");

        s.To(At(11, 25, 10));
        await s.Supervisor.Do(reopened, "reopen", new { reason = "群众反映井盖仍未补齐", dueAt = At(12, 20, 18) });
        await (await app.As("h-" + Hengbei)).Do(december, "complete", new { outcome = "桥面已修补。" }, reader: s.Dispatcher);

        // Pending: dispatched on the last day, its signing deadline not reached when the figures are read.
        s.To(At(11, 30, 9));
        var pending = await s.Dispatched("横陂镇排水沟堵塞", Hengbei, At(12, 20, 18), Hengbei);
        await s.SignDue(pending, At(12, 31, 9));

        // Closed at 23:59 China time on the last day of November: a November closure, late.
        await (await app.As("h-" + Hengbei)).Do(lateSigned, "complete", new { outcome = "已疏通排水。" }, reader: s.Dispatcher);
        s.To(At(11, 30, 23, 59));
        await s.Dispatcher.Do(lateSigned, "approve");
        await s.Dispatcher.Do(lateSigned, "feedback", new { resolved = false, satisfaction = "basically_satisfied" });
        // Closed 30 seconds into December: December's.
        s.To(At(12, 1, 0, 0, 30));
        await s.Dispatcher.Do(december, "approve");

        s.To(At(12, 2, 9));
        var view = await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026-11&rank=town");
        Assert.Equal(("2026-11", "2026-11-01", "2026-11-30", "town"), ((string?)view["period"], (string?)view["from"], (string?)view["to"], (string?)view["rank"]));
        Assert.Equal(0.8, (double)view["scoring"]!["basicallySatisfied"]!);

        var h = Row(view, Hengbei);
        // Response: signed by the deadline (none set: signed at all) 6 — five on the day, the return's
        // second dispatch; late 1; the returned share, given up unsigned, is not counted; one pending.
        Assert.Equal((6, 1), Pair(h["response"]!, "inTime", "late"));
        Assert.Equal((7, 1), Pair(h["response"]!, "counted", "pending"));
        Assert.Equal(0.8571, (double)h["response"]!["rate"]!);
        // Resolution and satisfaction: two closed in November with feedback, the 其他 one left out.
        Assert.Equal((1, 2), Pair(h["resolution"]!, "resolved", "withFeedback"));
        Assert.Equal(0.5, (double)h["resolution"]!["rate"]!);
        Assert.Equal((1, 1), Pair(h["satisfaction"]!, "satisfied", "basicallySatisfied"));
        Assert.Equal((0, 2), Pair(h["satisfaction"]!, "dissatisfied", "withFeedback"));
        Assert.Equal(0.9, (double)h["satisfaction"]!["rate"]!); // (1 + 0.8) / 2
        // On time: three closed in November (the reopened one is open again, December's is December's), one late.
        Assert.Equal((2, 3), Pair(h["onTime"]!, "onTime", "closed"));
        // Overdue: the street light (open past 15 November) and the water (closed after 12 November).
        Assert.Equal((2, 1), Pair(h["overdue"]!, "count", "open"));
        Assert.Equal(1, (int)h["overdue"]!["closedLate"]!);
        Assert.Equal((1, 1), Pair(h, "returns", "improperReturns"));
        Assert.Equal(1, (int)h["reopenings"]!);
        // 100 × (0.2 × 6/7 + 0.3 × 1/2 + 0.3 × 0.9 + 0.2 × 2/3) − (2 overdue + 1 improper return) × 1.
        Assert.Equal(3, (double)h["penalty"]!);
        Assert.Equal(69.48, (double)h["score"]!);

        var st = Row(view, Shengtang);
        Assert.Equal(100, (double)st["score"]!);
        Assert.Equal(new[] { (Shengtang, 1), (Hengbei, 2) },
            view["rows"]!.AsArray().Select(r => ((string)r!["unit"]!["code"]!, (int)r["rank"]!)).ToArray());

        // December: the bridge closed 30 seconds after midnight; the quarter holds both months.
        var dec = await Figures(app, s.Dispatcher, $"/api/v1/figures/units/{Hengbei}?period=2026-12");
        Assert.Equal((1, 1), Pair(dec["rows"]![0]!["onTime"]!, "onTime", "closed"));
        var quarter = await Figures(app, s.Dispatcher, $"/api/v1/figures/units/{Hengbei}?period=2026-q4");
        Assert.Equal(("2026-Q4", 4), ((string?)quarter["period"], (int)quarter["rows"]![0]!["onTime"]!["closed"]!));
        Assert.Equal(4, (int)(await Figures(app, s.Dispatcher, $"/api/v1/figures/units/{Hengbei}?period=2026"))["rows"]![0]!["onTime"]!["closed"]!);
        Assert.Equal(0, (int)(await Figures(app, s.Dispatcher, $"/api/v1/figures/units/{Hengbei}?period=2026-10"))["rows"]![0]!["onTime"]!["closed"]!);

        // CSV: a byte-order mark, Chinese headers, the same counts.
        var csvResponse = await s.Dispatcher.GetAsync("/api/v1/figures?period=2026-11&rank=town&format=csv");
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType?.MediaType);
        var bytes = await csvResponse.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        using (var csv = new CsvReader(new StringReader(Encoding.UTF8.GetString(bytes[3..])), CultureInfo.InvariantCulture))
        {
            var records = csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ToList();
            Assert.Equal(2, records.Count);
            var r = records.Single(x => (string)x["单位编码"] == Hengbei);
            Assert.Equal(("恩平市横陂镇人民政府", "2", "0.8571", "6", "7"), ((string)r["单位名称"], (string)r["排名"], (string)r["响应率"], (string)r["按时签收"], (string)r["应签收"]));
            Assert.Equal(("0.9", "1", "2", "69.48"), ((string)r["满意率"], (string)r["不当退单"], (string)r["超期数"], (string)r["综合得分"]));
        }

        // XLSX: numbers as numbers, rates formatted as percentages.
        var xlsxResponse = await s.Dispatcher.GetAsync("/api/v1/figures?period=2026-11&rank=town&format=xlsx");
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsxResponse.Content.Headers.ContentType?.MediaType);
        using (var document = SpreadsheetDocument.Open(new MemoryStream(await xlsxResponse.Content.ReadAsByteArrayAsync()), false))
        {
            var workbook = document.WorkbookPart!;
            var sheet = workbook.Workbook.Sheets!.Elements<Sheet>().First();
            Assert.Equal("统计", sheet.Name?.Value);
            var rows = ((WorksheetPart)workbook.GetPartById(sheet.Id!)).Worksheet.Descendants<Row>().ToList();
            string Text(Cell c) => c.InlineString?.InnerText ?? c.CellValue?.Text ?? "";
            var headers = rows[0].Elements<Cell>().Select(Text).ToList();
            Assert.Equal("排名", headers[0]);
            var row = rows.Skip(1).Single(r => Text(r.Elements<Cell>().ElementAt(1)) == Hengbei).Elements<Cell>().ToList();
            var rate = row[headers.IndexOf("响应率")];
            Assert.Equal(("0.8571", CellValues.Number), (rate.CellValue?.Text, rate.DataType!.Value));
            var format = workbook.WorkbookStylesPart!.Stylesheet.CellFormats!.Elements<CellFormat>().ElementAt((int)rate.StyleIndex!.Value);
            Assert.Equal(10u, format.NumberFormatId!.Value); // 0.00%
            Assert.Equal("69.48", row[headers.IndexOf("综合得分")].CellValue?.Text);
            Assert.Equal("3", row[headers.IndexOf("扣分")].CellValue?.Text);
        }
    }

    [Fact]
    public async Task Figures_RankingsStayInTheCallersScope_CountiesAggregate_AndHandlersSeeOnlyTheirUnit()
    {
        await using var app = DubanFactory.StartingAt(At(8, 3, 9));
        var s = await StartAsync(app);
        var enping = await s.Dispatched("横陂镇中心路路面塌陷", Hengbei, At(11, 20, 18), Hengbei);
        var enping2 = await s.Dispatched("圣堂镇路面坑洼", Shengtang, At(11, 20, 18), Shengtang);
        var taishan = await s.Dispatched("川岛镇码头路面破损", "440781115", At(11, 20, 18), "440781115");
        s.To(At(11, 2, 10));
        await s.Accept(enping, Hengbei);
        await s.Accept(enping2, Shengtang);
        await s.Accept(taishan, "440781115");
        s.To(At(11, 5, 10));
        await s.Close(enping, Hengbei, true, "satisfied");
        await s.Close(taishan, "440781115", false, "dissatisfied");
        s.To(At(12, 1, 9));

        static string[] Codes(JsonNode view) => view["rows"]!.AsArray().Select(r => (string)r!["unit"]!["code"]!).ToArray();
        Assert.Equal(new[] { Hengbei, Shengtang, "440781115" }, Codes(await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026-11&rank=town")));
        var enpingSupervisor = await app.As("s-440785");
        Assert.Equal(new[] { Hengbei, Shengtang }, Codes(await Figures(app, enpingSupervisor, "/api/v1/figures?period=2026-11&rank=town")));
        Assert.Empty(Codes(await Figures(app, enpingSupervisor, "/api/v1/figures?period=2026-11&rank=department")));

        // Counties: the matters of each county together, named by its government; every county of the city has its row,
        // those with figures first (here too few to rank, as every county with nothing).
        var counties = await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026-11&rank=county");
        Assert.Equal(new[] { "440785", "440781", "440703", "440704", "440705", "440783", "440784" }, Codes(counties));
        var ep = Row(counties, "440785");
        Assert.Equal(("恩平市人民政府", 2, 1), ((string?)ep["unit"]!["name"], (int)ep["response"]!["inTime"]!, (int)ep["onTime"]!["closed"]!));
        Assert.Equal(0, (double)Row(counties, "440781")["resolution"]!["rate"]!);
        var own = await Figures(app, enpingSupervisor, "/api/v1/figures?period=2026-11&rank=county");
        Assert.Equal(new[] { "440785" }, Codes(own));

        // Another county's unit is outside 恩平's supervisor's scope; a handler sees only its own unit.
        await enpingSupervisor.GetAsync("/api/v1/figures/units/440781115?period=2026-11").Problem(HttpStatusCode.Forbidden);
        var handler = await app.As("h-" + Hengbei);
        await handler.GetAsync("/api/v1/figures?period=2026-11&rank=town").Problem(HttpStatusCode.Forbidden);
        await handler.GetAsync($"/api/v1/figures/units/{Shengtang}?period=2026-11").Problem(HttpStatusCode.Forbidden);
        var mine = await Figures(app, handler, $"/api/v1/figures/units/{Hengbei}?period=2026-11", counters: false);
        Assert.Equal((1, 1), Pair(Row(mine, Hengbei)["onTime"]!, "onTime", "closed"));
        await s.Dispatcher.GetAsync("/api/v1/figures/units/nowhere?period=2026-11").Problem(HttpStatusCode.NotFound);

        foreach (var bad in new[] { "2026-13", "1999", "2101-01", "2026-Q5", "November", "2026-1" })
        {
            var problem = await s.Dispatcher.GetAsync($"/api/v1/figures?period={bad}").Problem(HttpStatusCode.BadRequest, "validation");
            Assert.Contains("2026-Q4", (string?)problem["title"]);
        }
        await s.Dispatcher.GetAsync("/api/v1/figures?period=2026-11&rank=village").Problem(HttpStatusCode.BadRequest);
        await s.Dispatcher.GetAsync("/api/v1/figures?period=2026-11&format=pdf").Problem(HttpStatusCode.BadRequest);
    }

    /// <summary>
    /// Issue 18: 恩平市 scored −1.0 on one matter (no rate but a late signature, one point off for the overdue), only the
    /// counties with figures were listed, and a unit was ranked on any number of matters. Now the score stays within
    /// 0–100, a unit needs <c>MinimumMatters</c> to be ranked (the others are listed as too few to rank), and every county
    /// of the city has its row; a period may also be months from–to, across a year's end.
    /// </summary>
    [Fact]
    public async Task Figures_Ranking_ScoreWithin0To100_TooFewMattersUnranked_EveryCountyListed()
    {
        await using var app = DubanFactory.StartingAt(At(8, 3, 9));
        app.Settings["Duban:Figures:MinimumMatters"] = "3";
        var s = await StartAsync(app);
        // 恩平: one matter, never signed for (its signing deadline lapsed), open past its deadline.
        var enping = await s.Dispatched("横陂镇中心路路面塌陷", Hengbei, At(11, 5, 18), Hengbei);
        await s.SignDue(enping, At(11, 2, 9, 30));
        // 台山: three matters signed for and closed on time, the raiser satisfied.
        var taishan = new List<long>();
        foreach (var title in new[] { "川岛镇码头路面破损", "川岛镇沙堤路积水", "川岛镇路灯不亮" })
            taishan.Add(await s.Dispatched(title, "440781115", At(11, 20, 18), "440781115"));
        s.To(At(11, 2, 10));
        foreach (var id in taishan) await s.Accept(id, "440781115");
        s.To(At(11, 5, 10));
        foreach (var id in taishan) await s.Close(id, "440781115", true, "satisfied");
        s.To(At(12, 1, 9));

        // The scene's matters are complaints: the demo's own tasks in 恩平 (the 江海—恩平 agreements' commitments, which fall
        // due in the autumn of this clock) stay out of the counts the scene checks.
        var view = await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026-11&rank=county&kind=complaint");
        Assert.Equal(3, (int)view["scoring"]!["minimumMatters"]!);
        var rows = view["rows"]!.AsArray();
        Assert.Equal(new[] { "440703", "440704", "440705", "440781", "440783", "440784", "440785" },
            rows.Select(r => (string)r!["unit"]!["code"]!).Order(StringComparer.Ordinal).ToArray());
        Assert.All(rows, r => Assert.InRange((double?)r!["score"] ?? 0, 0, 100));
        var ep = Row(view, "440785");
        Assert.Equal((1, 1), ((int)ep["response"]!["late"]!, (int)ep["overdue"]!["count"]!));
        Assert.Equal(0, (double)ep["score"]!);
        Assert.Equal(1, (int)ep["matters"]!);
        Assert.True((bool)ep["tooFewToRank"]!);
        Assert.Null((int?)ep["rank"]);
        var ts = Row(view, "440781");
        Assert.Equal((1, 3, false), ((int)ts["rank"]!, (int)ts["matters"]!, (bool)ts["tooFewToRank"]!));
        Assert.Equal("440781", (string?)rows[0]!["unit"]!["code"]);
        // A county with nothing in the period: listed, too few to rank, no score.
        var quiet = Row(view, "440784");
        Assert.Equal((0, true), ((int)quiet["matters"]!, (bool)quiet["tooFewToRank"]!));
        Assert.Null((double?)quiet["score"]);

        // The exports say what the dashboard's table says beside the rates: the matters each unit's figures rest on, and
        // 样本不足 for a unit under the minimum (no rank), in the CSV and in the XLSX alike.
        var csvBytes = await (await s.Dispatcher.GetAsync("/api/v1/figures?period=2026-11&rank=county&kind=complaint&format=csv")).Content.ReadAsByteArrayAsync();
        using (var csv = new CsvReader(new StringReader(Encoding.UTF8.GetString(csvBytes[3..])), CultureInfo.InvariantCulture))
        {
            var records = csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ToDictionary(r => (string)r["单位编码"]);
            Assert.Equal(("", "1", Duban.Features.Figures.FiguresExport.TooFewToRank), ((string)records["440785"]["排名"], (string)records["440785"]["事项数"], (string)records["440785"]["样本不足"]));
            Assert.Equal(("1", "3", ""), ((string)records["440781"]["排名"], (string)records["440781"]["事项数"], (string)records["440781"]["样本不足"]));
            Assert.Equal(("0", Duban.Features.Figures.FiguresExport.TooFewToRank), ((string)records["440784"]["事项数"], (string)records["440784"]["样本不足"]));
        }
        var xlsx = Infrastructure.Sheets.Rows(await (await s.Dispatcher.GetAsync("/api/v1/figures?period=2026-11&rank=county&kind=complaint&format=xlsx")).Content.ReadAsByteArrayAsync(), "统计");
        var header = xlsx[0].ToList();
        var enpingRow = xlsx.Single(r => r[1] == "440785");
        Assert.Equal(("1", Duban.Features.Figures.FiguresExport.TooFewToRank), (enpingRow[header.IndexOf("事项数")], enpingRow[header.IndexOf("样本不足")]));
        var taishanRow = xlsx.Single(r => r[1] == "440781");
        Assert.Equal(("3", ""), (taishanRow[header.IndexOf("事项数")], taishanRow[header.IndexOf("样本不足")]));

        // Months from–to: October to November holds November's figures; across the year's end the rollup reads months
        // only (its year rows sort among them), which Figures checks against the records.
        var custom = await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026-10..2026-11&rank=county");
        Assert.Equal(("2026-10..2026-11", "2026-10-01", "2026-11-30"), ((string?)custom["period"], (string?)custom["from"], (string?)custom["to"]));
        Assert.Equal(3, (int)Row(custom, "440781")["onTime"]!["closed"]!);
        // December 2025 to November 2026: the year's closures so far (the demo's of 台山 too), counted once.
        var acrossYears = await Figures(app, s.Dispatcher, "/api/v1/figures?period=2025-12..2026-11&rank=county");
        var year = await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026&rank=county");
        Assert.Equal((int)Row(year, "440781")["onTime"]!["closed"]!, (int)Row(acrossYears, "440781")["onTime"]!["closed"]!);
        foreach (var bad in new[] { "2026-11..2026-10", "2026-10..", "2026-10..2026-13", "2026-10..2026-11..2026-12" })
            await s.Dispatcher.GetAsync($"/api/v1/figures?period={bad}").Problem(HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task Figures_AUnitWithoutFeedback_IsScoredOnItsOtherRates_WeightsFromSettings()
    {
        await using var app = DubanFactory.StartingAt(At(8, 3, 9));
        app.Settings["Duban:Figures:Weights:Response"] = "1";
        app.Settings["Duban:Figures:Weights:Resolution"] = "0";
        app.Settings["Duban:Figures:Weights:Satisfaction"] = "0";
        app.Settings["Duban:Figures:Weights:OnTime"] = "3";
        app.Settings["Duban:Figures:Penalties:Overdue"] = "0";
        var s = await StartAsync(app);
        var a = await s.Dispatched("横陂镇中心路路面塌陷", Hengbei, At(11, 5, 18), Hengbei);
        var b = await s.Dispatched("横陂镇新村路积水", Hengbei, At(11, 5, 18), Hengbei);
        await s.SignDue(b, At(11, 2, 9, 30));
        s.To(At(11, 2, 10));
        await s.Accept(a, Hengbei);
        await s.Accept(b, Hengbei);
        s.To(At(11, 4, 10));
        await s.Close(a, Hengbei);
        s.To(At(11, 6, 10));
        await s.Close(b, Hengbei);
        s.To(At(12, 1, 9));
        var row = Row(await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026-11"), Hengbei);
        Assert.Null((double?)row["resolution"]!["rate"]);
        Assert.Null((double?)row["satisfaction"]!["rate"]);
        // (1 × 1/2 + 3 × 1/2) / (1 + 3): one signed late, one closed late; no points off for overdue.
        Assert.Equal(50, (double)row["score"]!);
        Assert.Equal(0, (double)row["penalty"]!);
    }

    /// <summary>
    /// 横陂镇's November by source (issue 14): two tasks on a leader's instruction (one closed on
    /// time, one late), two from a meeting (one open past its deadline, one closed and reopened),
    /// and a phoned complaint (returned improperly, then closed with feedback). Each channel's
    /// figures hold only its own matters, in every tally.
    /// </summary>
    private static async Task<Scenario> SourcesAsync(DubanFactory app)
    {
        var s = await StartAsync(app);
        var instructed = await s.DispatchedTask("落实市领导批示：整治横陂镇中心路", "instruction", At(11, 20, 18));
        var instructedLate = await s.DispatchedTask("落实市领导批示：修复横陂镇新村路", "instruction", At(11, 5, 18));
        var decidedOpen = await s.DispatchedTask("会议议定：横陂镇路灯改造", "meeting", At(11, 5, 18));
        var decidedReopened = await s.DispatchedTask("会议议定：横陂镇井盖补齐", "meeting", At(11, 20, 18));
        var phoned = await s.Dispatched("横陂镇河道垃圾", Hengbei, At(11, 20, 18), Hengbei);

        s.To(At(11, 2, 10));
        foreach (var id in new[] { instructed, instructedLate, decidedOpen, decidedReopened }) await s.Accept(id, Hengbei);
        await (await app.As("h-" + Hengbei)).Do(phoned, "return", new { reason = "河道保洁不属本镇职责" }, reader: s.Dispatcher);
        await s.Dispatcher.Do(phoned, "dispatch", new { leadUnitCode = Hengbei, dueAt = At(11, 20, 18), note = "河道属镇街属地管理" });
        await s.Accept(phoned, Hengbei);

        s.To(At(11, 10, 10));
        await s.Close(instructed, Hengbei);
        await s.Close(instructedLate, Hengbei);
        await s.Close(decidedReopened, Hengbei);
        await s.Close(phoned, Hengbei, true, "satisfied");

        s.To(At(11, 25, 10));
        await s.Supervisor.Do(decidedReopened, "reopen", new { reason = "仍有井盖缺失", dueAt = At(12, 20, 18) });
        s.To(At(12, 2, 9));
        return s;
    }

    /// <summary>The counts of a row that the sources' scenario sets apart: signed, closed on time of closed, overdue (open, late), returns (improper), reopenings, resolved of answered.</summary>
    private static int[] Counts(JsonNode row) =>
    [
        (int)row["response"]!["inTime"]!, (int)row["response"]!["counted"]!,
        (int)row["onTime"]!["onTime"]!, (int)row["onTime"]!["closed"]!,
        (int)row["overdue"]!["open"]!, (int)row["overdue"]!["closedLate"]!,
        (int)row["returns"]!, (int)row["improperReturns"]!, (int)row["reopenings"]!,
        (int)row["resolution"]!["resolved"]!, (int)row["resolution"]!["withFeedback"]!,
    ];

    [Fact]
    public async Task Figures_ByChannel_CountOnlyThatSourcesMatters_InEveryTally_AndTheExportsSaySo()
    {
        await using var app = DubanFactory.StartingAt(At(8, 3, 9));
        var s = await SourcesAsync(app);

        // All of them: five signed in time (the return's unsigned share is its return), three closed
        // (the reopened one is open again), two on time; overdue the meeting's open one and the late instruction.
        var all = await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026-11&rank=town");
        Assert.Equal([5, 5, 2, 3, 1, 1, 1, 1, 1, 1, 1], Counts(Row(all, Hengbei)));
        Assert.Null((string?)all["kind"]);
        Assert.Null((string?)all["channel"]);

        // 批示件办结率: the two instructions, one of them on time.
        var instructions = await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026-11&rank=town&channel=instruction");
        Assert.Equal(("instruction", null), ((string?)instructions["channel"], (string?)instructions["kind"]));
        var h = Row(instructions, Hengbei);
        Assert.Equal([2, 2, 1, 2, 0, 1, 0, 0, 0, 0, 0], Counts(h));
        Assert.Equal(0.5, (double)h["onTime"]!["rate"]!);
        Assert.Null((double?)h["resolution"]!["rate"]);

        // 会议议定事项: none closed in November (the reopened one is open again), one overdue, the reopening.
        var meetings = await Figures(app, s.Dispatcher, $"/api/v1/figures/units/{Hengbei}?period=2026-11&channel=meeting");
        Assert.Equal("meeting", (string?)meetings["channel"]);
        Assert.Equal([2, 2, 0, 0, 1, 0, 0, 0, 1, 0, 0], Counts(Row(meetings, Hengbei)));
        Assert.Null((double?)Row(meetings, Hengbei)["onTime"]!["rate"]);

        // The phone: the complaint, its improper return and its feedback.
        var phoned = await Figures(app, s.Dispatcher, $"/api/v1/figures/units/{Hengbei}?period=2026-11&channel=phone");
        Assert.Equal([1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1], Counts(Row(phoned, Hengbei)));
        // A channel none of the unit's matters came by: nothing to rank; the unit's own figures are all zero.
        Assert.Empty((await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026-11&rank=town&channel=letter"))["rows"]!.AsArray());
        Assert.All(Counts(Row(await Figures(app, s.Dispatcher, $"/api/v1/figures/units/{Hengbei}?period=2026-11&channel=letter"), Hengbei)),
            n => Assert.Equal(0, n));

        // The CSV holds the instruction figures and is named for its filter; the XLSX's 说明 names it.
        var csvResponse = await s.Dispatcher.GetAsync("/api/v1/figures?period=2026-11&rank=town&channel=instruction&format=csv");
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("figures-2026-11-town-instruction.csv", csvResponse.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await csvResponse.Content.ReadAsByteArrayAsync();
        using (var csv = new CsvReader(new StringReader(Encoding.UTF8.GetString(bytes[3..])), CultureInfo.InvariantCulture))
        {
            var r = csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>().Single();
            Assert.Equal((Hengbei, "0.5", "1", "2"), ((string)r["单位编码"], (string)r["按期办结率"], (string)r["按期办结"], (string)r["办结"]));
        }
        var xlsxResponse = await s.Dispatcher.GetAsync("/api/v1/figures?period=2026-11&channel=instruction&kind=task&format=xlsx");
        Assert.Equal("figures-2026-11-task-instruction.xlsx", xlsxResponse.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var xlsx = await xlsxResponse.Content.ReadAsByteArrayAsync();
        var notes = Infrastructure.Sheets.Rows(xlsx, "说明").ToDictionary(r => r[0], r => r[1]);
        Assert.Equal(("督办任务（task）", "领导批示（instruction）"), (notes["事项类型"], notes["来源渠道"]));
        var stats = Infrastructure.Sheets.Rows(xlsx, "统计");
        Assert.Equal("2", stats.Single(r => r[1] == Hengbei)[Array.IndexOf(stats[0], "办结")]);
        var unfiltered = Infrastructure.Sheets.Rows(await (await s.Dispatcher.GetAsync("/api/v1/figures?period=2026-11&format=xlsx")).Content.ReadAsByteArrayAsync(), "说明")
            .ToDictionary(r => r[0], r => r[1]);
        Assert.Equal(("全部", "全部"), (unfiltered["事项类型"], unfiltered["来源渠道"]));
    }

    [Fact]
    public async Task Figures_ByKind_CountOnlyThatKind_AndCombineWithChannel()
    {
        await using var app = DubanFactory.StartingAt(At(8, 3, 9));
        var s = await SourcesAsync(app);

        // Tasks: the four from sources, not the phoned complaint (its return and feedback leave with it).
        var tasks = await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026-11&rank=town&kind=task");
        Assert.Equal(("task", null), ((string?)tasks["kind"], (string?)tasks["channel"]));
        Assert.Equal([4, 4, 1, 2, 1, 1, 0, 0, 1, 0, 0], Counts(Row(tasks, Hengbei)));
        var complaints = await Figures(app, s.Dispatcher, $"/api/v1/figures/units/{Hengbei}?period=2026-11&kind=complaint");
        Assert.Equal([1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1], Counts(Row(complaints, Hengbei)));
        Assert.Equal(1, (double)Row(complaints, Hengbei)["satisfaction"]!["rate"]!);
        // Both at once: the tasks of the meeting; a kind that never came by that channel counts nothing.
        var decided = await Figures(app, s.Dispatcher, $"/api/v1/figures/units/{Hengbei}?period=2026-11&kind=task&channel=meeting");
        Assert.Equal([2, 2, 0, 0, 1, 0, 0, 0, 1, 0, 0], Counts(Row(decided, Hengbei)));
        Assert.Equal(("task", "meeting"), ((string?)decided["kind"], (string?)decided["channel"]));
        Assert.Empty((await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026-11&kind=complaint&channel=meeting"))["rows"]!.AsArray());
        // Blank is no filter: the same figures as none.
        var blank = await Figures(app, s.Dispatcher, "/api/v1/figures?period=2026-11&rank=town&kind=&channel=%20");
        Assert.Equal([5, 5, 2, 3, 1, 1, 1, 1, 1, 1, 1], Counts(Row(blank, Hengbei)));
        Assert.Null((string?)blank["kind"]);
    }

    [Fact]
    public async Task Figures_AnUnknownKindOrChannel_IsA400NamingTheField_OnBothEndpointsAndTheExport()
    {
        await using var app = DubanFactory.StartingAt(At(8, 3, 9));
        var s = await StartAsync(app);
        foreach (var path in new[] { "/api/v1/figures?period=2026-11&rank=town&", $"/api/v1/figures/units/{Hengbei}?period=2026-11&", "/api/v1/figures?format=csv&" })
        {
            var kind = await s.Dispatcher.GetAsync(path + "kind=parade").Problem(HttpStatusCode.BadRequest, "validation");
            Assert.StartsWith("kind must be one of ", (string?)kind["title"], StringComparison.Ordinal);
            Assert.Contains("task", (string?)kind["title"], StringComparison.Ordinal);
            var channel = await s.Dispatcher.GetAsync(path + "channel=pigeon").Problem(HttpStatusCode.BadRequest, "validation");
            Assert.StartsWith("channel must be one of ", (string?)channel["title"], StringComparison.Ordinal);
            Assert.Contains("instruction", (string?)channel["title"], StringComparison.Ordinal);
            // Names are the registries', as written: no case folding.
            await s.Dispatcher.GetAsync(path + "channel=Meeting").Problem(HttpStatusCode.BadRequest, "validation");
        }
        // A handler asking for their own unit is told the same.
        var handler = await app.As("h-" + Hengbei);
        var problem = await handler.GetAsync($"/api/v1/figures/units/{Hengbei}?period=2026-11&kind=parade").Problem(HttpStatusCode.BadRequest, "validation");
        Assert.StartsWith("kind must be one of ", (string?)problem["title"], StringComparison.Ordinal);
    }
}
