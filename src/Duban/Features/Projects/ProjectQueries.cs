using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Sources;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Projects;

/// <summary>A milestone with its light (null once reached: nothing runs).</summary>
public sealed record MilestoneView(int Seq, string Title, string DueDate, int Weight, bool Done, string? DoneOn, string? Light);

/// <summary>A month's investment: the latest report counts; <see cref="Reports"/> says how many were made (corrections).</summary>
public sealed record InvestmentMonthView(string Month, decimal Amount, DateTimeOffset ReportedAt, int Reports);

/// <summary>GET /api/v1/projects/{id}: the register, the year's plan against what was completed, milestones, months and the problems (matters) linked.</summary>
public sealed record ProjectView(long Id, string Title, string Level, string LevelLabel, string Industry, UnitRef Owner, string Territory,
    string? Leader, int Year, decimal TotalInvestment, decimal PlannedThisYear, decimal CompletedThisYear, double? Rate, string StartsOn, string EndsOn,
    string? Light, IReadOnlyList<MilestoneView> Milestones, IReadOnlyList<InvestmentMonthView> Months, IReadOnlyList<SourceItemView> Matters, bool MayReport)
{
    /// <summary>Every report as made, newest first (a correction beside the report it replaced): the monthly reports' history.</summary>
    public IReadOnlyList<InvestmentReportView> Reports { get; init; } = [];
    /// <summary>May the reader turn a problem into a matter of the project (the source's managers)?</summary>
    public bool MayAddProblem { get; init; }
    public string CountyName { get; init; } = "";
    public bool Behind { get; init; }
}

/// <summary>A monthly report as made; <see cref="Counts"/> for the latest of its month.</summary>
public sealed record InvestmentReportView(long Id, string Month, decimal Amount, DateTimeOffset ReportedAt, bool Counts);

/// <summary>A level's line of the figures.</summary>
public sealed record LevelFigure(string Level, string Label, int Count, decimal Planned, decimal Completed, double? Rate);

/// <summary>An industry's line of the figures.</summary>
public sealed record IndustryFigure(string Industry, int Count, decimal Planned, decimal Completed, double? Rate);

/// <summary>A county's line of the figures.</summary>
public sealed record CountyFigure(string County, string Name, int Count, decimal Planned, decimal Completed, double? Rate);

/// <summary>A month of the plan's year: completed in it, completed up to its end, and that against the year's plan.</summary>
public sealed record MonthFigure(string Month, decimal Completed, decimal Cumulative, double? Rate);

/// <summary>GET /api/v1/projects/figures?year=.</summary>
public sealed record ProjectFiguresView(int Year, IReadOnlyList<LevelFigure> Levels, IReadOnlyList<IndustryFigure> Industries, int Count, decimal Planned, decimal Completed)
{
    public IReadOnlyList<CountyFigure> Counties { get; init; } = [];
    public IReadOnlyList<MonthFigure> Months { get; init; } = [];
    /// <summary>Projects of the year behind schedule (a milestone past due unreached), counted by the index on next_due.</summary>
    public int Behind { get; init; }
}

/// <summary>The project's page and the figures. Who sees a project is its source's rule (<see cref="SourceAccess"/>): seen whole, else 404.</summary>
public sealed class ProjectQueries(DubanDb db, SourceQueries sources, TimeProvider time, IOptions<ClockOptions> clock, MatterScope scope, ProjectRegister register)
{
    public const string NotFoundText = "项目不存在，或您无权查看 / project not found";

    public async Task<Result<ProjectView>> GetAsync(long id, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var p = await db.Set<Project>().AsNoTracking().FirstOrDefaultAsync(x => x.SourceId == id, ct);
        if (p is null) return Error.NotFound(NotFoundText);
        var source = await sources.GetAsync(id, actor, ct);
        if (!source.IsSuccess || source.Value!.Sight != "whole") return Error.NotFound(NotFoundText);
        var s = source.Value!;
        var milestones = await db.Set<ProjectMilestone>().AsNoTracking().Where(m => m.ProjectId == id).OrderBy(m => m.Seq).ToListAsync(ct);
        var views = Lights(milestones, p.StartsOn, time.Now(), clock.Value.YellowShare);
        var reports = await db.Set<ProjectInvestment>().AsNoTracking().Where(i => i.ProjectId == id).ToListAsync(ct);
        var months = reports.GroupBy(r => r.Month).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.MaxBy(r => r.Id)! is var latest ? new InvestmentMonthView(g.Key, ProjectSourceType.Yuan(latest.AmountFen), latest.ReportedAt, g.Count()) : null!)
            .ToList();
        var light = ProjectRegister.Worst(views.Select(v => v.Light));
        return new ProjectView(p.SourceId, s.Title, p.Level, ProjectVocabulary.LevelLabel(p.Level), p.Industry, s.Owner, p.TerritoryCode, p.Leader, p.Year,
            ProjectSourceType.Yuan(p.TotalFen), ProjectSourceType.Yuan(p.PlannedFen), ProjectSourceType.Yuan(p.CompletedFen), Rate(p.CompletedFen, p.PlannedFen),
            p.StartsOn, p.EndsOn, light, views, months, s.Items, actor.UnitCode == s.Owner.Code)
        {
            Reports = [.. reports.OrderByDescending(r => r.Id).Select(r => new InvestmentReportView(r.Id, r.Month, ProjectSourceType.Yuan(r.AmountFen), r.ReportedAt,
                reports.Where(o => o.Month == r.Month).Max(o => o.Id) == r.Id))],
            MayAddProblem = s.MayManage && s.Status == Source.Open,
            CountyName = register.CountyName(p.CountyCode),
            Behind = ProjectRegister.IsBehind(p.NextDue, Clock.ChinaDate(time.Now())),
        };
    }

    /// <summary>
    /// The milestones' lights, as the matters' (LightRule): each runs from the previous one's due date (the first from the
    /// start) to the end of its own; red once its due date has passed unreached, yellow once the share of its time used
    /// reaches the clock's yellow point (Duban:Clock:YellowShare), green before; none once reached.
    /// </summary>
    public static IReadOnlyList<MilestoneView> Lights(IReadOnlyList<ProjectMilestone> milestones, string startsOn, DateTimeOffset now, double yellowShare)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        var ordered = milestones.OrderBy(m => m.DueDate, StringComparer.Ordinal).ThenBy(m => m.Seq).ToList();
        // Each runs from the start of the project's first day, or from the end of the milestone before it.
        var from = new Dictionary<int, DateTimeOffset>();
        var previous = Clock.StartOfChinaDay(Date(startsOn));
        foreach (var m in ordered)
        {
            from[m.Seq] = previous;
            previous = Clock.StartOfChinaDay(Date(m.DueDate).AddDays(1));
        }
        return [.. milestones.OrderBy(m => m.Seq).Select(m => new MilestoneView(m.Seq, m.Title, m.DueDate, m.Weight, m.DoneOn is not null, m.DoneOn,
            m.DoneOn is not null ? null : LightOf(from[m.Seq], m.DueDate, now, yellowShare)))];
    }

    private static string LightOf(DateTimeOffset start, string dueDay, DateTimeOffset now, double yellowShare)
    {
        var due = Clock.StartOfChinaDay(Date(dueDay).AddDays(1));
        if (now >= due) return Light.Red;
        var yellowAt = start + TimeSpan.FromTicks((long)(Math.Max(0, (due - start).Ticks) * yellowShare));
        return now >= yellowAt ? Light.Yellow : Light.Green;
    }

    private static DateOnly Date(string day) => DateOnly.ParseExact(day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The year's figures by level, read from the rollup (project_figures, kept with every project recorded and every
    /// report), never a scan of the register. The city's supervisors, leaders and administrators.
    /// </summary>
    public async Task<Result<ProjectFiguresView>> FiguresAsync(int? year, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (year is not (>= 2000 and <= 2100)) return Error.Validation("year is required, 2000 to 2100 / 请指定年度");
        if (!scope.IsCityWide(actor)) return Error.Forbidden("只有市级督查、领导和管理员可以查看重点项目统计 / only the city's supervisors, leaders and administrators read the key projects' figures");
        var rows = await db.Set<ProjectFigure>().AsNoTracking().Where(f => f.Year == year).ToListAsync(ct);
        // At most levels × industries rows (21) a year: summed here.
        var levels = ProjectVocabulary.Levels.Select(l => rows.Where(r => r.Level == l).ToList())
            .Select((rs, i) => new LevelFigure(ProjectVocabulary.Levels[i], ProjectVocabulary.LevelLabel(ProjectVocabulary.Levels[i]), rs.Sum(r => r.Count),
                ProjectSourceType.Yuan(rs.Sum(r => r.PlannedFen)), ProjectSourceType.Yuan(rs.Sum(r => r.CompletedFen)), Rate(rs.Sum(r => r.CompletedFen), rs.Sum(r => r.PlannedFen))))
            .ToList();
        var industries = ProjectVocabulary.Industries.Select(n => rows.Where(r => r.Industry == n).ToList())
            .Select((rs, i) => new IndustryFigure(ProjectVocabulary.Industries[i], rs.Sum(r => r.Count), ProjectSourceType.Yuan(rs.Sum(r => r.PlannedFen)),
                ProjectSourceType.Yuan(rs.Sum(r => r.CompletedFen)), Rate(rs.Sum(r => r.CompletedFen), rs.Sum(r => r.PlannedFen))))
            .ToList();
        var planned = rows.Sum(r => r.PlannedFen);
        // By county and by month: their own rollups (project_area_figures, project_month_figures), kept as this one is.
        var areas = await db.Set<ProjectAreaFigure>().AsNoTracking().Where(f => f.Year == year && f.Count > 0).ToListAsync(ct);
        var counties = areas.OrderBy(a => a.CountyCode, StringComparer.Ordinal).Select(a => new CountyFigure(a.CountyCode, register.CountyName(a.CountyCode), a.Count,
            ProjectSourceType.Yuan(a.PlannedFen), ProjectSourceType.Yuan(a.CompletedFen), Rate(a.CompletedFen, a.PlannedFen))).ToList();
        var byMonth = (await db.Set<ProjectMonthFigure>().AsNoTracking().Where(f => f.Year == year).ToListAsync(ct)).ToDictionary(f => f.Month, f => f.CompletedFen);
        var months = new List<MonthFigure>();
        long cumulative = 0;
        for (var m = 1; m <= 12; m++)
        {
            var key = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{year:0000}-{m:00}");
            var done = byMonth.GetValueOrDefault(key);
            cumulative += done;
            months.Add(new MonthFigure(key, ProjectSourceType.Yuan(done), ProjectSourceType.Yuan(cumulative), Rate(cumulative, planned)));
        }
        var today = ProjectSourceType.Day(Clock.ChinaDate(time.Now()));
#pragma warning disable CA1309 // translated to SQL < on text (yyyy-MM-dd sorts as it reads); no culture is involved
        var behind = await db.Set<Project>().AsNoTracking().CountAsync(p => p.Year == year && p.NextDue != null && string.Compare(p.NextDue, today) < 0, ct);
#pragma warning restore CA1309
        return new ProjectFiguresView(year.Value, levels, industries, rows.Sum(r => r.Count), ProjectSourceType.Yuan(planned), ProjectSourceType.Yuan(rows.Sum(r => r.CompletedFen)))
        {
            Counties = counties,
            Months = months,
            Behind = behind,
        };
    }

    /// <summary>Completed against planned, in per cent to one decimal; none when nothing is planned.</summary>
    public static double? Rate(long completed, long planned) => planned <= 0 ? null : Math.Round(100.0 * completed / planned, 1);
}
