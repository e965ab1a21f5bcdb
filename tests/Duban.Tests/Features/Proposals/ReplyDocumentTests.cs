using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

using static Duban.Tests.Features.Proposals.Proposing;

namespace Duban.Tests.Features.Proposals;

/// <summary>
/// The reply's PDF (答复函, Features/Proposals/ReplyDocuments.cs): uploaded with the reply as a multipart form, shown in
/// the proposal to those who read it and downloaded by them only; anything but a PDF is refused naming <c>document</c>.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class ReplyDocumentTests(DubanFactory factory)
{
    private const int Year = 2026;

    /// <summary>A small PDF of its own (header, one page, trailer), with a mark that makes its bytes this test's.</summary>
    private static byte[] Pdf(string mark) => Encoding.ASCII.GetBytes(
        "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n" +
        "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n% " + mark + "\ntrailer << /Root 1 0 R >>\n%%EOF\n");

    private async Task<long> Assigned(string lead, string cosigner)
    {
        var office = factory.Desk.CppccOffice();
        var members = await office.MemberIds("cppcc", lead, cosigner);
        var id = (long)(await factory.Desk.Member(lead).Submit("cppcc", Year, Unique("关于完善社区养老服务设施的提案"), members))["id"]!;
        await office.Done(id, "accept", new { hostUnitCode = "4407-mzj" });
        return id;
    }

    private static async Task<HttpResponseMessage> ReplyForm(HttpClient host, long id, int version, byte[]? document, string fileName = "答复函.pdf",
        string contentType = "application/pdf")
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(version.ToString(CultureInfo.InvariantCulture)), "version" },
            { new StringContent("B"), "category" },
            { new StringContent("社区养老服务设施已列入明年民生实事，分步建设。"), "text" },
            { new StringContent("市民政局局长"), "signedBy" },
        };
        if (document is not null)
        {
            var file = new ByteArrayContent(document);
            file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            form.Add(file, "document", fileName);
        }
        return await host.PostAsync($"/api/v1/proposals/{id}/reply", form);
    }

    [Fact]
    public async Task Reply_WithPdf_TheProposersAndOfficeDownloadIt_AndTheChainHoldsIt()
    {
        var id = await Assigned("cppcc-061", "cppcc-062");
        var office = factory.Desk.CppccOffice();
        var host = factory.Desk.Handler("4407-mzj");
        var pdf = Pdf(Guid.NewGuid().ToString("N"));
        var version = (int)(await office.Proposal(id))["version"]!;

        var replied = await (await ReplyForm(host, id, version, pdf, "..\\folder/答复函\u202E.pdf")).Json(HttpStatusCode.OK);
        Assert.Equal(("replied", "B", "市民政局局长"), ((string?)replied["status"], (string?)replied["reply"]!["category"], (string?)replied["reply"]!["signedBy"]));
        var document = replied["reply"]!["document"]!;
        // The name without its folders or its direction-changing character; the size of the bytes sent.
        Assert.Equal(("答复函.pdf", pdf.Length, $"/api/v1/proposals/{id}/reply/document"),
            ((string?)document["name"], (int)document["size"]!, (string?)document["url"]));

        // The lead proposer, a co-signer and the office download the very bytes, as a PDF to save, never sniffed.
        foreach (var reader in new[] { factory.Desk.Member("cppcc-061"), factory.Desk.Member("cppcc-062"), office, host })
        {
            Assert.Equal((string?)document["url"], (string?)(await reader.Proposal(id))["reply"]!["document"]!["url"]);
            using var download = await reader.GetAsync((string)document["url"]!);
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
            Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
            Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal(pdf, await download.Content.ReadAsByteArrayAsync());
        }

        // It is not one of the matter's photos: the photos' endpoints neither list nor serve it.
        Assert.Empty((await office.GetAsync($"/api/v1/matters/{id}/attachments").Ok()).AsArray());

        // Audited: the reply's event lists it, the row names it, and the chain verifies with it.
        var sha = Convert.ToHexStringLower(SHA256.HashData(pdf));
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var reply = await db.Events.AsNoTracking().Where(e => e.MatterId == id && e.Action == "proposal-reply").SingleAsync();
        var listed = JsonNode.Parse(reply.Data)!["attachments"]!.AsArray().Single()!;
        Assert.Equal((sha, "application/pdf", pdf.Length), ((string?)listed["sha256"], (string?)listed["contentType"], (int)listed["size"]!));
        Assert.Equal(sha, await db.Set<Duban.Features.Proposals.Proposal>().Where(p => p.MatterId == id).Select(p => p.ReplyDocumentSha256).SingleAsync());
        Assert.True((await factory.Verify(db)).Intact);

        // Another PDF put in its place behind Duban's back (its own hash written beside it) is named by verify; put back.
        var stored = await db.Attachments.SingleAsync(a => a.MatterId == id);
        var (content, hash) = (stored.Content, stored.Sha256);
        var other = Pdf("replaced");
        stored.Content = other;
        stored.Sha256 = Convert.ToHexStringLower(SHA256.HashData(other));
        stored.Size = other.Length;
        await db.SaveChangesAsync();
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains($"matter id {id}", report.FirstProblem, StringComparison.Ordinal);
        }
        finally
        {
            (stored.Content, stored.Sha256, stored.Size) = (content, hash, content.Length);
            await db.SaveChangesAsync();
        }
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task Reply_WithAnythingButAPdf_IsRefusedNamingTheDocument_AndNothingIsKept()
    {
        var id = await Assigned("cppcc-063", "cppcc-064");
        var office = factory.Desk.CppccOffice();
        var host = factory.Desk.Handler("4407-mzj");
        var version = (int)(await office.Proposal(id))["version"]!;

        // A page named .pdf and sent as application/pdf is still not a PDF: the bytes decide.
        var html = Encoding.UTF8.GetBytes("<html><script>alert(1)</script></html>");
        var refused = await Task.FromResult(await ReplyForm(host, id, version, html, "答复函.pdf")).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.StartsWith("document", (string?)refused["title"], StringComparison.Ordinal);
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");
        Assert.StartsWith("document", (string?)(await Task.FromResult(await ReplyForm(host, id, version, png, "scan.png", "image/png"))
            .Problem(HttpStatusCode.BadRequest, "validation"))["title"], StringComparison.Ordinal);
        Assert.StartsWith("document", (string?)(await Task.FromResult(await ReplyForm(host, id, version, [], "empty.pdf"))
            .Problem(HttpStatusCode.BadRequest, "validation"))["title"], StringComparison.Ordinal);

        // Nothing of the refused replies: still assigned at the same version, no file stored.
        var after = await office.Proposal(id);
        Assert.Equal(("assigned", version), ((string?)after["status"], (int)after["version"]!));
        Assert.Null(after["reply"]);
        await using (var scope = factory.Scope())
            Assert.False(await factory.Db(scope).Attachments.AnyAsync(a => a.MatterId == id));

        // Without a document the form is a reply as the JSON one is, and has no document to download.
        var replied = await (await ReplyForm(host, id, version, null)).Json(HttpStatusCode.OK);
        Assert.Equal("replied", (string?)replied["status"]);
        Assert.Null(replied["reply"]!["document"]);
        await factory.Desk.Member("cppcc-063").GetAsync($"/api/v1/proposals/{id}/reply/document").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ReplyDocument_ForAnOutsider_IsNotFound()
    {
        var id = await Assigned("cppcc-065", "cppcc-066");
        var office = factory.Desk.CppccOffice();
        var version = (int)(await office.Proposal(id))["version"]!;
        await (await ReplyForm(factory.Desk.Handler("4407-mzj"), id, version, Pdf(Guid.NewGuid().ToString("N")))).Json(HttpStatusCode.OK);
        var url = $"/api/v1/proposals/{id}/reply/document";
        Assert.Equal(HttpStatusCode.OK, (await factory.Desk.Member("cppcc-065").GetAsync(url)).StatusCode);

        // Another member, another unit's handler, the other body's office: as if there were nothing (404).
        foreach (var outsider in new[] { factory.Desk.Member("cppcc-067"), factory.Desk.Handler("4407-jyj"), factory.Desk.NpcOffice() })
            await outsider.GetAsync(url).Problem(HttpStatusCode.NotFound);
        // Nor does another unit post a reply with a document to it.
        await Task.FromResult(await ReplyForm(factory.Desk.Handler("4407-jyj"), id, version + 1, Pdf("x"))).Problem(HttpStatusCode.NotFound);
    }
}
