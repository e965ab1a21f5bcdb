using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Tally;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Enterprises;

/// <summary>A row of the SME rapid-response queue: the demand, its firm and its clock.</summary>
public sealed record QueueItem(long Id, string Number, string Title, string Status, string StatusLabel, string CreditCode, string FirmName,
    string Size, string Industry, DateTimeOffset RegisteredAt, DateTimeOffset? DueAt, string? Policy, bool Overdue, long? VisitId);

public sealed record QueueList(IReadOnlyList<QueueItem> Items, int Total);

/// <summary>One group of the figures (a size, an industry, or all): demands, responses, solutions, satisfaction.</summary>
public sealed record DemandFigures(string Key, int Count, int Responded, double? ResponseHours, int RespondedInTime, int Solved, double? SolvedRate,
    int SolvedInTime, int Rated, int Satisfied, double? SatisfactionRate);

/// <summary>GET /api/v1/enterprises/figures: the year's figures of the enterprise demands, whole, by size and by industry.</summary>
/// <remarks><c>CountedAt</c>: the tally's pass the rollup was read at; null when counted live.</remarks>
public sealed record EnterpriseFiguresView(int Year, DemandFigures All, IReadOnlyList<DemandFigures> BySize, IReadOnlyList<DemandFigures> ByIndustry,
    DateTimeOffset? CountedAt);

/// <summary>
/// The SME rapid-response queue (中小微企业诉求快速响应): the enterprise demands linked to firms that the reader sees, newest
/// first, read by ix_enterprise_demands_time; and its figures: response time (registration to the lead unit's signing, 签收),
/// responses within the signing limit, solved rate (closed), solved within the deadline, and satisfaction (满意 and 基本满意
/// among the rated) by size and by industry.
/// </summary>
public sealed class RapidResponse(DubanDb db, TimeProvider time, MatterScope scope, EnterpriseAccess access, TallyReads tally)
{
    public async Task<Result<QueueList>> ListAsync(string? status, bool? open, int? page, int? pageSize, Actor actor, CancellationToken ct)
    {
        var p = page ?? 1;
        var size = pageSize ?? 50;
        if (p < 1) return Error.Validation("page must be at least 1");
        if (size is < 1 or > 100) return Error.Validation("pageSize must be between 1 and 100");
        var st = Text.OrNull(status);
        if (st is not null && !Status.All.Contains(st)) return Error.Validation($"status must be one of {string.Join(", ", Status.All)}");
        var visible = scope.Visible(db.Matters.AsNoTracking(), db, actor);
        var q = from d in db.Set<EnterpriseDemand>().AsNoTracking()
                join m in visible on d.MatterId equals m.Id
                join f in db.Set<Enterprise>().AsNoTracking() on d.CreditCode equals f.CreditCode
                select new { d, m, f };
        if (st is not null) q = q.Where(x => x.m.Status == st);
        if (open == true)
        {
            var finished = Status.Finished;
            q = q.Where(x => !finished.Contains(x.m.Status));
        }
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(x => x.d.RegisteredAt).ThenByDescending(x => x.d.MatterId).Skip((p - 1) * size).Take(size)
            .Select(x => new { x.m.Id, x.m.Number, x.m.Title, x.m.Status, x.f.CreditCode, x.f.Name, x.d.Size, x.d.Industry, x.d.RegisteredAt, x.m.DueAt, x.m.TimePolicy, x.d.VisitId })
            .ToListAsync(ct);
        var now = time.Now();
        return new QueueList([.. rows.Select(r => new QueueItem(r.Id, r.Number, r.Title, r.Status, Status.Chinese(r.Status), r.CreditCode, r.Name, r.Size, r.Industry,
            r.RegisteredAt, r.DueAt, r.TimePolicy, r.DueAt is { } due && due < now && Status.Running.Contains(r.Status), r.VisitId))], total);
    }

    /// <summary>
    /// The year's figures (China time), for the office and the city's coordinators (403 to others; 400 naming <c>year</c>).
    /// From the monthly rollup the tally's pass keeps (<see cref="EnterpriseRollup"/>, <c>countedAt</c> the pass), twelve
    /// months by size and industry; counted live from the year's demands (ix_enterprise_demands_time) only while the tally's
    /// counters are missing or older than <c>Duban:Tally:FreshForSeconds</c> (the job is off or failing).
    /// </summary>
    public async Task<Result<EnterpriseFiguresView>> FiguresAsync(int? year, Actor actor, CancellationToken ct)
    {
        if (!access.SeesAll(actor)) return Error.Forbidden("企业诉求统计由营商部门和市级督办人员查看 / the figures are for the business office and the city's coordinators");
        var y = year ?? Clock.ChinaDate(time.Now()).Year;
        if (y is < 2000 or > 2100) return Error.Validation("year must be between 2000 and 2100");
        if (await tally.FreshAsync(ct) is { } at)
            return Figures(y, await EnterpriseRollup.YearAsync(db, y, ct), at);
        return await LiveAsync(y, ct);
    }

    /// <summary>The year's figures counted from its demands' rows (the recomputation the rollup must equal).</summary>
    public async Task<EnterpriseFiguresView> LiveAsync(int year, CancellationToken ct)
    {
        // In UTC: PostgreSQL takes a timestamptz parameter only with offset 0.
        var start = new DateTimeOffset(year, 1, 1, 0, 0, 0, Clock.ChinaOffset).ToUniversalTime();
        var end = start.AddYears(1);
        var facts = await EnterpriseRollup.FactsAsync(db, db.Set<EnterpriseDemand>().AsNoTracking().Where(d => d.RegisteredAt >= start && d.RegisteredAt < end), ct);
        var counts = new Dictionary<(string Size, string Industry), Dictionary<string, long>>();
        foreach (var f in facts.Values) Add(counts, f);
        return Figures(year, counts, null);
    }

    private static void Add(Dictionary<(string Size, string Industry), Dictionary<string, long>> counts, Fact f)
    {
        if (!counts.TryGetValue((f.Size, f.Industry), out var m)) counts[(f.Size, f.Industry)] = m = new(StringComparer.Ordinal);
        foreach (var (measure, n) in EnterpriseRollup.Contribution(f)) m[measure] = m.GetValueOrDefault(measure) + n;
    }

    private static EnterpriseFiguresView Figures(int year, Dictionary<(string Size, string Industry), Dictionary<string, long>> counts, DateTimeOffset? countedAt)
    {
        DemandFigures Group(string key, Func<(string Size, string Industry), bool> which) =>
            FromCounts(key, counts.Where(c => which(c.Key)).SelectMany(c => c.Value)
                .GroupBy(c => c.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(c => c.Value), StringComparer.Ordinal));
        return new EnterpriseFiguresView(year, Group("all", _ => true),
            [.. EnterpriseVocabulary.Sizes.Select(s => Group(s, k => k.Size == s))],
            [.. EnterpriseVocabulary.Industries.Select(i => Group(i, k => k.Industry == i)).Where(g => g.Count > 0)], countedAt);
    }

    /// <summary>What the figures read of one demand.</summary>
    public sealed record Fact(string Size, string Industry, DateTimeOffset RegisteredAt, string Status, DateTimeOffset? ClosedAt, DateTimeOffset? DueAt,
        string? Satisfaction, DateTimeOffset? SignedFor, DateTimeOffset? SignDue);

    /// <summary>The figures of a group of demands: pure, so that a test holds each count to its rule (<see cref="EnterpriseRollup.Contribution"/>).</summary>
    public static DemandFigures Sum(string key, IEnumerable<Fact> group)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (measure, n) in group.SelectMany(EnterpriseRollup.Contribution)) counts[measure] = counts.GetValueOrDefault(measure) + n;
        return FromCounts(key, counts);
    }

    /// <summary>A group's figures from its counters (the rollup's measures summed): the rates and the mean response time.</summary>
    public static DemandFigures FromCounts(string key, IReadOnlyDictionary<string, long> c)
    {
        int N(string measure) => (int)c.GetValueOrDefault(measure);
        var (count, responded, solved, rated, satisfied) = (N("count"), N("responded"), N("solved"), N("rated"), N("satisfied"));
        return new DemandFigures(key, count, responded,
            responded == 0 ? null : Math.Round(c.GetValueOrDefault("response_ms") / 3_600_000.0 / responded, 1),
            N("responded_in_time"), solved, count == 0 ? null : Math.Round(100.0 * solved / count, 1), N("solved_in_time"),
            rated, satisfied, rated == 0 ? null : Math.Round(100.0 * satisfied / rated, 1));
    }
}
