using System.Text.Json.Nodes;
using Duban.Data;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Proposals;

/// <summary>A matter's proposal as its facet holds it: the row, its proposers (lead first) and their accounts.</summary>
public sealed class ProposalState
{
    public Proposal? Row { get; set; }

    /// <summary>The proposers' member ids, the lead first.</summary>
    public List<long> Proposers { get; set; } = [];

    /// <summary>The lead proposer's account (who evaluates the reply).</summary>
    public long? LeadUserId { get; set; }

    public HashSet<long> ProposerUserIds { get; set; } = [];
}

/// <summary>
/// The proposal as a facet of its matter (kind deputy_suggestion or cppcc_proposal): its number, its state in the
/// proposals' life, the host's reply and the proposer's evaluation, hashed into the matter's state and described in
/// its detail (<c>facets.proposal</c>).
/// </summary>
public sealed class ProposalFacet : MatterFacet
{
    public const string FacetName = "proposal";

    public override string Name => FacetName;

    /// <summary>After sub-tasks (10), the plan (20), sources (30). Never change it: proposals are in the chain.</summary>
    public override int Order => 45;

    public static ProposalState Of(Matter m) => m.Facets.GetOrAdd<ProposalState>();

    public override async Task LoadAsync(DubanDb db, IReadOnlyList<Matter> matters, bool tracked, CancellationToken ct)
    {
        var proposals = matters.Where(m => Bodies.BodyOf(m.Kind) is not null).ToList();
        foreach (var m in matters) m.Facets.Set(new ProposalState());
        if (proposals.Count == 0) return;
        var ids = proposals.Select(m => m.Id).ToList();
        var rows = tracked
            ? await db.Set<Proposal>().Where(p => ids.Contains(p.MatterId)).ToListAsync(ct)
            : await db.Set<Proposal>().AsNoTracking().Where(p => ids.Contains(p.MatterId)).ToListAsync(ct);
        var proposers = await (from pp in db.Set<ProposalProposer>()
                               join mem in db.Set<Member>() on pp.MemberId equals mem.Id
                               where ids.Contains(pp.MatterId)
                               orderby pp.Seq
                               select new { pp.MatterId, pp.MemberId, pp.Seq, mem.UserId }).ToListAsync(ct);
        foreach (var m in proposals)
        {
            var state = Of(m);
            state.Row = rows.FirstOrDefault(r => r.MatterId == m.Id);
            var mine = proposers.Where(p => p.MatterId == m.Id).OrderBy(p => p.Seq).ToList();
            state.Proposers = [.. mine.Select(p => p.MemberId)];
            state.LeadUserId = mine.FirstOrDefault()?.UserId;
            state.ProposerUserIds = [.. mine.Where(p => p.UserId is not null).Select(p => p.UserId!.Value)];
        }
    }

    private static long? Ms(DateTimeOffset? t) => t?.ToUnixTimeMilliseconds();

    /// <summary>Every field of the row and the proposers in order: present only on a proposal.</summary>
    public override object? HashPart(Matter m) =>
        m.Facets.Get<ProposalState>() is { Row: { } p } state
            ? new object?[]
            {
                p.Body, p.Year, p.Seq, p.Number, p.Status, p.OfficeUnitCode, p.SubmittedBy, Ms(p.AcceptedAt), p.HostUnitCode, p.Objection,
                p.ReplyCategory, p.ReplyText, p.ReplySignedBy, Ms(p.RepliedAt), p.FirstReplyOnTime, p.Rating, p.Comment, Ms(p.EvaluatedAt),
                p.RehandlingCount, p.Opinions, state.Proposers.ToArray(),
            }
            // The publication (schema 0030) joins the part only once there is one: the chains written before still verify.
            .Concat(p.PublishedAt is { } published ? [Ms(published)] : Array.Empty<object?>())
            // So does the reply's PDF (schema 0036), named so that it is never read as a publication.
            .Concat(p.ReplyDocumentSha256 is { } document ? ["replyDocument", document] : Array.Empty<object?>()).ToArray()
            : null;

    public override void Snapshot(Matter m, JsonObject snapshot)
    {
        if (m.Facets.Get<ProposalState>() is not { Row: { } p }) return;
        snapshot["proposal"] = new JsonObject
        {
            ["number"] = p.Number,
            ["status"] = p.Status,
            ["hostUnitCode"] = p.HostUnitCode,
            ["objection"] = p.Objection,
            ["replyCategory"] = p.ReplyCategory,
            ["rating"] = p.Rating,
            ["rehandlingCount"] = p.RehandlingCount,
        };
        if (p.PublishedAt is not null) ((JsonObject)snapshot["proposal"]!)["publishedAt"] = p.PublishedAt;
        if (p.ReplyDocumentSha256 is not null) ((JsonObject)snapshot["proposal"]!)["replyDocument"] = p.ReplyDocumentSha256;
    }

    /// <summary>The body's office follows its proposals: it hears of their notices and escalations.</summary>
    public override IEnumerable<string> Followers(Matter m) => m.Facets.Get<ProposalState>()?.Row is { } p ? [p.OfficeUnitCode] : [];

    public override Task<MatterDetail> DescribeAsync(MatterDetail detail, Matter m, FacetView view, CancellationToken ct)
    {
        if (m.Facets.Get<ProposalState>() is not { Row: { } p } state) return Task.FromResult(detail);
        var facets = new Dictionary<string, object?>(detail.Facets)
        {
            [FacetName] = new
            {
                number = p.Number,
                body = p.Body,
                year = p.Year,
                status = p.Status,
                statusLabel = ProposalViews.StatusLabel(p.Status),
                hostUnitCode = p.HostUnitCode,
                replyCategory = p.ReplyCategory,
                rating = p.Rating,
                proposers = state.Proposers,
            },
        };
        return Task.FromResult(detail with { Facets = facets });
    }
}
