using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Sealing;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace Duban.Features.Auth;

/// <summary>What a TOTP set-up shows once: the secret (base32), the otpauth URI and its QR code (a PNG data URI).</summary>
public sealed record TotpSetup(string Secret, string OtpAuthUri, string QrCode);

/// <summary>A confirmed enrolment: the recovery codes, shown this once and stored only hashed.</summary>
public sealed record TotpEnrolled(IReadOnlyList<string> RecoveryCodes);

/// <summary>A role and whether its accounts must sign in with a second factor.</summary>
public sealed record MfaRole(string Role, bool Required);

/// <summary>
/// Two factors for staff (issue 17): TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps, one step either side
/// for clock drift) with recovery codes. A code is accepted once: the account's last accepted step is
/// kept (users.totp_step) and moved forward by a conditional update, so the same code, or an earlier one,
/// replayed within its window is refused on every node. Secrets are sealed (AES-GCM, the seal key, the
/// account's id as the context); recovery codes are ten random ones of 10 characters, kept as SHA-256 and
/// spent on use. Which roles must use a second factor is the administrators' (mfa_roles).
/// </summary>
public sealed class TwoFactor(DubanDb db, Sealer sealer, AuditedChange change, TimeProvider time)
{
    public const string Issuer = "Duban";
    private const int RecoveryCount = 10;
    private static readonly VerificationWindow Window = new(previous: 1, future: 1);

    internal static string Context(long userId) => "totp:" + userId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A new secret for the account, kept pending until a code of it is confirmed; an enrolled secret stays until then.</summary>
    public async Task<Result<TotpSetup>> SetupAsync(Actor actor, CancellationToken ct)
    {
        if (actor.Id is not { } id) return Error.Forbidden("仅限员工账号 / staff accounts only");
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null) return Error.NotFound("账号不存在 / account not found");
        var setup = NewSetup(user);
        await db.SaveChangesAsync(ct);
        return setup;
    }

    /// <summary>Makes a pending secret for <paramref name="user"/> (tracked; the caller saves) and describes it.</summary>
    public TotpSetup NewSetup(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var secret = Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));
        user.TotpPending = sealer.Seal(secret, Context(user.Id));
        var uri = $"otpauth://totp/{Uri.EscapeDataString(Issuer + ":" + user.Username)}?secret={secret}&issuer={Issuer}&algorithm=SHA1&digits=6&period=30";
        using var generator = new QRCoder.QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCoder.QRCodeGenerator.ECCLevel.M);
        var png = new QRCoder.PngByteQRCode(data).GetGraphic(5);
        return new TotpSetup(secret, uri, "data:image/png;base64," + Convert.ToBase64String(png));
    }

    /// <summary>Enrols the signed-in account with its pending secret, given a current code of it: one audited change (totp_enrolled).</summary>
    public async Task<Result<TotpEnrolled>> ConfirmAsync(Actor actor, string? otp, CancellationToken ct)
    {
        if (actor.Id is not { } id) return Error.Forbidden("仅限员工账号 / staff accounts only");
        if (string.IsNullOrWhiteSpace(otp)) return Error.Validation("otp: 请输入动态验证码 / otp is required");
        return await change.RunAsync<TotpEnrolled>(async () =>
        {
            var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
            if (user is null) return Error.NotFound("账号不存在 / account not found");
            return Enrol(user, otp, actor);
        }, ct);
    }

    /// <summary>
    /// Enrols <paramref name="user"/> (tracked) when <paramref name="otp"/> is a current code of its pending
    /// secret: the secret becomes the account's, ten recovery codes are made, the event is described.
    /// </summary>
    public Result<ChangeMade<TotpEnrolled>> Enrol(User user, string otp, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(user);
        var pending = user.TotpPending is null ? null : sealer.Open(user.TotpPending, Context(user.Id));
        if (pending is null) return Error.Conflict("no_totp_setup", "请先设置动态验证码 / set up TOTP first (POST /api/v1/auth/totp/setup)");
        if (Match(pending, otp) is not { } step)
            return new Error(400, "invalid_otp", "otp: 动态验证码不正确 / the one-time code is wrong or expired");
        user.TotpSecret = user.TotpPending;
        user.TotpPending = null;
        user.TotpStep = step;
        var codes = Enumerable.Range(0, RecoveryCount).Select(_ => NewRecoveryCode()).ToList();
        user.RecoveryCodes = string.Join(',', codes.Select(HashCode));
        return new ChangeMade<TotpEnrolled>(new TotpEnrolled(codes), [new AuditEvent(actor, "totp_enrolled",
            new JsonObject { ["id"] = user.Id, ["username"] = user.Username, ["recoveryCodes"] = RecoveryCount })], []);
    }

    /// <summary>
    /// The second factor at sign-in: a current code of the enrolled secret, of a step after the last one
    /// accepted (taken by a conditional update, so two requests with one code cannot both pass), or an
    /// unused recovery code (spent, audited as recovery_code_used).
    /// </summary>
    public async Task<bool> VerifyAsync(User user, string otp, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        var secret = user.TotpSecret is null ? null : sealer.Open(user.TotpSecret, Context(user.Id));
        if (secret is null) return false;
        var code = otp.Trim();
        if (code.Length == 6 && Match(secret, code) is { } step)
        {
            var id = user.Id;
            var taken = await db.Users.Where(u => u.Id == id && (u.TotpStep == null || u.TotpStep < step))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.TotpStep, step), ct);
            return taken == 1;
        }
        if (code.Replace("-", "", StringComparison.Ordinal).Length != 10) return false;
        var hash = HashCode(code);
        var spent = await change.RunAsync<bool>(async () =>
        {
            var row = await db.Users.FirstOrDefaultAsync(u => u.Id == user.Id, ct);
            var left = (row?.RecoveryCodes ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
            if (row is null || !left.Remove(hash)) return ChangeMade.Unchanged(false);
            row.RecoveryCodes = string.Join(',', left);
            return new ChangeMade<bool>(true, [new AuditEvent(DubanAuthenticationHandler.OwnActor(row), "recovery_code_used",
                new JsonObject { ["id"] = row.Id, ["username"] = row.Username, ["recoveryCodesLeft"] = left.Count })], []);
        }, ct);
        return spent.IsSuccess && spent.Value;
    }

    /// <summary>The time step <paramref name="code"/> matches for <paramref name="secret"/> now (one step of drift either side), or null.</summary>
    private long? Match(string secret, string code)
    {
        var trimmed = code.Trim();
        if (trimmed.Length != 6 || !trimmed.All(char.IsAsciiDigit)) return null;
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        return totp.VerifyTotp(time.GetUtcNow().UtcDateTime, trimmed, out var step, Window) ? step : null;
    }

    /// <summary>Whether <paramref name="roles"/> hold a role whose accounts must use a second factor.</summary>
    public async Task<bool> RequiredForAsync(string roles, CancellationToken ct) =>
        DubanAuthenticationHandler.ParseRoles(roles).Overlaps(await RequiredRolesAsync(ct));

    public async Task<IReadOnlyList<MfaRole>> RolesAsync(CancellationToken ct)
    {
        var required = await RequiredRolesAsync(ct);
        return [.. Roles.All.Order(StringComparer.Ordinal).Select(r => new MfaRole(r, required.Contains(r)))];
    }

    private Task<List<string>> RequiredRolesAsync(CancellationToken ct) =>
        db.Database.SqlQueryRaw<string>("SELECT role AS \"Value\" FROM mfa_roles WHERE required").ToListAsync(ct);

    /// <summary>A city-wide administrator requires a second factor of a role, or no longer: one audited change (mfa_role_changed).</summary>
    public async Task<Result<MfaRole>> SetRoleAsync(string role, bool required, Actor actor, AdminScope scope, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var reach = scope.Require(actor);
        if (reach.Error is { } refused) return refused;
        if (!reach.Value!.CityWide) return Error.Forbidden("仅市级管理员可设置 / only a city-wide administrator sets this");
        if (!Roles.All.Contains(role)) return Error.Validation("role: 角色须为 " + string.Join("、", Roles.All) + " / role must be one of: " + string.Join(", ", Roles.All));
        return await change.RunAsync<MfaRole>(async () =>
        {
            var was = (await RolesAsync(ct)).Single(r => r.Role == role).Required;
            if (was == required) return ChangeMade.Unchanged(new MfaRole(role, required));
            await db.Database.ExecuteSqlAsync($"UPDATE mfa_roles SET required = {required} WHERE role = {role}", ct);
            return new ChangeMade<MfaRole>(new MfaRole(role, required), [new AuditEvent(actor, "mfa_role_changed",
                new JsonObject { ["role"] = role, ["required"] = required })], []);
        }, ct);
    }

    private static string NewRecoveryCode()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
        var raw = RandomNumberGenerator.GetString(alphabet, 10);
        return raw[..5] + "-" + raw[5..];
    }

    /// <summary>A recovery code's stored form: SHA-256 of the code as typed, without the dash or case (they are random, 50 bits).</summary>
    private static string HashCode(string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code.Trim().Replace("-", "", StringComparison.Ordinal).ToLowerInvariant())));
}
