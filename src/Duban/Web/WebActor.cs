using Duban.Common;
using Duban.Features.Auth;

namespace Duban.Web;

public static class WebActor
{
    /// <summary>The signed-in staff member of this request, or null on the portal for a visitor.</summary>
    public static Actor? Of(HttpContext http) => http.Items[DubanAuthenticationHandler.ActorItem] as Actor;

    /// <summary>The half of a bilingual domain message ("中文 / English") for the current language; each part of a "; " list.</summary>
    public static string Localize(string message)
    {
        var english = System.Globalization.CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.Ordinal);
        return string.Join("；", message.Split("; ").Select(part =>
        {
            var slash = part.IndexOf(" / ", StringComparison.Ordinal);
            if (slash < 0) return part;
            var (left, right) = (part[..slash], part[(slash + 3)..]);
            // Messages are written either "中文 / English" or "English / 中文".
            var leftIsChinese = left.Any(c => c >= '\u4e00' && c <= '\u9fff');
            return english == leftIsChinese ? right : left;
        }));
    }
}
