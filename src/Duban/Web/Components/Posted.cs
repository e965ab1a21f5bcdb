namespace Duban.Web.Components;

/// <summary>The fields of the form this request posted (static rendering reads them directly), so a failed form keeps what was typed.</summary>
public static class Posted
{
    public static bool Is(HttpContext? http, string formName) =>
        http is not null && HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType
        && http.Request.Form["_handler"] == formName;

    public static string? Get(HttpContext? http, string field) =>
        http is not null && HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType
        && http.Request.Form.TryGetValue(field, out var v) && v.Count > 0 ? v.ToString() : null;

    /// <summary>Every value posted under <paramref name="field"/> (a multiple select, checkboxes), trimmed, the blank ones left out.</summary>
    public static IReadOnlyList<string> All(HttpContext? http, string field) =>
        http is not null && HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType && http.Request.Form.TryGetValue(field, out var v)
            ? [.. v.Where(x => !string.IsNullOrWhiteSpace(x)).Select(x => x!.Trim())]
            : [];

    public static string? Text(HttpContext? http, string field) => Get(http, field) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    /// <summary>The version of the matter the posting page showed (its hidden <c>version</c> field), or null.</summary>
    public static int? Version(HttpContext? http) =>
        int.TryParse(Text(http, "version"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seen) ? seen : null;
}
