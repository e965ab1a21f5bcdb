using System.Globalization;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Duban.Features.Auth;
using Duban.Features.StaffConsole;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Duban.Web;

/// <summary>
/// The web pages (Blazor, static server-side rendering): the public portal at <c>/</c> and the
/// staff console at <c>/console</c>. Pages call the same action classes and queries as the API;
/// they never go through HTTP to it. Text comes from <see cref="UiText"/> resources, zh-CN first.
/// </summary>
public static class WebUi
{
    public static readonly CultureInfo[] Cultures = [new("zh-CN"), new("en-US")];

    public static IServiceCollection AddDubanUi(this IServiceCollection services)
    {
        services.AddRazorComponents();
        // Chinese as itself in the pages, not &#x…; escapes (HTML-significant characters stay escaped).
        services.AddWebEncoders(o => o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddLocalization();
        services.AddAntiforgery();
        services.AddDubanConsole();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ConsoleSignInHandler>(ConsoleSignInHandler.SchemeName, null);
        // The pages' forms are doors as the API's are: the portal's (a report, a query code to guess)
        // limited like the public API, the sign-in in the same bucket as the API's login ("login"); reading a page is not limited.
        services.Configure<RateLimiterOptions>(o =>
        {
            o.AddPolicy(PortalForms, http => Hosting.DubanServices.PostsPerMinute(http, "PublicPerMinute", 60));
            o.OnRejected = async (context, ct) =>
            {
                if (IsApi(context.HttpContext.Request.Path)) return;
                context.HttpContext.Response.ContentType = "text/html; charset=utf-8";
                await ErrorPage.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "TooManyTitle", "TooManyText");
            };
        });
        return services;
    }

    private const string PortalForms = "portal-forms";
    private const string LoginForm = "login"; // the API's login policy: one bucket per address for both doors

    /// <summary>
    /// Headers for the pages: no sniffing, no framing (clickjacking), scripts and forms only from
    /// this site, and no referrer leaving it (a matter's URL names its number). Styles only from the stylesheets:
    /// no inline style attribute (an injected one could restyle a page to deceive), so pages use classes.
    /// </summary>
    private static void SecurityHeaders(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        if (IsApi(http.Request.Path)) return;
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
    }

    /// <summary>Middleware and endpoints of the pages; the API (/api, /openapi, /healthz) is left as it is.</summary>
    public static WebApplication UseDubanUi(this WebApplication app)
    {
        var localization = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(Cultures[0]),
            SupportedCultures = Cultures,
            SupportedUICultures = Cultures,
        };
        // Only the cookie set by the visible switch: a browser's Accept-Language does not turn the portal into English.
        localization.RequestCultureProviders = [new CookieRequestCultureProvider()];
        app.Use((http, next) =>
        {
            http.Response.OnStarting(() =>
            {
                SecurityHeaders(http);
                return Task.CompletedTask;
            });
            return next(http);
        });
        app.UseWhen(http => !IsApi(http.Request.Path), branch =>
        {
            branch.UseRequestLocalization(localization);
            // A bug on a page shows a page, never a stack trace (the API answers problem details as before).
            branch.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ErrorPage.WriteAsync });
        });
        // A query value a page cannot bind answers 400 naming it, before the page is built (never a 500).
        app.UseQueryValueCheck();
        app.UseAntiforgery();
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new Microsoft.Extensions.FileProviders.EmbeddedFileProvider(typeof(WebUi).Assembly, "Duban.wwwroot"),
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.MapRazorComponents<App>().Add(endpoint =>
        {
            // The sign-in form is a door for guessing passwords, the portal's for filing and guessing query codes.
            if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: ConsoleSignInHandler.LoginPath })
                endpoint.Metadata.Add(new Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute(LoginForm));
            if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: "/" or "/track" })
                endpoint.Metadata.Add(new Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute(PortalForms));
        });
        app.MapPost("/console/logout", async (HttpContext http) =>
        {
            await PasswordSignIn.SignOutAsync(http, http.RequestAborted);
            return Results.LocalRedirect("/console/login");
        }).WithMetadata(new Microsoft.AspNetCore.Antiforgery.RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        app.MapGet("/culture", (string? lang, string? returnUrl, HttpContext http) =>
        {
            var culture = Cultures.FirstOrDefault(c => c.Name == lang) ?? Cultures[0];
            http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                new CookieOptions { Path = "/", MaxAge = TimeSpan.FromDays(365), SameSite = SameSiteMode.Lax, IsEssential = true });
            return Results.LocalRedirect(LocalUrl(returnUrl));
        }).ExcludeFromDescription();
        // Not a page and not the API: the 404 page, in the layout (the API's unknown paths stay as they were).
        app.MapFallback("{*path:nonfile:regex(^(?!api/|api$|openapi/|healthz|_framework/|_content/))}", () =>
            new Microsoft.AspNetCore.Http.HttpResults.RazorComponentResult<App> { StatusCode = StatusCodes.Status404NotFound })
            .ExcludeFromDescription();
        return app;
    }

    public static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/healthz");

    /// <summary>A path on this site (printable ASCII only), else the portal's home: no open redirect, no header injection.</summary>
    public static string LocalUrl(string? url) =>
        url is { Length: > 0 and <= 2000 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
            && url.All(c => c is > ' ' and < (char)0x7F)
            ? url
            : "/";
}

/// <summary>The page shown when a page fails: plain HTML, written without the failed machinery.</summary>
public static class ErrorPage
{
    public static Task WriteAsync(HttpContext http) => WriteAsync(http, StatusCodes.Status500InternalServerError, "ErrorTitle", "ErrorText");

    /// <param name="textIsHtml">the text is already HTML (encoded by the caller), not a resource name.</param>
    public static async Task WriteAsync(HttpContext http, int status, string title, string text, bool textIsHtml = false)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        var localizer = http.RequestServices.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<UiText>>();
        // The site's encoder: Chinese as itself, markup escaped.
        var html = http.RequestServices.GetRequiredService<HtmlEncoder>();
        var lang = CultureInfo.CurrentUICulture.Name;
        await http.Response.WriteAsync($"""
            <!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{html.Encode(localizer[title])}</title><link rel="stylesheet" href="/css/duban.css"></head>
            <body><main class="page narrow"><h1>{html.Encode(localizer[title])}</h1>
            <p>{(textIsHtml ? text : html.Encode(localizer[text]))}</p><p><a href="/">{html.Encode(localizer["BackHome"])}</a></p></main></body></html>
            """);
    }
}

/// <summary>
/// The console's scheme: the same sign-in as the API (the <c>duban_auth</c> cookie, read by
/// <see cref="DubanAuthenticationHandler"/>), but an anonymous visitor is sent to the sign-in page
/// instead of receiving a bare 401.
/// </summary>
public sealed class ConsoleSignInHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DubanConsole";
    public const string LoginPath = "/console/login";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Context.AuthenticateAsync(DubanAuthenticationHandler.SchemeName);

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var back = Request.PathBase + Request.Path + Request.QueryString;
        Response.Redirect(LoginPath + "?returnUrl=" + Uri.EscapeDataString(back));
        return Task.CompletedTask;
    }
}
