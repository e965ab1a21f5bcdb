using System.Diagnostics;
using System.Text;
using Duban.Features.Figures;
using Duban.Features.Figures.Pdf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Duban.Tests.Features.Figures.Pdf;

/// <summary>
/// Duban's own PDF writer and TrueType subsetter, read back with <see cref="PdfFile"/> and
/// <see cref="TrueTypeFont"/>: a well-formed file (offsets in the cross-reference table right), the
/// Chinese text recoverable through ToUnicode, a real subset of the font embedded, pages added when
/// the text overflows; and poppler's pdftotext reads the Chinese text back. CI installs the font and poppler
/// (test.sh: fonts-wqy-microhei, poppler-utils); without them these fail.
/// </summary>
public sealed class PdfWriterTests
{
    private const string Chinese = "交办单：川岛镇沙堤港码头路面破损（编号 JM-2026-000046）";

    private static readonly Lazy<(byte[] File, TrueTypeFont Font)> Installed = new(() =>
    {
        var file = PdfFonts.DefaultFiles.FirstOrDefault(File.Exists);
        Assert.True(file is not null, $"no Chinese TrueType font installed ({string.Join(", ", PdfFonts.DefaultFiles)}): install fonts-wqy-microhei, as test.sh does");
        var bytes = File.ReadAllBytes(file);
        return (bytes, TrueTypeFont.Load(bytes));
    });

    private static TrueTypeFont Font => Installed.Value.Font;

    private static byte[] OnePage(string text, Action<PdfPage>? more = null)
    {
        var document = new PdfDocument(Font) { Title = "交办单", Created = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.FromHours(8)) };
        var page = document.AddPage();
        page.Text(56, 80, text, 11);
        more?.Invoke(page);
        return document.Save();
    }

    [Fact]
    public void Save_WritesAWellFormedFile_WithTheXrefOffsetsRight()
    {
        var pdf = new PdfFile(OnePage(Chinese));
        Assert.Single(pdf.Pages);
        // Catalog, page tree, info, the five font objects, one page and its content.
        Assert.Equal(10, pdf.Objects.Count);
        Assert.Equal("交办单", pdf.Info("Title"));
        Assert.Equal("Duban", pdf.Info("Producer"));
        Assert.Equal("D:20261102090000+08'00'", pdf.Info("CreationDate"));
        Assert.Matches(@"/ID \[<[0-9A-F]{32}> <[0-9A-F]{32}>\]", pdf.Trailer);
        Assert.Contains("/Filter /FlateDecode", pdf.Object(PdfFile.Reference(pdf.Object(pdf.Pages[0]).Dictionary, "Contents")).Dictionary);
    }

    [Fact]
    public void Text_ReadsBackThroughToUnicode()
    {
        var pdf = new PdfFile(OnePage(Chinese));
        Assert.Equal(Chinese + "\n", pdf.PageText(0));
        var font = pdf.FontDictionary;
        Assert.Contains("/Encoding /Identity-H", font);
        Assert.Matches($@"/BaseFont /[A-Z]{{6}}\+{Font.PostScriptName}", font);
    }

    [Fact]
    public void FontFile_IsASubset_KeepingTheGlyphIds()
    {
        var pdf = new PdfFile(OnePage(Chinese));
        var embedded = pdf.FontFile();
        var subset = TrueTypeFont.LoadEmbedded(embedded);

        Assert.Equal(Font.GlyphCount, subset.GlyphCount);
        Assert.Equal(Font.UnitsPerEm, subset.UnitsPerEm);
        foreach (var rune in Chinese.EnumerateRunes())
        {
            var glyph = Font.GlyphId(rune.Value);
            Assert.NotEqual(0, glyph);
            PdfFile.AssertKept(Font, subset, glyph);
            Assert.Equal(Font.Advance(glyph), subset.Advance(glyph));
        }
        PdfFile.AssertKept(Font, subset, 0); // .notdef, always
        // Characters not drawn have no outline left: 龘 and the whole of the Latin capitals but J and M.
        var unused = "龘鑫ABCDEFGHIKLNOPQRSTUVWXYZ".EnumerateRunes().Select(r => (int)Font.GlyphId(r.Value)).Where(g => g != 0 && Font.GlyphLength(g) > 0).ToList();
        Assert.NotEmpty(unused);
        Assert.All(unused, g => Assert.Equal(0, subset.GlyphLength(g)));
        Assert.All(unused, g => Assert.Equal(0, subset.Advance(g)));
        // Well under the whole font, uncompressed, and the file small once compressed.
        Assert.True(embedded.Length < Installed.Value.File.Length / 10, $"subset {embedded.Length} bytes of a {Installed.Value.File.Length}-byte font");
        Assert.True(pdf.Bytes.Length < 100_000, $"a one-line PDF is {pdf.Bytes.Length} bytes");
    }

    /// <summary>
    /// Each default font installed here (WenQuanYi Micro Hei; Droid Sans Fallback where present) reads, draws and
    /// subsets. The fonts are listed when the test runs, not when the tests are discovered: a theory over a list read
    /// at discovery failed the whole run when a font was removed in between (issue 18).
    /// </summary>
    [Fact]
    public void EachInstalledFont_DrawsTheTextAndEmbedsASubset()
    {
        var installed = PdfFonts.DefaultFiles.Where(File.Exists).ToList();
        Assert.True(installed.Count > 0, $"no Chinese TrueType font installed ({string.Join(", ", PdfFonts.DefaultFiles)}): install fonts-wqy-microhei, as test.sh does");
        foreach (var file in installed)
        {
            DrawsTheTextAndEmbedsASubset(file);
        }
    }

    private static void DrawsTheTextAndEmbedsASubset(string file)
    {
        var whole = File.ReadAllBytes(file);
        var font = TrueTypeFont.Load(whole);
        var document = new PdfDocument(font);
        document.AddPage().Text(56, 80, Chinese, 11);
        var pdf = new PdfFile(document.Save());
        // Read back as written, also where the font has no Latin letters or digits (Droid Sans
        // Fallback): those are drawn with their full-width forms, never with .notdef.
        Assert.True(Chinese + "\n" == pdf.PageText(0), $"{file}: the text reads back as {pdf.PageText(0)}");
        Assert.DoesNotContain("0000", System.Text.RegularExpressions.Regex.Match(pdf.Content(0), "<([0-9A-F]*)> Tj").Groups[1].Value.Chunk(4).Select(g => new string(g)));
        var subset = TrueTypeFont.LoadEmbedded(pdf.FontFile());
        Assert.All(Chinese.EnumerateRunes().Where(r => font.Has(r.Value)), r => PdfFile.AssertKept(font, subset, font.GlyphId(r.Value)));
        Assert.Equal(0, subset.GlyphLength(font.GlyphId('龘')));
        Assert.True(pdf.FontFile().Length < whole.Length / 10, $"{file}: the subset is {pdf.FontFile().Length} bytes of {whole.Length}");
    }

    [Fact]
    public void Subset_KeepsTheComponentsOfCompositeGlyphs()
    {
        var composite = Enumerable.Range(0, Font.GlyphCount).FirstOrDefault(g => Font.Components(g).Count > 0);
        Assert.True(composite > 0, $"{Font.Family} has no composite glyph to test with");
        var subset = TrueTypeFont.LoadEmbedded(Font.Subset([composite]));
        PdfFile.AssertKept(Font, subset, composite);
        Assert.All(Font.Components(composite), c => PdfFile.AssertKept(Font, subset, c));
        Assert.Equal(Font.Components(composite), subset.Components(composite));
    }

    [Fact]
    public void Subset_HasValidTableChecksums()
    {
        var subset = Font.Subset([Font.GlyphId('交')]);
        Assert.Equal(0x00010000u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(subset));
        var tables = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(subset.AsSpan(4));
        var tags = new List<string>();
        for (var i = 0; i < tables; i++)
        {
            var entry = subset.AsSpan(12 + 16 * i, 16);
            tags.Add(Encoding.ASCII.GetString(entry[..4]));
            var (checksum, at, length) = (System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(entry[4..]),
                (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(entry[8..]), (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(entry[12..]));
            var data = subset.AsSpan(at, (length + 3) & ~3).ToArray();
            if (tags[^1] == "head") data.AsSpan(8, 4).Clear();
            Assert.Equal(checksum, Sum(data));
        }
        Assert.Equal(tags.Order(StringComparer.Ordinal), tags);
        Assert.Subset(tags.ToHashSet(), new HashSet<string> { "head", "hhea", "maxp", "loca", "glyf", "hmtx" });
        // The whole font sums to 0xB1B0AFBA once head's checkSumAdjustment is in (OpenType 'head').
        Assert.Equal(0xB1B0AFBAu, Sum(subset));

        static uint Sum(byte[] data)
        {
            uint sum = 0;
            for (var i = 0; i < data.Length; i += 4) sum = unchecked(sum + System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(i)));
            return sum;
        }
    }

    [Fact]
    public void Flow_ALongTextWrapsWithinTheMargins_OntoASecondPage()
    {
        var long0 = string.Concat(Enumerable.Repeat("码头通往渡口的道路破损严重，雨天积水，旅客通行困难，请尽快修复。Road 12 is broken. ", 60));
        var document = new PdfDocument(Font);
        var flow = new PdfFlow(document, 56);
        flow.Paragraph(long0, 11, document.LineHeight(11) * 1.5);
        Assert.True(document.Pages.Count >= 2, $"{document.Pages.Count} page(s)");

        // A line fits, or fits but for the closing punctuation hanging at its end; none starts with one.
        foreach (var line in document.Wrap(long0, 11, flow.Width))
        {
            var body = line.TrimEnd('，', '。', '.');
            Assert.True(document.Measure(body, 11) <= flow.Width + 1e-9, $"line wider than {flow.Width}: {line}");
            Assert.DoesNotMatch("^[，。.]", line);
        }
        var pdf = new PdfFile(document.Save());
        Assert.Equal(document.Pages.Count, pdf.Pages.Count);
        Assert.NotEmpty(pdf.PageText(1));
        Assert.Equal(long0, pdf.Text());
        // Every line of text sits between the margins: y from 56 points above the bottom.
        foreach (var page in Enumerable.Range(0, pdf.Pages.Count))
        {
            foreach (System.Text.RegularExpressions.Match td in System.Text.RegularExpressions.Regex.Matches(pdf.Content(page), @"Tf ([\d.]+) ([\d.]+) Td"))
                Assert.InRange(double.Parse(td.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 56, PdfDocument.A4Height - 56);
        }
    }

    [Fact]
    public void Wrap_BreaksAtTheLastCharacterThatFits_AndAtLineEnds()
    {
        var document = new PdfDocument(Font);
        var width = document.Measure("交办单交", 10) + 0.01;
        Assert.Equal(["交办单交", "办单", "", "甲乙"], document.Wrap("交办单交办单\n\r\n甲乙", 10, width));
        Assert.Equal([""], document.Wrap("", 10, width));
        // The comma that would start the second line hangs at the end of the first.
        Assert.Equal(["交办单交，", "办单"], document.Wrap("交办单交，办单", 10, width));
        Assert.Equal(2 * document.Measure("交", 10), document.Measure("交办", 10), 6);
        Assert.Equal(Font.Advance(Font.GlyphId('交')) * 10.0 / Font.UnitsPerEm, document.Measure("交", 10), 6);
    }

    [Fact]
    public void Text_ACharacterTheFontLacks_DrawsAReplacement_NeverThrows()
    {
        // A private-use character and an unassigned plane-15 one: no Chinese font draws them.
        const string text = "甲\uE000乙\U000FFFFD";
        var pdf = new PdfFile(OnePage(text));
        Assert.Equal("甲\uFFFD乙\uFFFD\n", pdf.PageText(0));
        PdfFile.AssertKept(Font, TrueTypeFont.LoadEmbedded(pdf.FontFile()), Font.Has(0xFFFD) ? Font.GlyphId(0xFFFD) : 0);
    }

    [Fact]
    public void LinesAndRectangles_AreStrokedInPdfCoordinates()
    {
        var pdf = new PdfFile(OnePage("表", page =>
        {
            page.Line(56, 100, 300, 100, 0.5);
            page.Rectangle(56, 120, 200, 30, 1, fill: 0.9);
            page.Rectangle(56, 160, 200, 30);
        }));
        var content = pdf.Content(0);
        // y flips: 100 points from the top of an 841.89-point page is 741.89 from the bottom.
        Assert.Contains("0.5 w 56 741.89 m 300 741.89 l S", content);
        Assert.Contains("1 w 56 691.89 200 30 re 0.9 g B", content);
        Assert.Contains("0.5 w 56 651.89 200 30 re S", content);
    }

    [Fact]
    public void Load_AFontWithCffOutlines_IsRefusedSayingWhy()
    {
        // An OpenType 'OTTO' header with no tables: refused for its outlines before anything else.
        var otto = new byte[12];
        "OTTO"u8.CopyTo(otto);
        var e = Assert.Throws<InvalidDataException>(() => TrueTypeFont.Load(otto));
        Assert.Contains("CFF", e.Message);
        Assert.Throws<InvalidDataException>(() => TrueTypeFont.Load([1, 2, 3]));

        const string noto = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
        if (File.Exists(noto)) Assert.Contains("CFF", Assert.Throws<InvalidDataException>(() => TrueTypeFont.Load(File.ReadAllBytes(noto))).Message);
    }

    [Fact]
    public void Fonts_ACffFontConfigured_Answers503_NamingTheFileAndWhy()
    {
        var file = Path.Combine(Path.GetTempPath(), $"duban-otto-{Guid.NewGuid():N}.otf");
        var otto = new byte[12];
        "OTTO"u8.CopyTo(otto);
        File.WriteAllBytes(file, otto);
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Duban:Pdf:FontFile"] = file }).Build();
            var log = new ListLogger();
            var fonts = new PdfFonts(configuration, log, TimeProvider.System);
            var face = fonts.Face();
            Assert.False(face.IsSuccess);
            Assert.Equal((503, "pdf_font_missing"), (face.Error!.Status, face.Error.Code));
            Assert.Contains("fonts-wqy-microhei", face.Error.Message);
            // The server's paths and the reasons go to the log, not to the user.
            Assert.DoesNotContain(file, face.Error.Message);
            Assert.Contains(log.Lines, l => l.Contains(file, StringComparison.Ordinal) && l.Contains("CFF", StringComparison.Ordinal));
            // A second request within the minute does not read the fonts again.
            var searches = log.Lines.Count(l => l.StartsWith("No usable PDF font", StringComparison.Ordinal));
            Assert.False(fonts.Face().IsSuccess);
            Assert.Equal(searches, log.Lines.Count(l => l.StartsWith("No usable PDF font", StringComparison.Ordinal)));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Fonts_ByDefault_TakeTheFirstTrueTypeFontInstalled()
    {
        var face = new PdfFonts(new ConfigurationBuilder().Build(), NullLogger<PdfFonts>.Instance, TimeProvider.System).Face();
        Assert.True(face.IsSuccess, face.Error?.Message);
        Assert.Equal(PdfFonts.DefaultFiles.First(File.Exists), face.Value!.File);
        Assert.Equal(Font.Family, face.Value.Family);
        Assert.True(face.Value.Font.Has('督'));
    }

    /// <summary>
    /// Poppler's pdftotext, a reader that is not Duban's, reads the same text. A missing pdftotext
    /// fails the test (it used to return early and pass, so CI, which had no poppler, checked nothing).
    /// </summary>
    [Fact]
    public void Pdftotext_ReadsTheChineseText()
    {
        // poppler's reader is the oracle: a PDF only Duban's own reader understands proves little.
        // Missing, it fails the test (test.sh installs poppler-utils in ensure_browser).
        Assert.True(OnPath("pdftotext"), "pdftotext is not installed: install poppler-utils (apt-get install poppler-utils), as test.sh does");
        var file = Path.Combine(Path.GetTempPath(), $"duban-pdf-{Guid.NewGuid():N}.pdf");
        File.WriteAllBytes(file, OnePage(Chinese));
        try
        {
            var start = new ProcessStartInfo("pdftotext", [file, "-"]) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
            Assert.Equal("", errors);
            Assert.Contains(Chinese, output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, tool)));

    [Fact]
    public void Wrap_ARunOfClosingPunctuation_HangsOneMarkAtMost()
    {
        var pdf = new PdfDocument(Font);
        const double width = 483; // A4 less its two margins
        var lines = pdf.Wrap("请尽快处理" + new string('！', 60) + "……", 11, width);
        Assert.True(lines.Count > 1);
        Assert.All(lines, line => Assert.True(pdf.Measure(line, 11) <= width + pdf.Measure("！", 11), $"{pdf.Measure(line, 11):0} pt: {line}"));
        Assert.Equal("请尽快处理" + new string('！', 60) + "……", string.Concat(lines));
    }

    [Fact]
    public void AFontWithAShortHeadTable_IsRefusedAtLoad_NotOnEveryDocument()
    {
        var bytes = (byte[])Installed.Value.File.Clone();
        // Every face of a collection: the one the loader picks must be among them.
        var faces = System.Text.Encoding.ASCII.GetString(bytes, 0, 4) == "ttcf"
            ? Enumerable.Range(0, (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8)))
                .Select(i => (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(12 + 4 * i))).ToArray()
            : [0];
        foreach (var face in faces)
        {
            var count = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(face + 4));
            for (var i = 0; i < count; i++)
            {
                var entry = bytes.AsSpan(face + 12 + 16 * i, 16);
                if (System.Text.Encoding.ASCII.GetString(entry[..4]) == "head") System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(entry[12..], 20);
            }
        }
        var refused = Assert.Throws<InvalidDataException>(() => TrueTypeFont.Load(bytes));
        Assert.Contains("'head'", refused.Message, StringComparison.Ordinal);
    }

    private sealed class ListLogger : ILogger<PdfFonts>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
