using Duban.Common;
using Duban.Features.Auth;

namespace Duban.Web;

public static class WebActor
{
    /// <summary>The signed-in staff member of this request, or null on the portal for a visitor.</summary>
    public static Actor? Of(HttpContext http) => http.Items[DubanAuthenticationHandler.ActorItem] as Actor;

    /// <summary>
    /// The half of a bilingual domain message for the current language. A message is either one pair,
    /// "中文 / English" (each half may list its own parts, "甲；乙 / a; b", as the routing's reasons do), or a
    /// list of pairs, "甲 / a; 乙 / b" (a validation's problems), each pair localized and the list joined
    /// in the language's own way. Messages are written "中文 / English" or "English / 中文".
    /// </summary>
    public static string Localize(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var english = System.Globalization.CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.Ordinal);
        string Pick(string pair)
        {
            var slash = pair.IndexOf(" / ", StringComparison.Ordinal);
            if (slash < 0) return pair;
            var (left, right) = (pair[..slash], pair[(slash + 3)..]);
            var leftIsChinese = left.Any(c => c >= '\u4e00' && c <= '\u9fff');
            return english == leftIsChinese ? right : left;
        }
        var pairs = message.Split(" / ").Length - 1;
        return pairs <= 1 ? Pick(message) : string.Join(english ? "; " : "；", message.Split("; ").Select(Pick));
    }
}
