using System.Globalization;
using Duban.Common;
using Duban.Features.Figures;
using Duban.Features.Matters;

namespace Duban.Features.Sources;

/// <summary>A source in the ledger: its list row, its items as the reader sees them, and its measures (a campaign seen whole).</summary>
public sealed record SourceLedgerEntry(SourceListItem Source, IReadOnlyList<SourceItemView> Items, IReadOnlyList<SourceMeasureView> Measures);

/// <summary>The ledger's sources, newest first (at most <see cref="SourceQueries.MaxLedgerSources"/> of <paramref name="Total"/>).</summary>
public sealed record SourceLedgerData(IReadOnlyList<SourceLedgerEntry> Sources, int Total, DateTimeOffset GeneratedAt);

/// <summary>
/// The ledger (台账) the office keeps per source type, as XLSX with FiguresExport's workbook: the sheet 台账 (one row
/// per item, a source without items on a row of its own), 成效指标 (the campaigns' measures summed across the
/// campaigns listed, by name and unit, then each campaign's) and 说明 (the filters, when, how many).
/// </summary>
public static class SourceLedger
{
    private sealed record Column(string Header, FiguresExport.Format Format, Func<SourceListItem, SourceItemView?, object?> Value);

    private static readonly Column[] Columns =
    [
        new("来源类型", FiguresExport.Format.Text, (s, _) => SourceTypes.Label(s.Type).Zh),
        new("来源标题", FiguresExport.Format.Text, (s, _) => s.Title),
        new("日期", FiguresExport.Format.Text, (s, _) => s.Date),
        new("督办单位", FiguresExport.Format.Text, (s, _) => s.Owner.Name),
        new("来源状态", FiguresExport.Format.Text, (s, _) => StatusName(s.Status)),
        new("来源进度", FiguresExport.Format.Integer, (s, _) => s.Progress),
        new("来源亮灯", FiguresExport.Format.Text, (s, _) => LightName(s.Light)),
        new("事项编号", FiguresExport.Format.Text, (_, i) => i?.Number),
        new("事项标题", FiguresExport.Format.Text, (_, i) => i?.Title),
        new("牵头单位", FiguresExport.Format.Text, (_, i) => i?.LeadUnit?.Name),
        new("配合单位", FiguresExport.Format.Text, (_, i) => i is null ? null : string.Join("、", i.CoUnits.Select(u => u.Name))),
        new("完成时限", FiguresExport.Format.Text, (_, i) => i?.DueDate),
        new("事项状态", FiguresExport.Format.Text, (_, i) => i is null ? null : Status.Chinese(i.Status)),
        new("事项亮灯", FiguresExport.Format.Text, (_, i) => i is null ? null : LightName(i.Light)),
        new("事项进度", FiguresExport.Format.Integer, (_, i) => i?.Progress),
    ];

    private static readonly string[] TotalsHeader = ["指标名称", "计量单位", "合计", "专项整治数"];
    private static readonly string[] CampaignsHeader = ["专项整治", "指标名称", "计量单位", "数值"];

    /// <summary>sources-ledger[-campaign].xlsx: types are registry names, safe in a file name.</summary>
    public static string FileName(string? type) => Text.OrNull(type) is { } t ? $"sources-ledger-{t}.xlsx" : "sources-ledger.xlsx";

    public static byte[] Xlsx(SourceLedgerData data, string? type, string? status, string? light)
    {
        var rows = new List<IEnumerable<DocumentFormat.OpenXml.Spreadsheet.Cell>> { Columns.Select(c => FiguresExport.HeaderCell(c.Header)) };
        foreach (var entry in data.Sources)
        {
            if (entry.Items.Count == 0) rows.Add(Columns.Select(c => FiguresExport.ValueCell(c.Value(entry.Source, null), c.Format)));
            foreach (var item in entry.Items) rows.Add(Columns.Select(c => FiguresExport.ValueCell(c.Value(entry.Source, item), c.Format)));
        }

        var campaigns = data.Sources.Where(e => e.Source.Type == SourceTypes.Campaign && e.Measures.Count > 0).ToList();
        var measures = new List<IEnumerable<DocumentFormat.OpenXml.Spreadsheet.Cell>> { TotalsHeader.Select(FiguresExport.HeaderCell) };
        // The same measure in two campaigns is the one with the same name and unit (keys are each campaign's own).
        measures.AddRange(campaigns
            .SelectMany(e => e.Measures.Select(m => (e.Source.Id, m)))
            .GroupBy(x => (x.m.Name, x.m.Unit))
            .OrderBy(g => g.Key.Name, StringComparer.Ordinal).ThenBy(g => g.Key.Unit, StringComparer.Ordinal)
            .Select(g => new object?[] { g.Key.Name, g.Key.Unit, g.Sum(x => x.m.Total), g.Select(x => x.Id).Distinct().Count() }
                .Select(v => FiguresExport.ValueCell(v, NumberFormat(v)))));
        if (campaigns.Count > 0)
        {
            measures.Add([]);
            measures.Add(CampaignsHeader.Select(FiguresExport.HeaderCell));
            measures.AddRange(campaigns.SelectMany(e => e.Measures.Select(m =>
                new object?[] { e.Source.Title, m.Name, m.Unit, m.Total }.Select(v => FiguresExport.ValueCell(v, NumberFormat(v))))));
        }

        var shown = data.Sources.Count;
        string[][] notes =
        [
            ["生成时间", data.GeneratedAt.ToOffset(Clock.ChinaOffset).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + "（北京时间）"],
            ["来源类型", Text.OrNull(type) is { } t ? $"{SourceTypes.Label(t).Zh}（{t}）" : "全部"],
            ["来源状态", Text.OrNull(status) is { } s ? StatusName(s) : "全部"],
            ["亮灯", Text.OrNull(light) is { } l ? LightName(l) : "全部"],
            ["来源数", shown == data.Total
                ? shown.ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{shown}（共 {data.Total} 个，仅列最近的 {SourceQueries.MaxLedgerSources} 个，请按类型、状态或亮灯筛选）")],
            ["事项数", data.Sources.Sum(e => e.Items.Count).ToString(CultureInfo.InvariantCulture)],
            ["范围", "导出人可见的督办来源；承办单位只见本单位承办的事项，成效指标只计整体可见的专项整治"],
            ["成效指标", "按指标名称和计量单位合计各专项整治已完成（待审核、已办结）事项报送的数值"],
        ];
        return FiguresExport.Workbook(
            new FiguresExport.Sheet("台账", rows, FrozenHeader: true,
                [FiguresExport.Width(2, 2, 40), FiguresExport.Width(3, 3, 12), FiguresExport.Width(4, 4, 24), FiguresExport.Width(8, 8, 18),
                    FiguresExport.Width(9, 9, 40), FiguresExport.Width(10, 11, 24), FiguresExport.Width(12, 12, 12)]),
            new FiguresExport.Sheet("成效指标", measures, FrozenHeader: true, [FiguresExport.Width(1, 2, 36), FiguresExport.Width(3, 4, 16)]),
            FiguresExport.Notes(notes));
    }

    /// <summary>A measure's figure with two decimals only when it has a fraction (a count stays a whole number).</summary>
    private static FiguresExport.Format NumberFormat(object? value) =>
        value is double d && d != Math.Floor(d) ? FiguresExport.Format.Decimal : FiguresExport.Format.Integer;

    public static string StatusName(string status) => status switch
    {
        Source.Open => "办理中",
        Source.Reported => "已报告",
        _ => status,
    };

    public static string LightName(string? light) => light switch
    {
        Light.Green => "绿灯",
        Light.Yellow => "黄灯",
        Light.Red => "红灯",
        _ => "",
    };
}
