using Duban.Data;

namespace Duban.Features.Matters;

public sealed record PolicyRef(string Id, string Name, string Rule);
public sealed record PauseView(DateTimeOffset Since, string Kind, string KindName);
public sealed record MilestoneView(int Seq, string Title, DateTimeOffset DueAt, int Weight, DateTimeOffset? DoneAt, string? Note, bool Late);

/// <summary>
/// A matter's clock as the API shows it: the policy and its rule, the deadline of each stage
/// (acceptance, signing, handling; a named reporter's notices), the share of time used, the
/// light, pauses, 重点督办, the steps taken, and the rectification plan.
/// </summary>
public sealed record ClockView(PolicyRef Policy, string? Light, DateTimeOffset? AcceptDueAt, DateTimeOffset? SignDueAt,
    DateTimeOffset? StartedAt, DateTimeOffset? DueAt, DateTimeOffset? YellowAt, double? UsedShare, PauseView? Paused, long PausedMs,
    int Extensions, int? ExtensionsAllowed, bool KeySupervision, bool PlanRequired, DateTimeOffset? LastProgressAt,
    DateTimeOffset? RemindedAt, DateTimeOffset? NoticedAt, DateTimeOffset? EscalatedAt, UnitRef? EscalatedTo,
    DateTimeOffset? NotifyAcceptanceBy, DateTimeOffset? NotifyOutcomeBy, IReadOnlyList<MilestoneView> Milestones)
{
    /// <summary>The clock of the matter; its <see cref="Milestones"/> are the rectification plan's to fill (Features/RectificationPlans).</summary>
    public static ClockView Of(Matter m, MatterClock clock, DateTimeOffset now, Func<string?, UnitRef?> unit)
    {
        var policy = clock.PolicyOf(m);
        var used = Status.Running.Contains(m.Status) ? MatterClock.UsedShare(m, now) : null;
        var lead = m.Assignments.Where(a => a.Active && a.Role == "lead").OrderByDescending(a => a.AssignedAt).FirstOrDefault();
        // A named reporter (not anonymous) is told of acceptance and of the outcome within the policy's times.
        var named = !m.RaiserAnonymous && m.RaiserSealed is not null;
        return new ClockView(new PolicyRef(policy.Id, policy.Name, policy.Rule), clock.LightOf(m, now), m.AcceptDueAt, lead?.SignDueAt,
            m.ClockStartedAt, m.DueAt, m.YellowAt, used,
            m.PausedAt is { } since ? new PauseView(since, m.PauseKind ?? "", m.PauseKind == MatterClock.ReviewPause ? "办结待审核"
                : clock.Policies.PauseKinds.TryGetValue(m.PauseKind ?? "", out var k) ? k.Name : m.PauseKind ?? "") : null,
            m.PausedMs, m.ExtensionCount, policy.Extension?.Times, m.KeySupervision, m.PlanRequired, m.LastProgressAt,
            m.RemindedAt, m.NoticedAt, m.EscalatedAt, unit(m.EscalatedTo),
            named && policy.NotifyAcceptance is { } acceptance ? acceptance.From(m.ReceivedAt, clock.Calendar) : null,
            named && policy.NotifyOutcome is { } outcome && m.ClosedAt is { } closed ? outcome.From(closed, clock.Calendar) : null,
            []);
    }
}
