using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Duban.Tests.Features.Figures.Pdf;

/// <summary>
/// A PDF read back the way a reader does, for the tests: the trailer's startxref, the
/// cross-reference table (every offset must point at its "n 0 obj"), each object's dictionary and
/// decoded stream, the pages in the page tree's order, and their text through the font's ToUnicode CMap.
/// Only what Duban's writer produces (one xref section, direct /Length, FlateDecode) is understood.
/// </summary>
internal sealed partial class PdfFile
{
    private readonly Dictionary<int, (string Dictionary, byte[]? Stream)> objects = [];

    public byte[] Bytes { get; }
    public IReadOnlyDictionary<int, (string Dictionary, byte[]? Stream)> Objects => objects;
    public string Trailer { get; }
    public List<int> Pages { get; } = [];

    public PdfFile(byte[] pdf)
    {
        Bytes = pdf;
        var raw = Encoding.Latin1.GetString(pdf);
        Assert.StartsWith("%PDF-1.7\n", raw, StringComparison.Ordinal);
        Assert.EndsWith("%%EOF\n", raw, StringComparison.Ordinal);

        var start = StartXref().Match(raw);
        Assert.True(start.Success, "no startxref");
        var xref = int.Parse(start.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal("xref", raw.Substring(xref, 4));
        var header = XrefHeader().Match(raw, xref);
        Assert.True(header.Success && header.Index == xref, "no xref subsection header");
        Assert.Equal(0, int.Parse(header.Groups[1].Value, CultureInfo.InvariantCulture));
        var count = int.Parse(header.Groups[2].Value, CultureInfo.InvariantCulture);
        var entries = header.Index + header.Length;
        for (var i = 0; i < count; i++)
        {
            // Each entry is exactly 20 bytes: 10-digit offset, 5-digit generation, n or f, two-byte end of line.
            var entry = raw.Substring(entries + 20 * i, 20);
            Assert.Matches(@"^\d{10} \d{5} [nf](\r\n| \n| \r)$", entry);
            if (entry[17] == 'f') continue;
            var offset = int.Parse(entry[..10], CultureInfo.InvariantCulture);
            var intro = $"{i} 0 obj";
            Assert.True(offset + intro.Length <= raw.Length && raw.Substring(offset, intro.Length) == intro,
                $"xref entry {i} points at offset {offset}, which is not \"{intro}\"");
            objects[i] = ReadObject(pdf, raw, offset + intro.Length);
        }
        var trailerAt = raw.IndexOf("trailer", entries + 20 * count, StringComparison.Ordinal);
        Assert.Equal(entries + 20 * count, trailerAt);
        Trailer = raw[trailerAt..];
        Assert.Contains($"/Size {count}", Trailer);

        // The page tree, from the catalog: /Root → /Pages → /Kids.
        var catalog = objects[Reference(Trailer, "Root")].Dictionary;
        Assert.Contains("/Type /Catalog", catalog);
        var tree = objects[Reference(catalog, "Pages")].Dictionary;
        foreach (Match kid in RefList().Matches(Kids().Match(tree).Groups[1].Value)) Pages.Add(int.Parse(kid.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Contains($"/Count {Pages.Count}", tree);
    }

    /// <summary>The object a dictionary's key refers to ("/Key n 0 R").</summary>
    public static int Reference(string dictionary, string key)
    {
        var m = Regex.Match(dictionary, $@"/{key} (\d+) 0 R");
        Assert.True(m.Success, $"no /{key} reference in {dictionary}");
        return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    public (string Dictionary, byte[]? Stream) Object(int id) => objects[id];

    /// <summary>The document information dictionary's text string (UTF-16BE hex or a literal).</summary>
    public string? Info(string key)
    {
        var info = objects[Reference(Trailer, "Info")].Dictionary;
        var m = Regex.Match(info, $@"/{key} (?:<FEFF([0-9A-F]*)>|\(([^)]*)\))");
        if (!m.Success) return null;
        return m.Groups[1].Success ? Encoding.BigEndianUnicode.GetString(Convert.FromHexString(m.Groups[1].Value)) : m.Groups[2].Value;
    }

    /// <summary>The Type0 font the pages use (there is one).</summary>
    public string FontDictionary => objects.Values.Single(o => o.Dictionary.Contains("/Subtype /Type0", StringComparison.Ordinal)).Dictionary;

    /// <summary>The embedded TrueType font program (FontFile2), decompressed.</summary>
    public byte[] FontFile()
    {
        var cid = objects[int.Parse(DescendantFont().Match(FontDictionary).Groups[1].Value, CultureInfo.InvariantCulture)].Dictionary;
        Assert.Contains("/Subtype /CIDFontType2", cid);
        Assert.Contains("/CIDToGIDMap /Identity", cid);
        var descriptor = objects[Reference(cid, "FontDescriptor")].Dictionary;
        var file = objects[Reference(descriptor, "FontFile2")];
        var length1 = int.Parse(Regex.Match(file.Dictionary, @"/Length1 (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.NotNull(file.Stream);
        Assert.Equal(length1, file.Stream.Length);
        return file.Stream;
    }

    /// <summary>A glyph of the whole font is in the subset: the same outline, padded to a multiple of 4 bytes at most.</summary>
    public static void AssertKept(Duban.Features.Figures.Pdf.TrueTypeFont whole, Duban.Features.Figures.Pdf.TrueTypeFont subset, int glyph)
    {
        var (original, kept) = (whole.GlyphData(glyph), subset.GlyphData(glyph));
        Assert.Equal((original.Length + 3) & ~3, kept.Length);
        Assert.Equal(original, kept[..original.Length]);
    }

    /// <summary>The ToUnicode CMap: glyph id → text.</summary>
    public Dictionary<int, string> ToUnicode()
    {
        var cmap = Encoding.ASCII.GetString(objects[Reference(FontDictionary, "ToUnicode")].Stream!);
        Assert.Contains("begincmap", cmap);
        var map = new Dictionary<int, string>();
        foreach (Match block in BfChar().Matches(cmap))
        {
            foreach (Match pair in HexPair().Matches(block.Groups[1].Value))
                map[Convert.ToInt32(pair.Groups[1].Value, 16)] = Encoding.BigEndianUnicode.GetString(Convert.FromHexString(pair.Groups[2].Value));
        }
        return map;
    }

    /// <summary>The text of a page: its shown strings in order, one line each, mapped back through ToUnicode.</summary>
    public string PageText(int index)
    {
        var map = ToUnicode();
        var page = objects[Pages[index]].Dictionary;
        Assert.Contains("/MediaBox [0 0 595.28 841.89]", page);
        var content = Encoding.ASCII.GetString(objects[Reference(page, "Contents")].Stream!);
        var text = new StringBuilder();
        foreach (Match shown in ShowText().Matches(content))
        {
            var hex = shown.Groups[1].Value;
            for (var i = 0; i + 4 <= hex.Length; i += 4) text.Append(map.GetValueOrDefault(Convert.ToInt32(hex.Substring(i, 4), 16), "\uFFFD"));
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Every page's text, lines joined (a wrapped value reads as one).</summary>
    public string Text() => string.Concat(Enumerable.Range(0, Pages.Count).Select(PageText)).Replace("\n", "", StringComparison.Ordinal);

    public string Content(int page) => Encoding.ASCII.GetString(objects[Reference(objects[Pages[page]].Dictionary, "Contents")].Stream!);

    private static (string, byte[]?) ReadObject(byte[] pdf, string raw, int at)
    {
        var end = raw.IndexOf("endobj", at, StringComparison.Ordinal);
        var stream = raw.IndexOf("stream\n", at, StringComparison.Ordinal);
        if (stream < 0 || stream > end) return (raw[at..end].Trim(), null);
        var dictionary = raw[at..stream].Trim();
        var length = int.Parse(Regex.Match(dictionary, @"/Length (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        var data = pdf.AsSpan(stream + "stream\n".Length, length).ToArray();
        Assert.Equal("\nendstream", raw.Substring(stream + "stream\n".Length + length, "\nendstream".Length));
        if (dictionary.Contains("/FlateDecode", StringComparison.Ordinal))
        {
            using var inflate = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
            using var output = new MemoryStream();
            inflate.CopyTo(output);
            data = output.ToArray();
        }
        return (dictionary, data);
    }

    [GeneratedRegex(@"startxref\n(\d+)\n%%EOF\n$")]
    private static partial Regex StartXref();

    [GeneratedRegex(@"xref\n(\d+) (\d+)\n")]
    private static partial Regex XrefHeader();

    [GeneratedRegex(@"/Kids \[([^\]]*)\]")]
    private static partial Regex Kids();

    [GeneratedRegex(@"(\d+) 0 R")]
    private static partial Regex RefList();

    [GeneratedRegex(@"/DescendantFonts \[(\d+) 0 R\]")]
    private static partial Regex DescendantFont();

    [GeneratedRegex(@"beginbfchar(.*?)endbfchar", RegexOptions.Singleline)]
    private static partial Regex BfChar();

    [GeneratedRegex(@"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")]
    private static partial Regex HexPair();

    [GeneratedRegex(@"<([0-9A-Fa-f]*)>\s*Tj")]
    private static partial Regex ShowText();
}
