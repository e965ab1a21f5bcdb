using CsCheck;
using Duban.Features.Figures;
using Duban.Features.Figures.Pdf;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Figures.Pdf;

/// <summary>
/// Property tests (CsCheck) of the TrueType parser and subsetter: on any bytes, a font file or
/// collection mutated or noise, <see cref="TrueTypeFont.Read"/> answers a font or an error and never
/// throws; a font it reads can be laid out and subset without throwing, and its subset reads back.
/// </summary>
public sealed class FontPropertyTests
{
    private static readonly byte[][] Seeds = [TinyFont.Font(), TinyFont.Collection()];

    /// <summary>Changes: overwrite (0), insert (1), delete (2), cut short (3); mostly in the first 300 bytes, where the directory and the small tables are.</summary>
    private static Gen<byte[]> Mutated(byte[][] seeds, int hot) =>
        Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Select(Gen.Int[0, 3], Gen.Int[0, hot], Gen.Int[0, int.MaxValue], Gen.Byte.Array[1, 6]).Array[1, 4], (seed, edits) =>
            edits.Aggregate(seeds[seed], (b, e) =>
            {
                var at = b.Length == 0 ? 0 : (e.Item4.Length % 2 == 0 ? e.Item2 : e.Item3) % (b.Length + 1);
                return e.Item1 switch
                {
                    0 => [.. b.AsSpan(0, at), .. e.Item4.AsSpan(0, Math.Min(e.Item4.Length, b.Length - at)), .. b.AsSpan(Math.Min(b.Length, at + e.Item4.Length))],
                    1 => [.. b.AsSpan(0, at), .. e.Item4, .. b.AsSpan(at)],
                    2 => [.. b.AsSpan(0, at), .. b.AsSpan(Math.Min(b.Length, at + e.Item4.Length))],
                    _ => b[..at],
                };
            }));

    [Fact]
    public void TinyFont_ReadsAsBuilt()
    {
        foreach (var file in Seeds)
        {
            var font = TrueTypeFont.Read(file).Value!;
            Assert.Equal(("Tiny", "Tiny-Regular", TinyFont.GlyphCount), (font.Family, font.PostScriptName, font.GlyphCount));
            Assert.Equal((1, 2, 3), (font.GlyphId('A'), font.GlyphId('B'), font.GlyphId('中')));
            Assert.Equal([1], font.Components(3));
            Assert.Equal(500, font.Advance(3));
            var subset = TrueTypeFont.Read(font.Subset([3]), embedded: true).Value!;
            Assert.Equal(font.GlyphData(1), subset.GlyphData(1)[..font.GlyphData(1).Length]); // the composite's component came along (padded to 4 bytes)
            Assert.Empty(subset.GlyphData(2));
        }
    }

    [Fact]
    public void Read_OnAnyBytes_AnswersAFontOrAnError_NeverThrows()
    {
        var read = 0;
        PropertyCheck.Sample(Gen.Frequency((4, Mutated(Seeds, 300)), (1, Gen.Byte.Array[0, 400])), bytes =>
        {
            if (Exercise(bytes)) Interlocked.Increment(ref read);
        }, iter: 20_000);
        Assert.True(read > 300, $"only {read} mutated fonts were read");
    }

    [Fact]
    public void Read_TheInstalledFontMutated_AnswersAFontOrAnError_NeverThrows()
    {
        var file = PdfFonts.DefaultFiles.FirstOrDefault(File.Exists);
        Assert.True(file is not null, "no Chinese TrueType font installed: install fonts-wqy-microhei, as test.sh does");
        var bytes = File.ReadAllBytes(file);
        PropertyCheck.Sample(Mutated([bytes], 4096), mutated => Exercise(mutated), iter: 100, threads: 1);
    }

    /// <summary>Reads the bytes both ways; when they are a font, uses every part of it. True when a font was read.</summary>
    private static bool Exercise(byte[] bytes)
    {
        _ = TrueTypeFont.Read(bytes, embedded: true);
        var result = TrueTypeFont.Read(bytes);
        if (result.Value is not { } font)
        {
            Assert.NotNull(result.Error);
            return false;
        }
        _ = (font.Family, font.PostScriptName, font.CharacterMap.Count());
        var glyphs = Enumerable.Range(0, Math.Min(font.GlyphCount, 64)).ToList();
        foreach (var g in glyphs)
        {
            _ = (font.Advance(g), font.GlyphLength(g), font.GlyphData(g), font.Components(g));
        }
        _ = (font.GlyphId('A'), font.GlyphId('中'), font.Advance(-1), font.Advance(font.GlyphCount));
        var subset = TrueTypeFont.Read(font.Subset([.. glyphs, -5, font.GlyphCount + 7]), embedded: true);
        Assert.True(subset.IsSuccess, subset.Error?.Message);
        Assert.Equal(font.GlyphCount, subset.Value!.GlyphCount);
        return true;
    }
}
