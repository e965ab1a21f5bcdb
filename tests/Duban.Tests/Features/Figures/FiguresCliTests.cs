using DocumentFormat.OpenXml.Packaging;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Figures;

/// <summary>The figures verb on a SQLite data directory of its own (in the "console" collection: it redirects Console.Out).</summary>
[Collection("console")]
public sealed class FiguresCliTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "duban-cli-" + Guid.NewGuid().ToString("N")[..8]);

    private Task<(int Code, string Out, string Err)> Run(params string[] args) =>
        ConsoleCli.RunAsync("", [.. args, $"--Duban:DataDirectory={dir}"]);

    [Fact]
    public async Task Figures_WritesCsvOrXlsx_AndRefusesABadPeriod()
    {
        var (code, output, _) = await Run("figures", "--period", "2026-11", "--rank", "town", "--format", "csv");
        Assert.Equal(0, code);
        Assert.StartsWith("排名,单位编码,单位名称,类型,响应率", output, StringComparison.Ordinal);

        var json = await Run("figures", "--period", "2026-Q4");
        Assert.Equal(0, json.Code);
        Assert.Equal("2026-Q4", (string?)System.Text.Json.Nodes.JsonNode.Parse(json.Out)!["period"]);

        var file = Path.Combine(dir, "figures.xlsx");
        Assert.Equal(0, (await Run("figures", "--period", "2026", "--format", "xlsx", "--out", file)).Code);
        using (var document = SpreadsheetDocument.Open(file, false))
        {
            Assert.Equal(["统计", "说明"], document.WorkbookPart!.Workbook.Sheets!.Elements<DocumentFormat.OpenXml.Spreadsheet.Sheet>().Select(s => s.Name!.Value!));
        }

        var bad = await Run("figures", "--period", "2026-13");
        Assert.Equal(64, bad.Code);
        Assert.Contains("2026-Q4", bad.Err, StringComparison.Ordinal);
        Assert.Equal(64, (await Run("figures", "--format", "xlsx")).Code);

        // By source: the view names its filters; an unknown channel exits 64 naming the field.
        var tasks = await Run("figures", "--period", "2026-11", "--kind", "task", "--channel", "instruction");
        Assert.Equal(0, tasks.Code);
        var view = System.Text.Json.Nodes.JsonNode.Parse(tasks.Out)!;
        Assert.Equal(("task", "instruction"), ((string?)view["kind"], (string?)view["channel"]));
        var pigeon = await Run("figures", "--channel", "pigeon");
        Assert.Equal(64, pigeon.Code);
        Assert.Contains("channel must be one of", pigeon.Err, StringComparison.Ordinal);
    }

    /// <summary>figures verify: the dashboard's counters (Features/Tally) against the records; --repair rebuilds them.</summary>
    [Fact]
    public async Task FiguresVerify_FindsACounterChangedByHand_AndRepairMendsIt()
    {
        // The first run builds the counters (there were none) and finds them equal to the records.
        var first = await Run("figures", "verify");
        Assert.True(first.Code == 0, first.Err);
        Assert.StartsWith("counters intact:", first.Out, StringComparison.Ordinal);

        await using (var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dir, "duban.db")};Pooling=false"))
        {
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "INSERT INTO tally_counts (kind, county, key, n) VALUES ('status', '440781', 'closed', 7) "
                + "ON CONFLICT (kind, county, key) DO UPDATE SET n = n + 7";
            await cmd.ExecuteNonQueryAsync();
        }
        var broken = await Run("figures", "verify");
        Assert.Equal(2, broken.Code);
        Assert.Contains("status 440781 closed: counted ", broken.Err, StringComparison.Ordinal);
        Assert.Contains("counters DIFFER", broken.Err, StringComparison.Ordinal);

        var repaired = await Run("figures", "verify", "--repair");
        Assert.Equal(0, repaired.Code);
        Assert.Contains("repaired: counters rebuilt", repaired.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await Run("figures", "verify")).Code);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
