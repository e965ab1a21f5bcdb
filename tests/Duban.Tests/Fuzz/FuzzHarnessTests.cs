using Duban.Fuzz;
using FuzzProgram = Duban.Fuzz.Program;

namespace Duban.Tests.Fuzz;

/// <summary>
/// The fuzz harness (fuzz/Duban.Fuzz) without a fuzzer, so that it is run in every test run and
/// not only by hand under AFL: its targets over its committed corpus, and over random mutations of
/// it (a fixed seed, so that a failure repeats). A target answers accepted or refused (the parsers'
/// documented rejection: a walker's null, the font parser's error); any exception fails the test.
/// </summary>
public sealed class FuzzHarnessTests
{
    private static string Corpus(string target)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Duban.slnx"))) root = root.Parent;
        Assert.True(root is not null, "the repository's root (Duban.slnx) is not above the tests");
        return Path.Combine(root.FullName, "fuzz", "Duban.Fuzz", "corpus", target);
    }

    private static byte[][] Seeds(string target) => [.. Directory.GetFiles(Corpus(target)).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];

    [Theory]
    [InlineData("photo")]
    [InlineData("font")]
    public void Corpus_IsSmall_AndEverySeedIsAccepted(string target)
    {
        var seeds = Seeds(target);
        Assert.NotEmpty(seeds);
        // A fuzzer starts from what its seeds reach: a seed the parser refuses teaches it nothing.
        Assert.All(seeds, seed => Assert.True(FuzzTargets.ByName[target](seed)));
        Assert.True(seeds.Sum(s => s.Length) < 4096, "the corpus is meant to stay a few small files");
    }

    [Theory]
    [InlineData("photo")]
    [InlineData("font")]
    public void Target_OnRandomMutationsOfItsCorpus_AcceptsOrRefuses_NeverThrows(string target)
    {
        var seeds = Seeds(target);
        var run = FuzzTargets.ByName[target];
        var random = new Random(17);
        int accepted = 0, refused = 0;
        for (var n = 0; n < 5_000; n++)
        {
            var input = FuzzTargets.Mutate(seeds[random.Next(seeds.Length)], random);
            try
            {
                if (run(input)) accepted++;
                else refused++;
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"mutation {n} crashed the {target} target: {Convert.ToHexString(input)}{Environment.NewLine}{e}");
            }
        }
        // The mutations reach both answers: images and fonts still read, and damaged ones refused.
        Assert.True(accepted > 250, $"only {accepted} of the mutations were accepted");
        Assert.True(refused > 250, $"only {refused} of the mutations were refused");
    }

    [Fact]
    public void Targets_OnBytesThatAreNoImageOrFont_Refuse()
    {
        byte[][] nothing = [[], [0xFF, 0xD8, 0xFF], [0x89, (byte)'P', (byte)'N', (byte)'G'], [.. "RIFF\0\0\0\0WEBP"u8], [0, 1, 0, 0, 0, 0xFF]];
        foreach (var bytes in nothing)
        {
            Assert.False(FuzzTargets.Photo(bytes));
            Assert.False(FuzzTargets.Font(bytes));
        }
    }

    [Fact]
    public void Main_ReplaysAndMutatesTheCorpus_AndRefusesAnUnknownVerb()
    {
        Assert.Equal(0, FuzzProgram.Main(["replay", "photo", .. Directory.GetFiles(Corpus("photo"))]));
        Assert.Equal(0, FuzzProgram.Main(["mutate", "font", Corpus("font"), "200", "17"]));
        Assert.Equal(64, FuzzProgram.Main(["replay", "photo"]));
        Assert.Equal(64, FuzzProgram.Main(["afl", "pdf"]));
    }
}
