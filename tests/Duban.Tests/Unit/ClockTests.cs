using Duban.Common;

namespace Duban.Tests.Unit;

public sealed class ClockTests
{
    [Fact]
    public void Normalize_DropsSubMillisecondTicks_KeepsTheMillisecond()
    {
        var exact = new DateTimeOffset(2025, 5, 20, 16, 30, 15, 123, TimeSpan.FromHours(8));
        var value = exact.AddTicks(9_999); // 123.9999 ms: cut, not rounded
        var normalized = Clock.Normalize(value);
        Assert.Equal(exact, normalized);
        Assert.Equal(exact.UtcTicks, normalized.UtcTicks);
        Assert.Equal(0, normalized.UtcTicks % TimeSpan.TicksPerMillisecond);
        Assert.Equal(value.ToUnixTimeMilliseconds(), normalized.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void Normalize_WholeMilliseconds_Unchanged()
    {
        var value = new DateTimeOffset(2025, 1, 1, 0, 0, 0, 7, TimeSpan.Zero);
        Assert.Equal(value.UtcTicks, Clock.Normalize(value).UtcTicks);
    }

    [Fact]
    public void Normalize_ReturnsUtc_AndIsIdempotent()
    {
        var value = new DateTimeOffset(2025, 12, 31, 23, 59, 59, 999, TimeSpan.FromHours(8)).AddTicks(5);
        var once = Clock.Normalize(value);
        Assert.Equal(TimeSpan.Zero, once.Offset);
        Assert.Equal(once, Clock.Normalize(once));
        Assert.Equal(once.Offset, Clock.Normalize(once).Offset);
    }

    [Fact]
    public void Now_ReadsTheTimeProvider_Normalized()
    {
        var instant = new DateTimeOffset(2025, 5, 20, 8, 0, 0, 500, TimeSpan.Zero).AddTicks(4_321);
        var now = new ManualClock(instant).Now();
        Assert.Equal(instant.AddTicks(-4_321), now);
        Assert.Equal(0, now.UtcTicks % TimeSpan.TicksPerMillisecond);
    }
}
