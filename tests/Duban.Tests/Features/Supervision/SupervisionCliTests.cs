using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Supervision;

/// <summary>The supervision verbs: policies in force, a policy file checked before deployment, one run of the steps.</summary>
[Collection("console")]
public sealed class SupervisionCliTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "duban-sup-cli-" + Guid.NewGuid().ToString("N")[..8]);

    private Task<(int Code, string Out, string Err)> Run(params string[] args) =>
        ConsoleCli.RunAsync("", [.. args, $"--Duban:DataDirectory={dir}", "--Duban:Demo:Password=cli-password-1", "--Duban:Demo:Matters=false"]);

    [Fact]
    public async Task Policies_InForce_ListEachWithItsLimits()
    {
        var (code, output, _) = await Run("supervision", "policies");
        Assert.Equal(0, code);
        Assert.Contains("petition 信访事项 (kinds petition; urgency any): accept 15d, sign 1wd, handle 60d, extension ≤ 30d ×1, review asked ≤ 30d, decided ≤ 30d, 2 rounds", output, StringComparison.Ordinal);
        Assert.Contains("hotline-complex 复杂诉求 (named at dispatch)", output, StringComparison.Ordinal);
        Assert.Contains("discipline-report 检举控告 (kinds report; urgency any): accept 5wd, sign 1wd, handle 3mo, tell acceptance ≤ 15wd, tell outcome ≤ 15wd", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policies_AFileIsCheckedBeforeDeployment()
    {
        Directory.CreateDirectory(dir);
        var good = Path.Combine(dir, "good.json");
        await File.WriteAllTextAsync(good, """
            {"version": 7, "policies": [{"id": "everything", "name": "全部", "match": {}, "sign": "4h", "handle": "10wd", "rule": "本市规定"}]}
            """);
        var (code, output, _) = await Run("supervision", "policies", good);
        Assert.Equal(0, code);
        Assert.Contains("version 7", output, StringComparison.Ordinal);
        Assert.Contains("everything 全部 (kinds any; urgency any): sign 4h, handle 10wd", output, StringComparison.Ordinal);

        var bad = Path.Combine(dir, "bad.json");
        await File.WriteAllTextAsync(bad, """
            {"policies": [
              {"id": "p", "name": "p", "match": {"kinds": ["petition"]}, "sign": "1wd", "handle": "60d", "rule": "r"},
              {"id": "q", "name": "q", "match": {"kinds": ["report"]}, "sign": "soon", "handle": "10wd", "rule": "r"}]}
            """);
        var refused = await Run("supervision", "policies", bad);
        Assert.Equal(1, refused.Code);
        Assert.Contains("policy q.sign \"soon\" is not a time limit", refused.Err, StringComparison.Ordinal);
        Assert.Contains("no policy governs complaint/normal", refused.Err, StringComparison.Ordinal);
        Assert.Equal(64, (await Run("supervision", "policies", Path.Combine(dir, "missing.json"))).Code);
    }

    [Fact]
    public async Task Run_TakesTheDueStepsOnce_AndSaysHowMany()
    {
        var (code, output, _) = await Run("supervision", "run");
        Assert.Equal(0, code);
        Assert.Matches(@"^supervision: \d+ reminded \(催办\), \d+ notices \(督办通知\), \d+ escalated \(提级督办\)", output);
        var again = await Run("supervision", "run");
        Assert.Contains("supervision: 0 reminded (催办), 0 notices (督办通知), 0 escalated (提级督办)", again.Out, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
