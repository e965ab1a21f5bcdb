using System.Net;
using System.Net.Http.Json;
using Duban.Tests.Infrastructure;

using static Duban.Tests.Features.Proposals.Proposing;

namespace Duban.Tests.Features.Proposals;

/// <summary>The pages: a member's replies to evaluate and the evaluation posted from the page; the host's reply form.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class ProposalPagesTests(DubanFactory factory)
{
    private Task<HttpClient> Browser(string username) => PageForms.SignedInAsync(factory, username);

    private static Task<HttpResponseMessage> Post(HttpClient client, string url, string form, Dictionary<string, string> fields) =>
        PageForms.PostAsync(client, url, form, [.. fields]);

    private static Task<HttpResponseMessage> PostFields(HttpClient client, string url, string form, List<KeyValuePair<string, string>> fields) =>
        PageForms.PostAsync(client, url, form, fields);

    [Fact]
    public async Task Host_RepliesOnThePage_TheMember_EvaluatesOnThePage()
    {
        var office = factory.Desk.CppccOffice();
        var member = (await office.MemberIds("cppcc", "cppcc-061"))[0];
        var title = Unique("关于建设城市绿道网络的提案");
        var id = (long)(await factory.Desk.Member("cppcc-061").Submit("cppcc", 2026, title, member))["id"]!;
        await office.Done(id, "accept", new { hostUnitCode = "4407-zrzyj" });

        var host = await Browser("h-4407-zrzyj");
        var page = await host.GetStringAsync($"/console/proposals/{id}");
        Assert.Contains("data-testid=\"reply-form\"", page, StringComparison.Ordinal);
        var version = (int)(await office.Proposal(id))["version"]!;
        var missing = await Post(host, $"/console/proposals/{id}", "reply", new() { ["version"] = $"{version}", ["text"] = "已纳入规划" });
        Assert.Contains("category", await missing.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var replied = await Post(host, $"/console/proposals/{id}", "reply", new() { ["version"] = $"{version}", ["category"] = "A", ["text"] = "绿道网络已纳入国土空间规划。" });
        Assert.Equal(HttpStatusCode.Redirect, replied.StatusCode);

        var browser = await Browser("cppcc-061");
        var toEvaluate = await browser.GetStringAsync("/console/proposals?toEvaluate=true");
        Assert.Contains(title, toEvaluate, StringComparison.Ordinal);
        var detail = await browser.GetStringAsync($"/console/proposals/{id}");
        Assert.Contains("绿道网络已纳入国土空间规划。", detail, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"evaluate\"", detail, StringComparison.Ordinal);
        version = (int)(await office.Proposal(id))["version"]!;
        var evaluated = await Post(browser, $"/console/proposals/{id}", "evaluate", new() { ["version"] = $"{version}", ["rating"] = "satisfied", ["comment"] = "满意" });
        Assert.Equal(HttpStatusCode.Redirect, evaluated.StatusCode);
        Assert.Equal("closed", (string?)(await office.Proposal(id))["status"]);
        Assert.DoesNotContain(title, await browser.GetStringAsync("/console/proposals?toEvaluate=true"), StringComparison.Ordinal);
        // Another member does not open it.
        Assert.Equal(HttpStatusCode.NotFound, (await (await Browser("cppcc-062")).GetAsync($"/console/proposals/{id}")).StatusCode);
    }

    [Fact]
    public async Task Office_AdoptsAnItem_OnTheOpinionsPage_TheMemberSeesOnlyTheirs()
    {
        var office = factory.Desk.CppccOffice();
        var title = Unique("关于农村独居老人照护的社情民意");
        var created = await (await factory.Desk.Member("cppcc-084").PostAsJsonAsync("/api/v1/opinions", new { body = "cppcc", year = 2034, title, content = "独居老人照护缺位。" }))
            .Json(HttpStatusCode.Created);
        var id = (long)created["id"]!;

        var browser = await Browser("cppcc-office");
        var page = await browser.GetStringAsync("/console/opinions?year=2034");
        Assert.Contains(title, page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"adopt-form\"", page, StringComparison.Ordinal);
        var posted = await Post(browser, "/console/opinions?year=2034", $"adopt-{id}", []);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Equal("adopted", (string?)(await office.GetAsync($"/api/v1/opinions/{id}").Ok())["status"]);
        Assert.Contains("采用 1 篇", await browser.GetStringAsync("/console/opinions?year=2034"), StringComparison.Ordinal);

        // Another member's page lists nothing of it, and offers no adopting.
        var other = await (await Browser("cppcc-085")).GetStringAsync("/console/opinions");
        Assert.DoesNotContain(title, other, StringComparison.Ordinal);
        Assert.DoesNotContain("adopt-form", other, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Office_HoldsAnAssignmentMeetingOnThePage_TheTickedAssigned_ARefusalNamedByTheProposalsNumber()
    {
        var office = factory.Desk.CppccOffice();
        var member = (await office.MemberIds("cppcc", "cppcc-066"))[0];
        var proposer = factory.Desk.Member("cppcc-066");
        var ids = new List<long>();
        foreach (var title in new[] { "关于完善公交接驳的提案", "关于扶持侨乡民宿的提案", "关于加强校园周边交通安全的提案" })
            ids.Add((long)(await proposer.Submit("cppcc", 2026, Unique(title), member))["id"]!);
        var versions = new List<int>();
        foreach (var id in ids) versions.Add((int)(await office.Proposal(id))["version"]!);

        var browser = await Browser("cppcc-office");
        Assert.Contains("data-testid=\"meeting-link\"", await browser.GetStringAsync("/console/proposals"), StringComparison.Ordinal);
        var page = await browser.GetStringAsync("/console/proposals/meeting");
        Assert.All(ids, id => Assert.Contains($"name=\"pick\" value=\"{id}\"", page, StringComparison.Ordinal));

        // Two ticked: the first assigned with its host; the second refused on its own (the page's version is not the proposal's).
        var answer = await PostFields(browser, "/console/proposals/meeting", "meeting",
        [
            new("meeting", "2026年政协提案交办会"),
            new("pick", $"{ids[0]}"), new($"version-{ids[0]}", $"{versions[0]}"), new($"host-{ids[0]}", "4407-zrzyj"),
            new("pick", $"{ids[1]}"), new($"version-{ids[1]}", $"{versions[1] + 5}"), new($"host-{ids[1]}", "4407-gxj"), new($"co-{ids[1]}", "4407-fgj"),
        ]);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("「2026年政协提案交办会」：交办 1 件，未交办 1 件", WebUtility.HtmlDecode(await answer.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        var assigned = await office.Proposal(ids[0]);
        Assert.Equal(("assigned", "4407-zrzyj"), ((string?)assigned["status"], (string?)assigned["hostUnit"]!["code"]));
        Assert.Equal("submitted", (string?)(await office.Proposal(ids[1]))["status"]);
        Assert.Equal("submitted", (string?)(await office.Proposal(ids[2]))["status"]);

        // A ticked row without its host refuses the whole meeting, naming the proposal by its number; nothing is assigned.
        var number = (string?)(await office.Proposal(ids[2]))["number"];
        var refused = await PostFields(browser, "/console/proposals/meeting", "meeting",
        [
            new("pick", $"{ids[1]}"), new($"version-{ids[1]}", $"{versions[1]}"), new($"host-{ids[1]}", "4407-gxj"),
            new("pick", $"{ids[2]}"), new($"version-{ids[2]}", $"{versions[2]}"),
        ]);
        Assert.Contains($"{number}：请指定主办单位", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal("submitted", (string?)(await office.Proposal(ids[1]))["status"]);

        // A member holds no meeting: no form.
        var memberPage = await (await Browser("cppcc-066")).GetStringAsync("/console/proposals/meeting");
        Assert.DoesNotContain("data-testid=\"meeting-form\"", memberPage, StringComparison.Ordinal);
        Assert.Contains("只有提案工作机构可以召开交办会", memberPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Office_RecordsATopicWithItsMembersAndItsReport_OnTheConsultationsPage_AMemberSeesOnlyWhatTheyTookPartIn()
    {
        const int year = 2047;
        var office = factory.Desk.CppccOffice();
        var members = await office.MemberIds("cppcc", "cppcc-071", "cppcc-072");
        var title = Unique("侨乡历史文化街区活化利用");
        var browser = await Browser("cppcc-office");
        Assert.Contains("href=\"/console/consultations\"", await browser.GetStringAsync("/console/proposals"), StringComparison.Ordinal);
        var page = await browser.GetStringAsync($"/console/consultations?year={year}");
        Assert.Contains("data-testid=\"consultation-form\"", page, StringComparison.Ordinal);
        // The register to choose from.
        Assert.Contains($"<option value=\"{members[0]}\"", page, StringComparison.Ordinal);

        // A member not of the register is refused, naming it; nothing is recorded.
        var refused = await PostFields(browser, $"/console/consultations?year={year}", "add",
            [new("kind", "topic"), new("title", title), new("day", $"{year}-04-10"), new("memberIds", $"{members[0]}"), new("memberIds", "999999")]);
        Assert.Contains("第 2 名委员（999999）不在名册中", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.DoesNotContain(title, await browser.GetStringAsync($"/console/consultations?year={year}"), StringComparison.Ordinal);

        var added = await PostFields(browser, $"/console/consultations?year={year}", "add",
            [new("kind", "topic"), new("title", title), new("day", $"{year}-04-10"), new("memberIds", $"{members[0]}"), new("memberIds", $"{members[1]}")]);
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        var listed = await office.GetAsync($"/api/v1/consultations?body=cppcc&year={year}").Ok();
        var topic = listed["items"]!.AsArray().Single(c => (string?)c!["title"] == title)!;
        Assert.Equal(members.Order(), topic["memberIds"]!.AsArray().Select(m => (long)m!).Order());
        var id = (long)topic["id"]!;
        page = WebUtility.HtmlDecode(await browser.GetStringAsync($"/console/consultations?year={year}"));
        Assert.Contains(title, page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"report-form\"", page, StringComparison.Ordinal);

        // Its report, from the page.
        var reported = await PostFields(browser, $"/console/consultations?year={year}", $"report-{id}", [new("report", "建议分批推进街区活化，建立侨资参与机制。")]);
        Assert.Equal(HttpStatusCode.Redirect, reported.StatusCode);
        Assert.Equal("建议分批推进街区活化，建立侨资参与机制。", (string?)(await office.GetAsync($"/api/v1/consultations?body=cppcc&year={year}").Ok())["items"]!.AsArray()
            .Single(c => (long)c!["id"]! == id)!["report"]);
        Assert.Contains("建议分批推进街区活化", WebUtility.HtmlDecode(await browser.GetStringAsync($"/console/consultations?year={year}")), StringComparison.Ordinal);

        // A member who took part sees it, without the office's forms; one who did not, does not.
        var taking = WebUtility.HtmlDecode(await (await Browser("cppcc-071")).GetStringAsync($"/console/consultations?year={year}"));
        Assert.Contains(title, taking, StringComparison.Ordinal);
        Assert.DoesNotContain("consultation-form", taking, StringComparison.Ordinal);
        Assert.DoesNotContain("report-form", taking, StringComparison.Ordinal);
        Assert.DoesNotContain(title, WebUtility.HtmlDecode(await (await Browser("cppcc-073")).GetStringAsync($"/console/consultations?year={year}")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_RepliesWithAPdfOnThePage_TheMemberSeesItsLink()
    {
        var office = factory.Desk.CppccOffice();
        var member = (await office.MemberIds("cppcc", "cppcc-074"))[0];
        var id = (long)(await factory.Desk.Member("cppcc-074").Submit("cppcc", 2026, Unique("关于推进老旧小区加装电梯的提案"), member))["id"]!;
        await office.Done(id, "accept", new { hostUnitCode = "4407-zjj" });
        var host = await Browser("h-4407-zjj");
        var url = $"/console/proposals/{id}";
        var html = await host.GetStringAsync(url);
        Assert.Contains("name=\"document\" type=\"file\"", html, StringComparison.Ordinal);
        var version = (int)(await office.Proposal(id))["version"]!;
        var pdf = System.Text.Encoding.ASCII.GetBytes("%PDF-1.7\n% " + Guid.NewGuid().ToString("N") + "\ntrailer << >>\n%%EOF\n");
        using var form = new MultipartFormDataContent
        {
            { new StringContent("reply"), "_handler" },
            { new StringContent(PageForms.Token(html)), "__RequestVerificationToken" },
            { new StringContent($"{version}"), "version" },
            { new StringContent("A"), "category" },
            { new StringContent("加装电梯已纳入年度民生实事。"), "text" },
            { new ByteArrayContent(pdf), "document", "加装电梯答复.pdf" },
        };
        Assert.Equal(HttpStatusCode.Redirect, (await host.PostAsync(url, form)).StatusCode);

        var detail = WebUtility.HtmlDecode(await (await Browser("cppcc-074")).GetStringAsync(url));
        Assert.Contains("data-testid=\"reply-document\"", detail, StringComparison.Ordinal);
        Assert.Contains($"href=\"/api/v1/proposals/{id}/reply/document\"", detail, StringComparison.Ordinal);
        Assert.Contains("加装电梯答复.pdf", detail, StringComparison.Ordinal);
        Assert.Equal(pdf, await (await Browser("cppcc-074")).GetByteArrayAsync($"/api/v1/proposals/{id}/reply/document"));
    }

    [Fact]
    public async Task Member_ReadsTheirOwnDutyRecord_TheOffice_RanksTheYear_OthersAreRefused()
    {
        const int year = 2041;
        var office = factory.Desk.CppccOffice();
        var ids = await office.MemberIds("cppcc", "cppcc-064", "cppcc-065");
        // The plenary counts 10 points: the only record of anyone's that year, so the member ranks first.
        await (await office.PostAsJsonAsync($"/api/v1/members/{ids[0]}/activities", new { kind = "plenary", title = "全体会议", day = $"{year}-01-08" }))
            .Json(HttpStatusCode.Created);

        var member = await Browser("cppcc-064");
        Assert.Contains("href=\"/console/duties\"", await member.GetStringAsync("/console/proposals"), StringComparison.Ordinal);
        var mine = WebUtility.HtmlDecode(await member.GetStringAsync($"/console/duties?year={year}"));
        Assert.Contains("data-testid=\"duty-record\"", mine, StringComparison.Ordinal);
        Assert.Contains($"{year} 年度履职得分 10 分", mine, StringComparison.Ordinal);
        Assert.DoesNotContain("duty-ranking", mine, StringComparison.Ordinal);
        // Another member's record is not theirs to read.
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/console/duties/{ids[1]}?year={year}")).StatusCode);

        // The office: the year's ranking, as the API ranks it, each name opening the member's record.
        var ranked = await office.GetAsync($"/api/v1/members/duties?body=cppcc&year={year}").Ok();
        Assert.Equal(ids[0], (long)ranked["items"]![0]!["id"]!);
        var browser = await Browser("cppcc-office");
        var ranking = WebUtility.HtmlDecode(await browser.GetStringAsync($"/console/duties?year={year}"));
        Assert.Contains("data-testid=\"duty-ranking\"", ranking, StringComparison.Ordinal);
        Assert.Contains($"共 {(int)ranked["members"]!} 人", ranking, StringComparison.Ordinal);
        Assert.Matches($"<td class=\"num\">1</td>\\s*<td><a href=\"/console/duties/{ids[0]}\\?year={year}\">", ranking);
        var record = WebUtility.HtmlDecode(await browser.GetStringAsync($"/console/duties/{ids[0]}?year={year}"));
        Assert.Contains($"{year} 年度履职得分 10 分", record, StringComparison.Ordinal);

        // In English, the page is English.
        await browser.GetAsync($"/culture?lang=en-US&returnUrl=/console/duties");
        var english = WebUtility.HtmlDecode(await browser.GetStringAsync($"/console/duties/{ids[0]}?year={year}"));
        Assert.Contains($"{year}: duty score 10", english, StringComparison.Ordinal);
        Assert.DoesNotContain("履职得分", english, StringComparison.Ordinal);

        // A handler of a bureau is neither member nor office: refused, and offered no link.
        var handler = await Browser("h-4407-jyj");
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.GetAsync("/console/duties")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await handler.GetAsync($"/console/duties/{ids[0]}?year={year}")).StatusCode);
        Assert.DoesNotContain("href=\"/console/duties\"", await handler.GetStringAsync("/console/proposals"), StringComparison.Ordinal);
    }
}
