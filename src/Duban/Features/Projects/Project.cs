using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Projects;

/// <summary>
/// A key project (重点项目): a source of type <c>project</c> (Features/Sources) with its register row. Its owner unit
/// (业主单位) is the source's owner; the problems found on it are the source's items (matters). Amounts are kept in fen
/// (分), whole numbers, so that sums are exact on both databases; the API speaks yuan.
/// </summary>
public sealed class Project
{
    public long SourceId { get; set; }
    /// <summary>provincial, city or county (省重点、市重点、县区重点).</summary>
    public required string Level { get; set; }
    /// <summary>One of <see cref="ProjectVocabulary.Industries"/>.</summary>
    public required string Industry { get; set; }
    /// <summary>The division the project lies in (6, 9 or 12 digits).</summary>
    public required string TerritoryCode { get; set; }
    public string? Leader { get; set; }
    /// <summary>The year <see cref="PlannedFen"/> is planned for (年度计划投资).</summary>
    public int Year { get; set; }
    public long TotalFen { get; set; }
    public long PlannedFen { get; set; }
    /// <summary>Completed in <see cref="Year"/>: the latest report of each of its months, summed (kept with every report).</summary>
    public long CompletedFen { get; set; }
    /// <summary>yyyy-MM-dd.</summary>
    public required string StartsOn { get; set; }
    /// <summary>yyyy-MM-dd: the completion date the milestones are worked back from.</summary>
    public required string EndsOn { get; set; }
    /// <summary>The county-level division (the first six digits of <see cref="TerritoryCode"/>): the register's and the wall chart's filter.</summary>
    public string CountyCode { get; set; } = "";
    /// <summary>
    /// yyyy-MM-dd: the earliest due date of a milestone not yet reached (null when none is left). The project is behind
    /// schedule (滞后) once it lies before today: kept with every milestone recorded or reached, read by an index.
    /// </summary>
    public string? NextDue { get; set; }
}

/// <summary>A milestone (节点) of a project, due at the end of <see cref="DueDate"/>; <see cref="DoneOn"/> once reached.</summary>
public sealed class ProjectMilestone
{
    public long ProjectId { get; set; }
    public int Seq { get; set; }
    public required string Title { get; set; }
    public required string DueDate { get; set; }
    public int Weight { get; set; }
    public string? DoneOn { get; set; }
}

/// <summary>A monthly report of investment completed: corrections append a row, the latest of a month counts.</summary>
public sealed class ProjectInvestment
{
    public long Id { get; set; }
    public long ProjectId { get; set; }
    /// <summary>yyyy-MM.</summary>
    public required string Month { get; set; }
    public long AmountFen { get; set; }
    public DateTimeOffset ReportedAt { get; set; }
    public long? ReportedBy { get; set; }
}

/// <summary>The figures' rollup by year, level and industry, kept with every project recorded and every report (never a scan).</summary>
public sealed class ProjectFigure
{
    public int Year { get; set; }
    public required string Level { get; set; }
    public required string Industry { get; set; }
    public int Count { get; set; }
    public long PlannedFen { get; set; }
    public long CompletedFen { get; set; }
}

/// <summary>The figures' rollup by year and county (区县), kept as <see cref="ProjectFigure"/> is.</summary>
public sealed class ProjectAreaFigure
{
    public int Year { get; set; }
    public required string CountyCode { get; set; }
    public int Count { get; set; }
    public long PlannedFen { get; set; }
    public long CompletedFen { get; set; }
}

/// <summary>The investment completed in each month of a plan's year, over every project of that year (the latest report of each month).</summary>
public sealed class ProjectMonthFigure
{
    public int Year { get; set; }
    /// <summary>yyyy-MM.</summary>
    public required string Month { get; set; }
    public long CompletedFen { get; set; }
}

public static class ProjectVocabulary
{
    public const string Type = "project";

    public static readonly IReadOnlyList<string> Levels = ["provincial", "city", "county"];

    /// <summary>工业（产业）, 基础设施, 社会民生, 城市建设, 农业农村, 能源, 现代服务业.</summary>
    public static readonly IReadOnlyList<string> Industries = ["industrial", "infrastructure", "social", "urban", "agriculture", "energy", "services"];

    public static string LevelLabel(string level) => level switch
    {
        "provincial" => "省重点项目",
        "city" => "市重点项目",
        _ => "县（市、区）重点项目",
    };
}

internal sealed class ProjectConfiguration : IEntityTypeConfiguration<Project>
{
    public void Configure(EntityTypeBuilder<Project> e)
    {
        e.ToTable("projects");
        e.HasKey(x => x.SourceId);
        e.Property(x => x.SourceId).ValueGeneratedNever();
        e.HasOne<Sources.Source>().WithMany().HasForeignKey(x => x.SourceId);
    }
}

internal sealed class ProjectMilestoneConfiguration : IEntityTypeConfiguration<ProjectMilestone>
{
    public void Configure(EntityTypeBuilder<ProjectMilestone> e)
    {
        e.ToTable("project_milestones");
        e.HasKey(x => new { x.ProjectId, x.Seq });
        e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId);
    }
}

internal sealed class ProjectInvestmentConfiguration : IEntityTypeConfiguration<ProjectInvestment>
{
    public void Configure(EntityTypeBuilder<ProjectInvestment> e)
    {
        e.ToTable("project_investments");
        e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId);
    }
}

internal sealed class ProjectFigureConfiguration : IEntityTypeConfiguration<ProjectFigure>
{
    public void Configure(EntityTypeBuilder<ProjectFigure> e)
    {
        e.ToTable("project_figures");
        e.HasKey(x => new { x.Year, x.Level, x.Industry });
    }
}

internal sealed class ProjectAreaFigureConfiguration : IEntityTypeConfiguration<ProjectAreaFigure>
{
    public void Configure(EntityTypeBuilder<ProjectAreaFigure> e)
    {
        e.ToTable("project_area_figures");
        e.HasKey(x => new { x.Year, x.CountyCode });
    }
}

internal sealed class ProjectMonthFigureConfiguration : IEntityTypeConfiguration<ProjectMonthFigure>
{
    public void Configure(EntityTypeBuilder<ProjectMonthFigure> e)
    {
        e.ToTable("project_month_figures");
        e.HasKey(x => new { x.Year, x.Month });
    }
}
