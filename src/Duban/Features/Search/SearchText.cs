using System.Globalization;
using System.Text;

namespace Duban.Features.Search;

/// <summary>
/// How text becomes index tokens, the same for a matter's text and for a query, on both databases
/// (Features/Search/README.md). Chinese has no spaces, so a run of Han characters becomes its
/// overlapping pairs (市民反映 → 市民 民反 反映) and, last, its final character alone (映): a query of
/// two or more characters is then the phrase of its pairs, found by an index for every length from two
/// (a trigram index returns nothing for the commonest query, a two-character word), and a query of one
/// character is a prefix of a token (市*: a pair that begins with it, or a run's final character).
/// Letters and digits of other scripts form words, lower-cased. Text is NFKC-normalised first, so
/// full-width ＡＢＣ１２３ is abc123.
/// </summary>
public static class SearchText
{
    /// <summary>A Han character of the BMP's unified ideographs, their extension A, or the compatibility block.</summary>
    public static bool IsHan(char c) => c is (>= '\u3400' and <= '\u4DBF') or (>= '\u4E00' and <= '\u9FFF') or (>= '\uF900' and <= '\uFAFF');

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) && !IsHan(c);

    /// <summary>A segment of a text: a run of Han characters or a word.</summary>
    public readonly record struct Segment(string Text, bool Han);

    /// <summary>The runs of Han characters and the words of a text, in order; everything else separates them.</summary>
    public static IEnumerable<Segment> Segments(string? text)
    {
        if (string.IsNullOrEmpty(text)) yield break;
        var normal = Normalize(text);
        var i = 0;
        while (i < normal.Length)
        {
            var c = normal[i];
            if (IsHan(c) || IsWordChar(c))
            {
                var han = IsHan(c);
                var start = i;
                while (i < normal.Length && (han ? IsHan(normal[i]) : IsWordChar(normal[i]))) i++;
                yield return new Segment(normal[start..i], han);
            }
            else
            {
                i++;
            }
        }
    }

    /// <summary>NFKC and lower case: what both a document and a query are read as.</summary>
    public static string Normalize(string text)
    {
        var normal = text.IsNormalized(NormalizationForm.FormKC) ? text : text.Normalize(NormalizationForm.FormKC);
        return normal.ToLowerInvariant();
    }

    /// <summary>A document's tokens, in order: each Han run's pairs then its final character; each word whole.</summary>
    public static List<string> Tokens(string? text)
    {
        var tokens = new List<string>();
        foreach (var s in Segments(text))
        {
            if (!s.Han)
            {
                // PostgreSQL refuses a lexeme over 2,047 bytes: a word is indexed by its first 64 characters.
                tokens.Add(s.Text.Length > MaxWord ? s.Text[..MaxWord] : s.Text);
                continue;
            }
            for (var i = 0; i + 1 < s.Text.Length; i++) tokens.Add(s.Text.Substring(i, 2));
            tokens.Add(s.Text[^1..]);
        }
        return tokens;
    }

    /// <summary>A document's tokens as one space-separated string (what SQLite's FTS5 table is given per column).</summary>
    public static string Joined(string? text) => string.Join(' ', Tokens(text));

    /// <summary>
    /// The columns' tokens as a PostgreSQL tsvector literal with positions ('市民':1 '民反':2 …), each column
    /// after a gap of one position, so that no phrase runs from one column into the next. Positions
    /// stop at 16383, PostgreSQL's largest: a phrase beyond it in a very long text is not found as one.
    /// </summary>
    public static string TsVector(params string?[] columns)
    {
        var positions = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var position = 0;
        foreach (var column in columns)
        {
            foreach (var token in Tokens(column))
            {
                position = Math.Min(position + 1, MaxPosition);
                if (!positions.TryGetValue(token, out var list)) positions[token] = list = [];
                // A tsvector keeps at most 256 positions of a lexeme; the first are enough to find it.
                if (list.Count < 256 && (list.Count == 0 || list[^1] != position)) list.Add(position);
            }
            position = Math.Min(position + 1, MaxPosition);
        }
        var literal = new StringBuilder();
        foreach (var (token, list) in positions)
        {
            if (literal.Length > 0) literal.Append(' ');
            literal.Append('\'').Append(token).Append("':").Append(string.Join(',', list.Select(p => p.ToString(CultureInfo.InvariantCulture))));
        }
        return literal.ToString();
    }

    private const int MaxPosition = 16383;

    /// <summary>The longest word indexed whole; a query's word is cut the same way.</summary>
    public const int MaxWord = 64;
}
