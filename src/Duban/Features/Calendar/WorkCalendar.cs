using Duban.Common;

namespace Duban.Features.Calendar;

/// <summary>
/// China's working days (工作日): Monday to Friday, except the public holidays (放假), plus the
/// weekend days the State Council moves work onto (调休上班), as its yearly notice on holiday
/// arrangements (国务院办公厅关于…部分节假日安排的通知) sets them. The dates come in layers
/// (<see cref="CalendarData"/>): the shipped one first, then any added on top, where a later
/// layer's entry for a date replaces an earlier one's. In a year no layer covers
/// (<see cref="Covers"/> is false) only the weekends and the entries given are days off.
/// <para>
/// One instance serves every thread (a singleton; see Features/Calendar/README.md). Its content
/// is an immutable snapshot that <see cref="UseAdded"/> swaps whole when administrators change
/// their days (<see cref="CalendarDays"/>): whoever holds the calendar sees the change, and every
/// answer is computed on one snapshot, never half on the old one and half on the new.
/// </para>
/// </summary>
public sealed class WorkCalendar
{
    private volatile Snapshot current;

    /// <summary>A calendar of the given layers, the first at the bottom.</summary>
    public WorkCalendar(params IEnumerable<CalendarData> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        current = new Snapshot([.. layers], null);
    }

    /// <summary>The calendar shipped inside the executable (data/calendar/holidays.tsv), with nothing on top.</summary>
    public static WorkCalendar Shipped() => new(CalendarData.Shipped);

    /// <summary>
    /// The layers this calendar is made of now, the first at the bottom: those it was made of,
    /// then the administrators' layer when there is one (<see cref="UseAdded"/>).
    /// </summary>
    public IReadOnlyList<CalendarData> Layers => current.Layers;

    /// <summary>The administrators' layer in force (the rows of calendar_days), or null when they added nothing.</summary>
    public CalendarData? Added => current.Added;

    /// <summary>
    /// Puts <paramref name="added"/> on top of the layers the calendar was made of, in place of
    /// the administrators' layer before it (null: none). Atomic: a caller sees the calendar
    /// before or after, never between.
    /// </summary>
    public void UseAdded(CalendarData? added) => current = new Snapshot(current.Base, added);

    /// <summary>The years whose official arrangement is known, in order.</summary>
    public IReadOnlyList<int> Years => current.OrderedYears;

    /// <summary>
    /// A new calendar: this one as it is now with one more layer on top (an administrator's days
    /// off, a newly announced year). Later changes of this calendar's administrators' layer do not reach it.
    /// </summary>
    public WorkCalendar With(CalendarData layer) => new([.. Layers, layer]);

    /// <summary>
    /// Whether the year's official holidays and adjusted working days are known. When not, the
    /// calendar still answers, from the weekends (and any entry given) alone: callers that
    /// set deadlines should say so to the user, since a holiday there would be counted as work.
    /// </summary>
    public bool Covers(int year) => current.Years.Contains(year);

    /// <summary>A working day: an adjusted working day, or a Monday to Friday that is not a day off.</summary>
    public bool IsWorkday(DateOnly date) => current.IsWorkday(date);

    /// <summary>The entry that decides the date (a holiday or an adjusted working day), or null for an ordinary day.</summary>
    public CalendarEntry? Entry(DateOnly date) => current.Entries.GetValueOrDefault(date);

    /// <summary>
    /// The Chinese name of the holiday when the date is one of its days off (春节, also on a weekend
    /// inside the holiday), else null: an ordinary weekend and an adjusted working day have none.
    /// </summary>
    public string? HolidayName(DateOnly date) =>
        current.Entries.TryGetValue(date, out var entry) && entry.Kind == CalendarDayKind.DayOff ? entry.Name : null;

    /// <summary>
    /// The <paramref name="n"/>th working day after <paramref name="start"/>, not counting
    /// <paramref name="start"/> itself: from a Monday, n = 1 is the Tuesday; from a Friday or a
    /// Saturday, n = 1 is the Monday. n = 0 is <paramref name="start"/> when it is a working day,
    /// else the first working day after it. For n ≥ 1, <c>WorkdaysBetween(start, AddWorkdays(start, n)) == n</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">n is negative (a bug in the caller).</exception>
    public DateOnly AddWorkdays(DateOnly start, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var snapshot = current;
        var day = start;
        if (n == 0)
        {
            while (!snapshot.IsWorkday(day)) day = day.AddDays(1);
            return day;
        }
        while (n > 0)
        {
            day = day.AddDays(1);
            if (snapshot.IsWorkday(day)) n--;
        }
        return day;
    }

    /// <summary>
    /// The working days after <paramref name="from"/> up to and including <paramref name="to"/>
    /// (<paramref name="from"/> itself is not counted, as in <see cref="AddWorkdays"/>): Monday to
    /// Wednesday is 2, Friday to Monday is 1, a date to itself 0. When <paramref name="to"/> is
    /// before <paramref name="from"/> the answer is negative: <c>-WorkdaysBetween(to, from)</c>.
    /// </summary>
    public int WorkdaysBetween(DateOnly from, DateOnly to)
    {
        if (to < from) return -WorkdaysBetween(to, from);
        var snapshot = current;
        var count = 0;
        for (var day = from.AddDays(1); day <= to; day = day.AddDays(1))
        {
            if (snapshot.IsWorkday(day)) count++;
        }
        return count;
    }

    /// <summary>
    /// The end (24:00 China Standard Time, UTC+8) of the <paramref name="n"/>th working day after
    /// the local date of <paramref name="instant"/>, by <see cref="AddWorkdays"/>: dispatched on a
    /// Monday with n = 2, the end of Wednesday; on a Friday or a Saturday, the end of Tuesday.
    /// Returned in UTC (16:00Z of that day), as Duban stores times.
    /// </summary>
    public DateTimeOffset EndOfWorkdays(DateTimeOffset instant, int n)
    {
        var last = AddWorkdays(Clock.ChinaDate(instant), n);
        return Clock.StartOfChinaDay(last.AddDays(1));
    }

    /// <summary>What the calendar answers from, built once per change and never changed after.</summary>
    private sealed class Snapshot
    {
        public Snapshot(IReadOnlyList<CalendarData> bottom, CalendarData? added)
        {
            Base = bottom;
            Added = added;
            Layers = added is null ? bottom : [.. bottom, added];
            foreach (var layer in Layers)
            {
                Years.UnionWith(layer.Years);
                foreach (var entry in layer.Entries) Entries[entry.Date] = entry;
            }
            OrderedYears = [.. Years.Order()];
        }

        public IReadOnlyList<CalendarData> Base { get; }
        public CalendarData? Added { get; }
        public IReadOnlyList<CalendarData> Layers { get; }
        public Dictionary<DateOnly, CalendarEntry> Entries { get; } = [];
        public HashSet<int> Years { get; } = [];
        public IReadOnlyList<int> OrderedYears { get; }

        public bool IsWorkday(DateOnly date) =>
            Entries.TryGetValue(date, out var entry)
                ? entry.Kind == CalendarDayKind.Workday
                : date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
    }
}
