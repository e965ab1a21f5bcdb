using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Attachments;

/// <summary>Staff attachments at an action (issue 18: the outcome form takes the rectification photos and documents).</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class StaffAttachmentsTests(DubanFactory factory)
{
    private const string Town = "440704004"; // 外海街道 (江海区)

    /// <summary>A small PDF: what the bytes begin with is what makes it one.</summary>
    public static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A matter in progress at the town: registered, dispatched, signed for.</summary>
    private async Task<(long Id, HttpClient Dispatcher, HttpClient Town)> InProgressAsync()
    {
        var dispatcher = await factory.As("dispatcher");
        var town = await factory.As("h-" + Town);
        var id = await dispatcher.Register(Api.Matter("外海街道龙溪路人行道破损 " + Guid.NewGuid().ToString("N")[..8]));
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = Town });
        await town.Do(id, "accept");
        return (id, dispatcher, town);
    }

    /// <summary>The outcome as a multipart form, as the API takes it with files: the request's members as fields, the files in <c>attachments</c>.</summary>
    private static async Task<HttpResponseMessage> CompleteAsync(HttpClient client, long id, string outcome, params (string Name, byte[] Bytes)[] files)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent((await client.Version(id)).ToString(System.Globalization.CultureInfo.InvariantCulture)), "version" },
            { new StringContent(outcome), "outcome" },
        };
        foreach (var (name, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "attachments", name);
        }
        return await client.PostAsync($"/api/v1/matters/{id}/complete", form);
    }

    [Fact]
    public async Task Complete_WithAPhotoAndAPdf_StoresBothStripped_HashesOnTheEvent_AndTheUnitSeesThem()
    {
        var (id, dispatcher, town) = await InProgressAsync();
        var done = await (await CompleteAsync(town, id, "人行道已重新铺设，附整改照片和验收报告。", ("整改后.jpg", TestImages.PhoneJpeg()), ("验收报告.pdf", Pdf)))
            .Json(HttpStatusCode.OK);
        Assert.Equal("pending_review", (string?)done["status"]);

        var list = (await town.GetAsync($"/api/v1/matters/{id}/attachments").Ok()).AsArray();
        Assert.Equal(["整改后.jpg", "验收报告.pdf"], list.Select(a => (string)a!["fileName"]!));
        Assert.Equal(["image/jpeg", "application/pdf"], list.Select(a => (string)a!["contentType"]!));
        Assert.Equal(["complete", "complete"], list.Select(a => (string)a!["action"]!));
        // The photo is stripped as the portal's are (no GPS, no device); the PDF is kept as it came.
        Assert.Equal([Sha(TestImages.CleanJpeg), Sha(Pdf)], list.Select(a => (string)a!["sha256"]!));
        Assert.Equal(Pdf.Length, (int)list[1]!["size"]!);

        // The dispatcher sees them too; the PDF downloads (never shown inline), as its proved type.
        Assert.Equal(2, (await dispatcher.GetAsync($"/api/v1/matters/{id}/attachments").Ok()).AsArray().Count);
        var pdf = await town.GetAsync((string)list[1]!["url"]!);
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        Assert.Equal(Pdf, await pdf.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", pdf.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("nosniff", pdf.Headers.GetValues("X-Content-Type-Options").Single());

        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var complete = await db.Events.AsNoTracking().SingleAsync(e => e.MatterId == id && e.Action == "complete");
        var recorded = JsonNode.Parse(complete.Data)!["attachments"]!.AsArray();
        Assert.Equal([Sha(TestImages.CleanJpeg), Sha(Pdf)], recorded.Select(a => (string)a!["sha256"]!));
        Assert.Equal([TestImages.CleanJpeg.Length, Pdf.Length], recorded.Select(a => (int)a!["size"]!));
        Assert.DoesNotContain("整改后", complete.Data, StringComparison.Ordinal);
        Assert.True((await factory.Verify(db)).Intact);

        // A unit that does not see the matter is told its files do not exist, as a missing matter's.
        var other = await factory.As("h-440781-rsj");
        await other.GetAsync($"/api/v1/matters/{id}/attachments").Problem(HttpStatusCode.NotFound, "not_found");
        await other.GetAsync((string)list[1]!["url"]!).Problem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Complete_RefusesAFileNeitherPdfNorImage_AndOneTooLarge_400NamingAttachments_AndChangesNothing()
    {
        var (id, _, town) = await InProgressAsync();
        var version = await town.Version(id);
        var refused = await (await CompleteAsync(town, id, "已整改。", ("说明.pdf", Pdf), ("setup.exe", [.. "MZ"u8, .. new byte[64]])))
            .Json(HttpStatusCode.BadRequest);
        Assert.Contains("attachments: file 2 is not a PDF, JPEG, PNG or WebP", (string?)refused["title"], StringComparison.Ordinal);

        byte[] large = [.. "%PDF-1.7\n"u8, .. new byte[10 * 1024 * 1024]];
        var tooLarge = await (await CompleteAsync(town, id, "已整改。", ("扫描件.pdf", large))).Json(HttpStatusCode.BadRequest);
        Assert.Contains("attachments: file 1 is larger than 10 MB", (string?)tooLarge["title"], StringComparison.Ordinal);

        // Nothing happened: still in progress, same version, no file kept.
        var m = await town.Get(id);
        Assert.Equal("in_progress", (string?)m["status"]);
        Assert.Equal(version, (int)m["version"]!);
        Assert.Empty((await town.GetAsync($"/api/v1/matters/{id}/attachments").Ok()).AsArray());
    }

    [Fact]
    public async Task Complete_AsJson_StillTakesNoFiles_AndAFormFieldThatDoesNotReadIsA400NamingIt()
    {
        var (id, _, town) = await InProgressAsync();
        using var form = new MultipartFormDataContent { { new StringContent("seven"), "version" }, { new StringContent("已整改。"), "outcome" } };
        var bad = await (await town.PostAsync($"/api/v1/matters/{id}/complete", form)).Json(HttpStatusCode.BadRequest);
        Assert.StartsWith("version", (string?)bad["title"], StringComparison.Ordinal);
        await town.Do(id, "complete", new { outcome = "已整改，无附件。" });
        Assert.Empty((await town.GetAsync($"/api/v1/matters/{id}/attachments").Ok()).AsArray());
    }

    [Fact]
    public async Task CompleteForm_OnTheMatterPage_PostsItsFiles()
    {
        var (id, _, _) = await InProgressAsync();
        var town = await PageForms.SignedInAsync(factory, "h-" + Town);
        var url = $"/console/matters/{id}";
        var html = await town.GetStringAsync(url);
        Assert.Contains("enctype=\"multipart/form-data\"", html, StringComparison.Ordinal);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("complete"), "_handler" },
            { new StringContent(PageForms.Token(html)), "__RequestVerificationToken" },
            { new StringContent((await (await factory.As("h-" + Town)).Version(id)).ToString(System.Globalization.CultureInfo.InvariantCulture)), "version" },
            { new StringContent("路面已修复。"), "outcome" },
            { new ByteArrayContent(Pdf), "attachments", "验收单.pdf" },
        };
        var posted = await town.PostAsync(url, form);
        Assert.True(posted.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect or HttpStatusCode.SeeOther, posted.StatusCode.ToString());
        var list = (await (await factory.As("h-" + Town)).GetAsync($"/api/v1/matters/{id}/attachments").Ok()).AsArray();
        Assert.Equal("验收单.pdf", (string?)Assert.Single(list)!["fileName"]);
        Assert.Contains("验收单.pdf", await town.GetStringAsync(url), StringComparison.Ordinal);
    }
}
