using System.Globalization;
using Duban.Common;
using Duban.Features.Calendar;

namespace Duban.Features.Matters;

public enum TimeLimitUnit
{
    Minutes,
    Hours,
    Days,
    WorkingDays,
    Months,
}

/// <summary>
/// A time limit as the rules state it: "30m", "2h" and "24h" run on the clock; "7d" (calendar
/// days), "15wd" (working days, China's calendar with its adjusted working days) and "3mo"
/// (months) end at 24:00 China time of their last day, the start day not counted. A limit in days
/// or months whose last day is a day off ends on the next working day instead (民法典 第二百零一条,
/// 第二百零三条: the start day is not counted; a period whose last day is a statutory day off ends
/// on the day after it).
/// </summary>
public readonly record struct TimeLimit(int Amount, TimeLimitUnit Unit)
{
    /// <summary>Longer is a typing error: no rule here runs beyond a year.</summary>
    private const int MaxDays = 372;

    public static bool TryParse(string? text, out TimeLimit limit)
    {
        limit = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits])) digits++;
        if (digits == 0 || digits > 4 || !int.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            return false;
        TimeLimitUnit? unit = text[digits..] switch
        {
            "m" => TimeLimitUnit.Minutes,
            "h" => TimeLimitUnit.Hours,
            "d" => TimeLimitUnit.Days,
            "wd" => TimeLimitUnit.WorkingDays,
            "mo" => TimeLimitUnit.Months,
            _ => null,
        };
        if (unit is not { } u) return false;
        limit = new TimeLimit(n, u);
        return limit.ApproximateDays <= MaxDays;
    }

    private double ApproximateDays => Unit switch
    {
        TimeLimitUnit.Minutes => Amount / 1440.0,
        TimeLimitUnit.Hours => Amount / 24.0,
        TimeLimitUnit.Days => Amount,
        TimeLimitUnit.WorkingDays => Amount * 7 / 5.0,
        _ => Amount * 31,
    };

    /// <summary>Whether the limit runs on the clock (minutes, hours) rather than to the end of a day.</summary>
    public bool OnTheClock => Unit is TimeLimitUnit.Minutes or TimeLimitUnit.Hours;

    /// <summary>When the limit ends for something that started at <paramref name="start"/>.</summary>
    public DateTimeOffset From(DateTimeOffset start, WorkCalendar calendar) => Unit switch
    {
        TimeLimitUnit.Minutes => start.AddMinutes(Amount),
        TimeLimitUnit.Hours => start.AddHours(Amount),
        TimeLimitUnit.Days => EndOf(Clock.ChinaDate(start).AddDays(Amount), calendar),
        TimeLimitUnit.WorkingDays => calendar.EndOfWorkdays(start, Amount),
        _ => EndOf(Clock.ChinaDate(start).AddMonths(Amount), calendar),
    };

    private static DateTimeOffset EndOf(DateOnly last, WorkCalendar calendar) =>
        Clock.StartOfChinaDay(calendar.AddWorkdays(last, 0).AddDays(1));

    /// <summary>
    /// A deadline moved on by the limit: a deadline at 24:00 ends its day, so 30 days after the
    /// end of 1 January is the end of 31 January (where <see cref="From"/>, for an event at that
    /// instant, would count from 2 January).
    /// </summary>
    public DateTimeOffset After(DateTimeOffset deadline, WorkCalendar calendar) =>
        OnTheClock ? From(deadline, calendar) : From(deadline.AddMilliseconds(-1), calendar);

    public override string ToString() => Amount.ToString(CultureInfo.InvariantCulture) + Unit switch
    {
        TimeLimitUnit.Minutes => "m",
        TimeLimitUnit.Hours => "h",
        TimeLimitUnit.Days => "d",
        TimeLimitUnit.WorkingDays => "wd",
        _ => "mo",
    };

    /// <summary>2小时, 7日, 15个工作日, 3个月.</summary>
    public string Chinese => Amount.ToString(CultureInfo.InvariantCulture) + Unit switch
    {
        TimeLimitUnit.Minutes => "分钟",
        TimeLimitUnit.Hours => "小时",
        TimeLimitUnit.Days => "日",
        TimeLimitUnit.WorkingDays => "个工作日",
        _ => "个月",
    };
}
