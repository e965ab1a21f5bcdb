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
}
