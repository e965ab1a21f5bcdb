using Duban.Common;
using Duban.Data;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Sources;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Projects;

/// <summary>The register's filters: the plan's year (the latest when absent), county, industry, level, and behind schedule only.</summary>
public sealed record ProjectFilter(int? Year = null, string? County = null, string? Industry = null, string? Level = null, bool Behind = false);

/// <summary>A row of the register.</summary>
public sealed record ProjectListItem(long Id, string Title, string Level, string Industry, UnitRef Owner, string County, string CountyName,
    decimal PlannedThisYear, decimal CompletedThisYear, double? Rate, string StartsOn, string EndsOn, string? NextDue, bool Behind, string? Light);

/// <summary>GET /api/v1/projects: a page of the register, the total the filters find, and the counties the year's projects lie in.</summary>
public sealed record ProjectList(int Year, IReadOnlyList<ProjectListItem> Items, int Total, IReadOnlyList<CountyRef> Counties);

/// <summary>A county (区县) by its division code and name.</summary>
public sealed record CountyRef(string Code, string Name);

/// <summary>A milestone on the wall chart: it runs from <see cref="From"/> to its due date.</summary>
public sealed record WallMilestone(int Seq, string Title, string From, string DueDate, bool Done, string? DoneOn, string? Light);

/// <summary>A project's line on the wall chart.</summary>
public sealed record WallProject(long Id, string Title, string Level, string Industry, string County, string StartsOn, string EndsOn, double? Rate,
    string? Light, bool Behind, IReadOnlyList<WallMilestone> Milestones);

/// <summary>GET /api/v1/projects/wall: every project of a county or an industry on one timeline (挂图作战).</summary>
public sealed record WallView(int Year, string? County, string? CountyName, string? Industry, string Today, IReadOnlyList<WallProject> Projects, int Total);

/// <summary>
/// The register's reads: the list a reader sees (the source's rule: the owner's line and the coordinators above it),
/// paged from the index on county, industry and level (schema 0044), behind schedule read from <see cref="Project.NextDue"/>;
/// and the wall chart's lines. Lights are the milestones' (<see cref="ProjectQueries.Lights"/>), for the rows shown only.
/// </summary>
public sealed class ProjectRegister(DubanDb db, SourceAccess access, UnitDirectory units, GeoService geo, TimeProvider time, IOptions<ClockOptions> clock)
{
    public const int MaxPageSize = 100;

    /// <summary>The most projects one wall chart draws (a county's or an industry's: the seeds' largest is under 400).</summary>
    public const int MaxWall = 400;

    public async Task<Result<ProjectList>> ListAsync(ProjectFilter filter, int? page, int? pageSize, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (page is < 1 or > MatterQueries.MaxPage) return Error.Validation($"page is 1 to {MatterQueries.MaxPage}");
        if (pageSize is < 1 or > MaxPageSize) return Error.Validation($"pageSize is 1 to {MaxPageSize}");
        var found = await FilterAsync(filter, actor, ct);
        if (!found.IsSuccess) return found.Error!;
        var (year, q) = found.Value!;
        var size = pageSize ?? 20;
        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(r => r.Project.SourceId).Skip(((page ?? 1) - 1) * size).Take(size).ToListAsync(ct);
        var lights = await LightsAsync([.. rows.Select(r => r.Project)], ct);
        var all = await units.AllAsync(ct);
        var today = Today();
        var items = rows.Select(r => new ProjectListItem(r.Project.SourceId, r.Title, r.Project.Level, r.Project.Industry, Unit(all, r.Owner), r.Project.CountyCode,
            CountyName(r.Project.CountyCode), ProjectSourceType.Yuan(r.Project.PlannedFen), ProjectSourceType.Yuan(r.Project.CompletedFen),
            ProjectQueries.Rate(r.Project.CompletedFen, r.Project.PlannedFen), r.Project.StartsOn, r.Project.EndsOn, r.Project.NextDue,
            IsBehind(r.Project.NextDue, today), Worst(lights[r.Project.SourceId].Select(m => m.Light)))).ToList();
        return new ProjectList(year, items, total, await CountiesAsync(year, ct));
    }

    /// <summary>The wall chart: every project of a county or an industry (one of them required), each with its milestones and lights.</summary>
    public async Task<Result<WallView>> WallAsync(ProjectFilter filter, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (Text.OrNull(filter.County) is null && Text.OrNull(filter.Industry) is null)
            return Error.Validation("county or industry is required: the wall chart shows a county's or an industry's projects / 请选择区县或行业");
        var found = await FilterAsync(filter, actor, ct);
        if (!found.IsSuccess) return found.Error!;
        var (year, q) = found.Value!;
        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(r => r.Project.StartsOn).ThenBy(r => r.Project.SourceId).Take(MaxWall).ToListAsync(ct);
        var lights = await LightsAsync([.. rows.Select(r => r.Project)], ct);
        var today = Today();
        var projects = rows.Select(r =>
        {
            var p = r.Project;
            var ms = lights[p.SourceId];
            // Each milestone is drawn from the end of the one before it (the first from the start), as its light is reckoned.
            var from = p.StartsOn;
            var wall = new List<WallMilestone>();
            foreach (var m in ms.OrderBy(m => m.DueDate, StringComparer.Ordinal).ThenBy(m => m.Seq))
            {
                wall.Add(new WallMilestone(m.Seq, m.Title, from, m.DueDate, m.Done, m.DoneOn, m.Light));
                from = m.DueDate;
            }
            return new WallProject(p.SourceId, r.Title, p.Level, p.Industry, p.CountyCode, p.StartsOn, p.EndsOn, ProjectQueries.Rate(p.CompletedFen, p.PlannedFen),
                Worst(ms.Select(m => m.Light)), IsBehind(p.NextDue, today), wall);
        }).ToList();
        var county = Text.OrNull(filter.County);
        return new WallView(year, county, county is null ? null : CountyName(county), Text.OrNull(filter.Industry), ProjectSourceType.Day(today), projects, total);
    }

    /// <summary>The year's counties with projects, from the county rollup (never the register).</summary>
    public async Task<IReadOnlyList<CountyRef>> CountiesAsync(int year, CancellationToken ct)
    {
        var codes = await db.Set<ProjectAreaFigure>().AsNoTracking().Where(f => f.Year == year && f.Count > 0).Select(f => f.CountyCode).ToListAsync(ct);
        return [.. codes.Order(StringComparer.Ordinal).Select(c => new CountyRef(c, CountyName(c)))];
    }

    /// <summary>The latest year with projects (the register's and the wall chart's default), else this year.</summary>
    public async Task<int> LatestYearAsync(CancellationToken ct) =>
        await db.Set<ProjectFigure>().AsNoTracking().Where(f => f.Count > 0).MaxAsync(f => (int?)f.Year, ct) ?? Today().Year;

    public string CountyName(string code)
    {
        var d = geo.Gazetteer.Divisions;
        var i = d.Find(code);
        return i < 0 ? code : d.Name(i);
    }

    /// <summary>A register row as the query selects it (member-initialised, so that EF orders and pages on its members).</summary>
    private sealed class Row
    {
        public required Project Project { get; init; }
        public required string Title { get; init; }
        public required string Owner { get; init; }
    }

    private async Task<Result<(int Year, IQueryable<Row> Query)>> FilterAsync(ProjectFilter f, Actor actor, CancellationToken ct)
    {
        if (f.Year is { } y && y is < 2000 or > 2100) return Error.Validation("year is 2000 to 2100 / 年度不正确");
        var county = Text.OrNull(f.County);
        if (county is not null && (county.Length != 6 || !county.All(char.IsAsciiDigit))) return Error.Validation("county must be a six-digit division code / 区县代码不正确");
        var industry = Text.OrNull(f.Industry);
        if (industry is not null && !ProjectVocabulary.Industries.Contains(industry))
            return Error.Validation($"industry must be one of {string.Join(", ", ProjectVocabulary.Industries)} / 行业不存在");
        var level = Text.OrNull(f.Level);
        if (level is not null && !ProjectVocabulary.Levels.Contains(level)) return Error.Validation($"level must be one of {string.Join(", ", ProjectVocabulary.Levels)} / 项目级别不存在");
        var year = f.Year ?? await LatestYearAsync(ct);
        var reach = await access.ReachAsync(actor, ct);
        var seen = db.Set<Source>().AsNoTracking().Where(s => s.Type == ProjectVocabulary.Type).Where(SourceAccess.SeenWhole(reach));
        var projects = db.Set<Project>().AsNoTracking().Where(p => p.Year == year);
        if (county is not null) projects = projects.Where(p => p.CountyCode == county);
        if (industry is not null) projects = projects.Where(p => p.Industry == industry);
        if (level is not null) projects = projects.Where(p => p.Level == level);
        if (f.Behind)
        {
            var today = ProjectSourceType.Day(Today());
#pragma warning disable CA1309 // translated to SQL < on text (yyyy-MM-dd sorts as it reads); no culture is involved
            projects = projects.Where(p => p.NextDue != null && string.Compare(p.NextDue, today) < 0);
#pragma warning restore CA1309
        }
        var q = from p in projects join s in seen on p.SourceId equals s.Id select new Row { Project = p, Title = s.Title, Owner = s.OwnerUnitCode };
        return (year, q);
    }

    /// <summary>The milestones of these projects with their lights, a query per 500.</summary>
    private async Task<Dictionary<long, IReadOnlyList<MilestoneView>>> LightsAsync(IReadOnlyList<Project> projects, CancellationToken ct)
    {
        var result = new Dictionary<long, IReadOnlyList<MilestoneView>>();
        var now = time.Now();
        foreach (var chunk in projects.Chunk(500))
        {
            var ids = chunk.Select(p => p.SourceId).ToList();
            var milestones = (await db.Set<ProjectMilestone>().AsNoTracking().Where(m => ids.Contains(m.ProjectId)).ToListAsync(ct)).ToLookup(m => m.ProjectId);
            foreach (var p in chunk) result[p.SourceId] = ProjectQueries.Lights([.. milestones[p.SourceId]], p.StartsOn, now, clock.Value.YellowShare);
        }
        return result;
    }

    /// <summary>A project's light: its worst milestone's (none once every milestone is reached).</summary>
    public static string? Worst(IEnumerable<string?> lights)
    {
        var all = lights.ToList();
        return all.Contains(Light.Red) ? Light.Red : all.Contains(Light.Yellow) ? Light.Yellow : all.Contains(Light.Green) ? Light.Green : null;
    }

    /// <summary>Behind schedule (滞后): a milestone's due date has passed unreached.</summary>
    public static bool IsBehind(string? nextDue, DateOnly today) => nextDue is not null && string.CompareOrdinal(nextDue, ProjectSourceType.Day(today)) < 0;

    /// <summary>An amount in yuan as the pages show it, in 万元 (10,000 yuan), grouped, up to two decimals.</summary>
    public static string Wan(decimal yuan) => (yuan / 10_000m).ToString("#,0.##", System.Globalization.CultureInfo.InvariantCulture);

    private DateOnly Today() => Clock.ChinaDate(time.Now());

    private static UnitRef Unit(IReadOnlyDictionary<string, UnitInfo> all, string code) => new(code, all.TryGetValue(code, out var u) ? u.Name : code);
}
