using Duban.Features.Calendar;
using Microsoft.Extensions.Options;

namespace Duban.Features.Supervision;

public static class SupervisionServices
{
    public static IServiceCollection AddDubanSupervision(this IServiceCollection services)
    {
        services.AddOptions<SupervisionOptions>().BindConfiguration(SupervisionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<SupervisionOptions>, SupervisionOptionsCheck>();
        services.AddSingleton(sp => TimePolicies.Load(sp.GetRequiredService<IOptions<SupervisionOptions>>().Value.PolicyFile));
        services.AddSingleton(sp => new SupervisionClock(sp.GetRequiredService<TimePolicies>(), sp.GetRequiredService<WorkCalendar>(),
            sp.GetRequiredService<IOptions<SupervisionOptions>>()));
        services.AddSingleton<SupervisionSteps>();
        services.AddScoped<ClockPause>();
        services.AddScoped<KeySupervision>();
        services.AddScoped<RectificationPlan>();
        services.AddScoped<SupervisionQueries>();
        return services;
    }
}

/// <summary>A bad escalation delay or policy file stops the start with every problem named, not at the first deadline.</summary>
internal sealed class SupervisionOptionsCheck : IValidateOptions<SupervisionOptions>
{
    public ValidateOptionsResult Validate(string? name, SupervisionOptions options)
    {
        var problems = new List<string>();
        if (!TimeLimit.TryParse(options.EscalateAfter, out _))
            problems.Add($"{SupervisionOptions.Section}:EscalateAfter \"{options.EscalateAfter}\" is not a time limit (12h, 2d, 3wd)");
        if (!string.IsNullOrWhiteSpace(options.PolicyFile))
        {
            if (!File.Exists(options.PolicyFile)) problems.Add($"{SupervisionOptions.Section}:PolicyFile {options.PolicyFile} does not exist");
            else TimePolicies.Parse(File.ReadAllText(options.PolicyFile), problems);
        }
        if (options.KeyYellowShare > options.YellowShare)
            problems.Add($"{SupervisionOptions.Section}:KeyYellowShare must not exceed YellowShare: 重点督办 turns yellow earlier, not later");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
