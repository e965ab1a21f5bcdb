using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Duban.Features.Attachments;

/// <summary>Settings of the photos a report may carry (Duban:Attachments).</summary>
public sealed class AttachmentOptions
{
    public const string Section = "Duban:Attachments";

    /// <summary>Photos one report may carry.</summary>
    [Range(0, 10)]
    public int MaxPhotos { get; set; } = 3;

    /// <summary>The largest photo, in bytes, as uploaded (5 MB).</summary>
    [Range(1024, 20 * 1024 * 1024)]
    public int MaxPhotoBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Files staff may attach at one action (an outcome's photos and documents, a letter's scanned pages).</summary>
    [Range(0, 50)]
    public int MaxStaffFiles { get; set; } = 20;

    /// <summary>The largest file staff may attach, in bytes, as uploaded (10 MB); a request as a whole stays within Kestrel's 30,000,000 bytes.</summary>
    [Range(1024, 28 * 1024 * 1024)]
    public int MaxStaffFileBytes { get; set; } = 10 * 1024 * 1024;
}

/// <summary>A photo as it arrives: the name the browser gave it and its bytes.</summary>
public sealed record PhotoUpload(string? FileName, byte[] Bytes);

/// <summary>
/// A photo that passed <see cref="Photos.Check"/>: its type known from its bytes, its name made
/// safe, its metadata gone, its hash taken. Only <see cref="Photos"/> makes one.
/// </summary>
public sealed class Photo
{
    internal Photo(string fileName, string contentType, byte[] content)
    {
        FileName = fileName;
        ContentType = contentType;
        Content = content;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(content));
    }

    public string FileName { get; }
    public string ContentType { get; }
    public byte[] Content { get; }
    public string Sha256 { get; }

    /// <summary>The event that attaches it when staff attach it (<see cref="StaffFiles"/>); null for a portal's photo.</summary>
    public string? Action { get; internal set; }

    /// <summary>It shows who raised the matter (a signed letter's pages): shown only to those who may read the raiser.</summary>
    public bool IdentifiesRaiser { get; internal set; }
}

/// <summary>
/// The rules for the optional photos of a report (issue #6): at most <see cref="AttachmentOptions.MaxPhotos"/>,
/// each at most <see cref="AttachmentOptions.MaxPhotoBytes"/>, a JPEG, PNG or WebP by its magic
/// bytes, stripped of its metadata (<see cref="PhotoBytes"/>), under a name without a path or
/// control characters whose extension says what the bytes are.
/// </summary>
public static class Photos
{
    public const int MaxNameLength = 100;

    /// <summary>The photos ready to store, or the problems ("中文 / photo …", one per photo), never both.</summary>
    public static (IReadOnlyList<Photo> Photos, IReadOnlyList<string> Problems) Check(IReadOnlyList<PhotoUpload>? uploads, AttachmentOptions options)
    {
        if (uploads is null || uploads.Count == 0) return ([], []);
        var problems = new List<string>();
        if (uploads.Count > options.MaxPhotos)
            return ([], [$"最多上传 {options.MaxPhotos} 张照片 / photos: at most {options.MaxPhotos}"]);
        var photos = new List<Photo>(uploads.Count);
        var mb = (options.MaxPhotoBytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture);
        for (var n = 0; n < uploads.Count; n++)
        {
            var upload = uploads[n];
            var which = (n + 1).ToString(CultureInfo.InvariantCulture);
            if (upload.Bytes.Length == 0)
            {
                problems.Add($"第 {which} 张照片是空文件 / photo {which} is empty");
                continue;
            }
            if (upload.Bytes.Length > options.MaxPhotoBytes)
            {
                problems.Add($"第 {which} 张照片超过 {mb} MB / photo {which} is larger than {mb} MB");
                continue;
            }
            if (PhotoBytes.Detect(upload.Bytes) is not { } type)
            {
                problems.Add($"第 {which} 张照片不是 JPEG、PNG 或 WebP 图片 / photo {which} is not a JPEG, PNG or WebP image");
                continue;
            }
            if (PhotoBytes.Strip(upload.Bytes, type) is not { } clean)
            {
                problems.Add($"第 {which} 张照片已损坏，无法读取 / photo {which} is damaged and cannot be read");
                continue;
            }
            photos.Add(new Photo(SafeName(upload.FileName, type, n + 1), type, clean));
        }
        return problems.Count > 0 ? ([], problems) : (photos, []);
    }

    /// <summary>
    /// The last part of the name (no folders), without control or direction-changing characters,
    /// at most <see cref="MaxNameLength"/> characters, ending in the extension of what the bytes
    /// are (photo.html holding a JPEG becomes photo.jpg: a download never opens as a page).
    /// </summary>
    public static string SafeName(string? given, string contentType, int position)
    {
        var name = (given ?? "").Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        var sb = new StringBuilder(name.Length);
        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                || rune == Rune.ReplacementChar) continue;
            if (rune.Value is '"' or ':' or '*' or '?' or '<' or '>' or '|') sb.Append('_');
            else sb.Append(rune.ToString());
        }
        var extension = Extension(contentType);
        var stem = sb.ToString().Trim().Trim('.').Trim();
        var dot = stem.LastIndexOf('.');
        if (dot > 0) stem = stem[..dot].TrimEnd();
        if (stem.Length == 0) stem = "photo-" + position.ToString(CultureInfo.InvariantCulture);
        if (stem.Length > MaxNameLength - extension.Length)
        {
            var cut = MaxNameLength - extension.Length;
            if (char.IsHighSurrogate(stem[cut - 1])) cut--; // never half a character
            stem = stem[..cut].TrimEnd();
        }
        return stem + extension;
    }

    private static string Extension(string contentType) => contentType switch
    {
        PhotoBytes.Jpeg => ".jpg",
        PhotoBytes.Png => ".png",
        // A proposal's reply document (Features/Proposals/ReplyDocuments.cs) is named by the same rules.
        "application/pdf" => ".pdf",
        _ => ".webp",
    };
}
