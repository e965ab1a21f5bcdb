using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Auth;

/// <summary>
/// The account that signed in, its token and when the token ends; or, when <see cref="Mfa"/> is set, the
/// password was right and a second factor is needed (no token). <see cref="RecoveryCodes"/>: the codes of
/// an enrolment this sign-in completed, shown this once.
/// </summary>
public sealed record SignedIn(User User, string? Token, DateTimeOffset ExpiresAt, MfaChallenge? Mfa = null, IReadOnlyList<string>? RecoveryCodes = null);

/// <summary>A second factor is needed; <see cref="Enrol"/>: the account has none yet and its role requires one, so here is its set-up.</summary>
public sealed record MfaChallenge(TotpSetup? Enrol);

/// <summary>
/// Signs a user in with a password and sets the browser's cookie: one path for the API
/// (POST /api/v1/auth/login) and the console's sign-in page.
/// </summary>
public static class PasswordSignIn
{
    /// <summary>Checks the password (and the second factor where one is needed); on success issues a token and sets it as the HttpOnly cookie.</summary>
    public static Task<Result<SignedIn>> ExecuteAsync(HttpContext http, string? username, string? password, string? otp, CancellationToken ct)
    {
        var services = http.RequestServices;
        return ExecuteAsync(http, services.GetRequiredService<DubanDb>(), services.GetRequiredService<Tokens>(),
            services.GetRequiredService<IOptions<AuthOptions>>(), services.GetRequiredService<TimeProvider>(), username, password, otp, ct);
    }

    public static async Task<Result<SignedIn>> ExecuteAsync(HttpContext http, DubanDb db, Tokens tokens, IOptions<AuthOptions> options,
        TimeProvider time, string? username, string? password, string? otp, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password)
            || username.Length > 100 || Text.HasControlCharacters(username))
        {
            return new Error(400, "validation", "用户名和密码必填 / username and password are required");
        }
        // Guesses at one account wait, exponentially, whatever the address; the password is not even tried.
        var backoff = http.RequestServices.GetRequiredService<LoginBackoff>();
        if (backoff.Wait(username) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return new Error(429, "too_many_attempts", $"登录失败次数过多，请 {seconds} 秒后再试 / too many failed sign-ins: try again in {seconds} s");
        }
        var iterations = options.Value.PasswordIterations;
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == username && u.Active, ct);
        // The same answer, after the same work, for an unknown user and a wrong password: no account enumeration.
        var valid = user is null ? Passwords.VerifyDecoy(password, iterations) : Passwords.Verify(password, user.PasswordHash);
        if (user is null || !valid)
        {
            backoff.Failed(username);
            return new Error(401, "unauthorized", "用户名或密码错误 / wrong username or password");
        }
        var second = await SecondFactorAsync(http, db, user, otp, username, ct);
        if (second.Error is { } wrong) return wrong;
        if (second.Value!.Challenge is { } challenge) return new SignedIn(user, null, default, challenge);
        backoff.Succeeded(username);
        if (Passwords.NeedsUpgrade(user.PasswordHash, iterations)) await UpgradeHashAsync(http, db, user, password, iterations, ct);
        var (token, expiresAt) = IssueCookie(http, user, tokens, options.Value, time);
        return new SignedIn(user, token, expiresAt, RecoveryCodes: second.Value.RecoveryCodes);
    }

    /// <summary>The second factor's outcome: a challenge to answer (no sign-in yet), or passed, with the recovery codes of an enrolment it completed.</summary>
    internal sealed record SecondFactor(MfaChallenge? Challenge, IReadOnlyList<string>? RecoveryCodes);

    /// <summary>
    /// The second factor, once the first (the password, or the identity provider's sign-in: OidcSignIn) has passed: for
    /// an enrolled account, and for every account of a role that requires one (mfa_roles). Without a code: a challenge
    /// (and, for an account that has none and must, a pending set-up). A wrong code counts as a failure of the account
    /// (<paramref name="backoffKey"/>, its username), as a wrong password does.
    /// </summary>
    internal static async Task<Result<SecondFactor>> SecondFactorAsync(HttpContext http, DubanDb db, User user, string? otp, string backoffKey, CancellationToken ct)
    {
        var backoff = http.RequestServices.GetRequiredService<LoginBackoff>();
        var twoFactor = http.RequestServices.GetRequiredService<TwoFactor>();
        var enrolled = user.TotpSecret is not null;
        if (!enrolled && !await twoFactor.RequiredForAsync(user.Roles, ct)) return new SecondFactor(null, null);
        if (string.IsNullOrWhiteSpace(otp))
        {
            if (enrolled) return new SecondFactor(new MfaChallenge(null), null);
            // Enrolment at the first sign-in: the first factor's holder gets a pending secret, confirmed by signing in with a code of it.
            var pending = await db.Users.FirstAsync(u => u.Id == user.Id, ct);
            var setup = twoFactor.NewSetup(pending);
            await db.SaveChangesAsync(ct);
            return new SecondFactor(new MfaChallenge(setup), null);
        }
        if (enrolled)
        {
            if (await twoFactor.VerifyAsync(user, otp, ct)) return new SecondFactor(null, null);
            backoff.Failed(backoffKey);
            return new Error(401, "invalid_otp", "动态验证码不正确或已使用 / the one-time code is wrong, expired or used already");
        }
        var actor = DubanAuthenticationHandler.OwnActor(user);
        var enrolment = await http.RequestServices.GetRequiredService<Features.Audit.AuditedChange>().RunAsync<TotpEnrolled>(async () =>
            twoFactor.Enrol(await db.Users.FirstAsync(u => u.Id == user.Id, ct), otp, actor), ct);
        if (enrolment.Error is { } refused)
        {
            backoff.Failed(backoffKey);
            return refused.Code == "invalid_otp" ? new Error(401, "invalid_otp", refused.Message) : refused;
        }
        return new SecondFactor(null, enrolment.Value!.RecoveryCodes);
    }

    /// <summary>
    /// Issues the account's token (carrying its security stamp) and sets it as the browser's cookie: one way for every
    /// sign-in (the password, the API, the identity provider's).
    /// </summary>
    internal static (string Token, DateTimeOffset ExpiresAt) IssueCookie(HttpContext http, User user, Tokens tokens, AuthOptions options, TimeProvider time)
    {
        var lifetime = TimeSpan.FromMinutes(options.TokenMinutes);
        var token = tokens.Issue(user.Id, user.SecurityStamp, lifetime);
        // The browser keeps the same token in a cookie that scripts cannot read and other sites
        // cannot send (SameSite=Strict: no cross-site request carries it, so no CSRF).
        http.Response.Cookies.Append(DubanAuthenticationHandler.CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps || options.SecureCookie,
            Path = "/",
            Expires = time.GetUtcNow().Add(lifetime),
        });
        return (token, time.GetUtcNow().Add(lifetime));
    }

    /// <summary>
    /// A hash of fewer iterations than the deployment's is replaced, now that the password is known, by one
    /// at the current work factor: one audited change (<c>password_rehashed</c>, naming the account and the
    /// iterations, never the hash), once per account. Only if the stored hash is still the one verified (a
    /// reset at the same moment wins). The security stamp stays: the sessions go on.
    /// </summary>
    private static async Task UpgradeHashAsync(HttpContext http, DubanDb db, User user, string password, int iterations, CancellationToken ct)
    {
        var upgraded = Passwords.Hash(password, iterations);
        var from = Passwords.IterationsOf(user.PasswordHash);
        await http.RequestServices.GetRequiredService<Features.Audit.AuditedChange>().RunAsync<bool>(async () =>
        {
            var row = await db.Users.FirstOrDefaultAsync(u => u.Id == user.Id, ct);
            if (row is null || row.PasswordHash != user.PasswordHash) return Features.Audit.ChangeMade.Unchanged(false);
            row.PasswordHash = upgraded;
            return new Features.Audit.ChangeMade<bool>(true, [new Features.Audit.AuditEvent(DubanAuthenticationHandler.OwnActor(row), "password_rehashed",
                new System.Text.Json.Nodes.JsonObject { ["id"] = row.Id, ["username"] = row.Username, ["from"] = from, ["to"] = iterations })], []);
        }, ct);
        user.PasswordHash = upgraded;
    }

    /// <summary>
    /// Signs out: when the request carries a valid token or cookie, the account gets a new security
    /// stamp (every token and cookie issued to it before stops at once, on every node: a logout ends
    /// all of the account's sessions), recorded by the audited event <c>signed_out</c>; and the
    /// browser's cookie is forgotten. Without a valid sign-in it only forgets the cookie.
    /// </summary>
    public static async Task SignOutAsync(HttpContext http, CancellationToken ct)
    {
        if (http.Items[DubanAuthenticationHandler.ActorItem] is Actor { Id: { } id } actor)
        {
            var services = http.RequestServices;
            var db = services.GetRequiredService<DubanDb>();
            var cache = services.GetRequiredService<Microsoft.Extensions.Caching.Memory.IMemoryCache>();
            await services.GetRequiredService<Features.Audit.AuditedChange>().RunAsync<bool>(async () =>
            {
                var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
                if (user is null) return Features.Audit.ChangeMade.Unchanged(false);
                user.SecurityStamp = SecurityStamps.New();
                return new Features.Audit.ChangeMade<bool>(true, [new Features.Audit.AuditEvent(actor, "signed_out",
                    new System.Text.Json.Nodes.JsonObject { ["id"] = user.Id, ["username"] = user.Username, ["sessionsEnded"] = true })], []);
            }, ct);
            cache.Remove(DubanAuthenticationHandler.ActorCacheKey(id));
        }
        http.Response.Cookies.Delete(DubanAuthenticationHandler.CookieName, new CookieOptions { Path = "/" });
    }
}
