using System.Globalization;
using Duban.Common;
using Duban.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// The console's remaining actions through the pages: the queue merges a duplicate in one click and
/// splits a matter at dispatch (拆分派单), a dispatcher splits a matter in progress into sub-tasks, a supervisor puts one under 重点督办
/// and asks for a rectification plan, and the unit submits the plan and reports a milestone done.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class ConsoleActionsTests(BrowserApp web)
{
    /// <summary>Night-time building noise in 恩平's 恩城街道, no raiser named.</summary>
    private static NewMatter Noise(string title) =>
        new NewMatter("complaint", title, "恩城街道新平路工地每晚施工到凌晨，噪音扰民，请尽快处理。").At("恩平市恩城街道新平路").In("440785");

    [Fact]
    public async Task Dispatcher_MergesADuplicateFromTheQueue_AndSplitsAMatterIntoTwoSubTasks()
    {
        // The county's desk (恩平), so the queue holds only what this test puts in it.
        var api = await web.App.As("s-440785");
        var tag = Guid.NewGuid().ToString("N")[..6];
        var first = await api.Register(Noise("新平路工地夜间施工噪音 " + tag));
        var second = await api.Register(Noise("新平路工地夜间施工噪音 " + tag));
        var firstNumber = (string)(await api.Get(first))["number"]!;
        var secondNumber = (string)(await api.Get(second))["number"]!;

        var page = await web.SignedInAsync("s-440785");
        await page.GotoAsync("/console/queue");
        var item = page.GetByTestId("queue-" + secondNumber);
        await Assertions.Expect(item.Locator(".tag")).ToContainTextAsync("重");
        await web.ShotAsync(page, "console-queue-actions");

        // The keyboard opens merging on the focused row (showing it in the pane first); the duplicate is one click away.
        await item.FocusAsync();
        await page.Keyboard.PressAsync("m");
        var detail = page.GetByTestId("queue-detail");
        await Assertions.Expect(detail.Locator(".dups")).ToContainTextAsync(firstNumber);
        var pick = detail.GetByRole(AriaRole.Button, new() { Name = firstNumber });
        await Assertions.Expect(pick).ToBeFocusedAsync();
        await pick.ClickAsync();
        await Assertions.Expect(page.Locator(".notice").First).ToContainTextAsync(secondNumber);
        await Assertions.Expect(page.GetByTestId("queue-" + secondNumber)).ToHaveCountAsync(0);
        var merged = await api.Get(second);
        Assert.Equal(("merged", first), ((string?)merged["status"], (long)merged["mergedIntoId"]!));

        // The one carrying the case goes to 恩城街道, which signs for it; the dispatcher splits it in two.
        await api.Do(first, "dispatch", new { leadUnitCode = "440785100" });
        await (await web.App.As("h-440785100")).Do(first, "accept", reader: api);
        await page.GotoAsync($"/console/matters/{first}");
        await page.GetByLabel("标题").Nth(0).FillAsync("核查施工许可与夜间施工审批");
        await page.GetByLabel("主办单位").Nth(0).FillAsync("440785100");
        await page.GetByLabel("标题").Nth(1).FillAsync("夜间噪音监测");
        await page.GetByLabel("主办单位").Nth(1).FillAsync("440785100");
        await page.GetByRole(AriaRole.Button, new() { Name = "分解为子任务" }).ClickAsync();
        await Assertions.Expect(page.Locator(".notice").First).ToContainTextAsync("分解为子任务");
        var children = (await api.Get(first))["children"]!.AsArray();
        Assert.Equal(["核查施工许可与夜间施工审批", "夜间噪音监测"], children.Select(c => (string)c!["title"]!));
        await Assertions.Expect(page.Locator("#children-title")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Supervisor_SplitsAQueueItemIntoTwo_AtDispatch()
    {
        // 拆分派单 from the queue of 恩平's desk: two towns get a part each, the county holds the whole.
        var api = await web.App.As("s-440785");
        var tag = Guid.NewGuid().ToString("N")[..6];
        var id = await api.Register(Noise("横陂镇噪音、圣堂镇占道经营 " + tag));
        var number = (string)(await api.Get(id))["number"]!;

        var page = await web.SignedInAsync("s-440785");
        await page.GotoAsync($"/console/queue?sel={id}");
        var split = page.GetByTestId("queue-detail").Locator("details[data-split]");
        await split.Locator("summary").ClickAsync();
        await split.GetByLabel("标题", new() { Exact = true }).Nth(0).FillAsync("横陂镇夜间施工噪音");
        await split.GetByLabel("主办单位", new() { Exact = true }).Nth(0).FillAsync("恩平市横陂镇人民政府 440785100");
        await split.GetByLabel("子任务内容（选填）").Nth(0).FillAsync("核查横陂镇工地夜间施工审批");
        await split.GetByLabel("标题", new() { Exact = true }).Nth(1).FillAsync("圣堂镇占道经营");
        await split.GetByLabel("主办单位", new() { Exact = true }).Nth(1).FillAsync("440785101");
        // The last field typed in is the note: a unit field's list of suggestions, still open, would take the click.
        await split.GetByLabel("备注（选填）").FillAsync("两镇分别处理");
        await web.ShotAsync(page, "console-queue-split");
        await split.GetByRole(AriaRole.Button, new() { Name = "拆分并派单" }).ClickAsync();

        await Assertions.Expect(page.Locator(".notice").First).ToContainTextAsync(number);
        await Assertions.Expect(page.GetByTestId("queue-" + number)).ToHaveCountAsync(0);
        var parent = await api.Get(id);
        Assert.Equal(("in_progress", "440785"), ((string?)parent["status"], (string?)parent["leadUnit"]!["code"]));
        var children = parent["children"]!.AsArray();
        Assert.Equal(["横陂镇夜间施工噪音", "圣堂镇占道经营"], children.Select(c => (string)c!["title"]!));
        Assert.Equal(["440785100", "440785101"], children.Select(c => (string)c!["leadUnit"]!["code"]!));
    }

    [Fact]
    public async Task Supervisor_PutsAMatterUnderKeySupervision_AndTheUnitSubmitsAPlan_AndMarksAMilestoneDone()
    {
        var api = web.App.Desk.Dispatcher;
        var id = await web.App.Desk.Matter(NewMatter.Noise("台城某厂拖欠工资 重点督办 " + Guid.NewGuid().ToString("N")[..6], "440781"))
            .Lead("440781-rsj").InProgressAsync();

        // The supervisor: 重点督办 and a plan asked for, in the 督办 group, each with a reason.
        var supervisor = await web.SignedInAsync("supervisor");
        await supervisor.GotoAsync($"/console/matters/{id}");
        var supervise = supervisor.GetByTestId("actions-supervise");
        await supervise.Locator("summary").ClickAsync();
        await supervise.Locator("#key-on-reason").FillAsync("涉及二十名工人，群体性风险");
        await supervise.GetByRole(AriaRole.Button, new() { Name = "设为重点督办" }).ClickAsync();
        await Assertions.Expect(supervisor.GetByTestId("key-supervision")).ToHaveTextAsync("是");
        supervise = supervisor.GetByTestId("actions-supervise");
        await supervise.Locator("summary").ClickAsync();
        await supervise.Locator("#plan-required-reason").FillAsync("须制定整改方案，分步清欠");
        await supervise.GetByRole(AriaRole.Button, new() { Name = "要求整改方案" }).ClickAsync();
        await Assertions.Expect(supervisor.GetByTestId("plan")).ToBeVisibleAsync();

        // The unit: two milestones, then the first done.
        var handler = await web.SignedInAsync("h-440781-rsj");
        await handler.GotoAsync($"/console/matters/{id}");
        var day = Clock.ChinaDate(web.App.Clock.GetUtcNow());
        await handler.Locator("#ms-title-0").FillAsync("核实欠薪名单与金额");
        await handler.Locator("#ms-due-0").FillAsync(day.AddDays(2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await handler.Locator("#ms-title-1").FillAsync("督促企业足额发放");
        await handler.Locator("#ms-due-1").FillAsync(day.AddDays(5).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await handler.GetByRole(AriaRole.Button, new() { Name = "提交整改方案" }).ClickAsync();
        await Assertions.Expect(handler.GetByTestId("milestone-2")).ToContainTextAsync("督促企业足额发放");
        await handler.Locator("#milestone-note").FillAsync("名单已核实，共20人");
        await handler.GetByRole(AriaRole.Button, new() { Name = "整改节点完成" }).ClickAsync();
        await Assertions.Expect(handler.GetByTestId("milestone-1")).ToContainTextAsync("已完成");

        var matter = await api.Get(id);
        Assert.True((bool)matter["clock"]!["keySupervision"]!);
        Assert.Equal(50, (int)matter["progress"]!);
        await supervisor.GotoAsync($"/console/matters/{id}");
        await supervisor.GetByTestId("actions-supervise").Locator("summary").ClickAsync();
        await web.ShotAsync(supervisor, "console-matter-supervision");
    }
}
