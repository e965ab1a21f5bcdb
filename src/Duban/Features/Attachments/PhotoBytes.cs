using System.Buffers.Binary;

namespace Duban.Features.Attachments;

/// <summary>
/// What a photo is, by its first bytes (never by its name or the browser's word), and the photo
/// without what could identify who took it: a phone's JPEG carries the GPS position, the time and
/// the device in its EXIF (APP1) segment, and a reporter who filed anonymously or in confidence
/// must not be found through a photo (信访工作条例 第三十一条、检举控告工作规则: 保护举报人).
/// The image data itself is copied byte for byte: only whole metadata segments or chunks go.
/// </summary>
public static class PhotoBytes
{
    public const string Jpeg = "image/jpeg";
    public const string Png = "image/png";
    public const string WebP = "image/webp";

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The content type the magic bytes name: JPEG, PNG or WebP; null for anything else.</summary>
    public static string? Detect(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return Jpeg;
        if (b.StartsWith(PngSignature)) return Png;
        if (b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8) && b.Slice(8, 4).SequenceEqual("WEBP"u8)) return WebP;
        return null;
    }

    /// <summary>The image without its metadata, or null when its structure cannot be walked (not a readable image).</summary>
    public static byte[]? Strip(ReadOnlySpan<byte> bytes, string contentType) => contentType switch
    {
        Jpeg => StripJpeg(bytes),
        Png => StripPng(bytes),
        WebP => StripWebP(bytes),
        _ => null,
    };

    /// <summary>
    /// JPEG: a walk over the markers (ITU T.81 annex B). Dropped: APP1 (EXIF with GPS and the
    /// camera; XMP), APP13 (Photoshop/IPTC: author, caption, place), COM (comments), and whatever
    /// follows the end of the image (a motion photo's video, a maker's trailer). Kept byte for byte:
    /// everything else, the entropy-coded scans included (stuffed bytes and restart markers).
    /// </summary>
    public static byte[]? StripJpeg(ReadOnlySpan<byte> b)
    {
        if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8) return null;
        using var output = new MemoryStream(b.Length);
        output.Write([0xFF, 0xD8]);
        var i = 2;
        bool frame = false, scan = false;
        while (true)
        {
            if (i >= b.Length || b[i] != 0xFF) return null;
            while (i < b.Length && b[i] == 0xFF) i++; // fill bytes before a marker
            if (i >= b.Length) return null;
            var marker = b[i++];
            if (marker == 0xD9)
            {
                if (!frame || !scan) return null;
                output.Write([0xFF, 0xD9]);
                return output.ToArray();
            }
            if (marker is 0x00 or 0xD8) return null;
            if (marker is 0x01 or >= 0xD0 and <= 0xD7)
            {
                output.Write([0xFF, marker]); // standalone: TEM, RSTn
                continue;
            }
            if (i + 2 > b.Length) return null;
            var length = BinaryPrimitives.ReadUInt16BigEndian(b[i..]);
            if (length < 2 || i + length > b.Length) return null;
            if (marker is not (0xE1 or 0xED or 0xFE))
            {
                output.Write([0xFF, marker]);
                output.Write(b.Slice(i, length));
            }
            // SOFn: C0–CF but DHT (C4), JPG (C8) and DAC (CC).
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC)) frame = true;
            i += length;
            if (marker != 0xDA) continue;
            // Entropy-coded data: up to the next marker that is neither a stuffed 0xFF00 nor a restart.
            if (!frame) return null;
            scan = true;
            var start = i;
            while (true)
            {
                if (i + 1 >= b.Length) return null;
                if (b[i] == 0xFF && b[i + 1] is not (0x00 or 0xFF or >= 0xD0 and <= 0xD7)) break;
                i += b[i] == 0xFF && b[i + 1] != 0xFF ? 2 : 1;
            }
            output.Write(b[start..i]);
        }
    }

    /// <summary>
    /// PNG: chunk by chunk (ISO/IEC 15948); tEXt, iTXt, zTXt (text: author, comments, software,
    /// sometimes a place) and eXIf (EXIF, GPS) go; the rest, and each chunk's CRC, are copied as
    /// they were. Nothing after IEND is kept.
    /// </summary>
    public static byte[]? StripPng(ReadOnlySpan<byte> b)
    {
        if (!b.StartsWith(PngSignature)) return null;
        using var output = new MemoryStream(b.Length);
        output.Write(PngSignature);
        var i = PngSignature.Length;
        var first = true;
        while (i + 12 <= b.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(b[i..]);
            if (length > int.MaxValue || i + 12 + (long)length > b.Length) return null;
            var type = b.Slice(i + 4, 4);
            if (first && !type.SequenceEqual("IHDR"u8)) return null;
            first = false;
            var whole = 12 + (int)length;
            if (!(type.SequenceEqual("tEXt"u8) || type.SequenceEqual("iTXt"u8) || type.SequenceEqual("zTXt"u8) || type.SequenceEqual("eXIf"u8)))
                output.Write(b.Slice(i, whole));
            i += whole;
            if (type.SequenceEqual("IEND"u8)) return output.ToArray();
        }
        return null; // no IEND: cut short
    }

    /// <summary>
    /// WebP: RIFF chunks (Google's WebP container); EXIF and XMP chunks go, the VP8X header stops
    /// announcing them, and the RIFF size is written again. Image chunks are copied as they were.
    /// </summary>
    public static byte[]? StripWebP(ReadOnlySpan<byte> b)
    {
        if (b.Length < 20 || Detect(b) != WebP) return null;
        var riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(b[4..]);
        if (riffEnd > b.Length) return null;
        using var output = new MemoryStream(b.Length);
        output.Write(b[..12]);
        var i = 12;
        var image = false;
        while (i + 8 <= riffEnd)
        {
            var type = b.Slice(i, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(b[(i + 4)..]);
            var whole = 8L + size + (size & 1); // chunks are padded to an even size
            if (i + whole > riffEnd) return null;
            var chunk = b.Slice(i, (int)whole);
            if (type.SequenceEqual("EXIF"u8) || type.SequenceEqual("XMP "u8))
            {
                // dropped
            }
            else if (type.SequenceEqual("VP8X"u8) && size >= 10)
            {
                var header = chunk.ToArray();
                header[8] &= unchecked((byte)~0x0C); // flags: E (EXIF, 0x08) and X (XMP, 0x04)
                output.Write(header);
            }
            else
            {
                image |= type.SequenceEqual("VP8 "u8) || type.SequenceEqual("VP8L"u8) || type.SequenceEqual("ANMF"u8);
                output.Write(chunk);
            }
            i += (int)whole;
        }
        if (!image) return null;
        var result = output.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), (uint)(result.Length - 8));
        return result;
    }
}
