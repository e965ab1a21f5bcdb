using Duban.Data;
using Duban.Features.Calendar;
using Duban.Features.Matters;
using Duban.Features.RectificationPlans;
using Microsoft.Extensions.Options;

namespace Duban.Tests.Features.Supervision;

/// <summary>The time limits on China's real calendar, the shipped policies, and the light's rule.</summary>
public sealed class TimePolicyTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private static readonly WorkCalendar Calendar = WorkCalendar.Shipped();
    private static readonly TimePolicies Shipped = TimePolicies.Load(null);

    private static DateTimeOffset At(int y, int mo, int d, int h = 0, int mi = 0) => new(y, mo, d, h, mi, 0, China);

    private static TimeLimit Limit(string text)
    {
        Assert.True(TimeLimit.TryParse(text, out var limit), text);
        return limit;
    }

    [Theory]
    // On the clock: two hours from 10:30 is 12:30, whatever the day.
    [InlineData("2h", "2026-10-01T10:30", "2026-10-01T12:30")]
    [InlineData("30m", "2026-10-01T23:50", "2026-10-02T00:20")]
    [InlineData("24h", "2026-02-16T09:00", "2026-02-17T09:00")]
    // Calendar days end at 24:00 of the last day, the start day not counted: days off inside count,
    // but a last day that is off moves to the next working day (民法典 第二百零三条).
    [InlineData("7d", "2026-11-02T10:00", "2026-11-10T00:00")]
    [InlineData("5d", "2026-11-02T10:00", "2026-11-10T00:00")]   // Saturday 7 November → Monday 9
    [InlineData("7d", "2026-09-30T10:00", "2026-10-09T00:00")]   // 7 October, in the holiday → Thursday 8
    [InlineData("15d", "2026-09-30T10:00", "2026-10-16T00:00")]
    [InlineData("60d", "2026-01-05T09:00", "2026-03-07T00:00")]
    [InlineData("2d", "2026-02-12T09:00", "2026-02-15T00:00")]   // Saturday 14 February is worked (调休)
    [InlineData("3d", "2026-02-12T09:00", "2026-02-25T00:00")]   // 15 February, in the Spring Festival → Tuesday 24
    // Working days skip the National Day week (1–7 October 2026) and count the adjusted Saturday 10 October.
    [InlineData("1wd", "2026-09-30T10:00", "2026-10-09T00:00")]
    [InlineData("2wd", "2026-09-30T10:00", "2026-10-10T00:00")]
    [InlineData("3wd", "2026-09-30T10:00", "2026-10-11T00:00")]
    // 2026 Spring Festival: 15–23 February off; Saturday 14 and Saturday 28 February worked.
    // From Thursday 12 February: 13, 14 (worked Saturday), 24, 25, 26 February.
    [InlineData("5wd", "2026-02-12T09:00", "2026-02-27T00:00")]
    [InlineData("15wd", "2026-02-12T09:00", "2026-03-12T00:00")]
    // 2025 National Day and Mid-Autumn: 1–8 October off; Saturday 11 October worked.
    [InlineData("5wd", "2025-09-29T09:00", "2025-10-14T00:00")]
    // Months: the same day months later, to its end; 31 March plus one month is 30 April.
    [InlineData("3mo", "2026-03-15T16:00", "2026-06-16T00:00")]
    [InlineData("1mo", "2026-03-31T16:00", "2026-05-01T00:00")]
    [InlineData("1mo", "2026-04-04T09:00", "2026-05-07T00:00")]  // 4 May, in the Labour Day holiday → Wednesday 6 May
    [InlineData("12mo", "2025-11-22T09:00", "2026-11-24T00:00")] // Sunday 22 November 2026 → Monday 23
    public void Limit_EndsWhereTheRulesCountIt(string limit, string start, string end)
    {
        var from = DateTimeOffset.Parse(start + ":00+08:00", System.Globalization.CultureInfo.InvariantCulture);
        var expected = DateTimeOffset.Parse(end + ":00+08:00", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, Limit(limit).From(from, Calendar));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2")]
    [InlineData("h")]
    [InlineData("0d")]
    [InlineData("-1d")]
    [InlineData("2 h")]
    [InlineData("2w")]
    [InlineData("400d")]
    [InlineData("13mo")]
    [InlineData("373d")]
    [InlineData("99999h")]
    public void Limit_RejectsWhatIsNotOne(string text) => Assert.False(TimeLimit.TryParse(text, out _));

    [Fact]
    public void ShippedPolicies_CarryTheRulesLimits()
    {
        static string? S(TimeLimit? t) => t?.ToString();
        var hotline = new[] { ("emergency", "2h"), ("urgent", "24h"), ("normal", "7d") };
        foreach (var (urgency, handle) in hotline)
        {
            var p = Shipped.For("complaint", urgency);
            Assert.Equal(handle, S(p.Handle));
            Assert.Equal(p, Shipped.For("request", urgency));
            Assert.Contains("12345", p.Rule, StringComparison.Ordinal);
        }
        var complex = Shipped.Find("hotline-complex")!;
        Assert.Equal("15d", S(complex.Handle));
        Assert.False(complex.Governs("complaint", "normal")); // chosen by the dispatcher only

        var petition = Shipped.For("petition", "normal");
        Assert.Equal(("15d", "60d", "30d", 1), (S(petition.Accept), S(petition.Handle), S(petition.Extension!.Max), petition.Extension.Times));
        Assert.Equal(("30d", "30d", 2), (S(petition.Review!.RequestWithin), S(petition.Review.DecideWithin), petition.Review.Rounds));
        Assert.Contains("信访工作条例", petition.Rule, StringComparison.Ordinal);
        Assert.Contains("awaiting_raiser", petition.Pauses);

        var report = Shipped.For("report", "urgent");
        Assert.Equal(("5wd", "15wd", "15wd"), (S(report.Accept), S(report.NotifyAcceptance), S(report.NotifyOutcome)));
        Assert.Contains("检举控告", report.Rule, StringComparison.Ordinal);

        foreach (var kind in new[] { "deputy_suggestion", "cppcc_proposal" })
        {
            var p = Shipped.For(kind, "normal");
            Assert.Equal(("3mo", "3mo", 1), (S(p.Handle), S(p.Extension!.Max), p.Extension.Times)); // 3 months, at most 6
        }
        Assert.Equal("default", Shipped.For("task", "emergency").Id);
        Assert.All(Shipped.All, p => Assert.False(string.IsNullOrWhiteSpace(p.Rule)));
    }

    [Fact]
    public void PolicyFile_EveryProblemReported()
    {
        var problems = new List<string>();
        var parsed = TimePolicies.Parse("""
            {"version": 2, "pauseKinds": {"awaiting_raiser": {"name": "等待补充材料"}},
             "policies": [
               {"id": "a", "name": "甲", "sign": "1wd", "handle": "7x", "rule": "r", "match": {"kinds": ["complaint"]}},
               {"id": "a", "name": "乙", "sign": "1wd", "handle": "7d", "rule": "", "pauses": ["lunch"], "match": {"kinds": ["letter"]}}
             ]}
            """, problems);
        Assert.Null(parsed);
        Assert.Contains(problems, p => p.Contains("handle \"7x\"", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("used twice", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("rule is required", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("lunch is not among pauseKinds", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("letter is not a kind", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("no policy governs", StringComparison.Ordinal));

        problems.Clear();
        Assert.Null(TimePolicies.Parse("""{"policies": [{"id": "x", "name": "x", "sign": "1d", "handle": "1d", "rule": "r", "match": {}, "colour": "red"}]}""", problems));
        Assert.Contains(problems, p => p.Contains("not valid JSON", StringComparison.Ordinal)); // unknown fields are typing errors
    }

    private static MatterClock Clock(double yellow = 0.75, double key = 0.5) =>
        new(Shipped, Calendar, Options.Create(new ClockOptions { YellowShare = yellow, KeyYellowShare = key }), new MatterFacets([new PlanFacet()], Kinds), Kinds);

    private static readonly MatterKinds Kinds = new(MatterKinds.Core.Select(k => new KindRegistration(k)));

    private static readonly DateTimeOffset Start = At(2026, 11, 2, 9);
    private static readonly DateTimeOffset Due = Start.AddHours(100);

    /// <summary>A complaint in memory, in the state named, with nothing of its clock set.</summary>
    private static Matter Row(string status) =>
        new() { Number = "JM-2026-000001", Kind = "complaint", Channel = "phone", Title = "t", Content = "c", Urgency = "normal", Status = status };

    /// <summary>
    /// A matter's stored fields as the light reads them; behind the plan (a milestone due at
    /// Start + 1 h, not done) and late to sign (the lead's signing deadline at Start + 1 h) become
    /// its warning point, which the clock derives from its state as it does for every change.
    /// </summary>
    private static Matter Reading(string status = "in_progress", DateTimeOffset? paused = null, bool key = false, DateTimeOffset? lastProgress = null,
        bool behind = false, bool signLate = false, double share = 0.75, MatterClock? clock = null)
    {
        var m = Row(status);
        (m.DueAt, m.YellowAt, m.PausedAt, m.KeySupervision, m.LastProgressAt) = (Due, Start.AddHours(100 * share), paused, key, lastProgress);
        if (behind) PlanFacet.Of(m).Milestones.Add(new PlanMilestone { Seq = 1, Title = "m", DueAt = Start.AddHours(1), Weight = 1 });
        if (signLate) m.Assignments.Add(new Assignment { UnitCode = "u", UnitTerritoryCode = "440781", Role = "lead", Active = true, SignDueAt = Start.AddHours(1) });
        (clock ?? Clock()).Refresh(m);
        return m;
    }

    [Fact]
    public void Light_GreenYellowRed_ByTimeUsed()
    {
        var clock = Clock();
        Assert.Equal(Light.Green, clock.LightOf(Reading(), Start.AddHours(74)));
        Assert.Equal(Light.Yellow, clock.LightOf(Reading(), Start.AddHours(75)));
        Assert.Equal(Light.Yellow, clock.LightOf(Reading(), Due));
        Assert.Equal(Light.Red, clock.LightOf(Reading(), Due.AddMilliseconds(1)));
        // A paused clock shows the light of the moment it paused.
        Assert.Equal(Light.Green, clock.LightOf(Reading(paused: Start.AddHours(10)), Due.AddDays(5)));
        // No light when no unit holds it.
        Assert.Null(clock.LightOf(Reading(status: "closed"), Due.AddDays(1)));
        Assert.Null(clock.LightOf(Reading(status: "received"), Due.AddDays(1)));
    }

    [Fact]
    public void Light_WhileWaitingForDispatch_FollowsTheAcceptanceDeadline()
    {
        var clock = Clock();
        var waiting = new LightFields("received", Due, Start.AddHours(75), null, null, false, null, null);
        Assert.Equal(Light.Green, clock.LightOf(waiting, Start.AddHours(74)));
        Assert.Equal(Light.Yellow, clock.LightOf(waiting, Start.AddHours(75)));
        Assert.Equal(Light.Red, clock.LightOf(waiting, Due.AddMinutes(1)));
        Assert.Equal(Light.Red, clock.LightOf(waiting with { Status = "returned" }, Due.AddMinutes(1)));
        Assert.Null(clock.LightOf(waiting with { AcceptDueAt = null }, Due.AddMinutes(1)));
    }

    [Fact]
    public void Light_YellowWhenBehindThePlan_LateToSign_OrSilentUnderKeySupervision()
    {
        var clock = Clock();
        var early = Start.AddHours(10);
        Assert.Equal(Light.Yellow, clock.LightOf(Reading(behind: true), early));
        Assert.Equal(Light.Yellow, clock.LightOf(Reading(status: "dispatched", signLate: true), early));
        Assert.Equal(Light.Green, clock.LightOf(Reading(key: true, lastProgress: early.AddDays(-6)), early));
        Assert.Equal(Light.Yellow, clock.LightOf(Reading(key: true, lastProgress: early.AddDays(-8)), early));
    }

    [Fact]
    public void KeySupervision_TurnsYellowEarlier()
    {
        var clock = Clock(yellow: 0.75, key: 0.5);
        var m = Row("in_progress");
        (m.ClockStartedAt, m.DueAt) = (Start, Due);
        Assert.Equal(Start.AddHours(75), clock.YellowPoint(m));
        m.KeySupervision = true;
        Assert.Equal(Start.AddHours(50), clock.YellowPoint(m));
    }
}
