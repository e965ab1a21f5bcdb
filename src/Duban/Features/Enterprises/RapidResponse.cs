using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
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
public sealed record EnterpriseFiguresView(int Year, DemandFigures All, IReadOnlyList<DemandFigures> BySize, IReadOnlyList<DemandFigures> ByIndustry);

/// <summary>
/// The SME rapid-response queue (中小微企业诉求快速响应): the enterprise demands linked to firms that the reader sees, newest
/// first, read by ix_enterprise_demands_time; and its figures: response time (registration to the lead unit's signing, 签收),
/// responses within the signing limit, solved rate (closed), solved within the deadline, and satisfaction (满意 and 基本满意
/// among the rated) by size and by industry.
/// </summary>
public sealed class RapidResponse(DubanDb db, TimeProvider time, MatterScope scope, EnterpriseAccess access)
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
    /// Read from ix_enterprise_demands_time: the year's enterprise demands only, never the matters table whole.
    /// </summary>
    public async Task<Result<EnterpriseFiguresView>> FiguresAsync(int? year, Actor actor, CancellationToken ct)
    {
        if (!access.SeesAll(actor)) return Error.Forbidden("企业诉求统计由营商部门和市级督办人员查看 / the figures are for the business office and the city's coordinators");
        var y = year ?? Clock.ChinaDate(time.Now()).Year;
        if (y is < 2000 or > 2100) return Error.Validation("year must be between 2000 and 2100");
        // In UTC: PostgreSQL takes a timestamptz parameter only with offset 0.
        var start = new DateTimeOffset(y, 1, 1, 0, 0, 0, Clock.ChinaOffset).ToUniversalTime();
        var end = start.AddYears(1);
        var rows = await (from d in db.Set<EnterpriseDemand>().AsNoTracking()
                          where d.RegisteredAt >= start && d.RegisteredAt < end
                          join m in db.Matters.AsNoTracking() on d.MatterId equals m.Id
                          select new { m.Id, d.Size, d.Industry, m.RegisteredAt, m.Status, m.ClosedAt, m.DueAt, m.FeedbackSatisfaction }).ToListAsync(ct);
        // The lead units' signings (签收), read by ix_assignments_matter for these demands only.
        var leads = new List<(long MatterId, DateTimeOffset? AcceptedAt, DateTimeOffset? SignDueAt)>();
        foreach (var chunk in rows.Select(r => r.Id).Chunk(500))
        {
            leads.AddRange((await db.Assignments.AsNoTracking().Where(a => chunk.Contains(a.MatterId) && a.Role == "lead")
                .Select(a => new { a.MatterId, a.AcceptedAt, a.SignDueAt }).ToListAsync(ct)).Select(a => (a.MatterId, a.AcceptedAt, a.SignDueAt)));
        }
        var byMatter = leads.ToLookup(a => a.MatterId);
        var facts = rows.Select(r => new Fact(r.Size, r.Industry, r.RegisteredAt, r.Status, r.ClosedAt, r.DueAt, r.FeedbackSatisfaction,
            byMatter[r.Id].Where(a => a.AcceptedAt is not null).Select(a => a.AcceptedAt).Min(),
            byMatter[r.Id].Where(a => a.SignDueAt is not null).Select(a => a.SignDueAt).Min())).ToList();
        return new EnterpriseFiguresView(y, Sum("all", facts),
            [.. EnterpriseVocabulary.Sizes.Select(s => Sum(s, facts.Where(f => f.Size == s)))],
            [.. EnterpriseVocabulary.Industries.Select(i => Sum(i, facts.Where(f => f.Industry == i))).Where(g => g.Count > 0)]);
    }

    /// <summary>What the figures read of one demand.</summary>
    public sealed record Fact(string Size, string Industry, DateTimeOffset RegisteredAt, string Status, DateTimeOffset? ClosedAt, DateTimeOffset? DueAt,
        string? Satisfaction, DateTimeOffset? SignedFor, DateTimeOffset? SignDue);

    /// <summary>The figures of a group of demands: pure, so that a test holds each count to its rule.</summary>
    public static DemandFigures Sum(string key, IEnumerable<Fact> group)
    {
        var list = group.ToList();
        var responded = list.Where(f => f.SignedFor is not null).ToList();
        var solved = list.Where(f => f.Status == Status.Closed).ToList();
        var rated = list.Where(f => f.Satisfaction is not null).ToList();
        var satisfied = rated.Count(f => f.Satisfaction is "satisfied" or "basically_satisfied");
        return new DemandFigures(key, list.Count, responded.Count,
            responded.Count == 0 ? null : Math.Round(responded.Average(f => (f.SignedFor!.Value - f.RegisteredAt).TotalHours), 1),
            responded.Count(f => f.SignDue is null || f.SignedFor <= f.SignDue),
            solved.Count, list.Count == 0 ? null : Math.Round(100.0 * solved.Count / list.Count, 1),
            solved.Count(f => f.DueAt is null || (f.ClosedAt is { } c && c <= f.DueAt)),
            rated.Count, satisfied, rated.Count == 0 ? null : Math.Round(100.0 * satisfied / rated.Count, 1));
    }
}
