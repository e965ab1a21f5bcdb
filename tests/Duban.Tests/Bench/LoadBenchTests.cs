using Duban.Bench;

namespace Duban.Tests.Bench;

/// <summary>
/// `bench load`'s pure parts: its options (a wrong one exits 64 naming it, before any request is
/// sent), the mix, the draw over the mix and the percentile it reports. The load itself is never run
/// as a test (deploy/nodes.sh measure).
/// </summary>
public sealed class LoadBenchTests
{
    private static async Task<(int Code, string Out)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await BenchProgram.RunAsync(["load", .. args], output, error);
        return (code, output.ToString());
    }

    [Theory]
    [InlineData("--urls is required")]
    [InlineData("--urls: 'ftp://x' is not an http(s) address", "--urls", "ftp://x")]
    [InlineData("--urls: 'nodes' is not an http(s) address", "--urls", "http://127.0.0.1:5101,nodes")]
    [InlineData("--clients must be a whole number from 1 to 1000", "--urls", "http://127.0.0.1:5101", "--clients", "0")]
    [InlineData("--clients must be a whole number from 1 to 1000", "--urls", "http://127.0.0.1:5101", "--clients", "twelve")]
    [InlineData("--seconds must be a number above 0", "--urls", "http://127.0.0.1:5101", "--seconds", "-5")]
    [InlineData("--warmup must be a number of seconds", "--urls", "http://127.0.0.1:5101", "--warmup", "NaN")]
    [InlineData("--mix: unknown kind 'browse'", "--urls", "http://127.0.0.1:5101", "--mix", "intake=50,browse=50")]
    [InlineData("--mix: no kind has a weight above 0", "--urls", "http://127.0.0.1:5101", "--mix", "intake=0")]
    [InlineData("unknown option --nodes", "--urls", "http://127.0.0.1:5101", "--nodes", "3")]
    [InlineData("--seconds needs a value", "--urls", "http://127.0.0.1:5101", "--seconds")]
    [InlineData("unexpected argument 'http://127.0.0.1:5101'", "http://127.0.0.1:5101")]
    public async Task RunAsync_BadOption_Returns64NamingIt(string message, params string[] args)
    {
        // Refused before any request: a run that got as far as signing in would fail with exit 1, not 64.
        var (code, output) = await RunAsync(args);
        Assert.Equal(64, code);
        Assert.Contains("bench load: " + message, output, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_GoodOptions_TakesThemAndDefaultsTheRest()
    {
        var (options, error) = LoadBench.Parse(["--urls", "http://127.0.0.1:5101, http://127.0.0.1:5102", "--clients", "12", "--seconds", "30", "--json"]);
        Assert.Null(error);
        Assert.NotNull(options);
        Assert.Equal([new Uri("http://127.0.0.1:5101"), new Uri("http://127.0.0.1:5102")], options.Urls);
        Assert.Equal(12, options.Clients);
        Assert.Equal(30, options.Seconds);
        Assert.Equal(5, options.Warmup);
        Assert.True(options.Json);
        Assert.Equal([("intake", 60), ("list", 25), ("matter", 10), ("dashboard", 5)], options.Mix);
    }

    [Theory]
    [InlineData("intake=60,list=25", null)]
    [InlineData(" intake = 3 , track=1 ,queue=0", null)]
    [InlineData("intake", "'intake' is not kind=weight")]
    [InlineData("intake=60,intake=40", "'intake' given twice")]
    [InlineData("intake=-1", "the weight of 'intake' must be a whole number ≥ 0")]
    [InlineData("intake=1.5", "the weight of 'intake' must be a whole number ≥ 0")]
    [InlineData("", "no kind has a weight above 0")]
    public void ParseMix_Text_GivesMixOrNamesTheFault(string text, string? expected)
    {
        var (mix, error) = LoadBench.ParseMix(text);
        Assert.Equal(expected, error);
        Assert.Equal(expected is null, mix is not null);
    }

    [Fact]
    public void Pick_EveryDraw_FallsOnItsKindInProportionToTheWeights()
    {
        var (mix, _) = LoadBench.ParseMix("intake=3,list=0,matter=1");
        var drawn = Enumerable.Range(0, 4).Select(d => LoadBench.Pick(mix!, d)).ToArray();
        Assert.Equal(["intake", "intake", "intake", "matter"], drawn);
        Assert.Throws<ArgumentOutOfRangeException>(() => LoadBench.Pick(mix!, 4));
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(95, 95)]
    [InlineData(99, 99)]
    [InlineData(100, 100)]
    [InlineData(0, 1)]
    [InlineData(99.5, 100)]
    public void Percentile_OneToHundred_IsTheNearestRank(double p, double expected)
    {
        var sorted = Enumerable.Range(1, 100).Select(i => (double)i).ToList();
        Assert.Equal(expected, LoadBench.Percentile(sorted, p));
    }

    [Fact]
    public void Percentile_FewOrNone_TakesTheRankAboveOrNaN()
    {
        Assert.Equal(30, LoadBench.Percentile([10, 20, 30], 95));
        Assert.Equal(20, LoadBench.Percentile([10, 20, 30], 50));
        Assert.True(double.IsNaN(LoadBench.Percentile([], 50)));
    }
}
