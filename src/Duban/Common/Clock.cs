namespace Duban.Common;

public static class Clock
{
    /// <summary>
    /// Now, in UTC, cut to whole milliseconds: both databases then hold the exact value, and a
    /// state hashed before saving hashes the same after reading back.
    /// </summary>
    public static DateTimeOffset Now(this TimeProvider time) => Normalize(time.GetUtcNow());

    public static DateTimeOffset Normalize(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    /// <summary>China Standard Time: the year of a matter number is the local year.</summary>
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    /// <summary>The date in China of an instant (a round's days, a return's window, a figures period).</summary>
    public static DateOnly ChinaDate(DateTimeOffset instant) => DateOnly.FromDateTime(instant.ToOffset(ChinaOffset).DateTime);

    /// <summary>
    /// A deadline as a notice writes it, China time: "2026-12-09 24:00" for one at the end of the 9th (a deadline at
    /// midnight is the end of the day before, never the start of the day after).
    /// </summary>
    public static string ChinaDeadline(DateTimeOffset due) =>
        ChinaDate(due.AddMilliseconds(-1)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + " "
        + due.ToOffset(ChinaOffset).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture).Replace("00:00", "24:00", StringComparison.Ordinal);

    /// <summary>00:00 China time of a date, in UTC, as Duban stores times.</summary>
    public static DateTimeOffset StartOfChinaDay(DateOnly date) =>
        new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), ChinaOffset).ToUniversalTime();

    /// <summary>
    /// The next tick of a background loop's timer, or false once the host stops: the loop then ends
    /// quietly instead of throwing (a background service that throws stops the whole host).
    /// </summary>
    public static async Task<bool> NextTickAsync(this PeriodicTimer timer, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(timer);
        try
        {
            return await timer.WaitForNextTickAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }
}
