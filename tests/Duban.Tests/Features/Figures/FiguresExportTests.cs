using System.Text;
using Duban.Features.Figures;

namespace Duban.Tests.Features.Figures;

/// <summary>The CSV export never hands a spreadsheet a formula (CSV injection), and keeps numbers as numbers.</summary>
public sealed class FiguresExportTests
{
    private static FiguresView View(string unitName, double? score) => new("2026-11", new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30), null,
        DateTimeOffset.UnixEpoch, new FiguresScoring(new FigureWeights(), 0.9, [], new FigurePenalties()),
        [
            new FiguresRow(1, new Duban.Features.Matters.UnitRef("x", unitName), "town",
                new ResponseFigures(null, 0, 0, 0, 0), new ResolutionFigures(null, 0, 0), new SatisfactionFigures(null, 0, 0, 0, 0),
                new OnTimeFigures(null, 0, 0), new OverdueFigures(0, 0, 0), 0, 0, 0, 0, score),
        ]);

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example\",\"点此\")")]
    [InlineData("+1+1")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1)")]
    public void Csv_ATextThatWouldBeAFormula_StartsWithAnApostrophe(string name)
    {
        var csv = Encoding.UTF8.GetString(FiguresExport.Csv(View(name, null)));
        Assert.Contains("'" + name[0], csv, StringComparison.Ordinal);
        Assert.DoesNotContain("," + name[0], csv, StringComparison.Ordinal);
        Assert.DoesNotContain(",\"" + name[0], csv, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_NumbersStayNumbers_EvenNegative()
    {
        var csv = Encoding.UTF8.GetString(FiguresExport.Csv(View("台山市川岛镇人民政府", -3.5)));
        Assert.Contains("台山市川岛镇人民政府", csv, StringComparison.Ordinal);
        Assert.Contains(",-3.5", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("'-3.5", csv, StringComparison.Ordinal);
    }
}
