using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Matters;
using Duban.Features.Sources;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;

namespace Duban.Features.Projects;

/// <summary>The key projects' monthly report duties (Duban:Projects), checked at start-up.</summary>
public sealed class ProjectReportOptions
{
    public const string Section = "Duban:Projects";

    /// <summary>A month's report (月报) is due by the end of this day of the next month, China time (每月10日前报送上月完成投资).</summary>
    [Range(1, 28)]
    public int ReportDay { get; set; } = 10;

    /// <summary>Whether this node opens the report duties (every node may: each is opened once).</summary>
    public bool Job { get; set; } = true;

    /// <summary>How often the job looks for duties to open.</summary>
    [Range(5, 86_400)]
    public int JobSeconds { get; set; } = 3600;

    /// <summary>At most this many duties per pass; the rest wait for the next pass.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;
}

/// <summary>
/// A monthly report duty (月报督办): the matter opened for a project's report of a month, an item of the project's source
/// held by the owner unit and due on the report day; closed by the report. One per project and month (a unique index).
/// </summary>
public sealed class ProjectReportDuty
{
    public long ProjectId { get; set; }
    /// <summary>yyyy-MM: the month reported on.</summary>
    public required string Month { get; set; }
    public long MatterId { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
    /// <summary>When the owner's report of the month closed it (null while open).</summary>
    public DateTimeOffset? ClosedAt { get; set; }
}

internal sealed class ProjectReportDutyConfiguration : IEntityTypeConfiguration<ProjectReportDuty>
{
    public void Configure(EntityTypeBuilder<ProjectReportDuty> e)
    {
        e.ToTable("project_report_duties");
        e.HasKey(x => new { x.ProjectId, x.Month });
    }
}

/// <summary>
/// Late monthly reports urged and escalated without a hook in the matter core or the supervision job: at the start of
/// each month every open project of that month's plan year that has not yet reported the month just ended gets a report
/// matter (an item of its source, on channel <c>project</c>, lead its owner unit, due at the end of the report day,
/// <see cref="ProjectReportOptions.ReportDay"/>); the owner's report of that month closes it in the report's own change
/// (<see cref="CloseStepAsync"/>). Until then the supervision job (Features/Supervision) urges, notices and escalates it
/// as any matter. A project past its end, completed (every milestone reached) or reported on (its source closed) gets
/// none. Opening is idempotent on every node and across restarts: each is re-checked under the audit chain's lock and
/// the table's key is (project, month).
/// </summary>
public sealed class ProjectReportDuties(IServiceScopeFactory scopes, TimeProvider time, IOptions<ProjectReportOptions> options, ILogger<ProjectReportDuties> log)
{
    public const string Opened = "project_report_open";
    public const string Closed = "project_report_close";

    /// <summary>The actor of the duties the system opens, in their events.</summary>
    public static readonly Actor System = new(null, "projects", "重点项目月报", "", "", "", new HashSet<string>(StringComparer.Ordinal), []);

    /// <summary>The month a pass at <paramref name="now"/> opens duties for (the one just ended), and its report's due day.</summary>
    public (DateOnly Month, DateOnly DueDay) DutyOf(DateTimeOffset now)
    {
        var today = Clock.ChinaDate(now);
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        var due = thisMonth.AddDays(options.Value.ReportDay - 1);
        // A node that was down past the report day opens the duty due today rather than not at all.
        return (thisMonth.AddMonths(-1), due < today ? today : due);
    }

    /// <summary>One pass: opens the duties of the month just ended that are missing (at most BatchSize); the number opened.</summary>
    public async Task<int> OpenAsync(CancellationToken ct)
    {
        var now = time.Now();
        var (month, dueDay) = DutyOf(now);
        var key = MonthKey(month);
        var first = ProjectSourceType.Day(month);
        var last = ProjectSourceType.Day(month.AddMonths(1).AddDays(-1));
        List<long> ids;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
            // By ix_projects_year; each candidate's duty and report by their keys (project, month).
            ids = await Candidates(db, month.Year, first, last, key).OrderBy(id => id).Take(options.Value.BatchSize).ToListAsync(ct);
        }
        var opened = 0;
        foreach (var id in ids)
        {
            try
            {
                if (await OpenOneAsync(id, month, dueDay, ct)) opened++;
            }
            catch (DbUpdateException e)
            {
                // Another node opened it at the same moment (the key): nothing to do.
                log.LogDebug(e, "project {Project}: the report duty of {Month} was opened elsewhere", id, key);
            }
        }
        if (opened > 0) log.LogInformation("projects: {Opened} monthly report duties opened for {Month}", opened, key);
        return opened;
    }

    /// <summary>The projects owing a report duty for the month: of its plan year, running in it, not finished, with neither a duty nor a report of it.</summary>
#pragma warning disable CA1309 // translated to SQL <= on text (yyyy-MM-dd sorts as it reads); no culture is involved
    private static IQueryable<long> Candidates(DubanDb db, int year, string first, string last, string key) =>
        from p in db.Set<Project>()
        join s in db.Set<Source>() on p.SourceId equals s.Id
        where p.Year == year && string.Compare(p.StartsOn, last) <= 0 && string.Compare(p.EndsOn, first) >= 0 && s.Status == Source.Open
              && !(p.NextDue == null && db.Set<ProjectMilestone>().Any(m => m.ProjectId == p.SourceId))
              && !db.Set<ProjectReportDuty>().Any(d => d.ProjectId == p.SourceId && d.Month == key)
              && !db.Set<ProjectInvestment>().Any(i => i.ProjectId == p.SourceId && i.Month == key)
        select p.SourceId;
#pragma warning restore CA1309

    private async Task<bool> OpenOneAsync(long id, DateOnly month, DateOnly dueDay, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<DubanDb>();
        var sources = sp.GetRequiredService<SourceChanges>();
        var key = MonthKey(month);
        var result = await new AuditedChange(db, sp.GetRequiredService<AuditLog>()).RunAsync<bool>(async () =>
        {
            var now = time.Now();
            // Under the chain's lock: a duty another node opened meanwhile, or a report made meanwhile, is seen here.
            var first = ProjectSourceType.Day(month);
            var last = ProjectSourceType.Day(month.AddMonths(1).AddDays(-1));
            if (!await Candidates(db, month.Year, first, last, key).AnyAsync(x => x == id, ct)) return ChangeMade.Unchanged(false);
            var p = await db.Set<Project>().AsNoTracking().FirstAsync(x => x.SourceId == id, ct);
            var s = await db.Set<Source>().FirstAsync(x => x.Id == id, ct);
            var label = month.ToString("yyyy年M月", CultureInfo.InvariantCulture);
            var due = ProjectSourceType.Day(dueDay);
            var item = new SourceItemInput($"{label}投资完成情况月报（{s.Title}）".Length <= 200 ? $"{label}投资完成情况月报（{s.Title}）" : $"{label}投资完成情况月报",
                $"重点项目{s.Title}：请业主单位于 {due} 前报送{label}完成投资（重点项目月报）。报送后本事项自动办结；逾期未报送的，按督办规定催办、发出督办通知并提级督办。"
                + $"\n{s.Title}: report the investment completed in {key} by {due}. The report closes this matter; a late one is urged, noticed and escalated.",
                s.OwnerUnitCode, null, due);
            var added = await sources.AddItemsChangeAsync(s, [item], System, now, ct);
            if (!added.IsSuccess) return added.Error!;
            var matterId = added.Value!.Value.Matters[0];
            db.Set<ProjectReportDuty>().Add(new ProjectReportDuty { ProjectId = id, Month = key, MatterId = matterId, OpenedAt = now });
            var data = new JsonObject { ["project"] = id, ["month"] = key, ["matter"] = matterId, ["dueDate"] = due, ["owner"] = s.OwnerUnitCode, ["year"] = p.Year };
            return new ChangeMade<bool>(true, [.. added.Value.Events, new AuditEvent(System, Opened, data)], []);
        }, ct);
        if (!result.IsSuccess) log.LogWarning("project {Project}: the report duty of {Month} was not opened: {Error}", id, key, result.Error!.Message);
        return result.IsSuccess && result.Value;
    }

    /// <summary>
    /// A step of the owner's report (ProjectChanges.ReportInvestmentAsync), in its transaction: the month's open duty is
    /// marked closed and its matter closed (办结) by the reporting account, the event <c>project_report_close</c> on the
    /// matter's chain. A correction of a month already reported finds no open duty and changes nothing. Returns the
    /// matter's number, or null when there was none open.
    /// </summary>
    public static async Task<string?> CloseStepAsync(DubanDb db, AuditLog audit, MatterClock clock, MatterFacets facets, long projectId, string month,
        decimal amount, Actor actor, DateTimeOffset now, CancellationToken ct)
    {
        var duty = await db.Set<ProjectReportDuty>().FirstOrDefaultAsync(d => d.ProjectId == projectId && d.Month == month && d.ClosedAt == null, ct);
        if (duty is null) return null;
        duty.ClosedAt = now;
        // The matter first, before it is read, as every action on it does (docs/adr/0006).
        await audit.LockMatterAsync(duty.MatterId, ct);
        var m = await db.Matters.Include(x => x.Assignments).FirstOrDefaultAsync(x => x.Id == duty.MatterId, ct);
        if (m is null || Status.Finished.Contains(m.Status)) return null;
        await facets.LoadAsync(db, [m], tracked: true, ct);
        var from = m.Status;
        // The report is the unit's answer to the duty: its lead assignment counts as signed for now if it was not.
        foreach (var a in m.Assignments.Where(a => a.Active && a.Role == "lead" && a.AcceptedAt is null)) a.AcceptedAt = now;
        m.Status = Status.Closed;
        m.StatusReason = null;
        m.ClosedAt = now;
        m.Progress = 100;
        m.Outcome = $"已报送{month}完成投资 {amount.ToString("0.##", CultureInfo.InvariantCulture)} 元 / reported the investment of {month}";
        m.ClearExtensionRequest();
        MatterClock.Stop(m);
        m.Version++;
        m.UpdatedAt = now;
        clock.Refresh(m);
        facets.Save(m, db);
        var data = new JsonObject { ["project"] = projectId, ["month"] = month, ["after"] = MatterWorkflow.Snapshot(m, facets) };
        await audit.AppendAsync(m, actor, Closed, from, Status.Closed, m.Outcome, data, ct);
        return m.Number;
    }

    public static string MonthKey(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}

/// <summary>Opens the monthly report duties on every node that has <c>Duban:Projects:Job</c> on (each is opened once).</summary>
public sealed class ProjectReportJob(ProjectReportDuties duties, IOptions<ProjectReportOptions> options, TimeProvider time, ILogger<ProjectReportJob> log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Job
            ? PeriodicPass.RunAsync(TimeSpan.FromSeconds(options.Value.JobSeconds), time, duties.OpenAsync,
                e => log.LogError(e, "projects: the monthly report duties' pass failed"), stoppingToken)
            : Task.CompletedTask;
}
