using System.Globalization;
using Duban.Features.Figures;

namespace Duban.Features.Proposals;

/// <summary>The proposals list as XLSX (the Figures feature's workbook writer): Chinese headers, one row per proposal, the header kept in view.</summary>
public static class ProposalExport
{
    public const int MaxRows = 5_000;

    private static readonly string[] HostHeaders = ["主办单位", "单位代码", "交办", "答复", "按时答复"];

    private static readonly (string Header, Func<ProposalRow, object?> Value)[] Columns =
    [
        ("编号", r => r.Number),
        ("类别", r => Bodies.Label(r.Body).Zh),
        ("年度", r => r.Year),
        ("标题", r => r.Title),
        ("状态", r => ProposalStatus.Chinese(r.Status)),
        ("主办单位", r => r.HostUnitCode),
        ("答复类别", r => r.ReplyCategory),
        ("评价", r => r.Rating switch { "satisfied" => "满意", "basically_satisfied" => "基本满意", "dissatisfied" => "不满意", _ => null }),
        ("提交时间", r => r.SubmittedAt.ToOffset(Common.Clock.ChinaOffset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        ("答复期限", r => r.DueAt is { } d ? Common.Clock.ChinaDate(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null),
    ];

    public static byte[] Xlsx(ProposalList list)
    {
        var rows = new List<IEnumerable<DocumentFormat.OpenXml.Spreadsheet.Cell>> { Columns.Select(c => FiguresExport.HeaderCell(c.Header)) };
        rows.AddRange(list.Items.Select(r => Columns.Select(c => c.Value(r) switch
        {
            int n => FiguresExport.ValueCell(n, FiguresExport.Format.Integer),
            string s => FiguresExport.TextCell(FiguresExport.NotAFormula(s)),
            _ => FiguresExport.TextCell(""),
        })));
        return FiguresExport.Workbook(new FiguresExport.Sheet("建议提案", rows, FrozenHeader: true, [FiguresExport.Width(1, 1, 18), FiguresExport.Width(4, 4, 48), FiguresExport.Width(6, 6, 16)]));
    }

    /// <summary>
    /// A body's figures for a year as XLSX (the figures the API answers, counted from the records): a sheet of the totals
    /// (指标, 数值) and one of the host units (主办单位, 交办, 答复, 按时答复).
    /// </summary>
    public static byte[] FiguresXlsx(ProposalFigures f)
    {
        ArgumentNullException.ThrowIfNull(f);
        static IEnumerable<DocumentFormat.OpenXml.Spreadsheet.Cell> Line(string name, object? value, FiguresExport.Format format = FiguresExport.Format.Integer) =>
            [FiguresExport.TextCell(name), value is null ? FiguresExport.TextCell("—") : FiguresExport.ValueCell(value, format)];
        var totals = new List<IEnumerable<DocumentFormat.OpenXml.Spreadsheet.Cell>>
        {
            new[] { FiguresExport.HeaderCell("指标"), FiguresExport.HeaderCell("数值") },
            Line("类别", Bodies.Label(f.Body).Zh, FiguresExport.Format.Text),
            Line("年度", f.Year),
            Line("提交", f.Submitted),
            Line("立案", f.Accepted),
            Line("不予立案", f.NotAccepted),
            Line("并案", f.Merged),
            Line("A类（已解决或采纳）", f.ByCategory.A),
            Line("B类（正在解决或列入计划）", f.ByCategory.B),
            Line("C类（留作参考）", f.ByCategory.C),
            Line("已答复", f.Replied),
            Line("按时答复", f.RepliedOnTime),
            Line("按时答复率（%）", f.RepliedOnTimeRate, FiguresExport.Format.Decimal),
            Line("已评价", f.Evaluated),
            Line("满意", f.Ratings.GetValueOrDefault("satisfied")),
            Line("基本满意", f.Ratings.GetValueOrDefault("basically_satisfied")),
            Line("不满意", f.Ratings.GetValueOrDefault("dissatisfied")),
            Line("满意率（%，满意和基本满意）", f.Satisfaction, FiguresExport.Format.Decimal),
        };
        var hosts = new List<IEnumerable<DocumentFormat.OpenXml.Spreadsheet.Cell>>
        {
            HostHeaders.Select(FiguresExport.HeaderCell),
        };
        hosts.AddRange(f.ByHostUnit.Select(h => new[]
        {
            FiguresExport.TextCell(FiguresExport.NotAFormula(h.Name)), FiguresExport.TextCell(h.UnitCode),
            FiguresExport.ValueCell(h.Assigned, FiguresExport.Format.Integer), FiguresExport.ValueCell(h.Replied, FiguresExport.Format.Integer),
            FiguresExport.ValueCell(h.RepliedOnTime, FiguresExport.Format.Integer),
        }));
        return FiguresExport.Workbook(
            new FiguresExport.Sheet("统计", totals, FrozenHeader: true, [FiguresExport.Width(1, 1, 28)]),
            new FiguresExport.Sheet("主办单位", hosts, FrozenHeader: true, [FiguresExport.Width(1, 1, 36), FiguresExport.Width(2, 2, 14)]));
    }
}
