using System.Globalization;
using Duban.Common;
using Duban.Data;
using Duban.Features.Tally;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Enterprises;

/// <summary>A counter of the enterprise figures' rollup: a measure of the demands registered in a China month, by size and industry.</summary>
public sealed class EnterpriseFigureCount
{
    /// <summary>yyyy-MM (China), the month the demand was registered: the figures of a year are its twelve months.</summary>
    public required string Month { get; set; }
    public required string Size { get; set; }
    public required string Industry { get; set; }
    /// <summary>One of <see cref="EnterpriseRollup.Measures"/>.</summary>
    public required string Measure { get; set; }
    public long N { get; set; }
}

/// <summary>What one demand is counted as in the rollup now (its lines), so that a change counts only its difference.</summary>
public sealed class EnterpriseFigureMatter
{
    public long MatterId { get; set; }
    /// <summary>One line per measure: <c>measure|month|size|industry|n</c>, in order.</summary>
    public required string Counted { get; set; }
}

/// <summary>
/// The enterprise figures' monthly rollup (schema 0051), kept by the tally's pass (<see cref="TallyRollup"/>), off the actions'
/// path: for each demand the pass re-counts (every action appends an event), its contribution now (<see cref="Contribution"/>,
/// from its matter's row and lead assignments) against the one it was counted with (<c>enterprise_figure_matters</c>), the
/// difference added to <c>enterprise_figure_counts</c>, in the pass's transaction, one node at a time. Nothing in the figures
/// changes with time alone (a signing or a closing is in time or not once done), so the events suffice. Rebuilt with the
/// tally; <c>figures verify</c> compares it with a count of the records.
/// </summary>
public sealed class EnterpriseRollup : TallyRollup
{
    /// <summary>
    /// count, responded (the lead unit signed for it, 签收), response_ms (the sum of the milliseconds from registration to that
    /// signing), responded_in_time, solved (closed), solved_in_time, rated, satisfied (满意 and 基本满意).
    /// </summary>
    public static readonly IReadOnlyList<string> Measures =
        ["count", "responded", "response_ms", "responded_in_time", "solved", "solved_in_time", "rated", "satisfied"];

    /// <summary>The China month a demand counts in: the month it was registered.</summary>
    public static string MonthOf(DateTimeOffset registeredAt) => Clock.ChinaDate(registeredAt).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>What one demand adds to each measure (the rules of the figures, README "Figures"): only the measures it adds to.</summary>
    public static IReadOnlyList<(string Measure, long N)> Contribution(RapidResponse.Fact f)
    {
        var lines = new List<(string, long)> { ("count", 1) };
        if (f.SignedFor is { } signed)
        {
            lines.Add(("responded", 1));
            lines.Add(("response_ms", (long)Math.Round((signed - f.RegisteredAt).TotalMilliseconds)));
            if (f.SignDue is null || signed <= f.SignDue) lines.Add(("responded_in_time", 1));
        }
        if (f.Status == Matters.Status.Closed)
        {
            lines.Add(("solved", 1));
            if (f.DueAt is null || (f.ClosedAt is { } c && c <= f.DueAt)) lines.Add(("solved_in_time", 1));
        }
        if (f.Satisfaction is not null)
        {
            lines.Add(("rated", 1));
            if (f.Satisfaction is "satisfied" or "basically_satisfied") lines.Add(("satisfied", 1));
        }
        return lines;
    }

    /// <summary>A demand's contribution as stored: <c>measure|month|size|industry|n</c> a line.</summary>
    public static string Text(RapidResponse.Fact f)
    {
        var month = MonthOf(f.RegisteredAt);
        return string.Join('\n', Contribution(f).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Measure}|{month}|{f.Size}|{f.Industry}|{c.N}")));
    }

    private readonly record struct Key(string Month, string Size, string Industry, string Measure);

    private static IEnumerable<(Key Key, long N)> Parse(string? text)
    {
        if (string.IsNullOrEmpty(text)) yield break;
        foreach (var line in text.Split('\n'))
        {
            var p = line.Split('|');
            yield return (new Key(p[1], p[2], p[3], p[0]), long.Parse(p[4], CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The figures' facts of the demands given (joined to their matters), with their lead units' signings, by matter.</summary>
    public static async Task<Dictionary<long, RapidResponse.Fact>> FactsAsync(DubanDb db, IQueryable<EnterpriseDemand> demands, CancellationToken ct)
    {
        var rows = await (from d in demands
                          join m in db.Matters.AsNoTracking() on d.MatterId equals m.Id
                          select new { m.Id, d.Size, d.Industry, m.RegisteredAt, m.Status, m.ClosedAt, m.DueAt, m.FeedbackSatisfaction }).ToListAsync(ct);
        // The lead units' signings (签收), read by ix_assignments_matter for these demands only.
        var leads = new List<(long MatterId, DateTimeOffset? AcceptedAt, DateTimeOffset? SignDueAt)>();
        foreach (var chunk in rows.Select(r => r.Id).Chunk(500))
        {
            leads.AddRange((await db.Assignments.AsNoTracking().Where(a => chunk.Contains(a.MatterId) && a.Role == "lead")
                .Select(a => new { a.MatterId, a.AcceptedAt, a.SignDueAt }).ToListAsync(ct)).Select(a => (a.MatterId, a.AcceptedAt, a.SignDueAt)));
        }
        var byMatter = leads.ToLookup(a => a.MatterId);
        return rows.ToDictionary(r => r.Id, r => new RapidResponse.Fact(r.Size, r.Industry, r.RegisteredAt, r.Status, r.ClosedAt, r.DueAt, r.FeedbackSatisfaction,
            byMatter[r.Id].Where(a => a.AcceptedAt is not null).Select(a => a.AcceptedAt).Min(),
            byMatter[r.Id].Where(a => a.SignDueAt is not null).Select(a => a.SignDueAt).Min()));
    }

    public override async Task RecountAsync(DubanDb db, IReadOnlyList<long> matterIds, CancellationToken ct)
    {
        var delta = new Dictionary<Key, long>();
        foreach (var chunk in matterIds.Chunk(500))
        {
            var facts = await FactsAsync(db, db.Set<EnterpriseDemand>().AsNoTracking().Where(d => chunk.Contains(d.MatterId)), ct);
            var old = await db.Set<EnterpriseFigureMatter>().Where(c => chunk.Contains(c.MatterId)).ToDictionaryAsync(c => c.MatterId, ct);
            foreach (var id in chunk)
            {
                var fresh = facts.TryGetValue(id, out var f) ? Text(f) : null;
                var had = old.GetValueOrDefault(id);
                if (had?.Counted == fresh) continue;
                foreach (var (key, n) in Parse(had?.Counted)) delta[key] = delta.GetValueOrDefault(key) - n;
                foreach (var (key, n) in Parse(fresh)) delta[key] = delta.GetValueOrDefault(key) + n;
                if (fresh is null) db.Remove(had!);
                else if (had is null) db.Add(new EnterpriseFigureMatter { MatterId = id, Counted = fresh });
                else had.Counted = fresh;
            }
        }
        await db.SaveChangesAsync(ct);
        var batch = new SqlBatch(db);
        var any = false;
        foreach (var (k, n) in delta)
        {
            if (n == 0) continue;
            batch.Append("INSERT INTO enterprise_figure_counts (month, size, industry, measure, n) VALUES ({0}, {1}, {2}, {3}, {4}) "
                + "ON CONFLICT (month, size, industry, measure) DO UPDATE SET n = enterprise_figure_counts.n + excluded.n", k.Month, k.Size, k.Industry, k.Measure, n);
            any = true;
        }
        if (any) await batch.ExecuteAsync(ct);
    }

    public override async Task RebuildAsync(DubanDb db, CancellationToken ct)
    {
        await db.Set<EnterpriseFigureCount>().ExecuteDeleteAsync(ct);
        await db.Set<EnterpriseFigureMatter>().ExecuteDeleteAsync(ct);
        var counts = new Dictionary<Key, long>();
        await foreach (var page in PagesAsync(db, ct))
        {
            var rows = page.Select(p => new EnterpriseFigureMatter { MatterId = p.Key, Counted = Text(p.Value) }).ToList();
            foreach (var (key, n) in rows.SelectMany(r => Parse(r.Counted))) counts[key] = counts.GetValueOrDefault(key) + n;
            await new SqlBatch(db).Insert(rows).ExecuteAsync(ct);
        }
        if (counts.Count > 0)
        {
            await new SqlBatch(db).Insert([.. counts.Select(c => new EnterpriseFigureCount
            {
                Month = c.Key.Month, Size = c.Key.Size, Industry = c.Key.Industry, Measure = c.Key.Measure, N = c.Value,
            })]).ExecuteAsync(ct);
        }
    }

    public override async Task<IReadOnlyList<TallyDifference>> CompareAsync(DubanDb db, CancellationToken ct)
    {
        var expected = new Dictionary<Key, long>();
        var differences = new List<TallyDifference>();
        var seen = 0;
        await foreach (var page in PagesAsync(db, ct))
        {
            var (first, last) = (page.Keys.Min(), page.Keys.Max());
            var stored = await db.Set<EnterpriseFigureMatter>().AsNoTracking().Where(c => c.MatterId >= first && c.MatterId <= last)
                .ToDictionaryAsync(c => c.MatterId, c => c.Counted, ct);
            foreach (var (id, fact) in page)
            {
                var text = Text(fact);
                foreach (var (key, n) in Parse(text)) expected[key] = expected.GetValueOrDefault(key) + n;
                if (stored.Remove(id, out var had)) seen++;
                if (had != text) differences.Add(new("enterprise:demand", "", id.ToString(CultureInfo.InvariantCulture), had is null ? 0 : 1, 1));
            }
        }
        var extra = await db.Set<EnterpriseFigureMatter>().CountAsync(ct) - seen;
        if (extra != 0) differences.Add(new("enterprise:demand", "", "not a demand", extra, 0));
        foreach (var c in await db.Set<EnterpriseFigureCount>().AsNoTracking().Where(c => c.N != 0).ToListAsync(ct))
        {
            var key = new Key(c.Month, c.Size, c.Industry, c.Measure);
            var records = expected.GetValueOrDefault(key);
            expected.Remove(key);
            if (records != c.N) differences.Add(Difference(key, c.N, records));
        }
        differences.AddRange(expected.Where(e => e.Value != 0).Select(e => Difference(e.Key, 0, e.Value)));
        return differences;
    }

    /// <summary>A counter that differs, as verify prints it: "enterprise:solved  2026-11|sme|manufacturing: counted 3, records 4".</summary>
    private static TallyDifference Difference(Key k, long counted, long records) =>
        new("enterprise:" + k.Measure, "", $"{k.Month}|{k.Size}|{k.Industry}", counted, records);

    /// <summary>Every linked demand's facts, 5,000 at a time by matter id.</summary>
    private static async IAsyncEnumerable<Dictionary<long, RapidResponse.Fact>> PagesAsync(DubanDb db,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var after = long.MinValue;
        while (true)
        {
            var from = after;
            var ids = await db.Set<EnterpriseDemand>().AsNoTracking().Where(d => d.MatterId > from).OrderBy(d => d.MatterId).Select(d => d.MatterId)
                .Take(5_000).ToListAsync(ct);
            if (ids.Count == 0) yield break;
            var (first, last) = (ids[0], ids[^1]);
            yield return await FactsAsync(db, db.Set<EnterpriseDemand>().AsNoTracking().Where(d => d.MatterId >= first && d.MatterId <= last), ct);
            after = last;
        }
    }

    /// <summary>The year's counters (China time), summed by size and industry: twelve months of the rollup, never the demands.</summary>
    public static async Task<Dictionary<(string Size, string Industry), Dictionary<string, long>>> YearAsync(DubanDb db, int year, CancellationToken ct)
    {
        var (from, to) = ($"{year:D4}-01", $"{year:D4}-12");
#pragma warning disable CA1309 // translated to SQL month >= from AND month <= to: ASCII yyyy-MM compared bytewise, no culture involved
        var rows = await db.Set<EnterpriseFigureCount>().AsNoTracking()
            .Where(c => string.Compare(c.Month, from) >= 0 && string.Compare(c.Month, to) <= 0 && c.N != 0)
#pragma warning restore CA1309
            .GroupBy(c => new { c.Size, c.Industry, c.Measure }).Select(g => new { g.Key.Size, g.Key.Industry, g.Key.Measure, N = g.Sum(c => c.N) })
            .ToListAsync(ct);
        var result = new Dictionary<(string, string), Dictionary<string, long>>();
        foreach (var r in rows)
        {
            if (!result.TryGetValue((r.Size, r.Industry), out var m)) result[(r.Size, r.Industry)] = m = new(StringComparer.Ordinal);
            m[r.Measure] = m.GetValueOrDefault(r.Measure) + r.N;
        }
        return result;
    }
}

internal sealed class EnterpriseFigureCountConfiguration : IEntityTypeConfiguration<EnterpriseFigureCount>
{
    public void Configure(EntityTypeBuilder<EnterpriseFigureCount> e)
    {
        e.ToTable("enterprise_figure_counts");
        e.HasKey(x => new { x.Month, x.Size, x.Industry, x.Measure });
    }
}

internal sealed class EnterpriseFigureMatterConfiguration : IEntityTypeConfiguration<EnterpriseFigureMatter>
{
    public void Configure(EntityTypeBuilder<EnterpriseFigureMatter> e)
    {
        e.ToTable("enterprise_figure_matters");
        e.HasKey(x => x.MatterId);
        e.Property(x => x.MatterId).ValueGeneratedNever();
    }
}
