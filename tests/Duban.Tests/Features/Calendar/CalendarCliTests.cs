using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Calendar;

/// <summary>
/// The calendar verbs through Cli.RunAsync, as a user types them, on a data directory of their own
/// (with no database until a test adds a day). In the "console" collection: they redirect
/// Console.Out and Console.Error.
/// </summary>
[Collection("console")]
public sealed class CalendarCliTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "duban-calendar-" + Guid.NewGuid().ToString("N")[..8]);

    private Task<(int Code, string Out, string Err)> Run(params string[] args) => ConsoleCli.RunAsync("", [.. args, $"--Duban:DataDirectory={dir}"]);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    [Theory]
    [InlineData("2026-09-30", "1", "2026-10-08")] // Wednesday before National Day 2026 (1–7 October off)
    [InlineData("2026-09-30", "0", "2026-09-30")]
    [InlineData("2026-09-30", "3", "2026-10-10")] // the adjusted Saturday
    [InlineData("2025-01-27", "1", "2025-02-05")] // over Spring Festival 2025
    [InlineData("2025-03-07", "2", "2025-03-11")] // Friday → Tuesday
    public async Task AddWorkdays_PrintsTheIsoDate(string date, string n, string expected)
    {
        var (code, output, error) = await Run("calendar", "add-workdays", date, n);
        Assert.Equal(0, code);
        Assert.Equal(expected + Environment.NewLine, output);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("2026-09-30", "yes")]
    [InlineData("2026-10-01", "no")]  // National Day
    [InlineData("2026-10-10", "yes")] // the adjusted Saturday
    [InlineData("2026-10-11", "no")]  // an ordinary Sunday
    [InlineData("2025-09-28", "yes")] // the adjusted Sunday
    [InlineData("2025-02-04", "no")]  // Spring Festival
    public async Task IsWorkday_PrintsYesOrNo_Exit0(string date, string expected)
    {
        var (code, output, _) = await Run("calendar", "is-workday", date);
        Assert.Equal(0, code);
        Assert.Equal(expected + Environment.NewLine, output);
    }

    [Fact]
    public async Task IsWorkday_YearNotCovered_AnswersFromWeekendsAndSaysSo()
    {
        var (code, output, error) = await Run("calendar", "is-workday", "2030-10-01");
        Assert.Equal(0, code);
        Assert.Equal("yes" + Environment.NewLine, output);
        Assert.Contains("2030 is not in the calendar", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("add-workdays", "2026-02-30", "1")] // no such day
    [InlineData("add-workdays", "2026/09/30", "1")]
    [InlineData("add-workdays", "2026-09-30", "-1")]
    [InlineData("add-workdays", "2026-09-30", "one")]
    [InlineData("add-workdays", "2026-09-30")]
    [InlineData("add-workdays", "9999-12-30", "5")] // past the last date there is
    [InlineData("is-workday", "tomorrow")]
    [InlineData("is-workday")]
    public async Task BadInput_MessageOnStandardError_Exit64(params string[] args)
    {
        var (code, output, error) = await Run(["calendar", .. args]);
        Assert.Equal(64, code);
        Assert.Equal("", output);
        Assert.StartsWith("calendar: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_NamesTheVerbs()
    {
        Assert.Contains("calendar add-workdays DATE N", Duban.Hosting.Cli.Help, StringComparison.Ordinal);
        Assert.Contains("calendar is-workday DATE", Duban.Hosting.Cli.Help, StringComparison.Ordinal);
        Assert.Contains("calendar days YEAR", Duban.Hosting.Cli.Help, StringComparison.Ordinal);
        Assert.Contains("calendar add-day DATE day_off|workday NAME", Duban.Hosting.Cli.Help, StringComparison.Ordinal);
        Assert.Contains("calendar add-year YEAR FILE.tsv", Duban.Hosting.Cli.Help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadingVerbs_WithoutADatabase_AnswerFromTheShippedCalendar_AndCreateNone()
    {
        var (code, output, error) = await Run("calendar", "days", "2026");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.StartsWith("# 2026: covered (shipped); ", output, StringComparison.Ordinal);
        Assert.Contains("2026-10-01\tday_off\t国庆节\tshipped", output, StringComparison.Ordinal);
        Assert.Contains("2026-10-10\tworkday\t国庆节\tshipped", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "duban.db")));
        Assert.Equal(64, (await Run("calendar", "days", "next")).Code);
    }

    [Fact]
    public async Task AddDayAndAddYear_ActOnTheDatabase_TheReadingVerbsIncludeThem_AuditVerifies()
    {
        var (code, output, error) = await Run("calendar", "add-day", "2026-12-24", "day_off", "台风停工", "--note", "台风登陆，全市停工");
        Assert.True(code == 0, error);
        Assert.Matches(@"^added #\d+ 2026-12-24 day_off 台风停工", output);
        Assert.Equal("no" + Environment.NewLine, (await Run("calendar", "is-workday", "2026-12-24")).Out);
        Assert.Equal("2026-12-28" + Environment.NewLine, (await Run("calendar", "add-workdays", "2026-12-23", "2")).Out);
        var days = await Run("calendar", "days", "2026");
        Assert.Matches(@"2026-12-24\tday_off\t台风停工\tadded #\d+", days.Out);

        var file = Path.Combine(dir, "2027.tsv");
        await File.WriteAllTextAsync(file, "#duban-calendar 1 source=国办发明电 licence=public\nyear\t2027\n2027-10-01\toff\t国庆节\tNational Day\n2027-10-04\toff\t国庆节\n2027-10-09\twork\t国庆节\n");
        var before = await Run("calendar", "is-workday", "2027-10-04");
        Assert.Equal("yes" + Environment.NewLine, before.Out);
        Assert.Contains("2027 is not in the calendar", before.Err, StringComparison.Ordinal);
        (code, output, error) = await Run("calendar", "add-year", "2027", file, "--note", "2027年安排");
        Assert.True(code == 0, error);
        Assert.Matches(@"^added 2027 \(#\d+\): 2 days off, 1 working days", output);
        var after = await Run("calendar", "is-workday", "2027-10-04");
        Assert.Equal(("no" + Environment.NewLine, ""), (after.Out, after.Err));
        Assert.Equal("2027-10-09" + Environment.NewLine, (await Run("calendar", "add-workdays", "2027-10-08", "1")).Out);
        Assert.StartsWith("# 2027: covered (added #", (await Run("calendar", "days", "2027")).Out, StringComparison.Ordinal);

        // Refused: the data (65), the command (64).
        Assert.Equal(65, (await Run("calendar", "add-day", "2026-12-25", "holiday", "圣诞")).Code);
        Assert.Equal(65, (await Run("calendar", "add-year", "2028", file)).Code); // the file is 2027's
        Assert.Equal(65, (await Run("calendar", "add-year", "2027", Path.Combine(dir, "missing.tsv"))).Code);
        Assert.Equal(64, (await Run("calendar", "add-day", "2026-12-25", "day_off")).Code);
        Assert.Equal(64, (await Run("calendar", "add-day", "2026-12-25", "day_off", "台风停工", "--note")).Code);

        var verify = await Run("audit", "verify");
        Assert.True(verify.Code == 0, verify.Err);
    }
}
