using System.Globalization;
using System.Security.Cryptography;
using Duban.Common;
using Duban.Data;
using Duban.Features.Attachments;
using Duban.Features.Matters;
using Duban.Features.Proposals.Actions;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Proposals;

/// <summary>A PDF as the host uploaded it with the reply: its name as the browser sent it, its bytes.</summary>
public sealed record ReplyDocumentUpload(string? FileName, ReadOnlyMemory<byte> Bytes);

/// <summary>The reply's PDF as a reader of the proposal sees it: <c>url</c> serves it.</summary>
public sealed record ReplyDocumentView(string Name, int Size, string Url);

/// <summary>
/// The reply's document (答复函): a PDF the host may upload with its reply, kept in Features/Attachments' table
/// (<c>attachments</c>, the matter's), its SHA-256 on the proposal's row and in the reply's event. Served only to those who
/// read the proposal (<see cref="ProposalAccess.MaySee"/>): everyone else is answered 404, as for the proposal itself.
/// </summary>
public static class ReplyDocuments
{
    public const string ContentType = "application/pdf";

    /// <summary>The form part (and the field the refusals name).</summary>
    public const string Field = "document";

    /// <summary>Every PDF begins with its header (ISO 32000-1, 7.5.2: <c>%PDF-1.n</c>).</summary>
    private static ReadOnlySpan<byte> Header => "%PDF-"u8;

    /// <summary>The attachment to store, or the refusal naming <c>document</c>.</summary>
    public static Result<Attachment> Check(ReplyDocumentUpload upload, int maxBytes, long matterId, long? userId, DateTimeOffset now)
    {
        var bytes = upload.Bytes.Span;
        if (bytes.Length == 0) return Error.Validation("document is an empty file / 答复文件是空文件");
        if (bytes.Length > maxBytes)
        {
            var mb = (maxBytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture);
            return Error.Validation($"document is larger than {mb} MB / 答复文件超过 {mb} MB");
        }
        if (!bytes.StartsWith(Header)) return Error.Validation("document is not a PDF / 答复文件不是 PDF 文件");
        var name = Photos.SafeName(string.IsNullOrWhiteSpace(upload.FileName) ? "reply.pdf" : upload.FileName, ContentType, 1);
        return new Attachment
        {
            MatterId = matterId,
            FileName = name,
            ContentType = ContentType,
            Size = bytes.Length,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            Content = bytes.ToArray(),
            CreatedAt = now,
            CreatedBy = userId,
        };
    }

    /// <summary>
    /// The PDF chosen in a posted form's <c>document</c> part, or null when none was (an empty part without a name is
    /// "none chosen"). Read up to one byte past the limit: enough for <see cref="Check"/> to refuse it.
    /// </summary>
    public static async Task<ReplyDocumentUpload?> FromFormAsync(IFormCollection form, int maxBytes, CancellationToken ct)
    {
        if (form.Files.GetFile(Field) is not { } file || (file.Length == 0 && string.IsNullOrEmpty(file.FileName))) return null;
        await using var stream = file.OpenReadStream();
        var bytes = new byte[(int)Math.Min(file.Length, maxBytes + 1L)];
        await stream.ReadExactlyAsync(bytes, ct);
        return new ReplyDocumentUpload(file.FileName, bytes);
    }

    /// <summary>The reply as a multipart form (<c>version</c>, <c>category</c>, <c>text</c>, <c>signedBy</c>, <c>document</c>).</summary>
    public static async Task<Result<ReplyProposalRequest>> RequestFromFormAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        var form = await request.ReadFormAsync(ct);
        static string? Value(IFormCollection f, string name) => f.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString() : null;
        int? version = null;
        if (Value(form, "version") is { } v)
        {
            if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return Error.Validation("version must be a whole number / 版本号必须是整数");
            version = n;
        }
        return new ReplyProposalRequest(version, Value(form, "category"), Value(form, "text"), Value(form, "signedBy"))
        {
            Document = await FromFormAsync(form, maxBytes, ct),
        };
    }

    public static string Url(long proposalId) => $"/api/v1/proposals/{proposalId}/reply/document";

    /// <summary>The latest reply's document of a proposal (named by its row's SHA-256), without its bytes.</summary>
    public static async Task<ReplyDocumentView?> ViewAsync(DubanDb db, long matterId, string? sha256, CancellationToken ct)
    {
        if (sha256 is null) return null;
        var a = await Latest(db, matterId, sha256).Select(x => new { x.FileName, x.Size }).FirstOrDefaultAsync(ct);
        return a is null ? null : new ReplyDocumentView(a.FileName, a.Size, Url(matterId));
    }

    /// <summary>The document with its bytes, for a reader of the proposal; 404 for anyone else, or when the reply has none.</summary>
    public static async Task<Result<Attachment>> GetAsync(DubanDb db, ProposalAccess access, MatterFacets facets, long id, Actor actor, CancellationToken ct)
    {
        var m = await db.Matters.AsNoTracking().Include(x => x.Assignments).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (m is null || Bodies.BodyOf(m.Kind) is null) return Error.NotFound(ProposalAccess.NotFoundText);
        await facets.LoadAsync(db, [m], tracked: false, ct);
        var state = ProposalFacet.Of(m);
        if (state.Row is not { } p || !access.MaySee(actor, m, state)) return Error.NotFound(ProposalAccess.NotFoundText);
        if (p.ReplyDocumentSha256 is not { } sha) return Error.NotFound("答复没有附件 / the reply has no document");
        var a = await Latest(db, m.Id, sha).FirstOrDefaultAsync(ct);
        return a is null ? Error.NotFound("答复没有附件 / the reply has no document") : a;
    }

    private static IQueryable<Attachment> Latest(DubanDb db, long matterId, string sha256) =>
        db.Attachments.AsNoTracking().Where(a => a.MatterId == matterId && a.Sha256 == sha256 && a.ContentType == ContentType).OrderByDescending(a => a.Id);
}
