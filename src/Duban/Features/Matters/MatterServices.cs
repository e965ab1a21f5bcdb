using Duban.Features.Matters.Actions;
using Microsoft.Extensions.Options;

namespace Duban.Features.Matters;

public static class MatterServices
{
    /// <summary>
    /// The matter core: the clock (policies, deadlines, the light), the facets' and actions'
    /// registries, the core's actions in the order the matter page draws them, and the labels of
    /// the events no action appends. Modules register theirs after (AddRectificationPlans, AddSubTasks…).
    /// </summary>
    public static IServiceCollection AddMatterCore(this IServiceCollection services)
    {
        services.AddOptions<ClockOptions>().BindConfiguration(ClockOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClockOptions>, ClockOptionsCheck>();
        services.AddSingleton(sp => TimePolicies.Load(sp.GetRequiredService<IOptions<ClockOptions>>().Value.PolicyFile,
            [.. sp.GetRequiredService<MatterKinds>().All.Select(k => k.Kind)]));
        services.AddSingleton<MatterClock>();
        services.AddSingleton<MatterFacets>();
        services.AddSingleton<MatterActions>();
        services.AddSingleton<MatterKinds>();
        services.AddSingleton<MatterChannels>();

        services.AddMatterAction<Dispatch>()
            .AddMatterAction<Accept>()
            .AddMatterAction<Approve>()
            .AddMatterAction<SendBack>()
            .AddMatterAction<Complete>()
            .AddMatterAction<ReportProgress>()
            .AddMatterAction<Extension>()
            .AddMatterAction<Return>()
            .AddMatterAction<Reopen>()
            .AddMatterAction<Urge>()
            .AddMatterAction<KeySupervision>()
            .AddMatterAction<Pause>()
            .AddMatterAction<Resume>()
            .AddMatterAction<ReturnReview>()
            .AddMatterAction<Relocate>()
            .AddMatterAction<Merge>()
            .AddMatterAction<Reject>()
            .AddMatterAction<Classify>()
            .AddMatterAction<Feedback>();
        services.AddScoped<RevealRaiser>();

        services.AddMatterEvent(new(RegisterMatter.EventName, new("登记", "Registered"), _ => "您的诉求已受理 / received"));
        services.AddMatterEvent(new(RevealRaiser.EventName, new("查看反映人身份", "Raiser's identity viewed")));
        foreach (var kind in MatterKinds.Core) services.AddMatterKind(kind);
        foreach (var channel in MatterChannels.Core) services.AddMatterChannel(channel);
        return services;
    }
}
