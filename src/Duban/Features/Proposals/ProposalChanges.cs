using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Proposals;

/// <summary>POST /api/v1/proposals: a member's (or the office's) proposal, the lead proposer first in <paramref name="ProposerIds"/>.</summary>
public sealed record SubmitProposalRequest(string? Body, int? Year, string? Title, string? Content, long[]? ProposerIds);

public sealed record ProposalCreated(long Id, string Number, string MatterNumber);

/// <summary>
/// The submission (提交): a proposal becomes a matter of its body's kind, received and waiting for the office's
/// examination, numbered in its body and year (NPC-2025-0001, CPPCC-2025-0001). One audited change: the matter,
/// its proposal row and proposers, and its first event (<see cref="Submitted"/>) on its own chain.
/// </summary>
public sealed class ProposalChanges(DubanDb db, AuditLog audit, TimeProvider time, MatterClock clock, RegisterNumbers numbers,
    MatterFacets facets, ProposalAccess access)
{
    /// <summary>The first event of a proposal's chain.</summary>
    public const string Submitted = "proposal-submit";

    /// <summary>The channel proposals come by.</summary>
    public const string Channel = "proposal";

    public const int MaxProposers = 50;

    public async Task<Result<ProposalCreated>> SubmitAsync(SubmitProposalRequest req, Actor actor, CancellationToken ct)
    {
        var made = await SubmitManyAsync([req], actor, ct);
        return made.IsSuccess ? made.Value![0] : made.Error!;
    }

    /// <summary>Several submissions in one change (the demo's session; all or nothing), numbered in order.</summary>
    public Task<Result<List<ProposalCreated>>> SubmitManyAsync(IReadOnlyList<SubmitProposalRequest> requests, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<List<ProposalCreated>>(async () =>
        {
            var now = time.Now();
            var checkedOnes = new List<(SubmitProposalRequest Req, string Body, List<Member> Proposers)>();
            foreach (var req in requests)
            {
                var one = await CheckAsync(req, actor, ct);
                if (!one.IsSuccess) return one.Error!;
                checkedOnes.Add((req, req.Body!.Trim(), one.Value!));
            }
            var allocated = await numbers.NextAsync(now, checkedOnes.Count, ct);
            var seqs = new Dictionary<(string, int), int>();
            var created = new List<ProposalCreated>();
            var events = new List<AuditEvent>();
            for (var i = 0; i < checkedOnes.Count; i++)
            {
                var (req, body, proposers) = checkedOnes[i];
                var year = req.Year!.Value;
                if (!seqs.TryGetValue((body, year), out var seq))
                    seq = await db.Set<Proposal>().Where(p => p.Body == body && p.Year == year).Select(p => (int?)p.Seq).MaxAsync(ct) ?? 0;
                seqs[(body, year)] = ++seq;
                var m = new Matter
                {
                    Id = allocated[i].Id,
                    Number = allocated[i].Number,
                    Kind = Bodies.KindOf(body),
                    Channel = Channel,
                    Title = req.Title!.Trim(),
                    Content = req.Content!.Trim(),
                    Urgency = "normal",
                    ReceivedAt = now,
                    RegisteredAt = now,
                    RegisteredBy = actor.Id,
                    RaiserAnonymous = true,
                    Status = Status.Received,
                    UpdatedAt = now,
                    Version = 1,
                };
                m.SetTerritory(null);
                m.Facets.MarkNew();
                clock.Register(m);
                clock.Refresh(m);
                var row = new Proposal
                {
                    MatterId = m.Id,
                    Body = body,
                    Year = year,
                    Seq = seq,
                    Number = string.Create(CultureInfo.InvariantCulture, $"{body.ToUpperInvariant()}-{year}-{seq:D4}"),
                    Status = ProposalStatus.Submitted,
                    OfficeUnitCode = access.Options.OfficeOf(body),
                    SubmittedBy = actor.Id,
                };
                var state = ProposalFacet.Of(m);
                state.Row = row;
                state.Proposers = [.. proposers.Select(p => p.Id)];
                state.LeadUserId = proposers[0].UserId;
                state.ProposerUserIds = [.. proposers.Where(p => p.UserId is not null).Select(p => p.UserId!.Value)];
                db.Matters.Add(m);
                db.Set<Proposal>().Add(row);
                for (var k = 0; k < proposers.Count; k++) db.Set<ProposalProposer>().Add(new ProposalProposer { MatterId = m.Id, MemberId = proposers[k].Id, Seq = k });
                created.Add(new ProposalCreated(m.Id, row.Number, m.Number));
                events.Add(new AuditEvent(actor, Submitted, new JsonObject
                {
                    ["after"] = MatterWorkflow.Snapshot(m, facets),
                    ["proposal"] = row.Number,
                    ["proposers"] = new JsonArray([.. proposers.Select(p => JsonValue.Create(p.Id))]),
                }, Matter: m, ToStatus: m.Status));
            }
            return new ChangeMade<List<ProposalCreated>>(created, events, []);
        }, ct);

    /// <summary>The request's fields, and who may submit: the body's office, or a member who leads it.</summary>
    private async Task<Result<List<Member>>> CheckAsync(SubmitProposalRequest req, Actor actor, CancellationToken ct)
    {
        var body = Text.OrNull(req.Body);
        if (!Bodies.IsBody(body)) return Error.Validation("body must be npc or cppcc / 请选择人大代表建议或政协提案");
        if (req.Year is not (>= 2000 and <= 2100)) return Error.Validation("year is required, e.g. 2025 / 请填写年度");
        if (Text.OrNull(req.Title) is not { Length: <= 200 }) return Error.Validation("title is required, at most 200 characters / 请填写标题（不超过200字）");
        if (Text.OrNull(req.Content) is not { Length: <= 20_000 }) return Error.Validation("content is required, at most 20000 characters / 请填写内容");
        if (Text.HasControlCharacters(req.Title, req.Content)) return Error.Validation("title and content may not hold control characters");
        if (req.ProposerIds is not { Length: > 0 } ids) return Error.Validation("proposerIds: at least the lead proposer / 请填写提出人");
        if (ids.Length > MaxProposers) return Error.Validation($"proposerIds: at most {MaxProposers}");
        if (ids.Distinct().Count() != ids.Length) return Error.Validation("proposerIds must be distinct / 提出人不能重复");
        var found = await db.Set<Member>().AsNoTracking().Where(m => ids.Contains(m.Id)).ToListAsync(ct);
        var proposers = new List<Member>();
        for (var i = 0; i < ids.Length; i++)
        {
            var member = found.FirstOrDefault(m => m.Id == ids[i]);
            if (member is null || member.Body != body || !member.Active)
                return Error.Validation($"proposerIds[{i}]: {ids[i]} is not an active member of the {body} / 不是本届{Bodies.MemberLabel(body!).Zh}");
            proposers.Add(member);
        }
        if (!access.IsOffice(actor, body!) && (actor.Id is null || proposers[0].UserId != actor.Id))
            return Error.Forbidden("建议提案由领衔提出人本人或提案工作机构提交 / a proposal is submitted by its lead proposer or by the office");
        return proposers;
    }
}
