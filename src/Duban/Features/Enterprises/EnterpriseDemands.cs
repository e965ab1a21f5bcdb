using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Matters;
using Duban.Features.Notifications;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Enterprises;

/// <summary>A demand to register: naming its firm by <paramref name="CreditCode"/>, or by a credit code in its title or content.</summary>
public sealed record DemandRequest(string? CreditCode, string? Title, string? Content, string? Urgency = null, string? Location = null,
    RaiserInput? Raiser = null, bool Anonymous = false, string? Channel = null);

/// <summary>A demand collected on a visit.</summary>
public sealed record VisitDemand(string? Title, string? Content, string? Urgency = null);

/// <summary>POST /api/v1/enterprises/{code}/visits: when, who went, what was found, and the demands collected.</summary>
public sealed record VisitRequest(string? VisitedOn, string? Officials, string? Notes, IReadOnlyList<VisitDemand>? Demands);

/// <summary>A demand as registered: its matter and the firm it is linked to.</summary>
public sealed record DemandRegistered(long Id, string Number, string CreditCode, long? VisitId);

/// <summary>A visit as recorded, with the matters its demands became.</summary>
public sealed record VisitRecorded(long Id, string CreditCode, IReadOnlyList<DemandRegistered> Demands);

/// <summary>
/// The enterprise lane's doors (企业诉求): a demand naming its firm, and a visit (暖企安商走访) with the demands collected.
/// Each demand is a matter of kind <c>enterprise_demand</c> registered through the core's <see cref="RegisterMatter"/>
/// (numbered, sealed, audited, on the enterprise policy's clock), its link to the firm (and visit) inserted in the
/// registration's own transaction; the firm's service team is then told of it (Notifier) in an audited change that records
/// the link on the system chain.
/// </summary>
public sealed class EnterpriseDemands(DubanDb db, AuditLog audit, TimeProvider time, RegisterMatter register, EnterpriseRegister firms,
    Notifier notifier)
{
    public const string Linked = "enterprise_demand_linked";
    public const string VisitRecordedEvent = "enterprise_visit";
    public const int MaxDemandsPerVisit = 20;

    /// <summary>The same doors registering through another <see cref="RegisterMatter"/> and <see cref="Notifier"/> (the demo's, on its set-back clock).</summary>
    internal EnterpriseDemands With(RegisterMatter other, Notifier otherNotifier) => new(db, audit, time, other, firms, otherNotifier);

    /// <summary>
    /// Registers a demand linked to its firm. The firm is named by <c>creditCode</c> (a 400 naming it when the code is no code
    /// or not registered) or found in the title or content; a demand that names no firm is a 400 naming <c>creditCode</c>
    /// (one without a firm goes through POST /api/v1/matters). The reader must see the firm (404 otherwise).
    /// </summary>
    public async Task<Result<DemandRegistered>> RegisterAsync(DemandRequest req, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(req);
        var code = CreditCode.Normalize(req.CreditCode) ?? CreditCode.FindIn(req.Title) ?? CreditCode.FindIn(req.Content);
        if (code is null) return Error.Validation("creditCode is required: the firm's unified social credit code / 请填写企业统一社会信用代码");
        if (CreditCode.Problem(code) is { } problem) return Error.Validation("creditCode: " + problem);
        var found = await firms.FindAsync(code, actor, ct);
        if (!found.IsSuccess) return found.Error!.Status == 404 ? Error.Validation("creditCode: 企业不在名录中 / the firm is not in the register") : found.Error!;
        var channel = Text.OrNull(req.Channel) ?? "web";
        var one = await RegisterOneAsync(found.Value!, new VisitDemand(req.Title, req.Content, req.Urgency), null, actor, channel, req.Location, req.Raiser, req.Anonymous, ct);
        if (!one.IsSuccess) return one.Error!;
        await TellAsync(found.Value!, [one.Value!], null, actor, ct);
        return one.Value!;
    }

    /// <summary>
    /// Records a visit to a firm (any account that sees the firm: the office, the team, the county's coordinators, the city's)
    /// and registers each demand collected as a matter linked to the visit and the firm. The visit and every demand are checked
    /// first (400 naming <c>visitedOn</c>, <c>officials</c>, <c>demands[1].title</c>…), nothing kept then.
    /// </summary>
    public async Task<Result<VisitRecorded>> RecordVisitAsync(string? code, VisitRequest req, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(req);
        var found = await firms.FindAsync(code, actor, ct);
        if (!found.IsSuccess) return found.Error!;
        var firm = found.Value!;
        if (actor.Id is null) return Error.Forbidden("走访由工作人员登记 / staff record visits");
        var today = Clock.ChinaDate(time.Now());
        if (Text.OrNull(req.VisitedOn) is not { } dayText
            || !DateOnly.TryParseExact(dayText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) || day > today || day.Year < 2000)
            return Error.Validation("visitedOn is required, yyyy-MM-dd, not after today / 走访日期格式应为 yyyy-MM-dd，且不晚于今天");
        if (Text.OrNull(req.Officials) is not { } officials || officials.Length > 200)
            return Error.Validation("officials is required, at most 200 characters / 请填写走访领导和人员");
        if (req.Notes is { Length: > 5000 }) return Error.Validation("notes is at most 5000 characters / 走访情况不超过5000字");
        var demands = req.Demands ?? [];
        if (demands.Count > MaxDemandsPerVisit) return Error.Validation($"demands: at most {MaxDemandsPerVisit} a visit / 一次走访最多登记{MaxDemandsPerVisit}项诉求");
        for (var i = 0; i < demands.Count; i++)
        {
            var d = demands[i];
            if (d is null || string.IsNullOrWhiteSpace(d.Title) || d.Title.Trim().Length > 200)
                return Error.Validation($"demands[{i}].title is required, at most 200 characters / 第{i + 1}项诉求标题必填");
            if (string.IsNullOrWhiteSpace(d.Content) || d.Content.Length > 20_000)
                return Error.Validation($"demands[{i}].content is required, at most 20000 characters / 第{i + 1}项诉求内容必填");
            if (d.Urgency is not null && !Vocabulary.Urgencies.Contains(d.Urgency))
                return Error.Validation($"demands[{i}].urgency must be one of {string.Join(", ", Vocabulary.Urgencies)}");
        }
        var visit = new EnterpriseVisit
        {
            CreditCode = firm.CreditCode,
            VisitedOn = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Officials = officials,
            UnitCode = actor.UnitCode,
            Notes = Text.OrNull(req.Notes),
            RecordedBy = actor.Id,
            RecordedAt = time.Now(),
        };
        var saved = await new AuditedChange(db, audit).RunAsync<long>(async () =>
        {
            db.Set<EnterpriseVisit>().Add(visit);
            await db.SaveChangesAsync(ct);
            var data = new JsonObject
            {
                ["visit"] = visit.Id,
                ["creditCode"] = firm.CreditCode,
                ["visitedOn"] = visit.VisitedOn,
                ["officials"] = officials,
                ["demands"] = demands.Count,
            };
            return new ChangeMade<long>(visit.Id, [new AuditEvent(actor, VisitRecordedEvent, data)], []);
        }, ct);
        if (!saved.IsSuccess) return saved.Error!;
        var made = new List<DemandRegistered>();
        for (var i = 0; i < demands.Count; i++)
        {
            // Registered on the firm's county: a demand collected at its door happens there.
            var one = await RegisterOneAsync(firm, demands[i], visit.Id, actor, "visit", null, null, false, ct);
            if (!one.IsSuccess)
            {
                if (made.Count > 0) await TellAsync(firm, made, visit.Id, actor, ct);
                return Error.Validation($"demands[{i}]: {one.Error!.Message}" + (made.Count > 0 ? $" (visit {visit.Id} and {made.Count} demands before it kept)" : ""));
            }
            made.Add(one.Value!);
        }
        if (made.Count > 0) await TellAsync(firm, made, visit.Id, actor, ct);
        return new VisitRecorded(visit.Id, firm.CreditCode, made);
    }

    private async Task<Result<DemandRegistered>> RegisterOneAsync(Enterprise firm, VisitDemand d, long? visitId, Actor actor, string channel,
        string? location, RaiserInput? raiser, bool anonymous, CancellationToken ct)
    {
        var cmd = new RegisterCommand(EnterpriseVocabulary.Kind, channel, d.Title, d.Content, Location: Text.OrNull(location), Category: "企业诉求",
            Urgency: d.Urgency ?? "normal", Anonymous: anonymous, Raiser: raiser, TerritoryCode: location is null ? firm.CountyCode : null);
        var registered = await register.ExecuteAsync(cmd, actor, photos: null, m =>
        [
            new EnterpriseDemand
            {
                MatterId = m.Id, CreditCode = firm.CreditCode, VisitId = visitId, Size = firm.Size, Industry = firm.Industry,
                CountyCode = firm.CountyCode, RegisteredAt = m.RegisteredAt,
            },
        ], ct);
        if (!registered.IsSuccess) return registered.Error!;
        var matter = registered.Value!.Matter;
        return new DemandRegistered(matter.Id, matter.Number, firm.CreditCode, visitId);
    }

    /// <summary>The firm's service team hears of its new demands (服务专班: notified of them); the link is recorded on the system chain.</summary>
    private async Task TellAsync(Enterprise firm, List<DemandRegistered> made, long? visitId, Actor actor, CancellationToken ct)
    {
        var team = await db.Set<EnterpriseTeamMember>().AsNoTracking().Where(t => t.CreditCode == firm.CreditCode).Select(t => t.UnitCode).ToListAsync(ct);
        var result = await new AuditedChange(db, audit).RunAsync<int>(async () =>
        {
            foreach (var unit in team)
            {
                foreach (var m in made)
                {
                    await notifier.AddAsync(new NotifyRequest(unit, [Roles.Handler, Roles.Leader, Roles.Supervisor], "enterprise_demand",
                        $"【企业诉求】{m.Number}「{firm.Name}」", $"服务专班联系企业{firm.Name}有新的诉求{m.Number}，请跟进。", m.Id,
                        TitleEn: $"Enterprise demand: {m.Number}", BodyEn: $"{firm.Name}, a firm your service team serves, has a new demand {m.Number}; please follow it."), ct);
                }
            }
            var data = new JsonObject
            {
                ["creditCode"] = firm.CreditCode,
                ["visit"] = visitId,
                ["matters"] = new JsonArray([.. made.Select(m => (JsonNode)m.Id)]),
                ["notified"] = new JsonArray([.. team.Select(u => (JsonNode)u)]),
            };
            return new ChangeMade<int>(made.Count, [new AuditEvent(actor, Linked, data)], []);
        }, ct);
        if (!result.IsSuccess) throw new InvalidOperationException("enterprise demand link: " + result.Error!.Message);
    }
}
