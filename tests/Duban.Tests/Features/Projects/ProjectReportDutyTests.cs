using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Features.Projects;
using Duban.Features.Supervision;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

using static Duban.Tests.Features.Sources.NewSource;
using static Duban.Tests.Features.Supervision.SupervisionScenario;

namespace Duban.Tests.Features.Projects;

/// <summary>
/// The key projects' monthly report duties (Features/Projects, ProjectReportDuties): at the start of a month each open
/// project of the year that has not reported the month just ended gets a report matter, due on the report day (the
/// 10th), that the owner's report closes; the supervision job urges a late one as any matter. On a deployment whose clock
/// starts on Monday 2 November 2026 at 09:00 China time: the duties are those of October, due at the end of 10 November.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class ProjectReportDutyTests
{
    private const string Owner = "4407-fgj";

    private static object Project(string title, string startsOn, string endsOn, params object[] milestones) => new
    {
        type = "project",
        title,
        ownerUnitCode = Owner,
        level = "city",
        industry = "infrastructure",
        territory = "440703",
        year = 2026,
        totalInvestment = 900_000_000m,
        plannedThisYear = 120_000_000m,
        startsOn,
        endsOn,
        milestones,
    };

    private static async Task<long> RecordAsync(Desk desk, object project) => (long)(await Create(desk.Supervisor, project))["id"]!;

    private static async Task<ProjectReportDuty?> DutyAsync(DubanFactory factory, long project, string month = "2026-10")
    {
        await using var scope = factory.Scope();
        return await factory.Db(scope).Set<ProjectReportDuty>().AsNoTracking().SingleOrDefaultAsync(d => d.ProjectId == project && d.Month == month);
    }

    private static Task<int> PassAsync(DubanFactory factory) => factory.Services.GetRequiredService<ProjectReportDuties>().OpenAsync(default);

    [Fact]
    public async Task ReportDuty_OpenedOnceForOpenProjects_ClosedByTheReport_ACorrectionReopensNothing()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var open = await RecordAsync(desk, Project(Unique("江门大道改造工程"), "2026-03-01", "2027-12-31",
            new { title = "主体完工", dueDate = "2027-06-30", weight = 2 }, new { title = "竣工验收", weight = 1 }));
        var ended = await RecordAsync(desk, Project(Unique("滨江新区供水管网工程"), "2026-01-01", "2026-09-30"));
        var completed = await RecordAsync(desk, Project(Unique("江海区体育中心"), "2026-01-01", "2026-12-31", new { title = "竣工验收", dueDate = "2026-10-15", weight = 1 }));
        var early = await RecordAsync(desk, Project(Unique("高新区污水处理厂扩建"), "2026-01-01", "2027-12-31"));
        var owner = desk.Handler(Owner);
        (await owner.PostAsJsonAsync($"/api/v1/projects/{completed}/milestones/1/done", new { doneOn = "2026-10-20" })).EnsureSuccessStatusCode();
        // Reported before the duty is opened: none is opened for it.
        (await owner.PostAsJsonAsync($"/api/v1/projects/{early}/investment", new { month = "2026-10", amount = 3_000_000m })).EnsureSuccessStatusCode();

        // Two passes at once and one after: one matter, opened once.
        var counts = await Task.WhenAll(PassAsync(factory), PassAsync(factory));
        Assert.Equal(0, await PassAsync(factory));
        Assert.Equal(1, counts.Sum());
        Assert.Null(await DutyAsync(factory, ended));
        Assert.Null(await DutyAsync(factory, completed));
        Assert.Null(await DutyAsync(factory, early));
        var duty = await DutyAsync(factory, open);
        Assert.NotNull(duty);
        Assert.Null(duty.ClosedAt);

        // The matter: an item of the project, held by its owner unit, due at the end of 10 November, linked on its page.
        var m = await desk.Supervisor.Get(duty.MatterId);
        Assert.Equal(("task", "project", "dispatched", Owner), ((string?)m["kind"], (string?)m["channel"], (string?)m["status"], (string?)m["leadUnit"]!["code"]));
        Assert.Equal(At(11, 11), Time(m["clock"]!["dueAt"]));
        Assert.StartsWith("2026年10月投资完成情况月报", (string?)m["title"], StringComparison.Ordinal);
        var page = await desk.Supervisor.GetAsync($"/api/v1/projects/{open}").Ok();
        Assert.Contains(duty.MatterId, page["matters"]!.AsArray().Select(x => (long)x!["matterId"]!));

        // The owner's report of October closes it, in the report's change, audited on the matter's chain.
        var reported = await owner.PostAsJsonAsync($"/api/v1/projects/{open}/investment", new { month = "2026-10", amount = 8_000_000m }).Ok();
        Assert.Null(reported["previous"]);
        m = await desk.Supervisor.Get(duty.MatterId);
        Assert.Equal("closed", (string?)m["status"]);
        Assert.Contains(m["events"]!.AsArray(), e => (string?)e!["action"] == ProjectReportDuties.Closed);
        Assert.NotNull((await DutyAsync(factory, open))!.ClosedAt);

        // A correction of October, and a report of September, keep their history and reopen nothing: no new duty either.
        var corrected = await owner.PostAsJsonAsync($"/api/v1/projects/{open}/investment", new { month = "2026-10", amount = 9_500_000m }).Ok();
        Assert.Equal(8_000_000m, (decimal)corrected["previous"]!);
        (await owner.PostAsJsonAsync($"/api/v1/projects/{open}/investment", new { month = "2026-09", amount = 1_000_000m })).EnsureSuccessStatusCode();
        Assert.Equal(0, await PassAsync(factory));
        m = await desk.Supervisor.Get(duty.MatterId);
        Assert.Equal("closed", (string?)m["status"]);
        Assert.Single(m["events"]!.AsArray(), e => (string?)e!["action"] == ProjectReportDuties.Closed);
        var view = await owner.GetAsync($"/api/v1/projects/{open}").Ok();
        Assert.Equal(2, (int)view["months"]!.AsArray().Single(x => (string?)x!["month"] == "2026-10")!["reports"]!);
        Assert.Equal(10_500_000m, (decimal)view["completedThisYear"]!);

        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        Assert.Equal(1, await db.Set<ProjectReportDuty>().CountAsync(d => d.ProjectId == open));
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task LateReport_IsUrgedNoticedAndEscalatedBySupervision_ThenClosedByTheReport()
    {
        var (factory, desk) = await StartAsync();
        await using var _ = factory;
        var project = await RecordAsync(desk, Project(Unique("江门站综合交通枢纽"), "2026-02-01", "2028-06-30"));
        Assert.Equal(1, await PassAsync(factory));
        var matter = (await DutyAsync(factory, project))!.MatterId;

        // Past the report day unreported: the supervision job's notice, then its escalation, as for any matter.
        desk.MoveTo(At(11, 11, 9));
        var steps = await StepsOn(factory, matter);
        Assert.Contains(SupervisionSteps.Notice, steps);
        desk.MoveTo(At(11, 17, 9));
        steps = await StepsOn(factory, matter);
        Assert.Contains(SupervisionSteps.Escalate, steps);
        await using (var scope = factory.Scope())
        {
            var notes = await factory.Db(scope).Notifications.Where(n => n.MatterId == matter).OrderBy(n => n.Id).ToListAsync();
            var notice = notes.Single(n => n.Kind == SupervisionSteps.Notice && n.UnitCode == Owner);
            Assert.Contains("督办通知", notice.Title, StringComparison.Ordinal);
            Assert.Contains(notes, n => n.Kind == SupervisionSteps.Escalate && n.UnitCode != Owner);
        }

        // The late report still closes it; the steps stay on its record.
        (await desk.Handler(Owner).PostAsJsonAsync($"/api/v1/projects/{project}/investment", new { month = "2026-10", amount = 2_000_000m })).EnsureSuccessStatusCode();
        var m = await desk.Supervisor.Get(matter);
        Assert.Equal("closed", (string?)m["status"]);
        var actions = m["events"]!.AsArray().Select(e => (string?)e!["action"]).ToList();
        Assert.True(actions.IndexOf(SupervisionSteps.Escalate) < actions.IndexOf(ProjectReportDuties.Closed));
        Assert.Empty(await StepsAfterAsync(factory, matter));

        await using var last = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(last))).Intact);
    }

    /// <summary>Runs the steps again a week later: the supervision steps a closed duty takes (none).</summary>
    private static async Task<List<string>> StepsAfterAsync(DubanFactory factory, long matter)
    {
        string[] kinds = [SupervisionSteps.Remind, SupervisionSteps.Notice, SupervisionSteps.Escalate];
        int before;
        await using (var scope = factory.Scope()) before = await factory.Db(scope).Events.CountAsync(e => e.MatterId == matter && kinds.Contains(e.Action));
        factory.Desk.MoveTo(factory.Clock.GetUtcNow().AddDays(7));
        var steps = (await StepsOn(factory, matter)).Where(kinds.Contains).ToList();
        return steps.Skip(before).ToList();
    }
}
