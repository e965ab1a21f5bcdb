using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Duban.Features.Figures;
using Duban.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Figures;

/// <summary>
/// The assignment slip (交办单) and the supervision notice (督办通知) as PDF: they open, embed the
/// Chinese font, and their text (read back through the font's ToUnicode map) says what it should
/// and never who raised the matter. CI installs the fonts (test.sh); without one these tests fail.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed partial class MatterPdfTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private static object Body() => new
    {
        kind = "complaint",
        channel = "phone",
        title = "川岛镇沙堤港码头路面破损",
        content = "码头通往渡口的道路破损严重，雨天积水，旅客通行困难，请尽快修复。",
        location = "台山市川岛镇沙堤港",
        category = "交通运输/道路养护",
        raiser = new { name = "陈美玲", phone = "13800138000" },
        territoryCode = "440781115",
    };

    private static PdfFace Font(DubanFactory app)
    {
        var face = app.Services.GetRequiredService<PdfFonts>().Face();
        Assert.True(face.IsSuccess, $"no Chinese font for the PDFs ({face.Error?.Message}); install fonts-wqy-microhei or fonts-noto-cjk, as test.sh does");
        return face.Value!;
    }

    [Fact]
    public async Task Slip_ForADispatchedMatter_ShowsTheAssignmentInChinese_NeverTheRaiser()
    {
        await using var app = DubanFactory.StartingAt(new DateTimeOffset(2026, 11, 2, 9, 0, 0, China));
        await app.InitializeAsync();
        var face = Font(app);
        var dispatcher = await app.As("dispatcher");
        var id = await dispatcher.Register(Body());

        await dispatcher.GetAsync($"/api/v1/matters/{id}/slip.pdf").Problem(HttpStatusCode.Conflict, "not_dispatched");
        await dispatcher.Do(id, "dispatch", new
        {
            leadUnitCode = "440781115",
            coUnitCodes = new[] { "440781-jtj" },
            dueAt = new DateTimeOffset(2026, 11, 20, 18, 0, 0, China),
        });

        // The lead unit prints its slip; another unit's handler does not see the matter.
        var handler = await app.As("h-440781115");
        var response = await handler.GetAsync($"/api/v1/matters/{id}/slip.pdf");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var pdf = await response.Content.ReadAsByteArrayAsync();
        var text = Read(pdf, face);
        foreach (var expected in new[]
                 {
                     "交办单", "JM-2026-", "川岛镇沙堤港码头路面破损", "码头通往渡口的道路破损严重", "台山市川岛镇人民政府", "台山市交通运输局",
                     "广东省 江门市 台山市 川岛镇", "2026年11月2日 09:00", "2026年11月20日 18:00", "江门市12345政务服务便民热线中心", "交通运输/道路养护",
                 })
        {
            Assert.Contains(expected, text);
        }
        Assert.DoesNotContain("陈美玲", text);
        Assert.DoesNotContain("138", text);
        Assert.DoesNotContain("陈**", text);
        await (await app.As("h-440785100")).GetAsync($"/api/v1/matters/{id}/slip.pdf").Problem(HttpStatusCode.NotFound);
        await dispatcher.GetAsync("/api/v1/matters/999999/slip.pdf").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Notice_ForAnOverdueMatter_CountsTheDaysAndUrges_CoordinatorsOnly()
    {
        await using var app = DubanFactory.StartingAt(new DateTimeOffset(2026, 11, 2, 9, 0, 0, China));
        await app.InitializeAsync();
        var face = Font(app);
        var dispatcher = await app.As("dispatcher");
        var id = await dispatcher.Register(Body());
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = "440781115", dueAt = new DateTimeOffset(2026, 11, 5, 18, 0, 0, China) });
        var supervisor = await app.As("supervisor");
        await supervisor.Do(id, "urge", new { note = "请尽快办理" });
        await supervisor.Do(id, "urge", new { note = "再次催办" });

        // Monday 9 November: four days past the deadline of Thursday 5 November.
        app.Clock.Advance(new DateTimeOffset(2026, 11, 9, 10, 0, 0, China) - app.Clock.GetUtcNow());
        app.ForgetSignIns();
        supervisor = await app.As("supervisor");
        var response = await supervisor.GetAsync($"/api/v1/matters/{id}/notice.pdf");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = Read(await response.Content.ReadAsByteArrayAsync(), face);
        foreach (var expected in new[]
                 {
                     "督办通知", "台山市川岛镇人民政府：", "川岛镇沙堤港码头路面破损", "已超期 4 天", "已催办 2 次", "2026年11月5日 18:00",
                     // Three working days after Monday 9 November.
                     "2026年11月12日", "中共江门市委督查室 江门市人民政府督查室",
                 })
        {
            Assert.Contains(expected, text);
        }
        Assert.DoesNotContain("陈美玲", text);

        // The unit receives the notice; it does not issue it. A matter no unit holds gets none.
        await (await app.As("h-440781115")).GetAsync($"/api/v1/matters/{id}/notice.pdf").Problem(HttpStatusCode.Forbidden);
        var waiting = await (await app.As("dispatcher")).Register(Body());
        await supervisor.GetAsync($"/api/v1/matters/{waiting}/notice.pdf").Problem(HttpStatusCode.Conflict, "not_running");
    }

    [Fact]
    public async Task Pdf_WithoutTheConfiguredFont_Answers503_WithAMessage()
    {
        await using var app = new DubanFactory();
        app.Settings["Duban:Pdf:FontFile"] = "/nonexistent/fonts/none.ttc";
        await app.InitializeAsync();
        var dispatcher = await app.As("dispatcher");
        var id = await dispatcher.Register(Body());
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = "440781115" });
        var problem = await dispatcher.GetAsync($"/api/v1/matters/{id}/slip.pdf").Problem(HttpStatusCode.ServiceUnavailable, "pdf_font_missing");
        Assert.Contains("/nonexistent/fonts/none.ttc", (string?)problem["title"]);
        Assert.Null(problem["exception"]);
    }

    [Fact]
    public void FontFiles_CutTheSimplifiedChineseFaceOutOfACollection()
    {
        var file = PdfFonts.DefaultFiles.FirstOrDefault(File.Exists);
        Assert.True(file is not null, "no Chinese font installed: install fonts-wqy-microhei or fonts-noto-cjk, as test.sh does");
        var (face, family) = FontFiles.ChineseFace(File.ReadAllBytes(file));
        // A single font now (sfnt version 0x00010000 or 'OTTO'), not a collection ('ttcf').
        Assert.NotEqual("ttcf", Encoding.ASCII.GetString(face, 0, 4));
        Assert.False(string.IsNullOrEmpty(family));
        if (file.Contains("Noto", StringComparison.Ordinal)) Assert.EndsWith(" SC", family);
        // Reading the extracted face again finds the same family.
        Assert.Equal(family, FontFiles.ChineseFace(face).Family);
    }

    /// <summary>
    /// Checks the PDF (header, pages through PDFsharp's reader, the font embedded under its family
    /// name) and returns its text: the glyph ids of the text operators mapped through the ToUnicode CMaps.
    /// </summary>
    private static string Read(byte[] pdf, PdfFace face)
    {
        Assert.Equal("%PDF-", Encoding.ASCII.GetString(pdf, 0, 5));
        using (var document = PdfSharp.Pdf.IO.PdfReader.Open(new MemoryStream(pdf), PdfSharp.Pdf.IO.PdfDocumentOpenMode.Import))
        {
            Assert.True(document.PageCount >= 1);
        }
        var raw = Encoding.Latin1.GetString(pdf);
        Assert.Contains("/FontFile", raw);
        Assert.True(raw.Contains(face.Family.Replace(" ", "#20", StringComparison.Ordinal), StringComparison.Ordinal) || raw.Contains(face.Family, StringComparison.Ordinal),
            $"the font {face.Family} is not named in the PDF");

        var streams = Streams(pdf);
        var map = new Dictionary<int, string>();
        foreach (var cmap in streams.Where(s => s.Contains("begincmap", StringComparison.Ordinal)))
        {
            foreach (Match block in BfChar().Matches(cmap))
            {
                foreach (Match pair in HexPair().Matches(block.Groups[1].Value))
                    map[Convert.ToInt32(pair.Groups[1].Value, 16)] = Utf16(pair.Groups[2].Value);
            }
            foreach (Match block in BfRange().Matches(cmap))
            {
                foreach (Match range in HexTriple().Matches(block.Groups[1].Value))
                {
                    int lo = Convert.ToInt32(range.Groups[1].Value, 16), hi = Convert.ToInt32(range.Groups[2].Value, 16), first = Convert.ToInt32(range.Groups[3].Value, 16);
                    for (var g = lo; g <= hi; g++) map[g] = char.ConvertFromUtf32(first + g - lo);
                }
            }
        }
        Assert.NotEmpty(map);
        var text = new StringBuilder();
        foreach (var content in streams.Where(s => s.Contains("BT", StringComparison.Ordinal) && !s.Contains("begincmap", StringComparison.Ordinal)))
        {
            foreach (Match shown in ShowText().Matches(content))
            {
                if (shown.Groups[1].Success)
                {
                    // Glyph ids of the Chinese (Identity-H) font, two bytes each; a long string wraps.
                    var hex = Regex.Replace(shown.Groups[1].Value, @"\s", "");
                    for (var i = 0; i + 4 <= hex.Length; i += 4) text.Append(map.GetValueOrDefault(Convert.ToInt32(hex.Substring(i, 4), 16), "\uFFFD"));
                }
                else
                {
                    // PDFsharp draws an all-Latin string with the same face as a WinAnsi font: (JM-2026-000046).
                    var literal = Regex.Unescape(shown.Groups[2].Value.Replace(@"\(", "(", StringComparison.Ordinal).Replace(@"\)", ")", StringComparison.Ordinal));
                    text.Append(literal.Replace('\u0097', '—'));
                }
                text.Append('\n');
            }
        }
        // A field's value may wrap; the checks read it as one line.
        return text.ToString().Replace("\n", "", StringComparison.Ordinal);
    }

    private static List<string> Streams(byte[] pdf)
    {
        var raw = Encoding.Latin1.GetString(pdf);
        var result = new List<string>();
        foreach (Match m in StreamStart().Matches(raw))
        {
            var start = m.Index + m.Length;
            var end = raw.IndexOf("endstream", start, StringComparison.Ordinal);
            if (end < 0) continue;
            var dictionaryStart = raw.LastIndexOf("obj", m.Index, StringComparison.Ordinal);
            var dictionary = dictionaryStart < 0 ? "" : raw[dictionaryStart..m.Index];
            var data = pdf.AsSpan(start, end - start).ToArray();
            if (dictionary.Contains("/FlateDecode", StringComparison.Ordinal))
            {
                try
                {
                    using var inflate = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
                    using var output = new MemoryStream();
                    inflate.CopyTo(output);
                    data = output.ToArray();
                }
                catch (InvalidDataException)
                {
                    continue; // the embedded font file, or an image: not text
                }
            }
            result.Add(Encoding.Latin1.GetString(data));
        }
        return result;
    }

    private static string Utf16(string hex) =>
        Encoding.BigEndianUnicode.GetString(Convert.FromHexString(hex));

    [GeneratedRegex(@"stream\r?\n")]
    private static partial Regex StreamStart();

    [GeneratedRegex(@"beginbfchar(.*?)endbfchar", RegexOptions.Singleline)]
    private static partial Regex BfChar();

    [GeneratedRegex(@"beginbfrange(.*?)endbfrange", RegexOptions.Singleline)]
    private static partial Regex BfRange();

    [GeneratedRegex(@"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")]
    private static partial Regex HexPair();

    [GeneratedRegex(@"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")]
    private static partial Regex HexTriple();

    [GeneratedRegex(@"(?:<([0-9A-Fa-f\s]+)>|\(((?:\\.|[^\\)])*)\))\s*Tj")]
    private static partial Regex ShowText();
}
