using System.Linq.Expressions;
using Duban.Common;
using Duban.Data;
using Duban.Features.Calendar;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Matters;

/// <summary>
/// A matter's clock: the policy it runs under, the deadlines of its stages, its pauses and its
/// light. The rules are here once; the actions (dispatch, pause, extension, reopen…) call them.
/// </summary>
public sealed class MatterClock(TimePolicies policies, WorkCalendar calendar, IOptions<ClockOptions> options, MatterFacets facets, MatterKinds kinds)
{
    private readonly ClockOptions settings = options.Value;

    public TimePolicies Policies => policies;
    public WorkCalendar Calendar => calendar;
    public ClockOptions Settings => settings;
    public MatterFacets Facets => facets;

    /// <summary>The policy the matter runs under: its own, else the one its kind and urgency choose.</summary>
    public TimePolicy PolicyOf(Matter m) => policies.Find(m.TimePolicy) ?? DefaultPolicy(m.Kind, m.Urgency);

    /// <summary>
    /// The policy a kind and urgency choose: the first in force that governs them, unless only the
    /// catch-all does and the kind names a policy of its own (<see cref="KindTraits.TimePolicy"/>).
    /// </summary>
    public TimePolicy DefaultPolicy(string kind, string urgency)
    {
        var chosen = policies.For(kind, urgency);
        return chosen.Kinds is null && kinds.Find(kind)?.TimePolicy is { } own && policies.Find(own) is { } named ? named : chosen;
    }

    /// <summary>At registration: the policy, and when the matter must be accepted or transferred (受理/转办), from its receipt.</summary>
    public void Register(Matter m)
    {
        var policy = DefaultPolicy(m.Kind, m.Urgency);
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
        // What belonged to the previous holder (another unit's rectification plan) is not the new unit's; it stays in the events.
        facets.OnNewHolder(m);
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

    /// <summary>
    /// The earliest warning point besides the time used (stored as <see cref="Matter.WarnAt"/>, so
    /// that the light is a rule over the matter's own fields): the lead unit's signing deadline while
    /// it has not signed, and each facet's (a milestone of the rectification plan due). A point is
    /// the first moment the warning holds: a deadline passed by a millisecond.
    /// </summary>
    public DateTimeOffset? WarningPoint(Matter m)
    {
        DateTimeOffset? point = null;
        if (m.Status == Status.Dispatched)
        {
            foreach (var a in m.Assignments)
            {
                if (a.Active && a.Role == "lead" && a.SignDueAt is { } sign) point = Earliest(point, sign.AddMilliseconds(1));
            }
        }
        return Earliest(point, facets.WarningPoint(m));
    }

    /// <summary>Brings the stored warning point up to date: after every change to a matter, before it is saved.</summary>
    public void Refresh(Matter m) => m.WarnAt = WarningPoint(m);

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    /// <summary>The moment <paramref name="now"/> as the light rule reads it.</summary>
    public LightMoment Moment(DateTimeOffset now) => new(now, now.AddDays(-settings.KeyProgressDays));

    /// <summary>green, yellow, red, or null when no clock runs: <see cref="LightRule"/>.</summary>
    public string? LightOf<T>(T fields, DateTimeOffset now) where T : ILightFields => LightRule.Of(fields, Moment(now));

    /// <summary>The same rule as a filter inside a query.</summary>
    public Expression<Func<Matter, bool>> Filter(string light, DateTimeOffset now) => LightRule.Filter<Matter>(light, Moment(now));

    /// <summary>The same filter as its held and waiting halves (<see cref="LightRule.Halves{T}"/>), for queries that page each.</summary>
    public IReadOnlyList<Expression<Func<Matter, bool>>> Halves(string light, DateTimeOffset now) => LightRule.Halves<Matter>(light, Moment(now));

    /// <summary>Held by a unit and past its deadline (a paused clock read when it paused), as a filter inside a query.</summary>
    public static Expression<Func<Matter, bool>> Overdue(DateTimeOffset now) => LightRule.Where(LightRule.Overdue<Matter>(), new LightMoment(now, now));

    /// <summary>The same in memory.</summary>
    public static bool IsOverdue(string status, DateTimeOffset? due, DateTimeOffset? pausedAt, DateTimeOffset now) =>
        LightRule.IsOverdue(new LightFields(status, null, null, due, pausedAt, false, null, null), new LightMoment(now, now));

    public static Expression<Func<Matter, bool>> Not(Expression<Func<Matter, bool>> e) =>
        Expression.Lambda<Func<Matter, bool>>(Expression.Not(e.Body), e.Parameters);
}
