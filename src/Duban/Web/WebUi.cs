using System.Globalization;
using System.Text.Encodings.Web;
using Duban.Features.Auth;
using Duban.Features.StaffConsole;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Localization;
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
        return services;
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
        app.UseWhen(http => !IsApi(http.Request.Path), branch =>
        {
            branch.UseRequestLocalization(localization);
            // A bug on a page shows a page, never a stack trace (the API answers problem details as before).
            branch.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ErrorPage.WriteAsync });
        });
        app.UseAntiforgery();
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new Microsoft.Extensions.FileProviders.EmbeddedFileProvider(typeof(WebUi).Assembly, "Duban.wwwroot"),
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.MapRazorComponents<App>().Add(endpoint =>
        {
            // The sign-in form is a door for guessing passwords: limited like the API's login.
            if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: ConsoleSignInHandler.LoginPath })
                endpoint.Metadata.Add(new Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute("login"));
        });
        app.MapPost("/console/logout", (HttpContext http) =>
        {
            PasswordSignIn.SignOut(http);
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

    /// <summary>A path on this site, else the portal's home: no open redirect.</summary>
    public static string LocalUrl(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";
}

/// <summary>The page shown when a page fails: plain HTML, written without the failed machinery.</summary>
public static class ErrorPage
{
    public static async Task WriteAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status500InternalServerError;
        http.Response.ContentType = "text/html; charset=utf-8";
        var localizer = http.RequestServices.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<UiText>>();
        var lang = CultureInfo.CurrentUICulture.Name;
        await http.Response.WriteAsync($"""
            <!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{HtmlEncoder.Default.Encode(localizer["ErrorTitle"])}</title><link rel="stylesheet" href="/css/duban.css"></head>
            <body><main class="page narrow"><h1>{HtmlEncoder.Default.Encode(localizer["ErrorTitle"])}</h1>
            <p>{HtmlEncoder.Default.Encode(localizer["ErrorText"])}</p><p><a href="/">{HtmlEncoder.Default.Encode(localizer["BackHome"])}</a></p></main></body></html>
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
