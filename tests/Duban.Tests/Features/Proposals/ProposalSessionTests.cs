using System.Net;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Proposals;

/// <summary>A deployment whose demo holds the 2025 session's proposals (Duban:Proposals:DemoSession), shared by the tests below.</summary>
public sealed class ProposalSession : IAsyncLifetime
{
    public DubanFactory App { get; } = new();

    public async Task InitializeAsync()
    {
        App.Settings["Duban:Proposals:DemoSession"] = "true";
        await App.InitializeAsync();
    }

    public Task DisposeAsync() => App.DisposeAsync();
}

/// <summary>
/// The demo's 2025 records and the figures computed from them: the seeds' 江门市政协 2025 (委员个人提案立案242件,
/// 社情民意信息采用51件, 履职考评优秀率89%) come out of the proposals and activities, not out of typed numbers.
/// </summary>
[Trait("Category", "Database")]
public sealed class ProposalSessionTests(ProposalSession session) : IClassFixture<ProposalSession>
{
    private DubanFactory App => session.App;

    [Fact]
    public async Task Figures2025_OfTheCppcc_AreTheSeeds()
    {
        var figures = await App.Desk.As("cppcc-office").GetAsync("/api/v1/proposals/figures?body=cppcc&year=2025").Ok();
        Assert.Equal((260, 242, 12, 6), ((int)figures["submitted"]!, (int)figures["accepted"]!, (int)figures["notAccepted"]!, (int)figures["merged"]!));
        // Every accepted proposal replied; one in thirty late (n % 30 == 29: 8 of 242).
        Assert.Equal((242, 234), ((int)figures["replied"]!, (int)figures["repliedOnTime"]!));
        var byCategory = figures["byCategory"]!;
        Assert.Equal(242, (int)byCategory["A"]! + (int)byCategory["B"]! + (int)byCategory["C"]!);
        Assert.Equal(Enumerable.Range(0, 242).Count(n => n % 11 < 6 && n % 40 != 7), (int)byCategory["A"]!);
        // The six dissatisfied were handled again and rated basically satisfied at last: satisfaction 100 %.
        Assert.Equal((242, 100.0), ((int)figures["evaluated"]!, (double)figures["satisfaction"]!));
        Assert.Equal(242, figures["byHostUnit"]!.AsArray().Sum(h => (int)h!["assigned"]!));
        // The congress's office has its own; a unit's handler sees none of them.
        var npc = await App.Desk.As("npc-office").GetAsync("/api/v1/proposals/figures?body=npc&year=2025").Ok();
        Assert.Equal((20, 18), ((int)npc["submitted"]!, (int)npc["accepted"]!));
        await App.Desk.Handler("4407-jyj").GetAsync("/api/v1/proposals/figures?body=cppcc&year=2025").Problem(HttpStatusCode.Forbidden);
        await App.Desk.As("cppcc-office").GetAsync("/api/v1/proposals/figures?body=cppcc").Problem(HttpStatusCode.BadRequest);

        // The same figures as XLSX: the totals sheet, and the host units summing to the accepted.
        var xlsx = await App.Desk.As("cppcc-office").GetAsync("/api/v1/proposals/figures.xlsx?body=cppcc&year=2025");
        Assert.Equal(HttpStatusCode.OK, xlsx.StatusCode);
        var bytes = await xlsx.Content.ReadAsByteArrayAsync();
        var totals = Sheets.Rows(bytes, "统计").ToDictionary(r => r[0], r => r[1]);
        Assert.Equal(("260", "242", "12", "6", "234", "100"), (totals["提交"], totals["立案"], totals["不予立案"], totals["并案"], totals["按时答复"], totals["满意率（%，满意和基本满意）"]));
        Assert.Equal($"{(int)byCategory["A"]!}", totals["A类（已解决或采纳）"]);
        Assert.Equal(242, Sheets.Rows(bytes, "主办单位").Skip(1).Sum(r => int.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture)));
        await App.Desk.Handler("4407-jyj").GetAsync("/api/v1/proposals/figures.xlsx?body=cppcc&year=2025").Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task DutyRanking2025_EightyNinePercentExcellent_FromTheRecords()
    {
        var office = App.Desk.As("cppcc-office");
        var ranking = await office.GetAsync("/api/v1/members/duties?body=cppcc&year=2025").Ok();
        Assert.Equal((100, 89, 89.0), ((int)ranking["members"]!, (int)ranking["grades"]!["excellent"]!, (double)ranking["excellentShare"]!));
        var ids = await office.MemberIds("cppcc", "cppcc-001", "cppcc-100");
        // cppcc-001 leads three proposals (two accepted... as the records say) and took part in everything.
        var first = await App.Desk.As("cppcc-001").GetAsync($"/api/v1/members/{ids[0]}/duties?year=2025").Ok();
        Assert.Equal("excellent", (string?)first["grade"]);
        Assert.Equal(16, first["duties"]!.AsArray().Count);
        Assert.Equal(1, (int)first["duties"]!.AsArray().Single(d => (string?)d!["key"] == "opinion_adopted")!["count"]!);
        Assert.Equal((double)first["score"]!, first["duties"]!.AsArray().Sum(d => (double)d!["points"]!), 3);
        var last = await office.GetAsync($"/api/v1/members/{ids[1]}/duties?year=2025").Ok();
        Assert.NotEqual("excellent", (string?)last["grade"]);
        // A member reads only their own.
        await App.Desk.As("cppcc-001").GetAsync($"/api/v1/members/{ids[1]}/duties?year=2025").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task OpinionsAndConsultations2025_AreTheSeeds()
    {
        var office = App.Desk.As("cppcc-office");
        // 126 reports and social-opinion items, 51 adopted (and forwarded), 60 leaders' instructions: counted from the items.
        var items = await office.GetAsync("/api/v1/opinions/figures?body=cppcc&year=2025").Ok();
        Assert.Equal((126, 51, 51, 60), ((int)items["submitted"]!, (int)items["adopted"]!, (int)items["forwarded"]!, (int)items["instructions"]!));
        Assert.Equal(126, (int)items["opinions"]! + (int)items["reports"]!);
        // 36 research-consultation topics (each with its report) and 87 consultation events.
        var activities = await office.GetAsync("/api/v1/consultations?body=cppcc&year=2025").Ok();
        Assert.Equal((36, 87, 36), ((int)activities["topics"]!, (int)activities["events"]!, (int)activities["reports"]!));
        Assert.All(activities["items"]!.AsArray(), c => Assert.NotEmpty(c!["memberIds"]!.AsArray()));
    }

    [Fact]
    public async Task TheDemosChain_Verifies()
    {
        await using var scope = App.Scope();
        Assert.True((await App.Verify(App.Db(scope))).Intact);
    }
}
