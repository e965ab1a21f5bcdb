using System.Net;
using Duban.Features.Figures;
using Duban.Features.Figures.Pdf;
using Duban.Tests.Features.Figures.Pdf;
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
public sealed class MatterPdfTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    /// <summary>A broken road to the ferry at 川岛镇, raised by 陈美玲, whose name no PDF may show.</summary>
    private static NewMatter Body() =>
        new NewMatter("complaint", "川岛镇沙堤港码头路面破损", "码头通往渡口的道路破损严重，雨天积水，旅客通行困难，请尽快修复。") { Category = "交通运输/道路养护" }
            .At("台山市川岛镇沙堤港").From("陈美玲", "13800138000").In("440781115");

    private static PdfFace Font(DubanFactory app)
    {
        var face = app.Services.GetRequiredService<PdfFonts>().Face();
        Assert.True(face.IsSuccess, $"no Chinese font for the PDFs ({face.Error?.Message}); install fonts-wqy-microhei, as test.sh does");
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
        // Registered by the 12345 centre, dispatched by the 督查室: the slip names who dispatched it.
        await (await app.As("supervisor")).Do(id, "dispatch", new
        {
            leadUnitCode = "440781115",
            coUnitCodes = new[] { "440781-jtj" },
            dueAt = new DateTimeOffset(2026, 11, 20, 18, 0, 0, China),
        }, reader: dispatcher);

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
                     "广东省 江门市 台山市 川岛镇", "2026年11月2日 09:00", "2026年11月20日 18:00", "中共江门市委督查室", "交通运输/道路养护", "一般诉求（7日）",
                 })
        {
            Assert.Contains(expected, text);
        }
        Assert.DoesNotContain("江门市12345政务服务便民热线中心", text); // the registrar did not dispatch it
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
        var id = await app.Desk.Matter(Body()).Lead("440781115").Due(new DateTimeOffset(2026, 11, 5, 18, 0, 0, China)).DispatchedAsync();
        var supervisor = app.Desk.Supervisor;
        await supervisor.Do(id, "urge", new { note = "请尽快办理" });
        await supervisor.Do(id, "urge", new { note = "再次催办" });

        // Monday 9 November: four days past the deadline of Thursday 5 November.
        app.Desk.MoveTo(new DateTimeOffset(2026, 11, 9, 10, 0, 0, China));
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
        var dispatcher = app.Desk.Dispatcher;
        var id = await app.Desk.Matter(Body()).Lead("440781115").DispatchedAsync();
        var problem = await dispatcher.GetAsync($"/api/v1/matters/{id}/slip.pdf").Problem(HttpStatusCode.ServiceUnavailable, "pdf_font_missing");
        // It says what to install, and keeps the server's paths to the log.
        Assert.Contains("fonts-wqy-microhei", (string?)problem["title"], StringComparison.Ordinal);
        Assert.DoesNotContain("/nonexistent", (string?)problem["title"], StringComparison.Ordinal);
        Assert.Null(problem["exception"]);
    }

    [Fact]
    public async Task Slip_WithALongContent_GoesOnToASecondPage_StayingSmall()
    {
        await using var app = DubanFactory.StartingAt(new DateTimeOffset(2026, 11, 2, 9, 0, 0, China));
        await app.InitializeAsync();
        var face = Font(app);
        var dispatcher = await app.As("dispatcher");
        // Distinct sentences, so that the text read back shows nothing was lost or repeated.
        var content = string.Concat(Enumerable.Range(1, 40).Select(i => $"第{i}段：码头通往渡口的道路破损严重，雨天积水，旅客通行困难，请尽快修复。"));
        var id = await app.Desk.Matter(Body() with { Content = content, Category = null }).Lead("440781115").DispatchedAsync();
        var bytes = await dispatcher.GetByteArrayAsync($"/api/v1/matters/{id}/slip.pdf");
        var pdf = Read(bytes, face, out var text);
        Assert.Equal(2, pdf.Pages.Count);
        Assert.Contains(content, text);
        Assert.Contains("第40段", pdf.PageText(1).Replace("\n", "", StringComparison.Ordinal));
        // The request to sign comes after the content, on the second page; the print time at its foot.
        Assert.Contains("请主办单位在签收时限内签收", pdf.PageText(1).Replace("\n", "", StringComparison.Ordinal));
        Assert.Contains("打印时间：2026年11月2日 09:00", pdf.PageText(1));
        Assert.True(bytes.Length < 300_000, $"the slip is {bytes.Length} bytes");
    }

    /// <summary>
    /// Checks the PDF (well formed, cross-reference offsets right, the font a subset of the face
    /// found, under its PostScript name) and returns its text: the glyph ids of the text operators
    /// mapped through the ToUnicode CMap, lines joined.
    /// </summary>
    private static string Read(byte[] bytes, PdfFace face)
    {
        Read(bytes, face, out var text);
        return text;
    }

    private static PdfFile Read(byte[] bytes, PdfFace face, out string text)
    {
        var pdf = new PdfFile(bytes);
        Assert.True(pdf.Pages.Count >= 1);
        Assert.Contains($"+{face.Font.PostScriptName} ", pdf.FontDictionary);
        var subset = TrueTypeFont.LoadEmbedded(pdf.FontFile());
        Assert.Equal(face.Font.GlyphCount, subset.GlyphCount);
        text = pdf.Text();
        // Every glyph drawn keeps its outline in the subset; one not drawn has none.
        foreach (var rune in text.EnumerateRunes().Distinct())
        {
            var glyph = face.Font.GlyphId(rune.Value);
            PdfFile.AssertKept(face.Font, subset, glyph);
        }
        var notDrawn = face.Font.GlyphId('龘');
        Assert.Equal(0, subset.GlyphLength(notDrawn));
        Assert.True(bytes.Length < 300_000, $"the PDF is {bytes.Length} bytes");
        return pdf;
    }
}
