using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;

namespace Duban.Features.Matters.Actions;

/// <param name="Weight">The sub-task's weight in the parent's progress, 1 to 100 (default 1).</param>
public sealed record SubTaskInput(string? Title, string? Content, string? LeadUnitCode, string[]? CoUnitCodes, DateTimeOffset? DueAt,
    int? Weight = null);
public sealed record SplitRequest(int? Version, SubTaskInput[]? Children, string? Note);

/// <summary>
/// 分解: a matter in progress is broken into sub-tasks (子任务), each dispatched at once to its
/// own lead unit with a deadline no later than the parent's. The parent's progress is read from
/// its children, and it cannot be completed while any is open.
/// </summary>
public sealed class Split(MatterWorkflow workflow, RegisterNumbers numbers, Supervision.SupervisionClock clock)
{
    public Task<Result<Matter>> ExecuteAsync(long id, SplitRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, "split", async (step, ct) =>
        {
            var m = step.Matter;
            var error = Check(workflow.Scope, actor, m)
                ?? (req.Children is not { Length: >= 1 and <= 50 } ? Error.Validation("children: 1 to 50 sub-tasks / 请填写1至50个子任务") : null);
            if (error is not null) return error;

            var children = new List<Matter>();
            var allocated = await numbers.NextAsync(step.Now, req.Children!.Length, ct);
            for (var i = 0; i < req.Children!.Length; i++)
            {
                var c = req.Children[i];
                if (string.IsNullOrWhiteSpace(c.Title) || c.Title.Length > 200) return Error.Validation($"children[{i}].title is required, at most 200 characters");
                var built = await Assignments.BuildAsync(workflow.Units, m, c.LeadUnitCode, c.CoUnitCodes, step.Now, $"children[{i}].", ct);
                if (!built.IsSuccess) return built.Error;
                // A unit breaking down its own task hands parts to units in its own territory; the
                // dispatcher and supervisors may hand them anywhere in their scope.
                var prefix = MatterScope.TerritoryPrefix(actor.TerritoryCode);
                if (!workflow.Scope.Coordinates(actor) && !workflow.Scope.IsCityWide(actor)
                    && built.Value!.FirstOrDefault(a => !a.UnitTerritoryCode.StartsWith(prefix, StringComparison.Ordinal)) is { } outside)
                    return Error.Forbidden($"children[{i}]: unit {outside.UnitCode} is outside your unit's territory / 子任务只能交给本辖区单位");
                var due = c.DueAt is { } d ? Clock.Normalize(d.ToUniversalTime()) : m.DueAt ?? step.Now.AddDays(15);
                if (Deadline.Check(due, step.Now) is { } badDue) return badDue;
                if (m.DueAt is { } parentDue && due > parentDue) return Error.Validation($"children[{i}].dueAt must not be later than the parent's deadline / 子任务期限不得晚于主任务");
                if (c.Weight is < 1 or > 100) return Error.Validation($"children[{i}].weight is 1 to 100 / 子任务权重为1至100");
                var child = new Matter
                {
                    Id = allocated[i].Id,
                    Number = allocated[i].Number,
                    Kind = "task",
                    Channel = m.Channel,
                    Title = c.Title.Trim(),
                    Content = string.IsNullOrWhiteSpace(c.Content) ? m.Title : c.Content.Trim(),
                    Location = m.Location,
                    TerritoryCode = m.TerritoryCode,
                    CountyCode = m.CountyCode,
                    Category = m.Category,
                    Urgency = m.Urgency,
                    ReceivedAt = step.Now,
                    RegisteredAt = step.Now,
                    RegisteredBy = actor.Id,
                    RaiserAnonymous = true,
                    SubjectUnitCode = m.SubjectUnitCode,
                    SubjectPerson = m.SubjectPerson,
                    Confidential = m.Confidential,
                    Status = Status.Dispatched,
                    LeadUnitCode = built.Value![0].UnitCode,
                    ParentId = m.Id,
                    Weight = c.Weight ?? 1,
                    UpdatedAt = step.Now,
                    Version = 1,
                };
                child.Assignments.AddRange(built.Value!);
                clock.Register(child);
                // A sub-task runs under its parent's policy (a 复杂诉求's parts may pause for an appraisal too).
                clock.Start(child, clock.PolicyOf(m), step.Now, due, built.Value!);
                children.Add(child);
            }
            workflow.Db.Matters.AddRange(children);
            step.Reason = Text.OrNull(req.Note);
            step.Details["children"] = new JsonArray([.. children.Select(c => JsonValue.Create(c.Number))]);
            step.MoreEvents.Add(async (audit, ct) =>
            {
                foreach (var child in children)
                {
                    var data = MatterWorkflow.Snapshot(child);
                    data["parent"] = m.Number;
                    await audit.AppendAsync(child, actor, "register_subtask", null, child.Status, null, new JsonObject { ["after"] = data }, ct);
                }
            });
            return null;
        }, ct);

    /// <summary>May the actor split the matter now (in progress: its lead unit, a dispatcher or a supervisor)?</summary>
    public static bool Allows(MatterScope scope, Actor actor, Matter m) => Check(scope, actor, m) is null;

    private static Error? Check(MatterScope scope, Actor actor, Matter m) =>
        MatterWorkflow.RequireStatus("分解/split", m, Status.InProgress)
        ?? (MatterWorkflow.IsLeadUnit(actor, m) || scope.Coordinates(actor) ? null : MatterWorkflow.NotYours("分解任务"));
}
