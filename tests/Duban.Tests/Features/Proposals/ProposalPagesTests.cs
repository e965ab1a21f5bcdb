using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Duban.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

using static Duban.Tests.Features.Proposals.Proposing;

namespace Duban.Tests.Features.Proposals;

/// <summary>The pages: a member's replies to evaluate and the evaluation posted from the page; the host's reply form.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed partial class ProposalPagesTests(DubanFactory factory)
{
    private async Task<HttpClient> Browser(string username)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { username, password = DubanFactory.Password })).EnsureSuccessStatusCode();
        return client;
    }

    private static async Task<HttpResponseMessage> Post(HttpClient client, string url, string form, Dictionary<string, string> fields)
    {
        var html = await client.GetStringAsync(url);
        fields["_handler"] = form;
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(TokenField().Match(html).Groups[1].Value);
        return await client.PostAsync(url, new FormUrlEncodedContent(fields));
    }

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

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
