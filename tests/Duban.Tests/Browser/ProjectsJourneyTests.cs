using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// The key projects through the pages (Features/Projects): the supervisor opens the register and the wall chart of
/// 江海区's 2023 projects (drawn by ECharts from the JSON endpoint, with no CSP violation), follows 景贤小学北校区 to its page,
/// turns a problem found on a site visit into a matter; the owner unit, 江海区教育局, corrects a month's report and sees
/// the history kept.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class ProjectsJourneyTests(BrowserApp web)
{
    private const string School = "景贤小学北校区";

    [Fact]
    public async Task Supervisor_WallChart_ToAProject_ProblemIntoAMatter_OwnerCorrectsAMonth()
    {
        // 1. The register from the console's navigation.
        var supervisor = await web.SignedInAsync("supervisor");
        await supervisor.AddInitScriptAsync("window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '')));");
        await supervisor.GetByRole(AriaRole.Navigation, new() { Name = "主导航" }).GetByRole(AriaRole.Link, new() { Name = "重点项目" }).ClickAsync();
        await Assertions.Expect(supervisor.GetByRole(AriaRole.Heading, new() { Name = "重点项目", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(supervisor.GetByTestId("projects-count")).ToContainTextAsync("667");

        // 2. The wall chart of 江海区: chosen by its filters, drawn from GET /api/v1/projects/wall.
        await supervisor.GetByTestId("wall-link").ClickAsync();
        await Assertions.Expect(supervisor.GetByTestId("wall-choose")).ToBeVisibleAsync();
        var filters = supervisor.GetByTestId("wall-filters");
        await filters.GetByLabel("区县").SelectOptionAsync(new SelectOptionValue { Label = "江海区" });
        await filters.GetByRole(AriaRole.Button, new() { Name = "显示" }).ClickAsync();
        var chart = supervisor.GetByTestId("wall-chart");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-drawn", "true");
        Assert.True(await chart.Locator("svg path").CountAsync() > 10, "the chart draws the milestones as bars");
        var rows = supervisor.GetByTestId("wall-table").Locator("tbody tr");
        Assert.True(await rows.CountAsync() > 2);
        await Assertions.Expect(supervisor.GetByTestId("wall-table")).ToContainTextAsync(School);
        Assert.Empty(await supervisor.EvaluateAsync<string[]>("window.__csp"));
        await web.ShotAsync(supervisor, "project-wall");

        // 3. The school's page: its plan, its five milestones reached, its quarterly reports.
        await supervisor.GetByTestId("wall-table").GetByRole(AriaRole.Link, new() { Name = School }).ClickAsync();
        await Assertions.Expect(supervisor.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(School);
        var projectUrl = new Uri(supervisor.Url).AbsolutePath;
        await Assertions.Expect(supervisor.GetByTestId("project-rate")).ToHaveTextAsync("95.0%");
        await Assertions.Expect(supervisor.GetByTestId("project-milestones").Locator("tbody tr")).ToHaveCountAsync(5);
        await Assertions.Expect(supervisor.GetByTestId("project-months").Locator("tbody tr")).ToHaveCountAsync(4);
        // The supervisor does not report for the owner unit.
        await Assertions.Expect(supervisor.GetByTestId("project-report")).ToHaveCountAsync(0);

        // 4. A problem found on a site visit becomes a matter of the project.
        var problem = supervisor.GetByTestId("project-problem");
        await problem.GetByLabel("问题来源").SelectOptionAsync(new SelectOptionValue { Label = "现场调研" });
        await problem.GetByLabel("事项", new() { Exact = true }).FillAsync("协调解决学校周边道路配套滞后问题");
        await problem.GetByLabel("工作要求").FillAsync("现场调研发现学校周边道路配套未完成，影响开学通行，请限期协调解决。");
        await problem.GetByLabel("牵头单位").FillAsync("4407-jtj");
        await problem.GetByLabel("完成时限").FillAsync(Duban.Common.Clock.ChinaDate(web.App.Clock.GetUtcNow()).AddDays(30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await problem.GetByRole(AriaRole.Button, new() { Name = "交办" }).ClickAsync();
        await supervisor.WaitForURLAsync("**?done=problem");
        await Assertions.Expect(supervisor.GetByTestId("project-matters")).ToContainTextAsync("协调解决学校周边道路配套滞后问题");

        // 5. The owner unit corrects March's report (the same amount: the figures stay the seeds'); the history keeps both.
        var owner = await web.SignedInAsync("h-440704-jyj");
        await owner.GotoAsync(projectUrl);
        var report = owner.GetByTestId("project-report");
        await report.GetByLabel("月份").FillAsync("2023-03");
        await report.GetByLabel("本月完成投资（元）").FillAsync("12000000");
        await report.GetByRole(AriaRole.Button, new() { Name = "报送" }).ClickAsync();
        await owner.WaitForURLAsync("**?done=reported");
        await Assertions.Expect(owner.Locator(".notice").First).ToContainTextAsync("已报送月度投资");
        await Assertions.Expect(owner.GetByTestId("project-months").Locator("tr[data-month='2023-03']")).ToContainTextAsync("2");
        var history = owner.GetByTestId("project-history");
        await history.Locator("summary").ClickAsync();
        await Assertions.Expect(history.Locator("tbody tr")).ToHaveCountAsync(5);
        await Assertions.Expect(history).ToContainTextAsync("已被更正");
        await Assertions.Expect(owner.GetByTestId("project-rate")).ToHaveTextAsync("95.0%");
        await web.ShotAsync(owner, "project-page");
    }
}
