using Duban.Features.Matters;
using Duban.Features.Supervision;

namespace Duban.Tests.Unit;

public sealed class MatterRulesTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("440700", "4407")]
    [InlineData("440000", "44")]
    [InlineData("440781", "440781")]
    [InlineData("440703", "440703")]
    [InlineData("440781115", "440781115")]
    [InlineData("440781115002", "440781115002")]
    [InlineData("440700000", "440700000")]
    [InlineData("", "")]
    public void TerritoryPrefix_TrimsTrailingZeroPairsOfSixDigitCodesOnly(string code, string expected)
    {
        Assert.Equal(expected, MatterScope.TerritoryPrefix(code));
    }

    [Fact]
    public void TerritoryPrefix_CityPrefixCoversItsCountiesAndTowns_NotNeighbours()
    {
        var city = MatterScope.TerritoryPrefix("440700");
        Assert.StartsWith(city, "440781115", StringComparison.Ordinal);
        Assert.StartsWith(city, "440703", StringComparison.Ordinal);
        Assert.False("440600".StartsWith(city, StringComparison.Ordinal));
        Assert.False("440181".StartsWith(city, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("陈美玲", "陈**")]
    [InlineData("赵六", "赵*")]
    [InlineData("欧阳娜娜", "欧***")]
    [InlineData("Li", "L*")]
    public void MaskName_KeepsFirstCharacter(string name, string expected)
    {
        Assert.Equal(expected, MatterQueries.MaskName(name));
    }

    [Fact]
    public void MaskName_SingleCharacter_StillHasAMask()
    {
        Assert.Equal("陈*", MatterQueries.MaskName("陈"));
    }

    // A first character outside the BMP (CJK Extension B, used in some names) stays whole:
    // cutting UTF-16 code units would leave a lone surrogate and one star too many.
    [Theory]
    [InlineData("𠮷野", "𠮷*")]
    [InlineData("𪚥", "𪚥*")]
    public void MaskName_FirstCharacterOutsideBmp_KeptWhole(string name, string expected)
    {
        Assert.Equal(expected, MatterQueries.MaskName(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void MaskName_NullOrEmpty_Null(string? name)
    {
        Assert.Null(MatterQueries.MaskName(name));
    }

    [Theory]
    [InlineData("13800138000", "138****8000")]
    [InlineData("13912345678", "139****5678")]
    [InlineData("87654321", "87****21")]
    [InlineData("0750-3501234", "075*****1234")]
    [InlineData("1234567", "*******")]
    [InlineData("110", "***")]
    [InlineData("1", "*")]
    public void MaskPhone_HidesTheMiddleOrAll(string phone, string expected)
    {
        Assert.Equal(expected, MatterQueries.MaskPhone(phone));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void MaskPhone_NullOrEmpty_Null(string? phone)
    {
        Assert.Null(MatterQueries.MaskPhone(phone));
    }

    [Theory]
    [InlineData(Status.Dispatched)]
    [InlineData(Status.InProgress)]
    [InlineData(Status.PendingReview)]
    public void IsOverdue_RunningPastDue_True(string status)
    {
        Assert.True(MatterClock.IsOverdue(status, Now.AddMinutes(-1), null, Now));
        Assert.True(MatterClock.IsOverdue(status, Now.AddDays(-30), null, Now));
    }

    [Theory]
    [InlineData(Status.Dispatched)]
    [InlineData(Status.InProgress)]
    [InlineData(Status.PendingReview)]
    public void IsOverdue_RunningNotYetDueOrNoDueDate_False(string status)
    {
        Assert.False(MatterClock.IsOverdue(status, Now.AddMinutes(1), null, Now));
        Assert.False(MatterClock.IsOverdue(status, Now, null, Now));
        Assert.False(MatterClock.IsOverdue(status, null, null, Now));
    }

    [Theory]
    [InlineData(Status.Received)]
    [InlineData(Status.Closed)]
    [InlineData(Status.Returned)]
    [InlineData(Status.Rejected)]
    [InlineData(Status.Merged)]
    [InlineData("DISPATCHED")]
    [InlineData("")]
    public void IsOverdue_NotRunningPastDue_False(string status)
    {
        Assert.False(MatterClock.IsOverdue(status, Now.AddDays(-30), null, Now));
    }

    [Fact]
    public void IsOverdue_APausedClockIsReadWhenItPaused()
    {
        Assert.False(MatterClock.IsOverdue(Status.InProgress, Now.AddDays(-3), Now.AddDays(-4), Now));
        Assert.True(MatterClock.IsOverdue(Status.InProgress, Now.AddDays(-3), Now.AddDays(-2), Now));
    }

    [Fact]
    public void IsOverdue_ComparesInstantsAcrossOffsets()
    {
        var dueInChina = new DateTimeOffset(2025, 6, 1, 19, 59, 0, TimeSpan.FromHours(8)); // 11:59 UTC
        Assert.True(MatterClock.IsOverdue(Status.InProgress, dueInChina, null, Now));
        Assert.False(MatterClock.IsOverdue(Status.InProgress, dueInChina.AddMinutes(2), null, Now));
    }

    [Theory]
    [InlineData("in_progress", 30, null, 30)]          // no sub-tasks: what the unit reported
    [InlineData("in_progress", 0, 62.5, 63)]          // sub-tasks: their mean, rounded half up
    [InlineData("pending_review", 10, 40.0, 100)]     // done is done
    [InlineData("closed", 0, null, 100)]
    public void Progress_OneRuleForListsAndDetail(string status, int reported, double? children, int expected)
    {
        Assert.Equal(expected, MatterQueries.Progress(status, reported, children));
    }
}
