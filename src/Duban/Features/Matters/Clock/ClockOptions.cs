using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Duban.Features.Matters;

/// <summary>
/// The clock's settings (Duban:Supervision, the section they always had), checked at start-up: the
/// light's thresholds and the time-limit policies. The supervision job's own settings share the
/// section (Features/Supervision/SupervisionOptions).
/// </summary>
public sealed class ClockOptions
{
    public const string Section = "Duban:Supervision";

    /// <summary>The light turns yellow when this share of the time from dispatch to the deadline is used.</summary>
    [Range(0.05, 0.99)]
    public double YellowShare { get; set; } = 0.75;

    /// <summary>The same for a matter under 重点督办: earlier.</summary>
    [Range(0.05, 0.99)]
    public double KeyYellowShare { get; set; } = 0.5;

    /// <summary>A matter under 重点督办 must report progress at least this often (days), or it is yellow.</summary>
    [Range(1, 30)]
    public int KeyProgressDays { get; set; } = 7;

    /// <summary>A JSON file of time-limit policies replacing the shipped data/supervision/policies.json.</summary>
    public string? PolicyFile { get; set; }
}

/// <summary>A bad policy file or thresholds stop the start with every problem named, not at the first deadline.</summary>
internal sealed class ClockOptionsCheck(MatterKinds kinds) : IValidateOptions<ClockOptions>
{
    public ValidateOptionsResult Validate(string? name, ClockOptions options)
    {
        var problems = new List<string>();
        string[] known = [.. kinds.All.Select(k => k.Kind)];
        TimePolicies? policies = null;
        if (!string.IsNullOrWhiteSpace(options.PolicyFile))
        {
            if (!File.Exists(options.PolicyFile)) problems.Add($"{ClockOptions.Section}:PolicyFile {options.PolicyFile} does not exist");
            else policies = TimePolicies.Parse(File.ReadAllText(options.PolicyFile), problems, known);
        }
        else
        {
            policies = TimePolicies.Parse(TimePolicies.Shipped(), problems, known);
        }
        // A kind's own policy (KindTraits.TimePolicy) must be one in force: a typo would fall back to the catch-all unseen.
        foreach (var kind in kinds.All)
        {
            if (kind.TimePolicy is { } id && policies is not null && policies.Find(id) is null)
                problems.Add($"kind {kind.Kind} names the time-limit policy {id}, which is not in force");
        }
        if (options.KeyYellowShare > options.YellowShare)
            problems.Add($"{ClockOptions.Section}:KeyYellowShare must not exceed YellowShare: 重点督办 turns yellow earlier, not later");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
