using System.Globalization;
using System.Text.RegularExpressions;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Duban.Common;
using Duban.Features.Figures;
using Text = Duban.Common.Text;

namespace Duban.Features.Projects;

/// <summary>
/// The XLSX ledger (重点项目台账) offices keep, read into <see cref="LedgerRow"/>s for <see cref="ProjectLedger"/>, and its
/// template. The first sheet, a header row then a project a row, in the template's columns; levels and industries in
/// Chinese as offices write them (省重点, 工业…) or as the API names them; amounts in yuan; dates as dates or yyyy-MM-dd;
/// milestones as 名称 yyyy-MM-dd, separated by ；. Every refusal names the sheet's row and column.
/// </summary>
public static partial class ProjectLedgerXlsx
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>The largest workbook taken (5,000 rows fit in well under a megabyte).</summary>
    public const int MaxBytes = 10 * 1024 * 1024;

    /// <summary>A column of the ledger: its letter, its header, the field of the API it fills.</summary>
    public sealed record LedgerColumn(string Letter, string Header, string Field);

    public static readonly IReadOnlyList<LedgerColumn> Columns =
    [
        new("A", "项目名称", "title"),
        new("B", "项目级别（省重点/市重点/县区重点）", "level"),
        new("C", "行业", "industry"),
        new("D", "业主单位代码", "ownerUnitCode"),
        new("E", "项目地点（行政区划代码或地名）", "territory"),
        new("F", "责任领导", "leader"),
        new("G", "计划年度", "year"),
        new("H", "总投资（元）", "totalInvestment"),
        new("I", "年度计划投资（元）", "plannedThisYear"),
        new("J", "开工日期", "startsOn"),
        new("K", "竣工日期", "endsOn"),
        new("L", "节点（名称 yyyy-MM-dd，以；分隔）", "milestones"),
    ];

    private static readonly Dictionary<string, string> Levels = new(StringComparer.Ordinal)
    {
        ["省重点"] = "provincial",
        ["省重点项目"] = "provincial",
        ["市重点"] = "city",
        ["市重点项目"] = "city",
        ["县区重点"] = "county",
        ["县（市、区）重点"] = "county",
        ["县（市、区）重点项目"] = "county",
        ["区县重点"] = "county",
    };

    private static readonly Dictionary<string, string> Industries = new(StringComparer.Ordinal)
    {
        ["工业"] = "industrial",
        ["产业"] = "industrial",
        ["工业（产业）"] = "industrial",
        ["基础设施"] = "infrastructure",
        ["社会民生"] = "social",
        ["城市建设"] = "urban",
        ["农业农村"] = "agriculture",
        ["能源"] = "energy",
        ["现代服务业"] = "services",
    };

    /// <summary>The template: the header row, one example row (江海区's school of the seeds) and a sheet of notes.</summary>
    public static byte[] Template()
    {
        var header = Columns.Select(c => FiguresExport.HeaderCell(c.Header));
        string[] example = ["景贤小学北校区（36个教学班、1620个学位）", "县区重点", "社会民生", "440704-jyj", "440704", "江海区分管教育工作的副区长", "2023",
            "180000000", "80000000", "2022-12-01", "2024-09-01", "主体结构封顶 2023-10-31；竣工验收 2024-07-31；投入使用 2024-09-01"];
        string[][] notes =
        [
            ["用法", "第一行为表头，自第二行起每行一个项目；导入时逐行校验，有错误则整表不导入，并指出行号和列。"],
            ["项目级别", "省重点、市重点、县区重点（或 provincial、city、county）"],
            ["行业", "工业、基础设施、社会民生、城市建设、农业农村、能源、现代服务业"],
            ["金额", "以元为单位，最多两位小数；年度计划投资不超过总投资"],
            ["日期", "日期格式单元格，或文本 yyyy-MM-dd；节点期限在开工与竣工日期之间，不填期限的节点按竣工日期倒排"],
        ];
        return FiguresExport.Workbook(
            new FiguresExport.Sheet("台账", [header, example.Select(t => FiguresExport.TextCell(t))], FrozenHeader: true,
                [FiguresExport.Width(1, 1, 40), FiguresExport.Width(2, 11, 18), FiguresExport.Width(12, 12, 50)]),
            FiguresExport.Notes(notes));
    }

    /// <summary>The rows of a ledger workbook, each as the API names its fields; a refusal names the row and the column.</summary>
    public static Result<IReadOnlyList<LedgerRow>> Read(Stream xlsx)
    {
        ArgumentNullException.ThrowIfNull(xlsx);
        List<Dictionary<string, string>> sheet;
        try
        {
            sheet = Cells(xlsx);
        }
        catch (Exception e) when (e is OpenXmlPackageException or InvalidDataException or IOException or FileFormatException)
        {
            return Error.Validation("file is not an XLSX workbook / 文件不是XLSX工作簿");
        }
        var rows = new List<LedgerRow>();
        // Row 1 is the header; a row with nothing in it is skipped.
        for (var r = 1; r < sheet.Count; r++)
        {
            var cells = sheet[r];
            if (cells.Values.All(string.IsNullOrWhiteSpace)) continue;
            var read = Row(r + 1, cells);
            if (!read.IsSuccess) return read.Error!;
            rows.Add(read.Value!);
        }
        if (rows.Count == 0) return Error.Validation("file holds no project rows / 台账中没有项目");
        if (rows.Count > ProjectLedger.MaxRows) return Error.Validation($"file holds more than {ProjectLedger.MaxRows} rows / 台账不超过{ProjectLedger.MaxRows}行");
        return rows;
    }

    /// <summary>"row 5, column I (plannedThisYear) / 第5行I列（…）; …": the sheet's row and column of a field, before the reason (a pair of its own, as WebActor.Localize reads).</summary>
    public static string Where(int row, string field) =>
        Columns.FirstOrDefault(c => c.Field == field) is { } c
            ? string.Create(CultureInfo.InvariantCulture, $"row {row}, column {c.Letter} ({c.Field}) / 第{row}行{c.Letter}列（{c.Header}）")
            : string.Create(CultureInfo.InvariantCulture, $"row {row} / 第{row}行");

    /// <summary>
    /// A refusal of <see cref="ProjectLedger"/> (<c>rows[3].plannedThisYear …</c>) told as the sheet's row and column, given
    /// the sheet row of each ledger row.
    /// </summary>
    public static Error Locate(Error error, IReadOnlyList<int> sheetRows)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(sheetRows);
        var m = RowField().Match(error.Message);
        if (!m.Success || !int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var k) || k >= sheetRows.Count) return error;
        var rest = error.Message[m.Length..];
        var field = m.Groups[2].Value;
        return error with { Message = Where(sheetRows[k], field) + "; " + field + rest };
    }

    /// <summary>The sheet row (1-based) of each project row read: the rows with something in them.</summary>
    public static IReadOnlyList<int> SheetRows(Stream xlsx)
    {
        var sheet = Cells(xlsx);
        return [.. Enumerable.Range(1, Math.Max(0, sheet.Count - 1)).Where(r => !sheet[r].Values.All(string.IsNullOrWhiteSpace)).Select(r => r + 1)];
    }

    [GeneratedRegex(@"^rows\[(\d+)\]\.([A-Za-z]+)")]
    private static partial Regex RowField();

    private static Result<LedgerRow> Row(int row, Dictionary<string, string> cells)
    {
        string? Get(string field) => Text.OrNull(cells.GetValueOrDefault(Columns.First(c => c.Field == field).Letter));
        Error Bad(string field, string why) => Error.Validation($"{Where(row, field)}; {field} {why}");

        var title = Get("title");
        if (title is null) return Bad("title", "is required / 请填写项目名称");
        var levelText = Get("level");
        var level = levelText is null ? null : Levels.GetValueOrDefault(levelText) ?? (ProjectVocabulary.Levels.Contains(levelText) ? levelText : null);
        if (level is null) return Bad("level", "must be 省重点, 市重点 or 县区重点 / 项目级别应为省重点、市重点或县区重点");
        var industryText = Get("industry");
        var industry = industryText is null ? null : Industries.GetValueOrDefault(industryText) ?? (ProjectVocabulary.Industries.Contains(industryText) ? industryText : null);
        if (industry is null) return Bad("industry", "must be one of 工业, 基础设施, 社会民生, 城市建设, 农业农村, 能源, 现代服务业 / 行业不正确");
        var owner = Get("ownerUnitCode");
        if (owner is null) return Bad("ownerUnitCode", "is required / 请填写业主单位代码");
        int? year = null;
        if (Get("year") is { } y)
        {
            if (!double.TryParse(y, NumberStyles.Float, CultureInfo.InvariantCulture, out var yd) || yd != Math.Floor(yd) || yd is < 2000 or > 2100)
                return Bad("year", "must be a year / 计划年度应为年份");
            year = (int)yd;
        }
        var total = Amount(Get("totalInvestment"));
        if (total is null) return Bad("totalInvestment", "must be a number of yuan / 总投资应为数字（元）");
        var planned = Amount(Get("plannedThisYear"));
        if (planned is null) return Bad("plannedThisYear", "must be a number of yuan / 年度计划投资应为数字（元）");
        if (Date(Get("startsOn")) is not { } startsOn) return Bad("startsOn", "must be a date / 开工日期应为日期");
        if (Date(Get("endsOn")) is not { } endsOn) return Bad("endsOn", "must be a date / 竣工日期应为日期");
        var milestones = new List<LedgerMilestone>();
        if (Get("milestones") is { } text)
        {
            foreach (var part in text.Split(['；', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var m = MilestonePart().Match(part);
                milestones.Add(m.Success ? new LedgerMilestone(m.Groups[1].Value.Trim(), m.Groups[2].Value, null) : new LedgerMilestone(part, null, null));
            }
        }
        return new LedgerRow(title, level, industry, owner, Get("territory"), Get("leader"), year, total.Value, planned.Value, startsOn, endsOn, milestones);
    }

    [GeneratedRegex(@"^(.+?)\s+(\d{4}-\d{2}-\d{2})$")]
    private static partial Regex MilestonePart();

    private static decimal? Amount(string? text) =>
        text is not null && decimal.TryParse(text.Replace(",", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    /// <summary>A date typed as text (yyyy-MM-dd, yyyy/M/d) or kept by Excel as a serial number.</summary>
    private static string? Date(string? text)
    {
        if (text is null) return null;
        if (DateOnly.TryParseExact(text, ["yyyy-MM-dd", "yyyy/M/d", "yyyy-M-d", "yyyy.M.d"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            return ProjectSourceType.Day(d);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var serial) && serial is > 1 and < 2958466)
            return ProjectSourceType.Day(DateOnly.FromDateTime(DateTime.FromOADate(Math.Floor(serial))));
        return null;
    }

    /// <summary>The first sheet's rows, each its cells' text by column letter (shared strings looked up).</summary>
    private static List<Dictionary<string, string>> Cells(Stream xlsx)
    {
        xlsx.Position = 0;
        using var document = SpreadsheetDocument.Open(xlsx, false);
        var workbook = document.WorkbookPart ?? throw new InvalidDataException("no workbook");
        var first = workbook.Workbook.Sheets?.Elements<Sheet>().FirstOrDefault() ?? throw new InvalidDataException("no sheet");
        var part = (WorksheetPart)workbook.GetPartById(first.Id!.Value!);
        var shared = workbook.SharedStringTablePart?.SharedStringTable.Elements<SharedStringItem>().Select(s => s.InnerText).ToList() ?? [];
        var rows = new List<Dictionary<string, string>>();
        foreach (var row in part.Worksheet.Descendants<Row>())
        {
            var index = (int)(row.RowIndex?.Value ?? (uint)(rows.Count + 1));
            if (index > ProjectLedger.MaxRows + 1_000) break;
            while (rows.Count < index) rows.Add([]);
            var cells = rows[index - 1];
            foreach (var cell in row.Elements<Cell>())
            {
                var letter = new string([.. (cell.CellReference?.Value ?? "").TakeWhile(char.IsAsciiLetter)]);
                var value = cell.DataType?.Value == CellValues.SharedString
                    ? int.TryParse(cell.CellValue?.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < shared.Count ? shared[i] : ""
                    : cell.DataType?.Value == CellValues.InlineString ? cell.InlineString?.InnerText ?? "" : cell.CellValue?.Text ?? "";
                cells[letter] = value;
            }
        }
        return rows;
    }
}

/// <summary>The projects an imported ledger recorded, in the sheet's order.</summary>
public sealed record LedgerImported(int Count, IReadOnlyList<long> Ids);

/// <summary>
/// POST /api/v1/projects/import and the register page's upload: an XLSX ledger read (<see cref="ProjectLedgerXlsx"/>) and
/// recorded as one audited change (<see cref="ProjectLedger"/>); a refusal names the sheet's row and column, nothing kept.
/// </summary>
public sealed class ProjectLedgerImport(ProjectLedger ledger)
{
    public async Task<Result<LedgerImported>> ImportAsync(Stream xlsx, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(xlsx);
        using var copy = new MemoryStream();
        var buffer = new byte[81_920];
        int n;
        while ((n = await xlsx.ReadAsync(buffer, ct)) > 0)
        {
            copy.Write(buffer, 0, n);
            if (copy.Length > ProjectLedgerXlsx.MaxBytes) return Error.Validation($"file is larger than {ProjectLedgerXlsx.MaxBytes / 1024 / 1024} MB / 文件过大");
        }
        if (copy.Length == 0) return Error.Validation("file is required: an XLSX ledger / 请选择XLSX台账文件");
        var rows = ProjectLedgerXlsx.Read(copy);
        if (!rows.IsSuccess) return rows.Error!;
        var imported = await ledger.ImportAsync(rows.Value!, actor, ct);
        if (!imported.IsSuccess) return ProjectLedgerXlsx.Locate(imported.Error!, ProjectLedgerXlsx.SheetRows(copy));
        return new LedgerImported(imported.Value!.Count, imported.Value!);
    }
}
