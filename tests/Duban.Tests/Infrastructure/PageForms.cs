using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Duban.Tests.Infrastructure;

/// <summary>The console's forms posted as a browser posts them: signed in by cookie, the page's antiforgery token, the form's name.</summary>
public static partial class PageForms
{
    /// <summary>A client signed in as <paramref name="username"/> that keeps its cookies and does not follow redirects (a post's answer is seen as it is).</summary>
    public static async Task<HttpClient> SignedInAsync(DubanFactory factory, string username)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { username, password = DubanFactory.Password })).EnsureSuccessStatusCode();
        return client;
    }

    /// <summary>Posts the form named <paramref name="form"/> of the page at <paramref name="url"/>; a field may come several times (ticked boxes).</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string url, string form, List<KeyValuePair<string, string>> fields)
    {
        var html = await client.GetStringAsync(url);
        fields.Add(new("_handler", form));
        fields.Add(new("__RequestVerificationToken", Token(html)));
        return await client.PostAsync(url, new FormUrlEncodedContent(fields));
    }

    /// <summary>The antiforgery token of a page's forms.</summary>
    public static string Token(string html) =>
        WebUtility.HtmlDecode(TokenField().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no antiforgery token"));

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
