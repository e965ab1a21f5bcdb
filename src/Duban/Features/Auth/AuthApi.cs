using Duban.Common;
using Duban.Data;
using Microsoft.Extensions.Options;

namespace Duban.Features.Auth;

public static class AuthApi
{
    /// <summary><see cref="Otp"/>: a current TOTP code or an unused recovery code, when the account needs a second factor.</summary>
    public sealed record LoginRequest(string? Username, string? Password, string? Otp = null);
    /// <summary><see cref="RecoveryCodes"/>: only when this sign-in completed an enrolment, shown this once.</summary>
    public sealed record LoginResponse(string Token, string Username, string DisplayName, string UnitCode, string[] Roles, DateTimeOffset ExpiresAt,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? RecoveryCodes = null);
    public sealed record OtpRequest(string? Otp);
    public sealed record MfaRoleRequest(bool? Required);

    public static RouteGroupBuilder MapAuthApiV1(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/login", LoginAsync).AllowAnonymous().RequireRateLimiting("login").WithTags("Auth")
            .Produces<LoginResponse>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(429);
        api.MapPost("/auth/totp/setup", async (HttpContext http, TwoFactor twoFactor, CancellationToken ct) =>
        {
            var result = await twoFactor.SetupAsync(http.Actor(), ct);
            http.Response.Headers.CacheControl = "no-store";
            return ApiResults.ToHttp(result);
        }).RequireAuthorization().WithTags("Auth").Produces<TotpSetup>();
        api.MapPost("/auth/totp/confirm", async (OtpRequest? request, HttpContext http, TwoFactor twoFactor, CancellationToken ct) =>
        {
            var result = await twoFactor.ConfirmAsync(http.Actor(), request?.Otp, ct);
            http.Response.Headers.CacheControl = "no-store";
            return ApiResults.ToHttp(result);
        }).RequireAuthorization().WithTags("Auth").Produces<TotpEnrolled>().ProducesProblem(400).ProducesProblem(409);
        var mfa = api.MapGroup("/admin/mfa/roles").RequireAuthorization().WithTags("Administration");
        mfa.MapGet("", async (HttpContext http, TwoFactor twoFactor, Units.AdminScope scope, CancellationToken ct) =>
            scope.Require(http.Actor()).Error is { } refused ? ApiResults.Problem(refused) : Results.Ok(await twoFactor.RolesAsync(ct)));
        mfa.MapPut("/{role}", async (string role, MfaRoleRequest? request, HttpContext http, TwoFactor twoFactor, Units.AdminScope scope, CancellationToken ct) =>
            request?.Required is not { } required
                ? ApiResults.Problem(Error.Validation("required: 须为 true 或 false / required must be true or false"))
                : ApiResults.ToHttp(await twoFactor.SetRoleAsync(role, required, http.Actor(), scope, ct)));
        // Anonymous: a request whose token has ended still clears its cookie; a valid one also ends the account's sessions.
        api.MapPost("/auth/logout", async (HttpContext http, CancellationToken ct) =>
        {
            await PasswordSignIn.SignOutAsync(http, ct);
            return TypedResults.NoContent();
        }).AllowAnonymous().WithTags("Auth");
        return api;
    }

    /// <summary>
    /// A token, or a problem: 401 with <c>"mfaRequired": true</c> when the password was right and a second
    /// factor is needed (then the same body again with <c>"otp"</c>); with <c>"enrol": {secret, otpAuthUri,
    /// qrCode}</c> when the account's role requires one and it has none yet (the next sign-in with a code of
    /// that secret enrols it and answers the recovery codes once).
    /// </summary>
    private static async Task<IResult> LoginAsync(
        LoginRequest request, HttpContext http, DubanDb db, Tokens tokens, IOptions<AuthOptions> options, TimeProvider time, CancellationToken ct)
    {
        var result = await PasswordSignIn.ExecuteAsync(http, db, tokens, options, time, request.Username, request.Password, request.Otp, ct);
        if (!result.IsSuccess)
        {
            var error = result.Error!;
            var extensions = new Dictionary<string, object?> { ["code"] = error.Code };
            if (error.Code == "invalid_otp") extensions["mfaRequired"] = true;
            return Results.Problem(statusCode: error.Status, title: error.Message, type: "https://duban.dev/problems/" + error.Code, extensions: extensions);
        }
        var signedIn = result.Value!;
        var user = signedIn.User;
        http.Response.Headers.CacheControl = "no-store";
        if (signedIn.Mfa is { } mfa)
        {
            var extensions = new Dictionary<string, object?> { ["code"] = "mfa_required", ["mfaRequired"] = true };
            if (mfa.Enrol is { } enrol) extensions["enrol"] = enrol;
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, type: "https://duban.dev/problems/mfa_required",
                title: "需要动态验证码 / a one-time code (otp) is required", extensions: extensions);
        }
        return Results.Ok(new LoginResponse(signedIn.Token!, user.Username, user.DisplayName, user.UnitCode,
            [.. DubanAuthenticationHandler.ParseRoles(user.Roles)], signedIn.ExpiresAt, signedIn.RecoveryCodes));
    }
}
