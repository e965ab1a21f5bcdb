using Duban.Features.Calendar;
using Duban.Features.Enterprises;
using Duban.Features.Matters;

namespace Duban.Tests.Features.Enterprises;

/// <summary>The unified social credit code's checks (GB 32100-2015, GB 11714), the queue's time limits and the figures' rules.</summary>
public sealed class CreditCodeTests
{
    [Theory]
    // The standard's own example shape (a Fujian enterprise), and the demo's codes of the real format.
    [InlineData("91350100M000100Y43")]
    [InlineData("91440704MA4UK1A23W")]
    [InlineData("914407046175321548")]
    [InlineData("91440781773074298E")]
    [InlineData("91440785MA53JT8N0C")]
    public void Valid_RealFormatCodes_Pass(string code)
    {
        Assert.Null(CreditCode.Problem(code));
        Assert.Equal(code[17], CreditCode.Check(code.AsSpan(0, 17)));
    }

    [Theory]
    [InlineData("91350100M000100Y44", "18th")]  // the final check character
    [InlineData("91440704MA4UK1A23X", "18th")]
    [InlineData("91350100M000100Y53", "17th")]  // the organisation code's own check (GB 11714)
    [InlineData("91350100M000100Y4", "18 characters")]
    [InlineData("91350100M000100I43", "no character I")]
    [InlineData("B1350100M000100Y43", "registration authority")]
    [InlineData("913501A0M000100Y43", "division")]
    public void Invalid_Codes_AreRefusedNamingWhy(string code, string why)
    {
        var problem = CreditCode.Problem(code);
        Assert.NotNull(problem);
        Assert.Contains(why, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryWrongCheckCharacter_IsRefused()
    {
        const string valid = "91440704MA4UK1A23W";
        foreach (var c in CreditCode.Charset.Where(c => c != valid[17]))
            Assert.False(CreditCode.IsValid(valid[..17] + c), c.ToString());
    }

    [Fact]
    public void Normalize_And_FindIn_ReadACodeInWords()
    {
        Assert.Equal("91350100M000100Y43", CreditCode.Normalize(" 91350100m000100y43 "));
        Assert.Equal("91440704MA4UK1A23W", CreditCode.FindIn("企业（统一社会信用代码91440704MA4UK1A23W）反映用地问题"));
        // A wrong check character names no firm; nor does a code inside a longer run of characters.
        Assert.Null(CreditCode.FindIn("统一社会信用代码 91440704MA4UK1A23X"));
        Assert.Null(CreditCode.FindIn("X91440704MA4UK1A23W"));
    }

    [Fact]
    public void EnterpriseDemands_RunOnTheRapidResponseLimits_OneWorkingDayToSign_FiveToSolve()
    {
        var policies = TimePolicies.Load(null);
        var p = policies.For(EnterpriseVocabulary.Kind, "normal");
        Assert.Equal("enterprise-rapid", p.Id);
        Assert.Equal(("1wd", "5wd"), (p.Sign.ToString(), p.Handle.ToString()));
        // Dispatched on Wednesday 30 September 2026, before the National Day week: sign by the end of Thursday 8 October,
        // solve by the end of Tuesday 13 October (Saturday 10 October is worked, 调休).
        var calendar = WorkCalendar.Shipped();
        var dispatched = new DateTimeOffset(2026, 9, 30, 10, 0, 0, TimeSpan.FromHours(8));
        Assert.Equal(new DateTimeOffset(2026, 10, 9, 0, 0, 0, TimeSpan.FromHours(8)), p.Sign.From(dispatched, calendar));
        Assert.Equal(new DateTimeOffset(2026, 10, 14, 0, 0, 0, TimeSpan.FromHours(8)), p.Handle.From(dispatched, calendar));
        // Urgent and emergency demands keep the hotline's faster limits; citizens' requests keep theirs.
        Assert.Equal("hotline-utilities", policies.For(EnterpriseVocabulary.Kind, "urgent").Id);
        Assert.Equal("hotline-general", policies.For("request", "normal").Id);
    }

    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8));

    private static RapidResponse.Fact Fact(string size, string status, double? signedAfterHours, double signDueHours, string? satisfaction = null,
        double? closedAfterHours = null, double dueHours = 120) =>
        new(size, "manufacturing", T0, status, closedAfterHours is { } c ? T0.AddHours(c) : null, T0.AddHours(dueHours), satisfaction,
            signedAfterHours is { } s ? T0.AddHours(s) : null, T0.AddHours(signDueHours));

    [Fact]
    public void Figures_CountResponses_Solutions_AndSatisfaction_ByTheirRules()
    {
        var facts = new[]
        {
            Fact("sme", Status.Closed, 2, 24, "satisfied", 48),
            Fact("sme", Status.Closed, 30, 24, "dissatisfied", 200),          // signed late, solved late
            Fact("sme", Status.InProgress, 4, 24),
            Fact("sme", Status.Dispatched, null, 24),                          // not answered yet
            Fact("micro", Status.Closed, 6, 24, "basically_satisfied", 100),
        };
        var sme = RapidResponse.Sum("sme", facts.Where(f => f.Size == "sme"));
        Assert.Equal(4, sme.Count);
        Assert.Equal(3, sme.Responded);
        Assert.Equal(12.0, sme.ResponseHours);       // (2 + 30 + 4) / 3
        Assert.Equal(2, sme.RespondedInTime);
        Assert.Equal(2, sme.Solved);
        Assert.Equal(50.0, sme.SolvedRate);
        Assert.Equal(1, sme.SolvedInTime);
        Assert.Equal((2, 1, 50.0), (sme.Rated, sme.Satisfied, sme.SatisfactionRate));
        var all = RapidResponse.Sum("all", facts);
        Assert.Equal((5, 3, 60.0), (all.Count, all.Solved, all.SolvedRate));
        // 基本满意 counts as satisfied.
        Assert.Equal((3, 2), (all.Rated, all.Satisfied));
        Assert.Null(RapidResponse.Sum("none", []).SolvedRate);
    }
}
