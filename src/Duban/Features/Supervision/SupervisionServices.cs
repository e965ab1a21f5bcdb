using Duban.Features.Matters;
using Microsoft.Extensions.Options;

namespace Duban.Features.Supervision;

public static class SupervisionServices
{
    public static IServiceCollection AddDubanSupervision(this IServiceCollection services)
    {
        services.AddOptions<SupervisionOptions>().BindConfiguration(SupervisionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<SupervisionOptions>, SupervisionOptionsCheck>();
        services.AddSingleton<SupervisionSteps>();
        // The job's steps on the timeline (not on the raiser's tracking page).
        services.AddMatterEvent(new(SupervisionSteps.Remind, new("自动催办", "Reminder")));
        services.AddMatterEvent(new(SupervisionSteps.Notice, new("督办通知", "Supervision notice")));
        services.AddMatterEvent(new(SupervisionSteps.Escalate, new("提级督办", "Escalated")));
        services.AddScoped<SupervisionQueries>();
        return services;
    }
}

/// <summary>A bad escalation delay stops the start with every problem named, not at the first deadline.</summary>
internal sealed class SupervisionOptionsCheck : IValidateOptions<SupervisionOptions>
{
    public ValidateOptionsResult Validate(string? name, SupervisionOptions options)
    {
        var problems = new List<string>();
        if (!TimeLimit.TryParse(options.EscalateAfter, out _))
            problems.Add($"{SupervisionOptions.Section}:EscalateAfter \"{options.EscalateAfter}\" is not a time limit (12h, 2d, 3wd)");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
