using System.IO.Compression;
using System.Text;

namespace Duban.Features.Geo;

public enum GeoLevel : byte { Country = 0, Province = 1, City = 2, County = 3, Town = 4, Village = 5 }

/// <summary>
/// The administrative divisions of China, province to village, held in pre-order: index 0 is
/// the country, and the divisions beneath division i are exactly the indices [i + 1, End(i)).
/// So "is d inside a" is two comparisons, the divisions of a sorted list that lie inside a are
/// one binary search, and the deepest common ancestor of a sorted list is that of its ends.
/// Loaded once from <c>data/geo/divisions.txt.br</c> (see scripts/geo/make-divisions.mjs).
/// </summary>
public sealed class Divisions
{
    private static readonly int[] SuffixDigits = [0, 2, 2, 2, 3, 3];
    private static readonly int[] CodeDigits = [0, 2, 4, 6, 9, 12];
    private static readonly long[] Pow10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000, 100_000_000_000, 1_000_000_000_000];
    private static readonly string[] LevelNames = ["country", "province", "city", "county", "town", "village"];

    // The code padded to 12 digits (4407 → 440700000000): non-decreasing in pre-order.
    private readonly long[] codes;
    private readonly string[] names;
    private readonly byte[] levels;
    private readonly int[] parents;
    private readonly int[] ends;
    private readonly bool[] placeholders;

    private Divisions(int count, string source)
    {
        codes = new long[count];
        names = new string[count];
        levels = new byte[count];
        parents = new int[count];
        ends = new int[count];
        placeholders = new bool[count];
        Source = source;
    }

    /// <summary>The header of the data file: where the divisions come from.</summary>
    public string Source { get; }

    public int Count => codes.Length;

    public string Name(int i) => names[i];

    public GeoLevel Level(int i) => (GeoLevel)levels[i];

    public static string LevelName(GeoLevel level) => LevelNames[(int)level];

    public int Parent(int i) => parents[i];

    /// <summary>One past the last division beneath <paramref name="i"/>.</summary>
    public int End(int i) => ends[i];

    /// <summary>A name such as 市辖区 that stands for no place of its own: never matched, never in a path.</summary>
    public bool IsPlaceholder(int i) => placeholders[i];

    /// <summary>True when <paramref name="d"/> is <paramref name="a"/> or lies beneath it.</summary>
    public bool Contains(int a, int d) => a <= d && d < ends[a];

    public int CommonAncestor(int a, int b)
    {
        if (a > b) (a, b) = (b, a);
        while (!Contains(a, b)) a = parents[a];
        return a;
    }

    /// <summary>The code as Duban stores it: six digits (GB/T 2260) for province, city and county, nine for a town, twelve for a village; null for the country.</summary>
    public string? Code(int i)
    {
        var level = levels[i];
        if (level == 0) return null;
        var digits = level <= 3 ? 6 : CodeDigits[level];
        return (codes[i] / Pow10[12 - digits]).ToString($"D{digits}", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The names from province down, without placeholders and without a county that repeats its city (东莞市 → 东莞市).</summary>
    public IReadOnlyList<string> Path(int i)
    {
        var chain = new List<string>(5);
        for (var d = i; d > 0; d = parents[d])
        {
            if (placeholders[d]) continue;
            if (chain.Count > 0 && chain[^1] == names[d]) continue;
            chain.Add(names[d]);
        }
        chain.Reverse();
        return chain;
    }

    /// <summary>
    /// The division with this code as Duban writes it (<see cref="Code"/>), or -1: six digits for
    /// a province (440000), city (440700) or county (440781), nine for a town, twelve for a
    /// village. Padded forms (440781000000) and placeholders (110100 市辖区) are not codes of a
    /// place. A county whose code is its city's (441900 东莞市) is found as the county.
    /// </summary>
    public int Find(string? code)
    {
        if (code is null || code.Length is not (6 or 9 or 12) || !code.All(char.IsAsciiDigit)) return -1;
        var n = long.Parse(code, System.Globalization.CultureInfo.InvariantCulture);
        ReadOnlySpan<int> levels = code.Length switch
        {
            12 => [5],
            9 => [4],
            _ when n % 10_000 == 0 => [1],
            _ when n % 100 == 0 => [3, 2],
            _ => [3],
        };
        var padded = n * Pow10[12 - code.Length];
        foreach (var level in levels)
        {
            for (var i = LowerBound(padded); i < codes.Length && codes[i] == padded; i++)
            {
                if (this.levels[i] == level) return placeholders[i] ? -1 : i;
            }
        }
        return -1;
    }

    private int LowerBound(long padded)
    {
        int lo = 0, hi = codes.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (codes[mid] < padded) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    public IEnumerable<int> Children(int i)
    {
        for (var c = i + 1; c < ends[i]; c = ends[c]) yield return c;
    }

    /// <summary>Reads the Brotli-compressed file written by scripts/geo/make-divisions.mjs.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static Divisions Load(Stream compressed, IReadOnlySet<string> placeholderNames)
    {
        byte[] text;
        int length;
        using (var brotli = new BrotliStream(compressed, CompressionMode.Decompress))
        using (var buffer = new MemoryStream(24 << 20))
        {
            brotli.CopyTo(buffer);
            text = buffer.GetBuffer();
            length = (int)buffer.Length;
        }
        var span = text.AsSpan(0, length);
        var headerEnd = span.IndexOf((byte)'\n');
        if (headerEnd < 0 || !span.StartsWith("#duban-divisions 1 "u8)) throw new InvalidDataException("not a Duban divisions file (#duban-divisions 1)");
        var header = Encoding.UTF8.GetString(span[..headerEnd]);
        var body = span[(headerEnd + 1)..];
        // The country, then a division a line (the last may lack its line break).
        var count = body.Count((byte)'\n') + (body.IsEmpty || body[^1] == (byte)'\n' ? 0 : 1) + 1;
        var d = new Divisions(count, header.TrimStart('#'));

        // Placeholders are few names; compare bytes so that each line costs no lookup string.
        var placeholderBytes = placeholderNames.Select(Encoding.UTF8.GetBytes).ToArray();
        var open = new int[6];
        var prefix = new long[6];
        d.names[0] = "中国";
        d.parents[0] = -1;
        var last = 0;
        var index = 0;
        var lineNo = 1;
        while (!body.IsEmpty)
        {
            lineNo++;
            var nl = body.IndexOf((byte)'\n');
            var line = nl < 0 ? body : body[..nl];
            body = nl < 0 ? [] : body[(nl + 1)..];
            if (line.IsEmpty) continue;
            var level = line[0] - '0';
            if (level is < 1 or > 5 || level > d.levels[last] + 1) throw new InvalidDataException($"divisions line {lineNo}: bad level");
            var digits = SuffixDigits[level];
            if (line.Length <= 1 + digits) throw new InvalidDataException($"divisions line {lineNo}: no name");
            long suffix = 0;
            for (var k = 1; k <= digits; k++)
            {
                var b = line[k];
                if (b is < (byte)'0' or > (byte)'9') throw new InvalidDataException($"divisions line {lineNo}: bad code");
                suffix = suffix * 10 + (b - '0');
            }
            var nameBytes = line[(1 + digits)..];
            index++;
            // Everything open at this level or deeper ends here.
            for (var l = 5; l >= level; l--)
            {
                if (open[l] > 0) { d.ends[open[l]] = index; open[l] = 0; }
            }
            prefix[level] = prefix[level - 1] * Pow10[digits] + suffix;
            d.codes[index] = prefix[level] * Pow10[12 - CodeDigits[level]];
            d.names[index] = Encoding.UTF8.GetString(nameBytes);
            d.levels[index] = (byte)level;
            d.parents[index] = level == 1 ? 0 : open[level - 1];
            foreach (var p in placeholderBytes)
            {
                if (nameBytes.SequenceEqual(p)) { d.placeholders[index] = true; break; }
            }
            open[level] = index;
            last = index;
        }
        for (var l = 5; l >= 1; l--)
        {
            if (open[l] > 0) d.ends[open[l]] = index + 1;
        }
        d.ends[0] = index + 1;
        if (index + 1 != count) return d.Truncate(index + 1);
        return d;
    }

    // The count above is of lines; blank lines make fewer divisions.
    private Divisions Truncate(int count)
    {
        var t = new Divisions(count, Source);
        Array.Copy(codes, t.codes, count);
        Array.Copy(names, t.names, count);
        Array.Copy(levels, t.levels, count);
        Array.Copy(parents, t.parents, count);
        Array.Copy(ends, t.ends, count);
        Array.Copy(placeholders, t.placeholders, count);
        return t;
    }
}
