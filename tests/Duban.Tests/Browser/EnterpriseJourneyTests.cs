using System.Globalization;
using System.Text;
using Duban.Common;
using Duban.Features.Enterprises;
using Duban.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// The enterprise lane through the pages (issue 19, Features/Enterprises): the business office (市工信局) sees the register and
/// imports two firms from a CSV file; sets the 200强 firm's service team on its page (a lead official and members of two
/// units); a demand that names that firm's credit code is linked to it at dispatch and shows in the rapid-response queue
/// on its own policy (respond in one working day, solve in five); a handler of a member unit sees it in the queue; the office
/// records a visit with three demands on the firm's page (the third after "add another demand"), each a matter linked to
/// the visit and the firm; and the figures show the year's demands.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class EnterpriseJourneyTests(BrowserApp web)
{
    private static string NewCode()
    {
        var body = "B" + Random.Shared.Next(1_000_000, 9_999_999).ToString("D7", CultureInfo.InvariantCulture);
        var first17 = "91440704" + body + CreditCode.OrganisationCheck(body);
        return first17 + CreditCode.Check(first17);
    }

    [Fact]
    public async Task Office_ImportsSetsTheTeamRecordsAVisit_TheQueueTheTeamAndTheFiguresFollow()
    {
        var (top, small) = (NewCode(), NewCode());
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (topName, smallName) = ($"江门市旅程测试重工{tag}有限公司", $"江门市旅程测试电子{tag}有限公司");

        // 1. The office opens the lane from the navigation, sees the register and imports two firms from a CSV file.
        var office = await web.SignedInAsync("h-4407-gxj");
        await office.GetByRole(AriaRole.Navigation, new() { Name = "主导航" }).GetByRole(AriaRole.Link, new() { Name = "企业诉求" }).ClickAsync();
        await Assertions.Expect(office.GetByRole(AriaRole.Heading, new() { Name = "企业诉求", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(office.GetByTestId("enterprise-firms")).ToBeVisibleAsync();
        var csv = "统一社会信用代码,企业名称,所在区县,行业,企业规模,200强\n"
            + $"{top},{topName},江海区,制造业,大型,是\n{small},{smallName},江海区,信息技术,中小型,否\n";
        await office.Locator("#register-file").SetInputFilesAsync(new FilePayload
        {
            Name = "企业名录.csv",
            MimeType = "text/csv",
            Buffer = Encoding.UTF8.GetBytes(csv),
        });
        await office.GetByTestId("enterprise-import").GetByRole(AriaRole.Button, new() { Name = "导入" }).ClickAsync();
        await office.WaitForURLAsync("**added=2**");
        await Assertions.Expect(office.Locator(".notice").First).ToContainTextAsync("新增2家");
        await Assertions.Expect(office.GetByTestId("enterprise-firms").Locator($"tr[data-firm='{top}']")).ToContainTextAsync(topName);

        // 2. The 200强 firm's page: the office sets its service team, a lead official and members of two units.
        await office.GetByTestId("enterprise-firms").GetByRole(AriaRole.Link, new() { Name = topName }).ClickAsync();
        await Assertions.Expect(office.GetByTestId("firm-name")).ToHaveTextAsync(topName);
        var teamForm = office.GetByTestId("firm-team-form");
        await teamForm.Locator("#team-lead").FillAsync("4407-gxj");
        await teamForm.GetByLabel("牵头领导").FillAsync("市工业和信息化局副局长");
        await teamForm.Locator("#team-member-1").FillAsync("4407-rsj");
        await teamForm.Locator("#team-member-2").FillAsync("4407-scjgj");
        await teamForm.GetByRole(AriaRole.Button, new() { Name = "保存服务专班" }).ClickAsync();
        await office.WaitForURLAsync("**?done=team");
        var team = office.GetByTestId("firm-team");
        await Assertions.Expect(team.Locator("li")).ToHaveCountAsync(3);
        await Assertions.Expect(team).ToContainTextAsync("市工业和信息化局副局长");

        // 3. A demand by phone that names the firm's credit code: linked at dispatch, on the rapid-response policy.
        var api = await web.App.As("dispatcher");
        var id = await api.Register(new
        {
            kind = "enterprise_demand",
            channel = "phone",
            title = $"企业用电增容报装 {tag}",
            content = $"企业统一社会信用代码{top}，新生产线投产需要用电增容，报装进度缓慢。",
            territoryCode = "440704",
        });
        await api.Do(id, "dispatch", new { leadUnitCode = "4407-fgj" });
        var matter = await api.Get(id);
        Assert.Equal(top, (string?)matter["facets"]!["enterprise"]!["creditCode"]);
        Assert.Equal("enterprise-rapid", (string?)matter["clock"]!["policy"]!["id"]);
        // One working day to sign for it, five to solve it: the next working day and the fifth (weekends and holidays aside).
        var now = web.App.Clock.GetUtcNow();
        var sign = (DateTimeOffset)matter["clock"]!["signDueAt"]!;
        var due = (DateTimeOffset)matter["clock"]!["dueAt"]!;
        Assert.InRange(sign, now.AddHours(1), now.AddDays(12));
        Assert.InRange(due, sign.AddDays(1), now.AddDays(16));
        await office.GotoAsync("/console/enterprises");
        var row = office.GetByTestId("enterprise-queue").Locator($"tr[data-matter='{id}']");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-policy", "enterprise-rapid");
        await Assertions.Expect(row).ToContainTextAsync(topName);
        await Assertions.Expect(row.Locator("time").Last).ToBeVisibleAsync();

        // 4. A handler of a member unit (市人社局, not the unit handling it) sees the demand in the queue.
        var member = await web.SignedInAsync("h-4407-rsj");
        await member.GotoAsync("/console/enterprises");
        await Assertions.Expect(member.GetByTestId("enterprise-queue").Locator($"tr[data-matter='{id}']")).ToContainTextAsync(topName);
        // The team is the office's to keep: no form for the member, and the API answers 403.
        await member.GotoAsync($"/console/enterprises/{top}");
        await Assertions.Expect(member.GetByTestId("firm-name")).ToHaveTextAsync(topName);
        await Assertions.Expect(member.GetByTestId("firm-team-form")).ToHaveCountAsync(0);

        // 5. The office records a visit with three demands on the firm's page (the third after "add another demand").
        await office.GotoAsync($"/console/enterprises/{top}");
        var visit = office.GetByTestId("firm-visit-form");
        await visit.GetByLabel("走访领导和人员").FillAsync("区长郑丹辉、区工信局");
        await visit.Locator("#visit-demand-title-1").FillAsync($"招工难 {tag}");
        await visit.Locator("#visit-demand-content-1").FillAsync("企业扩产缺少技术工人约两百人，希望对接职业院校。");
        await visit.Locator("#visit-demand-title-2").FillAsync($"物流通道 {tag}");
        await visit.Locator("#visit-demand-content-2").FillAsync("厂区门前道路货车限行，希望调整通行时段。");
        await visit.Locator("#visit-demand-title-3").FillAsync($"融资需求 {tag}");
        await visit.Locator("#visit-demand-content-3").FillAsync("技术改造需要中长期贷款，希望对接政银保产品。");
        await Assertions.Expect(visit.Locator("#visit-demand-title-4")).ToHaveCountAsync(0);
        await visit.GetByTestId("visit-add-demand").ClickAsync();
        visit = office.GetByTestId("firm-visit-form");
        await Assertions.Expect(visit.Locator("#visit-demand-title-4")).ToBeVisibleAsync();
        await Assertions.Expect(visit.Locator("#visit-demand-title-2")).ToHaveValueAsync($"物流通道 {tag}");
        await visit.Locator("#visit-demand-title-4").FillAsync($"用地指标 {tag}");
        await visit.Locator("#visit-demand-content-4").FillAsync("二期厂房需要新增工业用地指标。");
        await visit.GetByRole(AriaRole.Button, new() { Name = "保存走访" }).ClickAsync();
        await office.WaitForURLAsync("**?done=visit");
        await Assertions.Expect(office.GetByTestId("firm-visits")).ToContainTextAsync("收集诉求4项");
        var demands = office.GetByTestId("firm-demands");
        foreach (var title in new[] { "招工难", "物流通道", "融资需求", "用地指标" }) await Assertions.Expect(demands).ToContainTextAsync($"{title} {tag}");
        await Assertions.Expect(demands.Locator("tr", new() { HasText = "走访收集" })).ToHaveCountAsync(4);

        // Each demand is a matter of the lane, linked to the visit and to the firm.
        var visits = (await (await web.App.As("h-4407-gxj")).GetAsync($"/api/v1/enterprises/{top}/visits").Ok()).AsArray();
        var recorded = Assert.Single(visits)!;
        var made = recorded["demands"]!.AsArray().Select(d => (long)d!).ToList();
        Assert.Equal(4, made.Count);
        foreach (var m in made)
        {
            var link = (await api.Get(m))["facets"]!["enterprise"]!;
            Assert.Equal((top, (long)recorded["id"]!), ((string?)link["creditCode"], (long)link["visitId"]!));
        }

        // 6. The figures show the year's demands: all of them, the large firms' and manufacturing's among them.
        var year = Clock.ChinaDate(now).Year;
        var figures = await (await web.App.As("h-4407-gxj")).GetAsync($"/api/v1/enterprises/figures?year={year}").Ok();
        await office.GotoAsync("/console/enterprises");
        var table = office.GetByTestId("enterprise-figures");
        await Assertions.Expect(table).ToBeVisibleAsync();
        Assert.True((int)figures["all"]!["count"]! >= 5);
        await Assertions.Expect(table.Locator("tbody tr").First).ToContainTextAsync(((int)figures["all"]!["count"]!).ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(table.Locator("tbody tr", new() { HasText = "大型" })).ToBeVisibleAsync();
        await Assertions.Expect(table.Locator("tbody tr", new() { HasText = "制造业" })).ToBeVisibleAsync();
    }
}
