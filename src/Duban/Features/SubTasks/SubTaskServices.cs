using Duban.Features.Matters;

namespace Duban.Features.SubTasks;

public static class SubTaskServices
{
    /// <summary>Sub-tasks: their facet and the split action.</summary>
    public static IServiceCollection AddSubTasks(this IServiceCollection services) =>
        services.AddMatterFacet<SubTasksFacet>().AddMatterAction<Split>();
}
