using Duban.Data;

namespace Duban.Features.Tally;

/// <summary>
/// A module's rollup kept by the tally's pass (Features/Tally/README.md, "A module's rollup"): the pass hands it the matters
/// it re-counts, in its transaction and under its lock (one node at a time), so the module keeps its counters off the
/// actions' path, idempotently (each matter's stored contribution against its fresh one, the difference to the counters),
/// as <see cref="TallyRates"/> keeps the rates. A rebuild rebuilds it, and <c>figures verify</c> compares it with the records.
/// Registered with <c>services.AddSingleton&lt;TallyRollup, T&gt;()</c>.
/// </summary>
public abstract class TallyRollup
{
    /// <summary>Re-counts these matters (of any kind: the rollup picks its own), in the pass's transaction.</summary>
    public abstract Task RecountAsync(DubanDb db, IReadOnlyList<long> matterIds, CancellationToken ct);

    /// <summary>Counts every matter of its own again and replaces the rollup, in the rebuild's transaction.</summary>
    public abstract Task RebuildAsync(DubanDb db, CancellationToken ct);

    /// <summary>The rollup's counters that differ from a count of the records (none when intact), in verify's transaction.</summary>
    public abstract Task<IReadOnlyList<TallyDifference>> CompareAsync(DubanDb db, CancellationToken ct);
}
