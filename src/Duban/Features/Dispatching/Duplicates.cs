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
        var prefix = place.Length >= 9 ? place[..9] : MatterScope.TerritoryPrefix(place);
        var (from, to) = (m.ReceivedAt - Window, m.ReceivedAt + Window);
        var rows = await scope.Visible(db.Matters.AsNoTracking(), db, actor)
            .Where(c => c.Id != m.Id && c.ParentId == null && !Status.Finished.Contains(c.Status)
                && c.TerritoryCode != null && c.TerritoryCode.StartsWith(prefix) && c.ReceivedAt >= from && c.ReceivedAt <= to)
            .OrderByDescending(c => c.ReceivedAt).Take(Candidates)
            .Select(c => new { c.Id, c.Number, c.Title, c.Content, c.Status, c.TerritoryCode, c.ReceivedAt })
            .ToListAsync(ct);
        var pairs = Pairs(m.Title + m.Content);
        return rows
            .Select(c => new DuplicateView(c.Id, c.Number, c.Title, c.Status, c.TerritoryCode, c.ReceivedAt,
                Math.Round(Dice(pairs, Pairs(c.Title + c.Content)), 2)))
            .Where(d => d.Similarity >= Threshold)
            .OrderByDescending(d => d.Similarity).ThenByDescending(d => d.ReceivedAt).Take(count).ToList();
    }

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
