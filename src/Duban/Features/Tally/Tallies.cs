using System.ComponentModel.DataAnnotations;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Tally;

/// <summary>The tally's settings (Duban:Tally).</summary>
public sealed class TallyOptions
{
    public const string Section = "Duban:Tally";

    /// <summary>Whether this node runs the tally job (every node may: one at a time does the work).</summary>
    public bool Job { get; set; } = true;

    /// <summary>How often the job brings the counters up to date: the lag a page states is at most about this.</summary>
    [Range(1, 3600)]
    public int Seconds { get; set; } = 10;

    /// <summary>Counters older than this are not shown: the pages count live (slow at volume, but never stale) until the job catches up.</summary>
    [Range(10, 86_400)]
    public int FreshForSeconds { get; set; } = 300;

    /// <summary>Events and due lights handled per transaction.</summary>
    [Range(100, 100_000)]
    public int BatchSize { get; set; } = 5_000;
}

/// <summary>One pass of the tally: matters re-counted, the watermark reached, and whether it caught up.</summary>
public sealed record TallyPass(int Matters, long Watermark, DateTimeOffset CountedAt, bool Rebuilt);

/// <summary>A counter that differs from the records: what is counted and what the records say.</summary>
public sealed record TallyDifference(string Kind, string County, string Key, long Counted, long Records);

public sealed record TallyReport(int Counters, int Matters, IReadOnlyList<TallyDifference> Differences, int MattersMiscounted)
{
    public bool Intact => Differences.Count == 0 && MattersMiscounted == 0;
}

/// <summary>
/// Keeps the counters the dashboard and the lights board read (issue 15), incrementally and off the
/// actions' path: every change to a matter appends an event (audited, monotonically numbered), so a
/// pass reads the events after its watermark, re-counts each matter they touched, and the matters whose
/// light is due to change by time alone (<see cref="TallyMatter.NextChange"/>), from the matter's row:
/// the bucket it falls in now against the bucket it was counted in (tally_matters), the difference
/// added to the counters (tally_counts), all in one transaction with the new watermark. A pass is
/// idempotent (a matter re-counted twice adds nothing), so a watermark read before a rebuild's scan is
/// safe. One node at a time: an advisory transaction lock on PostgreSQL (another node skips its pass),
/// the write lock on SQLite. Events are numbered under the audit chain's lock, so they commit in order
/// and none appears later below the watermark.
/// </summary>
public sealed class Tallies(DubanDb db, MatterClock clock, TimeProvider time, IOptions<TallyOptions> options, TallyRates rates,
    IOptions<Figures.FiguresOptions> figures, IEnumerable<TallyRollup> rollups)
{
    private const long LockKey = 0x44_75_62_61_6E_13; // "Duban" 0x13: the tally
    internal const int StateId = 1;

    /// <summary>When the counters were last brought up to date, or null when there are none (never built).</summary>
    public async Task<DateTimeOffset?> CountedAtAsync(CancellationToken ct) =>
        await db.Set<TallyState>().AsNoTracking().Where(s => s.Id == StateId).Select(s => (DateTimeOffset?)s.CountedAt).FirstOrDefaultAsync(ct);

    /// <summary>Passes until the counters are up to date (the first builds them); null when another node holds the tally.</summary>
    public async Task<TallyPass?> CatchUpAsync(CancellationToken ct)
    {
        var matters = 0;
        while (true)
        {
            var (pass, more) = await PassAsync(ct);
            if (pass is null) return null;
            matters += pass.Matters;
            if (!more) return pass with { Matters = matters };
        }
    }

    /// <summary>
    /// Counts every matter again from the records and replaces the counters: on first start, after a
    /// bulk load that wrote matters without events (the bench), and for <c>figures verify --repair</c>.
    /// Waits for another node's pass to end.
    /// </summary>
    public async Task<TallyPass> RebuildAsync(CancellationToken ct)
    {
        while (true)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (!await LockAsync(ct))
            {
                await tx.RollbackAsync(ct);
                await Task.Delay(TimeSpan.FromMilliseconds(200), time, ct);
                continue;
            }
            var pass = await RebuildInAsync(time.Now(), ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
            return pass;
        }
    }

    /// <summary>
    /// Brings the counters up to date, then counts every matter again from the records and compares. The
    /// comparison runs in one transaction that first takes the passes still due itself (and is rolled
    /// back): a snapshot on PostgreSQL, taken while this holds the tally's lock; SQLite's write
    /// transaction (writers wait while it runs). So a node acting meanwhile never shows as a difference.
    /// </summary>
    public async Task<TallyReport> VerifyAsync(CancellationToken ct)
    {
        await CatchUpAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            if (db.IsPostgres)
            {
                await using var lockCmd = Sql.Command(db, $"SELECT pg_advisory_lock({LockKey})");
                await lockCmd.ExecuteNonQueryAsync(ct);
            }
            await using var tx = await db.Database.BeginTransactionAsync(db.IsPostgres ? System.Data.IsolationLevel.RepeatableRead : System.Data.IsolationLevel.Serializable, ct);
            var now = time.Now();
            if (await CurrentAsync(ct))
            {
                while ((await PassInAsync(now, ct)).More) { }
            }
            else
            {
                await RebuildInAsync(now, ct);
            }
            var report = await CompareAsync(now, ct);
            await tx.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            return report;
        }
        finally
        {
            if (db.IsPostgres)
            {
                await using var unlock = Sql.Command(db, $"SELECT pg_advisory_unlock({LockKey})");
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Every counter and every matter's bucket against a count of the records at <paramref name="now"/>.</summary>
    private async Task<TallyReport> CompareAsync(DateTimeOffset now, CancellationToken ct)
    {
        var expected = new Dictionary<TallyKey, long>();
        var expectedRates = new Dictionary<RateKey, long>();
        var miscounted = 0;
        var matters = 0;
        var matched = 0;
        await foreach (var page in PagesAsync(ct))
        {
            // The buckets of the page's range of ids, a page at a time (a million buckets need not be held at once).
            var (first, last) = (page[0].Id, page[^1].Id);
            var stored = await db.Set<TallyMatter>().AsNoTracking().Where(t => t.MatterId >= first && t.MatterId <= last).ToDictionaryAsync(t => t.MatterId, ct);
            foreach (var bucket in await BucketsAsync(page, now, ct))
            {
                matters++;
                foreach (var key in bucket.Keys()) expected[key] = expected.GetValueOrDefault(key) + 1;
                foreach (var key in RateMeasures.Keys(bucket.Rates)) expectedRates[key] = expectedRates.GetValueOrDefault(key) + 1;
                if (stored.TryGetValue(bucket.MatterId, out var had)) matched++;
                if (had is null || !SameCount(had, bucket)) miscounted++;
            }
        }
        miscounted += await db.Set<TallyMatter>().CountAsync(ct) - matched; // buckets of matters that are gone
        var counted = await db.Set<TallyCount>().AsNoTracking().Where(c => c.N != 0).ToListAsync(ct);
        var differences = new List<TallyDifference>();
        foreach (var c in counted)
        {
            var key = new TallyKey(c.Kind, c.County, c.Key);
            var records = expected.GetValueOrDefault(key);
            expected.Remove(key);
            if (records != c.N) differences.Add(new(c.Kind, c.County, c.Key, c.N, records));
        }
        differences.AddRange(expected.Select(e => new TallyDifference(e.Key.Kind, e.Key.County, e.Key.Key, 0, e.Value)));
        var rateCounted = await db.Set<RateCount>().AsNoTracking().Where(c => c.N != 0).ToListAsync(ct);
        foreach (var c in rateCounted)
        {
            var key = new RateKey(c.Month, c.County, c.Unit, c.Kind, c.Channel, c.Subject, c.Measure);
            var records = expectedRates.GetValueOrDefault(key);
            expectedRates.Remove(key);
            if (records != c.N) differences.Add(RateDifference(key, c.N, records));
        }
        differences.AddRange(expectedRates.Where(e => e.Value != 0).Select(e => RateDifference(e.Key, 0, e.Value)));
        foreach (var rollup in rollups) differences.AddRange(await rollup.CompareAsync(db, ct));
        return new TallyReport(counted.Count + rateCounted.Count, matters, [.. differences.OrderBy(d => d.Kind, StringComparer.Ordinal)
            .ThenBy(d => d.County, StringComparer.Ordinal).ThenBy(d => d.Key, StringComparer.Ordinal)], miscounted);
    }

    /// <summary>A stored bucket counts the same as a fresh one (its next change may have been taken at another moment).</summary>
    private static bool SameCount(TallyMatter a, TallyMatter b) => a.Keys().SequenceEqual(b.Keys()) && a.Rates == b.Rates;

    /// <summary>A rate counter that differs, named as verify prints it: "rate:closed 440781 2026-11|440781115|*|*|": counted, records.</summary>
    private static TallyDifference RateDifference(RateKey k, long counted, long records) =>
        new("rate:" + k.Measure, k.County, $"{k.Month}|{k.Unit}|{k.Kind}|{k.Channel}|{k.Subject}", counted, records);

    /// <summary>One transaction: the next batch of events and due lights; (null, false) when another node holds the tally.</summary>
    private async Task<(TallyPass? Pass, bool More)> PassAsync(CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (!await LockAsync(ct))
        {
            await tx.RollbackAsync(ct);
            return (null, false);
        }
        var now = time.Now();
        var (pass, more) = await CurrentAsync(ct)
            ? await PassInAsync(now, ct)
            : (await RebuildInAsync(now, ct), false);
        await tx.CommitAsync(ct);
        db.ChangeTracker.Clear();
        return (pass, more);
    }

    /// <summary>
    /// Are there counters to bring up to date: the state row present, the rates counted under the figures'
    /// settings in force (other excluded categories count other matters: a rebuild)?
    /// </summary>
    private async Task<bool> CurrentAsync(CancellationToken ct) =>
        await db.Set<TallyState>().AsNoTracking().Where(s => s.Id == StateId).Select(s => s.RatesConfig).FirstOrDefaultAsync(ct) == figures.Value.RollupConfig;

    /// <summary>The next batch of events and due lights, in the caller's transaction, the state row present.</summary>
    private async Task<(TallyPass Pass, bool More)> PassInAsync(DateTimeOffset now, CancellationToken ct)
    {
        var state = await db.Set<TallyState>().SingleAsync(s => s.Id == StateId, ct);
        var batch = options.Value.BatchSize;
        var watermark = state.Watermark;
        var events = await db.Events.AsNoTracking().Where(e => e.Seq > watermark).OrderBy(e => e.Seq)
            .Select(e => new { e.Seq, e.MatterId, e.At }).Take(batch).ToListAsync(ct);
        var due = await db.Set<TallyMatter>().AsNoTracking().Where(t => t.NextChange != null && t.NextChange <= now)
            .OrderBy(t => t.NextChange).Select(t => t.MatterId).Take(batch).ToListAsync(ct);
        var ids = events.Where(e => e.MatterId != null).Select(e => e.MatterId!.Value).Concat(due).Distinct().ToList();
        await RecountAsync(ids, now, ct);
        // Only over the numbers committed without a gap (Audit/CommittedPrefix: lanes commit out of order);
        // the events past a gap are counted now and again next pass, which adds nothing twice.
        if (events.Count > 0) state.Watermark = Audit.CommittedPrefix.Advance(watermark, events.Select(e => (e.Seq, e.At)), now);
        var more = events.Count == batch || due.Count == batch;
        if (!more) state.CountedAt = now;
        await db.SaveChangesAsync(ct);
        return (new TallyPass(ids.Count, state.Watermark, state.CountedAt, false), more);
    }

    /// <summary>Re-counts the matters given: each one's new bucket against its old, the differences to the counters.</summary>
    private async Task RecountAsync(IReadOnlyList<long> ids, DateTimeOffset now, CancellationToken ct)
    {
        var delta = new Dictionary<TallyKey, long>();
        var rateDelta = new Dictionary<RateKey, long>();
        foreach (var chunk in ids.Chunk(500))
        {
            var matters = await TallySource.From(db.Matters.AsNoTracking().Where(m => chunk.Contains(m.Id))).ToDictionaryAsync(m => m.Id, ct);
            var old = await db.Set<TallyMatter>().Where(t => chunk.Contains(t.MatterId)).ToDictionaryAsync(t => t.MatterId, ct);
            var texts = await rates.OfAsync(chunk, ct);
            foreach (var id in chunk)
            {
                var fresh = matters.TryGetValue(id, out var m) ? m.Bucket(clock, now) : null;
                if (fresh is not null) fresh.Rates = texts.GetValueOrDefault(id, "");
                var had = old.GetValueOrDefault(id);
                if (had is not null)
                {
                    foreach (var key in had.Keys()) delta[key] = delta.GetValueOrDefault(key) - 1;
                    foreach (var key in RateMeasures.Keys(had.Rates)) rateDelta[key] = rateDelta.GetValueOrDefault(key) - 1;
                }
                if (fresh is not null)
                {
                    foreach (var key in fresh.Keys()) delta[key] = delta.GetValueOrDefault(key) + 1;
                    foreach (var key in RateMeasures.Keys(fresh.Rates)) rateDelta[key] = rateDelta.GetValueOrDefault(key) + 1;
                }
                if (fresh is null && had is not null) db.Remove(had);
                else if (fresh is not null && had is null) db.Add(fresh);
                else if (fresh is not null && had is not null && !had.SameAs(fresh)) had.CopyFrom(fresh);
            }
        }
        await db.SaveChangesAsync(ct);
        await AddAsync(delta, rateDelta, ct);
        foreach (var rollup in rollups) await rollup.RecountAsync(db, ids, ct);
    }

    private async Task<TallyPass> RebuildInAsync(DateTimeOffset now, CancellationToken ct)
    {
        // The watermark before the scan: a matter changed during it has a later event and is re-counted
        // by the next pass, which adds nothing if the scan already saw the change.
        // (Lanes commit out of order: the last event older than CommittedPrefix.Grace, so that none below it is still to commit.)
        var settled = now - Audit.CommittedPrefix.Grace;
        var watermark = await db.Events.Where(e => e.At < settled).MaxAsync(e => (long?)e.Seq, ct) ?? 0;
        await db.Set<TallyCount>().ExecuteDeleteAsync(ct);
        await db.Set<RateCount>().ExecuteDeleteAsync(ct);
        await db.Set<TallyMatter>().ExecuteDeleteAsync(ct);
        await db.Set<TallyState>().ExecuteDeleteAsync(ct);
        var counts = new Dictionary<TallyKey, long>();
        var rateCounts = new Dictionary<RateKey, long>();
        var matters = 0;
        await foreach (var page in PagesAsync(ct))
        {
            var buckets = await BucketsAsync(page, now, ct);
            foreach (var key in buckets.SelectMany(b => b.Keys())) counts[key] = counts.GetValueOrDefault(key) + 1;
            foreach (var key in buckets.SelectMany(b => RateMeasures.Keys(b.Rates))) rateCounts[key] = rateCounts.GetValueOrDefault(key) + 1;
            await new SqlBatch(db).Insert(buckets).ExecuteAsync(ct);
            matters += buckets.Count;
        }
        await new SqlBatch(db).Insert([.. counts.Select(c => new TallyCount { Kind = c.Key.Kind, County = c.Key.County, Key = c.Key.Key, N = c.Value })])
            .Insert([.. rateCounts.Where(c => c.Value != 0).Select(c => RateRow(c.Key, c.Value))])
            .Insert([new TallyState { Id = StateId, Watermark = watermark, CountedAt = now, RatesConfig = figures.Value.RollupConfig }]).ExecuteAsync(ct);
        foreach (var rollup in rollups) await rollup.RebuildAsync(db, ct);
        return new TallyPass(matters, watermark, now, true);
    }

    /// <summary>The buckets of a page of matters (ordered by id), with what each adds to the rates.</summary>
    private async Task<List<TallyMatter>> BucketsAsync(List<TallySource> page, DateTimeOffset now, CancellationToken ct)
    {
        var texts = await rates.OfRangeAsync(page[0].Id, page[^1].Id, ct);
        return page.Select(m =>
        {
            var bucket = m.Bucket(clock, now);
            bucket.Rates = texts.GetValueOrDefault(m.Id, "");
            return bucket;
        }).ToList();
    }

    private static RateCount RateRow(RateKey k, long n) =>
        new() { Month = k.Month, County = k.County, Unit = k.Unit, Kind = k.Kind, Channel = k.Channel, Subject = k.Subject, Measure = k.Measure, N = n };

    /// <summary>Every matter's tally fields, a page at a time by id.</summary>
    private async IAsyncEnumerable<List<TallySource>> PagesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var after = long.MinValue;
        while (true)
        {
            var from = after;
            var page = await TallySource.From(db.Matters.AsNoTracking().Where(m => m.Id > from).OrderBy(m => m.Id)).Take(10_000).ToListAsync(ct);
            if (page.Count == 0) yield break;
            yield return page;
            after = page[^1].Id;
        }
    }

    /// <summary>Adds the differences to the counters: one upsert per counter changed.</summary>
    private async Task AddAsync(Dictionary<TallyKey, long> delta, Dictionary<RateKey, long> rateDelta, CancellationToken ct)
    {
        var batch = new SqlBatch(db);
        var any = false;
        foreach (var (key, n) in delta)
        {
            if (n == 0) continue;
            batch.Append("INSERT INTO tally_counts (kind, county, key, n) VALUES ({0}, {1}, {2}, {3}) "
                + "ON CONFLICT (kind, county, key) DO UPDATE SET n = tally_counts.n + excluded.n", key.Kind, key.County, key.Key, n);
            any = true;
        }
        foreach (var (k, n) in rateDelta)
        {
            if (n == 0) continue;
            batch.Append("INSERT INTO rate_counts (month, county, unit, kind, channel, subject, measure, n) VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}) "
                + "ON CONFLICT (kind, channel, month, county, unit, subject, measure) DO UPDATE SET n = rate_counts.n + excluded.n",
                k.Month, k.County, k.Unit, k.Kind, k.Channel, k.Subject, k.Measure, n);
            any = true;
        }
        if (any) await batch.ExecuteAsync(ct);
    }

    /// <summary>One node at a time: PostgreSQL's advisory lock for this transaction (false: another node has it); SQLite's transaction holds the write lock.</summary>
    private async Task<bool> LockAsync(CancellationToken ct)
    {
        if (!db.IsPostgres) return true;
        await using var cmd = Sql.Command(db, $"SELECT pg_try_advisory_xact_lock({LockKey})");
        return await cmd.ExecuteScalarAsync(ct) is true;
    }
}
