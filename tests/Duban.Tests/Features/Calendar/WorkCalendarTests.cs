using Duban.Data;
using Duban.Features.Calendar;
using Duban.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Calendar;

/// <summary>
/// The shipped calendar (data/calendar/holidays.tsv, from npm chinese-days 1.5.7) against the State
/// Council's notices: 国办发明电〔2024〕12号 for 2025, and the 2026 arrangement as the package gives it.
/// </summary>
public sealed class WorkCalendarTests
{
    private static readonly WorkCalendar Calendar = WorkCalendar.Shipped();

    private static DateOnly D(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<DateOnly> Days(string from, string to)
    {
        for (var d = D(from); d <= D(to); d = d.AddDays(1)) yield return d;
    }

    // ---------------------------------------------------------------- the data, pinned date by date

    [Fact]
    public void IsWorkday_SpringFestival2025_OffFromJanuary28ToFebruary4_SundayAndSaturdayWorked()
    {
        Assert.All(Days("2025-01-28", "2025-02-04"), d => Assert.False(Calendar.IsWorkday(d), $"{d:yyyy-MM-dd} is 春节"));
        Assert.Equal("春节", Calendar.HolidayName(D("2025-01-28")));
        Assert.Equal("春节", Calendar.HolidayName(D("2025-02-02"))); // a Sunday inside the holiday is the holiday's
        // 调休: Sunday 26 January and Saturday 8 February are working days.
        Assert.Equal(DayOfWeek.Sunday, D("2025-01-26").DayOfWeek);
        Assert.True(Calendar.IsWorkday(D("2025-01-26")));
        Assert.Equal(DayOfWeek.Saturday, D("2025-02-08").DayOfWeek);
        Assert.True(Calendar.IsWorkday(D("2025-02-08")));
        Assert.Null(Calendar.HolidayName(D("2025-02-08")));
        Assert.Equal(new CalendarEntry(D("2025-02-08"), CalendarDayKind.Workday, "春节", "Spring Festival"), Calendar.Entry(D("2025-02-08")));
        // Around it, the ordinary rule: Monday 27 January and Wednesday 5 February work, Saturday 25 January and Sunday 9 February do not.
        Assert.True(Calendar.IsWorkday(D("2025-01-27")));
        Assert.True(Calendar.IsWorkday(D("2025-02-05")));
        Assert.False(Calendar.IsWorkday(D("2025-01-25")));
        Assert.False(Calendar.IsWorkday(D("2025-02-09")));
    }

    [Fact]
    public void IsWorkday_NationalDay2025_OffFromOctober1To8_September28AndOctober11Worked()
    {
        Assert.All(Days("2025-10-01", "2025-10-08"), d => Assert.False(Calendar.IsWorkday(d), $"{d:yyyy-MM-dd} is off"));
        Assert.Equal("国庆节", Calendar.HolidayName(D("2025-10-01")));
        Assert.Equal("中秋", Calendar.HolidayName(D("2025-10-06"))); // Mid-autumn falls inside the National Day week
        Assert.True(Calendar.IsWorkday(D("2025-09-28"))); // Sunday
        Assert.True(Calendar.IsWorkday(D("2025-10-11"))); // Saturday
        Assert.True(Calendar.IsWorkday(D("2025-09-30")));
        Assert.True(Calendar.IsWorkday(D("2025-10-09")));
        Assert.False(Calendar.IsWorkday(D("2025-10-12"))); // the Sunday after is an ordinary Sunday
    }

    [Fact]
    public void IsWorkday_SpringFestival2026_OffFromFebruary15To23_February14And28Worked()
    {
        Assert.All(Days("2026-02-15", "2026-02-23"), d => Assert.False(Calendar.IsWorkday(d), $"{d:yyyy-MM-dd} is 春节"));
        Assert.Equal("春节", Calendar.HolidayName(D("2026-02-17")));
        Assert.Equal(DayOfWeek.Saturday, D("2026-02-14").DayOfWeek);
        Assert.True(Calendar.IsWorkday(D("2026-02-14")));
        Assert.Equal(DayOfWeek.Saturday, D("2026-02-28").DayOfWeek);
        Assert.True(Calendar.IsWorkday(D("2026-02-28")));
        Assert.True(Calendar.IsWorkday(D("2026-02-13")));
        Assert.True(Calendar.IsWorkday(D("2026-02-24")));
        Assert.False(Calendar.IsWorkday(D("2026-02-21"))); // the Saturday after the holiday is an ordinary one
    }

    [Fact]
    public void IsWorkday_NationalDay2026_OffFromOctober1To7_MidAutumnSeptember25To27_September20AndOctober10Worked()
    {
        Assert.All(Days("2026-10-01", "2026-10-07"), d => Assert.False(Calendar.IsWorkday(d), $"{d:yyyy-MM-dd} is 国庆节"));
        Assert.All(Days("2026-10-01", "2026-10-07"), d => Assert.Equal("国庆节", Calendar.HolidayName(d)));
        Assert.All(Days("2026-09-25", "2026-09-27"), d => Assert.Equal("中秋", Calendar.HolidayName(d)));
        Assert.False(Calendar.IsWorkday(D("2026-09-25"))); // a Friday
        Assert.True(Calendar.IsWorkday(D("2026-09-20"))); // Sunday
        Assert.True(Calendar.IsWorkday(D("2026-10-10"))); // Saturday
        Assert.Equal("国庆节", Calendar.Entry(D("2026-10-10"))!.Name);
        Assert.All(Days("2026-09-28", "2026-09-30"), d => Assert.True(Calendar.IsWorkday(d)));
        Assert.True(Calendar.IsWorkday(D("2026-10-08")));
        Assert.False(Calendar.IsWorkday(D("2026-10-11")));
    }

    [Fact]
    public void IsWorkday_OrdinaryWeek_MondayToFridayOnly()
    {
        Assert.Equal([true, true, true, true, true, false, false], Days("2025-03-03", "2025-03-09").Select(Calendar.IsWorkday));
        Assert.Null(Calendar.Entry(D("2025-03-08")));
        Assert.Null(Calendar.HolidayName(D("2025-03-08")));
    }

    [Theory]
    [InlineData(2024, 251)]
    [InlineData(2025, 248)] // 2025 gained a day at Spring Festival and one on 1 May
    [InlineData(2026, 248)]
    public void WorkdaysBetween_WholeYear_TheYearsWorkingDays(int year, int expected)
    {
        Assert.Equal(expected, Calendar.WorkdaysBetween(new DateOnly(year - 1, 12, 31), new DateOnly(year, 12, 31)));
    }

    [Fact]
    public void Covers_TheShippedYears_2004To2026()
    {
        Assert.Equal(Enumerable.Range(2004, 23), Calendar.Years);
        Assert.True(Calendar.Covers(2004));
        Assert.True(Calendar.Covers(2025));
        Assert.True(Calendar.Covers(2026));
        Assert.False(Calendar.Covers(2003));
        Assert.False(Calendar.Covers(2027));
        Assert.Equal("chinese-days@1.5.7", CalendarData.Shipped.Source);
    }

    [Fact]
    public void IsWorkday_YearNotCovered_WeekendsOnly()
    {
        // 2027's National Day is not announced yet: Friday 1 October counts as a working day.
        Assert.True(Calendar.IsWorkday(D("2027-10-01")));
        Assert.False(Calendar.IsWorkday(D("2027-10-02")));
        Assert.Null(Calendar.HolidayName(D("2027-10-01")));
        Assert.Equal(D("2027-10-04"), Calendar.AddWorkdays(D("2027-10-01"), 1));
    }

    // ---------------------------------------------------------------- counting working days

    [Theory]
    [InlineData("2025-03-03", 1, "2025-03-04")] // Monday → Tuesday
    [InlineData("2025-03-03", 2, "2025-03-05")]
    [InlineData("2025-03-07", 1, "2025-03-10")] // Friday → Monday
    [InlineData("2025-03-08", 1, "2025-03-10")] // Saturday → Monday
    [InlineData("2025-03-09", 1, "2025-03-10")] // Sunday → Monday
    [InlineData("2025-01-24", 1, "2025-01-26")] // Friday → the adjusted Sunday
    [InlineData("2025-01-24", 2, "2025-01-27")]
    [InlineData("2025-01-24", 3, "2025-02-05")] // over the whole Spring Festival
    [InlineData("2025-01-27", 1, "2025-02-05")]
    [InlineData("2025-02-05", 3, "2025-02-08")] // Wednesday → the adjusted Saturday
    [InlineData("2025-09-26", 1, "2025-09-28")] // Friday → the adjusted Sunday
    [InlineData("2025-09-30", 1, "2025-10-09")] // over National Day
    [InlineData("2025-10-01", 1, "2025-10-09")] // from inside the holiday
    [InlineData("2025-10-10", 1, "2025-10-11")] // Friday → the adjusted Saturday
    [InlineData("2026-02-13", 1, "2026-02-14")]
    [InlineData("2026-02-13", 2, "2026-02-24")]
    [InlineData("2026-09-18", 1, "2026-09-20")]
    [InlineData("2026-09-24", 1, "2026-09-28")] // Thursday, over Mid-autumn (Friday 25 off)
    [InlineData("2026-09-30", 1, "2026-10-08")] // over National Day
    [InlineData("2026-09-30", 3, "2026-10-10")] // Thursday, Friday, then the adjusted Saturday
    [InlineData("2026-09-30", 4, "2026-10-12")]
    [InlineData("2025-12-31", 1, "2026-01-04")] // over New Year: 1–3 January off, Sunday 4 January worked
    [InlineData("2025-12-31", 2, "2026-01-05")]
    public void AddWorkdays_CountsWorkingDaysAfterStart(string start, int n, string expected)
    {
        Assert.Equal(D(expected), Calendar.AddWorkdays(D(start), n));
    }

    [Theory]
    [InlineData("2025-03-03", "2025-03-03")] // a working day is itself
    [InlineData("2025-03-08", "2025-03-10")] // a Saturday → Monday
    [InlineData("2025-09-28", "2025-09-28")] // an adjusted Sunday is itself
    [InlineData("2025-10-01", "2025-10-09")] // a holiday → the first working day after it
    [InlineData("2025-01-28", "2025-02-05")]
    public void AddWorkdays_Zero_StartIfWorkdayElseNext(string start, string expected)
    {
        Assert.Equal(D(expected), Calendar.AddWorkdays(D(start), 0));
    }

    [Fact]
    public void AddWorkdays_Negative_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Calendar.AddWorkdays(D("2025-03-03"), -1));
    }

    [Theory]
    [InlineData("2025-03-03", "2025-03-05", 2)] // Monday → Wednesday
    [InlineData("2025-03-07", "2025-03-10", 1)] // Friday → Monday
    [InlineData("2025-03-03", "2025-03-03", 0)]
    [InlineData("2025-01-24", "2025-02-05", 3)] // 26 Jan (adjusted Sunday), 27 Jan, 5 Feb
    [InlineData("2025-02-05", "2025-01-24", -3)]
    [InlineData("2025-09-30", "2025-10-11", 3)] // 9, 10, 11 (adjusted Saturday) October
    [InlineData("2026-09-19", "2026-10-10", 11)] // 20 (adjusted Sunday), 21–24, 28–30 September; 8, 9, 10 (adjusted Saturday) October
    public void WorkdaysBetween_CountsAfterFromUpToTo(string from, string to, int expected)
    {
        Assert.Equal(expected, Calendar.WorkdaysBetween(D(from), D(to)));
    }

    [Fact]
    public void WorkdaysBetween_UndoesAddWorkdays_OverTwoYears()
    {
        for (var start = D("2025-01-01"); start <= D("2026-12-31"); start = start.AddDays(1))
        {
            foreach (var n in new[] { 1, 2, 3, 5, 10, 15 })
            {
                var end = Calendar.AddWorkdays(start, n);
                Assert.True(Calendar.IsWorkday(end));
                Assert.Equal(n, Calendar.WorkdaysBetween(start, end));
                Assert.Equal(n - 1, Calendar.WorkdaysBetween(start, end.AddDays(-1)));
            }
        }
    }

    // ---------------------------------------------------------------- the end of a time limit

    public static TheoryData<string, int, string> Ends => new()
    {
        { "2025-03-03T10:00:00+08:00", 2, "2025-03-05T16:00:00Z" }, // Monday → end of Wednesday
        { "2025-03-07T10:00:00+08:00", 2, "2025-03-11T16:00:00Z" }, // Friday → end of Tuesday
        { "2025-03-08T10:00:00+08:00", 2, "2025-03-11T16:00:00Z" }, // Saturday → end of Tuesday
        { "2025-03-03T23:59:59+08:00", 0, "2025-03-03T16:00:00Z" }, // n = 0 on a working day: the end of that day
        { "2025-03-02T17:00:00Z", 2, "2025-03-05T16:00:00Z" },      // Sunday in UTC, already Monday 01:00 in China
        { "2025-03-06T16:30:00Z", 2, "2025-03-11T16:00:00Z" },      // Thursday in UTC, Friday 00:30 in China
        { "2025-03-03T15:59:59Z", 1, "2025-03-04T16:00:00Z" },      // Monday 23:59:59 in China
        { "2025-09-30T15:00:00+08:00", 2, "2025-10-10T16:00:00Z" }, // over National Day
        { "2026-09-30T09:00:00+08:00", 1, "2026-10-08T16:00:00Z" },
        { "2026-02-13T09:00:00+08:00", 2, "2026-02-24T16:00:00Z" }, // the adjusted Saturday, then over Spring Festival
    };

    [Theory]
    [MemberData(nameof(Ends))]
    public void EndOfWorkdays_MidnightChinaTimeAfterTheNthWorkingDay(string instant, int n, string expected)
    {
        var end = Calendar.EndOfWorkdays(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture), n);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), end);
        Assert.Equal(TimeSpan.Zero, end.Offset); // stored as UTC
    }

    // ---------------------------------------------------------------- layers and the data format

    [Fact]
    public void With_LocalDayOffAndAddedYear_LayerWinsAndShippedStaysAsItWas()
    {
        var local = new CalendarData("local", new HashSet<int> { 2027 },
        [
            new(D("2025-03-05"), CalendarDayKind.DayOff, "台风停工"),     // a local day off on a Wednesday
            new(D("2025-10-08"), CalendarDayKind.Workday, "国庆节"),      // a holiday worked locally
            new(D("2027-10-01"), CalendarDayKind.DayOff, "国庆节", "National Day"),
        ]);
        var layered = Calendar.With(local);

        Assert.False(layered.IsWorkday(D("2025-03-05")));
        Assert.Equal("台风停工", layered.HolidayName(D("2025-03-05")));
        Assert.Equal(D("2025-03-06"), layered.AddWorkdays(D("2025-03-04"), 1));
        Assert.True(layered.IsWorkday(D("2025-10-08")));
        Assert.Equal(D("2025-10-08"), layered.AddWorkdays(D("2025-09-30"), 1));
        Assert.True(layered.Covers(2027));
        Assert.False(layered.IsWorkday(D("2027-10-01")));
        Assert.Equal([CalendarData.Shipped, local], layered.Layers);

        // The shipped calendar is not changed by the layer put on it.
        Assert.True(Calendar.IsWorkday(D("2025-03-05")));
        Assert.False(Calendar.IsWorkday(D("2025-10-08")));
        Assert.False(Calendar.Covers(2027));
    }

    [Fact]
    public void UseAdded_ChangesTheCalendarInPlace_ReplacingTheAdministratorsLayer_WithDoesNotFollow()
    {
        var calendar = WorkCalendar.Shipped();
        var before = calendar.With(new CalendarData("other", new HashSet<int>(), []));
        var typhoon = new CalendarData(CalendarDays.Source, new HashSet<int>(), [new(D("2026-12-24"), CalendarDayKind.DayOff, "台风停工")]);

        calendar.UseAdded(typhoon);
        Assert.False(calendar.IsWorkday(D("2026-12-24")));
        Assert.Equal(D("2026-12-28"), calendar.AddWorkdays(D("2026-12-23"), 2));
        Assert.Equal(typhoon, calendar.Added);
        Assert.Equal([CalendarData.Shipped, typhoon], calendar.Layers);
        Assert.True(before.IsWorkday(D("2026-12-24"))); // made before: its own content

        // Replaced, not stacked: the typhoon layer goes, the new one comes.
        var year = new CalendarData(CalendarDays.Source, new HashSet<int> { 2027 }, [new(D("2027-10-01"), CalendarDayKind.DayOff, "国庆节")]);
        calendar.UseAdded(year);
        Assert.True(calendar.IsWorkday(D("2026-12-24")));
        Assert.True(calendar.Covers(2027));
        Assert.Equal(2027, calendar.Years[^1]);
        Assert.Equal([CalendarData.Shipped, year], calendar.Layers);
        var layered = calendar.With(typhoon);
        calendar.UseAdded(null);
        Assert.False(calendar.Covers(2027));
        Assert.Equal([CalendarData.Shipped], calendar.Layers);
        Assert.True(layered.Covers(2027)); // a calendar made With() keeps what it was made of
        Assert.False(layered.IsWorkday(D("2026-12-24")));
    }

    [Fact]
    public void Layer_NewestRowForADateWins_YearRowsCover_NothingIsNull()
    {
        static CalendarDay Row(long id, string day, string kind, string name) =>
            new() { Id = id, Day = day, Kind = kind, Name = name, Active = true, CreatedBy = "admin" };
        Assert.Null(CalendarDays.Layer([]));
        var layer = CalendarDays.Layer(
        [
            Row(3, "2026-12-24", "workday", "补班"),
            Row(1, "2026-12-24", "day_off", "台风停工"),
            Row(2, "2027", "year", "2027年节假日安排"),
            Row(4, "2027-10-01", "day_off", "国庆节"),
        ])!;
        Assert.Equal([2027], layer.Years);
        Assert.Equal([new(D("2026-12-24"), CalendarDayKind.Workday, "补班"), new(D("2027-10-01"), CalendarDayKind.DayOff, "国庆节")], layer.Entries);
    }

    [Fact]
    public void Parse_TheFormat_YearsEntriesAndSource()
    {
        var text = "#duban-calendar 1 source=test@1 licence=MIT\n# a comment\nyear\t2030\n2030-01-01\toff\t元旦\tNew Year's Day\n\n2030-01-05\twork\t元旦\n";
        var data = CalendarData.Parse(new StringReader(text), "t.tsv");
        Assert.Equal("test@1", data.Source);
        Assert.Equal([2030], data.Years);
        Assert.Equal(
            [new(new DateOnly(2030, 1, 1), CalendarDayKind.DayOff, "元旦", "New Year's Day"), new(new DateOnly(2030, 1, 5), CalendarDayKind.Workday, "元旦")],
            data.Entries);
    }

    [Theory]
    [InlineData("2030-13-01\toff\t元旦")]           // no such month
    [InlineData("2030/01/01\toff\t元旦")]
    [InlineData("2030-01-01\tholiday\t元旦")]       // neither off nor work
    [InlineData("2030-01-01\toff\t")]               // no name
    [InlineData("2030-01-01\toff")]
    [InlineData("2030-01-01\toff\t元旦\n2030-01-01\twork\t元旦")] // twice
    [InlineData("year\tnext")]
    [InlineData("year\t2030\nyear\t2030")]
    public void Parse_Malformed_Throws(string text)
    {
        var e = Assert.Throws<InvalidDataException>(() => CalendarData.Parse(new StringReader(text), "t.tsv"));
        Assert.Contains("t.tsv line", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddDuban_RegistersOneSharedShippedCalendar()
    {
        var services = new ServiceCollection();
        services.AddDuban();
        using var provider = services.BuildServiceProvider();
        var calendar = provider.GetRequiredService<WorkCalendar>();
        Assert.Same(calendar, provider.GetRequiredService<WorkCalendar>());
        Assert.False(calendar.IsWorkday(D("2026-10-01")));
        Assert.Equal([CalendarData.Shipped], calendar.Layers);
    }
}
