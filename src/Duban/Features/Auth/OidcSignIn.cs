using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Localization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Duban.Features.Auth;

/// <summary>
/// Single sign-on (统一身份认证, issue 17): the government's OpenID Connect provider, off unless
/// <c>Duban:Auth:Oidc:Authority</c> and <c>ClientId</c> are set.
/// </summary>
public sealed class OidcOptions
{
    public const string Section = "Duban:Auth:Oidc";

    /// <summary>The issuer's address; its <c>/.well-known/openid-configuration</c> names the endpoints and keys.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    /// <summary>The client's secret at the provider (sent to the token endpoint with the code and the PKCE verifier).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// The id_token's claim whose value is the Duban account's username, exactly (e.g. <c>preferred_username</c>, or
    /// <c>sub</c> where the provider's subjects are the staff's account names). It must be one the provider
    /// guarantees unique and the person cannot change.
    /// </summary>
    [Required, StringLength(100, MinimumLength = 1)]
    public string Claim { get; set; } = "preferred_username";

    /// <summary>The provider's name on the sign-in button and in the audit (default: 统一身份认证 / the government identity provider).</summary>
    [StringLength(60)]
    public string? DisplayName { get; set; }

    /// <summary>
    /// Trust the provider's own second factor: an SSO sign-in then asks no TOTP code. Default false: an account that
    /// is enrolled, or whose role requires a second factor, gives its code after the provider's sign-in too.
    /// </summary>
    public bool SkipTotp { get; set; }

    /// <summary>The provider's metadata and keys only over HTTPS (default); false only for a provider on loopback (tests).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}

/// <summary>
/// Signs a staff member in through the identity provider (the ASP.NET Core OpenID Connect handler: the authorization
/// code flow with PKCE; the handler checks the state and its correlation cookie, the nonce, and the id_token's
/// signature (the provider's JWKS), issuer, audience and lifetime). The configured claim names an existing, active
/// account by its username; no account is ever created. The sign-in is then Duban's own: the same token and HttpOnly
/// cookie, carrying the account's security stamp, as a password sign-in, and an audited <c>signed_in</c> event naming
/// the provider. A refusal (no such account, a deactivated one, no claim) is a page and an audited
/// <c>sign_in_refused</c>; a response that does not verify is a page and a logged warning.
/// </summary>
public static class OidcSignIn
{
    public const string Scheme = "oidc";
    public const string StartPath = "/console/login/oidc";
    public const string CallbackPath = "/console/login/oidc/callback";
    /// <summary>The sign-in page's second step after the provider's sign-in, when a TOTP code is needed.</summary>
    public const string SecondFactorPath = "/console/login?sso=totp";
    private const string PendingCookie = "duban_sso";
    private const string ReturnItem = "duban.returnUrl";
    private static readonly TimeSpan PendingLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The provider's name as shown and audited.</summary>
    public static string ProviderName(OidcOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.DisplayName) ? "统一身份认证 / government identity provider" : options.DisplayName;
    }

    public static void AddDubanOidc(this IServiceCollection services)
    {
        services.AddOptions<OidcOptions>().BindConfiguration(OidcOptions.Section).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrWhiteSpace(o.Authority) == string.IsNullOrWhiteSpace(o.ClientId),
                "Duban:Auth:Oidc needs both Authority and ClientId (or neither: single sign-on off).")
            .Validate(o => !o.Enabled || !o.RequireHttpsMetadata || o.Authority!.StartsWith("https://", StringComparison.OrdinalIgnoreCase),
                "Duban:Auth:Oidc:Authority must be an https:// address (RequireHttpsMetadata=false only for a provider on loopback).")
            .ValidateOnStart();
        // Registered always (configuration is read when the options are built, after the host's settings are all in);
        // the scheme is removed at start when single sign-on is off (MapDubanOidc), so no request ever reaches it.
        services.AddAuthentication().AddOpenIdConnect(Scheme, _ => { });
        services.AddOptions<OpenIdConnectOptions>(Scheme).Configure<IOptions<OidcOptions>, IOptions<AuthOptions>>((o, oidc, auth) =>
        {
            var settings = oidc.Value;
            if (!settings.Enabled) return;
            o.Authority = settings.Authority;
            o.ClientId = settings.ClientId;
            o.ClientSecret = settings.ClientSecret;
            o.RequireHttpsMetadata = settings.RequireHttpsMetadata;
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.UsePkce = true;
            // The code comes back by a top-level GET, so the correlation and nonce cookies can be SameSite=Lax
            // (a form_post would need SameSite=None).
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.CallbackPath = CallbackPath;
            o.MapInboundClaims = false; // the claims by their names in the id_token (preferred_username, sub)
            o.GetClaimsFromUserInfoEndpoint = false;
            o.SaveTokens = false;
            o.DisableTelemetry = true;
            // Never used: the ticket is turned into Duban's own sign-in and the handler stops there (TicketReceivedAsync).
            o.SignInScheme = DubanAuthenticationHandler.SchemeName;
            var secure = auth.Value.SecureCookie ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = secure;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SecurePolicy = secure;
            o.Events = new OpenIdConnectEvents
            {
                OnTicketReceived = TicketReceivedAsync,
                OnRemoteFailure = RemoteFailureAsync,
            };
        });
    }

    /// <summary>The start of single sign-on (the sign-in page's button); without it configured, the scheme is removed and the path is not found.</summary>
    public static void MapDubanOidc(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetRequiredService<IOptions<OidcOptions>>().Value.Enabled)
        {
            app.Services.GetRequiredService<IAuthenticationSchemeProvider>().RemoveScheme(Scheme);
            return;
        }
        app.MapGet(StartPath, (string? returnUrl) =>
        {
            var properties = new AuthenticationProperties { RedirectUri = "/console" };
            properties.Items[ReturnItem] = ConsoleTarget(returnUrl);
            return Results.Challenge(properties, [Scheme]);
        }).AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>Where a sign-in goes on: a console page on this site, never the sign-in page itself.</summary>
    public static string ConsoleTarget(string? returnUrl)
    {
        var target = WebUi.LocalUrl(returnUrl);
        return target.StartsWith("/console", StringComparison.Ordinal) && !target.StartsWith("/console/login", StringComparison.Ordinal) ? target : "/console";
    }

    /// <summary>The provider's sign-in has verified: the claim names the account, and Duban signs it in (or asks its TOTP code, or refuses).</summary>
    private static async Task TicketReceivedAsync(TicketReceivedContext context)
    {
        // Duban's cookie, not the handler's sign-in scheme: the handler stops here whatever the outcome.
        context.HandleResponse();
        var http = context.HttpContext;
        var ct = http.RequestAborted;
        var services = http.RequestServices;
        var settings = services.GetRequiredService<IOptions<OidcOptions>>().Value;
        var db = services.GetRequiredService<DubanDb>();
        var value = context.Principal?.FindFirst(settings.Claim)?.Value;
        var target = context.Properties?.Items.TryGetValue(ReturnItem, out var back) == true ? ConsoleTarget(back) : "/console";
        User? user = null;
        if (value is { Length: > 0 and <= 100 } && !Text.HasControlCharacters(value))
            user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == value, ct);
        var reason = value is null ? "claim_missing" : user is null ? "unknown_account" : !user.Active ? "inactive_account" : null;
        if (reason is not null)
        {
            await RefuseAsync(http, settings, value, user, reason, ct);
            return;
        }
        if (!settings.SkipTotp && (user!.TotpSecret is not null || await services.GetRequiredService<TwoFactor>().RequiredForAsync(user.Roles, ct)))
        {
            // The provider's sign-in counts as the first factor only: the code on the sign-in page, within five minutes.
            SetPending(http, new Pending(user.Id, user.SecurityStamp, target));
            http.Response.Redirect(SecondFactorPath);
            return;
        }
        if (await SignInAsync(http, settings, user!.Id, user.SecurityStamp, false, ct) is null)
        {
            await RefuseAsync(http, settings, value, user, "inactive_account", ct);
            return;
        }
        await WriteContinuePageAsync(http, target);
    }

    /// <summary>
    /// The account's sign-in, as a password's: one audited change (<c>signed_in</c>, naming the provider and the claim)
    /// that reads the row afresh (still active, the same stamp as when the provider's answer was mapped), then the same
    /// token and cookie. Null when the account was deactivated or its sessions ended meanwhile.
    /// </summary>
    private static async Task<User?> SignInAsync(HttpContext http, OidcOptions settings, long userId, string stamp, bool secondFactor, CancellationToken ct)
    {
        var services = http.RequestServices;
        var db = services.GetRequiredService<DubanDb>();
        User? signedIn = null;
        var done = await services.GetRequiredService<AuditedChange>().RunAsync<bool>(async () =>
        {
            var row = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);
            if (row is null || !row.Active || row.SecurityStamp != stamp) return ChangeMade.Unchanged(false);
            signedIn = row;
            return new ChangeMade<bool>(true, [new AuditEvent(DubanAuthenticationHandler.OwnActor(row), "signed_in", new JsonObject
            {
                ["id"] = row.Id,
                ["username"] = row.Username,
                ["method"] = "oidc",
                ["provider"] = ProviderName(settings),
                ["issuer"] = settings.Authority,
                ["claim"] = settings.Claim,
                ["secondFactor"] = secondFactor,
            })], []);
        }, ct);
        if (!done.IsSuccess || !done.Value || signedIn is null) return null;
        PasswordSignIn.IssueCookie(http, signedIn, services.GetRequiredService<Tokens>(), services.GetRequiredService<IOptions<AuthOptions>>().Value,
            services.GetRequiredService<TimeProvider>());
        return signedIn;
    }

    /// <summary>An account the provider's answer does not name, or a deactivated one: audited (<c>sign_in_refused</c>), and a page saying so.</summary>
    private static async Task RefuseAsync(HttpContext http, OidcOptions settings, string? value, User? user, string reason, CancellationToken ct)
    {
        var actor = user is not null ? DubanAuthenticationHandler.OwnActor(user)
            : new Actor(null, "oidc", ProviderName(settings), "", "", "", new HashSet<string>(StringComparer.Ordinal), []);
        var data = new JsonObject
        {
            ["method"] = "oidc",
            ["provider"] = ProviderName(settings),
            ["issuer"] = settings.Authority,
            ["claim"] = settings.Claim,
            // What the provider said, cut short: it is not an account of Duban's and may be anything.
            ["value"] = value is null ? null : value[..Math.Min(value.Length, 100)],
            ["reason"] = reason,
        };
        if (user is not null)
        {
            data["id"] = user.Id;
            data["username"] = user.Username;
        }
        await http.RequestServices.GetRequiredService<AuditedChange>().RunAsync<bool>(() =>
            Task.FromResult<Result<ChangeMade<bool>>>(new ChangeMade<bool>(true, [new AuditEvent(actor, "sign_in_refused", data)], [])), ct);
        PageCulture(http);
        await ErrorPage.WriteAsync(http, StatusCodes.Status403Forbidden, "SsoRefusedTitle", reason == "inactive_account" ? "SsoInactiveText" : "SsoUnknownText");
    }

    /// <summary>
    /// A response that does not verify (state or correlation cookie, nonce, signature, issuer, audience, lifetime) or
    /// that the provider refused: a page, and a warning in the log (not audited: anyone can call the callback).
    /// </summary>
    private static async Task RemoteFailureAsync(RemoteFailureContext context)
    {
        context.HandleResponse();
        var http = context.HttpContext;
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcSignIn))
            .LogWarning(context.Failure, "Single sign-on refused: the provider's response did not verify");
        PageCulture(http);
        await ErrorPage.WriteAsync(http, StatusCodes.Status400BadRequest, "SsoRefusedTitle", "SsoFailedText");
    }

    /// <summary>
    /// The page after the provider's sign-in: Duban's cookie is SameSite=Strict, and a browser does not send it on a
    /// redirect chain that a cross-site page started, so the console is reached by a navigation from this page.
    /// </summary>
    private static async Task WriteContinuePageAsync(HttpContext http, string target)
    {
        PageCulture(http);
        var localizer = http.RequestServices.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<UiText>>();
        var html = http.RequestServices.GetRequiredService<HtmlEncoder>();
        var href = html.Encode(target);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        await http.Response.WriteAsync($"""
            <!DOCTYPE html><html lang="{CultureInfo.CurrentUICulture.Name}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="refresh" content="0;url={href}"><title>{html.Encode(localizer["SsoSignedIn"])}</title><link rel="stylesheet" href="/css/duban.css"></head>
            <body><main class="page narrow"><h1>{html.Encode(localizer["SsoSignedIn"])}</h1><p><a class="button primary" data-testid="sso-continue" href="{href}">{html.Encode(localizer["Continue"])}</a></p></main></body></html>
            """);
    }

    /// <summary>The visitor's language (the switch's cookie) for a page written here: the callback is answered before the pages' localization runs.</summary>
    private static void PageCulture(HttpContext http)
    {
        var chosen = http.Request.Cookies.TryGetValue(CookieRequestCultureProvider.DefaultCookieName, out var cookie)
            ? CookieRequestCultureProvider.ParseCookieValue(cookie)?.UICultures.Select(c => c.Value).FirstOrDefault()
            : null;
        var culture = WebUi.Cultures.FirstOrDefault(c => c.Name == chosen) ?? WebUi.Cultures[0];
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = culture;
    }

    /// <summary>An account whose provider's sign-in passed and whose TOTP code is awaited: kept in a protected cookie for five minutes.</summary>
    public sealed record Pending(long UserId, string Stamp, string ReturnUrl);

    private static ITimeLimitedDataProtector Protector(HttpContext http) =>
        http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("Duban.Auth.Oidc.SecondFactor").ToTimeLimitedDataProtector();

    private static void SetPending(HttpContext http, Pending pending)
    {
        var sealedValue = Protector(http).Protect(JsonSerializer.Serialize(pending), PendingLifetime);
        http.Response.Cookies.Append(PendingCookie, sealedValue, new CookieOptions
        {
            HttpOnly = true,
            // Lax: it must reach the sign-in page on the redirect from the provider's answer (a top-level GET).
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps || http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.SecureCookie,
            Path = "/console/login",
            MaxAge = PendingLifetime,
        });
    }

    /// <summary>The account awaiting its TOTP code after the provider's sign-in, if this browser has one (unexpired, untampered).</summary>
    public static Pending? PendingOf(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!http.Request.Cookies.TryGetValue(PendingCookie, out var value) || string.IsNullOrEmpty(value)) return null;
        try
        {
            return JsonSerializer.Deserialize<Pending>(Protector(http).Unprotect(value));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The second step of a single sign-on: a challenge to show (no code yet, or an enrolment), or signed in, where to go next and any recovery codes.</summary>
    public sealed record SecondStep(string Username, MfaChallenge? Challenge, string? Target, IReadOnlyList<string>? RecoveryCodes);

    /// <summary>
    /// The TOTP code after the provider's sign-in (<see cref="OidcOptions.SkipTotp"/> false): the same check as after a
    /// password (a code of the enrolled secret, once, or a recovery code; the enrolment of an account whose role requires
    /// one), counted in the account's backoff; then the sign-in, audited as the provider's.
    /// </summary>
    public static async Task<Result<SecondStep>> SecondFactorAsync(HttpContext http, string? otp, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        var services = http.RequestServices;
        var settings = services.GetRequiredService<IOptions<OidcOptions>>().Value;
        if (!settings.Enabled || PendingOf(http) is not { } pending) return Error.NotFound("单点登录已过期，请重新登录 / the single sign-on has expired: sign in again");
        var db = services.GetRequiredService<DubanDb>();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == pending.UserId && u.Active, ct);
        if (user is null || user.SecurityStamp != pending.Stamp)
            return Error.NotFound("单点登录已过期，请重新登录 / the single sign-on has expired: sign in again");
        var backoff = services.GetRequiredService<LoginBackoff>();
        if (!string.IsNullOrWhiteSpace(otp) && backoff.Wait(user.Username) is not null)
            return new Error(429, "too_many_attempts", "登录失败次数过多，请稍后再试 / too many failed sign-ins: try again later");
        var second = await PasswordSignIn.SecondFactorAsync(http, db, user, otp, user.Username, ct);
        if (second.Error is { } wrong) return wrong;
        if (second.Value!.Challenge is { } challenge) return new SecondStep(user.Username, challenge, null, null);
        backoff.Succeeded(user.Username);
        if (await SignInAsync(http, settings, user.Id, user.SecurityStamp, true, ct) is null)
            return Error.NotFound("单点登录已过期，请重新登录 / the single sign-on has expired: sign in again");
        http.Response.Cookies.Delete(PendingCookie, new CookieOptions { Path = "/console/login" });
        return new SecondStep(user.Username, null, pending.ReturnUrl, second.Value.RecoveryCodes);
    }
}
