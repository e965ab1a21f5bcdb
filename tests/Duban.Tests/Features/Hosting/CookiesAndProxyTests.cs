using System.Net;
using System.Net.Http.Json;
using Duban.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Hosting;

/// <summary>
/// Secure cookies behind TLS by default, and the forwarded-headers settings for a reverse proxy (issue 17): every
/// cookie (sign-in, antiforgery, language) is Secure over HTTPS; a proxy's X-Forwarded-Proto counts only from an
/// address in Duban:KnownProxies or a range in Duban:KnownNetworks; Duban:Auth:SecureCookie makes them Secure always.
/// </summary>
public sealed class CookiesAndProxyTests
{
    private static async Task<DubanFactory> StartAsync(params (string Key, string Value)[] settings)
    {
        var app = new DubanFactory();
        app.Settings["Duban:Demo:Matters"] = "false";
        foreach (var (key, value) in settings) app.Settings[key] = value;
        // The test server has no client address: a test header gives one, as a proxy's connection would.
        app.WithServices.Add(s => s.AddSingleton<IStartupFilter, RemoteAddressFromHeader>());
        await app.InitializeAsync();
        return app;
    }

    private sealed class RemoteAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext http, RequestDelegate following) =>
            {
                if (http.Request.Headers["X-Test-Remote"] is [{ } remote]) http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
                return following(http);
            });
            next(app);
        };
    }

    private static HttpClient Client(DubanFactory app, string scheme) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(scheme + "://localhost"), AllowAutoRedirect = false, HandleCookies = false });

    /// <summary>The Set-Cookie lines of the language switch, the sign-in page (antiforgery) and the API's login.</summary>
    private static async Task<List<string>> CookiesAsync(HttpClient client, string? remote = null, string? forwardedProto = null)
    {
        var lines = new List<string>();
        HttpRequestMessage Request(HttpMethod method, string url)
        {
            var request = new HttpRequestMessage(method, url);
            if (remote is not null) request.Headers.Add("X-Test-Remote", remote);
            if (forwardedProto is not null) request.Headers.Add("X-Forwarded-Proto", forwardedProto);
            return request;
        }
        lines.AddRange((await client.SendAsync(Request(HttpMethod.Get, "/culture?lang=en-US&returnUrl=/"))).Headers.GetValues("Set-Cookie"));
        lines.AddRange((await client.SendAsync(Request(HttpMethod.Get, "/console/login"))).Headers.GetValues("Set-Cookie"));
        var login = Request(HttpMethod.Post, "/api/v1/auth/login");
        login.Content = JsonContent.Create(new { username = "admin", password = DubanFactory.Password });
        var signedIn = await client.SendAsync(login);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        lines.AddRange(signedIn.Headers.GetValues("Set-Cookie"));
        Assert.Contains(lines, l => l.StartsWith(".AspNetCore.Culture=", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("duban_auth=", StringComparison.Ordinal));
        return lines;
    }

    private static bool Secure(string setCookie) => setCookie.Split(';').Any(p => p.Trim().Equals("secure", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task OverHttps_EveryCookieIsSecure_OverHttpNone_AndAnUnconfiguredProxyIsNotBelieved()
    {
        await using var app = await StartAsync();
        Assert.All(await CookiesAsync(Client(app, "https")), l => Assert.True(Secure(l), l));
        Assert.All(await CookiesAsync(Client(app, "http")), l => Assert.False(Secure(l), l));
        // No proxy configured: anyone's X-Forwarded-Proto is ignored.
        Assert.All(await CookiesAsync(Client(app, "http"), remote: "10.0.0.1", forwardedProto: "https"), l => Assert.False(Secure(l), l));
    }

    [Fact]
    public async Task BehindAKnownProxyOrNetwork_ItsForwardedHttpsMakesCookiesSecure_AnotherAddressIsNotBelieved()
    {
        await using var app = await StartAsync(("Duban:KnownProxies", "10.0.0.1"), ("Duban:KnownNetworks", "10.1.0.0/16"));
        var http = Client(app, "http");
        Assert.All(await CookiesAsync(http, remote: "10.0.0.1", forwardedProto: "https"), l => Assert.True(Secure(l), l));
        Assert.All(await CookiesAsync(http, remote: "10.1.2.3", forwardedProto: "https"), l => Assert.True(Secure(l), l));
        Assert.All(await CookiesAsync(http, remote: "10.2.0.1", forwardedProto: "https"), l => Assert.False(Secure(l), l));
        Assert.All(await CookiesAsync(http, remote: "127.0.0.1", forwardedProto: "https"), l => Assert.False(Secure(l), l));
    }

    [Fact]
    public async Task SecureCookieSetting_MakesEveryCookieSecure_EvenOverHttp()
    {
        await using var app = await StartAsync(("Duban:Auth:SecureCookie", "true"));
        Assert.All(await CookiesAsync(Client(app, "http")), l => Assert.True(Secure(l), l));
    }
}
