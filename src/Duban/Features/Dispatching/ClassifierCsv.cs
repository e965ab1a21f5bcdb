using System.Text;

namespace Duban.Features.Dispatching;

/// <summary>Labelled texts read from a CSV file, or why none could be: a result, not an exception.</summary>
public sealed record ClassifierCsvResult(IReadOnlyList<(string Label, string Text)> Rows, int Skipped, string? Error)
{
    public static ClassifierCsvResult Failure(string error) => new([], 0, error);
}

/// <summary>
/// Training data for the category classifier: CSV (RFC 4180) with a header row naming the
/// columns `label` and `text` (any order, any case, other columns ignored). Fields may be quoted,
/// and a quoted field may hold commas, doubled quotes and line breaks. Lines end in CRLF or LF.
/// </summary>
public static class ClassifierCsv
{
    /// <summary>
    /// The rows with both a label and a text; rows with neither or one of them empty are
    /// counted as skipped. An error when the header lacks a column, a row has too few fields or a
    /// quoted field is never closed.
    /// </summary>
    public static ClassifierCsvResult ReadExamples(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        using var records = ReadRecords(reader).GetEnumerator();
        try
        {
            if (!records.MoveNext()) return ClassifierCsvResult.Failure("the file is empty: a header row label,text is needed");
            var header = records.Current.Fields.Select(f => f.Trim().TrimStart('\uFEFF').ToLowerInvariant()).ToList();
            var label = header.IndexOf("label");
            var text = header.IndexOf("text");
            if (label < 0 || text < 0)
            {
                return ClassifierCsvResult.Failure($"the header row must name the columns label and text (it reads: {string.Join(",", records.Current.Fields)})");
            }
            var rows = new List<(string, string)>();
            var skipped = 0;
            while (records.MoveNext())
            {
                var (line, fields) = records.Current;
                if (fields.Count == 1 && fields[0].Length == 0) continue; // a blank line
                if (fields.Count <= Math.Max(label, text))
                {
                    return ClassifierCsvResult.Failure($"line {line}: {fields.Count} field(s), the header has {header.Count}");
                }
                var l = fields[label].Trim();
                var t = fields[text];
                if (l.Length == 0 || string.IsNullOrWhiteSpace(t))
                {
                    skipped++;
                    continue;
                }
                rows.Add((l, t));
            }
            return new ClassifierCsvResult(rows, skipped, null);
        }
        catch (FormatException e)
        {
            return ClassifierCsvResult.Failure(e.Message);
        }
    }

    /// <summary>
    /// Every record and the line it starts on. A quote that is never closed is a
    /// <see cref="FormatException"/>, which <see cref="ReadExamples"/> turns into its error.
    /// A quote inside an unquoted field, or after a closing quote, is kept as a character.
    /// </summary>
    public static IEnumerable<(int Line, IReadOnlyList<string> Fields)> ReadRecords(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var quoted = false; // inside a quoted field
        var fieldStart = true; // nothing of this field read yet
        var any = false; // anything of this record read
        int next;
        while ((next = reader.Read()) >= 0)
        {
            var c = (char)next;
            any = true;
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (c == '\n') line++;
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when fieldStart:
                    quoted = true;
                    fieldStart = false;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStart = true;
                    break;
                case '\r' or '\n':
                    if (c == '\r' && reader.Peek() == '\n') reader.Read();
                    fields.Add(field.ToString());
                    yield return (recordLine, fields.ToArray());
                    fields.Clear();
                    field.Clear();
                    fieldStart = true;
                    any = false;
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(c);
                    fieldStart = false;
                    break;
            }
        }
        if (quoted) throw new FormatException($"line {recordLine}: a quoted field is never closed");
        if (any)
        {
            fields.Add(field.ToString());
            yield return (recordLine, fields.ToArray());
        }
    }
}
