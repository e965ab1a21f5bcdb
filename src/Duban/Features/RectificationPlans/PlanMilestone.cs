using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.RectificationPlans;

/// <summary>A milestone of a rectification plan (整改节点): done or not, weighted in the matter's progress.</summary>
public sealed class PlanMilestone
{
    public long Id { get; set; }
    public long MatterId { get; set; }
    public int Seq { get; set; }
    public required string Title { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public int Weight { get; set; }
    public DateTimeOffset? DoneAt { get; set; }
    public string? Note { get; set; }
}

/// <summary>The table plan_milestones (schema 0006), found by DubanDb with the module's other configurations.</summary>
internal sealed class PlanMilestoneConfiguration : IEntityTypeConfiguration<PlanMilestone>
{
    public void Configure(EntityTypeBuilder<PlanMilestone> e)
    {
        e.ToTable("plan_milestones");
        e.HasOne<Data.Matter>().WithMany().HasForeignKey(x => x.MatterId);
        // As in the schema (ix_plan_milestones_matter): a replaced plan's rows are deleted before its new ones are inserted.
        e.HasIndex(x => new { x.MatterId, x.Seq }).IsUnique();
    }
}
