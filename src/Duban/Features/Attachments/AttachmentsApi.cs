using Duban.Common;
using Duban.Data;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace Duban.Features.Attachments;

/// <summary>A photo of a matter as listed (no bytes): <c>url</c> serves them.</summary>
public sealed record AttachmentView(long Id, string FileName, string ContentType, int Size, string Sha256, DateTimeOffset CreatedAt, string Url);

/// <summary>
/// A matter's photos, for those who see the matter (<see cref="MatterScope.Visible"/>): a matter out
/// of the reader's scope answers 404 exactly as a missing one, and so do its photos. The public's
/// tracking page never shows them (<c>PublicReportsApi</c> has no path to them).
/// </summary>
public sealed class AttachmentQueries(DubanDb db, MatterScope scope)
{
    public async Task<Result<IReadOnlyList<AttachmentView>>> ListAsync(long matterId, Actor actor, CancellationToken ct)
    {
        if (!await SeesAsync(matterId, actor, ct)) return Error.NotFound();
        var rows = await Photos(matterId).OrderBy(a => a.Id)
            .Select(a => new { a.Id, a.FileName, a.ContentType, a.Size, a.Sha256, a.CreatedAt }).ToListAsync(ct);
        return rows.Select(a => new AttachmentView(a.Id, a.FileName, a.ContentType, a.Size, a.Sha256, a.CreatedAt, Url(matterId, a.Id))).ToList();
    }

    /// <summary>One photo with its bytes; 404 for a matter not seen, or a photo not of this matter.</summary>
    public async Task<Result<Attachment>> GetAsync(long matterId, long attachmentId, Actor actor, CancellationToken ct)
    {
        if (!await SeesAsync(matterId, actor, ct)) return Error.NotFound();
        var attachment = await Photos(matterId).FirstOrDefaultAsync(a => a.Id == attachmentId, ct);
        return attachment is null ? Error.NotFound("附件不存在 / attachment not found") : attachment;
    }

    /// <summary>
    /// The matter's photos: the images. Other attachments (a proposal's reply PDF, Features/Proposals) are served by
    /// their own module under its own rules of who reads them, never here.
    /// </summary>
    private IQueryable<Attachment> Photos(long matterId) =>
        db.Attachments.AsNoTracking().Where(a => a.MatterId == matterId && a.ContentType.StartsWith("image/"));

    public static string Url(long matterId, long attachmentId) => $"/api/v1/matters/{matterId}/attachments/{attachmentId}";

    private Task<bool> SeesAsync(long matterId, Actor actor, CancellationToken ct) =>
        scope.Visible(db.Matters.AsNoTracking(), db, actor).AnyAsync(m => m.Id == matterId, ct);
}

public static class AttachmentsApi
{
    public static IServiceCollection AddDubanAttachments(this IServiceCollection services)
    {
        services.AddOptions<AttachmentOptions>().BindConfiguration(AttachmentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<AttachmentQueries>();
        return services;
    }

    /// <summary>
    /// Served to the signed-in (the API's token or the console's cookie): an image inline, as the
    /// type its bytes proved, never sniffed, in a sandbox with no script; <c>?download=true</c> as a file.
    /// </summary>
    public const string ContentSecurityPolicy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

    public static RouteGroupBuilder MapAttachmentsApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/matters/{id:long}/attachments").RequireAuthorization().WithTags("Matters");
        g.MapGet("", async (long id, AttachmentQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.ListAsync(id, http.Actor(), ct)))
            .WithSummary("The matter's photos (without their bytes)").Produces<IReadOnlyList<AttachmentView>>().ProducesProblem(404);
        g.MapGet("/{attachmentId:long}", async (long id, long attachmentId, bool? download, AttachmentQueries queries, HttpContext http, CancellationToken ct) =>
            {
                var result = await queries.GetAsync(id, attachmentId, http.Actor(), ct);
                if (!result.IsSuccess) return ApiResults.Problem(result.Error!);
                var a = result.Value!;
                var disposition = new ContentDispositionHeaderValue(download == true ? "attachment" : "inline");
                disposition.SetHttpFileName(a.FileName);
                var headers = http.Response.Headers;
                headers.ContentDisposition = disposition.ToString();
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                // Kept by this browser only, and asked again each time (a 304 after the scope check): who may see it can change.
                headers.CacheControl = "private, no-cache";
                return Results.Bytes(a.Content, a.ContentType, entityTag: new EntityTagHeaderValue("\"" + a.Sha256 + "\""));
            })
            .WithSummary("A photo's bytes (inline; ?download=true as a file)")
            .Produces(200, null, "image/jpeg", "image/png", "image/webp").ProducesProblem(404);
        return api;
    }
}
