namespace Duban.Features.Dispatching;

/// <summary>
/// A category suggested for a text: a first level of the catalogue, perhaps its second level, and
/// how sure (0 to 1). <see cref="Evidence"/> says why, for the routing's reason (the keywords found,
/// or a model's name).
/// </summary>
public sealed record CategorySuggestion(string? Category, string? Subcategory, double Confidence)
{
    public static CategorySuggestion None { get; } = new(null, null, 0);

    /// <summary>Why, in Chinese; <see cref="EvidenceEn"/> the same in English (the reason has both halves).</summary>
    public string? Evidence { get; init; }

    public string? EvidenceEn { get; init; }

    /// <summary>True when a model trained on the deployment's history made it (the keywords' confidence is not calibrated).</summary>
    public bool Learned { get; init; }

    /// <summary>The likeliest first levels, best first (the first is <see cref="Category"/>'s), for the dispatcher's top three.</summary>
    public IReadOnlyList<CategoryScore> Alternatives { get; init; } = [];
}

/// <summary>
/// Suggests a category from a matter's title and content when the matter has none. The keyword
/// suggester below answers until a trained classifier is registered in its place (one line in
/// Hosting/DubanServices.cs); the router checks that what it gets is in the catalogue.
/// </summary>
public interface ICategorySuggester
{
    CategorySuggestion Suggest(string? title, string? content);
}

/// <summary>The catalogue's own keywords over the catalogue in force on this node.</summary>
public sealed class KeywordSuggester(CatalogueStore store) : ICategorySuggester
{
    public CategorySuggestion Suggest(string? title, string? content) => CatalogueKeywords.Best(store.Latest, title, content);
}

public static class CatalogueKeywords
{
    /// <summary>
    /// The category whose keywords the text holds most: each keyword found weighs its length,
    /// twice in the title; ties go to the earlier category in the catalogue. Confidence is
    /// best / (best + the best of another category), as for places (Features/Geo): 1 when nothing
    /// else matched, 0.5 for a tie. <paramref name="within"/> limits it to one first level's
    /// second levels (refining a matter whose category names only its first level).
    /// </summary>
    public static CategorySuggestion Best(Catalogue catalogue, string? title, string? content, string? within = null)
    {
        title ??= "";
        content ??= "";
        var entries = within is null ? catalogue.Entries : catalogue.Children(within);
        CatalogueEntry? best = null;
        var bestScore = 0;
        var second = 0;
        List<string> bestWords = [];
        var byFirstLevel = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var score = 0;
            List<string> words = [];
            foreach (var keyword in entry.Keywords)
            {
                var weight = title.Contains(keyword, StringComparison.OrdinalIgnoreCase) ? 2
                    : content.Contains(keyword, StringComparison.OrdinalIgnoreCase) ? 1 : 0;
                if (weight == 0) continue;
                score += weight * keyword.Length;
                words.Add(keyword);
            }
            if (score > 0 && score > byFirstLevel.GetValueOrDefault(entry.Category)) byFirstLevel[entry.Category] = score;
            if (score > bestScore)
            {
                second = bestScore;
                (best, bestScore, bestWords) = (entry, score, words);
            }
            else if (score > second)
            {
                second = score;
            }
        }
        if (best is null) return CategorySuggestion.None;
        return new CategorySuggestion(best.Category, best.Subcategory, Math.Round((double)bestScore / (bestScore + second), 2))
        {
            Evidence = "关键词：" + string.Join("、", bestWords),
            EvidenceEn = "keywords: " + string.Join("、", bestWords),
            Alternatives = byFirstLevel.OrderByDescending(kv => kv.Value).Take(3)
                .Select(kv => new CategoryScore(kv.Key, Math.Round((double)kv.Value / byFirstLevel.Values.Sum(), 2))).ToList(),
        };
    }
}
