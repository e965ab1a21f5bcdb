using System.Net;
using System.Text;
using Duban.Features.Enterprises;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Enterprises;

/// <summary>
/// A firm's page (<c>/console/enterprises/{code}</c>): the business office edits a 200强 firm's service team there (a lead
/// official and members from several units), audited as the API's change is; the form is absent for anyone else and a post
/// of it refused; the visit form takes several demands, one more at each "add another demand", each a matter linked to the
/// visit and the firm.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class EnterprisePageTests(DubanFactory factory)
{
    private const string Office = "4407-gxj";
    private static int serial = Random.Shared.Next(1_000_000, 9_000_000);

    private static string NewCode()
    {
        var body = "P" + Interlocked.Increment(ref serial).ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
        var first17 = "91440704" + body + CreditCode.OrganisationCheck(body);
        return first17 + CreditCode.Check(first17);
    }

    private async Task<string> FirmAsync(string name, bool top200)
    {
        var code = NewCode();
        await factory.Desk.Handler(Office).PostAsync("/api/v1/enterprises/import", new StringContent(
            $"统一社会信用代码,企业名称,所在区县,行业,企业规模,200强\n{code},{name},江海区,制造业,大型,{(top200 ? "是" : "否")}", Encoding.UTF8, "text/csv")).Ok();
        return code;
    }

    [Fact]
    public async Task TeamForm_TheOfficeSetsA200FirmsTeam_Audited_OthersHaveNoFormAndAreRefused()
    {
        var code = await FirmAsync("江门市页面专班测试机械有限公司", top200: true);
        var url = $"/console/enterprises/{code}";
        var office = await PageForms.SignedInAsync(factory, "h-" + Office);
        Assert.Contains("firm-team-form", await office.GetStringAsync(url), StringComparison.Ordinal);

        var saved = await PageForms.PostAsync(office, url, "team", [new("leadUnit", "市工业和信息化局 4407-gxj"), new("leadOfficial", "市工业和信息化局副局长"),
            new("memberSlots", "4"), new("member1", "4407-rsj"), new("member2", "江门市市场监督管理局 4407-scjgj"), new("member3", "")]);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.EndsWith("?done=team", saved.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var team = (await factory.Desk.Supervisor.GetAsync($"/api/v1/enterprises/{code}").Ok())["team"]!.AsArray();
        Assert.Equal(["4407-gxj:lead", "4407-rsj:member", "4407-scjgj:member"],
            team.Select(t => $"{(string?)t!["unitCode"]}:{(string?)t["role"]}").Order(StringComparer.Ordinal));
        Assert.Equal("市工业和信息化局副局长", (string?)team.Single(t => (string?)t!["role"] == "lead")!["official"]);
        await using (var scope = factory.Scope())
        {
            var events = await factory.Db(scope).Events.AsNoTracking().Where(e => e.Action == EnterpriseRegister.TeamSet).Select(e => e.Data).ToListAsync();
            Assert.Contains(events, d => d.Contains(code, StringComparison.Ordinal) && d.Contains("4407-scjgj", StringComparison.Ordinal));
        }
        // The page shows the team again, its members in the form for the next edit.
        var page = await office.GetStringAsync(url);
        Assert.Contains("市工业和信息化局副局长", page, StringComparison.Ordinal);
        Assert.Contains("id=\"team-member-3\"", page, StringComparison.Ordinal);

        // A bad lead unit is named on the page; nothing changes.
        var bad = await PageForms.PostAsync(office, url, "team", [new("leadUnit", "4407-nowhere"), new("leadOfficial", "局长")]);
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        Assert.Contains("team-error", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A team member and the county's coordinator see the firm but not the form; their post is refused, the team unchanged.
        foreach (var other in new[] { "h-4407-rsj", "s-440704" })
        {
            var client = await PageForms.SignedInAsync(factory, other);
            var html = await client.GetStringAsync(url);
            Assert.Contains("江门市页面专班测试机械有限公司", html, StringComparison.Ordinal);
            Assert.DoesNotContain("firm-team-form", html, StringComparison.Ordinal);
            var refused = await PageForms.PostAsync(client, url, "team", [new("leadUnit", "4407-rsj"), new("leadOfficial", "越权"), new("member1", "4407-jtj")]);
            // Their page renders no form of that name, so the post is not taken (400); the API refuses them with 403.
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        await factory.Desk.CountySupervisor("440704").Post($"/api/v1/enterprises/{code}/team", new { leadUnitCode = "4407-rsj", leadOfficial = "越权" })
            .Problem(HttpStatusCode.Forbidden);
        Assert.Equal(3, (await factory.Desk.Supervisor.GetAsync($"/api/v1/enterprises/{code}").Ok())["team"]!.AsArray().Count);

        // A firm off the 200强 list has no team to edit: no form.
        var plain = await FirmAsync("江门市页面非200强测试有限公司", top200: false);
        Assert.DoesNotContain("firm-team-form", await office.GetStringAsync($"/console/enterprises/{plain}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VisitForm_TakesSeveralDemands_OneMoreAtEachAdd_EachAMatterOfTheVisitAndTheFirm()
    {
        var code = await FirmAsync("江门市页面走访测试装备有限公司", top200: false);
        var url = $"/console/enterprises/{code}";
        var office = await PageForms.SignedInAsync(factory, "h-" + Office);
        var html = await office.GetStringAsync(url);
        Assert.Contains("id=\"visit-demand-title-3\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"visit-demand-title-4\"", html, StringComparison.Ordinal);
        var today = Duban.Common.Clock.ChinaDate(factory.Clock.GetUtcNow()).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        List<KeyValuePair<string, string>> Fields(int slots) =>
        [
            new("visitedOn", today), new("officials", "区长郑丹辉"), new("slots", slots.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("demandTitle1", "招工难"), new("demandContent1", "缺少技术工人。"),
            new("demandTitle2", "用地"), new("demandContent2", "需要新增用地指标。"),
            new("demandTitle3", ""), new("demandContent3", ""),
        ];

        // "Add another demand": the same page, a fourth pair of fields, what was typed kept, nothing recorded.
        var more = Fields(3);
        more.Add(new("add", "1"));
        var added = await PageForms.PostAsync(office, url, "visit", more);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var addedHtml = await added.Content.ReadAsStringAsync();
        Assert.Contains("id=\"visit-demand-title-4\"", addedHtml, StringComparison.Ordinal);
        Assert.Contains("value=\"招工难\"", addedHtml, StringComparison.Ordinal);
        Assert.Empty((await office.GetAsync($"/api/v1/enterprises/{code}/visits").Ok()).AsArray());

        // A demand with a title and no content is named; nothing is kept.
        var half = Fields(4);
        half.Add(new("demandTitle4", "融资"));
        var refused = await PageForms.PostAsync(office, url, "visit", half);
        Assert.Contains("visit-error", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty((await office.GetAsync($"/api/v1/enterprises/{code}/visits").Ok()).AsArray());

        var full = Fields(4);
        full.Add(new("demandTitle4", "融资"));
        full.Add(new("demandContent4", "技术改造需要中长期贷款。"));
        var saved = await PageForms.PostAsync(office, url, "visit", full);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var visit = Assert.Single((await office.GetAsync($"/api/v1/enterprises/{code}/visits").Ok()).AsArray())!;
        var demands = visit["demands"]!.AsArray().Select(d => (long)d!).ToList();
        Assert.Equal(3, demands.Count); // the empty third pair is left out
        var titles = new List<string>();
        foreach (var id in demands)
        {
            var m = await factory.Desk.Supervisor.Get(id);
            Assert.Equal(("enterprise_demand", "visit"), ((string?)m["kind"], (string?)m["channel"]));
            Assert.Equal((code, (long)visit["id"]!), ((string?)m["facets"]!["enterprise"]!["creditCode"], (long)m["facets"]!["enterprise"]!["visitId"]!));
            titles.Add((string)m["title"]!);
        }
        Assert.Equal(new[] { "招工难", "用地", "融资" }.Order(StringComparer.Ordinal), titles.Order(StringComparer.Ordinal));
    }
}
