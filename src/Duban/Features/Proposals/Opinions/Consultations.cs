using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Proposals.Opinions;

/// <summary>
/// A consultation activity (协商活动) of a body: a research-consultation topic (<c>topic</c>, 重点调研协商课题, which ends
/// in a report) or a consultation event (<c>event</c>, 协商活动: 委员议事厅, 专题协商会…), with the members who take part.
/// </summary>
public sealed class Consultation
{
    public long Id { get; set; }
    public required string Body { get; set; }
    public int Year { get; set; }
    public required string Kind { get; set; }
    public required string Title { get; set; }
    /// <summary>yyyy-MM-dd: the event's day, the topic's start.</summary>
    public required string Day { get; set; }
    /// <summary>The topic's report (调研报告), once written.</summary>
    public string? Report { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class ConsultationParticipant
{
    public long ConsultationId { get; set; }
    public long MemberId { get; set; }
}

internal sealed class ConsultationConfiguration : IEntityTypeConfiguration<Consultation>
{
    public void Configure(EntityTypeBuilder<Consultation> e) => e.ToTable("consultations");
}

internal sealed class ConsultationParticipantConfiguration : IEntityTypeConfiguration<ConsultationParticipant>
{
    public void Configure(EntityTypeBuilder<ConsultationParticipant> e)
    {
        e.ToTable("consultation_participants");
        e.HasKey(x => new { x.ConsultationId, x.MemberId });
        e.HasOne<Consultation>().WithMany().HasForeignKey(x => x.ConsultationId);
        e.HasOne<Member>().WithMany().HasForeignKey(x => x.MemberId);
    }
}

/// <summary>POST /api/v1/consultations: <c>{"body","kind":"topic"|"event","title","day","memberIds":[…]}</c>.</summary>
public sealed record NewConsultationRequest(string? Body, string? Kind, string? Title, string? Day, long[]? MemberIds);

/// <summary>POST /api/v1/consultations/{id}/report: a topic's report.</summary>
public sealed record ConsultationReportRequest(string? Report);

/// <summary>POST /api/v1/consultations/{id}/participants: members who took part, added.</summary>
public sealed record ParticipantsRequest(long[]? MemberIds);

public sealed record ConsultationView(long Id, string Body, int Year, string Kind, string Title, string Day, string? Report, IReadOnlyList<long> MemberIds);

public sealed record ConsultationList(IReadOnlyList<ConsultationView> Items, int Total, int Topics, int Events, int Reports);

/// <summary>An activity as the console's page lists it: the participants by name.</summary>
public sealed record ConsultationRow(long Id, string Kind, string Title, string Day, string? Report, IReadOnlyList<string> Participants);

/// <summary>
/// A page of a body's activities of a year (the office's and the coordinators' all of them; a member's those they took part
/// in), newest first, with the year's counts as the reader may see them.
/// </summary>
public sealed record ConsultationPage(string Body, int Year, IReadOnlyList<ConsultationRow> Items, int Total, int Topics, int Events, int Reports,
    int Page, int PageSize, bool Office);

/// <summary>
/// The office records its body's consultation activities and who took part, each one audited change
/// (<c>consultation-add</c>, <c>consultation-report</c>, <c>consultation-participants</c>); the members' duties count them.
/// </summary>
public sealed class ConsultationChanges(DubanDb db, AuditLog audit, TimeProvider time, ProposalAccess access)
{
    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal) { "topic", "event" };

    public async Task<Result<ConsultationView>> AddAsync(NewConsultationRequest req, Actor actor, CancellationToken ct)
    {
        var made = await AddManyAsync([req], actor, ct);
        return made.IsSuccess ? made.Value![0] : made.Error!;
    }

    /// <summary>Several activities in one change, checked as one (the demo's year; a batch typed in after a session).</summary>
    public Task<Result<IReadOnlyList<ConsultationView>>> AddManyAsync(IReadOnlyList<NewConsultationRequest> requests, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<IReadOnlyList<ConsultationView>>(async () =>
        {
            var now = time.Now();
            var made = new List<(Consultation Row, long[] Members)>();
            foreach (var req in requests)
            {
                var body = Text.OrNull(req.Body);
                if (!Bodies.IsBody(body)) return Error.Validation("body must be npc or cppcc / 请选择人大或政协");
                if (!access.IsOffice(actor, body!)) return Error.Forbidden("协商活动由工作机构登记 / the office records consultation activities");
                if (Text.OrNull(req.Kind) is not { } kind || !Kinds.Contains(kind)) return Error.Validation("kind must be topic or event / 类型应为调研协商课题或协商活动");
                if (Actions.ProposalRules.Text(req.Title, "title", 200) is { } bad) return bad;
                if (!DateOnly.TryParseExact(Text.OrNull(req.Day), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) || day.Year is < 2000 or > 2100)
                    return Error.Validation("day must be a date, yyyy-MM-dd / 日期格式应为 yyyy-MM-dd");
                var members = await MembersError(body!, req.MemberIds, ct);
                if (!members.IsSuccess) return members.Error!;
                var row = new Consultation
                {
                    Body = body!,
                    Year = day.Year,
                    Kind = kind,
                    Title = req.Title!.Trim(),
                    Day = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    CreatedAt = now,
                };
                db.Set<Consultation>().Add(row);
                made.Add((row, members.Value!));
            }
            await db.SaveChangesAsync(ct);
            foreach (var (row, members) in made)
            {
                foreach (var m in members) db.Set<ConsultationParticipant>().Add(new ConsultationParticipant { ConsultationId = row.Id, MemberId = m });
            }
            await db.SaveChangesAsync(ct);
            var data = new JsonObject
            {
                ["consultations"] = new JsonArray([.. made.Select(x => JsonValue.Create(x.Row.Id))]),
                ["participants"] = made.Sum(x => x.Members.Length),
            };
            IReadOnlyList<ConsultationView> views = [.. made.Select(x => View(x.Row, x.Members))];
            return new ChangeMade<IReadOnlyList<ConsultationView>>(views, [new AuditEvent(actor, "consultation-add", data)], []);
        }, ct);

    public Task<Result<ConsultationView>> ReportAsync(long id, ConsultationReportRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<ConsultationView>(async () =>
        {
            var row = await db.Set<Consultation>().FirstOrDefaultAsync(c => c.Id == id, ct);
            if (row is null || !(access.IsOffice(actor, row.Body) || access.Oversees(actor))) return Error.NotFound("协商活动不存在 / consultation not found");
            if (row.Kind != "topic") return Error.Conflict("invalid_transition", "只有调研协商课题形成调研报告 / only a research topic has a report");
            if (!access.IsOffice(actor, row.Body)) return Error.Forbidden("由工作机构登记 / the office records it");
            if (Actions.ProposalRules.Text(req.Report, "report", 50_000) is { } bad) return bad;
            row.Report = req.Report!.Trim();
            await db.SaveChangesAsync(ct);
            var members = await db.Set<ConsultationParticipant>().Where(p => p.ConsultationId == id).Select(p => p.MemberId).ToListAsync(ct);
            return new ChangeMade<ConsultationView>(View(row, [.. members]), [new AuditEvent(actor, "consultation-report", new JsonObject { ["consultation"] = id })], []);
        }, ct);

    public Task<Result<ConsultationView>> AddParticipantsAsync(long id, ParticipantsRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<ConsultationView>(async () =>
        {
            var row = await db.Set<Consultation>().FirstOrDefaultAsync(c => c.Id == id, ct);
            if (row is null || !(access.IsOffice(actor, row.Body) || access.Oversees(actor))) return Error.NotFound("协商活动不存在 / consultation not found");
            if (!access.IsOffice(actor, row.Body)) return Error.Forbidden("由工作机构登记 / the office records it");
            if (req.MemberIds is not { Length: > 0 }) return Error.Validation("memberIds is required / 请选择参加的委员");
            var members = await MembersError(row.Body, req.MemberIds, ct);
            if (!members.IsSuccess) return members.Error!;
            var present = await db.Set<ConsultationParticipant>().Where(p => p.ConsultationId == id).Select(p => p.MemberId).ToListAsync(ct);
            var added = members.Value!.Except(present).ToList();
            foreach (var m in added) db.Set<ConsultationParticipant>().Add(new ConsultationParticipant { ConsultationId = id, MemberId = m });
            await db.SaveChangesAsync(ct);
            var data = new JsonObject { ["consultation"] = id, ["added"] = new JsonArray([.. added.Select(m => JsonValue.Create(m))]) };
            return new ChangeMade<ConsultationView>(View(row, [.. present, .. added]), [new AuditEvent(actor, "consultation-participants", data)], []);
        }, ct);

    /// <summary>The members named, each of the body's register, once: a 400 naming memberIds[i].</summary>
    private async Task<Result<long[]>> MembersError(string body, long[]? ids, CancellationToken ct)
    {
        ids ??= [];
        if (ids.Length > 1000) return Error.Validation("memberIds: at most 1000");
        var known = await db.Set<Member>().AsNoTracking().Where(m => m.Body == body && ids.Contains(m.Id)).Select(m => m.Id).ToListAsync(ct);
        for (var i = 0; i < ids.Length; i++)
        {
            if (!known.Contains(ids[i])) return Error.Validation($"memberIds[{i}]: no member {ids[i]} of the {body} register / 第 {i + 1} 名委员（{ids[i]}）不在名册中");
            if (Array.IndexOf(ids, ids[i]) != i) return Error.Validation($"memberIds[{i}]: {ids[i]} is listed twice / 第 {i + 1} 名委员（{ids[i]}）重复");
        }
        return ids;
    }

    internal static ConsultationView View(Consultation c, IReadOnlyList<long> members) => new(c.Id, c.Body, c.Year, c.Kind, c.Title, c.Day, c.Report, members);
}

public sealed class ConsultationQueries(DubanDb db, ProposalAccess access)
{
    /// <summary>A body's activities of a year, with the counts of topics, events and reports (the office, the city's coordinators, and the body's members).</summary>
    public async Task<Result<ConsultationList>> ListAsync(string? body, int? year, Actor actor, CancellationToken ct)
    {
        var b = Text.OrNull(body);
        if (!Bodies.IsBody(b)) return Error.Validation("body must be npc or cppcc");
        if (year is not (>= 2000 and <= 2100)) return Error.Validation("year is required, e.g. 2025 / 请填写年度");
        if (!access.IsOffice(actor, b!) && !access.Oversees(actor) && (await ProposalAccess.MemberOfAsync(db, actor, ct))?.Body != b)
            return Error.Forbidden("由工作机构、委员和市级督办人员查看 / the office's, the members' and the city's coordinators'");
        var rows = await db.Set<Consultation>().AsNoTracking().Where(c => c.Body == b && c.Year == year).OrderBy(c => c.Day).ThenBy(c => c.Id).ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var participants = (await db.Set<ConsultationParticipant>().AsNoTracking().Where(p => ids.Contains(p.ConsultationId)).ToListAsync(ct))
            .ToLookup(p => p.ConsultationId, p => p.MemberId);
        return new ConsultationList([.. rows.Select(r => ConsultationChanges.View(r, [.. participants[r.Id].Order()]))], rows.Count,
            rows.Count(r => r.Kind == "topic"), rows.Count(r => r.Kind == "event"), rows.Count(r => r.Report is not null));
    }

    /// <summary>
    /// The console's page (/console/consultations): the office's body (or, for the city's coordinators, the body asked),
    /// a member's own body and only what they took part in. Counted and paged in the database, by the indexes on
    /// (body, year, kind), (body, year, day, id) and the participants' member.
    /// </summary>
    public async Task<Result<ConsultationPage>> PageAsync(string? body, int year, int? page, int pageSize, Actor actor, CancellationToken ct)
    {
        if (year is not (>= 2000 and <= 2100)) return Error.Validation("year is 2000 to 2100 / 年度应在 2000 至 2100 之间");
        if (page is not null and not (>= 1 and <= 10_000)) return Error.Validation("page is 1 to 10000");
        var officeBody = access.OfficeBody(actor);
        var asked = Text.OrNull(body);
        if (asked is not null && !Bodies.IsBody(asked)) return Error.Validation("body must be npc or cppcc");
        var q = db.Set<Consultation>().AsNoTracking();
        string b;
        if (officeBody is not null || access.Oversees(actor))
        {
            b = officeBody ?? asked ?? Bodies.Cppcc;
            q = q.Where(c => c.Body == b && c.Year == year);
        }
        else if (await ProposalAccess.MemberOfAsync(db, actor, ct) is { } member)
        {
            b = member.Body;
            var mine = db.Set<ConsultationParticipant>().Where(p => p.MemberId == member.Id).Select(p => p.ConsultationId);
            q = q.Where(c => c.Body == b && c.Year == year && mine.Contains(c.Id));
        }
        else return Error.Forbidden("由工作机构、委员和市级督办人员查看 / the office's, the members' and the city's coordinators'");
        var counts = await q.GroupBy(c => c.Kind).Select(g => new { Kind = g.Key, Count = g.Count(), Reports = g.Count(c => c.Report != null) }).ToListAsync(ct);
        var total = counts.Sum(c => c.Count);
        var number = page ?? 1;
        var rows = await q.OrderByDescending(c => c.Day).ThenByDescending(c => c.Id).Skip((number - 1) * pageSize).Take(pageSize)
            .Select(c => new { c.Id, c.Kind, c.Title, c.Day, c.Report }).ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var names = (await (from p in db.Set<ConsultationParticipant>().AsNoTracking()
                            join m in db.Set<Member>().AsNoTracking() on p.MemberId equals m.Id
                            where ids.Contains(p.ConsultationId)
                            select new { p.ConsultationId, m.Name, m.Id }).ToListAsync(ct))
            .OrderBy(x => x.Id).ToLookup(x => x.ConsultationId, x => x.Name);
        return new ConsultationPage(b, year, [.. rows.Select(r => new ConsultationRow(r.Id, r.Kind, r.Title, r.Day, r.Report, [.. names[r.Id]]))], total,
            counts.FirstOrDefault(c => c.Kind == "topic")?.Count ?? 0, counts.FirstOrDefault(c => c.Kind == "event")?.Count ?? 0, counts.Sum(c => c.Reports),
            number, pageSize, officeBody == b);
    }
}
