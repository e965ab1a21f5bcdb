using System.Buffers.Binary;
using System.Text;
using Duban.Features.Attachments;

namespace Duban.Tests.Features.Attachments;

/// <summary>The photo rules without a database: type by magic bytes, metadata stripped, size, count, names.</summary>
public sealed class PhotoRulesTests
{
    private static readonly AttachmentOptions Defaults = new();

    [Fact]
    public void Detect_ReadsTheMagicBytes_NotTheName()
    {
        Assert.Equal("image/jpeg", PhotoBytes.Detect(TestImages.PhoneJpeg()));
        Assert.Equal("image/png", PhotoBytes.Detect(TestImages.Png(metadata: true)));
        Assert.Equal("image/webp", PhotoBytes.Detect(TestImages.WebP(metadata: true)));
        Assert.Null(PhotoBytes.Detect("GIF89a\x01\0\x01\0"u8));
        Assert.Null(PhotoBytes.Detect("<html><script>alert(1)</script>"u8));
        Assert.Null(PhotoBytes.Detect([.. "RIFF"u8, 4, 0, 0, 0, .. "WAVE"u8]));

        // A page named like a photo is refused; a JPEG named like a page is a JPEG, and is named so.
        var (photos, problems) = Photos.Check([new PhotoUpload("现场.jpg", "<html>not a photo</html>"u8.ToArray())], Defaults);
        Assert.Empty(photos);
        Assert.Contains("photo 1 is not a JPEG, PNG or WebP image", Assert.Single(problems), StringComparison.Ordinal);
        var (renamed, none) = Photos.Check([new PhotoUpload("evil.html", TestImages.PhoneJpeg())], Defaults);
        Assert.Empty(none);
        Assert.Equal(("evil.jpg", "image/jpeg"), (renamed[0].FileName, renamed[0].ContentType));
    }

    [Fact]
    public void StripJpeg_RemovesExifXmpIptcCommentsAndTrailer_KeepingTheImageByteForByte()
    {
        var phone = TestImages.PhoneJpeg();
        Assert.True(TestImages.Contains(phone, TestImages.Gps));

        var clean = PhotoBytes.StripJpeg(phone)!;

        // Exactly the image with its JFIF header: quantisation, frame, Huffman tables, scan and EOI untouched.
        Assert.Equal(TestImages.CleanJpeg, clean);
        foreach (var secret in new[] { TestImages.Gps, TestImages.Device, "Exif", "xmpmeta", "Huang", "MotionPhoto" })
        {
            Assert.False(TestImages.Contains(clean, secret), secret);
        }
        Assert.Equal([0xFF, 0xD8], clean[..2]);
        Assert.Equal([0xFF, 0xD9], clean[^2..]);
        // Already clean: unchanged.
        Assert.Equal(clean, PhotoBytes.StripJpeg(clean));
    }

    [Fact]
    public void StripJpeg_CopiesScanDataWithStuffedBytesAndRestarts_AndDropsMetadataBetweenSegments()
    {
        // Entropy-coded data holding FF00 (a stuffed FF), a restart marker (FFD0) and fill bytes,
        // which a naive search for the next marker would misread; and a comment between the tables.
        byte[] scan = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0x00, 0xFF, 0xD1, 0x78];
        var withMetadata = TestImages.Jpeg([TestImages.App0Jfif, TestImages.App1Exif], scan, between: [TestImages.Comment]);
        var expected = TestImages.Jpeg([TestImages.App0Jfif], scan);

        Assert.Equal(expected, PhotoBytes.StripJpeg(withMetadata));
    }

    [Fact]
    public void StripJpeg_RefusesWhatIsNotAWholeJpeg()
    {
        var whole = TestImages.PhoneJpeg(trailerBytes: 0);
        Assert.Null(PhotoBytes.StripJpeg(whole.AsSpan(0, whole.Length - 30))); // cut short: no end of image
        Assert.Null(PhotoBytes.StripJpeg([0xFF, 0xD8, 0xFF, 0xD9])); // no frame, no scan
        byte[] lying = [.. whole];
        lying[4] = 0xFF; // the first segment claims more bytes than there are
        Assert.Null(PhotoBytes.StripJpeg(lying));
        Assert.Null(PhotoBytes.StripJpeg([0xFF, 0xD8, 0xFF, 0xE1, 0x00]));
    }

    [Fact]
    public void StripJpeg_KeepsOnlyTheAllowedSegments_EveryOtherApplicationSegmentAndMarkerGoes()
    {
        // Makers' segments that a denylist of APP1, APP13 and COM let through, each naming the device.
        var device = Encoding.ASCII.GetBytes(TestImages.Device);
        byte[][] makers = [.. new byte[] { 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xEF }
            .Select(marker => TestImages.Segment(marker, [.. "Maker\0"u8, .. device]))];
        // A JFIF header carrying a 5×1 thumbnail (its pixels the device's name), a JFXX thumbnail,
        // FlashPix in APP2, an Adobe segment with bytes after its colour transform, a JPG0 extension.
        var jfifWithThumbnail = TestImages.Segment(0xE0, [.. "JFIF\0"u8, 1, 1, 0, 0, 1, 0, 1, 5, 1, .. device]);
        var jfxx = TestImages.Segment(0xE0, [.. "JFXX\0"u8, 0x10, .. device]);
        var flashPix = TestImages.Segment(0xE2, [.. "FPXR\0"u8, 0, .. device]);
        var adobeLong = TestImages.Segment(0xEE, [.. "Adobe"u8, 0, 100, 0, 0, 0, 0, 1, .. device]);
        var extension = TestImages.Segment(0xF0, device);
        var tagged = TestImages.Jpeg([jfifWithThumbnail, TestImages.App2Icc, adobeLong, .. makers, jfxx, flashPix], between: [extension, makers[^1]]);
        Assert.True(TestImages.Contains(tagged, TestImages.Device));

        var clean = PhotoBytes.StripJpeg(tagged)!;

        Assert.False(TestImages.Contains(clean, TestImages.Device));
        Assert.Equal(TestImages.Jpeg([TestImages.App0Jfif, TestImages.App2Icc, TestImages.App14Adobe]), clean);
        Assert.Equal(clean, PhotoBytes.StripJpeg(clean));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StripJpeg_KeepsAPhonePhotosOrientation_AloneInAnExifOfItsOwn(bool bigEndian)
    {
        // A phone held upright writes a landscape image and Orientation 6 (turn 90° clockwise to show).
        var phone = TestImages.Jpeg([TestImages.PhoneExif(6, bigEndian), TestImages.App0Jfif, TestImages.App1Xmp]);
        foreach (var secret in new[] { TestImages.Gps, TestImages.Device, "HUAWEI", "2026:11:02" })
            Assert.True(TestImages.Contains(phone, secret), secret);

        var clean = PhotoBytes.StripJpeg(phone)!;

        // After the JFIF header (which JFIF wants first): an APP1 of a big-endian TIFF whose one
        // directory holds one entry, Orientation (0x0112), SHORT, 1 value: 6; no next directory.
        byte[] orientationOnly =
        [
            0xFF, 0xE1, 0x00, 0x22, .. "Exif\0\0"u8, .. "MM\0*"u8, 0, 0, 0, 8,
            0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0,
        ];
        Assert.Equal(TestImages.Jpeg([TestImages.App0Jfif, orientationOnly]), clean);
        foreach (var secret in new[] { TestImages.Gps, TestImages.Device, "HUAWEI", "2026:11:02", "xmpmeta" })
            Assert.False(TestImages.Contains(clean, secret), secret);
        Assert.Equal(6, PhotoBytes.ExifOrientation(orientationOnly.AsSpan(4)));
        Assert.Equal(clean, PhotoBytes.StripJpeg(clean));

        // Upright (1) needs nothing: no EXIF at all.
        Assert.Equal(TestImages.CleanJpeg, PhotoBytes.StripJpeg(TestImages.Jpeg([TestImages.PhoneExif(1), TestImages.App0Jfif])));
        // Without a JFIF header the orientation comes first, right after the start of the image.
        Assert.Equal(TestImages.Jpeg([orientationOnly]), PhotoBytes.StripJpeg(TestImages.Jpeg([TestImages.PhoneExif(6)])));
    }

    [Fact]
    public void StripPng_KeepsOnlyTheImageAndColourChunks()
    {
        var device = Encoding.ASCII.GetBytes(TestImages.Device);
        var plain = TestImages.Png(metadata: false);
        var ihdr = plain.AsSpan(8, 25).ToArray();
        var idat = plain.AsSpan(33, plain.Length - 33 - 12).ToArray();
        byte[] gama = TestImages.Chunk("gAMA", [0, 0, 0xB1, 0x8F]), srgb = TestImages.Chunk("sRGB", [0]), phys = TestImages.Chunk("pHYs", [0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1]);
        byte[] tagged =
        [
            .. plain.AsSpan(0, 8), .. ihdr, .. gama, .. srgb,
            .. TestImages.Chunk("tIME", [0x07, 0xEA, 11, 2, 9, 0, 0]), .. TestImages.Chunk("sPLT", [.. device, 0, 8]),
            .. TestImages.Chunk("acTL", [0, 0, 0, 1, 0, 0, 0, 0]), .. TestImages.Chunk("prVt", device), .. phys,
            .. idat, .. TestImages.Chunk("fdAT", device), .. TestImages.Chunk("caBX", device), .. TestImages.Chunk("IEND", []),
        ];

        var clean = PhotoBytes.StripPng(tagged)!;

        Assert.Equal(["IHDR", "gAMA", "sRGB", "pHYs", "IDAT", "IEND"], Chunks(clean).Select(c => c.Type));
        Assert.False(TestImages.Contains(clean, TestImages.Device));
        Assert.Equal(clean, PhotoBytes.StripPng(clean));
    }

    [Fact]
    public void StripWebP_KeepsOnlyTheImageChunks_InsideAnimationFramesToo()
    {
        var device = Encoding.ASCII.GetBytes(TestImages.Device);
        byte[] image = [0x2F, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xFE, 0x07, 0x00];
        byte[] frame(bool tagged) => TestImages.RiffChunk("ANMF", [.. new byte[16], .. TestImages.RiffChunk("VP8L", image), .. tagged ? TestImages.RiffChunk("MAKR", device) : []]);
        byte[] webp(bool tagged)
        {
            byte[] body =
            [
                .. "WEBP"u8, .. TestImages.RiffChunk("VP8X", [0x02, 0, 0, 0, 1, 0, 0, 1, 0, 0]), .. TestImages.RiffChunk("ANIM", [0, 0, 0, 0, 0, 0]),
                .. frame(tagged), .. tagged ? TestImages.RiffChunk("MAKR", device) : [], .. tagged ? TestImages.RiffChunk("GPS ", device) : [],
            ];
            return [.. "RIFF"u8, .. BitConverter.GetBytes((uint)body.Length), .. body];
        }

        var clean = PhotoBytes.StripWebP(webp(tagged: true))!;

        Assert.False(TestImages.Contains(clean, TestImages.Device));
        Assert.Equal(webp(tagged: false), clean);
        Assert.Equal(clean, PhotoBytes.StripWebP(clean));
    }

    [Fact]
    public void StripPng_RemovesTextAndExifChunks_KeepingTheImageChunksAndTheirCrcs()
    {
        var tagged = TestImages.Png(metadata: true);
        Assert.True(TestImages.Contains(tagged, TestImages.Gps));

        var clean = PhotoBytes.StripPng(tagged)!;

        Assert.Equal(TestImages.Png(metadata: false), clean);
        Assert.Equal(["IHDR", "IDAT", "IEND"], Chunks(clean).Select(c => c.Type));
        Assert.All(Chunks(clean), c => Assert.True(c.CrcOk, c.Type));
        Assert.False(TestImages.Contains(clean, TestImages.Gps));
        Assert.False(TestImages.Contains(clean, "Huang"));
        Assert.Null(PhotoBytes.StripPng(tagged.AsSpan(0, tagged.Length - 12))); // no IEND
    }

    [Fact]
    public void StripWebP_RemovesExifAndXmp_ClearsTheirFlags_AndRewritesTheRiffSize()
    {
        var tagged = TestImages.WebP(metadata: true);
        var clean = PhotoBytes.StripWebP(tagged)!;

        Assert.False(TestImages.Contains(clean, TestImages.Gps));
        Assert.False(TestImages.Contains(clean, "xmpmeta"));
        Assert.Equal((uint)(clean.Length - 8), BinaryPrimitives.ReadUInt32LittleEndian(clean.AsSpan(4)));
        Assert.Equal(0, clean[20] & 0x0C); // VP8X flags: no EXIF, no XMP announced
        Assert.Equal(TestImages.WebP(metadata: false), clean);
    }

    [Fact]
    public void Check_AllowsThreePhotosOfFiveMegabytes_AndNoMore()
    {
        var five = TestImages.PhoneJpeg(trailerBytes: Defaults.MaxPhotoBytes - TestImages.PhoneJpeg(0).Length);
        Assert.Equal(Defaults.MaxPhotoBytes, five.Length);
        var (three, none) = Photos.Check([new("a.jpg", five), new("b.jpg", five), new("c.jpg", five)], Defaults);
        Assert.Empty(none);
        Assert.Equal(3, three.Count);
        Assert.All(three, p => Assert.Equal(TestImages.CleanJpeg, p.Content)); // the trailer went with the metadata

        var (_, tooMany) = Photos.Check([.. Enumerable.Repeat(new PhotoUpload("a.jpg", TestImages.CleanJpeg), 4)], Defaults);
        Assert.Equal("最多上传 3 张照片 / photos: at most 3", Assert.Single(tooMany));

        var (_, tooLarge) = Photos.Check([new("a.jpg", TestImages.CleanJpeg), new("big.jpg", [.. five, 0])], Defaults);
        Assert.Equal("第 2 张照片超过 5 MB / photo 2 is larger than 5 MB", Assert.Single(tooLarge));

        var (_, empty) = Photos.Check([new("a.jpg", [])], Defaults);
        Assert.Contains("photo 1 is empty", Assert.Single(empty), StringComparison.Ordinal);

        // The limits are settings.
        var (_, fewer) = Photos.Check([new("a.jpg", TestImages.CleanJpeg), new("b.jpg", TestImages.CleanJpeg)], new AttachmentOptions { MaxPhotos = 1 });
        Assert.Contains("at most 1", Assert.Single(fewer), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ReturnsTheHashOfTheStoredBytes()
    {
        var (photos, _) = Photos.Check([new("a.jpg", TestImages.PhoneJpeg())], Defaults);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(TestImages.CleanJpeg)), photos[0].Sha256);
    }

    [Theory]
    [InlineData(@"C:\Users\黄先生\Pictures\IMG_0001.JPG", "image/jpeg", "IMG_0001.jpg")]
    [InlineData("../../etc/passwd", "image/png", "passwd.png")]
    [InlineData("现场\u202Egpj.exe", "image/jpeg", "现场gpj.jpg")]
    [InlineData("a\u0000b\u0007c.png", "image/png", "abc.png")]
    [InlineData("   ", "image/webp", "photo-2.webp")]
    [InlineData(null, "image/jpeg", "photo-2.jpg")]
    [InlineData("...", "image/jpeg", "photo-2.jpg")]
    [InlineData("a<b>:c?.jpg", "image/jpeg", "a_b__c_.jpg")]
    public void SafeName_KeepsOnlyAPlainNameWithTheRightExtension(string? given, string type, string expected) =>
        Assert.Equal(expected, Photos.SafeName(given, type, 2));

    [Fact]
    public void SafeName_IsAtMostOneHundredCharacters_NeverHalfACharacter()
    {
        var name = Photos.SafeName(new string('长', 98) + "𠀀𠀀.jpg", "image/jpeg", 1);
        Assert.True(name.Length <= Photos.MaxNameLength);
        Assert.EndsWith(".jpg", name, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(name)));
        Assert.False(char.IsHighSurrogate(name[^5]));
    }

    private static List<(string Type, bool CrcOk)> Chunks(byte[] png)
    {
        var list = new List<(string, bool)>();
        for (var i = 8; i + 12 <= png.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(i));
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(i + 8 + length));
            list.Add((Encoding.ASCII.GetString(png, i + 4, 4), crc == TestImages.Crc32(png.AsSpan(i + 4, 4 + length))));
            i += 12 + length;
        }
        return list;
    }
}
