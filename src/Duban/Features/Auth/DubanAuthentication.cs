using System.Security.Claims;
using System.Text.Encodings.Web;
using Duban.Common;
using Duban.Data;
using Duban.Features.Units;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Duban.Features.Auth;

/// <summary>
/// One scheme for the API (Authorization: Bearer) and the browser (the same token in an
/// HttpOnly cookie). The user's roles and unit come from the database, cached briefly.
/// </summary>
public sealed class DubanAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    Tokens tokens,
    IMemoryCache cache,
    IServiceScopeFactory scopes,
    UnitDirectory units) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Duban";
    public const string CookieName = "duban_auth";
    internal const string ActorItem = "duban.actor";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = null;
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) token = header["Bearer ".Length..].Trim();
        else if (Request.Cookies.TryGetValue(CookieName, out var cookie)) token = cookie;
        if (string.IsNullOrEmpty(token)) return AuthenticateResult.NoResult();

        var claims = tokens.Read(token);
        if (claims is null) return AuthenticateResult.Fail("invalid or expired token");
        var userId = claims.UserId;

        var loaded = false;
        var account = await cache.GetOrCreateAsync(ActorCacheKey(userId), async entry =>
        {
            loaded = true;
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(30);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
            return await LoadAccountAsync(db, units, userId, Context.RequestAborted);
        });
        if (account is not null && !loaded) account = await CurrentAsync(account, userId);
        if (account is null) return AuthenticateResult.Fail("unknown or inactive user");
        // The token's stamp must be the account's as it is now (read above on this request): logout, a
        // password reset, a deactivation or a change of roles or unit ended every token issued before it.
        if (!string.Equals(account.Stamp, claims.Stamp, StringComparison.Ordinal)) return AuthenticateResult.Fail("session ended");
        var actor = account.Actor;

        Context.Items[ActorItem] = actor;
        var identity = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, userId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, actor.Username),
        };
        identity.AddRange(actor.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(identity, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>The cache entry of an account's actor (Features/Users forgets it when it changes the account).</summary>
    public static (string, long) ActorCacheKey(long userId) => ("actor", userId);

    /// <summary>An account as signed in: the actor and the security stamp the row had when it was read.</summary>
    private sealed record SignedInAccount(Actor Actor, string Stamp);

    /// <summary>
    /// The cached account, checked against the row as it is now (one lookup by key on every request):
    /// a deactivated account's token stops at its next request on every node, a new stamp ends the
    /// tokens issued before it, and a new unit, roles or name apply at once instead of when the cache
    /// entry ends (the unit's chain still follows within 30 s).
    /// </summary>
    private async Task<SignedInAccount?> CurrentAsync(SignedInAccount cached, long userId)
    {
        var db = Context.RequestServices.GetRequiredService<DubanDb>();
        var now = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.Active, u.UnitCode, u.Roles, u.DisplayName, u.SecurityStamp }).FirstOrDefaultAsync(Context.RequestAborted);
        if (now is null || !now.Active)
        {
            cache.Remove(ActorCacheKey(userId));
            return null;
        }
        var actor = cached.Actor;
        if (now.UnitCode == actor.UnitCode && now.DisplayName == actor.DisplayName && ParseRoles(now.Roles).SetEquals(actor.Roles))
        {
            if (now.SecurityStamp == cached.Stamp) return cached;
            var restamped = cached with { Stamp = now.SecurityStamp };
            cache.Set(ActorCacheKey(userId), restamped, TimeSpan.FromSeconds(30));
            return restamped;
        }
        var fresh = await LoadAccountAsync(db, units, userId, Context.RequestAborted);
        cache.Set(ActorCacheKey(userId), fresh, TimeSpan.FromSeconds(30));
        return fresh;
    }

    private static async Task<SignedInAccount?> LoadAccountAsync(DubanDb db, UnitDirectory units, long userId, CancellationToken ct)
    {
        var row = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId && u.Active)
            .Join(db.Units, u => u.UnitCode, n => n.Code, (u, n) => new { u.Id, u.Username, u.DisplayName, u.UnitCode, u.Roles, u.SecurityStamp, n.Kind, n.TerritoryCode })
            .FirstOrDefaultAsync(ct);
        return row is null
            ? null
            : new SignedInAccount(new Actor(row.Id, row.Username, row.DisplayName, row.UnitCode, row.Kind, row.TerritoryCode, ParseRoles(row.Roles),
                await units.ChainAsync(row.UnitCode, ct)), row.SecurityStamp);
    }

    public static async Task<Actor?> LoadActorAsync(DubanDb db, UnitDirectory units, long userId, CancellationToken ct) =>
        (await LoadAccountAsync(db, units, userId, ct))?.Actor;

    /// <summary>
    /// The account as the actor of its own sign-in's events (enrolment, a recovery code spent, a hash upgraded):
    /// no unit kind, territory or chain, for nothing is decided by them there.
    /// </summary>
    public static Actor OwnActor(User user) =>
        new(user.Id, user.Username, user.DisplayName, user.UnitCode, "", "", ParseRoles(user.Roles), []);

    public static HashSet<string> ParseRoles(string roles) =>
        new(roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
}

public static class ActorHttpContextExtensions
{
    /// <summary>The authenticated actor; endpoints that call this require authorization.</summary>
    public static Actor Actor(this HttpContext context) =>
        context.Items[DubanAuthenticationHandler.ActorItem] as Actor
        ?? throw new InvalidOperationException("No authenticated actor: the endpoint must require authorization.");
}
