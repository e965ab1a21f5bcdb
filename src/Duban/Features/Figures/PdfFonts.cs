using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Duban.Common;
using PdfSharp.Fonts;

namespace Duban.Features.Figures;

/// <summary>A Chinese font face ready for PDFsharp: the name it is asked for, and the family its file names.</summary>
public sealed record PdfFace(string Key, string Family, string File);

/// <summary>
/// The Chinese font of the printed documents. <c>Duban:Pdf:FontFile</c> names a TrueType or
/// OpenType file or collection (.ttc); without it the defaults are tried in order. PDFsharp takes
/// one face, not a collection (FontResolverInfo's collection number is "not implemented"), so the
/// face is cut out of a .ttc here: its Simplified Chinese face (family ending in "SC") when it has
/// one, else its first. TrueType outlines are embedded as a subset of the glyphs used (tens of KB);
/// PDFsharp embeds a CFF-outline font such as Noto CJK whole (about 13 MB a document), hence
/// WenQuanYi Micro Hei first.
/// </summary>
public sealed class PdfFonts(IConfiguration configuration, ILogger<PdfFonts> logger)
{
    public static readonly string[] DefaultFiles =
    [
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    ];

    private readonly Lock gate = new();
    private Result<PdfFace>? face;

    /// <summary>The face, loaded once; an error (503) naming what was looked for when there is none.</summary>
    public Result<PdfFace> Face()
    {
        lock (gate)
        {
            // Only a face found is kept: a font installed later is found without a restart.
            if (face is { IsSuccess: true } found) return found;
            var loaded = Load();
            if (loaded.IsSuccess) face = loaded;
            return loaded;
        }
    }

    private Result<PdfFace> Load()
    {
        var configured = configuration["Duban:Pdf:FontFile"];
        var candidates = string.IsNullOrWhiteSpace(configured) ? DefaultFiles : [configured.Trim()];
        var file = candidates.FirstOrDefault(File.Exists);
        if (file is null)
        {
            return new Error(503, "pdf_font_missing",
                $"没有可用的中文字体，无法生成PDF；请安装 fonts-wqy-microhei 或 fonts-noto-cjk，或设置 Duban:Pdf:FontFile / no Chinese font for PDFs: looked for {string.Join(", ", candidates)}; install fonts-wqy-microhei or fonts-noto-cjk, or set Duban:Pdf:FontFile");
        }
        try
        {
            var (bytes, family) = FontFiles.ChineseFace(File.ReadAllBytes(file));
            if (FontFiles.IsCff(bytes))
                logger.LogWarning("PDF font {File} has CFF outlines: PDFsharp embeds it whole (about 13 MB a document); a TrueType-outline font (fonts-wqy-microhei) is subset", file);
            var key = "DubanPdf-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(file)))[..12];
            FaceResolver.Register(key, bytes, configuration["Duban:Pdf:LicenseKey"]);
            return new PdfFace(key, family, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentOutOfRangeException)
        {
            logger.LogError(e, "PDF font {File} cannot be read", file);
            return new Error(503, "pdf_font_unreadable", $"字体文件 {file} 无法读取或不是 TrueType/OpenType 字体 / the font file {file} cannot be read as a TrueType or OpenType font");
        }
    }
}

/// <summary>
/// PDFsharp's font resolver is one for the process (GlobalFontSettings): every face registered
/// here is served under its key, so that hosts with different font settings can live side by side.
/// </summary>
internal sealed class FaceResolver : IFontResolver
{
    private static readonly ConcurrentDictionary<string, byte[]> Faces = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();
    private static bool installed;

    public static void Register(string key, byte[] face, string? licenseKey)
    {
        Faces[key] = face;
        lock (Gate)
        {
            if (installed) return;
            // PDFsharp 6.5 requires choosing its licence in code: a commercial key when one is
            // configured, else the AGPL (README: the PDFs are made by AGPL-licensed code).
            if (string.IsNullOrWhiteSpace(licenseKey)) PdfSharp.PdfSharpLicense.SetAgplLicense();
            else PdfSharp.PdfSharpLicense.LoadLicense(licenseKey.Trim());
            GlobalFontSettings.FontResolver = new FaceResolver();
            installed = true;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        Faces.ContainsKey(familyName) ? new FontResolverInfo(familyName) : null;

    public byte[]? GetFont(string faceName) => Faces.GetValueOrDefault(faceName);
}

/// <summary>Just enough of the OpenType file format to cut one face out of a collection and read its family name.</summary>
public static class FontFiles
{
    private const uint CollectionTag = 0x74746366; // 'ttcf'
    private const uint CffTag = 0x43464620; // 'CFF '
    private const uint NameTag = 0x6E616D65; // 'name'

    /// <summary>The face to use (a collection's Simplified Chinese face, else its first) as a standalone font, and its family name.</summary>
    public static (byte[] Face, string Family) ChineseFace(byte[] file)
    {
        if (file.Length < 12) throw new InvalidDataException("too short for a font");
        if (BinaryPrimitives.ReadUInt32BigEndian(file) != CollectionTag) return (file, Family(file, 0));
        var count = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(8));
        if (count is < 1 or > 256) throw new InvalidDataException("not a font collection");
        var offsets = Enumerable.Range(0, count).Select(i => (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(12 + 4 * i))).ToList();
        var families = offsets.Select(o => Family(file, o)).ToList();
        var chosen = families.FindIndex(f => f.EndsWith(" SC", StringComparison.Ordinal));
        if (chosen < 0) chosen = 0;
        return (Extract(file, offsets[chosen]), families[chosen]);
    }

    /// <summary>Does the font hold PostScript (CFF) outlines rather than TrueType ones?</summary>
    public static bool IsCff(byte[] font) => Table(font, 0, CffTag) is not null;

    /// <summary>A face of a collection as a font file of its own: its table directory and tables, offsets rewritten.</summary>
    private static byte[] Extract(byte[] file, int offset)
    {
        var tables = Directory(file, offset);
        var header = 12 + 16 * tables.Count;
        var output = new byte[header + tables.Sum(t => (long)((t.Length + 3) & ~3))];
        file.AsSpan(offset, 12).CopyTo(output);
        var position = header;
        for (var i = 0; i < tables.Count; i++)
        {
            var (tag, checksum, at, length) = tables[i];
            var entry = output.AsSpan(12 + 16 * i);
            BinaryPrimitives.WriteUInt32BigEndian(entry, tag);
            BinaryPrimitives.WriteUInt32BigEndian(entry[4..], checksum);
            BinaryPrimitives.WriteUInt32BigEndian(entry[8..], (uint)position);
            BinaryPrimitives.WriteUInt32BigEndian(entry[12..], (uint)length);
            file.AsSpan(at, length).CopyTo(output.AsSpan(position));
            position += (length + 3) & ~3;
        }
        return output;
    }

    private static List<(uint Tag, uint Checksum, int Offset, int Length)> Directory(byte[] file, int offset)
    {
        var count = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(offset + 4));
        var tables = new List<(uint, uint, int, int)>(count);
        for (var i = 0; i < count; i++)
        {
            var entry = file.AsSpan(offset + 12 + 16 * i, 16);
            var (at, length) = ((int)BinaryPrimitives.ReadUInt32BigEndian(entry[8..]), (int)BinaryPrimitives.ReadUInt32BigEndian(entry[12..]));
            if (at < 0 || length < 0 || (long)at + length > file.Length) throw new InvalidDataException("a table lies outside the file");
            tables.Add((BinaryPrimitives.ReadUInt32BigEndian(entry), BinaryPrimitives.ReadUInt32BigEndian(entry[4..]), at, length));
        }
        return tables;
    }

    private static (int Offset, int Length)? Table(byte[] file, int offset, uint tag) =>
        Directory(file, offset).Where(t => t.Tag == tag).Select(t => ((int, int)?)(t.Offset, t.Length)).FirstOrDefault();

    /// <summary>The family name (name ID 1), from a Windows Unicode record (English first) or a Macintosh one.</summary>
    private static string Family(byte[] file, int offset)
    {
        if (Table(file, offset, NameTag) is not { } name) return "";
        var table = file.AsSpan(name.Offset, name.Length);
        int count = BinaryPrimitives.ReadUInt16BigEndian(table[2..]), strings = BinaryPrimitives.ReadUInt16BigEndian(table[4..]);
        string? best = null;
        for (var i = 0; i < count; i++)
        {
            var r = table.Slice(6 + 12 * i, 12);
            int platform = BinaryPrimitives.ReadUInt16BigEndian(r), language = BinaryPrimitives.ReadUInt16BigEndian(r[4..]);
            int id = BinaryPrimitives.ReadUInt16BigEndian(r[6..]), length = BinaryPrimitives.ReadUInt16BigEndian(r[8..]);
            int at = strings + BinaryPrimitives.ReadUInt16BigEndian(r[10..]);
            if (id != 1 || at + length > table.Length) continue;
            var bytes = table.Slice(at, length);
            if (platform == 3 && language == 0x0409) return Encoding.BigEndianUnicode.GetString(bytes);
            if (platform == 3) best ??= Encoding.BigEndianUnicode.GetString(bytes);
            else if (platform == 1) best ??= Encoding.Latin1.GetString(bytes);
        }
        return best ?? "";
    }
}
