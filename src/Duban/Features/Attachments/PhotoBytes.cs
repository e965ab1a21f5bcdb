using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Text;

namespace Duban.Features.Attachments;

/// <summary>
/// What a photo is, by its first bytes (never by its name or the browser's word), and the photo
/// without what could identify who took it: a phone's JPEG carries the GPS position, the time and
/// the device in its EXIF (APP1) segment, and a reporter who filed anonymously or in confidence
/// must not be found through a photo (信访工作条例 第三十一条、检举控告工作规则: 保护举报人).
/// Only what is on an allow-list stays (the image, its colours, a JPEG's orientation); the image
/// data itself is copied byte for byte.
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
    /// JPEG: a walk over the markers (ITU T.81 annex B) that keeps only what is allowed, byte for
    /// byte: the image's own segments (frames SOF0–SOF15, Huffman and arithmetic tables DHT and DAC,
    /// quantisation tables DQT, DRI, DNL, DHP, EXP, the scans and their entropy-coded data with its
    /// stuffed bytes and restart markers), APP0 as a bare JFIF header (version, units, density; a
    /// thumbnail goes), APP2 holding an ICC colour profile and APP14's Adobe colour transform. Every
    /// other segment goes: APP1 (EXIF with GPS and the camera; XMP), APP2's FlashPix and MPF, APP3 to
    /// APP13 and APP15 (makers' segments, Photoshop/IPTC), COM, JPGn and reserved markers, and
    /// whatever follows the end of the image (a motion photo's video, a maker's trailer). The EXIF
    /// orientation alone comes back, in an APP1 of its own (<see cref="OrientationSegment"/>), so a
    /// phone photo does not show sideways.
    /// </summary>
    public static byte[]? StripJpeg(ReadOnlySpan<byte> b)
    {
        if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8) return null;
        using var output = new MemoryStream(b.Length);
        output.Write([0xFF, 0xD8]);
        var i = 2;
        bool frame = false, scan = false, first = true;
        var orientationAt = 2; // after SOI, or after a JFIF header kept first (JFIF wants APP0 first)
        ushort orientation = 0;
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
                var result = output.ToArray();
                return orientation == 0 ? result : [.. result.AsSpan(0, orientationAt), .. OrientationSegment(orientation), .. result.AsSpan(orientationAt)];
            }
            if (marker is 0x00 or 0xD8) return null;
            if (marker is >= 0xD0 and <= 0xD7)
            {
                output.Write([0xFF, marker]); // RSTn: no payload
                continue;
            }
            if (marker == 0x01) continue; // TEM: no payload, no use outside arithmetic coding's tests
            if (i + 2 > b.Length) return null;
            var length = BinaryPrimitives.ReadUInt16BigEndian(b[i..]);
            if (length < 2 || i + length > b.Length) return null;
            var payload = b.Slice(i + 2, length - 2);
            var before = output.Length;
            if (IsImageSegment(marker))
            {
                output.Write([0xFF, marker]);
                output.Write(b.Slice(i, length));
            }
            else if (marker == 0xE0 && payload.Length >= 14 && payload.StartsWith("JFIF\0"u8))
            {
                // JFIF 1.02: identifier, version, units, densities; the thumbnail's size set to 0×0 and its pixels left out.
                output.Write([0xFF, 0xE0, 0x00, 16]);
                output.Write(payload[..12]);
                output.Write([0, 0]);
                if (first) orientationAt = (int)output.Length;
            }
            else if (marker == 0xE2 && payload.StartsWith(IccProfile))
            {
                output.Write([0xFF, marker]);
                output.Write(b.Slice(i, length));
            }
            else if (marker == 0xEE && payload.Length >= 12 && payload.StartsWith("Adobe"u8))
            {
                // Adobe: version, flags, and the colour transform a decoder needs (YCC, YCCK); nothing after.
                output.Write([0xFF, 0xEE, 0x00, 14]);
                output.Write(payload[..12]);
            }
            else if (marker == 0xE1 && orientation == 0)
            {
                orientation = ExifOrientation(payload);
            }
            first &= output.Length == before; // the first segment kept decides where the orientation goes
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
    /// The markers of the image itself, kept as they are: SOF0–SOF15 (C0–CF but C4, C8, CC), DHT
    /// (C4), DAC (CC), SOS (DA), DQT (DB), DNL (DC), DRI (DD), DHP (DE), EXP (DF).
    /// </summary>
    public static bool IsImageSegment(byte marker) => marker is >= 0xC0 and <= 0xCF and not 0xC8 or >= 0xDA and <= 0xDF;

    private static ReadOnlySpan<byte> IccProfile => "ICC_PROFILE\0"u8;
    private static ReadOnlySpan<byte> ExifHeader => "Exif\0\0"u8;

    /// <summary>
    /// The Orientation tag (0x0112) of an APP1 EXIF payload's first image directory (TIFF 6.0, EXIF
    /// 2.32 §4.6.4): 2 to 8 when the picture must be turned or mirrored to be upright; 0 when it
    /// need not be (1), or there is no such tag, or the EXIF cannot be read.
    /// </summary>
    public static ushort ExifOrientation(ReadOnlySpan<byte> payload)
    {
        if (!payload.StartsWith(ExifHeader)) return 0;
        var tiff = payload[ExifHeader.Length..];
        if (tiff.Length < 8) return 0;
        bool little;
        if (tiff[0] == 'I' && tiff[1] == 'I') little = true;
        else if (tiff[0] == 'M' && tiff[1] == 'M') little = false;
        else return 0;
        if (Read16(tiff[2..], little) != 42) return 0;
        var ifd = Read32(tiff[4..], little);
        if (ifd < 8 || ifd > tiff.Length - 2) return 0;
        var count = Read16(tiff[(int)ifd..], little);
        for (var n = 0; n < count; n++)
        {
            var at = (int)ifd + 2 + 12 * n;
            if (at + 12 > tiff.Length) return 0;
            var entry = tiff.Slice(at, 12);
            // SHORT (3), one value, held in the first two bytes of the value field.
            if (Read16(entry, little) != 0x0112) continue;
            if (Read16(entry[2..], little) != 3 || Read32(entry[4..], little) != 1) return 0;
            var value = Read16(entry[8..], little);
            return value is >= 2 and <= 8 ? value : (ushort)0;
        }
        return 0;
    }

    /// <summary>
    /// An APP1 segment holding nothing but an EXIF Orientation: a big-endian TIFF header and one
    /// directory of one entry (0x0112, SHORT, 1, the value), with no next directory.
    /// </summary>
    public static byte[] OrientationSegment(ushort orientation)
    {
        byte[] segment =
        [
            0xFF, 0xE1, 0x00, 2 + 6 + 26,
            .. "Exif\0\0"u8,
            (byte)'M', (byte)'M', 0x00, 42, 0, 0, 0, 8, // TIFF header, first directory at 8
            0x00, 0x01, // one entry
            0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0,
            0, 0, 0, 0, // no next directory
        ];
        return segment;
    }

    private static ushort Read16(ReadOnlySpan<byte> b, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

    private static uint Read32(ReadOnlySpan<byte> b, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);

    /// <summary>
    /// PNG: chunk by chunk (PNG 3rd edition, W3C 2025), keeping only the chunks that draw the
    /// picture and its colours (<see cref="PngKept"/>), each with its CRC, as it was. Everything else
    /// goes: text (tEXt, zTXt, iTXt: author, comments, software, sometimes a place), eXIf (EXIF,
    /// GPS), tIME (when), sPLT and hIST, an animated PNG's frames (acTL, fcTL, fdAT: the first image
    /// stays), makers' private chunks, and anything after IEND.
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
            if (PngKept.Contains(Encoding.ASCII.GetString(type)))
                output.Write(b.Slice(i, whole));
            i += whole;
            if (type.SequenceEqual("IEND"u8)) return output.ToArray();
        }
        return null; // no IEND: cut short
    }

    /// <summary>
    /// The PNG chunks kept: the critical ones (IHDR, PLTE, IDAT, IEND), transparency (tRNS), and
    /// those that say how to show the colours and the pixels' shape: cHRM, gAMA, iCCP, sBIT, sRGB,
    /// cICP, mDCV, cLLI, bKGD, pHYs.
    /// </summary>
    public static readonly FrozenSet<string> PngKept = FrozenSet.Create(StringComparer.Ordinal,
        "IHDR", "PLTE", "IDAT", "IEND", "tRNS", "cHRM", "gAMA", "iCCP", "sBIT", "sRGB", "cICP", "mDCV", "cLLI", "bKGD", "pHYs");

    /// <summary>
    /// The WebP chunks kept: the extended header (VP8X), the image (VP8, VP8L, ALPH), an
    /// animation's (ANIM, ANMF) and the colour profile (ICCP). Inside an animation's frame (ANMF)
    /// only ALPH, VP8 and VP8L.
    /// </summary>
    public static readonly FrozenSet<string> WebPKept = FrozenSet.Create(StringComparer.Ordinal,
        "VP8X", "VP8 ", "VP8L", "ALPH", "ANIM", "ANMF", "ICCP");

    private static readonly FrozenSet<string> WebPFrameKept = FrozenSet.Create(StringComparer.Ordinal, "ALPH", "VP8 ", "VP8L");

    /// <summary>
    /// WebP: RIFF chunks (RFC 9649), keeping only <see cref="WebPKept"/>: EXIF, XMP and every
    /// other chunk go, the VP8X header stops announcing EXIF and XMP, an animation frame keeps only
    /// its image chunks, and the RIFF size is written again. Image chunks are copied as they were.
    /// </summary>
    public static byte[]? StripWebP(ReadOnlySpan<byte> b)
    {
        if (b.Length < 20 || Detect(b) != WebP) return null;
        var riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(b[4..]);
        if (riffEnd < 12 || riffEnd > b.Length || RiffChunks(b[12..(int)riffEnd]) is not { } chunks) return null;
        using var output = new MemoryStream(b.Length);
        output.Write(b[..12]);
        var image = false;
        foreach (var (type, chunk) in chunks)
        {
            if (!WebPKept.Contains(type)) continue;
            var kept = chunk.ToArray();
            if (type == "VP8X" && kept.Length >= 18)
            {
                kept[8] &= unchecked((byte)~0x0C); // flags: E (EXIF, 0x08) and X (XMP, 0x04)
            }
            else if (type == "ANMF")
            {
                // Frame header (16 bytes: place, size, duration, flags), then the frame's own chunks.
                if (kept.Length < 8 + 16 || RiffChunks(kept.AsSpan(8 + 16)) is not { } inner) return null;
                var frame = new MemoryStream();
                frame.Write(kept, 0, 8 + 16);
                foreach (var (innerType, innerChunk) in inner)
                {
                    if (WebPFrameKept.Contains(innerType)) frame.Write(innerChunk);
                }
                kept = frame.ToArray();
                BinaryPrimitives.WriteUInt32LittleEndian(kept.AsSpan(4), (uint)(kept.Length - 8));
            }
            image |= type is "VP8 " or "VP8L" or "ANMF";
            output.Write(kept);
        }
        if (!image) return null;
        var result = output.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), (uint)(result.Length - 8));
        return result;
    }

    /// <summary>RIFF chunks one after the other (type, whole chunk with its padding), or null when one runs past the end.</summary>
    private static List<(string Type, byte[] Chunk)>? RiffChunks(ReadOnlySpan<byte> b)
    {
        var list = new List<(string, byte[])>();
        var i = 0;
        while (i + 8 <= b.Length)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(b[(i + 4)..]);
            var whole = 8L + size + (size & 1); // chunks are padded to an even size
            if (i + whole > b.Length) return null;
            list.Add((Encoding.ASCII.GetString(b.Slice(i, 4)), b.Slice(i, (int)whole).ToArray()));
            i += (int)whole;
        }
        return list;
    }
}
