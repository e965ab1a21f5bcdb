using Duban.Common;
using Duban.Data;
using Duban.Features.Dispatching;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Tally;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using UnitRef = Duban.Features.Matters.UnitRef;

namespace Duban.Features.Figures;

/// <summary>响应率: lead assignments signed for by their signing deadline, of those decided (signed, or unsigned past the deadline).</summary>
public sealed record ResponseFigures(double? Rate, int InTime, int Late, int Counted, int Pending);

/// <summary>解决率: feedback saying resolved, of the matters closed in the period with feedback (excluded categories left out).</summary>
public sealed record ResolutionFigures(double? Rate, int Resolved, int WithFeedback);

/// <summary>满意率: satisfied 1, basically satisfied (configured), dissatisfied 0, averaged over the feedback counted.</summary>
public sealed record SatisfactionFigures(double? Rate, int Satisfied, int BasicallySatisfied, int Dissatisfied, int WithFeedback);

/// <summary>按期办结率: closed by the deadline in force, of the matters closed in the period.</summary>
public sealed record OnTimeFigures(double? Rate, int OnTime, int Closed);

/// <summary>超期数: matters whose deadline fell in the period (and has passed) and were not closed by it: still open, or closed late.</summary>
public sealed record OverdueFigures(int Count, int Open, int ClosedLate);

/// <summary>
/// One unit (or county) in a period: every rate with the counts behind it, and the composite score (0–100).
/// <paramref name="Matters"/>: the matters it had in the period (the larger of its lead assignments given in the period and
/// the matters it closed in the period or holds overdue); <paramref name="TooFewToRank"/>: fewer than the ranking's minimum
/// (<see cref="FiguresOptions.MinimumMatters"/>), so listed without a rank (样本不足). Added fields come last.
/// </summary>
public sealed record FiguresRow(int? Rank, UnitRef Unit, string Kind, ResponseFigures Response, ResolutionFigures Resolution,
    SatisfactionFigures Satisfaction, OnTimeFigures OnTime, OverdueFigures Overdue, int Returns, int ImproperReturns, int Reopenings,
    double Penalty, double? Score, int Matters = 0, bool TooFewToRank = false);

/// <summary>How the score was made, so that a reader can recompute it; <paramref name="MinimumMatters"/>: the matters a unit needs to be ranked.</summary>
public sealed record FiguresScoring(FigureWeights Weights, double BasicallySatisfied, IReadOnlyList<string> ExcludedCategories, FigurePenalties Penalties,
    int MinimumMatters = 0);

/// <summary>
/// The figures of a period; <paramref name="Kind"/> and <paramref name="Channel"/> are the filters applied (null: all matters);
/// <paramref name="AsOf"/>: when the counters read were last brought up to date (Features/Tally), null when counted
/// live from the records. Added fields come last, so that the contract only grows.
/// </summary>
public sealed record FiguresView(string Period, DateOnly From, DateOnly To, string? Rank, DateTimeOffset GeneratedAt, FiguresScoring Scoring,
    IReadOnlyList<FiguresRow> Rows, string? Kind = null, string? Channel = null, DateTimeOffset? AsOf = null);

/// <summary>
/// The figures per unit and period (Features/Figures/README.md defines each one), computed from the
/// records: assignments, matters, returns and reopen events of the matters the actor sees
/// (<see cref="MatterScope.Visible"/>); rankings of counties, towns or departments for
/// coordinators in their territory, and a handler's own unit. A kind or a channel narrows every
/// figure to those matters: a source's items are tasks whose channel is the source's type, so
/// <c>channel=instruction</c> gives 批示件办结率 and <c>channel=meeting</c> 会议议定事项按期完成率.
/// </summary>
public sealed class UnitFigures(DubanDb db, MatterScope scope, UnitDirectory directory, TimeProvider time, IOptions<FiguresOptions> options,
    MatterKinds kinds, MatterChannels channels, TallyReads counters)
{
    public static readonly string[] Ranks = ["county", "town", "department"];

    private FiguresOptions Options => options.Value;

    public async Task<Result<FiguresView>> RankAsync(string? period, string? rank, string? kind, string? channel, Actor actor, CancellationToken ct)
    {
        if (!IsCoordinator(actor))
            return Error.Forbidden("只有督办、受理人员和领导可以查看排名 / only supervisors, dispatchers, leaders and administrators see rankings");
        var now = time.Now();
        var parsed = FiguresPeriod.Parse(period, now);
        if (!parsed.IsSuccess) return parsed.Error!;
        rank = string.IsNullOrWhiteSpace(rank) ? null : rank.Trim().ToLowerInvariant();
        if (rank is not null && !Ranks.Contains(rank))
            return Error.Validation("rank is county, town or department / 排名范围应为 county（区县）、town（镇街）或 department（部门）");
        if (Filter(kind, channel, out var filter) is { } bad) return bad;
        if (!scope.IsCityWide(actor) && actor.TerritoryCode.Length == 0)
            return Error.Forbidden("没有辖区的账号不能查看排名 / an account with no territory sees no rankings");

        var p = parsed.Value!;
        var byCounty = rank == "county";
        var (tallies, asOf) = await TallyAsync(p, actor, byCounty, only: null, filter, now, ct);
        var units = await directory.AllAsync(ct);
        var prefix = scope.IsCityWide(actor) ? null : MatterScope.TerritoryPrefix(actor.TerritoryCode);
        var rows = new List<FiguresRow>();
        if (byCounty)
        {
            // Every county of the city (of the reader's territory) has its row, a county with nothing counted too:
            // it is listed as too few to rank, never left out (issue 18: 5 of 7 counties showed).
            foreach (var county in Counties(units.Values))
            {
                if (!tallies.ContainsKey(county)) tallies[county] = new Tally();
            }
        }
        foreach (var (key, tally) in tallies)
        {
            if (tally.IsEmpty && !byCounty) continue;
            UnitRef unit;
            string unitKind;
            if (byCounty)
            {
                if (prefix is not null && !key.StartsWith(prefix, StringComparison.Ordinal)) continue;
                var government = units.Values.Where(u => u.Kind == "government" && u.TerritoryCode == key).OrderBy(u => u.Code, StringComparer.Ordinal).FirstOrDefault();
                unit = new UnitRef(key, government?.Name ?? key);
                unitKind = "county";
            }
            else
            {
                if (!units.TryGetValue(key, out var u)) continue;
                if (prefix is not null && !u.TerritoryCode.StartsWith(prefix, StringComparison.Ordinal)) continue;
                if (rank == "town" && u.Kind is not ("town" or "street")) continue;
                if (rank == "department" && u.Kind != "department") continue;
                unit = new UnitRef(u.Code, u.Name);
                unitKind = u.Kind;
            }
            rows.Add(Row(unit, unitKind, tally));
        }
        return View(p, rank, filter, now, Ranked(rows), asOf);
    }

    /// <summary>One unit's figures: a coordinator's for a unit in their territory, a handler's for their own unit.</summary>
    public async Task<Result<FiguresView>> UnitAsync(string code, string? period, string? kind, string? channel, Actor actor, CancellationToken ct)
    {
        var unit = await directory.FindAsync(code, ct);
        if (unit is null) return Error.NotFound($"单位 {code} 不存在 / unit {code} not found");
        if (IsCoordinator(actor))
        {
            if (!scope.IsCityWide(actor) && (actor.TerritoryCode.Length == 0 || !unit.TerritoryCode.StartsWith(MatterScope.TerritoryPrefix(actor.TerritoryCode), StringComparison.Ordinal)))
                return Error.Forbidden("该单位不在您的辖区 / the unit is outside your territory");
        }
        else if (!(actor.Has(Roles.Handler) && actor.UnitCode == unit.Code))
        {
            return Error.Forbidden("只能查看本单位的统计 / you see only your own unit's figures");
        }
        var now = time.Now();
        var parsed = FiguresPeriod.Parse(period, now);
        if (!parsed.IsSuccess) return parsed.Error!;
        if (Filter(kind, channel, out var filter) is { } bad) return bad;
        var (tallies, asOf) = await TallyAsync(parsed.Value!, actor, byCounty: false, only: unit.Code, filter, now, ct);
        var row = Row(new UnitRef(unit.Code, unit.Name), unit.Kind, tallies.GetValueOrDefault(unit.Code) ?? new Tally());
        return View(parsed.Value!, null, filter, now, [row], asOf);
    }

    /// <summary>
    /// The counties of the home city: the territories of its county-level governments (kind <c>government</c>, a
    /// six-digit division code under the city's, not the city's own).
    /// </summary>
    private static IEnumerable<string> Counties(IEnumerable<UnitInfo> units)
    {
        var city = units.Where(u => u.Kind == "government" && u.TerritoryCode.Length == 6 && u.TerritoryCode.EndsWith("00", StringComparison.Ordinal))
            .Select(u => u.TerritoryCode).Order(StringComparer.Ordinal).FirstOrDefault();
        if (city is null) return [];
        var prefix = city[..4];
        return units.Where(u => u.Kind == "government" && u.TerritoryCode.Length == 6 && u.TerritoryCode != city
                && u.TerritoryCode.StartsWith(prefix, StringComparison.Ordinal))
            .Select(u => u.TerritoryCode).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
    }

    private static bool IsCoordinator(Actor actor) => actor.HasAny(Roles.Dispatcher, Roles.Supervisor, Roles.Leader, Roles.Admin);

    /// <summary>The matters counted: of one kind and/or by one channel, null for all.</summary>
    private sealed record Counted(string? Kind, string? Channel);

    /// <summary>Reads the filters as the matter lists do (the registries' own check, 400 naming the field).</summary>
    private Error? Filter(string? kind, string? channel, out Counted filter)
    {
        filter = new Counted(null, null);
        if (kinds.Filter(kind, out var k) is { } badKind) return badKind;
        if (channels.Filter(channel, out var c) is { } badChannel) return badChannel;
        filter = new Counted(k, c);
        return null;
    }

    private FiguresView View(FiguresPeriod p, string? rank, Counted filter, DateTimeOffset now, IReadOnlyList<FiguresRow> rows, DateTimeOffset? asOf) =>
        new(p.Name, p.First, p.Last, rank, now, new FiguresScoring(Options.Weights, Options.BasicallySatisfied, Options.ExcludedCategories, Options.Penalties, Options.MinimumMatters), rows,
            filter.Kind, filter.Channel, asOf);

    /// <summary>
    /// Ordered by score (none last), then fewer points taken off, then code: the same figures always
    /// give the same order. Every scored row with enough matters has its own rank (1, 2, 3, …, also on equal
    /// scores); the rows with too few matters follow, unranked, in the same order.
    /// </summary>
    private static List<FiguresRow> Ranked(List<FiguresRow> rows)
    {
        var ordered = rows.OrderBy(r => r.TooFewToRank).ThenBy(r => r.Score is null).ThenByDescending(r => r.Score).ThenBy(r => r.Penalty)
            .ThenBy(r => r.Unit.Code, StringComparer.Ordinal).ToList();
        var rank = 0;
        return [.. ordered.Select(r => r with { Rank = r.Score is null || r.TooFewToRank ? null : ++rank })];
    }

    private FiguresRow Row(UnitRef unit, string kind, Tally t)
    {
        var o = Options;
        // Exact fractions for the score; the rows show them rounded to four places.
        static double? Exact(double numerator, int denominator) => denominator == 0 ? null : numerator / denominator;
        static double? Shown(double? rate) => rate is { } r ? Math.Round(r, 4) : null;
        var scored = t.Satisfied + t.BasicallySatisfied + t.Dissatisfied;
        double?[] rates =
        [
            Exact(t.InTime, t.InTime + t.Late), Exact(t.Resolved, t.WithResolution),
            Exact(t.Satisfied + o.BasicallySatisfied * t.BasicallySatisfied, scored), Exact(t.OnTime, t.Closed),
        ];
        var response = new ResponseFigures(Shown(rates[0]), t.InTime, t.Late, t.InTime + t.Late, t.Pending);
        var resolution = new ResolutionFigures(Shown(rates[1]), t.Resolved, t.WithResolution);
        var satisfaction = new SatisfactionFigures(Shown(rates[2]), t.Satisfied, t.BasicallySatisfied, t.Dissatisfied, scored);
        var onTime = new OnTimeFigures(Shown(rates[3]), t.OnTime, t.Closed);
        var overdue = new OverdueFigures(t.OverdueOpen + t.ClosedLate, t.OverdueOpen, t.ClosedLate);

        // The composite over the rates the unit has: a unit without feedback is scored on the others,
        // their weights renormalised; no rate at all, no score.
        double[] weights = [o.Weights.Response, o.Weights.Resolution, o.Weights.Satisfaction, o.Weights.OnTime];
        var weight = rates.Select((r, i) => r is null ? 0 : weights[i]).Sum();
        var penalty = Math.Round(overdue.Count * o.Penalties.Overdue + t.Improper * o.Penalties.ImproperReturn, 2);
        // 0 to 100, as documented: the penalty takes points off down to 0, never below (issue 18: −1.0 on one matter).
        double? score = weight > 0
            ? Math.Round(Math.Clamp(100 * rates.Select((r, i) => (r ?? 0) * weights[i]).Sum() / weight - penalty, 0, 100), 2)
            : null;
        // The matters behind the figures: those given to it in the period, or those it closed or holds overdue in it.
        var matters = Math.Max(t.InTime + t.Late + t.Pending, t.Closed + t.OverdueOpen);
        return new FiguresRow(null, unit, kind, response, resolution, satisfaction, onTime, overdue, t.Returns, t.Improper, t.Reopenings, penalty, score,
            matters, matters < o.MinimumMatters);
    }

    private sealed class Tally
    {
        public int InTime, Late, Pending;
        public int Resolved, WithResolution;
        public int Satisfied, BasicallySatisfied, Dissatisfied;
        public int OnTime, Closed;
        public int OverdueOpen, ClosedLate;
        public int Returns, Improper;
        public int Reopenings;

        /// <summary>
        /// Nothing counted: the counters keep a row that went back to 0 (a pending signature signed elsewhere) where the
        /// records find none, and the records a group that adds to no measure (an unsigned share given up): a ranking
        /// leaves such a unit out either way.
        /// </summary>
        public bool IsEmpty => InTime == 0 && Late == 0 && Pending == 0 && Resolved == 0 && WithResolution == 0 && Satisfied == 0
            && BasicallySatisfied == 0 && Dissatisfied == 0 && OnTime == 0 && Closed == 0 && OverdueOpen == 0 && ClosedLate == 0
            && Returns == 0 && Improper == 0 && Reopenings == 0;

        /// <summary>Adds <paramref name="n"/> of a measure of the rollup (<see cref="RateMeasures"/>).</summary>
        public void Add(string measure, int n)
        {
            switch (measure)
            {
                case RateMeasures.SignedInTime: InTime += n; break;
                case RateMeasures.SignedLate: Late += n; break;
                case RateMeasures.Closed: Closed += n; break;
                case RateMeasures.OnTime: OnTime += n; break;
                case RateMeasures.WithResolution: WithResolution += n; break;
                case RateMeasures.Resolved: Resolved += n; break;
                case RateMeasures.Satisfied: Satisfied += n; break;
                case RateMeasures.BasicallySatisfied: BasicallySatisfied += n; break;
                case RateMeasures.Dissatisfied: Dissatisfied += n; break;
                case RateMeasures.ClosedLate: ClosedLate += n; break;
                case RateMeasures.Returns: Returns += n; break;
                case RateMeasures.Improper: Improper += n; break;
                case RateMeasures.Reopenings: Reopenings += n; break;
            }
        }
    }

    /// <summary>
    /// Counts per key (the lead unit, or the matter's county) over the matters the actor sees; with
    /// <paramref name="only"/>, for that one unit. A county's or the city's coordinators read the monthly
    /// rollup (Features/Tally: <see cref="TallyReads.Rates"/>) while it is fresh, and count live only what
    /// changes with time alone (unsigned assignments, open overdue matters) and the matters of other
    /// counties assigned to the county's units; everybody else, and everybody while the counters are
    /// missing or stale, counts from the records. Also answers when the counters were brought up to date
    /// (null: counted live).
    /// </summary>
    private async Task<(Dictionary<string, Tally> Tallies, DateTimeOffset? AsOf)> TallyAsync(FiguresPeriod p, Actor actor, bool byCounty, string? only,
        Counted filter, DateTimeOffset now, CancellationToken ct)
    {
        var tallies = new Dictionary<string, Tally>(StringComparer.Ordinal);
        Tally? For(string? unit, string? county)
        {
            var key = byCounty ? county : unit;
            if (key is null || (only is not null && unit != only)) return null;
            if (!tallies.TryGetValue(key, out var t)) tallies[key] = t = new Tally();
            return t;
        }
        var visible = Narrow(scope.Visible(db.Matters.AsNoTracking(), db, actor), filter);
        var tally = IsCoordinator(actor) ? await counters.ForAsync(actor, ct) : null;
        if (tally is null)
        {
            await CountAsync(p, visible, For, only, timedOnly: false, now, ct);
            return (tallies, null);
        }

        var rollup = counters.Rates(tally, p.First, p.Last, filter.Kind, filter.Channel);
        if (only is not null) rollup = rollup.Where(c => c.Unit == only);
        var sums = await rollup.GroupBy(c => new { c.Unit, c.County, c.Measure })
            .Select(g => new { g.Key.Unit, g.Key.County, g.Key.Measure, N = g.Sum(c => c.N) }).ToListAsync(ct);
        foreach (var r in sums)
        {
            if (For(r.Unit, r.County.Length == 0 ? null : r.County) is not { } t) continue;
            t.Add(r.Measure, checked((int)r.N));
        }
        // The counters' own matters (a county's: those of the county), for what changes with time alone.
        var own = tally.County is { } county ? Narrow(scope.OwnCounty(db.Matters.AsNoTracking(), actor, county), filter) : visible;
        await CountAsync(p, own, For, only, timedOnly: true, now, ct);
        foreach (var part in tally.Live) await CountAsync(p, Narrow(part, filter), For, only, timedOnly: false, now, ct);
        return (tallies, tally.CountedAt);
    }

    private static IQueryable<Matter> Narrow(IQueryable<Matter> matters, Counted filter)
    {
        // Every count reaches its matters through these (assignments and reopen events join them, returns
        // are those of their matters), so the filter narrows each of them inside its SQL.
        if (filter.Kind is { } kind) matters = matters.Where(m => m.Kind == kind);
        if (filter.Channel is { } channel) matters = matters.Where(m => m.Channel == channel);
        return matters;
    }

    /// <summary>
    /// Counts from the records of <paramref name="visible"/> into the tallies <paramref name="For"/> gives; with
    /// <paramref name="timedOnly"/>, only what changes with time alone: the unsigned lead assignments (pending,
    /// or late once their signing deadline has passed) and the open overdue matters. Each count is one grouped
    /// query; the rows are then small (keys × flags).
    /// </summary>
    private async Task CountAsync(FiguresPeriod p, IQueryable<Matter> visible, Func<string?, string?, Tally?> For, string? only, bool timedOnly,
        DateTimeOffset now, CancellationToken ct)
    {
        var (lo, hi) = (p.Start, p.End);

        // 响应率: the lead's share of each dispatch in the period. Signed by the deadline (no deadline
        // on older data: signed at all) is in time; signed after it, or unsigned past it, is late;
        // unsigned before it is not decided yet. A share given up unsigned (returned, re-dispatched)
        // is not counted here: the return is.
        var assignments = db.Assignments.AsNoTracking().Where(a => a.Role == "lead" && a.AssignedAt >= lo && a.AssignedAt < hi);
        if (only is not null) assignments = assignments.Where(a => a.UnitCode == only);
        if (timedOnly) assignments = assignments.Where(a => a.AcceptedAt == null && a.Active);
        var signing = await assignments.Join(visible, a => a.MatterId, m => m.Id, (a, m) => new
        {
            a.UnitCode,
            m.CountyCode,
            Signed = a.AcceptedAt != null,
            InTime = a.AcceptedAt != null && (a.SignDueAt == null || a.AcceptedAt <= a.SignDueAt),
            Lapsed = a.AcceptedAt == null && a.SignDueAt != null && a.SignDueAt < now,
            a.Active,
        }).GroupBy(x => new { x.UnitCode, x.CountyCode, x.Signed, x.InTime, x.Lapsed, x.Active })
            .Select(g => new { g.Key.UnitCode, g.Key.CountyCode, g.Key.Signed, g.Key.InTime, g.Key.Lapsed, g.Key.Active, Count = g.Count() })
            .ToListAsync(ct);
        foreach (var r in signing)
        {
            if (For(r.UnitCode, r.CountyCode) is not { } t) continue;
            if (r.InTime) t.InTime += r.Count;
            else if (r.Signed || (r.Lapsed && r.Active)) t.Late += r.Count;
            else if (r.Active) t.Pending += r.Count;
        }

        // 超期: the deadline fell in the period and has passed, and the unit had not finished by it:
        // still held and overdue as its light reads it (a paused clock, or work waiting for review,
        // read when it stopped), or closed with its work completed after it.
        var dueInPeriod = visible.Where(m => m.LeadUnitCode != null && m.DueAt >= lo && m.DueAt < hi && m.DueAt < now);
        if (only is not null) dueInPeriod = dueInPeriod.Where(m => m.LeadUnitCode == only);
        var overdueOpen = await dueInPeriod.Where(MatterClock.Overdue(now))
            .GroupBy(m => new { m.LeadUnitCode, m.CountyCode })
            .Select(g => new { g.Key.LeadUnitCode, g.Key.CountyCode, Count = g.Count() }).ToListAsync(ct);
        foreach (var r in overdueOpen)
        {
            if (For(r.LeadUnitCode, r.CountyCode) is { } t) t.OverdueOpen += r.Count;
        }
        if (timedOnly) return;
        var closedLate = await dueInPeriod
            .Where(m => m.Status == Status.Closed
                && (db.Events.Where(e => e.MatterId == m.Id && e.Action == Complete.Name).Max(e => (DateTimeOffset?)e.At) ?? m.ClosedAt) > m.DueAt)
            .GroupBy(m => new { m.LeadUnitCode, m.CountyCode })
            .Select(g => new { g.Key.LeadUnitCode, g.Key.CountyCode, Count = g.Count() }).ToListAsync(ct);
        foreach (var r in closedLate)
        {
            if (For(r.LeadUnitCode, r.CountyCode) is { } t) t.ClosedLate += r.Count;
        }

        // Closed in the period, by the lead unit that closed it: on time when the unit completed its
        // work (its last complete; the review's time is not the unit's) by the deadline in force
        // (DueAt: moved by approved extensions and pauses); the raiser's feedback, outside excluded categories.
        var closedQuery = visible.Where(m => m.Status == Status.Closed && m.ClosedAt >= lo && m.ClosedAt < hi && m.LeadUnitCode != null);
        if (only is not null) closedQuery = closedQuery.Where(m => m.LeadUnitCode == only);
        var closedRows = await closedQuery
            .Select(m => new
            {
                m.LeadUnitCode,
                m.CountyCode,
                m.Category,
                m.DueAt,
                m.ClosedAt,
                m.FeedbackResolved,
                m.FeedbackSatisfaction,
                Completed = db.Events.Where(e => e.MatterId == m.Id && e.Action == Complete.Name).Max(e => (DateTimeOffset?)e.At),
            })
            .ToListAsync(ct);
        var closed = closedRows
            .GroupBy(x => new { x.LeadUnitCode, x.CountyCode, x.Category, OnTime = x.DueAt == null || (x.Completed ?? x.ClosedAt) <= x.DueAt, x.FeedbackResolved, x.FeedbackSatisfaction })
            .Select(g => new { g.Key.LeadUnitCode, g.Key.CountyCode, g.Key.Category, g.Key.OnTime, g.Key.FeedbackResolved, g.Key.FeedbackSatisfaction, Count = g.Count() })
            .ToList();
        foreach (var r in closed)
        {
            if (For(r.LeadUnitCode, r.CountyCode) is not { } t) continue;
            foreach (var measure in RateMeasures.OfClosure(r.OnTime, Options.Excludes(r.Category), r.FeedbackResolved, r.FeedbackSatisfaction))
                t.Add(measure, r.Count);
        }

        // 退单 and improper returns (overruled: the matter went back to the unit), as the return figures count them.
        var returnsQuery = ReturnFigures.InPeriod(db, visible, lo, hi);
        if (only is not null) returnsQuery = returnsQuery.Where(r => r.UnitCode == only);
        var returns = await returnsQuery.Join(db.Matters, r => r.MatterId, m => m.Id, (r, m) => new { r.UnitCode, m.CountyCode, r.State })
            .GroupBy(x => new { x.UnitCode, x.CountyCode, x.State })
            .Select(g => new { g.Key.UnitCode, g.Key.CountyCode, g.Key.State, Count = g.Count() }).ToListAsync(ct);
        foreach (var r in returns)
        {
            if (For(r.UnitCode, r.CountyCode) is not { } t) continue;
            t.Returns += r.Count;
            if (r.State == DispatchReturn.Overruled) t.Improper += r.Count;
        }

        // 重新办理: reopen events in the period, on the unit that holds the matter (a reopening keeps it).
        var reopenings = await db.Events.AsNoTracking().Where(e => e.Action == Reopen.Name && e.At >= lo && e.At < hi)
            .Join(visible, e => e.MatterId, m => (long?)m.Id, (e, m) => new { m.LeadUnitCode, m.CountyCode })
            .Where(x => x.LeadUnitCode != null && (only == null || x.LeadUnitCode == only))
            .GroupBy(x => new { x.LeadUnitCode, x.CountyCode })
            .Select(g => new { g.Key.LeadUnitCode, g.Key.CountyCode, Count = g.Count() }).ToListAsync(ct);
        foreach (var r in reopenings)
        {
            if (For(r.LeadUnitCode, r.CountyCode) is { } t) t.Reopenings += r.Count;
        }
    }
}
