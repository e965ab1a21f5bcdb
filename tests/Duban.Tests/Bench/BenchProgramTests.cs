using Duban.Bench;

namespace Duban.Tests.Bench;

/// <summary>
/// The benchmarks' own command (bench/Duban.Bench), which took the bench verbs out of the product's
/// CLI: its usage, its usage errors (exit 64, as the product's CLI), and each verb reaching its bench
/// (through the bench's own refusal of bad options, so that nothing is measured here).
/// </summary>
public sealed class BenchProgramTests
{
    private static readonly string[] Verbs = ["intake", "lists", "pages", "scale", "dispatch", "geo", "load"];

    private static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await BenchProgram.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("geo", "--help")]
    public async Task RunAsync_Help_PrintsUsageWithEveryVerbAndReturns0(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        Assert.Equal(0, code);
        Assert.Contains("usage: dotnet run --project bench/Duban.Bench -c Release -- VERB", output, StringComparison.Ordinal);
        foreach (var verb in Verbs) Assert.Contains($"\n  {verb} ", output, StringComparison.Ordinal);
        Assert.Equal("", error);
    }

    [Fact]
    public async Task RunAsync_NoVerb_Returns64WithUsageOnStderr()
    {
        var (code, output, error) = await RunAsync();
        Assert.Equal(64, code);
        Assert.Contains("usage: dotnet run --project bench/Duban.Bench", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("bench", "intake")]
    [InlineData("audit", "verify")]
    public async Task RunAsync_UnknownVerb_Returns64WithMessageOnStderr(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        Assert.Equal(64, code);
        Assert.Contains("unknown verb: " + string.Join(' ', args), error, StringComparison.Ordinal);
        Assert.Contains("usage:", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Theory]
    [InlineData("bench intake on PostgreSQL drops Duban's tables", "intake", "--provider", "postgres")]
    [InlineData("bench lists on PostgreSQL drops Duban's tables", "lists", "--provider", "postgres")]
    [InlineData("bench pages: --runs ≥ 1", "pages", "--runs", "0")]
    [InlineData("bench scale: --matters ≥ 1", "scale", "--matters", "0")]
    [InlineData("bench dispatch: no data at /nonexistent/train.csv", "dispatch", "--data", "/nonexistent/train.csv")]
    [InlineData("bench load: --urls is required", "load")]
    public async Task RunAsync_Verb_ReachesItsBench(string refusal, params string[] args)
    {
        var (code, output, _) = await RunAsync(args);
        Assert.Equal(64, code);
        Assert.Contains(refusal, output, StringComparison.Ordinal);
    }
}
