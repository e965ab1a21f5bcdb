using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// A CPPCC proposal through the pages only (issue 16): a member submits it with a co-signer, the proposals office
/// accepts it and assigns it to a host unit, the host replies, and the member evaluates the reply, which closes it.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class ProposalJourneyTests(BrowserApp web)
{
    [Fact]
    public async Task Member_Submits_OfficeAcceptsAndAssigns_HostReplies_MemberEvaluates()
    {
        var title = "关于加快中小企业数字化转型的提案 " + Guid.NewGuid().ToString("N")[..6];

        // 1. The member submits it from their proposals page, with a co-signer.
        var member = await web.SignedInAsync("cppcc-001");
        await member.GotoAsync("/console/proposals");
        await member.GetByTestId("new-proposal-link").ClickAsync();
        await Assertions.Expect(member.GetByRole(AriaRole.Heading, new() { Name = "提交建议提案", Level = 1 })).ToBeVisibleAsync();
        var form = member.GetByTestId("new-proposal");
        await Assertions.Expect(form.GetByTestId("body")).ToHaveTextAsync("政协提案");
        // A proposal without its content is refused on the page, naming the field, and keeps what was typed.
        await form.GetByLabel("标题").FillAsync(title);
        await form.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await Assertions.Expect(member.Locator("#content-error")).ToContainTextAsync("请填写内容");
        await Assertions.Expect(member.GetByLabel("标题")).ToHaveValueAsync(title);
        await member.Locator("#content").FillAsync("建议设立中小企业数字化转型专项资金，组织服务商进园区，为企业提供诊断和改造方案。");
        var coSigner = await member.Locator("#co option").Nth(1).TextContentAsync();
        await member.GetByLabel("联名提出人").SelectOptionAsync(new SelectOptionValue { Index = 1 });
        await member.GetByTestId("new-proposal").GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await member.WaitForURLAsync("**/console/proposals/*?done=1");
        var proposalUrl = new Uri(member.Url).AbsolutePath;
        await Assertions.Expect(member.GetByRole(AriaRole.Heading, new() { Name = title, Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(member.GetByTestId("status")).ToHaveTextAsync("已提交");
        await Assertions.Expect(member.GetByTestId("number")).ToContainTextAsync("CPPCC-");
        await Assertions.Expect(member.Locator("dl.facts")).ToContainTextAsync(coSigner!.Split('（')[0]);
        // Not the member's to accept or to answer.
        await Assertions.Expect(member.GetByTestId("accept-form")).ToHaveCountAsync(0);
        await Assertions.Expect(member.GetByTestId("reply-form")).ToHaveCountAsync(0);

        // 2. The office accepts it for the record and assigns it to 市工信局.
        var office = await web.SignedInAsync("cppcc-office");
        await office.GotoAsync(proposalUrl);
        var accept = office.GetByTestId("accept-form");
        await accept.GetByLabel("主办单位代码").FillAsync("4407-gxj");
        await accept.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await office.WaitForURLAsync("**?done=1");
        await Assertions.Expect(office.GetByTestId("status")).ToHaveTextAsync("已立案交办");
        await Assertions.Expect(office.GetByTestId("accept-form")).ToHaveCountAsync(0);

        // 3. The host unit replies: category A, signed off.
        var host = await web.SignedInAsync("h-4407-gxj");
        await host.GotoAsync(proposalUrl);
        var reply = host.GetByTestId("reply-form");
        await reply.GetByLabel("A类：已解决或采纳").CheckAsync();
        await reply.GetByLabel("答复内容").FillAsync("我局已会同市财政局设立数字化转型专项资金，首批支持企业60家。");
        await reply.GetByLabel("签发").FillAsync("市工信局局长");
        await reply.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await host.WaitForURLAsync("**?done=1");
        await Assertions.Expect(host.GetByTestId("status")).ToHaveTextAsync("已答复");
        await Assertions.Expect(host.GetByTestId("reply")).ToContainTextAsync("首批支持企业60家");

        // 4. The member finds it among the replies to evaluate, and evaluates it: satisfied closes it.
        await member.GotoAsync("/console/proposals?toEvaluate=true");
        await member.GetByTestId("proposals").GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        await Assertions.Expect(member.GetByTestId("reply")).ToContainTextAsync("A类：已解决或采纳");
        var evaluate = member.GetByTestId("evaluate");
        await evaluate.GetByLabel("满意", new() { Exact = true }).CheckAsync();
        await evaluate.GetByLabel("意见").FillAsync("答复具体，措施有力。");
        await evaluate.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await member.WaitForURLAsync("**?done=1");
        await Assertions.Expect(member.GetByTestId("status")).ToHaveTextAsync("已办结");
        await Assertions.Expect(member.GetByTestId("evaluate")).ToHaveCountAsync(0);
        await web.ShotAsync(member, "proposal-evaluated");

        // Nobody else submits for the body: a town's handler is told so, and given no form.
        var town = await web.SignedInAsync("h-440781115");
        await town.GotoAsync("/console/proposals/new");
        await Assertions.Expect(town.Locator(".notice").First).ToContainTextAsync("只有人大代表、政协委员本人或提案工作机构可以提交建议提案");
        await Assertions.Expect(town.GetByTestId("new-proposal")).ToHaveCountAsync(0);
    }
}
