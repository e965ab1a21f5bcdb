using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

using static Duban.Tests.Features.Sources.NewSource;

namespace Duban.Tests.Features.Projects;

/// <summary>
/// Key projects (Features/Projects), a source type: recorded through POST /api/v1/sources, reported on monthly by
/// their owner unit, their milestones lit as the matters are, their problems matters, their figures from a rollup.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class ProjectsTests(DubanFactory factory)
{
    private const string Owner = "4407-fgj";

    private string Day(int days) => Duban.Tests.Features.Sources.NewSource.Day(factory, days);

    private string Month(int months)
    {
        var today = DateOnly.Parse(Day(0), System.Globalization.CultureInfo.InvariantCulture);
        return new DateOnly(today.Year, today.Month, 1).AddMonths(months).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
    }

    private JsonObject Project(string title, object[]? milestones = null, string level = "city", int? year = null) => JsonSerializerNode(new
    {
        type = "project",
        title,
        ownerUnitCode = Owner,
        level,
        industry = "social",
        territory = "440704",
        leader = "区委书记",
        totalInvestment = 250_000_000.50m,
        plannedThisYear = 80_000_000m,
        startsOn = Day(-120),
        endsOn = Day(300),
        year,
        milestones = milestones ?? [],
    });

    private static JsonObject JsonSerializerNode(object o) => (JsonObject)System.Text.Json.JsonSerializer.SerializeToNode(o)!;

    private static async Task<JsonNode> Get(HttpClient client, long id) => await client.GetAsync($"/api/v1/projects/{id}").Ok();

    [Fact]
    public async Task Project_RecordedAsSource_ShowsItsPlanAndMilestonesWithLights()
    {
        var created = await Create(factory.Desk.Supervisor, Project(Unique("景贤小学北校区"), [
            new { title = "主体结构封顶", dueDate = Day(-30), weight = 3 },
            new { title = "室内装修完成", dueDate = Day(1), weight = 2 },
            new { title = "室外工程完成", dueDate = Day(200), weight = 2 },
            new { title = "竣工验收、投入使用", weight = 1 },
        ]));
        var id = (long)created["id"]!;
        var p = await Get(factory.Desk.Supervisor, id);
        Assert.Equal((80_000_000m, 0m, 0.0, 250_000_000.50m), ((decimal)p["plannedThisYear"]!, (decimal)p["completedThisYear"]!, (double)p["rate"]!, (decimal)p["totalInvestment"]!));
        Assert.Equal(("city", "social", Owner, "440704"), ((string?)p["level"], (string?)p["industry"], (string?)p["owner"]!["code"], (string?)p["territory"]));
        var lights = p["milestones"]!.AsArray().Select(m => ((string?)m!["title"], (string?)m["light"], (bool)m["done"]!)).ToList();
        // Past due: red; most of its time used: yellow; far off: green. The last one, undated, falls on the completion date.
        Assert.Equal([("主体结构封顶", "red", false), ("室内装修完成", "yellow", false), ("室外工程完成", "green", false), ("竣工验收、投入使用", "green", false)], lights);
        Assert.Equal(Day(300), (string?)p["milestones"]![3]!["dueDate"]);
        Assert.Equal("red", (string?)p["light"]);

        // The owner unit reports the late one reached: no light any more.
        var owner = factory.Desk.Handler(Owner);
        await factory.Desk.Supervisor.PostAsJsonAsync($"/api/v1/projects/{id}/milestones/1/done", new { }).Problem(HttpStatusCode.Forbidden);
        await owner.PostAsJsonAsync($"/api/v1/projects/{id}/milestones/1/done", new { doneOn = Day(1) }).Problem(HttpStatusCode.BadRequest);
        (await owner.PostAsJsonAsync($"/api/v1/projects/{id}/milestones/1/done", new { doneOn = Day(-2) })).EnsureSuccessStatusCode();
        await owner.PostAsJsonAsync($"/api/v1/projects/{id}/milestones/1/done", new { }).Problem(HttpStatusCode.Conflict, "milestone_done");
        p = await Get(owner, id);
        Assert.Equal((true, null, Day(-2)), ((bool)p["milestones"]![0]!["done"]!, (string?)p["milestones"]![0]!["light"], (string?)p["milestones"]![0]!["doneOn"]));
        Assert.Equal("yellow", (string?)p["light"]);

        // It is a source of type project (its list and page), seen by none outside its line.
        var source = await factory.Desk.Supervisor.GetAsync($"/api/v1/sources/{id}").Ok();
        Assert.Equal(("project", "重点项目"), ((string?)source["type"], (string?)source["typeLabel"]));
        await factory.Desk.Handler("440781115").GetAsync($"/api/v1/projects/{id}").Problem(HttpStatusCode.NotFound);
        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Theory]
    [InlineData("ownerUnitCode", "4407-nowhere")]
    [InlineData("totalInvestment", -1)]
    [InlineData("plannedThisYear", -0.01)]
    [InlineData("endsOn", "2020-01-01")]
    [InlineData("level", "national")]
    [InlineData("industry", "")]
    [InlineData("territory", "999999")]
    [InlineData("milestones[0].dueDate", "2099-01-01")]
    [InlineData("milestones[0].weight", 0)]
    [InlineData("milestones[0].doneOn", "2099-01-01")]
    public async Task BadInput_Is400NamingTheField_AndKeepsNothing(string field, object value)
    {
        var title = Unique("江南路道路工程");
        var body = Project(title, [new { title = "通车", dueDate = Day(10), weight = 1 }]);
        JsonNode node = value switch
        {
            string s => JsonValue.Create(s),
            int i => JsonValue.Create(i),
            _ => JsonValue.Create(Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (field.StartsWith("milestones", StringComparison.Ordinal))
            body["milestones"]![0]![field["milestones[0].".Length..]] = node;
        else
            body[field] = node;
        var problem = await factory.Desk.Supervisor.PostAsJsonAsync("/api/v1/sources", body).Problem(HttpStatusCode.BadRequest);
        Assert.StartsWith(field, (string?)problem["title"], StringComparison.Ordinal);
        await using var scope = factory.Scope();
        Assert.False(await factory.Db(scope).Set<Duban.Features.Sources.Source>().AnyAsync(s => s.Title == title));
    }

    [Fact]
    public async Task MonthlyReport_FromTheOwnerOnly_CorrectionsKeepHistory_LatestCounts()
    {
        var id = (long)(await Create(factory.Desk.Supervisor, Project(Unique("高新区第一小学"))))["id"]!;
        var owner = factory.Desk.Handler(Owner);
        var url = $"/api/v1/projects/{id}/investment";
        var month = Month(0);
        // Only the months of this year count: report the current month and, when it is not January, the one before.
        var first = await owner.PostAsJsonAsync(url, new { month, amount = 10_000_000m }).Ok();
        Assert.Null(first["previous"]);
        var corrected = await owner.PostAsJsonAsync(url, new { month, amount = 12_500_000.25m }).Ok();
        Assert.Equal((10_000_000m, 12_500_000.25m), ((decimal)corrected["previous"]!, (decimal)corrected["completedThisYear"]!));

        var p = await Get(owner, id);
        Assert.Equal(12_500_000.25m, (decimal)p["completedThisYear"]!);
        Assert.Equal(15.6, (double)p["rate"]!);
        var m = p["months"]!.AsArray().Single();
        Assert.Equal((month, 12_500_000.25m, 2), ((string?)m!["month"], (decimal)m["amount"]!, (int)m["reports"]!));

        Assert.StartsWith("month", (string?)(await owner.PostAsJsonAsync(url, new { month = Month(1), amount = 1m }).Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        Assert.StartsWith("month", (string?)(await owner.PostAsJsonAsync(url, new { month = "2026-13", amount = 1m }).Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        Assert.StartsWith("amount", (string?)(await owner.PostAsJsonAsync(url, new { month, amount = -5m }).Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        await factory.Desk.Supervisor.PostAsJsonAsync(url, new { month, amount = 1m }).Problem(HttpStatusCode.Forbidden);
        await factory.Desk.Handler("440781115").PostAsJsonAsync(url, new { month, amount = 1m }).Problem(HttpStatusCode.NotFound);
        Assert.Equal(12_500_000.25m, (decimal)(await Get(owner, id))["completedThisYear"]!);

        // Audited: both reports are on the chain, and it verifies.
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        Assert.Equal(2, await db.Set<Duban.Features.Projects.ProjectInvestment>().CountAsync(i => i.ProjectId == id));
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task ProblemFoundOnSite_IsAMatterLinkedToTheProject()
    {
        var id = (long)(await Create(factory.Desk.Supervisor, Project(Unique("江南路（五邑路—云沁路）道路工程"))))["id"]!;
        var added = await factory.Desk.Supervisor.PostAsJsonAsync($"/api/v1/sources/{id}/items",
            new { items = new[] { Item("协调解决施工用地交付滞后问题", "4407-zjj", Day(20)) } }).Ok();
        var matter = (long)added["matters"]![0]!;
        var p = await Get(factory.Desk.Supervisor, id);
        Assert.Equal([matter], p["matters"]!.AsArray().Select(m => (long)m!["matterId"]!));
        Assert.Equal("project", (string?)(await factory.Desk.Supervisor.Get(matter))["channel"]);
    }

    [Fact]
    public async Task Figures_ByLevel_FromTheRollup()
    {
        // A year of its own (2003), so that the other tests' projects do not count.
        const int year = 2003;
        var before = await factory.Desk.Supervisor.GetAsync($"/api/v1/projects/figures?year={year}").Ok();
        var a = (long)(await Create(factory.Desk.Supervisor, Project(Unique("省重点甲"), level: "provincial", year: year)))["id"]!;
        await Create(factory.Desk.Supervisor, Project(Unique("省重点乙"), level: "provincial", year: year));
        await Create(factory.Desk.Supervisor, Project(Unique("县重点丙"), level: "county", year: year));
        var owner = factory.Desk.Handler(Owner);
        await owner.PostAsJsonAsync($"/api/v1/projects/{a}/investment", new { month = "2003-06", amount = 3_000_000m }).Ok();
        await owner.PostAsJsonAsync($"/api/v1/projects/{a}/investment", new { month = "2003-06", amount = 2_000_000m }).Ok();
        // A month of another year is kept but does not count against the 2003 plan.
        await owner.PostAsJsonAsync($"/api/v1/projects/{a}/investment", new { month = "2004-01", amount = 9_000_000m }).Ok();

        var figures = await factory.Desk.Supervisor.GetAsync($"/api/v1/projects/figures?year={year}").Ok();
        JsonNode Level(JsonNode f, string level) => f["levels"]!.AsArray().Single(l => (string?)l!["level"] == level)!;
        Assert.Equal(["provincial", "city", "county"], figures["levels"]!.AsArray().Select(l => (string?)l!["level"]));
        Assert.Equal(((int)Level(before, "provincial")["count"]! + 2, (decimal)Level(before, "provincial")["planned"]! + 160_000_000m, (decimal)Level(before, "provincial")["completed"]! + 2_000_000m),
            ((int)Level(figures, "provincial")["count"]!, (decimal)Level(figures, "provincial")["planned"]!, (decimal)Level(figures, "provincial")["completed"]!));
        Assert.Equal((int)Level(before, "county")["count"]! + 1, (int)Level(figures, "county")["count"]!);
        Assert.Equal((int)Level(before, "city")["count"]!, (int)Level(figures, "city")["count"]!);

        Assert.StartsWith("year", (string?)(await factory.Desk.Supervisor.GetAsync("/api/v1/projects/figures").Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        await factory.Desk.Handler(Owner).GetAsync($"/api/v1/projects/figures?year={year}").Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task DemoLedger_ReproducesTheSeeds2023Totals_AndTheTwoSchools()
    {
        var f = await factory.Desk.Supervisor.GetAsync("/api/v1/projects/figures?year=2023").Ok();
        JsonNode Level(string level) => f["levels"]!.AsArray().Single(l => (string?)l!["level"] == level)!;
        // 003: 市重点正式项目665个，年度计划投资1234.8亿元；其中省重点正式项目128个，年度计划投资491.9亿元; 361 industrial.
        Assert.Equal((128, 49_190_000_000m), ((int)Level("provincial")["count"]!, (decimal)Level("provincial")["planned"]!));
        Assert.Equal(665, (int)Level("provincial")["count"]! + (int)Level("city")["count"]!);
        Assert.Equal(123_480_000_000m, (decimal)Level("provincial")["planned"]! + (decimal)Level("city")["planned"]!);
        Assert.Equal(361, (int)f["industries"]!.AsArray().Single(i => (string?)i!["industry"] == "industrial")!["count"]!);
        // 002's two schools: 江海区's own key projects, with their milestones reached and their quarters reported.
        Assert.Equal((2, 180_000_000m, 171_000_000m), ((int)Level("county")["count"]!, (decimal)Level("county")["planned"]!, (decimal)Level("county")["completed"]!));
        long id;
        await using (var scope = factory.Scope())
        {
            id = await factory.Db(scope).Set<Duban.Features.Sources.Source>().Where(s => EF.Functions.Like(s.Title, "景贤小学北校区（%")).Select(s => s.Id).SingleAsync();
        }
        await using (var scope = factory.Scope())
        {
            // The generated 665 carry milestones worked back from their completion date (开工, 主体完工, 竣工验收), so the wall
            // chart lights them all; reached mostly, some behind schedule. The schools keep their five.
            var db = factory.Db(scope);
            var projects = db.Set<Duban.Features.Projects.Project>().Where(p => p.Year == 2023);
            var milestones = db.Set<Duban.Features.Projects.ProjectMilestone>();
            Assert.Equal(0, await projects.CountAsync(p => !milestones.Any(m => m.ProjectId == p.SourceId)));
            Assert.Equal(665 * 3 + 2 * 5, await (from m in milestones join p in projects on m.ProjectId equals p.SourceId select m).CountAsync());
            var generated = await (from m in milestones join p in projects on m.ProjectId equals p.SourceId where p.Level != "county" select new { m.Title, m.DoneOn, p.EndsOn, m.DueDate, p.StartsOn }).ToListAsync();
            Assert.All(generated.Where(m => m.Title == "竣工验收"), m => Assert.Equal(m.EndsOn, m.DueDate));
            Assert.All(generated.Where(m => m.Title == "开工"), m => Assert.Equal(m.StartsOn, m.DueDate));
            Assert.Contains(generated, m => m.DoneOn is not null);
            Assert.Contains(generated, m => m.Title == "主体完工" && m.DoneOn is null);
        }
        var school = await Get(factory.Desk.Supervisor, id);
        Assert.Equal(5, school["milestones"]!.AsArray().Count(m => (bool)m!["done"]!));
        Assert.Equal((80_000_000m, 76_000_000m, 95.0), ((decimal)school["plannedThisYear"]!, (decimal)school["completedThisYear"]!, (double)school["rate"]!));
        Assert.Equal(4, school["months"]!.AsArray().Count);
    }

    [Fact]
    public async Task LedgerImport_ABadRow_IsNamed_AndNothingIsKept()
    {
        await using var scope = factory.Scope();
        var actor = await factory.Desk.ActorAsync(scope, "supervisor");
        var title = Unique("台账导入");
        var rows = new List<Duban.Features.Projects.LedgerRow>
        {
            new(title + "甲", "city", "energy", Owner, null, null, 2003, 10_000m, 5_000m, "2003-01-01", "2004-01-01"),
            new(title + "乙", "city", "energy", Owner, null, null, 2003, 10_000m, 20_000m, "2003-01-01", "2004-01-01"),
        };
        var ledger = scope.ServiceProvider.GetRequiredService<Duban.Features.Projects.ProjectLedger>();
        var refused = await ledger.ImportAsync(rows, actor, default);
        Assert.StartsWith("rows[1].plannedThisYear", refused.Error!.Message, StringComparison.Ordinal);
        Assert.False(await factory.Db(scope).Set<Duban.Features.Sources.Source>().AnyAsync(s => EF.Functions.Like(s.Title, title + "%")));
    }
}
