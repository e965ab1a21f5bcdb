using Duban.Tests.Infrastructure;

namespace Duban.Tests.Unit;

/// <summary>Tests that swap Console.Out/Error: never in parallel with any other collection.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}

[Collection(ConsoleCollection.Name)]
public sealed class CliTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task RunAsync_Help_PrintsUsageAndReturns0(string flag)
    {
        var (code, output, error) = await ConsoleCli.RunAsync("", flag);
        Assert.Equal(0, code);
        Assert.Contains("usage:", output, StringComparison.Ordinal);
        Assert.Contains("audit verify", output, StringComparison.Ordinal);
        // The benchmarks have their own command (bench/Duban.Bench, BenchProgramTests), not the product's.
        Assert.DoesNotContain("bench", output, StringComparison.Ordinal);
        Assert.Equal("", error);
    }

    [Fact]
    public async Task RunAsync_HelpAfterAVerb_StillHelp()
    {
        var (code, output, _) = await ConsoleCli.RunAsync("", "demo", "reset", "--help");
        Assert.Equal(0, code);
        Assert.Contains("usage:", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("audit")]
    [InlineData("audit", "check")]
    [InlineData("demo")]
    [InlineData("users", "remove")]
    [InlineData("bench")]
    [InlineData("bench", "intake")]
    public async Task RunAsync_UnknownVerb_Returns64WithMessageOnStderr(params string[] args)
    {
        var (code, output, error) = await ConsoleCli.RunAsync("", args);
        Assert.Equal(64, code);
        Assert.Contains("unknown verb: " + string.Join(' ', args), error, StringComparison.Ordinal);
        Assert.Contains("usage:", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }
}
