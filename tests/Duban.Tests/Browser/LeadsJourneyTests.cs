using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// The shared investment leads through the console's forms (Features/Leads): 江海区's 发展和改革局 posts a lead and shares it
/// with 恩平市 alone; 恩平's follows it and moves it to contacted; 蓬江区, outside the sharing set, gets the not-found page.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed partial class LeadsJourneyTests(BrowserApp web)
{
    [Fact]
    public async Task District_PostsAndSharesALead_TheSharedDistrictFollowsAndMovesIt_AnotherSeesNothing()
    {
        // 1. 江海区 posts the lead from the list's form, then shares it with 恩平市 from the lead's page.
        var company = "江门市示例精密制造有限公司 " + Guid.NewGuid().ToString("N")[..6];
        var jianghai = await web.SignedInAsync("h-440704-fgj");
        await jianghai.GotoAsync("/console/leads");
        var post = jianghai.GetByTestId("lead-post");
        await post.GetByLabel("企业信息").FillAsync(company);
        await post.GetByLabel("产业类别").SelectOptionAsync("equipment");
        await post.GetByLabel("计划投资额（元）").FillAsync("150000000");
        await post.GetByLabel("项目需求").FillAsync("需工业用地约80亩，配套电力扩容。");
        await post.GetByRole(AriaRole.Button, new() { Name = "发布线索" }).ClickAsync();
        await jianghai.WaitForURLAsync("**?done=posted");
        var url = new Uri(jianghai.Url).AbsolutePath;
        Assert.Matches(LeadUrl(), url);
        await Assertions.Expect(jianghai.GetByTestId("lead-company")).ToHaveTextAsync(company);
        var share = jianghai.GetByTestId("lead-share");
        await share.GetByLabel("恩平市").CheckAsync();
        await share.GetByRole(AriaRole.Button, new() { Name = "分享" }).ClickAsync();
        await jianghai.WaitForURLAsync("**?done=shared");
        await Assertions.Expect(jianghai.GetByTestId("lead-steps")).ToContainTextAsync("分享线索");

        // 2. 恩平市 sees it, follows it, and moves it to contacted.
        var enping = await web.SignedInAsync("h-440785-fgj");
        await enping.GotoAsync(url);
        await Assertions.Expect(enping.GetByTestId("lead-status")).ToHaveTextAsync("新线索");
        await enping.GetByTestId("lead-follow").GetByRole(AriaRole.Button, new() { Name = "关注线索" }).ClickAsync();
        await enping.WaitForURLAsync("**?done=follow");
        await enping.GetByTestId("lead-next").ClickAsync();
        await enping.WaitForURLAsync("**?done=step");
        await Assertions.Expect(enping.GetByTestId("lead-status")).ToHaveTextAsync("已接洽");
        await Assertions.Expect(enping.GetByTestId("lead-steps")).ToContainTextAsync("已接洽");

        // 3. 蓬江区, outside the sharing set: not found, and not in its list.
        var pengjiang = await web.SignedInAsync("h-440703-fgj");
        var response = await pengjiang.GotoAsync(url);
        Assert.Equal(404, response!.Status);
        await Assertions.Expect(pengjiang.GetByRole(AriaRole.Heading, new() { Name = "线索不存在", Level = 1 })).ToBeVisibleAsync();
        await pengjiang.GotoAsync("/console/leads");
        await Assertions.Expect(pengjiang.Locator($"tr[data-lead='{url.Split('/')[^1]}']")).ToHaveCountAsync(0);
        await web.ShotAsync(enping, "lead-page");
    }

    [GeneratedRegex("^/console/leads/[0-9]+$")]
    private static partial Regex LeadUrl();
}
