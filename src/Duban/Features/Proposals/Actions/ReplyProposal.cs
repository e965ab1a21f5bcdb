using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.Proposals.Actions;

/// <summary>
/// 答复: the host unit's written reply, with its category (A 已解决或采纳, B 正在解决或列入计划, C 留作参考) and
/// who signed it off (the host's leader; a leader's own reply is signed by them). The host's clock stops: the
/// proposal waits for the lead proposer's evaluation. Whether the first reply came by the deadline is kept.
/// </summary>
public sealed class ReplyProposal(MatterWorkflow workflow, ProposalAccess access) : MatterAction<ReplyProposal, ReplyProposalRequest>, IDescribedAction
{
    public const string Name = "proposal-reply";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(ReplyProposalRequest), new("答复", "Reply"),
        [new(Name, new("答复", "Replied"))], [], Tag: "Proposals", Summary: "The host unit replies, category A, B or C");

    public override Task<Result<Matter>> ExecuteAsync(long id, ReplyProposalRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var m = step.Matter;
            var seen = ProposalRules.Visible(access, actor, m);
            if (!seen.IsSuccess) return Task.FromResult(seen.Error);
            var p = seen.Value!;
            var error = Check(actor, m, p)
                ?? (Text.OrNull(req.Category) is not { } c || !ProposalRules.Categories.Contains(c)
                    ? Error.Validation("category is required: A (solved or adopted), B (being solved, planned) or C (for reference) / 请选择答复类别 A、B、C") : null)
                ?? ProposalRules.Text(req.Text, "text", 20_000)
                ?? ProposalRules.Text(req.SignedBy, "signedBy", 100, required: false);
            if (error is not null) return Task.FromResult<Error?>(error);
            if (p.Objection is not null)
                return Task.FromResult<Error?>(Error.Conflict("objection_pending", "交办异议尚待提案工作机构审查，暂不能答复 / the objection to the assignment waits for the office's review"));
            // The reply's PDF (答复函), optional: kept as an attachment of the matter, saved with this step, its hash
            // on the row and in the event (as the register event lists its photos), so `audit verify` holds it to them.
            Attachment? document = null;
            if (req.Document is { } upload)
            {
                var checkedDocument = ReplyDocuments.Check(upload, access.Options.ReplyDocumentMaxBytes, m.Id, actor.Id, step.Now);
                if (!checkedDocument.IsSuccess) return Task.FromResult(checkedDocument.Error);
                document = checkedDocument.Value!;
                step.Db.Attachments.Add(document);
                step.Details[Duban.Features.Audit.AuditVerifier.AttachedByEvent] = new JsonArray(new JsonObject
                {
                    ["sha256"] = document.Sha256,
                    ["contentType"] = document.ContentType,
                    ["size"] = document.Size,
                });
            }
            // A new reply is a new document: one without a PDF does not carry the previous reply's.
            p.ReplyDocumentSha256 = document?.Sha256;
            if (p.RehandlingCount == 0 && p.RepliedAt is null) p.FirstReplyOnTime = m.DueAt is not { } due || step.Now <= due;
            p.Status = ProposalStatus.Replied;
            p.ReplyCategory = req.Category!.Trim();
            p.ReplyText = req.Text!.Trim();
            p.ReplySignedBy = Text.OrNull(req.SignedBy) ?? (actor.Has(Roles.Leader) ? actor.DisplayName : null);
            p.RepliedAt = step.Now;
            // The host's clock stops while the proposer evaluates (as completed work waits for review).
            m.PausedAt = step.Now;
            m.PauseKind = MatterClock.ReviewPause;
            m.Outcome = p.ReplyText;
            m.Progress = 100;
            m.ClearExtensionRequest();
            m.Status = Status.PendingReview;
            step.Details["category"] = p.ReplyCategory;
            step.Details["onTime"] = m.DueAt is not { } d || step.Now <= d;
            return Task.FromResult<Error?>(null);
        }, ct, scopeProven: true);

    public override bool Allows(ActionContext context) =>
        ProposalFacet.Of(context.Matter).Row is { Objection: null } p && Check(context.Actor, context.Matter, p) is null;

    private static Error? Check(Actor actor, Matter m, Proposal p) =>
        ProposalRules.RequireStatus("答复", p, ProposalStatus.Assigned, ProposalStatus.Rehandling)
        ?? (ProposalAccess.IsHost(actor, m) ? null : Error.Forbidden("只有主办单位可以答复 / only the host unit replies"));
}
