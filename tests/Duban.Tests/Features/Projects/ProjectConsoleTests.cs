using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Features.Figures;
using Duban.Features.Projects;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

using static Duban.Tests.Features.Sources.NewSource;

namespace Duban.Tests.Features.Projects;

/// <summary>
/// The key projects' console reads (Features/Projects, schema 0044): the XLSX ledger import and its template, the
/// register by county and behind schedule, the wall chart's data, and the figures by county and month from their rollups.
/// Each test plans its projects in a year of its own, so that the demo's 2023 and the other tests' do not count.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class ProjectConsoleTests(DubanFactory factory)
{
    private const string Owner = "4407-fgj";

    private string Day(int days) => Duban.Tests.Features.Sources.NewSource.Day(factory, days);

    /// <summary>A workbook of the ledger: the template's header, then these rows of text (columns A to L).</summary>
    private static byte[] Ledger(params string[][] rows) => FiguresExport.Workbook(new FiguresExport.Sheet("台账",
        [ProjectLedgerXlsx.Columns.Select(c => FiguresExport.HeaderCell(c.Header)), .. rows.Select(r => r.Select(t => FiguresExport.TextCell(t)))], true, []));

    private static string[] Row(string title, string planned = "5000000", string owner = Owner, int year = 2005, string milestones = "") =>
        [title, "市重点", "能源", owner, "440781", "市发展改革局局长", year.ToString(System.Globalization.CultureInfo.InvariantCulture), "20000000", planned,
            $"{year}-01-01", $"{year + 1}-06-30", milestones];

    private static Task<HttpResponseMessage> Post(HttpClient client, byte[] xlsx)
    {
        var body = new ByteArrayContent(xlsx);
        body.Headers.ContentType = new MediaTypeHeaderValue(ProjectLedgerXlsx.ContentType);
        return client.PostAsync("/api/v1/projects/import", body);
    }

    [Fact]
    public async Task XlsxImport_RecordsEveryRow_WithItsMilestones_AndTheRegisterListsThem()
    {
        var title = Unique("恩平市海上风电场");
        var xlsx = Ledger(
            Row(title + " 甲", milestones: "核准 2005-03-31；开工 2005-09-30；并网发电"),
            ["", "", "", "", "", "", "", "", "", "", "", ""],
            Row(title + " 乙", planned: "7500000.5"));
        var created = await (await Post(factory.Desk.Supervisor, xlsx)).Json(HttpStatusCode.Created);
        Assert.Equal(2, (int)created["count"]!);
        var first = await factory.Desk.Supervisor.GetAsync($"/api/v1/projects/{(long)created["ids"]![0]!}").Ok();
        Assert.Equal(("city", "energy", "440781", 2005, 5_000_000m), ((string?)first["level"], (string?)first["industry"], (string?)first["territory"], (int)first["year"]!,
            (decimal)first["plannedThisYear"]!));
        // The milestone without a date is worked back from the completion date.
        Assert.Equal([("核准", "2005-03-31"), ("开工", "2005-09-30"), ("并网发电", "2006-06-30")],
            first["milestones"]!.AsArray().Select(m => ((string?)m!["title"], (string?)m["dueDate"])));

        var list = await factory.Desk.Supervisor.GetAsync("/api/v1/projects?year=2005&county=440781&industry=energy&pageSize=100").Ok();
        var titles = list["items"]!.AsArray().Select(i => (string?)i!["title"]).ToList();
        Assert.Contains(title + " 甲", titles);
        Assert.Contains(title + " 乙", titles);
        Assert.Contains(list["counties"]!.AsArray(), c => (string?)c!["code"] == "440781" && (string?)c["name"] == "台山市");
        // Audited as one import (ProjectLedger): the chain verifies.
        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Theory]
    [InlineData(3, "I", "plannedThisYear", "-1")]
    [InlineData(2, "D", "ownerUnitCode", "4407-nowhere")]
    [InlineData(3, "J", "startsOn", "not a date")]
    [InlineData(2, "C", "industry", "航天")]
    public async Task XlsxImport_ABadCell_Is400NamingItsRowAndColumn_AndKeepsNothing(int sheetRow, string column, string field, string value)
    {
        var title = Unique("台账逐行校验");
        var rows = new[] { Row(title + " 甲"), Row(title + " 乙") };
        rows[sheetRow - 2][ProjectLedgerXlsx.Columns.Single(c => c.Field == field).Letter[0] - 'A'] = value;
        var problem = await Post(factory.Desk.Supervisor, Ledger(rows)).Problem(HttpStatusCode.BadRequest);
        Assert.StartsWith($"row {sheetRow}, column {column} ({field})", (string?)problem["title"], StringComparison.Ordinal);
        await using var scope = factory.Scope();
        Assert.False(await factory.Db(scope).Set<Duban.Features.Sources.Source>().AnyAsync(s => EF.Functions.Like(s.Title, title + "%")));
    }

    [Fact]
    public async Task XlsxImport_NotAWorkbook_Or_NotAllowed_IsRefused()
    {
        Assert.StartsWith("file", (string?)(await Post(factory.Desk.Supervisor, "not a workbook"u8.ToArray()).Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        // A unit's handler may not record the city's projects: refused, naming the row.
        var problem = await Post(factory.Desk.Handler(Owner), Ledger(Row(Unique("无权导入")))).Problem(HttpStatusCode.Forbidden);
        Assert.StartsWith("row 2, column D (ownerUnitCode)", (string?)problem["title"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_IsAWorkbookTheImportReads()
    {
        var response = await factory.Desk.Supervisor.GetAsync("/api/v1/projects/ledger-template.xlsx");
        response.EnsureSuccessStatusCode();
        Assert.Equal(ProjectLedgerXlsx.ContentType, response.Content.Headers.ContentType?.MediaType);
        using var stream = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        var rows = ProjectLedgerXlsx.Read(stream);
        Assert.True(rows.IsSuccess, rows.Error?.Message);
        var example = Assert.Single(rows.Value!);
        Assert.Equal(("county", "social", "440704-jyj", 80_000_000m, "2022-12-01", 3), (example.Level, example.Industry, example.OwnerUnitCode, example.PlannedThisYear, example.StartsOn,
            example.Milestones!.Count));
    }

    [Fact]
    public async Task Register_BehindSchedule_IsAMilestonePastDue_UntilItIsReached_AndTheWallChartDrawsIt()
    {
        // This year's projects in 开平市 (440783), of an industry no other test uses there.
        var title = Unique("开平市农产品冷链物流中心");
        object Body(string name, string firstDue) => new
        {
            type = "project",
            title = name,
            ownerUnitCode = Owner,
            level = "county",
            industry = "agriculture",
            territory = "440783",
            totalInvestment = 30_000_000m,
            plannedThisYear = 10_000_000m,
            startsOn = Day(-200),
            endsOn = Day(200),
            milestones = new object[] { new { title = "土地征收", dueDate = firstDue }, new { title = "竣工投产" } },
        };
        var late = (long)(await Create(factory.Desk.Supervisor, Body(title + " 滞后", Day(-10))))["id"]!;
        var onTime = (long)(await Create(factory.Desk.Supervisor, Body(title + " 正常", Day(10))))["id"]!;
        var year = int.Parse(Day(0)[..4], System.Globalization.CultureInfo.InvariantCulture);

        async Task<List<long>> Behind() => [.. (await factory.Desk.Supervisor.GetAsync($"/api/v1/projects?year={year}&county=440783&industry=agriculture&behind=true&pageSize=100").Ok())
            ["items"]!.AsArray().Select(i => (long)i!["id"]!)];
        var behind = await Behind();
        Assert.Contains(late, behind);
        Assert.DoesNotContain(onTime, behind);

        // The wall chart: both projects, each milestone drawn from the end of the one before, lit.
        var wall = await factory.Desk.Supervisor.GetAsync($"/api/v1/projects/wall?year={year}&county=440783&industry=agriculture").Ok();
        var line = wall["projects"]!.AsArray().Single(p => (long)p!["id"]! == late)!;
        Assert.Equal([(Day(-200), Day(-10), "red"), (Day(-10), Day(200), "green")],
            line["milestones"]!.AsArray().Select(m => ((string?)m!["from"], (string?)m["dueDate"], (string?)m["light"])));
        Assert.True((bool)line["behind"]!);
        Assert.Contains(wall["projects"]!.AsArray(), p => (long)p!["id"]! == onTime);
        Assert.StartsWith("county or industry", (string?)(await factory.Desk.Supervisor.GetAsync("/api/v1/projects/wall").Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        Assert.StartsWith("county", (string?)(await factory.Desk.Supervisor.GetAsync("/api/v1/projects?county=44").Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);

        // Reached, the late milestone no longer holds the project behind; a unit outside its line sees none of it.
        (await factory.Desk.Handler(Owner).PostAsJsonAsync($"/api/v1/projects/{late}/milestones/1/done", new { })).EnsureSuccessStatusCode();
        Assert.DoesNotContain(late, await Behind());
        var outsider = await factory.Desk.Handler("440781115").GetAsync($"/api/v1/projects?year={year}&county=440783&industry=agriculture").Ok();
        Assert.DoesNotContain(outsider["items"]!.AsArray(), i => (long)i!["id"]! == late);
    }

    [Fact]
    public async Task ProjectPage_OwnerMarksAMilestoneReached_OthersAreNotOffered()
    {
        var body = new
        {
            type = "project",
            title = Unique("台山市渔港升级改造"),
            ownerUnitCode = Owner,
            level = "county",
            industry = "infrastructure",
            territory = "440781",
            totalInvestment = 8_000_000m,
            plannedThisYear = 4_000_000m,
            startsOn = Day(-100),
            endsOn = Day(100),
            milestones = new object[] { new { title = "码头主体完工", dueDate = Day(-5) }, new { title = "竣工验收" } },
        };
        var id = (long)(await Create(factory.Desk.Supervisor, body))["id"]!;
        var url = $"/console/projects/{id}";
        // The supervisor sees the project and is offered no milestone form: only the owner unit reports one reached.
        Assert.DoesNotContain("project-milestone-done", await factory.Desk.Supervisor.GetStringAsync(url), StringComparison.Ordinal);

        var owner = await PageForms.SignedInAsync(factory, "h-" + Owner);
        Assert.Contains("project-milestone-done", await owner.GetStringAsync(url), StringComparison.Ordinal);
        // A day after today is refused next to its field, and nothing is recorded.
        var refused = await PageForms.PostAsync(owner, url, "milestone", [new("seq", "1"), new("doneOn", Day(3))]);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("milestone-done-on-error", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False((bool)(await factory.Desk.Supervisor.GetAsync($"/api/v1/projects/{id}").Ok())["milestones"]![0]!["done"]!);

        var done = await PageForms.PostAsync(owner, url, "milestone", [new("seq", "1"), new("doneOn", Day(-1))]);
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.EndsWith("?done=milestone", done.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var first = (await factory.Desk.Supervisor.GetAsync($"/api/v1/projects/{id}").Ok())["milestones"]![0]!;
        Assert.Equal((true, Day(-1)), ((bool)first["done"]!, (string?)first["doneOn"]));
        // Reached, it is no longer offered; the one left is.
        var page = await owner.GetStringAsync(url);
        Assert.DoesNotContain("码头主体完工 (", page, StringComparison.Ordinal);
        Assert.Contains("竣工验收 (", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Figures_ByCountyAndMonth_FromTheirRollups_AndBehindCounted()
    {
        const int year = 2007;
        var before = await factory.Desk.Supervisor.GetAsync($"/api/v1/projects/figures?year={year}").Ok();
        JsonNode? County(JsonNode f, string code) => f["counties"]!.AsArray().SingleOrDefault(c => (string?)c!["county"] == code);
        var title = Unique("鹤山市");
        var xlsx = Ledger(
            [title + " 甲", "省重点", "工业", Owner, "440784", "", "2007", "90000000", "30000000", "2007-01-01", "2008-12-31", "主体完工 2007-06-30"],
            [title + " 乙", "市重点", "现代服务业", Owner, "440784001", "", "2007", "50000000", "20000000", "2007-02-01", "2008-06-30", ""]);
        var ids = (await (await Post(factory.Desk.Supervisor, xlsx)).Json(HttpStatusCode.Created))["ids"]!.AsArray().Select(i => (long)i!).ToList();
        var owner = factory.Desk.Handler(Owner);
        await owner.PostAsJsonAsync($"/api/v1/projects/{ids[0]}/investment", new { month = "2007-03", amount = 4_000_000m }).Ok();
        await owner.PostAsJsonAsync($"/api/v1/projects/{ids[1]}/investment", new { month = "2007-03", amount = 1_000_000m }).Ok();
        // A correction replaces the month's amount in the figures, not adds to it.
        await owner.PostAsJsonAsync($"/api/v1/projects/{ids[0]}/investment", new { month = "2007-03", amount = 5_000_000m }).Ok();
        await owner.PostAsJsonAsync($"/api/v1/projects/{ids[1]}/investment", new { month = "2007-05", amount = 2_000_000m }).Ok();

        var f = await factory.Desk.Supervisor.GetAsync($"/api/v1/projects/figures?year={year}").Ok();
        var was = County(before, "440784");
        var now = County(f, "440784")!;
        Assert.Equal(((int?)was?["count"] ?? 0) + 2, (int)now["count"]!);
        Assert.Equal(((decimal?)was?["planned"] ?? 0) + 50_000_000m, (decimal)now["planned"]!);
        Assert.Equal(((decimal?)was?["completed"] ?? 0) + 8_000_000m, (decimal)now["completed"]!);
        Assert.Equal("鹤山市", (string?)now["name"]);
        var months = f["months"]!.AsArray();
        Assert.Equal(12, months.Count);
        decimal Month(JsonNode figures, int m) => (decimal)figures["months"]![m - 1]!["completed"]!;
        Assert.Equal((Month(before, 3) + 6_000_000m, Month(before, 5) + 2_000_000m), (Month(f, 3), Month(f, 5)));
        Assert.Equal((decimal)f["completed"]!, (decimal)months[11]!["cumulative"]!);
        // The first project's milestone of June 2007 is long past and unreached: behind schedule.
        Assert.True((int)f["behind"]! >= (int)before["behind"]! + 1);
    }
}
