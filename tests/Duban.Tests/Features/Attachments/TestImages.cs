using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Duban.Tests.Features.Attachments;

/// <summary>
/// Small real images built byte by byte, with the metadata a phone writes: an 8×8 grey baseline
/// JPEG (one block, Huffman tables of one code each, so its scan is a single byte) that Chromium
/// decodes, and a 16×8 one (two blocks) for a photo's orientation; a 2×2 PNG, and a WebP container.
/// </summary>
public static class TestImages
{
    public const string Gps = "GPS 21.6512N 112.7912E";
    public const string Device = "Phone Model X-9";

    public static byte[] Segment(byte marker, byte[] payload) =>
        [0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2), .. payload];

    public static byte[] App0Jfif => Segment(0xE0, [.. "JFIF\0"u8, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    public static byte[] App1Exif => Segment(0xE1, [.. "Exif\0\0MM\0*"u8, .. Encoding.ASCII.GetBytes(Gps + ";" + Device)]);
    public static byte[] App1Xmp => Segment(0xE1, [.. "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Huang</x:xmpmeta>"u8]);
    public static byte[] App13Iptc => Segment(0xED, [.. "Photoshop 3.0\08BIM by Huang"u8]);
    public static byte[] Comment => Segment(0xFE, [.. "taken by Huang at home"u8]);
    public static byte[] Quantisation => Segment(0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);
    public static byte[] Frame => Segment(0xC0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
    // One code ('0') in each table: DC difference category 0, AC end of block.
    public static byte[] HuffmanDc => Segment(0xC4, [0x00, 1, .. new byte[15], 0x00]);
    public static byte[] HuffmanAc => Segment(0xC4, [0x10, 1, .. new byte[15], 0x00]);
    public static byte[] ScanHeader => Segment(0xDA, [1, 1, 0x00, 0, 63, 0]);
    // DC '0', EOB '0', padded with ones.
    public static readonly byte[] GreyScan = [0x3F];

    // 16×8: two blocks side by side, each DC '0', EOB '0'.
    public static byte[] WideFrame => Segment(0xC0, [8, 0, 8, 0, 16, 1, 1, 0x11, 0]);
    public static readonly byte[] WideScan = [0x0F];

    /// <summary>A JPEG: SOI, the segments given, the image's tables and frame, a scan, EOI, then a trailer.</summary>
    public static byte[] Jpeg(byte[][]? before = null, byte[]? scan = null, byte[]? trailer = null, byte[][]? between = null, byte[]? frame = null) =>
    [
        0xFF, 0xD8,
        .. (before ?? [App1Exif, App0Jfif, Comment]).SelectMany(s => s),
        .. Quantisation, .. (between ?? []).SelectMany(s => s), .. frame ?? Frame, .. HuffmanDc, .. HuffmanAc, .. ScanHeader,
        .. scan ?? GreyScan,
        0xFF, 0xD9,
        .. trailer ?? [],
    ];

    /// <summary>The same JPEG as a phone writes it: EXIF (GPS, device), XMP, IPTC, a comment, and a motion photo's trailer.</summary>
    public static byte[] PhoneJpeg(int trailerBytes = 64) =>
        Jpeg([App1Exif, App0Jfif, App1Xmp, App13Iptc, Comment], trailer: [.. "MotionPhoto_Data"u8, .. new byte[trailerBytes]]);

    /// <summary>
    /// A photo taken with the phone held upright, as the phone writes it: 16×8 pixels (landscape, as
    /// the sensor reads) and EXIF Orientation 6 (turn 90° clockwise to show: 8×16), with the GPS
    /// position and the device beside it.
    /// </summary>
    public static byte[] UprightPhoneJpeg => Jpeg([PhoneExif(6), App0Jfif], scan: WideScan, frame: WideFrame);

    /// <summary>What a stripped phone JPEG must be exactly: APP0 and the image, nothing else.</summary>
    public static byte[] CleanJpeg => Jpeg([App0Jfif]);

    /// <summary>An ICC profile's APP2 (its header only: enough to be kept).</summary>
    public static byte[] App2Icc => Segment(0xE2, [.. "ICC_PROFILE\0"u8, 1, 1, .. new byte[128]]);
    /// <summary>APP14 Adobe: version 100, flags, transform 1 (YCbCr).</summary>
    public static byte[] App14Adobe => Segment(0xEE, [.. "Adobe"u8, 0, 100, 0, 0, 0, 0, 1]);

    /// <summary>
    /// A little-endian EXIF (as most phones write it): IFD0 with Make, Model, Orientation, DateTime
    /// and a GPS directory holding the place; then the APP1 segment that carries it.
    /// </summary>
    public static byte[] PhoneExif(ushort orientation, bool bigEndian = false)
    {
        var tiff = new List<byte>();
        void U16(int v) { if (bigEndian) tiff.AddRange([(byte)(v >> 8), (byte)v]); else tiff.AddRange([(byte)v, (byte)(v >> 8)]); }
        void U32(int v) { if (bigEndian) tiff.AddRange([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]); else tiff.AddRange([(byte)v, (byte)(v >> 8), (byte)(v >> 16), (byte)(v >> 24)]); }
        var make = Encoding.ASCII.GetBytes("HUAWEI\0");
        var model = Encoding.ASCII.GetBytes(Device + "\0");
        var when = Encoding.ASCII.GetBytes("2026:11:02 09:00:00\0");
        var place = Encoding.ASCII.GetBytes(Gps + "\0");
        const int entries = 5;
        var ifd0End = 8 + 2 + 12 * entries + 4;
        int makeAt = ifd0End, modelAt = makeAt + make.Length, whenAt = modelAt + model.Length, gpsIfd = whenAt + when.Length;
        var placeAt = gpsIfd + 2 + 12 + 4;
        tiff.AddRange(bigEndian ? "MM"u8.ToArray() : "II"u8.ToArray());
        U16(42);
        U32(8);
        U16(entries);
        U16(0x010F); U16(2); U32(make.Length); U32(makeAt);
        U16(0x0110); U16(2); U32(model.Length); U32(modelAt);
        U16(0x0112); U16(3); U32(1); U16(orientation); U16(0);
        U16(0x0132); U16(2); U32(when.Length); U32(whenAt);
        U16(0x8825); U16(4); U32(1); U32(gpsIfd);
        U32(0);
        tiff.AddRange(make);
        tiff.AddRange(model);
        tiff.AddRange(when);
        U16(1);
        U16(0x001B); U16(7); U32(place.Length); U32(placeAt); // GPSProcessingMethod (UNDEFINED), standing in for the coordinates
        U32(0);
        tiff.AddRange(place);
        return Segment(0xE1, [.. "Exif\0\0"u8, .. tiff]);
    }

    public static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    /// <summary>A 2×2 RGB PNG (red, green / blue, white), with text and EXIF chunks when asked.</summary>
    public static byte[] Png(bool metadata)
    {
        byte[] ihdr = [0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0];
        byte[] raw = [0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255];
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);
        byte[][] chunks = metadata
            ?
            [
                Chunk("IHDR", ihdr), Chunk("tEXt", [.. "Author\0Huang"u8]), Chunk("eXIf", [.. "MM\0*"u8, .. Encoding.ASCII.GetBytes(Gps)]),
                Chunk("IDAT", compressed.ToArray()), Chunk("iTXt", [.. "Comment\0\0\0\0\0taken at home"u8]), Chunk("zTXt", [.. "Software\0\0"u8, 0x78, 0x9C, 3, 0, 0, 0, 0, 1]),
                Chunk("IEND", []),
            ]
            : [Chunk("IHDR", ihdr), Chunk("IDAT", compressed.ToArray()), Chunk("IEND", [])];
        return [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. chunks.SelectMany(c => c)];
    }

    public static byte[] RiffChunk(string type, byte[] data) =>
        [.. Encoding.ASCII.GetBytes(type), .. BitConverter.GetBytes((uint)data.Length), .. data, .. data.Length % 2 == 1 ? new byte[1] : []];

    /// <summary>A WebP container: VP8X (flags), an image chunk, and EXIF and XMP when asked.</summary>
    public static byte[] WebP(bool metadata)
    {
        byte flags = metadata ? (byte)(0x08 | 0x04) : (byte)0;
        byte[] body =
        [
            .. "WEBP"u8,
            .. RiffChunk("VP8X", [flags, 0, 0, 0, 1, 0, 0, 1, 0, 0]),
            .. RiffChunk("VP8L", [0x2F, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xFE, 0x07, 0x00]),
            .. metadata ? RiffChunk("EXIF", [.. "MM\0*"u8, .. Encoding.ASCII.GetBytes(Gps)]) : [],
            .. metadata ? RiffChunk("XMP ", [.. "<x:xmpmeta>Huang</x:xmpmeta>"u8]) : [],
        ];
        return [.. "RIFF"u8, .. BitConverter.GetBytes((uint)body.Length), .. body];
    }

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    public static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.ASCII.GetBytes(needle)) >= 0;
}
