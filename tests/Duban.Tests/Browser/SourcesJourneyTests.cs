using System.Globalization;
using Duban.Common;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// A source of supervised work through the pages only: the supervisor records a meeting's decisions as
/// two items, each unit signs for and completes its item, the supervisor approves them, and the source's
/// page shows the progress and then takes the report back. A unit holding no item finds no source.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class SourcesJourneyTests(BrowserApp web)
{
    private string Day(int days) =>
        Clock.ChinaDate(web.App.Clock.GetUtcNow()).AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Supervisor_RecordsAMeeting_UnitsCompleteTheirItems_TheSourceShowsProgress_ThenTheReportBack()
    {
        var meeting = "市政府企业诉求专题会议 " + Guid.NewGuid().ToString("N")[..6];

        // 1. The supervisor records the meeting's decisions: two items, two units.
        var supervisor = await web.SignedInAsync("supervisor");
        await supervisor.GetByRole(AriaRole.Navigation, new() { Name = "主导航" }).GetByRole(AriaRole.Link, new() { Name = "督办来源" }).ClickAsync();
        await Assertions.Expect(supervisor.GetByRole(AriaRole.Heading, new() { Name = "督办来源", Level = 1 })).ToBeVisibleAsync();
        await supervisor.GetByTestId("new-meeting").ClickAsync();
        await Assertions.Expect(supervisor.GetByRole(AriaRole.Heading, new() { Name = "新建会议议定事项", Level = 1 })).ToBeVisibleAsync();

        var form = supervisor.GetByTestId("new-source");
        await form.GetByLabel("会议名称").FillAsync(meeting);
        await form.GetByLabel("会议类型").SelectOptionAsync(new SelectOptionValue { Label = "专题会议" });
        await form.GetByLabel("主持人").FillAsync("市政府分管副市长");
        await form.GetByLabel("会议纪要").FillAsync("会议研究了企业诉求办理工作，议定：梳理中小企业诉求办理堵点；建立诉求办理回访机制。");
        var first = form.GetByTestId("item-row-1");
        await first.GetByLabel("事项", new() { Exact = true }).FillAsync("梳理中小企业诉求办理堵点");
        await first.GetByLabel("工作要求").FillAsync("逐项梳理近一年企业诉求的办理堵点，提出解决措施。");
        await first.GetByLabel("牵头单位").FillAsync("江门市工业和信息化局 4407-gxj");
        await first.GetByLabel("完成时限").FillAsync(Day(30));
        var second = form.GetByTestId("item-row-2");
        await second.GetByLabel("事项", new() { Exact = true }).FillAsync("建立诉求办理回访机制");
        await second.GetByLabel("工作要求").FillAsync("建立企业诉求办结后的回访机制，按月通报。");
        await second.GetByLabel("牵头单位").FillAsync("4407-fgj");
        // The last field typed in is a date: a unit field's list of suggestions, still open, would take the click.
        await second.GetByLabel("完成时限").FillAsync(Day(30));
        await form.GetByRole(AriaRole.Button, new() { Name = "建立并交办" }).ClickAsync();

        await supervisor.WaitForURLAsync("**/console/sources/*?done=created");
        var sourceUrl = new Uri(supervisor.Url).AbsolutePath;
        await Assertions.Expect(supervisor.Locator(".notice").First).ToContainTextAsync("已建立督办来源");
        await Assertions.Expect(supervisor.GetByRole(AriaRole.Heading, new() { Name = meeting, Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(supervisor.GetByTestId("source-status")).ToHaveTextAsync("办理中");
        await Assertions.Expect(supervisor.GetByTestId("source-progress")).ToHaveTextAsync("0%");
        var items = supervisor.GetByTestId("source-items").Locator("tbody tr");
        await Assertions.Expect(items).ToHaveCountAsync(2);
        await Assertions.Expect(items.Nth(0)).ToContainTextAsync("梳理中小企业诉求办理堵点");
        await Assertions.Expect(items.Nth(0)).ToContainTextAsync("已交办");
        await Assertions.Expect(items.Nth(1)).ToContainTextAsync("建立诉求办理回访机制");
        await Assertions.Expect(items.Nth(1)).ToContainTextAsync("已交办");
        await Assertions.Expect(supervisor.GetByTestId("source-report")).ToContainTextAsync("全部事项办结后");

        // 2. 市工信局 sees the source with its own item only, signs for it and completes it; the supervisor approves.
        await HandleAsync("h-4407-gxj", sourceUrl, "梳理中小企业诉求办理堵点", "建立诉求办理回访机制", "已梳理诉求办理堵点12个，逐项制定了解决措施。");
        await ApproveAsync(supervisor, sourceUrl, 0);

        // 3. Half the items closed: half the source done, the report not yet offered.
        await supervisor.GotoAsync(sourceUrl);
        await Assertions.Expect(supervisor.GetByTestId("source-progress")).ToHaveTextAsync("50%");
        await Assertions.Expect(items.Nth(0)).ToContainTextAsync("已办结");
        await Assertions.Expect(supervisor.GetByRole(AriaRole.Button, new() { Name = "报告并办结" })).ToHaveCountAsync(0);

        // The second unit does the same, and the supervisor approves.
        await HandleAsync("h-4407-fgj", sourceUrl, "建立诉求办理回访机制", "梳理中小企业诉求办理堵点", "回访机制已建立，每月通报回访结果。");
        await ApproveAsync(supervisor, sourceUrl, 1);

        // Every item closed: the report back is offered, and taken.
        await supervisor.GotoAsync(sourceUrl);
        await Assertions.Expect(supervisor.GetByTestId("source-progress")).ToHaveTextAsync("100%");
        const string report = "会议议定的两项事项均已办结，已向市政府报告办理情况。";
        var reportForm = supervisor.GetByTestId("source-report");
        await reportForm.GetByLabel("办理情况报告").FillAsync(report);
        await reportForm.GetByRole(AriaRole.Button, new() { Name = "报告并办结" }).ClickAsync();
        await supervisor.WaitForURLAsync("**?done=reported");
        await Assertions.Expect(supervisor.Locator(".notice").First).ToContainTextAsync("已报告办理情况");
        await Assertions.Expect(supervisor.GetByTestId("source-report")).ToContainTextAsync(report);
        await Assertions.Expect(supervisor.GetByTestId("source-status")).ToHaveTextAsync("已报告");
        await Assertions.Expect(supervisor.GetByRole(AriaRole.Button, new() { Name = "报告并办结" })).ToHaveCountAsync(0);
        await web.ShotAsync(supervisor, "source-page");

        // The list shows it reported.
        await supervisor.GotoAsync("/console/sources?type=meeting&status=reported");
        await Assertions.Expect(supervisor.GetByTestId("sources").GetByRole(AriaRole.Link, new() { Name = meeting })).ToBeVisibleAsync();

        // 4. A unit holding none of its items finds no such source: the page not found, a 404.
        var town = await web.SignedInAsync("h-440781115");
        var response = await town.GotoAsync(sourceUrl);
        Assert.Equal(404, response!.Status);
        await Assertions.Expect(town.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("督办来源不存在");
        await Assertions.Expect(town.GetByText(meeting)).ToHaveCountAsync(0);

        // In English, by the page's language link, the list is "Sources".
        await supervisor.GotoAsync("/console/sources");
        await supervisor.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();
        await Assertions.Expect(supervisor.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sources");
        Assert.Equal("en-US", await supervisor.EvaluateAsync<string>("() => document.documentElement.lang"));
        await Assertions.Expect(supervisor.GetByTestId("new-meeting")).ToHaveTextAsync("New Meeting decisions");
    }

    /// <summary>The unit's handler opens the source, sees its own item alone, follows it to the matter, signs for it and completes it.</summary>
    private async Task HandleAsync(string handler, string sourceUrl, string item, string othersItem, string outcome)
    {
        var unit = await web.SignedInAsync(handler);
        await unit.GotoAsync(sourceUrl);
        await Assertions.Expect(unit.Locator(".source-progress")).ToContainTextAsync("仅显示本单位承办的事项");
        var rows = unit.GetByTestId("source-items").Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows).ToContainTextAsync(item);
        await Assertions.Expect(unit.GetByTestId("source-items")).Not.ToContainTextAsync(othersItem);
        await Assertions.Expect(unit.GetByTestId("source-report")).ToHaveCountAsync(0);
        await rows.GetByRole(AriaRole.Link).ClickAsync();

        await unit.WaitForURLAsync("**/console/matters/*");
        await Assertions.Expect(unit.GetByRole(AriaRole.Heading, new() { Name = item, Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(unit.GetByTestId("matter-source")).ToContainTextAsync("会议议定事项");
        await unit.GetByRole(AriaRole.Button, new() { Name = "签收" }).ClickAsync();
        await Assertions.Expect(unit.Locator(".badges")).ToContainTextAsync("办理中");
        await unit.GetByLabel("办理结果").FillAsync(outcome);
        await unit.GetByRole(AriaRole.Button, new() { Name = "提交办结" }).ClickAsync();
        await Assertions.Expect(unit.Locator(".badges")).ToContainTextAsync("待审核");
        await unit.Context.CloseAsync();
    }

    /// <summary>The supervisor follows the item's link from the source's page and approves it.</summary>
    private static async Task ApproveAsync(IPage supervisor, string sourceUrl, int row)
    {
        await supervisor.GotoAsync(sourceUrl);
        var item = supervisor.GetByTestId("source-items").Locator("tbody tr").Nth(row);
        await Assertions.Expect(item).ToContainTextAsync("待审核");
        await item.GetByRole(AriaRole.Link).ClickAsync();
        await supervisor.WaitForURLAsync("**/console/matters/*");
        await Assertions.Expect(supervisor.Locator(".badges")).ToContainTextAsync("待审核");
        await supervisor.GetByRole(AriaRole.Button, new() { Name = "审核通过" }).ClickAsync();
        await Assertions.Expect(supervisor.Locator(".badges")).ToContainTextAsync("已办结");
    }
}
