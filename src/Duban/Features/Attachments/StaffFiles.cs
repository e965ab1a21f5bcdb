using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Data;

namespace Duban.Features.Attachments;

/// <summary>
/// Files staff attach to a matter (附件): at an action (an outcome's rectification photos and documents) or with a
/// registration at the desk (a letter's scanned pages). A PDF by its header (<c>%PDF-</c>, ISO 32000-1 7.5.2), or a
/// photo by its magic bytes and stripped as the portal's are (<see cref="PhotoBytes"/>); anything else is refused.
/// Each is hashed (SHA-256 of the stored bytes) and the action's event lists every hash and size, so the audit chain
/// covers them. Who sees them: those who see the matter (<see cref="AttachmentQueries"/>).
/// </summary>
public static class StaffFiles
{
    public const string Pdf = "application/pdf";

    /// <summary>The part of a multipart form, and the field a refusal names.</summary>
    public const string Field = "attachments";

    private static ReadOnlySpan<byte> PdfHeader => "%PDF-"u8;

    /// <summary>
    /// The files ready to store, or the problems ("attachments: file N … / 第 N 个附件…", one per file, every one said
    /// at once), never both. <paramref name="field"/> is the name the refusals give (the form's part).
    /// </summary>
    public static (IReadOnlyList<Photo> Files, IReadOnlyList<string> Problems) Check(IReadOnlyList<PhotoUpload>? uploads, AttachmentOptions options,
        string field = Field)
    {
        if (uploads is null || uploads.Count == 0) return ([], []);
        if (uploads.Count > options.MaxStaffFiles)
            return ([], [$"{field}: at most {options.MaxStaffFiles} files / 最多上传 {options.MaxStaffFiles} 个附件"]);
        var mb = (options.MaxStaffFileBytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture);
        var problems = new List<string>();
        var files = new List<Photo>(uploads.Count);
        for (var n = 0; n < uploads.Count; n++)
        {
            var bytes = uploads[n].Bytes;
            var which = (n + 1).ToString(CultureInfo.InvariantCulture);
            if (bytes.Length == 0)
            {
                problems.Add($"{field}: file {which} is empty / 第 {which} 个附件是空文件");
                continue;
            }
            if (bytes.Length > options.MaxStaffFileBytes)
            {
                problems.Add($"{field}: file {which} is larger than {mb} MB / 第 {which} 个附件超过 {mb} MB");
                continue;
            }
            if (bytes.AsSpan().StartsWith(PdfHeader))
            {
                files.Add(new Photo(Photos.SafeName(uploads[n].FileName, Pdf, n + 1), Pdf, bytes));
                continue;
            }
            if (PhotoBytes.Detect(bytes) is not { } type)
            {
                problems.Add($"{field}: file {which} is not a PDF, JPEG, PNG or WebP / 第 {which} 个附件不是 PDF 文件或 JPEG、PNG、WebP 图片");
                continue;
            }
            if (PhotoBytes.Strip(bytes, type) is not { } clean)
            {
                problems.Add($"{field}: file {which} is damaged and cannot be read / 第 {which} 个附件已损坏，无法读取");
                continue;
            }
            files.Add(new Photo(Photos.SafeName(uploads[n].FileName, type, n + 1), type, clean));
        }
        return problems.Count > 0 ? ([], problems) : (files, []);
    }

    /// <summary>
    /// The files chosen in a posted form's part (an empty part without a name is "none chosen"). Each is read up to
    /// one byte past the limit: enough for <see cref="Check"/> to refuse it, without holding more of it in memory.
    /// </summary>
    public static async Task<IReadOnlyList<PhotoUpload>> FromFormAsync(IFormCollection form, int maxBytes, CancellationToken ct, string field = Field)
    {
        var uploads = new List<PhotoUpload>();
        foreach (var file in form.Files.GetFiles(field))
        {
            if (file.Length == 0 && string.IsNullOrEmpty(file.FileName)) continue;
            await using var stream = file.OpenReadStream();
            var bytes = new byte[(int)Math.Min(file.Length, maxBytes + 1L)];
            await stream.ReadExactlyAsync(bytes, ct);
            uploads.Add(new PhotoUpload(file.FileName, bytes));
        }
        return uploads;
    }

    /// <summary>What the event records of each file: its hash, type and size (not its name, which the uploader chose).</summary>
    public static JsonArray EventData(IEnumerable<Photo> files) =>
        new([.. files.Select(f => (JsonNode)new JsonObject { ["sha256"] = f.Sha256, ["contentType"] = f.ContentType, ["size"] = f.Content.Length })]);

    /// <summary>The rows to store for the files, attached to the matter by <paramref name="action"/>.</summary>
    public static IEnumerable<Attachment> Rows(IEnumerable<Photo> files, long matterId, long? userId, DateTimeOffset now, string action,
        bool identifiesRaiser = false) =>
        files.Select(f => new Attachment
        {
            MatterId = matterId,
            FileName = f.FileName,
            ContentType = f.ContentType,
            Size = f.Content.Length,
            Sha256 = f.Sha256,
            Content = f.Content,
            CreatedAt = now,
            CreatedBy = userId,
            Action = action,
            IdentifiesRaiser = identifiesRaiser,
        });
}
