using Duban.Hosting;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Cli;

/// <summary>
/// The command line's parser (Hosting/CliCommandLine, the verbs of Hosting/CliVerbs): an option a verb does not take,
/// or one without its value, is refused naming it before anything is done (issue 17: <c>figures --perod 2025-01</c>
/// printed the current month); every verb answers <c>--help</c>; configuration still reaches the host.
/// In the "console" collection: they redirect Console.
/// </summary>
[Collection("console")]
public sealed class CliOptionsTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "duban-cli-opt-" + Guid.NewGuid().ToString("N")[..8]);

    private Task<(int Code, string Out, string Err)> Run(params string[] args) =>
        ConsoleCli.RunAsync("", [.. args, $"--Duban:DataDirectory={dir}", "--Duban:Demo:Password=cli-password-1", "--Duban:Demo:Matters=false"]);

    [Theory]
    [InlineData("--perod", "figures", "--perod", "2025-01")]
    [InlineData("--perod", "figures", "--perod=2025-01")]
    [InlineData("--bogus", "audit", "verify", "--bogus")]
    [InlineData("--rolez", "users", "add", "--username", "zhang", "--unit", "440781115", "--rolez", "handler")]
    [InlineData("--yess", "demo", "reset", "--yess")]
    [InlineData("--explan", "geo", "resolve", "--explan")]
    [InlineData("--repiar", "figures", "verify", "--repiar")]
    [InlineData("--nte", "calendar", "add-day", "2026-12-24", "day_off", "台风停工", "--nte", "x")]
    [InlineData("--bogus", "units", "import", "--bogus")] // where a word (FILE) may stand
    [InlineData("-x", "supervision", "policies", "-x")]
    [InlineData("--urlz", "--urlz", "http://127.0.0.1:5999")] // the web host, by default
    [InlineData("--Dubna:DataDirectory", "search", "rebuild", "--Dubna:DataDirectory=/tmp")] // not a configuration section
    public async Task UnknownOption_IsRefusedNamingIt_AndNothingIsDone(string option, params string[] args)
    {
        var (code, output, error) = await Run(args);

        Assert.Equal(CliCommandLine.UsageError, code);
        Assert.Equal("", output);
        Assert.Contains($"未知选项 {option} / unknown option {option}", error, StringComparison.Ordinal);
        Assert.Contains("--help", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir), "a refused command line opens no database");
    }

    [Theory]
    [InlineData("--period", "figures", "--period")]
    [InlineData("--roles", "users", "add", "--username", "zhang", "--unit", "440781115", "--roles")]
    [InlineData("--out", "figures", "--format", "xlsx", "--out")]
    public async Task OptionWithoutItsValue_IsRefusedNamingIt(string option, params string[] args)
    {
        var (code, output, error) = await Run(args);

        Assert.Equal(CliCommandLine.UsageError, code);
        Assert.Equal("", output);
        Assert.Contains($"选项 {option} 缺少值 / the option {option} needs a value", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task RequiredOptionMissing_OrAnOptionGivenTwice_OrAWordTooMany_IsRefused()
    {
        var missing = await Run("users", "add", "--username", "zhang", "--roles", "handler");
        Assert.Equal(64, missing.Code);
        Assert.Contains("缺少选项 --unit / the option --unit is required", missing.Err, StringComparison.Ordinal);

        var twice = await Run("figures", "--period", "2026-11", "--period", "2026-10");
        Assert.Equal(64, twice.Code);
        Assert.Contains("选项 --period 给了不止一次 / the option --period is given more than once", twice.Err, StringComparison.Ordinal);

        var extra = await Run("calendar", "is-workday", "2026-10-01", "2026-10-02");
        Assert.Equal(64, extra.Code);
        Assert.Contains("多余的参数 2026-10-02 / unexpected argument 2026-10-02", extra.Err, StringComparison.Ordinal);
        Assert.Equal("", extra.Out);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task ASettingWithoutItsValue_IsRefused_NotGivenTheNextOption()
    {
        var (code, output, error) = await ConsoleCli.RunAsync("", "figures", "--Duban:DataDirectory", "--period", "2026-11");
        Assert.Equal(64, code);
        Assert.Equal("", output);
        Assert.Contains("--Duban:DataDirectory", error, StringComparison.Ordinal);
    }

    public static TheoryData<string> VerbNames() => [.. CliVerbs.All.Select(v => v.Name)];

    [Theory]
    [MemberData(nameof(VerbNames))]
    public async Task EveryVerb_AnswersHelp_WithItsOptions_WithoutOpeningTheDatabase(string name)
    {
        var verb = CliVerbs.All.Single(v => v.Name == name);
        foreach (var flag in new[] { "--help", "-h" })
        {
            var (code, output, error) = await Run([.. name.Split(' '), flag]);

            Assert.Equal(0, code);
            Assert.Equal("", error);
            Assert.StartsWith($"usage: {name}", output, StringComparison.Ordinal);
            foreach (var option in verb.Options) Assert.Contains(option.Name, output, StringComparison.Ordinal);
            Assert.Contains("-h, --help", output, StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(dir), "help opens no database");
    }

    /// <summary>The options each verb took before the parser, named here rather than read from the table it is built from.</summary>
    [Theory]
    [InlineData("figures", "--period", "--rank", "--kind", "--channel", "--format", "--out")]
    [InlineData("figures verify", "--repair")]
    [InlineData("users add", "--username", "--unit", "--roles", "--name", "--password")]
    [InlineData("demo reset", "--yes")]
    [InlineData("geo resolve", "--explain")]
    [InlineData("dispatch classify", "--train")]
    [InlineData("calendar add-day", "--note")]
    [InlineData("calendar add-year", "--note")]
    public async Task VerbHelp_ListsTheOptionsTheVerbHasAlwaysTaken(string name, params string[] options)
    {
        var (code, output, _) = await Run([.. name.Split(' '), "--help"]);
        Assert.Equal(0, code);
        foreach (var option in options) Assert.Contains($"\n  {option}", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_NamesEveryVerb_AndTheRefusal()
    {
        foreach (var verb in CliVerbs.All) Assert.Contains("  " + verb.Name, Duban.Hosting.Cli.Help, StringComparison.Ordinal);
        Assert.Contains("VERB --help", Duban.Hosting.Cli.Help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidInvocations_StillWork_BothOptionForms_AndTheSettingsReachTheHost()
    {
        // --option=value as well as --option value.
        var csv = await Run("figures", "--period=2026-11", "--rank", "town", "--format=csv");
        Assert.Equal(0, csv.Code);
        Assert.StartsWith("排名,单位编码,单位名称,类型,响应率", csv.Out, StringComparison.Ordinal);

        // A setting as --Duban:Key value (two tokens) reaches the host's configuration, before or after the verb.
        var imported = await ConsoleCli.RunAsync("", "--Duban:DataDirectory", dir, "units", "import");
        Assert.Equal(0, imported.Code);
        Assert.Contains("imported 231 new units", imported.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "duban.db")));
        var again = await ConsoleCli.RunAsync("", "units", "import", "--Duban:DataDirectory", dir);
        Assert.Contains("imported 0 new units", again.Out, StringComparison.Ordinal);

        // A word that starts with a minus is still a word where the verb takes words (and the verb answers it).
        var negative = await Run("calendar", "add-workdays", "2026-09-30", "-1");
        Assert.Equal(64, negative.Code);
        Assert.StartsWith("calendar: \"-1\" is not a whole number", negative.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void SplitConfiguration_TakesTheSettingsOut_BothForms_NothingAfterDoubleDash()
    {
        var (others, configuration, missing) = CliCommandLine.SplitConfiguration(
            ["--urls", "http://127.0.0.1:5999", "figures", "--Duban:Database:Provider=postgres", "--period", "2026-11",
             "--duban:DataDirectory", "/srv/duban", "--Logging:LogLevel:Default=Debug", "--", "--Duban:X=1"]);

        Assert.Null(missing);
        Assert.Equal(["--urls", "http://127.0.0.1:5999", "--Duban:Database:Provider=postgres", "--duban:DataDirectory", "/srv/duban",
            "--Logging:LogLevel:Default=Debug"], configuration);
        Assert.Equal(["figures", "--period", "2026-11", "--", "--Duban:X=1"], others);
        Assert.Equal("--Duban:Seal:Key", CliCommandLine.SplitConfiguration(["audit", "verify", "--Duban:Seal:Key"]).Missing);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
