namespace Duban.Tests.Unit;

/// <summary>A settable clock for pure tests (no host, no database).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset UtcNow { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => UtcNow;
}
