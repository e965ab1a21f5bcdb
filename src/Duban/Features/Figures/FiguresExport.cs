using System.Globalization;
using System.Text;
using CsvHelper;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Duban.Features.Matters;

namespace Duban.Features.Figures;

/// <summary>
/// The figures as a download: CSV (UTF-8 with a byte-order mark, so that Excel reads the Chinese)
/// and XLSX (Open XML SDK): one row per unit, Chinese headers, the counts behind every rate.
/// </summary>
public static class FiguresExport
{
    /// <summary>How a value cell is written (shared with the matter list's export).</summary>
    internal enum Format { Text, Integer, Percent, Decimal }

    private sealed record Column(string Header, Format Format, Func<FiguresRow, object?> Value);

    private static readonly Column[] Columns =
    [
        new("排名", Format.Integer, r => r.Rank),
        new("单位编码", Format.Text, r => r.Unit.Code),
        new("单位名称", Format.Text, r => r.Unit.Name),
        new("类型", Format.Text, r => r.Kind),
        new("响应率", Format.Percent, r => r.Response.Rate),
        new("按时签收", Format.Integer, r => r.Response.InTime),
        new("逾期签收", Format.Integer, r => r.Response.Late),
        new("应签收", Format.Integer, r => r.Response.Counted),
        new("待签收", Format.Integer, r => r.Response.Pending),
        new("解决率", Format.Percent, r => r.Resolution.Rate),
        new("已解决", Format.Integer, r => r.Resolution.Resolved),
        new("回访（解决）", Format.Integer, r => r.Resolution.WithFeedback),
        new("满意率", Format.Percent, r => r.Satisfaction.Rate),
        new("满意", Format.Integer, r => r.Satisfaction.Satisfied),
        new("基本满意", Format.Integer, r => r.Satisfaction.BasicallySatisfied),
        new("不满意", Format.Integer, r => r.Satisfaction.Dissatisfied),
        new("回访（满意度）", Format.Integer, r => r.Satisfaction.WithFeedback),
        new("按期办结率", Format.Percent, r => r.OnTime.Rate),
        new("按期办结", Format.Integer, r => r.OnTime.OnTime),
        new("办结", Format.Integer, r => r.OnTime.Closed),
        new("超期数", Format.Integer, r => r.Overdue.Count),
        new("超期未办结", Format.Integer, r => r.Overdue.Open),
        new("逾期办结", Format.Integer, r => r.Overdue.ClosedLate),
        new("退单", Format.Integer, r => r.Returns),
        new("不当退单", Format.Integer, r => r.ImproperReturns),
        new("重新办理", Format.Integer, r => r.Reopenings),
        new("扣分", Format.Decimal, r => r.Penalty),
        new("综合得分", Format.Decimal, r => r.Score),
        // What the dashboard shows beside the rates (issue 18): the matters they rest on, and a unit under the ranking's
        // minimum marked as such (no rank above). Last, so that the columns a reader already reads keep their places.
        new("事项数", Format.Integer, r => r.Matters),
        new("样本不足", Format.Text, r => r.TooFewToRank ? TooFewToRank : null),
    ];

    /// <summary>The 样本不足 column's mark of a unit with fewer matters than the ranking's minimum (empty otherwise).</summary>
    public const string TooFewToRank = "是";

    /// <summary>
    /// figures-2026-11[-town][-task][-instruction].csv: the file says what it counts, since the CSV
    /// has no room for it (one header row). Kinds and channels are registry names, safe in a file name.
    /// </summary>
    public static string FileName(FiguresView view, string extension) =>
        $"figures-{view.Period}{Part(view.Rank)}{Part(view.Kind)}{Part(view.Channel)}.{extension}";

    private static string Part(string? value) => value is null ? "" : "-" + value;

    /// <summary>CSV with a BOM; a rate is a fraction (0.9500) as in the API, empty where the unit has none.</summary>
    public static byte[] Csv(FiguresView view)
    {
        using var stream = new MemoryStream();
        using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)))
        using (var csv = new CsvWriter(writer, CultureInfo.InvariantCulture))
        {
            foreach (var c in Columns) csv.WriteField(c.Header);
            csv.NextRecord();
            foreach (var row in view.Rows)
            {
                foreach (var c in Columns)
                {
                    var value = c.Value(row);
                    csv.WriteField(value is string text ? NotAFormula(text) : Invariant(value));
                }
                csv.NextRecord();
            }
        }
        return stream.ToArray();
    }

    /// <summary>
    /// A text a spreadsheet would read as a formula (=, +, -, @, a tab or CR first: CSV injection)
    /// starts with an apostrophe instead; numbers are written as numbers and untouched.
    /// </summary>
    internal static string NotAFormula(string text) =>
        text.Length > 0 && "=+-@\t\r".Contains(text[0], StringComparison.Ordinal) ? "'" + text : text;

    private static string Invariant(object? value) => value switch
    {
        null => "",
        double d => d.ToString("0.####", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// An XLSX workbook: the sheet 统计 (numbers as numbers, rates formatted 0.00%, a frozen header)
    /// and the sheet 说明 (period, the matters counted, when, and how the score was made). The
    /// registries, when given, name the kind and channel filtered on in Chinese.
    /// </summary>
    public static byte[] Xlsx(FiguresView view, MatterKinds? kinds = null, MatterChannels? channels = null)
    {
        var table = new List<IEnumerable<Cell>> { Columns.Select(c => HeaderCell(c.Header)) };
        table.AddRange(view.Rows.Select(row => Columns.Select(c => ValueCell(c.Value(row), c.Format))));
        var s = view.Scoring;
        string[][] lines =
        [
            ["统计期间", $"{view.Period}（{view.From:yyyy-MM-dd} 至 {view.To:yyyy-MM-dd}，北京时间）"],
            ["排名范围", view.Rank switch { "county" => "区县", "town" => "镇街", "department" => "部门", _ => "全部单位" }],
            ["事项类型", view.Kind is { } kind ? $"{kinds?.Find(kind)?.Label.Zh ?? kind}（{kind}）" : "全部"],
            ["来源渠道", view.Channel is { } channel ? $"{channels?.ChineseLabel(channel) ?? channel}（{channel}）" : "全部"],
            ["生成时间", view.GeneratedAt.ToOffset(Common.Clock.ChinaOffset).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)],
            ["权重（响应/解决/满意/按期）", string.Create(CultureInfo.InvariantCulture,
                $"{s.Weights.Response}/{s.Weights.Resolution}/{s.Weights.Satisfaction}/{s.Weights.OnTime}，按单位已有的比率重新归一")],
            ["基本满意折算", s.BasicallySatisfied.ToString(CultureInfo.InvariantCulture)],
            ["不计入解决率、满意率的类别", s.ExcludedCategories.Count == 0 ? "无" : string.Join("、", s.ExcludedCategories)],
            ["扣分", string.Create(CultureInfo.InvariantCulture, $"每件超期 {s.Penalties.Overdue} 分，每次不当退单 {s.Penalties.ImproperReturn} 分")],
            ["排名门槛", string.Create(CultureInfo.InvariantCulture, $"本期事项少于 {s.MinimumMatters} 件的单位不参与排名（样本不足一栏为“是”）")],
        ];
        return Workbook(
            new Sheet("统计", table, FrozenHeader: true, [Width(3, 3, 36), Width(4, (uint)Columns.Length, 12)]),
            Notes(lines));
    }

    /// <summary>A sheet of the workbook: its rows of cells (the first may be a header kept in view), and column widths.</summary>
    internal sealed record Sheet(string Name, IReadOnlyList<IEnumerable<Cell>> Rows, bool FrozenHeader, IReadOnlyList<DocumentFormat.OpenXml.Spreadsheet.Column> Widths);

    internal static DocumentFormat.OpenXml.Spreadsheet.Column Width(uint first, uint last, double width) =>
        new() { Min = first, Max = last, Width = width, CustomWidth = true };

    /// <summary>A sheet of two columns, a bold label and its text (说明).</summary>
    internal static Sheet Notes(IEnumerable<string[]> lines) =>
        new("说明", [.. lines.Select(line => line.Select((t, k) => TextCell(t, k == 0 ? StyleHeader : 0u)))], FrozenHeader: false, [Width(1, 1, 30), Width(2, 2, 60)]);

    /// <summary>An XLSX workbook of these sheets, with the styles <see cref="HeaderCell"/> and <see cref="ValueCell"/> use.</summary>
    internal static byte[] Workbook(params Sheet[] sheets)
    {
        using var stream = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            var styles = workbook.AddNewPart<WorkbookStylesPart>();
            styles.Stylesheet = Stylesheet();
            var list = workbook.Workbook.AppendChild(new Sheets());
            uint id = 1;
            foreach (var sheet in sheets)
            {
                var data = new SheetData();
                uint n = 1;
                foreach (var row in sheet.Rows) data.Append(RowOf(n++, row));
                var part = workbook.AddNewPart<WorksheetPart>();
                var worksheet = new Worksheet();
                if (sheet.FrozenHeader)
                {
                    worksheet.Append(new SheetViews(new SheetView(new Pane
                    {
                        VerticalSplit = 1,
                        TopLeftCell = "A2",
                        ActivePane = PaneValues.BottomLeft,
                        State = PaneStateValues.Frozen,
                    })
                    { WorkbookViewId = 0 }));
                }
                if (sheet.Widths.Count > 0) worksheet.Append(new Columns(sheet.Widths));
                worksheet.Append(data);
                part.Worksheet = worksheet;
                list.Append(new DocumentFormat.OpenXml.Spreadsheet.Sheet { Id = workbook.GetIdOfPart(part), SheetId = id++, Name = sheet.Name });
            }
            workbook.Workbook.Save();
        }
        return stream.ToArray();
    }

    private const uint StyleHeader = 1;
    private const uint StylePercent = 2;
    private const uint StyleDecimal = 3;

    private static Stylesheet Stylesheet() => new(
        new Fonts(new Font(), new Font(new Bold())) { Count = 2 },
        new Fills(new Fill(new PatternFill { PatternType = PatternValues.None }), new Fill(new PatternFill { PatternType = PatternValues.Gray125 })) { Count = 2 },
        new Borders(new Border()) { Count = 1 },
        new CellFormats(
            new CellFormat(),
            new CellFormat { FontId = 1, ApplyFont = true },
            // Built-in number formats: 10 is 0.00%, 2 is 0.00.
            new CellFormat { NumberFormatId = 10, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 2, ApplyNumberFormat = true })
        { Count = 4 });

    private static Row RowOf(uint index, IEnumerable<Cell> cells)
    {
        var row = new Row { RowIndex = index };
        var col = 0;
        foreach (var cell in cells)
        {
            cell.CellReference = ColumnName(col++) + index.ToString(CultureInfo.InvariantCulture);
            row.Append(cell);
        }
        return row;
    }

    private static string ColumnName(int index) => index < 26 ? ((char)('A' + index)).ToString() : ColumnName(index / 26 - 1) + (char)('A' + index % 26);

    internal static Cell HeaderCell(string text) => TextCell(text, StyleHeader);

    internal static Cell TextCell(string text, uint style = 0) =>
        new(new InlineString(new Text(text))) { DataType = CellValues.InlineString, StyleIndex = style };

    internal static Cell ValueCell(object? value, Format format = Format.Text) => value switch
    {
        null => new Cell(),
        string s => TextCell(s, 0),
        IFormattable number => new Cell(new CellValue(number.ToString(null, CultureInfo.InvariantCulture)))
        {
            DataType = CellValues.Number,
            StyleIndex = format switch { Format.Percent => StylePercent, Format.Decimal => StyleDecimal, _ => 0u },
        },
        _ => TextCell(value.ToString() ?? "", 0),
    };
}
