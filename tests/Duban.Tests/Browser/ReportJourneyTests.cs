using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// The life of a citizen's report through the pages only: filed on the portal, dispatched from
/// the queue, signed for and completed by the town, approved, and judged by the citizen.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class ReportJourneyTests(BrowserApp web)
{
    [Fact]
    public async Task ReportForm_KeepsWhatWasTyped_AndShowsTheErrorNextToTheField()
    {
        var page = await web.NewPageAsync(phone: true);
        await page.GotoAsync("/");
        await page.GetByLabel("内容").FillAsync("路灯坏了一个月。");
        await page.GetByLabel("姓名", new() { Exact = true }).FillAsync("李四");
        await page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();

        // Named without a phone: said next to the name.
        await Assertions.Expect(page.Locator("#name-error")).ToContainTextAsync("实名反映请填写姓名和电话");
        Assert.Equal("李四", await page.GetByLabel("姓名", new() { Exact = true }).InputValueAsync());

        // Anonymous without a title: said next to the title; the rest stays as typed.
        await page.GetByLabel("匿名反映").CheckAsync();
        await Assertions.Expect(page.GetByLabel("姓名", new() { Exact = true })).ToBeHiddenAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();

        var titleError = page.Locator("#title-error");
        await titleError.WaitForAsync();
        Assert.Contains("标题必填", await titleError.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("true", await page.GetByLabel("标题").GetAttributeAsync("aria-invalid"));
        Assert.Equal("路灯坏了一个月。", await page.GetByLabel("内容").InputValueAsync());
        Assert.True(await page.GetByLabel("匿名反映").IsCheckedAsync());
        await web.ShotAsync(page, "portal-report-error-360");
    }

    [Fact]
    public async Task Citizen_Files_Dispatcher_Dispatches_Town_Handles_Supervisor_Approves_Citizen_JudgesIt()
    {
        // 1. A citizen on a phone files a named complaint; the place is recognised as she types.
        var citizen = await web.NewPageAsync(phone: true);
        await citizen.GotoAsync("/");
        await citizen.GetByLabel("投诉").CheckAsync();
        await citizen.GetByLabel("标题").FillAsync("略尾村村道坑洼积水");
        await citizen.GetByLabel("内容").FillAsync("下川岛略尾村村道有多处坑洼，下雨积水，摩托车经常摔倒，请尽快修路。");
        await citizen.GetByLabel("地点").PressSequentiallyAsync("台山市川岛镇下川岛略尾村");
        await Assertions.Expect(citizen.Locator("#place")).ToHaveTextAsync("广东省 / 江门市 / 台山市 / 川岛镇 / 略尾社区居委会");
        await citizen.GetByLabel("姓名", new() { Exact = true }).FillAsync("陈美玲");
        await citizen.GetByLabel("联系电话").FillAsync("13800138000");
        await web.ShotAsync(citizen, "1-portal-report-filled-360");
        await citizen.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();

        var receipt = (await citizen.GetByTestId("receipt").InnerTextAsync()).Trim();
        var code = (await citizen.GetByTestId("query-code").InnerTextAsync()).Trim();
        Assert.Matches(@"^JM-\d{4}-\d{6}$", receipt);
        Assert.False(string.IsNullOrEmpty(code));
        await web.ShotAsync(citizen, "2-portal-receipt-360");

        // 2. The dispatcher finds it in the queue with its place and the suggested unit, and accepts by keyboard.
        var dispatcher = await web.SignedInAsync("dispatcher");
        await web.ShotAsync(dispatcher, "3-console-home-dispatcher");
        await dispatcher.GotoAsync("/console/queue");
        var item = dispatcher.GetByTestId("queue-" + receipt);
        await Assertions.Expect(item).ToContainTextAsync("台山市川岛镇人民政府");
        // Its row opens it in the detail pane: the whole place, and the way to the matter's page.
        await item.GetByRole(AriaRole.Link, new() { Name = receipt }).ClickAsync();
        var detail = dispatcher.GetByTestId("queue-detail");
        await Assertions.Expect(detail).ToContainTextAsync("广东省 / 江门市 / 台山市 / 川岛镇 / 略尾社区居委会");
        await web.ShotAsync(dispatcher, "4-console-queue");
        var matterUrl = (await detail.GetByRole(AriaRole.Link, new() { Name = receipt, Exact = true }).GetAttributeAsync("href"))!;
        await item.FocusAsync();
        await dispatcher.Keyboard.PressAsync("a");
        // A suggestion below the automatic dispatch's threshold asks first; a again confirms.
        await Assertions.Expect(dispatcher.Locator($"[data-confirm-box]:not([hidden]), [role=status]:has-text('{receipt}')").First).ToBeVisibleAsync();
        if (await dispatcher.Locator("[data-confirm-box]:not([hidden])").CountAsync() > 0) await dispatcher.Keyboard.PressAsync("a");
        // One word for one thing: the notice says 已交办, as the matter's status does.
        await Assertions.Expect(dispatcher.Locator("[role=status]")).ToContainTextAsync(receipt + " 已交办");
        await Assertions.Expect(dispatcher.GetByTestId("queue-" + receipt)).ToHaveCountAsync(0);

        // The dispatcher sees the raiser masked, never in full without asking (and asking is recorded).
        await dispatcher.GotoAsync(matterUrl);
        await Assertions.Expect(dispatcher.GetByTestId("raiser")).ToContainTextAsync("陈**");
        await Assertions.Expect(dispatcher.GetByTestId("raiser")).ToContainTextAsync("138****8000");
        await Assertions.Expect(dispatcher.GetByTestId("raiser")).Not.ToContainTextAsync("陈美玲");

        // 3. The town's handler sees it to sign for, signs for it and completes it; only its actions are offered.
        var town = await web.SignedInAsync("h-440781115");
        await Assertions.Expect(town.GetByTestId("box-to_sign")).ToContainTextAsync(receipt);
        await town.GetByTestId("box-to_sign").GetByRole(AriaRole.Link, new() { Name = receipt }).ClickAsync();
        await Assertions.Expect(town.GetByTestId("lead-unit")).ToHaveTextAsync("台山市川岛镇人民政府");
        await Assertions.Expect(town.GetByRole(AriaRole.Button, new() { Name = "审核通过" })).ToHaveCountAsync(0);
        await Assertions.Expect(town.GetByRole(AriaRole.Button, new() { Name = "派单" })).ToHaveCountAsync(0);
        await web.ShotAsync(town, "5-console-matter-town-to-sign");
        await town.GetByRole(AriaRole.Button, new() { Name = "签收" }).ClickAsync();
        await Assertions.Expect(town.Locator(".badges")).ToContainTextAsync("办理中");
        // A completion without an outcome is refused next to the field, by the action's own rule.
        await town.GetByRole(AriaRole.Button, new() { Name = "提交办结" }).ClickAsync();
        await Assertions.Expect(town.Locator("#outcome-error")).ToContainTextAsync("请填写办理结果");
        await town.GetByLabel("办理结果").FillAsync("已组织施工队修补略尾村村道坑洼6处，并疏通排水沟。");
        await town.GetByRole(AriaRole.Button, new() { Name = "提交办结" }).ClickAsync();
        await Assertions.Expect(town.Locator(".badges")).ToContainTextAsync("待审核");
        await web.ShotAsync(town, "6-console-matter-town-done");

        // 4. The dispatcher approves it.
        await dispatcher.ReloadAsync();
        await Assertions.Expect(dispatcher.Locator(".badges")).ToContainTextAsync("待审核");
        await dispatcher.GetByRole(AriaRole.Button, new() { Name = "审核通过" }).ClickAsync();
        await Assertions.Expect(dispatcher.Locator(".badges")).ToContainTextAsync("已办结");
        await web.ShotAsync(dispatcher, "7-console-matter-closed");

        // 5. The citizen looks it up with receipt and code, reads the reply and judges it.
        await citizen.GotoAsync("/track?receipt=" + receipt);
        Assert.Equal(receipt, await citizen.GetByLabel("受理编号").InputValueAsync());
        await citizen.GetByLabel("查询码").FillAsync(code);
        await citizen.GetByRole(AriaRole.Button, new() { Name = "查询" }).ClickAsync();
        await Assertions.Expect(citizen.Locator(".reply")).ToHaveTextAsync("已组织施工队修补略尾村村道坑洼6处，并疏通排水沟。");
        await Assertions.Expect(citizen.Locator(".timeline")).ToContainTextAsync("已交有关单位办理");
        await web.ShotAsync(citizen, "8-portal-track-closed-360");
        await citizen.GetByLabel("是", new() { Exact = true }).CheckAsync();
        await citizen.GetByLabel("满意", new() { Exact = true }).CheckAsync();
        await citizen.GetByRole(AriaRole.Button, new() { Name = "提交评价" }).ClickAsync();
        await Assertions.Expect(citizen.Locator("[role=status]")).ToContainTextAsync("感谢您的评价");
        await Assertions.Expect(citizen.GetByRole(AriaRole.Button, new() { Name = "提交评价" })).ToHaveCountAsync(0);
        await web.ShotAsync(citizen, "9-portal-feedback-360");

        // The feedback is on the matter's record, for staff.
        await dispatcher.ReloadAsync();
        await Assertions.Expect(dispatcher.Locator(".timeline")).ToContainTextAsync("回访评价");
    }

    [Fact]
    public async Task Track_WrongCode_AnswersAsAnUnknownReceipt()
    {
        var page = await web.NewPageAsync(phone: true);
        await page.GotoAsync("/track");
        await page.GetByLabel("受理编号").FillAsync("JM-2026-000001");
        await page.GetByLabel("查询码").FillAsync("WRONGCODE");
        await page.GetByRole(AriaRole.Button, new() { Name = "查询" }).ClickAsync();
        await Assertions.Expect(page.Locator("[role=alert]")).ToHaveTextAsync("未找到该受理编号，或查询码不正确。");
        Assert.Equal("JM-2026-000001", await page.GetByLabel("受理编号").InputValueAsync());
    }
}
