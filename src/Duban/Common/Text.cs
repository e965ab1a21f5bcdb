namespace Duban.Common;

public static class Text
{
    /// <summary>Null for a missing or blank value, else the value trimmed: optional text as Duban stores it.</summary>
    public static string? OrNull(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>
    /// True when any value holds a C0 control character other than tab, line feed and carriage
    /// return, DEL, or a bidirectional override or isolate (U+202A–202E, U+2066–2069): they have
    /// no place in a citizen's text, PostgreSQL refuses NUL outright, and they hide or reorder
    /// content for the people reading a matter.
    /// </summary>
    public static bool HasControlCharacters(params ReadOnlySpan<string?> values)
    {
        foreach (var value in values)
        {
            if (value is null) continue;
            foreach (var ch in value)
            {
                if ((ch < ' ' && ch is not ('\t' or '\n' or '\r')) || ch == '\u007f'
                    || ch is >= '\u202a' and <= '\u202e' || ch is >= '\u2066' and <= '\u2069') return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The same check over every string a request carries: its string properties, string
    /// arrays, and the records and arrays of records inside it (a split's sub-tasks).
    /// </summary>
    public static bool HasControlCharactersIn(object? request, int depth = 0)
    {
        if (request is null || depth > 6) return false;
        if (request is string s) return HasControlCharacters(s);
        if (request is System.Collections.IEnumerable items)
        {
            foreach (var item in items)
            {
                if (HasControlCharactersIn(item, depth + 1)) return true;
            }
            return false;
        }
        var type = request.GetType();
        if (type.IsPrimitive || type.IsEnum || type.Namespace?.StartsWith("Duban", StringComparison.Ordinal) != true) return false;
        foreach (var property in type.GetProperties())
        {
            if (property.GetIndexParameters().Length == 0 && HasControlCharactersIn(property.GetValue(request), depth + 1)) return true;
        }
        return false;
    }
}
