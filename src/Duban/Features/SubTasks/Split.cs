using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.SubTasks;

/// <param name="Weight">The sub-task's weight in the parent's progress, 1 to 100 (default 1).</param>
public sealed record SubTaskInput(string? Title, string? Content, string? LeadUnitCode, string[]? CoUnitCodes, DateTimeOffset? DueAt,
    int? Weight = null);
/// <param name="DueAt">Splitting at dispatch only: the parent's deadline instead of its policy's handling limit from now.</param>
public sealed record SplitRequest(int? Version, SubTaskInput[]? Children, string? Note, DateTimeOffset? DueAt = null);

/// <summary>
/// 分解: a matter in progress is broken into sub-tasks (子任务), each dispatched at once to its
/// own lead unit with a deadline no later than the parent's. The parent's progress is read from
/// its children, and it cannot be completed while any is open.
/// 拆分派单: a matter still waiting for dispatch (received or returned) is split by a dispatcher or
/// supervisor as it is dispatched: in the same step the coordinator's own unit holds the parent
/// as its lead (signed for), its clock starts as a dispatch's would, an open return is judged, and
/// the parts go to their units.
/// </summary>
public sealed class Split(MatterWorkflow workflow, RegisterNumbers numbers, MatterClock clock) : MatterAction<Split, SplitRequest>, IDescribedAction
{
    public const string Name = "split";

    /// <summary>The event each sub-task's chain begins with.</summary>
    public const string SubTaskRegistered = "register_subtask";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(SplitRequest), new("分解为子任务", "Split into sub-tasks"),
        [new(Name, new("分解", "Split")), new(SubTaskRegistered, new("登记子任务", "Registered as a sub-task"))],
        [new(Name, new("分解为子任务", "Split into sub-tasks"), typeof(SplitForm), SplitForm.Read)]);

    public override Task<Result<Matter>> ExecuteAsync(long id, SplitRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, async (step, ct) =>
        {
            var m = step.Matter;
            var error = Check(workflow.Scope, actor, m)
                ?? (req.Children is not { Length: >= 1 and <= 50 } ? Error.Validation("children: 1 to 50 sub-tasks / 请填写1至50个子任务") : null)
                ?? ActionRules.LimitText(req.Note, "note");
            if (error is not null) return error;

            // At dispatch: the parent's own dispatch is settled first (nothing changes until every part is valid).
            var atDispatch = m.Status != Status.InProgress;
            TimePolicy? policy = null;
            DispatchReturn? openReturn = null;
            List<Assignment>? held = null;
            DateTimeOffset? givenDue = req.DueAt is { } d0 ? Clock.Normalize(d0.ToUniversalTime()) : null;
            var parentDue = m.DueAt;
            if (atDispatch)
            {
                var open = await ActionRules.OpenReturnAsync(workflow.Db, m, actor, ct);
                if (!open.IsSuccess) return open.Error;
                openReturn = open.Value;
                var chosen = Dispatch.PolicyFor(clock, m, null);
                if (!chosen.IsSuccess) return chosen.Error;
                policy = chosen.Value!;
                if (givenDue is { } given && Deadline.Check(given, step.Now) is { } badParentDue) return badParentDue;
                var holder = await Assignments.BuildAsync(workflow.Units, m, actor.UnitCode, null, step.Now, "", ct);
                if (!holder.IsSuccess) return holder.Error;
                held = holder.Value!;
                parentDue = givenDue ?? policy.Handle.From(step.Now, clock.Calendar);
            }
            else if (givenDue is not null)
            {
                return Error.Validation("dueAt: a matter in progress keeps its deadline (ask for an extension) / 办理中的事项不在分解时改期限");
            }
            // A sub-task runs under its parent's policy (a 复杂诉求's parts may pause for an appraisal too).
            var childPolicy = policy ?? clock.PolicyOf(m);

            var children = new List<Matter>();
            var allocated = await numbers.NextAsync(step.Now, req.Children!.Length, ct);
            for (var i = 0; i < req.Children!.Length; i++)
            {
                var c = req.Children[i];
                if (c is null) return Error.Validation($"children[{i}] is required / 子任务不能为空");
                if (string.IsNullOrWhiteSpace(c.Title) || c.Title.Length > 200) return Error.Validation($"children[{i}].title is required, at most 200 characters");
                if (c.Content is { Length: > 20_000 }) return Error.Validation($"children[{i}].content is at most 20000 characters / 子任务内容不超过20000字");
                var built = await Assignments.BuildAsync(workflow.Units, m, c.LeadUnitCode, c.CoUnitCodes, step.Now, $"children[{i}].", ct);
                if (!built.IsSuccess) return built.Error;
                // A unit breaking down its own task hands parts to units in its own territory; the
                // dispatcher and supervisors may hand them anywhere in their scope.
                var prefix = MatterScope.TerritoryPrefix(actor.TerritoryCode);
                if (!workflow.Scope.Coordinates(actor) && !workflow.Scope.IsCityWide(actor)
                    && built.Value!.FirstOrDefault(a => !a.UnitTerritoryCode.StartsWith(prefix, StringComparison.Ordinal)) is { } outside)
                    return Error.Forbidden($"children[{i}]: unit {outside.UnitCode} is outside your unit's territory / 子任务只能交给本辖区单位");
                var due = c.DueAt is { } d ? Clock.Normalize(d.ToUniversalTime()) : parentDue ?? step.Now.AddDays(15);
                if (Deadline.Check(due, step.Now) is { } badDue) return badDue;
                if (parentDue is { } limit && due > limit) return Error.Validation($"children[{i}].dueAt must not be later than the parent's deadline / 子任务期限不得晚于主任务");
                if (c.Weight is < 1 or > 100) return Error.Validation($"children[{i}].weight is 1 to 100 / 子任务权重为1至100");
                var child = NewTasks.Create(clock, allocated[i], actor, step.Now, new NewTask(c.Title.Trim(),
                    string.IsNullOrWhiteSpace(c.Content) ? m.Title : c.Content.Trim(), m.Channel, built.Value!, childPolicy, due)
                {
                    Location = m.Location,
                    TerritoryCode = m.TerritoryCode,
                    Category = m.Category,
                    Urgency = m.Urgency,
                    SubjectUnitCode = m.SubjectUnitCode,
                    SubjectPerson = m.SubjectPerson,
                    Confidential = m.Confidential,
                    ParentId = m.Id,
                    Weight = c.Weight ?? 1,
                });
                children.Add(child);
            }
            if (atDispatch)
            {
                // Parts given to the unit that returned the matter say its return was improper
                // (overruled), as a dispatch back to it does; parts all elsewhere uphold it.
                if (openReturn is { } judged)
                    ActionRules.Judge(judged, children.Any(c => c.LeadUnitCode == judged.UnitCode) ? DispatchReturn.Overruled : DispatchReturn.Upheld, step);
                // The coordinator's unit holds the parent, signed for: it follows the parts and completes the whole.
                foreach (var a in m.Assignments) a.Active = false;
                held![0].AcceptedAt = step.Now;
                m.Assignments.AddRange(held);
                m.LeadUnitCode = held[0].UnitCode;
                Dispatch.StartClock(clock, m, policy!, givenDue, held, step);
                m.Progress = 0;
                m.ClearExtensionRequest();
                m.Status = Status.InProgress;
                m.StatusReason = null;
                step.Details["atDispatch"] = true;
                step.Details["heldBy"] = m.LeadUnitCode;
            }
            workflow.Db.Matters.AddRange(children);
            foreach (var child in children) await workflow.NotifyGivenAsync(child, child.Assignments, ct);
            step.Reason = Text.OrNull(req.Note);
            step.Details["children"] = new JsonArray([.. children.Select(c => JsonValue.Create(c.Number))]);
            step.MoreEvents.Add(async (audit, ct) =>
            {
                foreach (var child in children)
                {
                    var data = MatterWorkflow.Snapshot(child, workflow.Facets);
                    data["parent"] = m.Number;
                    await audit.AppendAsync(child, actor, SubTaskRegistered, null, child.Status, null, new JsonObject { ["after"] = data }, ct);
                }
            });
            return null;
        }, ct);

    /// <summary>
    /// May the actor split the matter now? In progress: its lead unit, a dispatcher or a supervisor.
    /// Waiting for dispatch (received, returned): whoever may dispatch it (<see cref="Dispatch"/>'s refusals).
    /// </summary>
    public override bool Allows(ActionContext context) => Check(context.Scope, context.Actor, context.Matter) is null;

    private static Error? Check(MatterScope scope, Actor actor, Matter m) =>
        ActionRules.RequireStatus("分解/split", m, Status.InProgress, Status.Received, Status.Returned)
        ?? (m.Status != Status.InProgress ? Dispatch.Check(scope, actor, m)
            : ActionRules.IsLeadUnit(actor, m) || scope.Coordinates(actor) ? null : ActionRules.NotYours("分解任务"));
}
