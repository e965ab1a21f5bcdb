using System.Linq.Expressions;
using Duban.Common;
using Duban.Data;
using Duban.Features.Calendar;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Supervision;

/// <summary>The light of an open matter: green, yellow (time running short, behind its plan, or late to sign), red (overdue).</summary>
public static class Light
{
    public const string Green = "green";
    public const string Yellow = "yellow";
    public const string Red = "red";

    public static readonly string[] All = [Green, Yellow, Red];
}

/// <summary>What decides a matter's light, read from the matter or from a list's row.</summary>
public readonly record struct ClockReading(string Status, DateTimeOffset? DueAt, DateTimeOffset? YellowAt, DateTimeOffset? PausedAt,
    bool KeySupervision, DateTimeOffset? LastProgressAt, bool MilestoneBehind, bool SignLate, DateTimeOffset? AcceptDueAt);

/// <summary>
/// A matter's clock: the policy it runs under, the deadlines of its stages, its pauses and its
/// light. The rules are here once; the actions (dispatch, pause, extension, reopen…) call them.
/// </summary>
public sealed class SupervisionClock(TimePolicies policies, WorkCalendar calendar, IOptions<SupervisionOptions> options)
{
    private readonly SupervisionOptions settings = options.Value;

    public TimePolicies Policies => policies;
    public WorkCalendar Calendar => calendar;
    public SupervisionOptions Settings => settings;

    /// <summary>The policy the matter runs under: its own, else the one its kind and urgency choose.</summary>
    public TimePolicy PolicyOf(Matter m) => policies.Find(m.TimePolicy) ?? policies.For(m.Kind, m.Urgency);

    /// <summary>At registration: the policy, and when the matter must be accepted or transferred (受理/转办), from its receipt.</summary>
    public void Register(Matter m)
    {
        var policy = policies.For(m.Kind, m.Urgency);
        m.TimePolicy = policy.Id;
        m.AcceptDueAt = policy.Accept?.From(m.ReceivedAt, calendar);
        Waiting(m);
    }

    /// <summary>Waiting for dispatch again (registered, returned): the light follows the acceptance deadline, if the policy sets one.</summary>
    public void Waiting(Matter m) => m.YellowAt = Point(m.ReceivedAt, m.AcceptDueAt, settings.YellowShare);

    /// <summary>
    /// At dispatch the handling clock starts afresh for the new unit: the policy's deadline (or the
    /// one the dispatcher gave), the yellow point, each new share's signing deadline; the automatic
    /// steps of an earlier deadline are forgotten, and so are its extensions.
    /// </summary>
    public void Start(Matter m, TimePolicy policy, DateTimeOffset now, DateTimeOffset? due, IEnumerable<Assignment> fresh)
    {
        m.TimePolicy = policy.Id;
        foreach (var a in fresh) a.SignDueAt = policy.Sign.From(now, calendar);
        // Another unit's rectification plan is not the new unit's (it stays in the events).
        m.Milestones.Clear();
        Restart(m, now, due ?? policy.Handle.From(now, calendar));
    }

    /// <summary>A new clock from <paramref name="now"/> to <paramref name="due"/> (dispatch, reopening): no pause, no extension, steps afresh.</summary>
    public void Restart(Matter m, DateTimeOffset now, DateTimeOffset due)
    {
        m.ClockStartedAt = now;
        m.DueAt = due;
        m.PausedAt = null;
        m.PauseKind = null;
        m.PausedMs = 0;
        m.ExtensionCount = 0;
        NewDeadline(m);
    }

    /// <summary>The internal pause while completed work waits for review (待审核): the unit's clock stops, resumed if sent back.</summary>
    public const string ReviewPause = "review";

    /// <summary>The unit's clock ends (closed, returned): no pause is left open on it.</summary>
    public static void Stop(Matter m)
    {
        m.PausedAt = null;
        m.PauseKind = null;
    }

    /// <summary>The deadline changed (an extension, a reopening): the yellow point follows and the automatic steps start again.</summary>
    public void NewDeadline(Matter m)
    {
        m.YellowAt = YellowPoint(m);
        m.StepsDueAt = m.DueAt;
        m.RemindedAt = null;
        m.NoticedAt = null;
        m.EscalatedAt = null;
        m.EscalatedTo = null;
    }

    /// <summary>
    /// The share of the time the light allows before yellow, of the working time from the clock's
    /// start to the deadline: the pauses so far are not time used, so the point moves on by them.
    /// </summary>
    public DateTimeOffset? YellowPoint(Matter m) =>
        Point(m.ClockStartedAt, m.DueAt, m.KeySupervision ? settings.KeyYellowShare : settings.YellowShare, TimeSpan.FromMilliseconds(m.PausedMs));

    private static DateTimeOffset? Point(DateTimeOffset? start, DateTimeOffset? due, double share, TimeSpan paused = default) =>
        start is { } s && due is { } d && d - paused > s
            ? Clock.Normalize(s + paused + TimeSpan.FromTicks((long)((d - s - paused).Ticks * share)))
            : null;

    /// <summary>The share of the clock's time used at <paramref name="now"/> (pauses not counted), or null without a clock.</summary>
    public static double? UsedShare(Matter m, DateTimeOffset now)
    {
        if (m.ClockStartedAt is not { } start || m.DueAt is not { } due) return null;
        var paused = TimeSpan.FromMilliseconds(m.PausedMs);
        var total = due - start - paused;
        if (total <= TimeSpan.Zero) return null;
        var used = (m.PausedAt ?? now) - start - paused;
        return Math.Round(Math.Max(0, used.TotalMilliseconds) / total.TotalMilliseconds, 3);
    }

    /// <summary>The deadline the policy set at dispatch, before any extension or pause.</summary>
    public DateTimeOffset? PolicyDeadline(Matter m) =>
        m.ClockStartedAt is { } start ? PolicyOf(m).Handle.From(start, calendar) : null;

    /// <summary>Resumes a paused clock: the deadline and the yellow point move on by the pause; returns its length.</summary>
    public TimeSpan Resume(Matter m, DateTimeOffset now)
    {
        if (m.PausedAt is not { } since) return TimeSpan.Zero;
        var paused = now > since ? now - since : TimeSpan.Zero;
        m.PausedMs += (long)paused.TotalMilliseconds;
        if (m.DueAt is { } due) m.DueAt = due + paused;
        if (m.YellowAt is { } yellow) m.YellowAt = yellow + paused;
        // The steps keep their record: a pause moves the deadline, it does not make a new one; the
        // notice moves on too, so the delay before escalation does not run out during the pause.
        m.StepsDueAt = m.DueAt;
        if (m.NoticedAt is { } noticed && m.EscalatedAt is null) m.NoticedAt = noticed + paused;
        m.PausedAt = null;
        m.PauseKind = null;
        return paused;
    }

    public ClockReading Read(Matter m, DateTimeOffset now)
    {
        var at = m.PausedAt ?? now;
        return new ClockReading(m.Status, m.DueAt, m.YellowAt, m.PausedAt, m.KeySupervision, m.LastProgressAt,
            m.Milestones.Any(x => x.DoneAt is null && x.DueAt < at),
            m.Status == Status.Dispatched && m.Assignments.Any(a => a.Active && a.Role == "lead" && a.SignDueAt < now), m.AcceptDueAt);
    }

    /// <summary>States in which the matter waits for the dispatcher: its light follows the acceptance deadline.</summary>
    public static readonly string[] WaitingStates = [Status.Received, Status.Returned];

    /// <summary>
    /// Red: past the deadline. Yellow: the yellow point passed, a milestone of the plan is late, a
    /// 重点督办 matter has reported no progress for <see cref="SupervisionOptions.KeyProgressDays"/>,
    /// or the unit is late to sign. Green otherwise. A paused clock shows the light of the moment it
    /// paused. Waiting for dispatch (received, returned): red past the acceptance deadline (受理、转办),
    /// yellow from its yellow point. Null: no clock runs (finished, or no deadline).
    /// </summary>
    public string? LightOf(ClockReading r, DateTimeOffset now)
    {
        if (WaitingStates.Contains(r.Status) && r.AcceptDueAt is { } accept)
            return now > accept ? Light.Red : r.YellowAt is { } point && now >= point ? Light.Yellow : Light.Green;
        if (!Status.Running.Contains(r.Status) || r.DueAt is not { } due) return null;
        var at = r.PausedAt ?? now;
        if (at > due) return Light.Red;
        if (r.YellowAt is { } yellow && at >= yellow) return Light.Yellow;
        if (r.MilestoneBehind || r.SignLate) return Light.Yellow;
        if (r.KeySupervision && r.LastProgressAt is { } last && last < now.AddDays(-settings.KeyProgressDays)) return Light.Yellow;
        return Light.Green;
    }

    public string? LightOf(Matter m, DateTimeOffset now) => LightOf(Read(m, now), now);

    /// <summary>The same rule as <see cref="LightOf(ClockReading, DateTimeOffset)"/>, as a filter inside a query.</summary>
    public Expression<Func<Matter, bool>> Filter(string light, DateTimeOffset now)
    {
        var running = Status.Running;
        var waiting = WaitingStates;
        var keyCutoff = now.AddDays(-settings.KeyProgressDays);
        var late = Overdue(now);
        Expression<Func<Matter, bool>> lateToAccept = m => EF.Constant(waiting).Contains(m.Status) && m.AcceptDueAt != null && m.AcceptDueAt < now;
        if (light == Light.Red) return Join(late, lateToAccept, Expression.OrElse);
        Expression<Func<Matter, bool>> open = m => EF.Constant(running).Contains(m.Status) && m.DueAt != null
            && !((m.PausedAt == null && m.DueAt < now) || (m.PausedAt != null && m.PausedAt > m.DueAt));
        Expression<Func<Matter, bool>> warning = m => (m.YellowAt != null && (m.PausedAt ?? now) >= m.YellowAt)
            || m.Milestones.Any(x => x.DoneAt == null && x.DueAt < (m.PausedAt ?? now))
            || (m.Status == Status.Dispatched && m.Assignments.Any(a => a.Active && a.Role == "lead" && a.SignDueAt < now))
            || (m.KeySupervision && m.LastProgressAt < keyCutoff);
        Expression<Func<Matter, bool>> openToAccept = m => EF.Constant(waiting).Contains(m.Status) && m.AcceptDueAt != null && !(m.AcceptDueAt < now);
        Expression<Func<Matter, bool>> warningToAccept = m => m.YellowAt != null && m.YellowAt <= now;
        var yellow = light == Light.Yellow;
        return Join(Join(open, yellow ? warning : Not(warning), Expression.AndAlso),
            Join(openToAccept, yellow ? warningToAccept : Not(warningToAccept), Expression.AndAlso), Expression.OrElse);
    }

    /// <summary>
    /// Held by a unit and past its deadline, a paused clock read when it paused: (paused_at ?? now) >
    /// due_at, written so that the running matters' due_at index serves the usual case.
    /// </summary>
    public static Expression<Func<Matter, bool>> Overdue(DateTimeOffset now)
    {
        var running = Status.Running;
        return m => EF.Constant(running).Contains(m.Status) && m.DueAt != null
            && ((m.PausedAt == null && m.DueAt < now) || (m.PausedAt != null && m.PausedAt > m.DueAt));
    }

    /// <summary>The same in memory.</summary>
    public static bool IsOverdue(string status, DateTimeOffset? due, DateTimeOffset? pausedAt, DateTimeOffset now) =>
        Status.Running.Contains(status) && due < (pausedAt ?? now);

    public static Expression<Func<Matter, bool>> Not(Expression<Func<Matter, bool>> e) =>
        Expression.Lambda<Func<Matter, bool>>(Expression.Not(e.Body), e.Parameters);

    private static Expression<Func<Matter, bool>> Join(Expression<Func<Matter, bool>> first, Expression<Func<Matter, bool>> second,
        Func<Expression, Expression, BinaryExpression> join)
    {
        var m = first.Parameters[0];
        return Expression.Lambda<Func<Matter, bool>>(join(first.Body, new Rename(second.Parameters[0], m).Visit(second.Body)), m);
    }

    private sealed class Rename(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
