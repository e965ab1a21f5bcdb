using System.Globalization;
using Microsoft.AspNetCore.Components;

namespace Duban.Features.Matters.Forms;

/// <summary>
/// Forms with numbered rows (title-0, title-1…): how many to draw (more through the address, without
/// a script) and which of the posted ones are filled.
/// </summary>
public static class FormRows
{
    public const int Max = 10;

    /// <summary>The number of rows the address asks for in <paramref name="key"/>, 1 to <see cref="Max"/>, else the fallback.</summary>
    public static int Get(NavigationManager nav, string key, int fallback) =>
        int.TryParse(System.Web.HttpUtility.ParseQueryString(new Uri(nav.Uri).Query)[key], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? Math.Clamp(n, 1, Max) : fallback;

    /// <summary>The page's address with <paramref name="key"/> set to <paramref name="n"/> rows, the other parameters kept (a done notice dropped).</summary>
    public static string Url(NavigationManager nav, string key, int n)
    {
        var uri = new Uri(nav.Uri);
        var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
        query.Remove("done");
        query[key] = Math.Min(n, Max).ToString(CultureInfo.InvariantCulture);
        return uri.AbsolutePath + "?" + query;
    }

    /// <summary>The filled rows of a posted form; a row with nothing typed in these fields is left out.</summary>
    public static IEnumerable<int> Filled(FormPost post, params string[] fields) =>
        Enumerable.Range(0, Max).Where(i => fields.Any(f => post.Text($"{f}-{i}") is not null));
}
