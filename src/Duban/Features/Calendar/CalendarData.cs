using System.Globalization;
using System.Reflection;

namespace Duban.Features.Calendar;

/// <summary>What a dated entry makes of its day, whatever day of the week it is.</summary>
public enum CalendarDayKind
{
    /// <summary>A day off: a public holiday (放假), or a local day off an administrator adds.</summary>
    DayOff,

    /// <summary>A working day on a weekend: the State Council's adjusted working day (调休上班).</summary>
    Workday,
}

/// <summary>
/// One date that the weekend rule does not decide. <paramref name="Name"/> is the holiday's Chinese
/// name (春节); an adjusted working day carries the name of the holiday it makes up for.
/// </summary>
public sealed record CalendarEntry(DateOnly Date, CalendarDayKind Kind, string Name, string? EnglishName = null);

/// <summary>
/// One layer of the calendar: the years whose official arrangement it holds (<see cref="Years"/>;
/// in a year it covers, every holiday and adjusted working day is listed) and its entries. The
/// shipped layer is data/calendar/holidays.tsv; an administrator's layer (local days off, a year
/// announced after the release) goes on top of it (<see cref="WorkCalendar"/>).
/// </summary>
public sealed record CalendarData(string Source, IReadOnlySet<int> Years, IReadOnlyList<CalendarEntry> Entries)
{
    public const string Resource = "Duban.Calendar.holidays.tsv";

    private static readonly Lazy<CalendarData> ShippedData = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"resource {Resource} is missing from the build");
        using var reader = new StreamReader(stream);
        return Parse(reader, "data/calendar/holidays.tsv");
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The calendar shipped inside the executable (data/calendar/holidays.tsv, from npm chinese-days).</summary>
    public static CalendarData Shipped => ShippedData.Value;

    /// <summary>
    /// Reads the text format of data/calendar/holidays.tsv: lines starting with # are comments (the
    /// first, <c>#duban-calendar 1 source=… licence=…</c>, names the source); <c>year\tYYYY</c> says
    /// the year is covered; <c>YYYY-MM-DD\toff|work\tChinese name\tEnglish name</c> is an entry.
    /// A malformed file is a build error, not a condition to live with: it throws.
    /// </summary>
    public static CalendarData Parse(TextReader reader, string fileName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var source = fileName;
        var years = new HashSet<int>();
        var entries = new List<CalendarEntry>();
        var seen = new HashSet<DateOnly>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0) continue;
            if (line[0] == '#')
            {
                if (number == 1 && line.StartsWith("#duban-calendar ", StringComparison.Ordinal))
                {
                    source = line.Split(' ').FirstOrDefault(p => p.StartsWith("source=", StringComparison.Ordinal))?["source=".Length..] ?? fileName;
                }
                continue;
            }
            var fields = line.Split('\t');
            InvalidDataException Bad(string why) => new($"{fileName} line {number}: {why}: \"{line}\"");
            if (fields is ["year", var y])
            {
                if (!int.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out var year) || year is < 1 or > 9999) throw Bad("not a year");
                if (!years.Add(year)) throw Bad("the year is given twice");
                continue;
            }
            if (fields.Length is < 3 or > 4) throw Bad("expected date, off|work, name[, English name]");
            if (!DateOnly.TryParseExact(fields[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) throw Bad("not a date");
            var kind = fields[1] switch
            {
                "off" => CalendarDayKind.DayOff,
                "work" => CalendarDayKind.Workday,
                _ => throw Bad("the kind is neither off nor work"),
            };
            if (fields[2].Length == 0) throw Bad("no name");
            if (!seen.Add(date)) throw Bad("the date is given twice");
            entries.Add(new CalendarEntry(date, kind, fields[2], fields.Length == 4 && fields[3].Length > 0 ? fields[3] : null));
        }
        return new CalendarData(source, years, entries);
    }
}
