using System.ComponentModel.DataAnnotations;

using Duban.Features.Matters;

namespace Duban.Features.Supervision;

/// <summary>
/// The supervision job's settings (Duban:Supervision), checked at start-up. The clock's settings
/// (the light's thresholds, the policy file) share the section: Features/Matters/Clock/ClockOptions.
/// </summary>
public sealed class SupervisionOptions
{
    public const string Section = "Duban:Supervision";

    /// <summary>After the supervision notice (督办通知), how long until the matter is escalated one level up (a time limit: 3wd, 2d, 12h).</summary>
    public string EscalateAfter { get; set; } = "3wd";

    /// <summary>Whether this node runs the supervision job (every node may: the steps are taken once).</summary>
    public bool Job { get; set; } = true;

    /// <summary>How often the job looks for steps to take.</summary>
    [Range(5, 3600)]
    public int JobSeconds { get; set; } = 60;

    /// <summary>At most this many matters per step and run; the rest wait for the next run.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 200;

    public TimeLimit EscalationDelay => TimeLimit.TryParse(EscalateAfter, out var limit) ? limit : new TimeLimit(3, TimeLimitUnit.WorkingDays);
}
