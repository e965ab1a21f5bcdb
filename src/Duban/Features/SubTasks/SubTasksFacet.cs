using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.SubTasks;

/// <summary>
/// Sub-tasks (子任务) as a facet: the matters split from this one (their ParentId). They are
/// matters of their own, each on its own chain, so the facet adds nothing to the parent's hash; it
/// shows them, makes the parent's progress their weighted mean, and holds back the parent's
/// completion or merging while any is open.
/// </summary>
public sealed class SubTasksFacet : MatterFacet
{
    public const string FacetName = "subtasks";

    public override string Name => FacetName;

    public override int Order => 10;

    public override async Task<Error?> GuardAsync(string action, ActionStep step, CancellationToken ct)
    {
        if (action is not (Complete.Name or Merge.Name)) return null;
        var db = step.Db;
        var id = step.Matter.Id;
        var open = db.Matters.Where(c => c.ParentId == id && !Status.Finished.Contains(c.Status));
        if (action == Merge.Name)
        {
            return await open.AnyAsync(ct) ? Error.Conflict("open_subtasks", "有未办结子任务的事项不能合并 / a matter with open sub-tasks cannot be merged") : null;
        }
        var numbers = await open.Select(c => c.Number).ToListAsync(ct);
        return numbers.Count > 0 ? Error.Conflict("open_subtasks", $"子任务尚未全部办结：{string.Join("、", numbers)} / sub-tasks still open") : null;
    }

    /// <summary>The sub-tasks, and the parent's progress read from them, weighted (closed ones count as done).</summary>
    public override async Task<MatterDetail> DescribeAsync(MatterDetail detail, Matter m, FacetView view, CancellationToken ct)
    {
        var children = await view.Db.Matters.AsNoTracking().Where(c => c.ParentId == m.Id).OrderBy(c => c.Id)
            .Select(c => new { c.Id, c.Number, c.Title, c.Status, c.Progress, c.LeadUnitCode, c.DueAt, c.Weight }).ToListAsync(ct);
        if (children.Count == 0) return detail;
        var childViews = children.Select(c => new ChildView(c.Id, c.Number, c.Title, c.Status,
            c.Status == Status.Closed ? 100 : c.Progress, view.Unit(c.LeadUnitCode), c.DueAt)
        { Weight = c.Weight }).ToList();
        var counted = childViews.Where(c => c.Status != Status.Merged && c.Status != Status.Rejected).ToList();
        var weight = counted.Sum(c => c.Weight);
        return detail with
        {
            Children = childViews,
            Progress = MatterQueries.Progress(m.Status, m.Progress, weight == 0 ? null : counted.Sum(c => (double)c.Progress * c.Weight) / weight),
        };
    }

    public override Type? PageSection => typeof(SubTasksSection);
}
