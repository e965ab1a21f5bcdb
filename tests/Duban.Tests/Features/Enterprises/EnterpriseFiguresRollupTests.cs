using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Features.Enterprises;
using Duban.Features.Tally;
using Duban.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Enterprises;

/// <summary>
/// The enterprise figures from their monthly rollup (EnterpriseRollup, schema 0051), kept by the tally's pass: after demands
/// of three firms (sizes and industries apart) are registered, dispatched, signed for in time or late, solved in time or late
/// and rated, across two months, the figures the API reads from the rollup (countedAt set) equal those counted again from the
/// demands' rows, hold the counts the history made, and <c>figures verify</c> finds the rollup intact; a broken counter is named.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class EnterpriseFiguresRollupTests
{
    private const string Office = "4407-gxj";
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private static int serial = Random.Shared.Next(5_000_000, 9_000_000);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static string NewCode()
    {
        var body = "R" + Interlocked.Increment(ref serial).ToString("D7", CultureInfo.InvariantCulture);
        var first17 = "91440704" + body + CreditCode.OrganisationCheck(body);
        return first17 + CreditCode.Check(first17);
    }

    [Fact]
    public async Task Figures_FromTheRollup_EqualTheRecomputation_AfterDemandsAreAnsweredSolvedAndRated()
    {
        await using var app = DubanFactory.StartingAt(new DateTimeOffset(2026, 10, 12, 9, 0, 0, China));
        await app.InitializeAsync();
        var desk = app.Desk;
        var office = desk.Handler(Office);
        var (large, sme, micro) = (NewCode(), NewCode(), NewCode());
        await office.PostAsync("/api/v1/enterprises/import", new StringContent("统一社会信用代码,企业名称,所在区县,行业,企业规模,200强\n"
            + $"{large},江门市汇总测试重工有限公司,江海区,制造业,大型,是\n{sme},江门市汇总测试物流有限公司,江海区,交通物流,中小型,否\n"
            + $"{micro},江门市汇总测试软件有限公司,江海区,信息技术,微型,否", Encoding.UTF8, "text/csv")).Ok();
        var handler = desk.Handler("4407-scjgj");
        // The demo's demands of the year are there already: the counts below are what this history adds to them.
        var before = await AssertRollupEqualsRecordsAsync(app, 2026);
        int Added(JsonNode after, Func<JsonNode, JsonNode?> group, string measure) =>
            (int)group(after)![measure]! - (group(before) is { } b ? (int)b[measure]! : 0);

        async Task<long> DemandAsync(string code, string title)
        {
            var made = await (await desk.Dispatcher.PostAsJsonAsync("/api/v1/enterprises/demands",
                new { creditCode = code, title, content = title + "，请协调解决。" })).Json(HttpStatusCode.Created);
            var id = (long)made["id"]!;
            await desk.Dispatcher.Do(id, "dispatch", new { leadUnitCode = "4407-scjgj" });
            return id;
        }
        async Task SolveAsync(long id, string? satisfaction)
        {
            await handler.Do(id, "complete", new { outcome = "已协调解决。" }, reader: desk.Dispatcher);
            await desk.Dispatcher.Do(id, "approve");
            if (satisfaction is not null) await desk.Dispatcher.Do(id, "feedback", new { resolved = true, satisfaction });
        }

        // October: three demands signed for within the hour, two solved and rated (满意, 不满意), one left open.
        var a = await DemandAsync(large, "用电增容报装");
        var b = await DemandAsync(sme, "货车通行证办理");
        var c = await DemandAsync(micro, "高新技术企业认定辅导");
        desk.MoveTo(app.Clock.GetUtcNow().AddMinutes(30));
        foreach (var id in new[] { a, b, c }) await handler.Do(id, "accept", reader: desk.Dispatcher);
        desk.MoveTo(app.Clock.GetUtcNow().AddHours(2));
        await SolveAsync(a, "satisfied");
        await SolveAsync(b, "dissatisfied");
        await AssertRollupEqualsRecordsAsync(app, 2026);

        // November: a demand signed for late (after its one working day), and solved late; one solved, rated 基本满意; one never signed.
        desk.MoveTo(new DateTimeOffset(2026, 11, 3, 10, 0, 0, China));
        var d = await DemandAsync(micro, "软件著作权登记咨询");
        var e = await DemandAsync(sme, "仓储用地规划咨询");
        var f = await DemandAsync(large, "技术改造补贴申报");
        await handler.Do(e, "accept", reader: desk.Dispatcher);
        desk.MoveTo(app.Clock.GetUtcNow().AddHours(3));
        await SolveAsync(e, "basically_satisfied");
        desk.MoveTo(new DateTimeOffset(2026, 11, 20, 10, 0, 0, China));
        await handler.Do(d, "accept", reader: desk.Dispatcher);
        await SolveAsync(d, null);
        await SolveAsync(c, "satisfied");
        var figures = await AssertRollupEqualsRecordsAsync(app, 2026);

        static JsonNode? All(JsonNode x) => x["all"];
        static JsonNode? It(JsonNode x) => x["byIndustry"]!.AsArray().FirstOrDefault(g => (string?)g!["key"] == "it");
        static JsonNode? Large(JsonNode x) => x["bySize"]!.AsArray().FirstOrDefault(g => (string?)g!["key"] == "large");
        // a, b, c, d, e signed for (d late); a, b, c, d, e solved (c and d past their deadlines); a, b, c, e rated, a, c, e satisfied.
        Assert.Equal((6, 5, 4), (Added(figures, All, "count"), Added(figures, All, "responded"), Added(figures, All, "respondedInTime")));
        Assert.Equal((5, 3), (Added(figures, All, "solved"), Added(figures, All, "solvedInTime")));
        Assert.Equal((4, 3), (Added(figures, All, "rated"), Added(figures, All, "satisfied")));
        Assert.Equal((2, 2, 1), (Added(figures, It, "count"), Added(figures, It, "solved"), Added(figures, It, "rated")));
        Assert.Equal((2, 1), (Added(figures, Large, "count"), Added(figures, Large, "solved"))); // a solved, f open
        _ = f;

        // A counter broken by hand is named by verify, and a rebuild (figures verify --repair) mends it.
        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            var counter = db.Set<EnterpriseFigureCount>().First(x => x.Measure == "solved");
            counter.N += 7;
            await db.SaveChangesAsync();
        }
        await using (var scope = app.Scope())
        {
            var report = await scope.ServiceProvider.GetRequiredService<Tallies>().VerifyAsync(default);
            Assert.Contains(report.Differences, x => x.Kind == "enterprise:solved");
            await scope.ServiceProvider.GetRequiredService<Tallies>().RebuildAsync(default);
        }
        await AssertRollupEqualsRecordsAsync(app, 2026);
    }

    /// <summary>The tally brought up to date; the API's figures (from the rollup) equal the recomputation from the rows; verify intact.</summary>
    private static async Task<JsonNode> AssertRollupEqualsRecordsAsync(DubanFactory app, int year)
    {
        await using (var scope = app.Scope()) await scope.ServiceProvider.GetRequiredService<Tallies>().CatchUpAsync(default);
        var read = await app.Desk.Handler(Office).GetAsync($"/api/v1/enterprises/figures?year={year}").Ok();
        Assert.NotNull((DateTimeOffset?)read["countedAt"]);
        EnterpriseFiguresView live;
        await using (var scope = app.Scope()) live = await scope.ServiceProvider.GetRequiredService<RapidResponse>().LiveAsync(year, default);
        Assert.Null(live.CountedAt);
        var recomputed = JsonSerializer.SerializeToNode(live with { CountedAt = null }, Web)!.AsObject();
        var fromRollup = read.DeepClone().AsObject();
        fromRollup.Remove("countedAt");
        recomputed.Remove("countedAt");
        Assert.True(JsonNode.DeepEquals(recomputed, fromRollup), $"rollup {fromRollup.ToJsonString()} != records {recomputed.ToJsonString()}");
        await using (var scope = app.Scope())
        {
            var report = await scope.ServiceProvider.GetRequiredService<Tallies>().VerifyAsync(default);
            Assert.True(report.Intact, string.Join("; ", report.Differences.Take(5)));
        }
        return read;
    }
}
