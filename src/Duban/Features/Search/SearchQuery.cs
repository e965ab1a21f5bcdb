using System.Text;

namespace Duban.Features.Search;

/// <summary>
/// A text search as the user typed it (<c>q=</c>): its terms, separated by spaces, all of which a matter's
/// title, content, place or outcome must contain. Each term is read as <see cref="SearchText"/> reads a
/// document, into one phrase of tokens for SQLite's FTS5 and PostgreSQL's tsquery: a run of Han characters
/// is its pairs (and its final character when a word follows it in the term: 号楼 in 号楼3), a word is
/// itself, and the term's last token is a prefix when it is a word or one Han character (the text may go
/// on: 路 finds 路灯, jm finds jm2026). So a term matches exactly the texts that hold it, with words
/// taken whole at their start (3号楼 is not found in 13号楼).
/// </summary>
public sealed class SearchQuery
{
    private SearchQuery(IReadOnlyList<string> terms, IReadOnlyList<(IReadOnlyList<string> Tokens, bool Prefix)> phrases)
    {
        Terms = terms;
        Phrases = phrases;
    }

    /// <summary>The terms as typed (trimmed), each with at least one indexable segment: what is highlighted.</summary>
    public IReadOnlyList<string> Terms { get; }

    /// <summary>Each term's tokens in order, and whether its last one is a prefix.</summary>
    private IReadOnlyList<(IReadOnlyList<string> Tokens, bool Prefix)> Phrases { get; }

    /// <summary>Nothing in the query that the index knows (only punctuation): it matches no text.</summary>
    public bool IsEmpty => Terms.Count == 0;

    public static SearchQuery Parse(string text)
    {
        var terms = new List<string>();
        var phrases = new List<(IReadOnlyList<string>, bool)>();
        foreach (var term in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var segments = SearchText.Segments(term).ToList();
            if (segments.Count == 0) continue;
            var tokens = new List<string>();
            var prefix = false;
            for (var i = 0; i < segments.Count; i++)
            {
                var (run, han) = (segments[i].Text, segments[i].Han);
                var last = i == segments.Count - 1;
                if (!han)
                {
                    tokens.Add(run.Length > SearchText.MaxWord ? run[..SearchText.MaxWord] : run);
                    prefix = last;
                    continue;
                }
                for (var j = 0; j + 1 < run.Length; j++) tokens.Add(run.Substring(j, 2));
                // Followed by a word in the term, the run ends there in the text too: its final character is a token.
                if (!last || run.Length == 1) tokens.Add(run[^1..]);
                prefix = last && run.Length == 1;
            }
            terms.Add(term);
            phrases.Add((tokens, prefix));
        }
        return new SearchQuery(terms, phrases);
    }

    /// <summary>The FTS5 query: each term a phrase ("号楼 楼 3"*), all ANDed. Tokens are letters, digits and Han only: nothing a user types reaches FTS5's syntax.</summary>
    public string Fts5() =>
        string.Join(" AND ", Phrases.Select(p => "\"" + string.Join(' ', p.Tokens) + "\"" + (p.Prefix ? "*" : "")));

    /// <summary>The tsquery literal: each term's tokens followed one by the next (&lt;-&gt;), the last a prefix (:*) where so, all ANDed.</summary>
    public string TsQuery() =>
        string.Join(" & ", Phrases.Select(p => "(" + string.Join(" <-> ", p.Tokens.Select((t, i) => "'" + t + "'" + (p.Prefix && i == p.Tokens.Count - 1 ? ":*" : ""))) + ")"));

    /// <summary>
    /// The text cut into parts, each marked when it is an occurrence of a term (case-insensitive): what a
    /// list draws with &lt;mark&gt;. Overlapping occurrences are merged.
    /// </summary>
    public IReadOnlyList<(string Text, bool Match)> Highlight(string text)
    {
        var marked = new bool[text.Length];
        foreach (var term in Terms)
        {
            for (var at = text.IndexOf(term, StringComparison.OrdinalIgnoreCase); at >= 0;
                 at = text.IndexOf(term, at + Math.Max(1, term.Length), StringComparison.OrdinalIgnoreCase))
            {
                Array.Fill(marked, true, at, term.Length);
            }
        }
        var parts = new List<(string, bool)>();
        var piece = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (i > 0 && marked[i] != marked[i - 1])
            {
                parts.Add((piece.ToString(), marked[i - 1]));
                piece.Clear();
            }
            piece.Append(text[i]);
        }
        if (piece.Length > 0) parts.Add((piece.ToString(), marked[^1]));
        return parts;
    }

    /// <summary>
    /// Where a matter's text first holds a term, when not in its title (which a list shows whole): the
    /// field and about <paramref name="width"/> characters around the occurrence, cut with … at either end.
    /// </summary>
    public SearchMatch? Snippet(string title, IEnumerable<(string Field, string? Text)> fields, int width = 80)
    {
        if (Terms.Any(t => title.Contains(t, StringComparison.OrdinalIgnoreCase))) return null;
        foreach (var (field, text) in fields)
        {
            if (string.IsNullOrEmpty(text)) continue;
            foreach (var term in Terms)
            {
                var at = text.IndexOf(term, StringComparison.OrdinalIgnoreCase);
                if (at < 0) continue;
                var start = Math.Max(0, Math.Min(at - (width - term.Length) / 3, text.Length - width));
                var length = Math.Min(width, text.Length - start);
                var window = text.Substring(start, length).ReplaceLineEndings(" ");
                return new SearchMatch(field, (start > 0 ? "…" : "") + window + (start + length < text.Length ? "…" : ""));
            }
        }
        return null;
    }
}

/// <summary>Where a search found a matter, when not in its title: the field (content, location, outcome) and the words around it.</summary>
public sealed record SearchMatch(string Field, string Text);
