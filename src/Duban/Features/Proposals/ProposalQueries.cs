using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Proposals.Actions;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Proposals;

public sealed record ProposerView(long Id, string Name, bool Lead);

public sealed record ReplyView(string Category, string Text, string? SignedBy, DateTimeOffset At, bool? FirstReplyOnTime, ReplyDocumentView? Document = null);

public sealed record EvaluationView(string Rating, string? Comment, DateTimeOffset At);

public sealed record ProposalView(long Id, string Number, string MatterNumber, string Body, int Year, string Kind, string Title, string Content,
    string Status, string StatusLabel, int Version, IReadOnlyList<ProposerView> Proposers, UnitRef? HostUnit, IReadOnlyList<UnitRef> CoHostUnits,
    DateTimeOffset SubmittedAt, DateTimeOffset? AcceptedAt, DateTimeOffset? DueAt, bool Overdue, string? Reason, string? Objection, long? MergedIntoId,
    ReplyView? Reply, IReadOnlyList<CoHostOpinionView> Opinions, EvaluationView? Evaluation, int RehandlingCount, IReadOnlyList<string> AvailableActions);

public sealed record ProposalRow(long Id, string Number, string Body, int Year, string Title, string Status, string StatusLabel, string? HostUnitCode,
    string? ReplyCategory, string? Rating, DateTimeOffset SubmittedAt, DateTimeOffset? DueAt, int Version);

public sealed record ProposalList(IReadOnlyList<ProposalRow> Items, int Total);

/// <summary>A published proposal as the public reads it: what the office published, nothing of its proposers.</summary>
public sealed record PublishedProposal(long Id, string Number, string Body, int Year, string Title, string Content, string? HostUnit, string? ReplyCategory,
    string? ReplyText, DateTimeOffset? RepliedAt, DateTimeOffset PublishedAt);

public sealed record PublishedList(IReadOnlyList<PublishedProposal> Items, int Total);

/// <summary>The replies by category, named A, B and C as the contract has them.</summary>
public sealed record CategoryCounts(
    [property: System.Text.Json.Serialization.JsonPropertyName("A")] int A,
    [property: System.Text.Json.Serialization.JsonPropertyName("B")] int B,
    [property: System.Text.Json.Serialization.JsonPropertyName("C")] int C);

public sealed record HostFigures(string UnitCode, string Name, int Assigned, int Replied, int RepliedOnTime);

public sealed record ProposalFigures(string Body, int Year, int Submitted, int Accepted, int NotAccepted, int Merged, CategoryCounts ByCategory,
    int Replied, int RepliedOnTime, double? RepliedOnTimeRate, int Evaluated, IReadOnlyDictionary<string, int> Ratings, double? Satisfaction,
    IReadOnlyList<HostFigures> ByHostUnit);

public static class ProposalViews
{
    public static string StatusLabel(string status) =>
        System.Globalization.CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.Ordinal) ? ProposalStatus.English(status) : ProposalStatus.Chinese(status);

    /// <summary>The contract's short names of the registered actions (POST /api/v1/proposals/{id}/{short}).</summary>
    public static readonly IReadOnlyDictionary<string, string> ShortNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [AcceptProposal.Name] = "accept",
        [NotAcceptProposal.Name] = "not-accept",
        [MergeProposal.Name] = "merge",
        [ReplyProposal.Name] = "reply",
        [EvaluateProposal.Name] = "evaluate",
        [ObjectProposal.Name] = "object",
        [ReviewObjection.Name] = "objection",
        [CoHostOpinion.Name] = "opinion",
        [PublishProposal.Name] = "publish",
    };
}

/// <summary>Reads of proposals: one proposal, the lists (the office's, a member's own, a unit's hosted), and the figures from the records.</summary>
public sealed class ProposalQueries(DubanDb db, ProposalAccess access, MatterFacets facets, UnitDirectory units, MatterScope scope, MatterClock clock,
    MatterActions actions, IServiceProvider services, TimeProvider time)
{
    public async Task<Result<ProposalView>> GetAsync(long id, Actor actor, CancellationToken ct)
    {
        var m = await db.Matters.AsNoTracking().Include(x => x.Assignments).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (m is null || Bodies.BodyOf(m.Kind) is null) return Error.NotFound(ProposalAccess.NotFoundText);
        await facets.LoadAsync(db, [m], tracked: false, ct);
        var state = ProposalFacet.Of(m);
        if (state.Row is not { } p || !access.MaySee(actor, m, state)) return Error.NotFound(ProposalAccess.NotFoundText);
        var names = await db.Set<Member>().AsNoTracking().Where(x => state.Proposers.Contains(x.Id)).ToDictionaryAsync(x => x.Id, x => x.Name, ct);
        var all = await units.AllAsync(ct);
        UnitRef? Unit(string? code) => code is null ? null : new UnitRef(code, all.TryGetValue(code, out var u) ? u.ShortName ?? u.Name : code);
        var now = time.Now();
        var context = new ActionContext(scope, actor, m, now, null, clock);
        var available = actions.Allowed(services, context).Where(ProposalViews.ShortNames.ContainsKey).Select(a => ProposalViews.ShortNames[a]).ToList();
        return new ProposalView(m.Id, p.Number, m.Number, p.Body, p.Year, m.Kind, m.Title, m.Content, p.Status, ProposalViews.StatusLabel(p.Status), m.Version,
            [.. state.Proposers.Select((x, i) => new ProposerView(x, names.GetValueOrDefault(x) ?? "", i == 0))],
            Unit(p.HostUnitCode), [.. m.Assignments.Where(a => a.Active && a.Role == "co").Select(a => Unit(a.UnitCode)!)],
            m.ReceivedAt, p.AcceptedAt, m.DueAt, MatterClock.IsOverdue(m.Status, m.DueAt, m.PausedAt, now),
            p.Status is ProposalStatus.NotAccepted or ProposalStatus.Merged ? m.StatusReason : null, p.Objection, m.MergedIntoId,
            p.ReplyCategory is { } c
                ? new ReplyView(c, p.ReplyText ?? "", p.ReplySignedBy, p.RepliedAt!.Value, p.FirstReplyOnTime, await ReplyDocuments.ViewAsync(db, m.Id, p.ReplyDocumentSha256, ct))
                : null,
            CoHostOpinion.Read(p.Opinions),
            p.Rating is { } r ? new EvaluationView(r, p.Comment, p.EvaluatedAt!.Value) : null, p.RehandlingCount, available);
    }

    /// <summary>
    /// The proposals the caller works on: the office's body's (all of them), a member's own (as a proposer), a unit's
    /// hosted or co-hosted ones; the city's coordinators see all. <paramref name="mine"/>: a member's own only.
    /// </summary>
    public async Task<Result<ProposalList>> ListAsync(string? body, int? year, string? status, bool? awaitingEvaluation, int? page, int? pageSize, Actor actor, CancellationToken ct,
        int maxPageSize = 200)
    {
        var b = Text.OrNull(body);
        if (b is not null && !Bodies.IsBody(b)) return Error.Validation("body must be npc or cppcc");
        var s = Text.OrNull(status);
        if (s is not null && ProposalStatus.Chinese(s) == s) return Error.Validation("status must be one of submitted, not_accepted, merged, assigned, replied, rehandling, closed");
        if (page is not null and not (>= 1 and <= MatterQueries.MaxPage)) return Error.Validation($"page is 1 to {MatterQueries.MaxPage}");
        var size = Math.Clamp(pageSize ?? 20, 1, maxPageSize);
        var number = Math.Max(1, page ?? 1);
        var q = from p in db.Set<Proposal>()
                join m in db.Matters on p.MatterId equals m.Id
                select new { p, m };
        var member = await ProposalAccess.MemberOfAsync(db, actor, ct);
        if (member is not null)
        {
            var ids = db.Set<ProposalProposer>().Where(x => x.MemberId == member.Id).Select(x => x.MatterId);
            q = q.Where(x => ids.Contains(x.p.MatterId));
            // Awaiting the member's evaluation: replied, and the member leads it.
            if (awaitingEvaluation == true)
            {
                var leads = db.Set<ProposalProposer>().Where(x => x.MemberId == member.Id && x.Seq == 0).Select(x => x.MatterId);
                q = q.Where(x => leads.Contains(x.p.MatterId) && x.p.Status == ProposalStatus.Replied);
            }
        }
        else if (access.OfficeBody(actor) is { } office) q = q.Where(x => x.p.Body == office);
        else if (!access.Oversees(actor))
        {
            if (!actor.HasAny(Roles.Handler, Roles.Leader)) return new ProposalList([], 0);
            var unit = actor.UnitCode;
            q = q.Where(x => x.m.Assignments.Any(a => a.Active && a.UnitCode == unit));
        }
        if (b is not null) q = q.Where(x => x.p.Body == b);
        if (year is { } y) q = q.Where(x => x.p.Year == y);
        if (s is not null) q = q.Where(x => x.p.Status == s);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(x => x.p.Year).ThenByDescending(x => x.p.Seq).Skip((number - 1) * size).Take(size)
            .Select(x => new { x.p.MatterId, x.p.Number, x.p.Body, x.p.Year, x.m.Title, x.p.Status, x.p.HostUnitCode, x.p.ReplyCategory, x.p.Rating, x.m.ReceivedAt, x.m.DueAt, x.m.Version })
            .ToListAsync(ct);
        return new ProposalList([.. rows.Select(r => new ProposalRow(r.MatterId, r.Number, r.Body, r.Year, r.Title, r.Status, ProposalViews.StatusLabel(r.Status),
            r.HostUnitCode, r.ReplyCategory, r.Rating, r.ReceivedAt, r.DueAt, r.Version))], total);
    }

    /// <summary>
    /// The published proposals (anyone, signed in or not), newest first, 50 a page: number, title, content, the host unit's
    /// name, and the latest reply. Nothing of the proposers, the evaluation or the co-hosts' opinions; nothing unpublished.
    /// </summary>
    public async Task<Result<PublishedList>> PublishedAsync(string? body, int? year, int? page, CancellationToken ct)
    {
        var b = Text.OrNull(body);
        if (b is not null && !Bodies.IsBody(b)) return Error.Validation("body must be npc or cppcc");
        if (year is not null and not (>= 2000 and <= 2100)) return Error.Validation("year must be a year, e.g. 2025");
        if (page is not null and not (>= 1 and <= MatterQueries.MaxPage)) return Error.Validation($"page is 1 to {MatterQueries.MaxPage}");
        var q = from p in db.Set<Proposal>()
                join m in db.Matters on p.MatterId equals m.Id
                where p.PublishedAt != null
                select new { p, m.Title, m.Content };
        if (b is not null) q = q.Where(x => x.p.Body == b);
        if (year is { } y) q = q.Where(x => x.p.Year == y);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(x => x.p.PublishedAt).ThenByDescending(x => x.p.MatterId).Skip((Math.Max(1, page ?? 1) - 1) * 50).Take(50).ToListAsync(ct);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var code in rows.Select(r => r.p.HostUnitCode).OfType<string>().Distinct())
            names[code] = (await units.FindAsync(code, ct))?.Name ?? code;
        return new PublishedList([.. rows.Select(r => new PublishedProposal(r.p.MatterId, r.p.Number, r.p.Body, r.p.Year, r.Title, r.Content,
            r.p.HostUnitCode is { } h ? names[h] : null, r.p.ReplyCategory, r.p.ReplyText, r.p.RepliedAt, r.p.PublishedAt!.Value))], total);
    }

    /// <summary>
    /// The year's figures of a body, counted from the proposals' records: submitted, accepted (立案), not accepted,
    /// merged; the replies by category (the latest reply of each), the first replies on time; the evaluations and
    /// satisfaction (satisfied or basically satisfied, of the evaluated); per host unit. Proposals are a few hundred a
    /// year: they are counted from their rows.
    /// </summary>
    public async Task<Result<ProposalFigures>> FiguresAsync(string? body, int? year, Actor actor, CancellationToken ct)
    {
        var b = Text.OrNull(body);
        if (!Bodies.IsBody(b)) return Error.Validation("body must be npc or cppcc / 请选择人大或政协");
        if (year is not (>= 2000 and <= 2100)) return Error.Validation("year is required, e.g. 2025 / 请填写年度");
        if (!access.IsOffice(actor, b!) && !access.Oversees(actor)) return Error.Forbidden("建议提案统计由提案工作机构和市级督办人员查看 / the figures are the office's and the city's coordinators'");
        var rows = await db.Set<Proposal>().AsNoTracking().Where(p => p.Body == b && p.Year == year)
            .Select(p => new { p.Status, p.AcceptedAt, p.HostUnitCode, p.ReplyCategory, p.RepliedAt, p.FirstReplyOnTime, p.Rating }).ToListAsync(ct);
        var all = await units.AllAsync(ct);
        var replied = rows.Where(r => r.RepliedAt is not null).ToList();
        var onTime = replied.Count(r => r.FirstReplyOnTime == true);
        var rated = rows.Where(r => r.Rating is not null).ToList();
        var ratings = Vocabulary.Satisfactions.ToDictionary(x => x, x => rated.Count(r => r.Rating == x), StringComparer.Ordinal);
        var hosts = rows.Where(r => r.AcceptedAt is not null && r.HostUnitCode is not null).GroupBy(r => r.HostUnitCode!)
            .Select(g => new HostFigures(g.Key, all.TryGetValue(g.Key, out var u) ? u.ShortName ?? u.Name : g.Key, g.Count(),
                g.Count(r => r.RepliedAt is not null), g.Count(r => r.FirstReplyOnTime == true)))
            .OrderByDescending(h => h.Assigned).ThenBy(h => h.UnitCode, StringComparer.Ordinal).ToList();
        return new ProposalFigures(b!, year.Value, rows.Count, rows.Count(r => r.AcceptedAt is not null), rows.Count(r => r.Status == ProposalStatus.NotAccepted),
            rows.Count(r => r.Status == ProposalStatus.Merged),
            new CategoryCounts(replied.Count(r => r.ReplyCategory == "A"), replied.Count(r => r.ReplyCategory == "B"), replied.Count(r => r.ReplyCategory == "C")),
            replied.Count, onTime, replied.Count == 0 ? null : Math.Round(100.0 * onTime / replied.Count, 1),
            rated.Count, ratings, rated.Count == 0 ? null : Math.Round(100.0 * rated.Count(r => r.Rating != "dissatisfied") / rated.Count, 1), hosts);
    }
}
