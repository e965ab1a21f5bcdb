using System.Buffers.Binary;
using System.Text;
using CsCheck;
using Duban.Features.Attachments;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Attachments;

/// <summary>
/// Property tests (CsCheck) of the photo walker, over real images mutated (bytes changed,
/// inserted, deleted, cut short, segments and chunks of any kind spliced in) and over noise behind
/// each format's magic bytes: whatever the bytes, each walker refuses them (null) or returns bytes
/// that it takes back unchanged, and that hold only what is allowed; it never throws.
/// </summary>
public sealed class PhotoPropertyTests
{
    private static readonly byte[][] Seeds =
    [
        TestImages.PhoneJpeg(),
        TestImages.CleanJpeg,
        TestImages.Jpeg([TestImages.PhoneExif(6), TestImages.App0Jfif, TestImages.App2Icc, TestImages.App14Adobe]),
        TestImages.Jpeg([TestImages.App0Jfif, TestImages.PhoneExif(8, bigEndian: true)], [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD1, 0x78], between: [TestImages.Comment]),
        TestImages.Png(metadata: true),
        TestImages.Png(metadata: false),
        TestImages.WebP(metadata: true),
        TestImages.WebP(metadata: false),
    ];

    private static readonly string[] PngTypes = ["IHDR", "IDAT", "IEND", "PLTE", "tRNS", "gAMA", "tEXt", "eXIf", "tIME", "prVt", "acTL", "iCCP"];
    private static readonly string[] WebPTypes = ["VP8X", "VP8L", "VP8 ", "ALPH", "ANIM", "ANMF", "ICCP", "EXIF", "XMP ", "MAKR"];

    /// <summary>One change: what (0 overwrite, 1 insert, 2 delete, 3 cut short, 4 splice a JPEG segment, 5 a PNG chunk, 6 a RIFF chunk), where, with what.</summary>
    private static readonly Gen<(int Kind, int Where, byte[] Bytes)> Edit = Gen.Select(Gen.Int[0, 6], Gen.Int[0, int.MaxValue], Gen.Byte.Array[1, 12]);

    private static readonly Gen<byte[]> Mutated =
        Gen.Select(Gen.Int[0, Seeds.Length - 1], Edit.Array[1, 3], (seed, edits) => edits.Aggregate(Seeds[seed], Apply));

    private static readonly Gen<byte[]> Noise = Gen.Select<int, byte[], byte[]>(Gen.Int[0, 2], Gen.Byte.Array[0, 200], (format, tail) => format switch
    {
        0 => [0xFF, 0xD8, 0xFF, .. tail],
        1 => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. tail],
        _ => [.. "RIFF"u8, .. BitConverter.GetBytes((uint)(tail.Length + 4)), .. "WEBP"u8, .. tail],
    });

    private static byte[] Apply(byte[] b, (int Kind, int Where, byte[] Bytes) edit)
    {
        var at = b.Length == 0 ? 0 : edit.Where % (b.Length + 1);
        var (kind, bytes) = (edit.Kind, edit.Bytes);
        byte[] insert = kind switch
        {
            // A segment of a random marker, with a payload naming the device.
            4 => TestImages.Segment(bytes[0], [.. bytes, .. Encoding.ASCII.GetBytes(TestImages.Device)]),
            5 => TestImages.Chunk(PngTypes[bytes[0] % PngTypes.Length], [.. bytes, .. Encoding.ASCII.GetBytes(TestImages.Device)]),
            6 => TestImages.RiffChunk(WebPTypes[bytes[0] % WebPTypes.Length], [.. bytes, .. Encoding.ASCII.GetBytes(TestImages.Device)]),
            1 => bytes,
            _ => [],
        };
        return kind switch
        {
            0 => [.. b.AsSpan(0, at), .. bytes.AsSpan(0, Math.Min(bytes.Length, b.Length - at)), .. b.AsSpan(Math.Min(b.Length, at + bytes.Length))],
            2 => [.. b.AsSpan(0, at), .. b.AsSpan(Math.Min(b.Length, at + bytes.Length))],
            3 => b[..at],
            _ => [.. b.AsSpan(0, at), .. insert, .. b.AsSpan(at)],
        };
    }

    [Fact]
    public void Walkers_OnAnyBytes_RefuseOrReturnWhatTheyKeepUnchanged_AndOnlyWhatIsAllowed()
    {
        var stripped = 0;
        PropertyCheck.Sample(Gen.Frequency((4, Mutated), (1, Noise)), bytes =>
        {
            var jpeg = PhotoBytes.StripJpeg(bytes);
            if (jpeg is not null)
            {
                Interlocked.Increment(ref stripped);
                Assert.Equal(jpeg, PhotoBytes.StripJpeg(jpeg));
                Assert.Equal(PhotoBytes.Jpeg, PhotoBytes.Detect(jpeg));
                AssertOnlyAllowedJpeg(jpeg);
            }
            var png = PhotoBytes.StripPng(bytes);
            if (png is not null)
            {
                Interlocked.Increment(ref stripped);
                Assert.Equal(png, PhotoBytes.StripPng(png));
                Assert.All(PngChunks(png), type => Assert.True(PhotoBytes.PngKept.Contains(type), type));
            }
            var webp = PhotoBytes.StripWebP(bytes);
            if (webp is not null)
            {
                Interlocked.Increment(ref stripped);
                Assert.Equal(webp, PhotoBytes.StripWebP(webp));
                Assert.Equal(PhotoBytes.WebP, PhotoBytes.Detect(webp));
                AssertOnlyAllowedWebP(webp);
            }
        }, iter: 20_000);
        // The generator reaches images the walkers accept, not only refusals.
        Assert.True(stripped > 300, $"only {stripped} inputs were accepted");
    }

    [Fact]
    public void StripJpeg_AnyOrientation_IsKeptAlone()
    {
        PropertyCheck.Sample(Gen.Select(Gen.UShort, Gen.Bool), pair =>
        {
            var (orientation, bigEndian) = pair;
            var clean = PhotoBytes.StripJpeg(TestImages.Jpeg([TestImages.PhoneExif(orientation, bigEndian), TestImages.App0Jfif]))!;
            var segments = JpegSegments(clean);
            var exif = segments.Where(s => s.Marker == 0xE1).Select(s => s.Payload).ToList();
            if (orientation is >= 2 and <= 8) Assert.Equal(orientation, PhotoBytes.ExifOrientation(Assert.Single(exif)));
            else Assert.Empty(exif);
            Assert.False(TestImages.Contains(clean, TestImages.Device));
        }, iter: 2_000);
    }

    /// <summary>Every segment of a JPEG is one that <see cref="PhotoBytes.StripJpeg"/> may keep, and nothing follows its end.</summary>
    private static void AssertOnlyAllowedJpeg(byte[] jpeg)
    {
        foreach (var (marker, payload) in JpegSegments(jpeg))
        {
            var allowed = marker switch
            {
                >= 0xC0 and <= 0xCF and not 0xC8 => true, // frames, DHT, DAC
                >= 0xD0 and <= 0xD7 => true, // restarts
                >= 0xDA and <= 0xDF => true, // SOS, DQT, DNL, DRI, DHP, EXP
                0xE0 => payload.Length == 14 && payload.AsSpan().StartsWith("JFIF\0"u8) && payload[12] == 0 && payload[13] == 0,
                0xE1 => payload.Length == 32 && PhotoBytes.ExifOrientation(payload) is >= 2 and <= 8 && payload.AsSpan().SequenceEqual(PhotoBytes.OrientationSegment(PhotoBytes.ExifOrientation(payload)).AsSpan(4)),
                0xE2 => payload.AsSpan().StartsWith("ICC_PROFILE\0"u8),
                0xEE => payload.Length == 12 && payload.AsSpan().StartsWith("Adobe"u8),
                _ => false,
            };
            Assert.True(allowed, $"marker FF{marker:X2} kept");
        }
    }

    /// <summary>The segments of a JPEG that the walker kept, read independently of it; throws when something follows the end of the image.</summary>
    private static List<(byte Marker, byte[] Payload)> JpegSegments(byte[] b)
    {
        var list = new List<(byte, byte[])>();
        var i = 2;
        while (true)
        {
            Assert.Equal(0xFF, b[i]);
            while (b[i] == 0xFF) i++;
            var marker = b[i++];
            if (marker == 0xD9)
            {
                Assert.Equal(b.Length, i);
                return list;
            }
            if (marker is >= 0xD0 and <= 0xD7)
            {
                list.Add((marker, []));
                continue;
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(i));
            list.Add((marker, b.AsSpan(i + 2, length - 2).ToArray()));
            i += length;
            if (marker != 0xDA) continue;
            while (!(b[i] == 0xFF && b[i + 1] is not (0x00 or 0xFF or >= 0xD0 and <= 0xD7))) i++;
        }
    }

    private static List<string> PngChunks(byte[] png)
    {
        var list = new List<string>();
        for (var i = 8; i < png.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(i));
            list.Add(Encoding.ASCII.GetString(png, i + 4, 4));
            i += 12 + length;
        }
        Assert.Equal("IEND", list[^1]);
        return list;
    }

    private static void AssertOnlyAllowedWebP(byte[] webp)
    {
        Assert.Equal((uint)(webp.Length - 8), BinaryPrimitives.ReadUInt32LittleEndian(webp.AsSpan(4)));
        foreach (var (type, data) in RiffChunks(webp.AsSpan(12)))
        {
            Assert.True(PhotoBytes.WebPKept.Contains(type), type);
            if (type == "VP8X" && data.Length >= 10) Assert.Equal(0, data[0] & 0x0C);
            if (type == "ANMF") Assert.All(RiffChunks(data.AsSpan(16)), inner => Assert.Contains(inner.Type, (string[])["ALPH", "VP8 ", "VP8L"]));
        }
    }

    private static List<(string Type, byte[] Data)> RiffChunks(ReadOnlySpan<byte> b)
    {
        var list = new List<(string, byte[])>();
        for (var i = 0; i + 8 <= b.Length;)
        {
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(b[(i + 4)..]);
            list.Add((Encoding.ASCII.GetString(b.Slice(i, 4)), b.Slice(i + 8, size).ToArray()));
            i += 8 + size + (size & 1);
        }
        return list;
    }
}
