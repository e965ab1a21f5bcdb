using Duban.Common;
using Duban.Data;
using Duban.Features.Matters.Actions;

namespace Duban.Features.Proposals.Actions;

/// <summary>One proposal of a 交办会: the version the office saw, its host and co-hosts.</summary>
public sealed record MeetingItem(long? Id, int? Version, string? HostUnitCode, string[]? CoHostUnitCodes);

/// <summary>POST /api/v1/proposals/assignment-meeting: <c>{"body","meeting","items":[{"id","version","hostUnitCode","coHostUnitCodes"}]}</c>.</summary>
public sealed record AssignmentMeetingRequest(string? Body, string? Meeting, MeetingItem[]? Items);

/// <summary>How one proposal of the meeting went: assigned (its new version), or the refusal's status and code.</summary>
public sealed record MeetingResult(long Id, bool Assigned, int? Version, int? Status, string? Code, string? Message);

public sealed record AssignmentMeetingDone(string Meeting, int Assigned, int Refused, IReadOnlyList<MeetingResult> Results);

/// <summary>
/// 交办会: the office accepts and assigns many submitted proposals in one request. The request is checked whole first (a
/// 400 naming <c>items[i].field</c>, a 403 for anyone but the body's office); then each proposal is the registered
/// <see cref="AcceptProposal"/> with the meeting as its note, its own audited event on its own chain. One proposal
/// refused (changed since, no longer submitted) leaves the others assigned: each result says how it went.
/// </summary>
public sealed class AssignmentMeeting(AcceptProposal accept, ProposalAccess access)
{
    public const int MaxItems = 500;

    public async Task<Result<AssignmentMeetingDone>> RunAsync(AssignmentMeetingRequest req, Actor actor, CancellationToken ct)
    {
        var body = Text.OrNull(req.Body);
        if (!Bodies.IsBody(body)) return Error.Validation("body must be npc or cppcc / 请选择人大或政协");
        if (!access.IsOffice(actor, body!)) return ActionRules.NotYours("召开交办会");
        var meeting = Text.OrNull(req.Meeting) ?? "建议提案交办会";
        if (ProposalRules.Text(meeting, "meeting", 200) is { } badMeeting) return badMeeting;
        if (req.Items is not { Length: > 0 } items) return Error.Validation("items is required: the proposals to assign / 请选择交办的建议提案");
        if (items.Length > MaxItems) return Error.Validation($"items: at most {MaxItems}");
        var seen = new HashSet<long>();
        for (var i = 0; i < items.Length; i++)
        {
            var it = items[i];
            if (it?.Id is not { } id) return Error.Validation($"items[{i}].id is required");
            if (!seen.Add(id)) return Error.Validation($"items[{i}].id: proposal {id} is listed twice / 重复");
            if (it.Version is null) return Error.Validation($"items[{i}].version is required: the version of the proposal you saw");
            if (Text.OrNull(it.HostUnitCode) is null) return Error.Validation($"items[{i}].hostUnitCode is required / 请指定主办单位");
        }
        var results = new List<MeetingResult>();
        foreach (var it in items)
        {
            var done = await accept.ExecuteAsync(it.Id!.Value, new AcceptProposalRequest(it.Version, it.HostUnitCode, it.CoHostUnitCodes, meeting), actor, ct);
            results.Add(done.IsSuccess
                ? new MeetingResult(it.Id.Value, true, done.Value!.Version, null, null, null)
                : new MeetingResult(it.Id.Value, false, null, done.Error!.Status, done.Error.Code, done.Error.Message));
        }
        return new AssignmentMeetingDone(meeting, results.Count(r => r.Assigned), results.Count(r => !r.Assigned), results);
    }
}
