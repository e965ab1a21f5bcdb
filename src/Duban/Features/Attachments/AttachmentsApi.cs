using Duban.Common;
using Duban.Data;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace Duban.Features.Attachments;

/// <summary>
/// A photo or document of a matter as listed (no bytes): <c>url</c> serves them; <c>action</c> is the event that
/// attached it (<c>register</c>, <c>complete</c>…; null for a portal's photo filed before schema 0045).
/// </summary>
public sealed record AttachmentView(long Id, string FileName, string ContentType, int Size, string Sha256, DateTimeOffset CreatedAt, string Url,
    string? Action = null);

/// <summary>
/// A matter's photos and staff documents, for those who see the matter (<see cref="MatterScope.Visible"/>): a matter out
/// of the reader's scope answers 404 exactly as a missing one, and so do its files. A file that shows who raised the
/// matter (a signed letter's pages, <see cref="Attachment.IdentifiesRaiser"/>) is listed and served only to those who may
/// read the sealed raiser (<see cref="MatterScope.MaySeeRaiserAsync"/>): to anyone else it is not there. The public's
/// tracking page never shows them (<c>PublicReportsApi</c> has no path to them).
/// </summary>
public sealed class AttachmentQueries(DubanDb db, MatterScope scope, UnitDirectory units)
{
    public async Task<Result<IReadOnlyList<AttachmentView>>> ListAsync(long matterId, Actor actor, CancellationToken ct)
    {
        if (await ReadableAsync(matterId, actor, ct) is not { } files) return Error.NotFound();
        var rows = await files.OrderBy(a => a.Id)
            .Select(a => new { a.Id, a.FileName, a.ContentType, a.Size, a.Sha256, a.CreatedAt, a.Action }).ToListAsync(ct);
        return rows.Select(a => new AttachmentView(a.Id, a.FileName, a.ContentType, a.Size, a.Sha256, a.CreatedAt, Url(matterId, a.Id), a.Action)).ToList();
    }

    /// <summary>One file with its bytes; 404 for a matter not seen, or a file not of this matter (or not the reader's to see).</summary>
    public async Task<Result<Attachment>> GetAsync(long matterId, long attachmentId, Actor actor, CancellationToken ct)
    {
        if (await ReadableAsync(matterId, actor, ct) is not { } files) return Error.NotFound();
        var attachment = await files.FirstOrDefaultAsync(a => a.Id == attachmentId, ct);
        return attachment is null ? Error.NotFound("附件不存在 / attachment not found") : attachment;
    }

    /// <summary>How many of the matter's files show who raised it and are not the reader's to see (the page says so, without them).</summary>
    public async Task<int> WithheldAsync(long matterId, Actor actor, CancellationToken ct)
    {
        var m = await scope.Visible(db.Matters.AsNoTracking(), db, actor).FirstOrDefaultAsync(x => x.Id == matterId, ct);
        if (m is null || await scope.MaySeeRaiserAsync(actor, m, units, ct)) return 0;
        return await Files(matterId).CountAsync(a => a.IdentifiesRaiser, ct);
    }

    /// <summary>
    /// The matter's files the reader may see, or null when the matter is not theirs to see: the images and what staff
    /// attached (<see cref="Attachment.Action"/> set). Other attachments (a proposal's reply PDF, Features/Proposals) are
    /// served by their own module under its own rules of who reads them, never here.
    /// </summary>
    private async Task<IQueryable<Attachment>?> ReadableAsync(long matterId, Actor actor, CancellationToken ct)
    {
        var m = await scope.Visible(db.Matters.AsNoTracking(), db, actor).FirstOrDefaultAsync(x => x.Id == matterId, ct);
        if (m is null) return null;
        var files = Files(matterId);
        return await scope.MaySeeRaiserAsync(actor, m, units, ct) ? files : files.Where(a => !a.IdentifiesRaiser);
    }

    private IQueryable<Attachment> Files(long matterId) =>
        db.Attachments.AsNoTracking().Where(a => a.MatterId == matterId && (a.ContentType.StartsWith("image/") || a.Action != null));

    public static string Url(long matterId, long attachmentId) => $"/api/v1/matters/{matterId}/attachments/{attachmentId}";
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
            .WithSummary("The matter's photos and staff attachments (without their bytes)").Produces<IReadOnlyList<AttachmentView>>().ProducesProblem(404);
        g.MapGet("/{attachmentId:long}", async (long id, long attachmentId, bool? download, AttachmentQueries queries, HttpContext http, CancellationToken ct) =>
            {
                var result = await queries.GetAsync(id, attachmentId, http.Actor(), ct);
                if (!result.IsSuccess) return ApiResults.Problem(result.Error!);
                var a = result.Value!;
                // A PDF is always a download: a browser's PDF viewer runs in the page (and does not run in the sandbox below).
                var disposition = new ContentDispositionHeaderValue(download == true || a.ContentType == StaffFiles.Pdf ? "attachment" : "inline");
                disposition.SetHttpFileName(a.FileName);
                var headers = http.Response.Headers;
                headers.ContentDisposition = disposition.ToString();
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                // Kept by this browser only, and asked again each time (a 304 after the scope check): who may see it can change.
                headers.CacheControl = "private, no-cache";
                return Results.Bytes(a.Content, a.ContentType, entityTag: new EntityTagHeaderValue("\"" + a.Sha256 + "\""));
            })
            .WithSummary("A photo's or document's bytes (inline; ?download=true as a file)")
            .Produces(200, null, "image/jpeg", "image/png", "image/webp", "application/pdf").ProducesProblem(404);
        return api;
    }
}
