using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters;

/// <summary>The light of an open matter: green, yellow (time running short, a warning point passed), red (overdue).</summary>
public static class Light
{
    public const string Green = "green";
    public const string Yellow = "yellow";
    public const string Red = "red";

    public static readonly string[] All = [Green, Yellow, Red];
}

/// <summary>
/// The stored fields a light is read from: a matter, or a list's row of one. Nothing else decides
/// it, so the same rule runs in SQL (a filter, a count) and in memory (a page, a row).
/// </summary>
public interface ILightFields
{
    string Status { get; }
    /// <summary>When a waiting matter must be dispatched (受理、转办时限).</summary>
    DateTimeOffset? AcceptDueAt { get; }
    /// <summary>The share of the time used after which the light is yellow.</summary>
    DateTimeOffset? YellowAt { get; }
    DateTimeOffset? DueAt { get; }
    /// <summary>A paused clock shows the light of the moment it paused.</summary>
    DateTimeOffset? PausedAt { get; }
    bool KeySupervision { get; }
    DateTimeOffset? LastProgressAt { get; }
    /// <summary>The earliest other warning point (a late signature, a facet's: a late milestone), derived and stored (<see cref="MatterClock.WarningPoint"/>).</summary>
    DateTimeOffset? WarnAt { get; }
}

/// <summary>The fields of a light, for a row read by a projection.</summary>
public sealed record LightFields(string Status, DateTimeOffset? AcceptDueAt, DateTimeOffset? YellowAt, DateTimeOffset? DueAt,
    DateTimeOffset? PausedAt, bool KeySupervision, DateTimeOffset? LastProgressAt, DateTimeOffset? WarnAt) : ILightFields;

/// <summary>The moment a light is read at, and the last progress a 重点督办 matter may be silent since.</summary>
public sealed record LightMoment(DateTimeOffset Now, DateTimeOffset KeyCutoff);

/// <summary>
/// The one rule of the lights, written once as expressions over stored fields: a query filters and
/// counts with them (they keep the shapes the partial indexes serve: the states inlined, the
/// deadline compared bare), and the same expressions, compiled, read a loaded matter or row.
/// <list type="bullet">
/// <item>Waiting for dispatch (received, returned), with an acceptance deadline (受理、转办): red past
/// it, yellow from its yellow point.</item>
/// <item>Held by a unit (dispatched, in progress, pending review), with a deadline: red past it;
/// yellow from the yellow point of the time used, from a warning point (a late signature, a late
/// milestone), or when 重点督办 has reported no progress for a week. A paused clock is read at the
/// moment it paused.</item>
/// <item>Otherwise no light: nothing runs.</item>
/// </list>
/// </summary>
public static class LightRule
{
    private static readonly string[] Waiting = [Status.Received, Status.Returned];
    private static readonly string[] Running = Status.Running;

    /// <summary>States in which the matter waits for the dispatcher: its light follows the acceptance deadline.</summary>
    public static IReadOnlyList<string> WaitingStates => Waiting;

    /// <summary>Held by a unit and past its deadline, a paused clock read when it paused.</summary>
    public static Expression<Func<T, LightMoment, bool>> Overdue<T>() where T : ILightFields => Rules<T>.Overdue;

    public static Expression<Func<T, LightMoment, bool>> Red<T>() where T : ILightFields => Rules<T>.Red;
    public static Expression<Func<T, LightMoment, bool>> Yellow<T>() where T : ILightFields => Rules<T>.Yellow;
    public static Expression<Func<T, LightMoment, bool>> Green<T>() where T : ILightFields => Rules<T>.Green;

    /// <summary>The time used has reached the yellow point and the deadline has not passed: the supervision job's reminder (催办).</summary>
    public static Expression<Func<T, LightMoment, bool>> TimeRunningShort<T>() where T : ILightFields => Rules<T>.TimeRunningShort;

    /// <summary>The rule as a query's filter at <paramref name="at"/>.</summary>
    public static Expression<Func<T, bool>> Where<T>(Expression<Func<T, LightMoment, bool>> rule, LightMoment at) where T : ILightFields
    {
        var holder = new MomentHolder(at);
        var bound = new Replace(rule.Parameters[1], Expression.Property(Expression.Constant(holder), nameof(MomentHolder.Value))).Visit(rule.Body)!;
        return Expression.Lambda<Func<T, bool>>(bound, rule.Parameters[0]);
    }

    /// <summary>
    /// The filter for one light as its two disjoint halves: the held matters' (their deadline) and the waiting
    /// matters' (their acceptance deadline), each led by its states. A query of one half is served by one index of
    /// those states (ix_matters_running for the held); the whole filter, an OR of the two, makes SQLite join two
    /// index searches by row id and read a row for each held matter.
    /// </summary>
    public static IReadOnlyList<Expression<Func<T, bool>>> Halves<T>(string light, LightMoment at) where T : ILightFields => light switch
    {
        Light.Red => [Where(Rules<T>.Overdue, at), Where(Rules<T>.LateToAccept, at)],
        Light.Yellow => [Where(Rules<T>.RunningYellow, at), Where(Rules<T>.WaitingYellow, at)],
        Light.Green => [Where(Rules<T>.RunningGreen, at), Where(Rules<T>.WaitingGreen, at)],
        _ => throw new ArgumentOutOfRangeException(nameof(light), light, "green, yellow or red"),
    };

    /// <summary>The filter for one light (green, yellow, red).</summary>
    public static Expression<Func<T, bool>> Filter<T>(string light, LightMoment at) where T : ILightFields => Where(light switch
    {
        Light.Red => Rules<T>.Red,
        Light.Yellow => Rules<T>.Yellow,
        Light.Green => Rules<T>.Green,
        _ => throw new ArgumentOutOfRangeException(nameof(light), light, "green, yellow or red"),
    }, at);

    /// <summary>The light of a loaded matter or row: the same expressions, compiled.</summary>
    public static string? Of<T>(T fields, LightMoment at) where T : ILightFields =>
        Rules<T>.IsRed(fields, at) ? Light.Red : Rules<T>.IsYellow(fields, at) ? Light.Yellow : Rules<T>.IsGreen(fields, at) ? Light.Green : null;

    public static bool IsOverdue<T>(T fields, LightMoment at) where T : ILightFields => Rules<T>.IsOverdue(fields, at);

    public static bool IsTimeRunningShort<T>(T fields, LightMoment at) where T : ILightFields => Rules<T>.IsTimeRunningShort(fields, at);

    private static class Rules<T> where T : ILightFields
    {
        public static readonly Expression<Func<T, LightMoment, bool>> Overdue = (m, t) =>
            EF.Constant(Running).Contains(m.Status) && m.DueAt != null
            && ((m.PausedAt == null && m.DueAt < t.Now) || (m.PausedAt != null && m.PausedAt > m.DueAt));

        public static readonly Expression<Func<T, LightMoment, bool>> LateToAccept = (m, t) =>
            EF.Constant(Waiting).Contains(m.Status) && m.AcceptDueAt != null && m.AcceptDueAt < t.Now;

        private static readonly Expression<Func<T, LightMoment, bool>> RunningOnTime = (m, t) =>
            EF.Constant(Running).Contains(m.Status) && m.DueAt != null
            && !((m.PausedAt == null && m.DueAt < t.Now) || (m.PausedAt != null && m.PausedAt > m.DueAt));

        private static readonly Expression<Func<T, LightMoment, bool>> Warning = (m, t) =>
            (m.YellowAt != null && m.YellowAt <= (m.PausedAt ?? t.Now))
            || (m.WarnAt != null && m.WarnAt <= (m.PausedAt ?? t.Now))
            || (m.KeySupervision && m.LastProgressAt != null && m.LastProgressAt < t.KeyCutoff);

        private static readonly Expression<Func<T, LightMoment, bool>> WaitingOnTime = (m, t) =>
            EF.Constant(Waiting).Contains(m.Status) && m.AcceptDueAt != null && !(m.AcceptDueAt < t.Now);

        private static readonly Expression<Func<T, LightMoment, bool>> WaitingWarning = (m, t) => m.YellowAt != null && m.YellowAt <= t.Now;

        public static readonly Expression<Func<T, LightMoment, bool>> RunningYellow = And(RunningOnTime, Warning);
        public static readonly Expression<Func<T, LightMoment, bool>> WaitingYellow = And(WaitingOnTime, WaitingWarning);
        public static readonly Expression<Func<T, LightMoment, bool>> RunningGreen = And(RunningOnTime, Not(Warning));
        public static readonly Expression<Func<T, LightMoment, bool>> WaitingGreen = And(WaitingOnTime, Not(WaitingWarning));

        public static readonly Expression<Func<T, LightMoment, bool>> Red = Or(Overdue, LateToAccept);
        public static readonly Expression<Func<T, LightMoment, bool>> Yellow = Or(RunningYellow, WaitingYellow);
        public static readonly Expression<Func<T, LightMoment, bool>> Green = Or(RunningGreen, WaitingGreen);

        public static readonly Expression<Func<T, LightMoment, bool>> TimeRunningShort = And((m, t) => m.YellowAt != null && m.YellowAt <= t.Now, RunningOnTime);

        public static readonly Func<T, LightMoment, bool> IsRed = Compile(Red);
        public static readonly Func<T, LightMoment, bool> IsYellow = Compile(Yellow);
        public static readonly Func<T, LightMoment, bool> IsGreen = Compile(Green);
        public static readonly Func<T, LightMoment, bool> IsOverdue = Compile(Overdue);
        public static readonly Func<T, LightMoment, bool> IsTimeRunningShort = Compile(TimeRunningShort);

        private static Expression<Func<T, LightMoment, bool>> And(Expression<Func<T, LightMoment, bool>> a, Expression<Func<T, LightMoment, bool>> b) =>
            Join(a, b, Expression.AndAlso);

        private static Expression<Func<T, LightMoment, bool>> Or(Expression<Func<T, LightMoment, bool>> a, Expression<Func<T, LightMoment, bool>> b) =>
            Join(a, b, Expression.OrElse);

        private static Expression<Func<T, LightMoment, bool>> Not(Expression<Func<T, LightMoment, bool>> e) =>
            Expression.Lambda<Func<T, LightMoment, bool>>(Expression.Not(e.Body), e.Parameters);

        private static Expression<Func<T, LightMoment, bool>> Join(Expression<Func<T, LightMoment, bool>> a, Expression<Func<T, LightMoment, bool>> b,
            Func<Expression, Expression, BinaryExpression> join)
        {
            var body = new Replace(b.Parameters[0], a.Parameters[0]).Visit(new Replace(b.Parameters[1], a.Parameters[1]).Visit(b.Body))!;
            return Expression.Lambda<Func<T, LightMoment, bool>>(join(a.Body, body), a.Parameters);
        }

        /// <summary>In memory the states are plain arrays: EF.Constant only marks them for the SQL.</summary>
        private static Func<T, LightMoment, bool> Compile(Expression<Func<T, LightMoment, bool>> rule) =>
            ((Expression<Func<T, LightMoment, bool>>)new Unmark().Visit(rule)).Compile();
    }

    private sealed class MomentHolder(LightMoment value)
    {
        public LightMoment Value { get; } = value;
    }

    private sealed class Replace(Expression from, Expression to) : ExpressionVisitor
    {
        public override Expression? Visit(Expression? node) => node == from ? to : base.Visit(node);
    }

    private sealed class Unmark : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node) =>
            node.Method.DeclaringType == typeof(EF) && node.Method.Name == nameof(EF.Constant) ? Visit(node.Arguments[0]) : base.VisitMethodCall(node);
    }
}
