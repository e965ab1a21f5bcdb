using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Duban.Tests.Infrastructure;

/// <summary>Reads back what Duban writes as XLSX.</summary>
public static class Sheets
{
    /// <summary>The text of each row of the sheet named (inline strings and numbers as written).</summary>
    public static List<string[]> Rows(byte[] xlsx, string name)
    {
        using var stream = new MemoryStream(xlsx);
        using var document = SpreadsheetDocument.Open(stream, false);
        var workbook = document.WorkbookPart!;
        var sheet = workbook.Workbook.Descendants<Sheet>().Single(x => x.Name == name);
        var part = (WorksheetPart)workbook.GetPartById(sheet.Id!);
        return [.. part.Worksheet.Descendants<Row>().Select(r => r.Elements<Cell>().Select(c => c.InlineString?.InnerText ?? c.CellValue?.Text ?? "").ToArray())];
    }
}
