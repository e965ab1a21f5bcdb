using Duban.Features.Matters;

namespace Duban.Features.RectificationPlans;

public static class PlanServices
{
    /// <summary>The rectification plan: its facet and its three actions.</summary>
    public static IServiceCollection AddRectificationPlans(this IServiceCollection services) =>
        services.AddMatterFacet<PlanFacet>()
            .AddMatterAction<RequirePlan>()
            .AddMatterAction<SubmitPlan>()
            .AddMatterAction<MarkMilestoneDone>();
}
