using System.Text;

namespace Duban.Features.Dispatching;

/// <summary>
/// The text of a matter as the category classifier sees it: folded, with the noise that says
/// nothing about a category taken out, then cut into character n-grams, each named by a 64-bit
/// hash (no word segmenter exists for Chinese here, and n-grams of one to four characters hold
/// most words). The title, the text's first clause, gives its n-grams a second time under a
/// name space of its own, since it states the matter in few words.
/// </summary>
public static class ClassifierFeatures
{
    private const ulong BodySeed = 14695981039346656037UL; // FNV-1a offset basis
    private const ulong TitleSeed = 0x9E3779B97F4A7C15UL;
    private const ulong Prime = 1099511628211UL;

    // Words that open the body of a message after its title: a greeting, an address to an
    // official (张厅长：您好), a self-introduction. The title ends before the first of them.
    private static readonly string[] BodyOpenings =
    [
        "尊敬的", "您好", "你好", "各位领导", "领导好", "本人", "我是", "我们是", "我叫", "我家", "我于", "我在",
        "请问", "近日", "近期", "最近", "今年", "去年",
    ];

    /// <summary>
    /// Folds full-width ASCII to half-width, letters to lower case, drops white space; with
    /// <paramref name="stripNoise"/> a masked place code (A市, B6县, A3区: the publisher's mask,
    /// the same for every category) keeps only its suffix, and a run of digits becomes one 0.
    /// </summary>
    public static string Normalise(string text, bool stripNoise)
    {
        var b = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = Fold(text[i]);
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c == '\u200B' || c == '\uFEFF') continue;
            if (stripNoise)
            {
                if (c is >= 'A' and <= 'Z' && IsMaskedPlace(text, i, out var length))
                {
                    i += length - 2; // the suffix comes next
                    continue;
                }
                if (char.IsAsciiDigit(c))
                {
                    while (i + 1 < text.Length && char.IsAsciiDigit(Fold(text[i + 1]))) i++;
                    b.Append('0');
                    continue;
                }
            }
            b.Append(char.ToLowerInvariant(c));
        }
        return b.ToString();
    }

    /// <summary>A capital letter, up to two digits, then 市, 县, 区, 省 or 州: the publisher's mask of a place.</summary>
    private static bool IsMaskedPlace(string text, int start, out int length)
    {
        var i = start + 1;
        while (i < text.Length && i - start <= 2 && char.IsAsciiDigit(Fold(text[i]))) i++;
        length = i - start + 1;
        if (i >= text.Length || text[i] is not ('市' or '县' or '区' or '省' or '州')) return false;
        // Not part of a Latin word (4S店, PM2.5): the letter stands alone.
        return start == 0 || !char.IsAsciiLetter(Fold(text[start - 1]));
    }

    // Full-width forms to ASCII (，to , as well: writers mix them, and one n-gram is better than two).
    private static char Fold(char c) => c switch
    {
        >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
        '\u3000' => ' ',
        _ => c,
    };

    /// <summary>
    /// Where the title ends in a normalised text: at the first clause mark (，。！？：；, folded), or the
    /// first word that opens a body (尊敬的, 您好, 本人), or where the title's first characters come
    /// again (the body often repeats them); at most <paramref name="maxLength"/> characters.
    /// </summary>
    public static int TitleLength(string text, int maxLength)
    {
        var end = Math.Min(text.Length, maxLength);
        for (var i = 4; i < end; i++)
        {
            var c = text[i];
            if (c is '。' or ',' or '!' or '?' or ':' or ';') return i;
            foreach (var opening in BodyOpenings)
            {
                if (string.CompareOrdinal(text, i, opening, 0, opening.Length) == 0) return i;
            }
            // The body restating the title's first four characters.
            if (i >= 6 && string.CompareOrdinal(text, i, text, 0, 4) == 0) return i;
        }
        return end;
    }

    /// <summary>
    /// Counts the n-grams of <paramref name="text"/> (already normalised), lengths
    /// <paramref name="minN"/> to <paramref name="maxN"/>, into <paramref name="counts"/>; those
    /// of the title (its first <paramref name="titleLength"/> characters) a second time in the
    /// title's name space when <paramref name="titleLength"/> is above 0.
    /// </summary>
    public static void Count(string text, int minN, int maxN, int titleLength, Dictionary<ulong, int> counts)
    {
        AddNGrams(text.AsSpan(), minN, maxN, BodySeed, 0, counts);
        if (titleLength > 0) AddNGrams(text.AsSpan(0, Math.Min(titleLength, text.Length)), minN, maxN, TitleSeed, 1, counts);
    }

    /// <summary>Whether a key names a title n-gram (its lowest bit).</summary>
    public static bool IsTitleKey(ulong key) => (key & 1) == 1;

    private static void AddNGrams(ReadOnlySpan<char> text, int minN, int maxN, ulong seed, ulong space, Dictionary<ulong, int> counts)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var h = seed;
            for (var n = 1; n <= maxN && i + n <= text.Length; n++)
            {
                h = (h ^ text[i + n - 1]) * Prime;
                if (n < minN) continue;
                var key = (Mix(h + (ulong)n) & ~1UL) | space;
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }
    }

    // A final avalanche (SplitMix64's) so that keys that differ in one character differ everywhere.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
