using System.Globalization;

namespace Duban.Features.Calendar;

/// <summary>
/// calendar add-workdays DATE N, calendar is-workday DATE: the answer alone on standard output
/// (an ISO date; yes or no), a note on standard error when a year is outside the shipped data.
/// They read the shipped calendar and need no database.
/// </summary>
public static class CalendarCli
{
    /// <summary>EX_USAGE (sysexits.h), as the other verbs answer a malformed command.</summary>
    public const int UsageError = 64;

    private const string Usage = """
        usage: calendar add-workdays DATE N   the Nth working day after DATE, not counting DATE (N = 0: DATE if a working day, else the next)
               calendar is-workday DATE       yes or no
        DATE is YYYY-MM-DD (a date in China), N a whole number ≥ 0
        """;

    /// <summary><paramref name="args"/> start with the sub-verb; --Duban:… settings are ignored (the verbs read none).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, WorkCalendar? calendar = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var words = args.Where(a => !a.StartsWith("--Duban", StringComparison.Ordinal)).ToArray();
        calendar ??= WorkCalendar.Shipped();
        switch (words)
        {
            case ["add-workdays", var d, var k]:
                if (!TryDate(d, out var start)) return await BadAsync(error, $"\"{d}\" is not a date (YYYY-MM-DD)");
                if (!int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return await BadAsync(error, $"\"{k}\" is not a whole number ≥ 0");
                DateOnly end;
                try
                {
                    end = calendar.AddWorkdays(start, n);
                }
                catch (ArgumentOutOfRangeException)
                {
                    return await BadAsync(error, $"{n} working days after {d} lie beyond the year 9999");
                }
                await NoteUncoveredAsync(error, calendar, start.Year, end.Year);
                await output.WriteLineAsync(end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                return 0;
            case ["is-workday", var d]:
                if (!TryDate(d, out var date)) return await BadAsync(error, $"\"{d}\" is not a date (YYYY-MM-DD)");
                await NoteUncoveredAsync(error, calendar, date.Year, date.Year);
                await output.WriteLineAsync(calendar.IsWorkday(date) ? "yes" : "no");
                return 0;
            default:
                return await BadAsync(error, "wrong arguments");
        }
    }

    private static bool TryDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static async Task<int> BadAsync(TextWriter error, string why)
    {
        await error.WriteLineAsync($"calendar: {why}\n{Usage}");
        return UsageError;
    }

    /// <summary>An answer from weekends alone is still an answer, but the user must know it is one.</summary>
    private static async Task NoteUncoveredAsync(TextWriter error, WorkCalendar calendar, int from, int to)
    {
        var missing = Enumerable.Range(from, to - from + 1).Where(y => !calendar.Covers(y)).ToList();
        if (missing.Count == 0) return;
        var known = calendar.Years;
        var range = known.Count == 0 ? "none" : $"{known[0]}–{known[^1]}";
        await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"calendar: {(missing.Count == 1 ? $"{missing[0]} is" : $"{missing[0]}–{missing[^1]} are")} not in the calendar (covered: {range}): only weekends count as days off there"));
    }
}
