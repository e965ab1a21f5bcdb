using System.Globalization;
using Duban.Features.Figures;

namespace Duban.Features.Proposals;

/// <summary>The proposals list as XLSX (the Figures feature's workbook writer): Chinese headers, one row per proposal, the header kept in view.</summary>
public static class ProposalExport
{
    public const int MaxRows = 5_000;

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
}
