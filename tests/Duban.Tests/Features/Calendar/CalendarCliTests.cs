using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Calendar;

/// <summary>
/// calendar add-workdays and calendar is-workday through Cli.RunAsync, as a user types them.
/// In the "console" collection: they redirect Console.Out and Console.Error.
/// </summary>
[Collection("console")]
public sealed class CalendarCliTests
{
    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => ConsoleCli.RunAsync("", args);

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
    public void Help_NamesBothVerbs()
    {
        Assert.Contains("calendar add-workdays DATE N", Duban.Hosting.Cli.Help, StringComparison.Ordinal);
        Assert.Contains("calendar is-workday DATE", Duban.Hosting.Cli.Help, StringComparison.Ordinal);
    }
}
