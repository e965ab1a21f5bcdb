using System.Data.Common;
using System.Globalization;
using Duban.Common;
using Duban.Data;
using Duban.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Duban.Features.Calendar;

/// <summary>
/// calendar add-workdays DATE N, calendar is-workday DATE: the answer alone on standard output
/// (an ISO date; yes or no), a note on standard error when a year is outside the calendar.
/// calendar days YEAR lists a year's days. The three read the shipped calendar with the
/// database's added days on top when there is a database (see <see cref="ReadAsync"/>).
/// calendar add-day and calendar add-year add days as the system, on the configured database.
/// </summary>
public static class CalendarCli
{
    /// <summary>EX_USAGE (sysexits.h), as the other verbs answer a malformed command.</summary>
    public const int UsageError = 64;

    /// <summary>EX_DATAERR (sysexits.h): the command was well formed but its data was refused.</summary>
    public const int DataError = 65;

    private const string Usage = """
        usage: calendar add-workdays DATE N   the Nth working day after DATE, not counting DATE (N = 0: DATE if a working day, else the next)
               calendar is-workday DATE       yes or no
               calendar days YEAR             the year's holidays and adjusted working days, shipped and added
               calendar add-day DATE day_off|workday NAME [--note NOTE]
                                              add a local day off (台风停工) or a day worked, as the system
               calendar add-year YEAR FILE.tsv [--note NOTE]
                                              add a newly announced year (format of data/calendar/holidays.tsv)
        DATE is YYYY-MM-DD (a date in China), N a whole number ≥ 0
        """;

    /// <summary><paramref name="args"/> are the sub-verb and its words, as the command line's parser read them.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, WorkCalendar? calendar = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        calendar ??= WorkCalendar.Shipped();
        switch (args)
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

    /// <summary>
    /// The reading verbs (add-workdays, is-workday, days) from the command line: with the added
    /// days of the configured database when there is one that can be read. A SQLite database whose
    /// file does not exist yet (before the first run) is no database: the verbs answer from the
    /// shipped calendar, as they did before there were added days, and create nothing. A database
    /// that exists but cannot be read (PostgreSQL away, a schema before 0006) is named in a note
    /// on standard error and the answer is the shipped calendar's: the exit code stays 0.
    /// </summary>
    public static Task<int> ReadAsync(CliCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return ReadAsync(Words(call), call.Configuration, Console.Out, Console.Error);
    }

    /// <summary><paramref name="words"/>: the sub-verb and its words; <paramref name="configuration"/>: the settings given on the command line.</summary>
    public static async Task<int> ReadAsync(string[] words, string[] configuration, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        // A malformed command is answered before any database is opened.
        if (words is not (["add-workdays", _, _] or ["is-workday", _] or ["days", _])) return await RunAsync(words, output, error);
        if (words is ["days", var y] && !TryYear(y, out _)) return await BadAsync(error, $"\"{y}\" is not a year ({CalendarChanges.FirstYear}–{CalendarChanges.LastYear})");
        using var host = BuildHost(configuration);
        List<CalendarDay> rows = [];
        if (DatabaseExists(host.Services))
        {
            await using var scope = host.Services.CreateAsyncScope();
            try
            {
                rows = await CalendarDays.ActiveRowsAsync(scope.ServiceProvider.GetRequiredService<DubanDb>());
            }
            catch (DbException e)
            {
                await error.WriteLineAsync($"calendar: the database's added days could not be read ({e.Message.Split('\n')[0]}): the answer is the shipped calendar's");
            }
        }
        var calendar = WorkCalendar.Shipped();
        calendar.UseAdded(CalendarDays.Layer(rows));
        if (words is ["days", var yearText])
        {
            TryYear(yearText, out var year);
            await ListAsync(output, calendar, rows, year);
            return 0;
        }
        return await RunAsync(words, output, error, calendar);
    }

    /// <summary>calendar add-day and calendar add-year, on the configured database (migrated by the caller), as the system.</summary>
    public static async Task<int> ChangeAsync(IServiceProvider services, CliCall call)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(call);
        var (output, error) = (Console.Out, Console.Error);
        var words = Words(call);
        var note = call.Value("--note");
        var changes = services.GetRequiredService<CalendarChanges>();
        switch (words)
        {
            case ["add-day", var day, var kind, var name]:
                {
                    var result = await changes.AddDayAsync(new AddDayRequest(day, kind, name, note), Actor.System());
                    if (result.Error is { } refused) return await RefusedAsync(error, refused);
                    var r = result.Value!;
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"added #{r.Id} {r.Day} {r.Kind} {r.Name}"));
                    return 0;
                }
            case ["add-year", var y, var file]:
                {
                    if (!TryYear(y, out var year)) return await BadAsync(error, $"\"{y}\" is not a year ({CalendarChanges.FirstYear}–{CalendarChanges.LastYear})");
                    CalendarData data;
                    try
                    {
                        using var reader = new StreamReader(file);
                        data = CalendarData.Parse(reader, file);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
                    {
                        await error.WriteLineAsync($"calendar: cannot read {file}: {e.Message}");
                        return DataError;
                    }
                    var (entries, otherYears) = YearEntries(data, year);
                    if (otherYears.Count > 0)
                    {
                        await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                            $"calendar: {file} gives the year(s) {string.Join(", ", data.Years.Order())}, not {year}"));
                        return DataError;
                    }
                    var result = await changes.AddYearAsync(year, new AddYearRequest(entries, note), Actor.System());
                    if (result.Error is { } refused) return await RefusedAsync(error, refused);
                    var added = result.Value!;
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"added {year} (#{added.Id}): {added.Entries.Count(e => e.Kind == CalendarDays.DayOff)} days off, {added.Entries.Count(e => e.Kind == CalendarDays.Workday)} working days"));
                    return 0;
                }
            default:
                return await BadAsync(error, "wrong arguments");
        }
    }

    /// <summary>
    /// What a year file (the format of data/calendar/holidays.tsv, read by <see cref="CalendarData.Parse"/>) adds for
    /// <paramref name="year"/>: its entries (the English names are not kept), and the years its <c>year</c> lines name
    /// other than <paramref name="year"/> (a file with any is refused). The add-year verb and the calendar page use it.
    /// </summary>
    public static (List<YearEntryRequest> Entries, List<int> OtherYears) YearEntries(CalendarData data, int year)
    {
        ArgumentNullException.ThrowIfNull(data);
        return ([.. data.Entries.Select(e => new YearEntryRequest(Iso(e.Date), CalendarDays.KindName(e.Kind), e.Name))],
            [.. data.Years.Where(other => other != year).Order()]);
    }

    /// <summary>
    /// Lines typed or pasted into the calendar page, made into the file format for <see cref="CalendarData.Parse"/>:
    /// a line without a tab has its fields separated by spaces (date, kind, then the name: the rest of the line);
    /// the kind may also be written day_off or workday (the add-day form's words) for off and work. Nothing else
    /// is read here: the file's parser decides what is a valid line.
    /// </summary>
    public static string AsYearFile(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.ReplaceLineEndings("\n").Split('\n').Select(line =>
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#') return trimmed;
            var fields = trimmed.Contains('\t', StringComparison.Ordinal)
                ? trimmed.Split('\t', StringSplitOptions.TrimEntries)
                : trimmed.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length >= 2)
                fields[1] = fields[1] switch { CalendarDays.DayOff => "off", CalendarDays.Workday => "work", var kind => kind };
            return string.Join('\t', fields);
        });
        return string.Join('\n', lines);
    }

    /// <summary>
    /// A year's days, one a line, tab-separated: date, day_off|workday, name, shipped or added #id
    /// (an added day that replaces a shipped one says so); a first comment line says whether the
    /// year is covered, by what, and how many working days it has.
    /// </summary>
    private static async Task ListAsync(TextWriter output, WorkCalendar calendar, List<CalendarDay> rows, int year)
    {
        var prefix = year.ToString(CultureInfo.InvariantCulture);
        var ofYear = rows.Where(r => r.Day.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var by = new List<string>();
        if (CalendarData.Shipped.Years.Contains(year)) by.Add("shipped");
        by.AddRange(ofYear.Where(r => r.Kind == CalendarDays.Year).Select(r => string.Create(CultureInfo.InvariantCulture, $"added #{r.Id}")));
        var workdays = calendar.WorkdaysBetween(new DateOnly(year - 1, 12, 31), new DateOnly(year, 12, 31));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"# {year}: {(by.Count > 0 ? "covered (" + string.Join(", ", by) + ")" : "not covered: only weekends and the days below are off")}; {workdays} working days"));
        var added = new Dictionary<DateOnly, CalendarDay>();
        foreach (var r in ofYear)
        {
            if (CalendarDays.ParseDay(r.Day) is { } d) added[d] = r; // oldest first: the newest wins
        }
        var shipped = CalendarData.Shipped.Entries.Where(e => e.Date.Year == year).ToDictionary(e => e.Date);
        foreach (var date in shipped.Keys.Union(added.Keys).Order())
        {
            string line;
            if (added.TryGetValue(date, out var r))
            {
                line = string.Create(CultureInfo.InvariantCulture, $"{r.Day}\t{r.Kind}\t{r.Name}\tadded #{r.Id}");
                if (shipped.TryGetValue(date, out var s)) line += $" (replaces shipped {CalendarDays.KindName(s.Kind)} {s.Name})";
            }
            else
            {
                var s = shipped[date];
                line = $"{Iso(date)}\t{CalendarDays.KindName(s.Kind)}\t{s.Name}\tshipped";
            }
            await output.WriteLineAsync(line);
        }
    }

    /// <summary>The sub-verb (<c>add-day</c>) and its words, as the patterns above match them.</summary>
    private static string[] Words(CliCall call) => [call.Verb.Name.Split(' ')[^1], .. call.Words];

    private static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static bool TryYear(string text, out int year) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out year) && year is >= CalendarChanges.FirstYear and <= CalendarChanges.LastYear;

    private static async Task<int> RefusedAsync(TextWriter error, Error refused)
    {
        await error.WriteLineAsync($"calendar: {refused.Message}");
        return refused.Status == 400 ? DataError : 1;
    }

    /// <summary>Duban's services as the other verbs configure them (appsettings.json, DUBAN__…, --Duban:…), not started.</summary>
    private static IHost BuildHost(string[] configuration)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = configuration,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Services.AddDuban();
        return builder.Build();
    }

    /// <summary>PostgreSQL when configured; a SQLite file only when it exists (reading must not create one).</summary>
    private static bool DatabaseExists(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        if (options.Provider == "postgres") return true;
        var file = string.IsNullOrWhiteSpace(options.ConnectionString)
            ? Path.Combine(DubanServices.DataDirectory(services.GetRequiredService<IConfiguration>()), "duban.db")
            : new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
        return file.Length > 0 && file != ":memory:" && File.Exists(file);
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
