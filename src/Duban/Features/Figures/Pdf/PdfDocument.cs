using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Duban.Features.Figures.Pdf;

/// <summary>
/// A minimal PDF 1.7 writer (ISO 32000-1): A4 pages with text in one embedded TrueType font,
/// lines and rectangles. The font is embedded as a Type0 font with Identity-H encoding (two-byte
/// glyph ids), a CIDFontType2 descendant with CIDToGIDMap /Identity and the widths of the glyphs
/// used, a FontFile2 holding a subset of the font (only the glyphs used keep outlines), and a
/// ToUnicode CMap so that the text can be copied and searched. Content streams and the font file are
/// FlateDecode-compressed. Coordinates are in points from the page's top left corner, y downwards.
/// </summary>
public sealed class PdfDocument(TrueTypeFont font)
{
    /// <summary>ISO 216 A4 in points (210 × 297 mm).</summary>
    public const double A4Width = 595.28, A4Height = 841.89;

    private readonly List<PdfPage> pages = [];
    private readonly SortedDictionary<int, int> used = []; // glyph id → the character it was drawn for

    public TrueTypeFont Font => font;
    public string? Title { get; set; }
    public string? Subject { get; set; }
    public string Producer { get; set; } = "Duban";
    public string? Creator { get; set; }
    public DateTimeOffset? Created { get; set; }
    public IReadOnlyList<PdfPage> Pages => pages;

    public PdfPage AddPage()
    {
        var page = new PdfPage(this, A4Width, A4Height);
        pages.Add(page);
        return page;
    }

    /// <summary>The width of a text at a font size, in points (advance widths from hmtx; no kerning).</summary>
    public double Measure(string text, double size)
    {
        var units = 0L;
        foreach (var rune in text.EnumerateRunes()) units += font.Advance(Glyph(rune).Glyph);
        return units * size / font.UnitsPerEm;
    }

    /// <summary>The distance between two lines at a font size: ascender − descender + line gap (hhea).</summary>
    public double LineHeight(double size) => (font.Ascender - font.Descender + font.LineGap) * size / font.UnitsPerEm;

    /// <summary>
    /// A text cut into lines no wider than <paramref name="width"/>: a line breaks before the
    /// character that would not fit (Chinese breaks between any two characters), and at line ends
    /// in the text. A closing punctuation mark never starts a line: it hangs past the end of the
    /// previous one (行尾悬挂), by at most its own width. An empty text is one empty line.
    /// </summary>
    public List<string> Wrap(string text, double size, double width)
    {
        var lines = new List<string>();
        foreach (var part in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = new StringBuilder();
            var lineWidth = 0.0;
            var hung = false;
            foreach (var rune in part.EnumerateRunes())
            {
                var advance = font.Advance(Glyph(rune).Glyph) * size / font.UnitsPerEm;
                // One closing mark may hang past the margin rather than start a line; a second one
                // (“？？？”, “……”) breaks the line as any character would.
                var hangs = !hung && Hangs(rune);
                if (line.Length > 0 && lineWidth + advance > width && !hangs)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                    lineWidth = 0;
                    hung = false;
                }
                else if (line.Length > 0 && lineWidth + advance > width)
                {
                    hung = true;
                }
                line.Append(rune.ToString());
                lineWidth += advance;
            }
            lines.Add(line.ToString());
        }
        return lines;
    }

    /// <summary>Punctuation that closes, which Chinese typesetting does not put at the start of a line.</summary>
    private static bool Hangs(Rune rune) => rune.Value < 0x10000 && "，。、；：！？）》」』】〉”’,.;:!?)".Contains((char)rune.Value, StringComparison.Ordinal);

    /// <summary>
    /// The glyph drawing a character, and whether it draws that character (<c>Drawn</c>): its own;
    /// else a stand-in of the same meaning (Droid Sans Fallback has no Latin letters or digits, but
    /// their full-width forms); else, not drawn, the font's replacement character (U+FFFD) if it has
    /// one, or .notdef (glyph 0). Control characters draw as a space.
    /// </summary>
    private (int Glyph, bool Drawn) Glyph(Rune rune)
    {
        var c = Rune.IsControl(rune) ? ' ' : rune.Value;
        if (font.Has(c)) return (font.GlyphId(c), true);
        foreach (var standIn in StandIns(c))
        {
            if (font.Has(standIn)) return (font.GlyphId(standIn), true);
        }
        return (font.Has(0xFFFD) ? font.GlyphId(0xFFFD) : 0, false);
    }

    private static int[] StandIns(int c) => c switch
    {
        ' ' => [0x3000],
        >= 0x21 and <= 0x7E => [c + 0xFEE0], // ASCII → full-width forms (U+FF01–FF5E)
        0x2013 or 0x2014 or 0x2015 => [0x2015, 0x2014, 0x2500, 0xFF0D], // dashes (─ before the full-width hyphen, which "-" takes)
        0x201C or 0x201D => [0xFF02],
        0x2018 or 0x2019 => [0xFF07],
        _ => [],
    };

    /// <summary>The text as a hex string of two-byte glyph ids (Identity-H), remembering the glyphs for the subset and ToUnicode.</summary>
    internal string Encode(string text)
    {
        var hex = new StringBuilder(text.Length * 4 + 2).Append('<');
        foreach (var rune in text.EnumerateRunes())
        {
            var (glyph, drawn) = Glyph(rune);
            // ToUnicode gives the character written (the first one drawn by that glyph), not a stand-in.
            used.TryAdd(glyph, !drawn ? 0xFFFD : Rune.IsControl(rune) ? ' ' : rune.Value);
            hex.Append(glyph.ToString("X4", CultureInfo.InvariantCulture));
        }
        return hex.Append('>').ToString();
    }

    /// <summary>The document as PDF bytes: header, objects, cross-reference table, trailer.</summary>
    public byte[] Save()
    {
        if (pages.Count == 0) AddPage();
        using var output = new PdfObjects();
        const int catalog = 1, pageTree = 2, info = 3, type0 = 4, cidFont = 5, descriptor = 6, fontFile = 7, toUnicode = 8, firstPage = 9;
        var pageIds = Enumerable.Range(0, pages.Count).Select(i => firstPage + 2 * i).ToList();

        output.Add(catalog, "<< /Type /Catalog /Pages 2 0 R >>");
        output.Add(pageTree, $"<< /Type /Pages /Kids [{string.Join(" ", pageIds.Select(id => $"{id} 0 R"))}] /Count {pages.Count} >>");
        output.Add(info, InfoDictionary());

        var scale = 1000.0 / font.UnitsPerEm;
        var name = SubsetTag() + "+" + font.PostScriptName;
        output.Add(type0, $"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H /DescendantFonts [{cidFont} 0 R] /ToUnicode {toUnicode} 0 R >>");
        output.Add(cidFont, $"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} " +
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> " +
            $"/FontDescriptor {descriptor} 0 R /DW {N(font.Advance(0) * scale)} /W {Widths(scale)} /CIDToGIDMap /Identity >>");
        var (xMin, yMin, xMax, yMax) = font.BoundingBox;
        // Flags: 4 symbolic (glyphs outside the standard Latin set), 1 fixed pitch.
        var flags = 4 | (font.IsFixedPitch ? 1 : 0);
        var stemV = (int)(10 + 220 * Math.Pow(Math.Max(0, font.WeightClass - 50) / 900.0, 2)); // estimated from the weight: fonts do not record it
        output.Add(descriptor, $"<< /Type /FontDescriptor /FontName /{name} /Flags {flags} " +
            $"/FontBBox [{N(xMin * scale)} {N(yMin * scale)} {N(xMax * scale)} {N(yMax * scale)}] /ItalicAngle {N(font.ItalicAngle)} " +
            $"/Ascent {N(font.Ascender * scale)} /Descent {N(font.Descender * scale)} /CapHeight {N(font.CapHeight * scale)} /StemV {stemV} /FontFile2 {fontFile} 0 R >>");
        var subset = font.Subset(used.Keys);
        output.AddStream(fontFile, $"/Length1 {subset.Length}", subset);
        output.AddStream(toUnicode, "", Encoding.ASCII.GetBytes(ToUnicode()));

        for (var i = 0; i < pages.Count; i++)
        {
            var page = pages[i];
            output.Add(pageIds[i], $"<< /Type /Page /Parent {pageTree} 0 R /MediaBox [0 0 {N(page.Width)} {N(page.Height)}] " +
                $"/Resources << /Font << /F1 {type0} 0 R >> >> /Contents {pageIds[i] + 1} 0 R >>");
            output.AddStream(pageIds[i] + 1, "", Encoding.ASCII.GetBytes(page.Content));
        }
        return output.Finish(catalog, info);
    }

    private string InfoDictionary()
    {
        var info = new StringBuilder("<<");
        if (Title is not null) info.Append(" /Title ").Append(TextString(Title));
        if (Subject is not null) info.Append(" /Subject ").Append(TextString(Subject));
        if (Creator is not null) info.Append(" /Creator ").Append(TextString(Creator));
        info.Append(" /Producer ").Append(TextString(Producer));
        if (Created is { } at)
        {
            var offset = at.Offset;
            var sign = offset < TimeSpan.Zero ? '-' : '+';
            offset = offset.Duration();
            info.Append(CultureInfo.InvariantCulture, $" /CreationDate (D:{at:yyyyMMddHHmmss}{sign}{offset.Hours:00}'{offset.Minutes:00}')");
        }
        return info.Append(" >>").ToString();
    }

    /// <summary>A text string: UTF-16BE with its byte order mark, as hex (any character, nothing to escape).</summary>
    private static string TextString(string text) => "<FEFF" + Convert.ToHexString(Encoding.BigEndianUnicode.GetBytes(text)) + ">";

    /// <summary>The /W array: for each run of consecutive glyph ids used, the first id and their widths.</summary>
    private string Widths(double scale)
    {
        var w = new StringBuilder("[");
        var previous = -2;
        foreach (var glyph in used.Keys)
        {
            if (glyph != previous + 1)
            {
                if (previous >= 0) w.Append(']');
                w.Append(' ').Append(glyph.ToString(CultureInfo.InvariantCulture)).Append(" [");
            }
            else w.Append(' ');
            w.Append(N(font.Advance(glyph) * scale));
            previous = glyph;
        }
        if (previous >= 0) w.Append(']');
        return w.Append(" ]").ToString();
    }

    /// <summary>The ToUnicode CMap: each glyph id drawn back to its character (UTF-16BE), 100 to a block.</summary>
    private string ToUnicode()
    {
        var map = new StringBuilder();
        map.Append("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n");
        map.Append("/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n");
        map.Append("/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n");
        map.Append("1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
        foreach (var block in used.Chunk(100))
        {
            map.Append(CultureInfo.InvariantCulture, $"{block.Length} beginbfchar\n");
            foreach (var (glyph, c) in block)
                map.Append(CultureInfo.InvariantCulture, $"<{glyph:X4}> <{Convert.ToHexString(Encoding.BigEndianUnicode.GetBytes(char.ConvertFromUtf32(c)))}>\n");
            map.Append("endbfchar\n");
        }
        map.Append("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        return map.ToString();
    }

    /// <summary>Six capital letters naming this subset (ISO 32000-1, 9.6.4), from the glyphs in it.</summary>
    private string SubsetTag()
    {
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(font.PostScriptName + ":" + string.Join(",", used.Keys)));
        return new string(hash.Take(6).Select(b => (char)('A' + b % 26)).ToArray());
    }

    internal static string N(double value) => Math.Round(value, 3).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The objects of the file as they are written, their offsets, and the cross-reference table.</summary>
    private sealed class PdfObjects : IDisposable
    {
        private readonly MemoryStream stream = new();
        private readonly SortedDictionary<int, long> offsets = [];

        public PdfObjects()
        {
            // The binary comment tells transfer tools the file is not text (ISO 32000-1, 7.5.2).
            Write("%PDF-1.7\n");
            stream.Write([(byte)'%', 0xE2, 0xE3, 0xCF, 0xD3, (byte)'\n']);
        }

        public void Add(int id, string dictionary)
        {
            offsets.Add(id, stream.Position);
            Write($"{id} 0 obj\n{dictionary}\nendobj\n");
        }

        public void AddStream(int id, string entries, byte[] data)
        {
            using var compressed = new MemoryStream();
            using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true)) zlib.Write(data);
            offsets.Add(id, stream.Position);
            Write($"{id} 0 obj\n<< /Length {compressed.Length} /Filter /FlateDecode{(entries.Length > 0 ? " " + entries : "")} >>\nstream\n");
            compressed.Position = 0;
            compressed.CopyTo(stream);
            Write("\nendstream\nendobj\n");
        }

        public byte[] Finish(int root, int info)
        {
            var count = offsets.Keys.Max() + 1;
            if (offsets.Count != count - 1) throw new InvalidOperationException("the PDF objects are not numbered 1 to n");
            var id = Convert.ToHexString(SHA256.HashData(stream.ToArray()).AsSpan(0, 16));
            var xref = stream.Position;
            var table = new StringBuilder();
            table.Append(CultureInfo.InvariantCulture, $"xref\n0 {count}\n0000000000 65535 f\r\n");
            foreach (var offset in offsets.Values) table.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n\r\n");
            table.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {count} /Root {root} 0 R /Info {info} 0 R /ID [<{id}> <{id}>] >>\nstartxref\n{xref}\n%%EOF\n");
            Write(table.ToString());
            return stream.ToArray();
        }

        private void Write(string text) => stream.Write(Encoding.ASCII.GetBytes(text));

        public void Dispose() => stream.Dispose();
    }
}

/// <summary>One page: its content stream, drawn in points from the top left corner.</summary>
public sealed class PdfPage
{
    private readonly PdfDocument document;
    private readonly StringBuilder content = new();

    internal PdfPage(PdfDocument document, double width, double height) => (this.document, Width, Height) = (document, width, height);

    public double Width { get; }
    public double Height { get; }
    internal string Content => content.ToString();

    /// <summary>Draws a line of text (no wrapping) with its baseline starting at (x, baseline); gray 0 is black, 1 white.</summary>
    public void Text(double x, double baseline, string text, double size, double gray = 0)
    {
        if (text.Length == 0) return;
        var n = PdfDocument.N;
        content.Append(CultureInfo.InvariantCulture,
            $"BT {n(gray)} g /F1 {n(size)} Tf {n(x)} {n(Height - baseline)} Td {document.Encode(text)} Tj ET\n");
    }

    /// <summary>Strokes a straight line.</summary>
    public void Line(double x1, double y1, double x2, double y2, double width = 0.5, double gray = 0)
    {
        var n = PdfDocument.N;
        content.Append(CultureInfo.InvariantCulture,
            $"q {n(gray)} G {n(width)} w {n(x1)} {n(Height - y1)} m {n(x2)} {n(Height - y2)} l S Q\n");
    }

    /// <summary>Strokes a rectangle whose top left corner is (x, y); with <paramref name="fill"/>, fills it in that gray first.</summary>
    public void Rectangle(double x, double y, double width, double height, double lineWidth = 0.5, double? fill = null)
    {
        var n = PdfDocument.N;
        var paint = fill is { } f ? $"{n(f)} g B" : "S";
        content.Append(CultureInfo.InvariantCulture,
            $"q 0 G {n(lineWidth)} w {n(x)} {n(Height - y - height)} {n(width)} {n(height)} re {paint} Q\n");
    }
}
