using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Projects;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Leads;

/// <summary>POST /api/v1/leads: a lead (company and contact confidential), its industry, its size (yuan) and what it needs.</summary>
public sealed record PostLeadRequest(string? Company, string? Contact, string? Industry, decimal? Investment, string? Needs);

/// <summary>POST /api/v1/leads/{id}/share: the districts to share with (6-digit codes), or all of them.</summary>
public sealed record ShareLeadRequest(string[]? Districts, bool? All = null);

/// <summary>POST /api/v1/leads/{id}/{action}: <see cref="Amount"/> the investment landed (yuan; the lead's size when absent), for <c>landed</c>.</summary>
public sealed record LeadStepRequest(decimal? Amount = null);

/// <summary>What a share, a follow or a step answers: the lead's status and the districts that see it.</summary>
public sealed record LeadChanged(long Id, string Status, IReadOnlyList<string> SharedWith, int Version);

/// <summary>
/// A district's changes to leads: posting one, sharing it, following it, moving it along its life (new → contacted →
/// negotiating → signed → landed, or lost from any open step). Each one audited change on the system chain, with the
/// figures' counters and the list's index kept in step. The company's details are never written to an audit event:
/// the post's event keeps their SHA-256 digest, so the record can be checked against the chain without revealing it.
/// </summary>
public sealed class LeadChanges(DubanDb db, AuditLog audit, TimeProvider time, UnitDirectory units)
{
    public const string Posted = "lead_post";
    public const string SharedEvent = "lead_share";
    public const string Followed = "lead_follow";
    public const string Stepped = "lead_step";

    public const string NotFoundText = "招商线索不存在，或您无权查看 / lead not found";

    public Task<Result<LeadChanged>> PostAsync(PostLeadRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<LeadChanged>(async () =>
        {
            ArgumentNullException.ThrowIfNull(req);
            if (LeadQueries.DistrictOf(actor) is not { } district) return Error.Forbidden(NoDistrict);
            var company = Text.OrNull(req.Company);
            if (company is null || company.Length > 200) return Error.Validation("company is required, at most 200 characters / 请填写企业名称（不超过200字）");
            var contact = Text.OrNull(req.Contact);
            if (contact is { Length: > 200 }) return Error.Validation("contact is at most 200 characters / 联系方式不超过200字");
            var industry = Text.OrNull(req.Industry);
            if (industry is null || LeadVocabulary.Industries.All(i => i.Code != industry))
                return Error.Validation($"industry must be one of {string.Join(", ", LeadVocabulary.Industries.Select(i => i.Code))} / 请选择产业类别");
            if (req.Investment is not { } yuan) return Error.Validation("investment is required, in yuan / 请填写计划投资额（元）");
            var fen = ProjectSourceType.Fen(yuan, "investment");
            if (!fen.IsSuccess) return fen.Error!;
            var needs = Text.OrNull(req.Needs);
            if (needs is null || needs.Length > 2000) return Error.Validation("needs is required, at most 2000 characters / 请填写项目需求（不超过2000字）");
            if (Text.HasControlCharacters(company, contact, needs)) return Error.Validation("company, contact and needs may not hold control characters");

            var now = time.Now();
            var lead = new Lead
            {
                DistrictCode = district,
                PostedBy = actor.Id,
                PostedAt = now,
                Industry = industry,
                InvestmentFen = fen.Value,
                Needs = needs,
                Company = company,
                Contact = contact,
                Status = LeadVocabulary.New,
                Version = 1,
            };
            db.Set<Lead>().Add(lead);
            await db.SaveChangesAsync(ct);
            db.Set<LeadSight>().Add(new LeadSight { DistrictCode = district, LeadId = lead.Id });
            var figure = await FigureAsync(district, ct);
            figure.Posted++;
            figure.Visible++;
            Step(lead, "post", district, actor, now);
            var data = new JsonObject
            {
                ["lead"] = lead.Id,
                ["district"] = district,
                ["industry"] = industry,
                ["investmentFen"] = fen.Value,
                ["status"] = lead.Status,
                ["companyDigest"] = Digest(company, contact),
            };
            return new ChangeMade<LeadChanged>(new LeadChanged(lead.Id, lead.Status, [], lead.Version), [new AuditEvent(actor, Posted, data)], []);
        }, ct);

    public Task<Result<LeadChanged>> ShareAsync(long id, ShareLeadRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<LeadChanged>(async () =>
        {
            ArgumentNullException.ThrowIfNull(req);
            var found = await SeenAsync(id, actor, ct);
            if (!found.IsSuccess) return found.Error!;
            var (lead, district) = found.Value;
            if (lead.DistrictCode != district) return Error.Forbidden("只有发布线索的区县可以分享 / only the posting district shares its lead");
            if (!LeadVocabulary.IsOpen(lead.Status)) return Error.Conflict("lead_closed", "线索已落地或流失，不能再分享 / the lead has landed or been lost");
            var districts = await LeadQueries.DistrictsAsync(units, ct);
            var chosen = new List<string>();
            if (req.All == true)
            {
                chosen.AddRange(districts.Select(d => d.Code));
            }
            else
            {
                if (req.Districts is not { Length: > 0 }) return Error.Validation("districts: name at least one district, or all / 请选择分享的区县，或分享给全部区县");
                for (var i = 0; i < req.Districts.Length; i++)
                {
                    var code = Text.OrNull(req.Districts[i]);
                    if (code is null || districts.All(d => d.Code != code)) return Error.Validation($"districts[{i}]: {code} is not a district of the city / {code} 不是本市的区县");
                    chosen.Add(code);
                }
            }
            var seeing = await db.Set<LeadSight>().Where(s => s.LeadId == id).Select(s => s.DistrictCode).ToListAsync(ct);
            var added = chosen.Distinct().Where(c => !seeing.Contains(c)).ToList();
            if (added.Count > 0 && seeing.All(s => s == lead.DistrictCode)) (await FigureAsync(lead.DistrictCode, ct)).Shared++;
            foreach (var code in added)
            {
                db.Set<LeadSight>().Add(new LeadSight { DistrictCode = code, LeadId = id });
                (await FigureAsync(code, ct)).Visible++;
            }
            lead.SharedAll |= req.All == true;
            lead.Version++;
            Step(lead, "share", district, actor, time.Now());
            var data = new JsonObject { ["lead"] = id, ["district"] = district, ["added"] = new JsonArray([.. added.Select(a => JsonValue.Create(a))]), ["all"] = req.All == true };
            return new ChangeMade<LeadChanged>(new LeadChanged(id, lead.Status, [.. seeing.Concat(added).Where(s => s != lead.DistrictCode).Order(StringComparer.Ordinal)], lead.Version),
                [new AuditEvent(actor, SharedEvent, data)], []);
        }, ct);

    /// <summary>follow, or a step of the lead's life (contacted, negotiating, signed, landed, lost).</summary>
    public Task<Result<LeadChanged>> ActAsync(long id, string action, LeadStepRequest? req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<LeadChanged>(async () =>
        {
            if ((action != LeadVocabulary.Follow && !LeadVocabulary.Statuses.Contains(action)) || action == LeadVocabulary.New)
                return Error.Validation("action must be one of follow, contacted, negotiating, signed, landed, lost / 操作不存在");
            var found = await SeenAsync(id, actor, ct);
            if (!found.IsSuccess) return found.Error!;
            var (lead, district) = found.Value;
            var now = time.Now();
            var following = await db.Set<LeadFollow>().AnyAsync(f => f.LeadId == id && f.DistrictCode == district, ct);
            var data = new JsonObject { ["lead"] = id, ["district"] = district, ["action"] = action, ["from"] = lead.Status };
            string name;
            if (action == LeadVocabulary.Follow)
            {
                if (lead.DistrictCode == district) return Error.Conflict("own_lead", "本区县发布的线索无需关注 / the posting district follows its own lead already");
                if (following) return Error.Conflict("lead_followed", "已关注该线索 / the district follows the lead already");
                if (!LeadVocabulary.IsOpen(lead.Status)) return Error.Conflict("lead_closed", "线索已落地或流失 / the lead has landed or been lost");
                db.Set<LeadFollow>().Add(new LeadFollow { LeadId = id, DistrictCode = district, FollowedAt = now, FollowedBy = actor.Id });
                name = Followed;
            }
            else
            {
                if (lead.DistrictCode != district && !following)
                    return Error.Forbidden("请先关注该线索 / follow the lead first: only the posting district and those following move it");
                var allowed = action == LeadVocabulary.Lost ? LeadVocabulary.IsOpen(lead.Status) : LeadVocabulary.Next(lead.Status) == action;
                if (!allowed)
                    return Error.Conflict("lead_order", $"线索当前为{LeadVocabulary.StatusLabel(lead.Status).Zh}，不能变更为{LeadVocabulary.StatusLabel(action).Zh} / a {lead.Status} lead cannot move to {action}");
                if (action == LeadVocabulary.Landed)
                {
                    var fen = req?.Amount is { } yuan ? ProjectSourceType.Fen(yuan, "amount") : lead.InvestmentFen;
                    if (!fen.IsSuccess) return fen.Error!;
                    lead.LandedDistrictCode = district;
                    lead.LandedFen = fen.Value;
                    var figure = await FigureAsync(district, ct);
                    figure.Landed++;
                    figure.LandedFen += fen.Value;
                    data["landedFen"] = fen.Value;
                }
                lead.Status = action;
                name = Stepped;
            }
            lead.Version++;
            data["to"] = lead.Status;
            Step(lead, action, district, actor, now);
            var seeing = await db.Set<LeadSight>().Where(s => s.LeadId == id && s.DistrictCode != lead.DistrictCode).Select(s => s.DistrictCode).OrderBy(s => s).ToListAsync(ct);
            return new ChangeMade<LeadChanged>(new LeadChanged(id, lead.Status, seeing, lead.Version), [new AuditEvent(actor, name, data)], []);
        }, ct);

    /// <summary>The lead (tracked) and the actor's district, when the district sees it; 404 otherwise, as for a lead that does not exist.</summary>
    private async Task<Result<(Lead Lead, string District)>> SeenAsync(long id, Actor actor, CancellationToken ct)
    {
        if (LeadQueries.DistrictOf(actor) is not { } district) return Error.NotFound(NotFoundText);
        if (!await db.Set<LeadSight>().AnyAsync(s => s.DistrictCode == district && s.LeadId == id, ct)) return Error.NotFound(NotFoundText);
        var lead = await db.Set<Lead>().FirstOrDefaultAsync(l => l.Id == id, ct);
        return lead is null ? Error.NotFound(NotFoundText) : (lead, district);
    }

    private void Step(Lead lead, string action, string district, Actor actor, DateTimeOffset now) =>
        db.Set<LeadStep>().Add(new LeadStep { LeadId = lead.Id, Action = action, Status = lead.Status, DistrictCode = district, SteppedAt = now, ActorId = actor.Id });

    /// <summary>A district's counters (tracked; made when missing). Writers are one after the other under the audit lock.</summary>
    private async Task<LeadFigure> FigureAsync(string district, CancellationToken ct)
    {
        var figure = await db.Set<LeadFigure>().FindAsync([district], ct);
        if (figure is null)
        {
            figure = new LeadFigure { DistrictCode = district };
            db.Set<LeadFigure>().Add(figure);
        }
        return figure;
    }

    /// <summary>The company's details as a digest: the audit chain proves what was recorded without holding it.</summary>
    internal static string Digest(string company, string? contact) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(company + "\n" + contact)));

    private const string NoDistrict = "只有区县的账号可以发布招商线索 / only a district's accounts post leads";
}
