namespace Duban.Features.Audit;

/// <summary>
/// How far a reader of the events in global order (the tally) may say it has read everything. With
/// several lanes (docs/adr/0006) transactions commit concurrently, so an event may commit after one with a
/// higher number: a reader that jumped to the highest number it saw would never see it. It advances only
/// over consecutive numbers; a missing number is waited for until the event after it is
/// <see cref="Grace"/> old, and is then taken for a rolled-back transaction's (PostgreSQL's sequence leaves
/// such gaps; a transaction open that long is not one of Duban's).
/// </summary>
public static class CommittedPrefix
{
    /// <summary>How long a missing number is waited for.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    /// <summary>The new watermark, from the old one and the events read after it (in number order, with when each was chained).</summary>
    public static long Advance(long watermark, IEnumerable<(long Seq, DateTimeOffset At)> events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var (seq, at) in events)
        {
            if (seq <= watermark) continue;
            if (seq != watermark + 1 && now - at < Grace) break;
            watermark = seq;
        }
        return watermark;
    }
}
