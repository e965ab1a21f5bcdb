using Duban.Features.Auth;
using Microsoft.AspNetCore.CookiePolicy;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Duban.Hosting;

/// <summary>
/// Behind a reverse proxy, and the cookies' <c>Secure</c> flag (issue 17).
/// <list type="bullet">
/// <item>Forwarded headers: <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed only from the proxies
/// named in <c>Duban:KnownProxies</c> (addresses) or <c>Duban:KnownNetworks</c> (CIDR ranges, e.g. a Kubernetes
/// ingress's), so that rate limits and the audit see the citizen's address and a request that reached the proxy by
/// TLS counts as HTTPS. Nothing configured: the headers are not read at all (a client could claim any address).</item>
/// <item>Cookies: every cookie Duban or ASP.NET sets (sign-in, antiforgery, language, read-your-writes) is
/// <c>Secure</c> when the request came by HTTPS, directly or through a known proxy; <c>Duban:Auth:SecureCookie</c>
/// makes them <c>Secure</c> always (a proxy that does not say which scheme it was asked on).</item>
/// </list>
/// </summary>
public static class ReverseProxy
{
    public static void UseDubanProxyAndCookies(this WebApplication app)
    {
        var proxies = Split(app.Configuration["Duban:KnownProxies"]);
        var networks = Split(app.Configuration["Duban:KnownNetworks"]);
        if (proxies.Length > 0 || networks.Length > 0)
        {
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
            // Only what is configured: ASP.NET's default also believes loopback.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in proxies) forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            foreach (var network in networks) forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            app.UseForwardedHeaders(forwarded);
        }
        var always = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.SecureCookie;
        app.UseCookiePolicy(new CookiePolicyOptions { Secure = always ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest });
    }

    private static string[] Split(string? list) =>
        list is { Length: > 0 } ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
}
