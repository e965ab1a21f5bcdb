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
    string? Light, IReadOnlyList<MilestoneView> Milestones, IReadOnlyList<InvestmentMonthView> Months, IReadOnlyList<SourceItemView> Matters, bool MayReport);

/// <summary>A level's line of the figures.</summary>
public sealed record LevelFigure(string Level, string Label, int Count, decimal Planned, decimal Completed, double? Rate);

/// <summary>An industry's line of the figures.</summary>
public sealed record IndustryFigure(string Industry, int Count, decimal Planned, decimal Completed, double? Rate);

/// <summary>GET /api/v1/projects/figures?year=.</summary>
public sealed record ProjectFiguresView(int Year, IReadOnlyList<LevelFigure> Levels, IReadOnlyList<IndustryFigure> Industries, int Count, decimal Planned, decimal Completed);

/// <summary>The project's page and the figures. Who sees a project is its source's rule (<see cref="SourceAccess"/>): seen whole, else 404.</summary>
public sealed class ProjectQueries(DubanDb db, SourceQueries sources, TimeProvider time, IOptions<ClockOptions> clock, MatterScope scope)
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
        var light = views.Any(v => v.Light == Light.Red) ? Light.Red : views.Any(v => v.Light == Light.Yellow) ? Light.Yellow : views.Any(v => v.Light == Light.Green) ? Light.Green : null;
        return new ProjectView(p.SourceId, s.Title, p.Level, ProjectVocabulary.LevelLabel(p.Level), p.Industry, s.Owner, p.TerritoryCode, p.Leader, p.Year,
            ProjectSourceType.Yuan(p.TotalFen), ProjectSourceType.Yuan(p.PlannedFen), ProjectSourceType.Yuan(p.CompletedFen), Rate(p.CompletedFen, p.PlannedFen),
            p.StartsOn, p.EndsOn, light, views, months, s.Items, actor.UnitCode == s.Owner.Code);
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
        return new ProjectFiguresView(year.Value, levels, industries, rows.Sum(r => r.Count), ProjectSourceType.Yuan(rows.Sum(r => r.PlannedFen)), ProjectSourceType.Yuan(rows.Sum(r => r.CompletedFen)));
    }

    /// <summary>Completed against planned, in per cent to one decimal; none when nothing is planned.</summary>
    public static double? Rate(long completed, long planned) => planned <= 0 ? null : Math.Round(100.0 * completed / planned, 1);
}
