using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Dispatching;

/// <summary>
/// dispatch suggest: JSON lines in, one suggestion (or error) a line out, on a data directory of
/// its own with no demo loaded: the built-in units and the shipped catalogue serve.
/// In the "console" collection: it redirects Console.In and Console.Out.
/// </summary>
[Collection("console")]
public sealed class DispatchCliTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "duban-cli-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    private Task<(int Code, string Out, string Err)> Run(string input, params string[] args) =>
        ConsoleCli.RunAsync(input, [.. args, $"--Duban:DataDirectory={dir}"]);

    [Fact]
    public async Task DispatchSuggest_JsonLinesInAndOut_ABadLineGetsAnErrorLine()
    {
        string[] lines =
        [
            """{"kind":"report","title":"反映市委党校个别教研人员长期不在岗","content":"多名教研人员长期不在岗。","subject":"市委党校","receivedAt":"2025-12-05"}""",
            """{"kind":"report","title":"反映市委党校个别教研人员长期不在岗","content":"多名教研人员长期不在岗。","subject":"市委党校","receivedAt":"2026-03-05T10:00:00+08:00"}""",
            "",
            """{"kind":"complaint","title":"工厂拖欠工资","content":"老板拖欠三个月工资不发。","location":"台山市台城街道"}""",
            """{"kind":"complaint","title":"村道路面坑洼","content":"下雨全是积水。","location":"台山市川岛镇略尾村"}""",
            "这不是 JSON",
            """{"kind":"report","title":"反映市纪委书记","content":"干预案件。","subject":"市纪委书记"}""",
            """{"kind":"complaint","title":"拖欠工资","receivedAt":"去年"}""",
        ];
        var (code, output, _) = await Run(string.Join('\n', lines) + "\n", "dispatch", "suggest");
        Assert.Equal(0, code);
        var answers = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(7, answers.Count); // the blank line is no matter

        static string? Lead(JsonNode a) => (string?)a["leadUnit"]?["code"];
        Assert.Equal(("inspection_round", "4407-xcz1"), ((string?)answers[0]["rule"], Lead(answers[0])));
        Assert.Equal(["category", "categorySource", "coUnits", "confidence", "leadUnit", "reason", "rule", "subcategory", "territoryCode"],
            answers[0].AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("中共江门市委第一巡察组", (string?)answers[0]["leadUnit"]!["name"]);
        Assert.Equal(("discipline", "4407-jw"), ((string?)answers[1]["rule"], Lead(answers[1])));
        Assert.Equal(("category_owner", "440781-rsj"), ((string?)answers[2]["rule"], Lead(answers[2])));
        Assert.Equal("440781001", (string?)answers[2]["territoryCode"]);
        Assert.Equal("440781115", Lead(answers[3]));
        Assert.Equal("这不是 JSON", (string?)answers[4]["input"]);
        Assert.False(string.IsNullOrEmpty((string?)answers[4]["error"]));
        Assert.Equal(("level_above", null), ((string?)answers[5]["rule"], Lead(answers[5])));
        Assert.Contains("receivedAt", (string?)answers[6]["error"], StringComparison.Ordinal);
        // Chinese as itself, not \u escapes.
        Assert.Contains("台山市人力资源和社会保障局", output, StringComparison.Ordinal);
    }
}
