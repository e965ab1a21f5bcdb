using System.ComponentModel.DataAnnotations;

namespace Duban.Features.Supervision;

/// <summary>The settings of supervision (Duban:Supervision), checked at start-up.</summary>
public sealed class SupervisionOptions
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

    /// <summary>A JSON file of time-limit policies replacing the shipped data/supervision/policies.json.</summary>
    public string? PolicyFile { get; set; }

    public TimeLimit EscalationDelay => TimeLimit.TryParse(EscalateAfter, out var limit) ? limit : new TimeLimit(3, TimeLimitUnit.WorkingDays);
}
