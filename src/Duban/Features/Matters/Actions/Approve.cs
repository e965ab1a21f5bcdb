using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

/// <summary>审核通过: a dispatcher or supervisor accepts the outcome and the matter is closed (办结).</summary>
public sealed class Approve(MatterWorkflow workflow) : MatterAction<Approve, VersionedRequest>, IDescribedAction
{
    public const string Name = "approve";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(VersionedRequest), new("审核通过", "Approve"),
        [new(Name, new("审核通过", "Approved"), _ => "已办结 / closed")],
        [new(Name, new("审核通过", "Approve"), typeof(Forms.NoteForm), p => FormPost.Ok(new VersionedRequest(p.Version, p.Text("note"))), Primary: true)]);

    public override Task<Result<Matter>> ExecuteAsync(long id, VersionedRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var m = step.Matter;
            var error = Check(workflow.Scope, actor, m, "审核通过/approve");
            if (error is not null) return Task.FromResult<Error?>(error);
            m.Status = Status.Closed;
            m.ClosedAt = step.Now;
            // The unit's clock stopped when it completed; closed, nothing is paused any more.
            MatterClock.Stop(m);
            step.Reason = Text.OrNull(req.Note);
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>May the actor review the outcome now (a dispatcher or supervisor, pending review)? The same for approving and sending back.</summary>
    public override bool Allows(ActionContext context) => Check(context.Scope, context.Actor, context.Matter, "审核/review") is null;

    internal static Error? Check(MatterScope scope, Actor actor, Matter m, string action) =>
        ActionRules.RequireStatus(action, m, Status.PendingReview)
        ?? (scope.Coordinates(actor) ? null : ActionRules.NotYours("审核"));
}
