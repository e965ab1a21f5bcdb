using Duban.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Auth;

public static class AuthApi
{
    public sealed record LoginRequest(string? Username, string? Password);
    public sealed record LoginResponse(string Token, string Username, string DisplayName, string UnitCode, string[] Roles, DateTimeOffset ExpiresAt);

    public static RouteGroupBuilder MapAuthApiV1(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/login", LoginAsync).AllowAnonymous().RequireRateLimiting("login").WithTags("Auth");
        api.MapPost("/auth/logout", (HttpContext http) =>
        {
            http.Response.Cookies.Delete(DubanAuthenticationHandler.CookieName, new CookieOptions { Path = "/" });
            return TypedResults.NoContent();
        }).AllowAnonymous().WithTags("Auth");
        return api;
    }

    private static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext http, DubanDb db, Tokens tokens, IOptions<AuthOptions> options, TimeProvider time, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Username) || string.IsNullOrEmpty(request.Password)
            || request.Username.Length > 100 || Duban.Common.Text.HasControlCharacters(request.Username))
        {
            return TypedResults.Problem(statusCode: 400, title: "用户名和密码必填 / username and password are required");
        }
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == request.Username && u.Active, ct);
        // The same answer, after the same work, for an unknown user and a wrong password: no account enumeration.
        var valid = user is null ? Passwords.VerifyDecoy(request.Password) : Passwords.Verify(request.Password, user.PasswordHash);
        if (user is null || !valid)
        {
            return TypedResults.Problem(statusCode: 401, title: "用户名或密码错误 / wrong username or password");
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
        return TypedResults.Ok(new LoginResponse(token, user.Username, user.DisplayName, user.UnitCode,
            [.. DubanAuthenticationHandler.ParseRoles(user.Roles)], time.GetUtcNow().Add(lifetime)));
    }
}
