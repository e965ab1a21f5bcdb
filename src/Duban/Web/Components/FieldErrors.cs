using Duban.Common;

namespace Duban.Web.Components;

/// <summary>
/// Places a domain error's problems next to the fields they are about. The rules stay in the
/// actions; this only reads which field each problem names (their English half starts with it).
/// </summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, string> byField = new(StringComparer.Ordinal);

    public string? General { get; private set; }

    public bool Any => General is not null || byField.Count > 0;

    public string? this[string field] => byField.GetValueOrDefault(field);

    /// <param name="fields">The form's fields and the words that name each in a message, e.g. ("Phone", ["raiser phone", "phone"]).</param>
    public static FieldErrors From(Error? error, params (string Field, string[] Words)[] fields)
    {
        var result = new FieldErrors();
        if (error is null) return result;
        var general = new List<string>();
        foreach (var problem in error.Message.Split("; "))
        {
            var english = EnglishPart(problem);
            var field = fields.FirstOrDefault(f => f.Words.Any(w => english.StartsWith(w, StringComparison.OrdinalIgnoreCase))).Field;
            var text = WebActor.Localize(problem);
            if (field is null) general.Add(text);
            else result.byField[field] = result.byField.TryGetValue(field, out var more) ? more + "；" + text : text;
        }
        result.General = general.Count > 0 ? string.Join("；", general) : null;
        return result;
    }

    private static string EnglishPart(string problem)
    {
        var slash = problem.IndexOf(" / ", StringComparison.Ordinal);
        if (slash < 0) return problem;
        var left = problem[..slash];
        return left.Any(c => c >= '\u4e00' && c <= '\u9fff') ? problem[(slash + 3)..] : left;
    }
}
