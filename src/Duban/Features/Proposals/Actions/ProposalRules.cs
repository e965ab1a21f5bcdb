using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;

namespace Duban.Features.Proposals.Actions;

/// <summary>POST /api/v1/proposals/{id}/accept: 立案 and 交办 to a host unit (主办) and co-hosts (会办).</summary>
public sealed record AcceptProposalRequest(int? Version, string? HostUnitCode, string[]? CoHostUnitCodes, string? Note = null);

/// <summary>POST /api/v1/proposals/{id}/not-accept: 不予立案, with the reason the proposer reads.</summary>
public sealed record NotAcceptProposalRequest(int? Version, string? Reason);

/// <summary>POST /api/v1/proposals/{id}/reply: the host's written reply, category A, B or C.</summary>
public sealed record ReplyProposalRequest(int? Version, string? Category, string? Text, string? SignedBy = null)
{
    /// <summary>The optional PDF (答复函), from the multipart form of <c>POST …/reply</c> or the console's page; never JSON.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ReplyDocumentUpload? Document { get; init; }
}

/// <summary>POST /api/v1/proposals/{id}/evaluate: the lead proposer's evaluation of the reply.</summary>
public sealed record EvaluateProposalRequest(int? Version, string? Rating, string? Comment);

/// <summary>POST /api/v1/proposals/{id}/merge: 并案 into another proposal of the same body and year.</summary>
public sealed record MergeProposalRequest(int? Version, long? TargetId, string? Reason);

/// <summary>POST /api/v1/proposals/{id}/object: the host's objection to its assignment, with the reason.</summary>
public sealed record ObjectProposalRequest(int? Version, string? Reason);

/// <summary>
/// POST /api/v1/proposals/{id}/objection: the office's decision on an objection: <c>uphold</c> (assigned anew to
/// <paramref name="HostUnitCode"/>) or <c>overrule</c> (the host keeps it).
/// </summary>
public sealed record ReviewObjectionRequest(int? Version, string? Decision, string? HostUnitCode = null, string[]? CoHostUnitCodes = null, string? Reason = null);

/// <summary>POST /api/v1/proposals/{id}/opinion: a co-host's opinion, sent to the host (会办意见).</summary>
public sealed record CoHostOpinionRequest(int? Version, string? Text);

/// <summary>The checks the proposals' actions are made of: the proposal's state first (409), then who asks (403).</summary>
public static class ProposalRules
{
    public static readonly IReadOnlySet<string> Categories = new HashSet<string>(StringComparer.Ordinal) { "A", "B", "C" };

    /// <summary>The proposal of a loaded matter; a matter that is not one, or that the actor may not see, is a 404.</summary>
    public static Result<Proposal> Visible(ProposalAccess access, Actor actor, Matter m)
    {
        var state = ProposalFacet.Of(m);
        return state.Row is { } row && access.MaySee(actor, m, state) ? row : Error.NotFound(ProposalAccess.NotFoundText);
    }

    public static Error? RequireStatus(string action, Proposal p, params ReadOnlySpan<string> allowed)
    {
        foreach (var s in allowed)
        {
            if (p.Status == s) return null;
        }
        return Error.Conflict("invalid_transition",
            $"状态为「{ProposalStatus.Chinese(p.Status)}」的建议提案不能{action} / cannot do this to a proposal that is {p.Status}");
    }

    public static Error? Text(string? text, string field, int max, bool required = true)
    {
        if (Common.Text.OrNull(text) is not { } t) return required ? Error.Validation($"{field} is required / 请填写{field}") : null;
        if (t.Length > max) return Error.Validation($"{field} is at most {max} characters");
        return Common.Text.HasControlCharacters(t) ? Error.Validation($"{field} may not hold control characters") : null;
    }
}
