using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Dispatching;

/// <summary>A matter that may be the same as the one being dispatched: same place, similar text, still open.</summary>
public sealed record DuplicateView(long Id, string Number, string Title, string Status, string? TerritoryCode, DateTimeOffset ReceivedAt,
    double Similarity);

/// <summary>
/// Possible duplicates (重复件) of a matter, shown at dispatch so the dispatcher can merge them:
/// open matters the actor sees, received within <see cref="Window"/> before or after it, in the
/// same place (the same town and its villages for a matter placed at a town or below, else the
/// same division and what lies beneath it), whose text is similar: the Dice coefficient of their
/// sets of character pairs (title and content, letters and digits only) at least
/// <see cref="Threshold"/>. A matter with no place has none: the place is half of "the same".
/// </summary>
public sealed class Duplicates(DubanDb db, MatterScope scope)
{
    public const double Threshold = 0.3;
    public static readonly TimeSpan Window = TimeSpan.FromDays(90);
    private const int Candidates = 300;

    public async Task<Result<List<DuplicateView>>> ForMatterAsync(long id, Actor actor, CancellationToken ct)
    {
        var m = await scope.Visible(db.Matters.AsNoTracking(), db, actor).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (m is null) return Error.NotFound();
        if (!scope.Coordinates(actor)) return Error.Forbidden("只有受理和督办人员可以查看疑似重复件 / only dispatchers and supervisors see possible duplicates");
        return await FindAsync(m, actor, 5, ct);
    }

    /// <summary>The likeliest duplicates of <paramref name="m"/> among the matters <paramref name="actor"/> sees, most similar first.</summary>
    public async Task<List<DuplicateView>> FindAsync(Matter m, Actor actor, int count, CancellationToken ct)
    {
        if (m.TerritoryCode is not { } place) return [];
        var prefix = PrefixOf(place);
        var (from, to) = (m.ReceivedAt - Window, m.ReceivedAt + Window);
        var rows = await InPlace(Open(actor), prefix)
            .Where(c => c.Id != m.Id && c.ReceivedAt >= from && c.ReceivedAt <= to)
            .OrderByDescending(c => c.ReceivedAt).ThenByDescending(c => c.Id).Take(Candidates)
            .Select(c => new Candidate(c.Id, c.Number, c.Title, c.Content, c.Status, c.TerritoryCode, c.ReceivedAt))
            .ToListAsync(ct);
        var pairs = Pairs(m.Title + m.Content);
        return Rank(rows.Select(c => (c, Pairs(c.Title + c.Content))), pairs, count);
    }

    /// <summary>
    /// The likeliest duplicates of each of <paramref name="matters"/> (a page of the queue), by matter id: the same
    /// answer as <see cref="FindAsync"/> for each, from two reads for the whole page instead of one per matter
    /// (issue 15: the queue made 20, each reading ~300 candidates' texts). First the keys (id, place, received) of
    /// the open matters the actor sees in each of the page's places, over the span of its matters' windows
    /// (ix_matters_open_place, one statement); in memory each matter takes its own newest <see cref="Candidates"/>
    /// within its place and window; then the texts of the candidates some matter compares, each read and split
    /// into pairs once.
    /// </summary>
    public async Task<Dictionary<long, List<DuplicateView>>> FindManyAsync(IReadOnlyCollection<Matter> matters, Actor actor, int count, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(matters);
        var found = matters.ToDictionary(m => m.Id, _ => new List<DuplicateView>());
        var placed = matters.Where(m => m.TerritoryCode is not null)
            .Select(m => (Matter: m, Prefix: PrefixOf(m.TerritoryCode!), From: m.ReceivedAt - Window, To: m.ReceivedAt + Window)).ToList();
        if (placed.Count == 0) return found;
        var keys = placed.GroupBy(p => p.Prefix).Select(place =>
            {
                var (prefix, from, to) = (place.Key, place.Min(p => p.From), place.Max(p => p.To));
                return InPlace(Open(actor), prefix).Where(c => c.ReceivedAt >= from && c.ReceivedAt <= to)
                    .Select(c => new { c.Id, Territory = c.TerritoryCode!, c.ReceivedAt });
            })
            .Aggregate((a, b) => a.Concat(b)); // UNION ALL: one statement for the page
        // A place inside another of the page's (a village in a town placed higher) is read twice: once is enough.
        var all = (await keys.ToListAsync(ct)).DistinctBy(k => k.Id).Select(k => new CandidateKey(k.Id, k.Territory, k.ReceivedAt)).ToList();
        var chosen = placed.Select(p => (p.Matter, Keys: all
                .Where(k => k.Id != p.Matter.Id && k.TerritoryCode.StartsWith(p.Prefix, StringComparison.Ordinal) && k.ReceivedAt >= p.From && k.ReceivedAt <= p.To)
                .OrderByDescending(k => k.ReceivedAt).ThenByDescending(k => k.Id).Take(Candidates).ToList()))
            .ToList();
        var ids = chosen.SelectMany(c => c.Keys).Select(k => k.Id).Distinct().ToList();
        var texts = new Dictionary<long, (Candidate Row, HashSet<(char, char)> Pairs)>(ids.Count);
        foreach (var chunk in ids.Chunk(TextsPerRead))
        {
            var rows = await db.Matters.AsNoTracking().Where(c => chunk.Contains(c.Id))
                .Select(c => new Candidate(c.Id, c.Number, c.Title, c.Content, c.Status, c.TerritoryCode, c.ReceivedAt))
                .ToListAsync(ct);
            foreach (var row in rows) texts[row.Id] = (row, Pairs(row.Title + row.Content));
        }
        foreach (var (m, candidates) in chosen)
        {
            found[m.Id] = Rank(candidates.Where(k => texts.ContainsKey(k.Id)).Select(k => texts[k.Id]), Pairs(m.Title + m.Content), count);
        }
        return found;
    }

    /// <summary>Texts read by key in one statement at most (the ids travel as one parameter list).</summary>
    private const int TextsPerRead = 1_000;

    /// <summary>
    /// The open matters (not closed, rejected or merged; not sub-tasks) with a place that the actor sees. The
    /// states are inlined as constants, so that the statement repeats ix_matters_open_place's own condition
    /// (schema 0024) and SQLite may use it.
    /// </summary>
    private IQueryable<Matter> Open(Actor actor) =>
        scope.Visible(db.Matters.AsNoTracking(), db, actor)
            .Where(c => c.ParentId == null && !EF.Constant(Status.Finished).Contains(c.Status) && c.TerritoryCode != null);

    /// <summary>
    /// The matters whose place starts with <paramref name="prefix"/>: LIKE 'prefix%', which PostgreSQL serves from
    /// the index (text_pattern_ops); on SQLite, whose LIKE ignores case and so cannot use a BINARY index, also as
    /// the range [prefix, prefix with its last character the next one), which it can (the codes are digits; the
    /// LIKE stays, so the answer is the same whatever the codes).
    /// </summary>
    private IQueryable<Matter> InPlace(IQueryable<Matter> matters, string prefix)
    {
#pragma warning disable CA1310 // translated to SQL LIKE 'prefix%' (ordinal); no culture is involved
        matters = matters.Where(c => c.TerritoryCode!.StartsWith(prefix));
#pragma warning restore CA1310
        if (db.IsPostgres || prefix.Length == 0 || prefix[^1] == char.MaxValue) return matters;
        var next = prefix[..^1] + (char)(prefix[^1] + 1);
#pragma warning disable CA1309 // translated to SQL >= and <: SQLite compares the codes bytewise (BINARY)
        return matters.Where(c => string.Compare(c.TerritoryCode, prefix) >= 0 && string.Compare(c.TerritoryCode, next) < 0);
#pragma warning restore CA1309
    }

    /// <summary>The same place: the town and its villages for a matter placed at a town or below, else the division and beneath it.</summary>
    private static string PrefixOf(string place) => place.Length >= 9 ? place[..9] : MatterScope.TerritoryPrefix(place);

    /// <summary>The similar ones (Dice ≥ <see cref="Threshold"/>, rounded to two places), most similar first, then the newest.</summary>
    private static List<DuplicateView> Rank(IEnumerable<(Candidate Row, HashSet<(char, char)> Pairs)> candidates, HashSet<(char, char)> pairs, int count) =>
        candidates
            .Select(c => new DuplicateView(c.Row.Id, c.Row.Number, c.Row.Title, c.Row.Status, c.Row.TerritoryCode, c.Row.ReceivedAt,
                Math.Round(Dice(pairs, c.Pairs), 2)))
            .Where(d => d.Similarity >= Threshold)
            .OrderByDescending(d => d.Similarity).ThenByDescending(d => d.ReceivedAt).ThenByDescending(d => d.Id).Take(count).ToList();

    private sealed record CandidateKey(long Id, string TerritoryCode, DateTimeOffset ReceivedAt);

    private sealed record Candidate(long Id, string Number, string Title, string Content, string Status, string? TerritoryCode, DateTimeOffset ReceivedAt);

    /// <summary>The distinct pairs of adjacent letters or digits (punctuation and spaces dropped, Latin letters folded).</summary>
    public static HashSet<(char, char)> Pairs(string text)
    {
        var set = new HashSet<(char, char)>();
        var previous = '\0';
        foreach (var raw in text)
        {
            if (!char.IsLetterOrDigit(raw)) continue;
            var c = char.ToLowerInvariant(raw);
            if (previous != '\0') set.Add((previous, c));
            previous = c;
        }
        return set;
    }

    public static double Dice(HashSet<(char, char)> a, HashSet<(char, char)> b)
    {
        if (a.Count == 0 || b.Count == 0) return 0;
        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        var shared = small.Count(large.Contains);
        return 2.0 * shared / (a.Count + b.Count);
    }
}
