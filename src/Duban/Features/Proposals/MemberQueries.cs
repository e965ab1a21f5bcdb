using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Proposals;

public sealed record MemberView(long Id, string Body, string Name, string? Delegation, string? Sector, string Term, string? Username, bool Active);

public sealed record MemberList(IReadOnlyList<MemberView> Items, int Total);

public sealed record DutyPoints(string Key, string Name, int Count, double Points, double? Max);

public sealed record MemberDuties(long MemberId, string Name, string Body, int Year, double Score, string Grade, string GradeLabel, IReadOnlyList<DutyPoints> Duties);

public sealed record RankedMember(int Rank, long Id, string Name, string? Group, double Score, string Grade, string GradeLabel);

public sealed record DutyRanking(string Body, int Year, int Members, IReadOnlyDictionary<string, int> Grades, double? ExcellentShare, IReadOnlyList<RankedMember> Items);

/// <summary>
/// The registers and the members' duty evaluation (委员履职量化考评), computed from the records: the proposals a member
/// led, co-signed and saw accepted in the year, their social-opinion items submitted and adopted, the consultation
/// topics and events they took part in, and the activities the office recorded, each duty's points capped at its
/// maximum; the grade by the configured thresholds. Nothing here is typed in.
/// </summary>
public sealed class MemberQueries(DubanDb db, ProposalAccess access)
{
    /// <summary>Every signed-in account reads the registers (the names of deputies and members are public); members pick co-signers from them.</summary>
    public async Task<Result<MemberList>> ListAsync(string? body, string? q, int? page, int? pageSize, CancellationToken ct)
    {
        var b = Text.OrNull(body);
        if (b is not null && !Bodies.IsBody(b)) return Error.Validation("body must be npc or cppcc");
        if (page is not null and not (>= 1 and <= MatterQueries.MaxPage)) return Error.Validation($"page is 1 to {MatterQueries.MaxPage}");
        var size = Math.Clamp(pageSize ?? 500, 1, 1000);
        var number = Math.Max(1, page ?? 1);
        var members = db.Set<Member>().AsNoTracking().Where(m => m.Active);
        if (b is not null) members = members.Where(m => m.Body == b);
        if (Text.OrNull(q) is { } text) members = members.Where(m => m.Name.Contains(text));
        var total = await members.CountAsync(ct);
        var rows = await (from m in members
                          join u in db.Users on m.UserId equals u.Id into users
                          from u in users.DefaultIfEmpty()
                          orderby m.Body, m.Id
                          select new MemberView(m.Id, m.Body, m.Name, m.Delegation, m.Sector, m.Term, u == null ? null : u.Username, m.Active))
            .Skip((number - 1) * size).Take(size).ToListAsync(ct);
        return new MemberList(rows, total);
    }

    /// <summary>One member's duties: the member themself, the body's office and the city's coordinators; anyone else 404.</summary>
    public async Task<Result<MemberDuties>> DutiesAsync(long id, int? year, Actor actor, CancellationToken ct)
    {
        if (year is not (>= 2000 and <= 2100)) return Error.Validation("year is required, e.g. 2025 / 请填写年度");
        var member = await db.Set<Member>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        if (member is null || !(access.IsOffice(actor, member.Body) || access.Oversees(actor) || (actor.Id is { } uid && member.UserId == uid)))
            return Error.NotFound("代表委员不存在 / member not found");
        var scored = await ScoreAsync(member.Body, year.Value, [member.Id], ct);
        var s = scored[member.Id];
        return new MemberDuties(member.Id, member.Name, member.Body, year.Value, s.Score, s.Grade.Key, Label(s.Grade), s.Duties);
    }

    /// <summary>The year's ranking of a body's members, with the share of each grade (the office and the city's coordinators).</summary>
    public async Task<Result<DutyRanking>> RankingAsync(string? body, int? year, Actor actor, CancellationToken ct)
    {
        var b = Text.OrNull(body);
        if (!Bodies.IsBody(b)) return Error.Validation("body must be npc or cppcc");
        if (year is not (>= 2000 and <= 2100)) return Error.Validation("year is required, e.g. 2025 / 请填写年度");
        if (!access.IsOffice(actor, b!) && !access.Oversees(actor)) return Error.Forbidden("履职考评由工作机构和市级督办人员查看 / the ranking is the office's and the city's coordinators'");
        var members = await db.Set<Member>().AsNoTracking().Where(m => m.Body == b && m.Active).ToListAsync(ct);
        var scored = await ScoreAsync(b!, year.Value, [.. members.Select(m => m.Id)], ct);
        var ranked = members.Select(m => (Member: m, Score: scored[m.Id])).OrderByDescending(x => x.Score.Score).ThenBy(x => x.Member.Id).ToList();
        var grades = access.Options.GradeList.ToDictionary(g => g.Key, g => ranked.Count(r => r.Score.Grade.Key == g.Key), StringComparer.Ordinal);
        var top = access.Options.GradeList[0].Key;
        return new DutyRanking(b!, year.Value, ranked.Count, grades, ranked.Count == 0 ? null : Math.Round(100.0 * grades[top] / ranked.Count, 1),
            [.. ranked.Select((r, i) => new RankedMember(i + 1, r.Member.Id, r.Member.Name, r.Member.Delegation ?? r.Member.Sector, r.Score.Score, r.Score.Grade.Key, Label(r.Score.Grade)))]);
    }

    internal static string Label(GradeDefinition g) =>
        System.Globalization.CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.Ordinal) ? g.NameEn ?? g.Name : g.Name;

    internal sealed record Scored(double Score, GradeDefinition Grade, IReadOnlyList<DutyPoints> Duties);

    /// <summary>The members' counts by source for the year (one query for the proposals, one for the activities), turned into points.</summary>
    internal async Task<Dictionary<long, Scored>> ScoreAsync(string body, int year, IReadOnlyList<long> memberIds, CancellationToken ct)
    {
        var ids = memberIds.ToList();
        var proposals = await (from pp in db.Set<ProposalProposer>()
                               join p in db.Set<Proposal>() on pp.MatterId equals p.MatterId
                               where ids.Contains(pp.MemberId) && p.Body == body && p.Year == year
                               select new { pp.MemberId, pp.Seq, Accepted = p.AcceptedAt != null }).ToListAsync(ct);
        var activities = await db.Set<MemberActivity>().AsNoTracking().Where(a => ids.Contains(a.MemberId) && a.Year == year)
            .GroupBy(a => new { a.MemberId, a.Kind }).Select(g => new { g.Key.MemberId, g.Key.Kind, Count = g.Count() }).ToListAsync(ct);
        var items = await db.Set<Opinions.OpinionItem>().AsNoTracking().Where(i => ids.Contains(i.MemberId) && i.Body == body && i.Year == year)
            .GroupBy(i => new { i.MemberId, i.Status }).Select(g => new { g.Key.MemberId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        var consultations = await (from p in db.Set<Opinions.ConsultationParticipant>()
                                   join c in db.Set<Opinions.Consultation>() on p.ConsultationId equals c.Id
                                   where ids.Contains(p.MemberId) && c.Body == body && c.Year == year
                                   group p by new { p.MemberId, c.Kind } into g
                                   select new { g.Key.MemberId, g.Key.Kind, Count = g.Count() }).ToListAsync(ct);
        var duties = access.Options.DutyList;
        var grades = access.Options.GradeList;
        var en = System.Globalization.CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.Ordinal);
        var result = new Dictionary<long, Scored>();
        foreach (var id in ids)
        {
            var mine = proposals.Where(p => p.MemberId == id).ToList();
            var list = new List<DutyPoints>();
            foreach (var d in duties)
            {
                var count = d.Source switch
                {
                    "proposals:lead" => mine.Count(p => p.Seq == 0),
                    "proposals:accepted" => mine.Count(p => p.Seq == 0 && p.Accepted),
                    "proposals:cosigned" => mine.Count(p => p.Seq > 0),
                    "opinions:submitted" => items.Where(i => i.MemberId == id).Sum(i => i.Count),
                    "opinions:adopted" => items.Where(i => i.MemberId == id && i.Status is Opinions.OpinionStatus.Adopted or Opinions.OpinionStatus.Forwarded).Sum(i => i.Count),
                    var s when s.StartsWith("consultations:", StringComparison.Ordinal) =>
                        consultations.Where(c => c.MemberId == id && c.Kind == s["consultations:".Length..]).Sum(c => c.Count),
                    var s when s.StartsWith("activity:", StringComparison.Ordinal) =>
                        activities.Where(a => a.MemberId == id && a.Kind == s["activity:".Length..]).Sum(a => a.Count),
                    _ => 0,
                };
                var points = count * d.Points;
                if (d.Max is { } max && points > max) points = max;
                list.Add(new DutyPoints(d.Key, en ? d.NameEn ?? d.Name : d.Name, count, points, d.Max));
            }
            var score = Math.Round(list.Sum(x => x.Points), 2);
            var grade = grades.FirstOrDefault(g => score >= g.MinScore) ?? grades[^1];
            result[id] = new Scored(score, grade, list);
        }
        return result;
    }
}
