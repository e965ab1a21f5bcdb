using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Auth;

/// <summary>The account that signed in, its token and when the token ends.</summary>
public sealed record SignedIn(User User, string Token, DateTimeOffset ExpiresAt);

/// <summary>
/// Signs a user in with a password and sets the browser's cookie: one path for the API
/// (POST /api/v1/auth/login) and the console's sign-in page.
/// </summary>
public static class PasswordSignIn
{
    /// <summary>Checks the password; on success issues a token and sets it as the HttpOnly cookie.</summary>
    public static Task<Result<SignedIn>> ExecuteAsync(HttpContext http, string? username, string? password, CancellationToken ct)
    {
        var services = http.RequestServices;
        return ExecuteAsync(http, services.GetRequiredService<DubanDb>(), services.GetRequiredService<Tokens>(),
            services.GetRequiredService<IOptions<AuthOptions>>(), services.GetRequiredService<TimeProvider>(), username, password, ct);
    }

    public static async Task<Result<SignedIn>> ExecuteAsync(HttpContext http, DubanDb db, Tokens tokens, IOptions<AuthOptions> options,
        TimeProvider time, string? username, string? password, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password)
            || username.Length > 100 || Text.HasControlCharacters(username))
        {
            return new Error(400, "validation", "用户名和密码必填 / username and password are required");
        }
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == username && u.Active, ct);
        // The same answer, after the same work, for an unknown user and a wrong password: no account enumeration.
        var valid = user is null ? Passwords.VerifyDecoy(password) : Passwords.Verify(password, user.PasswordHash);
        if (user is null || !valid)
        {
            return new Error(401, "unauthorized", "用户名或密码错误 / wrong username or password");
        }
        var lifetime = TimeSpan.FromMinutes(options.Value.TokenMinutes);
        var token = tokens.Issue(user.Id, lifetime);
        // The browser keeps the same token in a cookie that scripts cannot read and other sites
        // cannot send (SameSite=Strict: no cross-site request carries it, so no CSRF).
        http.Response.Cookies.Append(DubanAuthenticationHandler.CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps || options.Value.SecureCookie,
            Path = "/",
            Expires = time.GetUtcNow().Add(lifetime),
        });
        return new SignedIn(user, token, time.GetUtcNow().Add(lifetime));
    }

    /// <summary>Forgets the browser's sign-in.</summary>
    public static void SignOut(HttpContext http) =>
        http.Response.Cookies.Delete(DubanAuthenticationHandler.CookieName, new CookieOptions { Path = "/" });
}
