using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters.Actions;

public sealed record MergeRequest(int? Version, long? TargetId, string? Reason);

/// <summary>
/// 合并: a duplicate joins the matter that carries the case; it is finished as merged and points
/// to the target, and the target's own chain records what joined it.
/// </summary>
public sealed class Merge(MatterWorkflow workflow) : MatterAction<Merge, MergeRequest>, IDescribedAction
{
    public const string Name = "merge";

    /// <summary>The event on the target that records what joined it.</summary>
    public const string MergedIn = "merged_in";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Correct, typeof(MergeRequest), new("合并", "Merge"),
        [
            new(Name, new("合并", "Merged"), _ => "已与相同诉求合并办理 / joined with a report of the same matter"),
            new(MergedIn, new("合并进来", "A duplicate joined")),
        ],
        [new(Name, new("合并", "Merge"), typeof(Forms.MergeForm), Forms.MergeForm.ReadAsync)]);

    public override Task<Result<Matter>> ExecuteAsync(long id, MergeRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, async (step, ct) =>
        {
            var m = step.Matter;
            var error = Check(workflow.Scope, actor, m)
                ?? (req.TargetId is null ? Error.Validation("targetId is required / 请指定合并到的事项") : null)
                ?? (req.TargetId == m.Id ? Error.Validation("a matter cannot be merged into itself") : null);
            if (error is not null) return error;
            var target = await workflow.Scope.Visible(workflow.Db.Matters, workflow.Db, actor).Include(t => t.Assignments)
                .FirstOrDefaultAsync(t => t.Id == req.TargetId, ct);
            if (target is null) return Error.Validation($"target matter {req.TargetId} does not exist / 目标事项不存在");
            // The target's event hashes its whole state, facets included.
            await workflow.Facets.LoadAsync(workflow.Db, [target], tracked: true, ct);
            if (Status.Finished.Contains(target.Status))
                return Error.Conflict("target_finished", $"目标事项{target.Number}已{Status.Chinese(target.Status)}，不能合并 / the target is {target.Status}");
            // What a facet's state forbids (open sub-tasks).
            if (await workflow.Facets.GuardAsync(Name, step, ct) is { } refused) return refused;
            // A return waiting for a judgement ends with the duplicate: no fault of the unit's.
            var open = await ActionRules.OpenReturnAsync(workflow.Db, m, actor, ct);
            if (!open.IsSuccess) return open.Error;
            if (open.Value is { } returned) ActionRules.Judge(returned, DispatchReturn.Upheld, step);
            foreach (var a in m.Assignments) a.Active = false;
            m.Status = Status.Merged;
            m.MergedIntoId = target.Id;
            m.ClearExtensionRequest();
            m.StatusReason = Text.OrNull(req.Reason);
            step.Reason = m.StatusReason;
            step.Details["target"] = target.Number;
            step.MoreEvents.Add((audit, ct) => audit.AppendAsync(target, actor, MergedIn, target.Status, target.Status, m.StatusReason,
                new JsonObject { ["source"] = m.Number, ["sourceId"] = m.Id }, ct));
            return null;
        }, ct);

    /// <summary>May the actor merge the matter into another now (a dispatcher or supervisor, until a unit has finished it)? Open sub-tasks and the target are the action's to judge.</summary>
    public override bool Allows(ActionContext context) => Check(context.Scope, context.Actor, context.Matter) is null;

    private static Error? Check(MatterScope scope, Actor actor, Matter m) =>
        ActionRules.RequireStatus("合并/merge", m, Status.Received, Status.Returned, Status.Dispatched, Status.InProgress)
        ?? (scope.Coordinates(actor) ? null : ActionRules.NotYours("合并"));
}
