using Duban.Common;
using Duban.Features.Figures;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Sources;
using Duban.Features.Supervision;

namespace Duban.Features.Dashboard;

/// <summary>A county on the cockpit's map: every figure the map may be coloured by (null: none to show, e.g. too few to score).</summary>
public sealed record CockpitCounty(string Code, string Name, int Today, int Received, int Red, double? Score, bool TooFewToRank);

/// <summary>A unit in the cockpit's best or worst five: its rank and score in the period.</summary>
public sealed record CockpitUnit(int Rank, string Code, string Name, double Score, int Matters);

/// <summary>
/// The leader's cockpit (领导驾驶舱): what a projector in the leaders' room shows, read together. Today's intake and this
/// period's matters by county, the red matters now (their count and the most recent), the best and worst departments by
/// score, and the supervision sources (督查督办来源) by light with the red ones. Every figure is one that another page
/// already shows, read through the same queries (the counters where they serve): the cockpit adds no count of its own.
/// </summary>
public sealed record CockpitView(FiguresPeriod Period, DateOnly Today, DateTimeOffset? CountedAt, int TodayTotal, LightCounts Lights,
    IReadOnlyList<CockpitCounty> Counties, CockpitCounty? CityLevel, IReadOnlyList<MatterSummary> RedMatters, IReadOnlyList<CockpitUnit> Best, IReadOnlyList<CockpitUnit> Worst,
    int UnitsTooFew, CockpitSources Sources);

public sealed record CockpitSources(int Red, int Yellow, int Green, IReadOnlyList<SourceListItem> RedOnes);

public sealed class CockpitQueries(DashboardQueries dashboard, SupervisionQueries supervision, UnitFigures figures, MatterQueries matters,
    SourceQueries sources, GeoService geo, TimeProvider time)
{
    /// <summary>The figures the map may be coloured by; the first is the default.</summary>
    public static readonly string[] MapFigures = ["score", "red", "received", "today"];

    public const int RedShown = 8;
    public const int UnitsShown = 5;

    /// <summary>The city's and a county's coordinators and leaders: the cockpit reads rankings, which only they see.</summary>
    public static bool MayRead(Actor actor) => actor.HasAny(Roles.Dispatcher, Roles.Supervisor, Roles.Leader, Roles.Admin);

    public async Task<Result<CockpitView>> ReadAsync(Actor actor, CancellationToken ct)
    {
        if (!MayRead(actor)) return Error.Forbidden("领导驾驶舱由领导和督办、受理人员查看 / the cockpit is for leaders, supervisors and dispatchers");
        var now = time.Now();
        var today = Clock.ChinaDate(now);
        var period = FiguresPeriod.Parse(null, now).Value!;
        var countedAt = await dashboard.CountedAtAsync(actor, ct);

        var places = await dashboard.PlacesAsync(null, actor, ct);
        if (!places.IsSuccess) return places.Error!;
        var intake = await dashboard.ReceivedOnAsync(today, actor, ct);
        var lit = await supervision.LightsAsync("county", actor, ct);
        if (!lit.IsSuccess) return lit.Error!;
        var byCounty = await figures.RankAsync(null, "county", kind: null, channel: null, actor, ct);
        if (!byCounty.IsSuccess) return byCounty.Error!;
        var byDepartment = await figures.RankAsync(null, "department", kind: null, channel: null, actor, ct);
        if (!byDepartment.IsSuccess) return byDepartment.Error!;

        var all = places.Value!.Counties
            .Select(c =>
            {
                var score = byCounty.Value!.Rows.FirstOrDefault(r => r.Unit.Code == c.Code);
                var red = lit.Value!.Rows.FirstOrDefault(r => r.Code == c.Code)?.Red ?? 0;
                return new CockpitCounty(c.Code, c.Name, intake.GetValueOrDefault(c.Code), c.Received, red, score?.Rank is null ? null : score.Score,
                    score?.TooFewToRank ?? true);
            })
            .OrderBy(c => c.Code, StringComparer.Ordinal).ToList();
        // The matters at city level (the city's own code, 440700) are no county's: the table shows them apart, the map cannot.
        var city = geo.Gazetteer.Home >= 0 ? geo.Gazetteer.Divisions.Code(geo.Gazetteer.Home) : null;
        var counties = all.Where(c => c.Code != city).ToList();
        var cityLevel = all.FirstOrDefault(c => c.Code == city);

        // The most recent red matters, without a count (the lights board has it).
        var red = await matters.ListAsync(new MatterFilter(null, null, null, null, 1, RedShown, Light: Light.Red), actor, countAtMost: 0, ct);
        if (!red.IsSuccess) return red.Error!;

        var ranked = byDepartment.Value!.Rows.Where(r => r.Rank is not null && r.Score is not null)
            .Select(r => new CockpitUnit(r.Rank!.Value, r.Unit.Code, r.Unit.Name, r.Score!.Value, r.Matters)).ToList();
        var best = ranked.Take(UnitsShown).ToList();
        // The worst are the last ranked, worst first, never one already among the best (a short ranking).
        var worst = ranked.Skip(best.Count).Reverse().Take(UnitsShown).ToList();

        return new CockpitView(period, today, countedAt, intake.Values.Sum(), lit.Value!.All, counties, cityLevel, red.Value!.Items, best, worst,
            byDepartment.Value!.Rows.Count(r => r.TooFewToRank), await SourcesAsync(actor, ct));
    }

    /// <summary>
    /// The sources by light (one grouped count, <see cref="SourceQueries.CountByLightAsync"/>) and the most recent red ones
    /// (one page of the list filtered red).
    /// </summary>
    private async Task<CockpitSources> SourcesAsync(Actor actor, CancellationToken ct)
    {
        var counts = await sources.CountByLightAsync(actor, ct);
        IReadOnlyList<SourceListItem> red = counts.Red == 0 ? []
            : await sources.ListAsync(null, null, Light.Red, 1, RedShown, actor, ct) is { IsSuccess: true } ok ? ok.Value!.Items : [];
        return new CockpitSources(counts.Red, counts.Yellow, counts.Green, red);
    }
}
