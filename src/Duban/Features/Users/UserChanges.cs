using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Auth;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Duban.Features.Users;

/// <summary>An account as an administrator sees it. <see cref="Version"/> is a hash of its stored fields (no version column), to edit with.</summary>
public sealed record UserView(long Id, string Username, string DisplayName, string UnitCode, string? UnitName, IReadOnlyList<string> Roles,
    bool Active, DateTimeOffset CreatedAt, string Version);

/// <summary>A new account: the initial password is given (at least 8 characters) or, when blank, generated.</summary>
public sealed record AddUserRequest(string? Username, string? DisplayName, string? UnitCode, IReadOnlyList<string>? Roles, string? Password);

/// <summary>The new account, and its password when Duban generated it: shown this once, never stored or logged in clear.</summary>
public sealed record UserAdded(UserView User, string? Password);

/// <summary>A change of display name, unit and roles, from the version of the account the editor saw.</summary>
public sealed record ChangeUserRequest(string? DisplayName, string? UnitCode, IReadOnlyList<string>? Roles, string? Version);

/// <summary>A new generated password, shown this once.</summary>
public sealed record PasswordReset(UserView User, string Password);

/// <summary>
/// An administrator's changes to accounts: add one, change its name, unit and roles, deactivate and
/// reactivate it, reset its password. Within the administrator's reach (<see cref="AdminScope"/>: a
/// county's administrator only the accounts of the county's units, and only into them, so never a
/// city-wide administrator). An account outside the reach is not found, as a matter outside one's
/// scope is. Nobody deactivates themselves or drops their own admin role, and the city keeps at least
/// one active city-wide administrator. Each change is one <see cref="AuditedChange"/> with its event (user_added, user_changed,
/// user_password_reset); no event carries a password or a hash. The node that
/// makes a change forgets the account's cached sign-in; every node checks the account on each request
/// (<see cref="DubanAuthenticationHandler"/>), so a deactivated account's token stops at once.
/// </summary>
public sealed partial class UserChanges(DubanDb db, AuditedChange change, AdminScope scope, IMemoryCache cache, TimeProvider time,
    Microsoft.Extensions.Options.IOptions<AuthOptions> auth)
{
    public const int MinPassword = 8, MaxPassword = 200, MaxDisplayName = 50;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{1,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex UsernameShape();

    public async Task<Result<UserAdded>> AddAsync(AddUserRequest request, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reach = scope.Require(actor);
        if (reach.Error is { } refused) return refused;
        var username = request.Username?.Trim() ?? "";
        var problems = new List<string>();
        if (Text.HasControlCharacters(username) || !UsernameShape().IsMatch(username))
            problems.Add("用户名须为 2–40 个小写字母、数字或 . _ -，以字母或数字开头 / username must be 2–40 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit");
        var displayName = Text.OrNull(request.DisplayName) ?? username;
        CheckDisplayName(displayName, problems);
        var roles = CheckRoles(request.Roles, problems);
        var given = string.IsNullOrEmpty(request.Password) ? null : request.Password;
        if (given is not null && (given.Length is < MinPassword or > MaxPassword || Text.HasControlCharacters(given)))
            problems.Add($"初始密码须为 {MinPassword}–{MaxPassword} 个字符，或留空由系统生成 / password must be {MinPassword} to {MaxPassword} characters, or blank to generate one");
        if (problems.Count > 0) return Error.Validation(string.Join("; ", problems));

        return await change.RunAsync<UserAdded>(async () =>
        {
            var unitResult = await UnitInReachAsync(request.UnitCode, reach.Value!, ct);
            if (unitResult.Error is { } badUnit) return badUnit;
            var unit = unitResult.Value!;
            if (await db.Users.AnyAsync(u => u.Username == username, ct))
                return Error.Conflict("username_taken", $"用户名 {username} 已被使用 / username {username} is taken");
            var password = given ?? Passwords.Generate();
            var user = new User
            {
                Username = username,
                DisplayName = displayName,
                UnitCode = unit.Code,
                Roles = string.Join(',', roles),
                PasswordHash = Passwords.Hash(password, auth.Value.PasswordIterations),
                Active = true,
                CreatedAt = time.Now(),
            };
            db.Users.Add(user);
            await db.SaveChangesAsync(ct);
            return new ChangeMade<UserAdded>(new UserAdded(View(user, unit.Name), given is null ? password : null), [new AuditEvent(actor, "user_added", new JsonObject
            {
                ["id"] = user.Id,
                ["username"] = user.Username,
                ["displayName"] = user.DisplayName,
                ["unit"] = user.UnitCode,
                ["roles"] = user.Roles,
                ["passwordGenerated"] = given is null,
            })], []);
        }, ct);
    }

    public async Task<Result<UserView>> ChangeAsync(long id, ChangeUserRequest request, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reach = scope.Require(actor);
        if (reach.Error is { } refused) return refused;
        var problems = new List<string>();
        var displayName = request.DisplayName?.Trim() ?? "";
        CheckDisplayName(displayName, problems);
        var roles = CheckRoles(request.Roles, problems);
        if (string.IsNullOrWhiteSpace(request.Version))
            problems.Add("缺少所编辑账号的版本 / version is required: the version of the account you edited");
        if (problems.Count > 0) return Error.Validation(string.Join("; ", problems));

        return ForgettingSignIn(id, await change.RunAsync<UserView>(async () =>
        {
            var found = await TargetAsync(id, reach.Value!, ct);
            if (found.Error is { } missing) return missing;
            var user = found.Value!;
            if (VersionOf(user) != request.Version!.Trim()) return Stale();
            var unitResult = await UnitInReachAsync(request.UnitCode, reach.Value!, ct);
            if (unitResult.Error is { } badUnit) return badUnit;
            var unit = unitResult.Value!;
            var newRoles = string.Join(',', roles);
            if (user.Id == actor.Id && HasAdmin(user.Roles) && !roles.Contains(Roles.Admin))
                return Error.Conflict("own_account", "不能取消自己的管理员角色 / roles: you may not remove your own admin role");
            var before = Fields(user);
            user.DisplayName = displayName;
            user.UnitCode = unit.Code;
            user.Roles = newRoles;
            // A new unit or new roles end the sessions signed in under the old ones (their reach was another).
            var endSessions = before.First(f => f.Field == "unit").Value != user.UnitCode || before.First(f => f.Field == "roles").Value != user.Roles;
            if (endSessions) user.SecurityStamp = SecurityStamps.New();
            // Refused: the audited change forgets the unsaved change, so nothing later in this scope saves it.
            if (await LastCityAdminAsync(user, before, ct) is { } last) return last;
            return Changed(user, before, unit.Name, actor, endSessions);
        }, ct));
    }

    /// <summary>Deactivates or reactivates an account; <paramref name="version"/>, when given, must be the account's current one.</summary>
    public async Task<Result<UserView>> SetActiveAsync(long id, bool active, string? version, Actor actor, CancellationToken ct = default)
    {
        var reach = scope.Require(actor);
        if (reach.Error is { } refused) return refused;
        return ForgettingSignIn(id, await change.RunAsync<UserView>(async () =>
        {
            var found = await TargetAsync(id, reach.Value!, ct);
            if (found.Error is { } missing) return missing;
            var user = found.Value!;
            if (!string.IsNullOrWhiteSpace(version) && VersionOf(user) != version.Trim()) return Stale();
            if (!active && user.Id == actor.Id)
                return Error.Conflict("own_account", "不能停用自己的账号 / you may not deactivate your own account");
            if (user.Active == active)
            {
                return active
                    ? Error.Conflict("already_active", "该账号已是启用状态 / the account is active already")
                    : Error.Conflict("already_inactive", "该账号已停用 / the account is deactivated already");
            }
            var before = Fields(user);
            user.Active = active;
            // Deactivated, the account's tokens end; reactivated, they stay ended (a new stamp again, so that a
            // token from before the deactivation never comes back to life, whatever happened in between).
            user.SecurityStamp = SecurityStamps.New();
            // Refused: the audited change forgets the unsaved change, so nothing later in this scope saves it.
            if (await LastCityAdminAsync(user, before, ct) is { } last) return last;
            var unitName = await db.Units.Where(u => u.Code == user.UnitCode).Select(u => u.Name).FirstOrDefaultAsync(ct);
            return Changed(user, before, unitName, actor, sessionsEnded: true);
        }, ct));
    }

    /// <summary>
    /// A new generated password for the account; the event names the account, never the password or its hash.
    /// The account gets a new security stamp: every session signed in with the old password ends at once.
    /// </summary>
    public async Task<Result<PasswordReset>> ResetPasswordAsync(long id, Actor actor, CancellationToken ct = default)
    {
        var reach = scope.Require(actor);
        if (reach.Error is { } refused) return refused;
        return ForgettingSignIn(id, await change.RunAsync<PasswordReset>(async () =>
        {
            var found = await TargetAsync(id, reach.Value!, ct);
            if (found.Error is { } missing) return missing;
            var user = found.Value!;
            var password = Passwords.Generate();
            user.PasswordHash = Passwords.Hash(password, auth.Value.PasswordIterations);
            user.SecurityStamp = SecurityStamps.New();
            var unitName = await db.Units.Where(u => u.Code == user.UnitCode).Select(u => u.Name).FirstOrDefaultAsync(ct);
            return new ChangeMade<PasswordReset>(new PasswordReset(View(user, unitName), password),
                [new AuditEvent(actor, "user_password_reset", new JsonObject { ["id"] = user.Id, ["username"] = user.Username, ["sessionsEnded"] = true })], []);
        }, ct));
    }

    /// <summary>The version of an account: the first 16 hex digits of SHA-256 over its id, name, unit, roles and state (not its password).</summary>
    public static string VersionOf(User u)
    {
        ArgumentNullException.ThrowIfNull(u);
        var canonical = JsonSerializer.Serialize(new object[] { u.Id, u.Username, u.DisplayName, u.UnitCode, u.Roles, u.Active });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16];
    }

    public static UserView View(User u, string? unitName)
    {
        ArgumentNullException.ThrowIfNull(u);
        return new(u.Id, u.Username, u.DisplayName, u.UnitCode, unitName, [.. DubanAuthenticationHandler.ParseRoles(u.Roles).Order(StringComparer.Ordinal)],
            u.Active, u.CreatedAt, VersionOf(u));
    }

    public static bool HasAdmin(string roles) => DubanAuthenticationHandler.ParseRoles(roles).Contains(Roles.Admin);

    private static Error Stale() =>
        Error.Conflict("stale_version", "账号已被他人修改，请刷新后重试 / the account changed since you opened it: reload it and try again");

    private static void CheckDisplayName(string name, List<string> problems)
    {
        if (Text.HasControlCharacters(name) || name.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
            problems.Add("姓名须为一行，不含控制字符 / display name must be one line without control characters");
        else if (name.Length is < 1 or > MaxDisplayName)
            problems.Add($"姓名须为 1 至 {MaxDisplayName} 个字符 / display name must be 1 to {MaxDisplayName} characters");
    }

    /// <summary>The roles, distinct and in a fixed order, or a problem when none or an unknown one is given.</summary>
    private static List<string> CheckRoles(IReadOnlyList<string>? given, List<string> problems)
    {
        var roles = (given ?? []).Select(r => r?.Trim() ?? "").Where(r => r.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (roles.Count == 0 || roles.Any(r => !Roles.All.Contains(r)))
            problems.Add("请至少选择一个角色，角色须为 " + string.Join("、", Roles.All) + " / roles must be one or more of: " + string.Join(", ", Roles.All));
        return roles;
    }

    /// <summary>The account to change, or not found when it does not exist or lies outside the reach (an account of another county).</summary>
    private async Task<Result<User>> TargetAsync(long id, AdminReach reach, CancellationToken ct)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        var territory = user is null ? null : await db.Units.Where(u => u.Code == user.UnitCode).Select(u => u.TerritoryCode).FirstOrDefaultAsync(ct);
        return user is not null && reach.Covers(territory) ? user : Error.NotFound("账号不存在 / account not found");
    }

    private async Task<Result<Unit>> UnitInReachAsync(string? code, AdminReach reach, CancellationToken ct)
    {
        var trimmed = code?.Trim() ?? "";
        var unit = trimmed.Length is 0 or > UnitChanges.MaxCode ? null : await db.Units.AsNoTracking().FirstOrDefaultAsync(u => u.Code == trimmed, ct);
        if (unit is null) return new Error(400, "unknown_unit", $"单位 {trimmed} 不存在 / unit {trimmed} does not exist");
        if (!reach.Covers(unit.TerritoryCode))
            return Error.Forbidden("单位须在您管理的县（市、区）内 / unit must lie in the county you administer");
        return unit;
    }

    /// <summary>
    /// The city keeps at least one active city-wide administrator: an account that was one (active,
    /// admin, in a unit of the home division) and no longer is after this change needs another.
    /// Inside the change's transaction, after the chain's lock: two administrators demoting each
    /// other at once are one after the other, and the second is refused.
    /// </summary>
    private async Task<Error?> LastCityAdminAsync(User user, (string, string?)[] before, CancellationToken ct)
    {
        var wasActive = before.First(f => f.Item1 == "active").Item2 == "true";
        var wasRoles = before.First(f => f.Item1 == "roles").Item2 ?? "";
        var wasUnit = before.First(f => f.Item1 == "unit").Item2;
        var home = scope.Home;
        var cityUnits = db.Units.Where(n => n.TerritoryCode == home).Select(n => n.Code);
        var was = wasActive && HasAdmin(wasRoles) && await cityUnits.ContainsAsync(wasUnit!, ct);
        if (!was) return null;
        var still = user.Active && HasAdmin(user.Roles) && await cityUnits.ContainsAsync(user.UnitCode, ct);
        if (still) return null;
        // Roles holds names none of which contains another: LIKE '%admin%' finds exactly the administrators.
        var others = await db.Users.AnyAsync(u => u.Id != user.Id && u.Active && u.Roles.Contains(Roles.Admin) && cityUnits.Contains(u.UnitCode), ct);
        return others ? null
            : Error.Conflict("last_admin", "这是最后一位在用的市级管理员，不能停用或降级 / this is the last active city-wide administrator: it cannot be deactivated or demoted");
    }

    /// <summary>The account's answer and, when a field changed, its user_changed event with each field old and new.</summary>
    private static ChangeMade<UserView> Changed(User user, (string Field, string? Value)[] before, string? unitName, Actor actor, bool sessionsEnded)
    {
        var changes = new JsonObject();
        foreach (var ((field, old), (_, now)) in before.Zip(Fields(user)))
        {
            if (old != now) changes[field] = new JsonObject { ["old"] = old, ["new"] = now };
        }
        if (changes.Count == 0) return ChangeMade.Unchanged(View(user, unitName));
        var data = new JsonObject { ["id"] = user.Id, ["username"] = user.Username, ["changes"] = changes };
        // The new security stamp is part of the change's event: the sessions it ended are on the record.
        if (sessionsEnded) data["sessionsEnded"] = true;
        return new(View(user, unitName), [new AuditEvent(actor, "user_changed", data)], []);
    }

    /// <summary>After a change to an account: this node forgets its cached sign-in at once; the others check the account on every request.</summary>
    private Result<T> ForgettingSignIn<T>(long id, Result<T> result)
    {
        if (result.IsSuccess) cache.Remove(DubanAuthenticationHandler.ActorCacheKey(id));
        return result;
    }

    private static (string Field, string? Value)[] Fields(User u) =>
        [("displayName", u.DisplayName), ("unit", u.UnitCode), ("roles", u.Roles), ("active", u.Active ? "true" : "false")];
}
