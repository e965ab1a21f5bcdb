using Duban.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Duban.Features.Auth;

public static class AuthApi
{
    public sealed record LoginRequest(string? Username, string? Password);
    public sealed record LoginResponse(string Token, string Username, string DisplayName, string UnitCode, string[] Roles, DateTimeOffset ExpiresAt);

    public static RouteGroupBuilder MapAuthApiV1(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/login", LoginAsync).AllowAnonymous().RequireRateLimiting("login").WithTags("Auth");
        // Anonymous: a request whose token has ended still clears its cookie; a valid one also ends the account's sessions.
        api.MapPost("/auth/logout", async (HttpContext http, CancellationToken ct) =>
        {
            await PasswordSignIn.SignOutAsync(http, ct);
            return TypedResults.NoContent();
        }).AllowAnonymous().WithTags("Auth");
        return api;
    }

    private static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext http, DubanDb db, Tokens tokens, IOptions<AuthOptions> options, TimeProvider time, CancellationToken ct)
    {
        var result = await PasswordSignIn.ExecuteAsync(http, db, tokens, options, time, request.Username, request.Password, ct);
        if (!result.IsSuccess) return TypedResults.Problem(statusCode: result.Error!.Status, title: result.Error.Message);
        var (user, token, expiresAt) = result.Value!;
        return TypedResults.Ok(new LoginResponse(token, user.Username, user.DisplayName, user.UnitCode,
            [.. DubanAuthenticationHandler.ParseRoles(user.Roles)], expiresAt));
    }
}
