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

        var userId = tokens.Validate(token);
        if (userId is null) return AuthenticateResult.Fail("invalid or expired token");

        var loaded = false;
        var actor = await cache.GetOrCreateAsync(ActorCacheKey(userId.Value), async entry =>
        {
            loaded = true;
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(30);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
            return await LoadActorAsync(db, units, userId.Value, Context.RequestAborted);
        });
        if (actor is not null && !loaded) actor = await CurrentAsync(actor, userId.Value);
        if (actor is null) return AuthenticateResult.Fail("unknown or inactive user");

        Context.Items[ActorItem] = actor;
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, userId.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, actor.Username),
        };
        claims.AddRange(actor.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>The cache entry of an account's actor (Features/Users forgets it when it changes the account).</summary>
    public static (string, long) ActorCacheKey(long userId) => ("actor", userId);

    /// <summary>
    /// The cached actor, checked against the account as it is now (one lookup by key): a deactivated
    /// account's token stops at its next request on every node, and a new unit, roles or name apply
    /// at once instead of when the cache entry ends (the unit's chain still follows within 30 s).
    /// </summary>
    private async Task<Actor?> CurrentAsync(Actor cached, long userId)
    {
        var db = Context.RequestServices.GetRequiredService<DubanDb>();
        var now = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.Active, u.UnitCode, u.Roles, u.DisplayName }).FirstOrDefaultAsync(Context.RequestAborted);
        if (now is null || !now.Active)
        {
            cache.Remove(ActorCacheKey(userId));
            return null;
        }
        if (now.UnitCode == cached.UnitCode && now.DisplayName == cached.DisplayName && ParseRoles(now.Roles).SetEquals(cached.Roles)) return cached;
        var fresh = await LoadActorAsync(db, units, userId, Context.RequestAborted);
        cache.Set(ActorCacheKey(userId), fresh, TimeSpan.FromSeconds(30));
        return fresh;
    }

    public static async Task<Actor?> LoadActorAsync(DubanDb db, UnitDirectory units, long userId, CancellationToken ct)
    {
        var row = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId && u.Active)
            .Join(db.Units, u => u.UnitCode, n => n.Code, (u, n) => new { u.Id, u.Username, u.DisplayName, u.UnitCode, u.Roles, n.Kind, n.TerritoryCode })
            .FirstOrDefaultAsync(ct);
        return row is null
            ? null
            : new Actor(row.Id, row.Username, row.DisplayName, row.UnitCode, row.Kind, row.TerritoryCode, ParseRoles(row.Roles),
                await units.ChainAsync(row.UnitCode, ct));
    }

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
