using Duban.Features.Attachments;
using Duban.Features.Figures.Pdf;

namespace Duban.Fuzz;

/// <summary>
/// The fuzz targets (README.md). Each takes any bytes and answers whether the parser accepted them;
/// the parsers' documented rejection is an answer, not a crash: a photo walker returns null
/// ("damaged"), <see cref="TrueTypeFont.Read"/> a validation error. Anything else is a finding and
/// escapes as an exception, which the fuzzer reports as a crash: an exception from a parser, or a
/// broken rule (an <see cref="InvalidOperationException"/> saying which).
/// </summary>
public static class FuzzTargets
{
    /// <summary>The targets by the name the command line gives them.</summary>
    public static readonly IReadOnlyDictionary<string, Func<byte[], bool>> ByName = new Dictionary<string, Func<byte[], bool>>(StringComparer.Ordinal)
    {
        ["photo"] = Photo,
        ["font"] = Font,
    };

    /// <summary>
    /// The three photo walkers (JPEG, PNG, WebP) over the same bytes. Each refuses them or returns
    /// an image of its own format that it takes back unchanged (what is kept is kept again) and that
    /// is no longer than what came in (it only removes; a JPEG may gain its orientation's APP1).
    /// True when any walker accepted the bytes.
    /// </summary>
    public static bool Photo(byte[] bytes)
    {
        // Not in a static field: under AFL no instrumented code may run before SharpFuzz has set up
        // its shared memory (Program.Main), and a static initialiser would run before.
        var orientation = PhotoBytes.OrientationSegment(6).Length;
        var jpeg = Walk(bytes, PhotoBytes.Jpeg, b => PhotoBytes.StripJpeg(b), orientation);
        var png = Walk(bytes, PhotoBytes.Png, b => PhotoBytes.StripPng(b), 0);
        var webp = Walk(bytes, PhotoBytes.WebP, b => PhotoBytes.StripWebP(b), 0);
        return jpeg | png | webp;
    }

    private static bool Walk(byte[] bytes, string type, Func<byte[], byte[]?> strip, int mayGrow)
    {
        if (strip(bytes) is not { } once) return false;
        if (PhotoBytes.Detect(once) != type)
            throw new InvalidOperationException($"the {type} walker returned bytes that are not {type}");
        if (once.Length > bytes.Length + mayGrow)
            throw new InvalidOperationException($"the {type} walker returned {once.Length} bytes for {bytes.Length}");
        if (strip(once) is not { } twice || !once.AsSpan().SequenceEqual(twice))
            throw new InvalidOperationException($"the {type} walker changed (or refused) what it had already stripped");
        return true;
    }

    /// <summary>
    /// The TrueType parser, as a file and as a PDF's embedded subset. It answers a font or an error;
    /// a font read is used (advances, outlines, composites for up to 64 glyphs) and subset, and the
    /// subset reads back with as many glyphs. True when the bytes read as a font.
    /// </summary>
    public static bool Font(byte[] bytes)
    {
        _ = TrueTypeFont.Read(bytes, embedded: true);
        var result = TrueTypeFont.Read(bytes);
        if (result.Value is not { } font)
        {
            if (result.Error is null) throw new InvalidOperationException("the parser answered neither a font nor an error");
            return false;
        }
        _ = (font.Family, font.PostScriptName, font.CharacterMap.Count(), font.GlyphId('中'));
        var glyphs = Enumerable.Range(0, Math.Min(font.GlyphCount, 64)).ToList();
        foreach (var g in glyphs)
        {
            _ = (font.Advance(g), font.GlyphLength(g), font.GlyphData(g), font.Components(g));
        }
        var subset = TrueTypeFont.Read(font.Subset(glyphs), embedded: true);
        if (subset.Value?.GlyphCount != font.GlyphCount)
            throw new InvalidOperationException("the subset of a font read does not read back: " + subset.Error?.Message);
        return true;
    }

    /// <summary>
    /// One random change to a seed, as a fuzzer's first mutations would make it: bytes overwritten,
    /// inserted or deleted, the file cut short, a run of bytes copied elsewhere in it, or a byte set
    /// to a value parsers treat specially (0, 0xFF, 0x7F, 0x80). For a run without a fuzzer
    /// (<c>mutate</c>) and the tests.
    /// </summary>
    public static byte[] Mutate(byte[] seed, Random random)
    {
        var b = seed;
        for (var edits = random.Next(1, 4); edits > 0; edits--)
        {
            var at = random.Next(b.Length + 1);
            var bytes = new byte[random.Next(1, 9)];
            random.NextBytes(bytes);
            b = random.Next(6) switch
            {
                0 => [.. b.AsSpan(0, at), .. bytes.AsSpan(0, Math.Min(bytes.Length, b.Length - at)), .. b.AsSpan(Math.Min(b.Length, at + bytes.Length))],
                1 => [.. b.AsSpan(0, at), .. bytes, .. b.AsSpan(at)],
                2 => [.. b.AsSpan(0, at), .. b.AsSpan(Math.Min(b.Length, at + bytes.Length))],
                3 => b[..at],
                4 when b.Length > 0 => Copy(b, at, random),
                _ when b.Length > 0 && at < b.Length => [.. b.AsSpan(0, at), (byte)(new[] { 0x00, 0xFF, 0x7F, 0x80 })[random.Next(4)], .. b.AsSpan(at + 1)],
                _ => b,
            };
        }
        return b;
    }

    /// <summary>Up to 16 bytes of the file itself inserted at <paramref name="at"/>: a segment or chunk header repeated.</summary>
    private static byte[] Copy(byte[] b, int at, Random random)
    {
        var from = random.Next(b.Length);
        var length = random.Next(1, Math.Min(16, b.Length - from) + 1);
        return [.. b.AsSpan(0, at), .. b.AsSpan(from, length), .. b.AsSpan(at)];
    }
}
