using System.Globalization;
using Duban.Common;

namespace Duban.Features.Figures;

/// <summary>
/// A period of the figures: a month (2026-11), a quarter (2026-Q4) or a year (2026), as China
/// dates; <see cref="Start"/> and <see cref="End"/> are its bounds in UTC (00:00 China time of its
/// first day, and of the day after its last).
/// </summary>
public sealed record FiguresPeriod(string Name, DateOnly First, DateOnly Last)
{
    public DateTimeOffset Start => Clock.StartOfChinaDay(First);
    public DateTimeOffset End => Clock.StartOfChinaDay(Last.AddDays(1));

    public const string Help = "period is a month (2026-11), a quarter (2026-Q4), a year (2026) or months from–to (2026-03..2026-08), 2000 to 2100 / 统计期间应为月（2026-11）、季度（2026-Q4）、年（2026）或起止月份（2026-03..2026-08），2000年至2100年";

    /// <summary>Between the months of a custom period (<c>2026-03..2026-08</c>).</summary>
    public const string RangeSeparator = "..";

    /// <summary>The period named by <paramref name="text"/>; none: the month of <paramref name="now"/> in China.</summary>
    public static Result<FiguresPeriod> Parse(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            var today = Clock.ChinaDate(now);
            return Month(today.Year, today.Month);
        }
        var t = text.Trim().ToUpperInvariant();
        // Months from–to (自定义): whole months, so that the rates' monthly rollup serves them as it serves a quarter.
        if (t.Split(RangeSeparator) is [var a, var b])
        {
            if (MonthOf(a.Trim()) is { } from && MonthOf(b.Trim()) is { } to && from <= to)
            {
                return from == to ? Month(from.Year, from.Month) : new FiguresPeriod(
                    from.ToString("yyyy-MM", CultureInfo.InvariantCulture) + RangeSeparator + to.ToString("yyyy-MM", CultureInfo.InvariantCulture),
                    from, to.AddMonths(1).AddDays(-1));
            }
            return Error.Validation(Help);
        }
        if (t.Length == 4 && Year(t) is { } y) return new FiguresPeriod(t, new DateOnly(y, 1, 1), new DateOnly(y, 12, 31));
        if (t.Length == 7 && t[4] == '-' && Year(t[..4]) is { } year)
        {
            if (t[5] == 'Q' && t[6] is >= '1' and <= '4')
            {
                var q = t[6] - '0';
                var first = new DateOnly(year, 3 * q - 2, 1);
                return new FiguresPeriod(t, first, first.AddMonths(3).AddDays(-1));
            }
            if (MonthOf(t) is { } month) return Month(month.Year, month.Month);
        }
        return Error.Validation(Help);
    }

    /// <summary>The first day of the month <c>yyyy-MM</c>, or null.</summary>
    private static DateOnly? MonthOf(string t) =>
        t.Length == 7 && t[4] == '-' && Year(t[..4]) is { } year
            && int.TryParse(t[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var month) && month is >= 1 and <= 12
            ? new DateOnly(year, month, 1) : null;

    /// <summary>What kind of period this is, for the dashboard's picker: month, quarter, year or custom.</summary>
    public string Kind => Name.Contains(RangeSeparator, StringComparison.Ordinal) ? "custom"
        : Name.Length == 4 ? "year" : Name.Contains('Q', StringComparison.Ordinal) ? "quarter" : "month";

    private static FiguresPeriod Month(int year, int month)
    {
        var first = new DateOnly(year, month, 1);
        return new FiguresPeriod(first.ToString("yyyy-MM", CultureInfo.InvariantCulture), first, first.AddMonths(1).AddDays(-1));
    }

    private static int? Year(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var y) && y is >= 2000 and <= 2100 ? y : null;
}
