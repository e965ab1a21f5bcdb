using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Geo;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Units;

/// <summary>
/// A unit as an administrator adds or edits it. <paramref name="Version"/> is the version of the unit
/// the editor saw (<see cref="UnitView.Version"/>), required to edit: a unit changed since is a 409,
/// so two administrators never overwrite each other unknowingly. The code is given to add, never changed.
/// </summary>
public sealed record UnitRequest(string? Code, string? Name, string? ShortName, string? Kind, string? ParentCode,
    string? TerritoryCode, string? Phone, string? Email, string? Version = null, string? Sms = null);

/// <summary>A unit with its version: a hash of its stored fields (the units table has no version column).</summary>
public sealed record UnitView(string Code, string Name, string? ShortName, string Kind, string? ParentCode, string TerritoryCode,
    string? Phone, string? Email, string Version, string? Sms = null)
{
    public static UnitView Of(Unit u) => new(u.Code, u.Name, u.ShortName, u.Kind, u.ParentCode, u.TerritoryCode, u.Phone, u.Email, UnitChanges.VersionOf(u), u.Sms);
}

/// <summary>
/// An administrator adds a unit or changes one (name, short name, kind, parent, territory, phone,
/// e-mail, SMS numbers), within their reach (<see cref="AdminScope"/>): checked (the code's form and uniqueness,
/// a parent that exists and is not the unit or beneath it, a territory that is a real division in
/// the city, and for a county's administrator in their county), saved with one audited event
/// (unit_added, or unit_changed with each changed field old and new) as one <see cref="AuditedChange"/>,
/// and put in force on this node at once (it names the <see cref="UnitDirectory"/>'s cache).
/// </summary>
public sealed partial class UnitChanges(DubanDb db, AuditedChange change, UnitDirectory directory, AdminScope scope, GeoService geo)
{
    public const int MaxName = 60, MaxShortName = 20, MaxPhone = 30, MaxEmail = 100, MaxCode = 40;

    /// <summary>The kinds of unit (units.kind), as the unit files use them.</summary>
    public static readonly IReadOnlyList<string> Kinds =
    [
        "party", "party_department", "discipline", "inspection_group", "inspection_office", "congress", "cppcc",
        "government", "department", "dispatch_center", "supervision_office", "institution", "town", "street",
    ];

    /// <summary>440781-rsj, 4407-sw, 440781115: a division's digits, then optionally -lowercase letters or digits.</summary>
    [GeneratedRegex("^[0-9]{4,12}(-[a-z0-9]{1,20})*$", RegexOptions.CultureInvariant)]
    private static partial Regex CodeShape();

    [GeneratedRegex(@"^\+?[0-9][0-9 ()\-]{2,28}[0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneShape();

    /// <summary>A mainland mobile number (11 digits from 13 to 19), optionally after +86 or 86.</summary>
    [GeneratedRegex(@"^(?:\+?86)?(1[3-9][0-9]{9})$", RegexOptions.CultureInvariant)]
    private static partial Regex MobileShape();

    /// <summary>At most this many numbers receive a unit's SMS.</summary>
    public const int MaxSmsNumbers = 5;

    /// <summary>
    /// SMS numbers as typed (separated by commas, semicolons, 、 or lines; spaces and hyphens inside a number ignored) as stored: the 11 digits each, comma-separated,
    /// each once; null for none; or the problem, naming the field.
    /// </summary>
    public static Result<string?> SmsNumbers(string? typed)
    {
        var parts = (typed ?? "").Split([',', ';', '，', '；', '、', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) return (string?)null;
        var numbers = new List<string>();
        foreach (var part in parts)
        {
            var m = MobileShape().Match(new string([.. part.Where(c => c is not ('-' or ' ' or '\t' or '\r'))]));
            if (!m.Success)
                return Error.Validation($"短信号码须为 11 位手机号码，如 13800138000：{(part.Length > 20 ? part[..20] + "…" : part)} / sms must be mobile numbers of 11 digits, e.g. 13800138000: {(part.Length > 20 ? part[..20] + "…" : part)}");
            if (!numbers.Contains(m.Groups[1].Value)) numbers.Add(m.Groups[1].Value);
        }
        if (numbers.Count > MaxSmsNumbers)
            return Error.Validation($"短信号码最多 {MaxSmsNumbers} 个 / sms takes at most {MaxSmsNumbers} numbers");
        return string.Join(',', numbers);
    }

    [GeneratedRegex(@"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailShape();

    public async Task<Result<UnitView>> AddAsync(UnitRequest request, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reach = scope.Require(actor);
        if (reach.Error is { } refused) return refused;
        var code = request.Code?.Trim() ?? "";
        var problems = new List<string>();
        if (Text.HasControlCharacters(code)) problems.Add("单位代码含有非法控制字符 / code may not contain control characters");
        else if (code.Length == 0) problems.Add("请填写单位代码 / code is required");
        else if (code.Length > MaxCode || !CodeShape().IsMatch(code))
            problems.Add("单位代码须为 4–12 位数字，可后接“-小写字母或数字”，如 440781-rsj / code must be 4–12 digits, optionally followed by -lowercase letters or digits, e.g. 440781-rsj");
        var checkedFields = Check(request, reach.Value!, problems);
        if (checkedFields.Error is { } bad) return bad;
        var f = checkedFields.Value!;

        return await change.RunAsync<UnitView>(async () =>
        {
            var all = await db.Units.AsNoTracking().ToDictionaryAsync(u => u.Code, StringComparer.Ordinal, ct);
            if (all.ContainsKey(code)) return Error.Conflict("unit_exists", $"单位代码 {code} 已存在 / code {code} already exists");
            if (CheckParent(code, f.ParentCode, null, all, reach.Value!) is { } badParent) return badParent;
            var unit = new UnitRecord(code, f.Name, f.ShortName, f.Kind, f.ParentCode, f.TerritoryCode, f.Phone, f.Email).ToRow();
            unit.Sms = f.Sms;
            db.Units.Add(unit);
            var data = new JsonObject { ["code"] = code };
            foreach (var (field, value) in Fields(unit)) data[field] = value;
            return Made(unit, new AuditEvent(actor, "unit_added", data));
        }, ct);
    }

    public async Task<Result<UnitView>> ChangeAsync(string code, UnitRequest request, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reach = scope.Require(actor);
        if (reach.Error is { } refused) return refused;
        var problems = new List<string>();
        if (request.Code is { } given && given.Trim() != code)
            problems.Add("单位代码不能修改 / code cannot be changed: add a new unit instead");
        var seen = request.Version?.Trim();
        if (string.IsNullOrEmpty(seen))
            problems.Add("缺少所编辑单位的版本 / version is required: the version of the unit you edited");
        var checkedFields = Check(request, reach.Value!, problems);
        if (checkedFields.Error is { } bad) return bad;
        var f = checkedFields.Value!;

        return await change.RunAsync<UnitView>(async () =>
        {
            var all = await db.Units.AsNoTracking().ToDictionaryAsync(u => u.Code, StringComparer.Ordinal, ct);
            var unit = await db.Units.FirstOrDefaultAsync(u => u.Code == code, ct);
            if (unit is null) return Error.NotFound("单位不存在 / unit not found");
            if (!reach.Value!.Covers(unit.TerritoryCode))
                return Error.Forbidden("该单位不在您管理的县（市、区） / the unit lies outside the county you administer");
            if (VersionOf(unit) != seen)
                return Error.Conflict("stale_version", "单位已被他人修改，请刷新后重试 / the unit changed since you opened it: reload it and try again");
            if (f.ParentCode != unit.ParentCode && CheckParent(code, f.ParentCode, unit.ParentCode, all, reach.Value!) is { } badParent) return badParent;

            var before = Fields(unit);
            unit.Name = f.Name;
            unit.ShortName = f.ShortName;
            unit.Kind = f.Kind;
            unit.ParentCode = f.ParentCode;
            unit.TerritoryCode = f.TerritoryCode;
            unit.Phone = f.Phone;
            unit.Email = f.Email;
            unit.Sms = f.Sms;
            var changes = new JsonObject();
            foreach (var ((field, old), (_, now)) in before.Zip(Fields(unit)))
            {
                if (old != now) changes[field] = new JsonObject { ["old"] = old, ["new"] = now };
            }
            // Nothing changed: nothing to record (a form saved as it was).
            if (changes.Count == 0) return ChangeMade.Unchanged(UnitView.Of(unit));
            return Made(unit, new AuditEvent(actor, "unit_changed", new JsonObject { ["code"] = code, ["changes"] = changes }));
        }, ct);
    }

    /// <summary>The unit's answer and its event; this node uses the unit at once.</summary>
    private ChangeMade<UnitView> Made(Unit unit, AuditEvent recorded) => new(UnitView.Of(unit), [recorded], [directory.Cache]);

    /// <summary>A unit as the administrator sees it to edit, or 404 (unknown) / 403 (outside their county).</summary>
    public async Task<Result<UnitView>> GetAsync(string code, Actor actor, CancellationToken ct = default)
    {
        var reach = scope.Require(actor);
        if (reach.Error is { } refused) return refused;
        var unit = await db.Units.AsNoTracking().FirstOrDefaultAsync(u => u.Code == code, ct);
        if (unit is null) return Error.NotFound("单位不存在 / unit not found");
        if (!reach.Value!.Covers(unit.TerritoryCode))
            return Error.Forbidden("该单位不在您管理的县（市、区） / the unit lies outside the county you administer");
        return UnitView.Of(unit);
    }

    /// <summary>The version of a unit: the first 16 hex digits of SHA-256 over its stored fields.</summary>
    public static string VersionOf(Unit u)
    {
        ArgumentNullException.ThrowIfNull(u);
        // The SMS numbers (schema 0048) join the hash only when set, so a unit without them keeps the version it had.
        string?[] fields = [u.Code, u.Name, u.ShortName, u.Kind, u.ParentCode, u.TerritoryCode, u.Phone, u.Email];
        var canonical = JsonSerializer.Serialize(u.Sms is null ? fields : [.. fields, u.Sms]);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16];
    }

    private sealed record Checked(string Name, string? ShortName, string Kind, string? ParentCode, string TerritoryCode, string? Phone, string? Email, string? Sms);

    /// <summary>The fields as stored (trimmed, blanks as null), or every problem with them at once, each naming its field.</summary>
    private Result<Checked> Check(UnitRequest r, AdminReach reach, List<string> problems)
    {
        var name = r.Name?.Trim() ?? "";
        var shortName = Text.OrNull(r.ShortName);
        var kind = r.Kind?.Trim() ?? "";
        var parent = Text.OrNull(r.ParentCode);
        var territory = r.TerritoryCode?.Trim() ?? "";
        var phone = Text.OrNull(r.Phone);
        var email = Text.OrNull(r.Email);
        var sms = SmsNumbers(r.Sms);

        if (Text.HasControlCharacters(name) || name.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
            problems.Add("单位名称须为一行，不含控制字符 / name must be one line without control characters");
        else if (name.Length is < 2 or > MaxName)
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"单位名称须为 2 至 {MaxName} 个字符 / name must be 2 to {MaxName} characters"));
        if (shortName is not null && (Text.HasControlCharacters(shortName) || shortName.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0))
            problems.Add("简称须为一行，不含控制字符 / short name must be one line without control characters");
        else if (shortName is { Length: > MaxShortName })
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"简称最多 {MaxShortName} 个字符 / short name is at most {MaxShortName} characters"));
        if (!Kinds.Contains(kind))
            problems.Add("请选择单位类型 / kind must be one of: " + string.Join(", ", Kinds));
        if (parent is not null && (Text.HasControlCharacters(parent) || parent.Length > MaxCode))
            problems.Add("上级单位代码无效 / parent is not a unit code");
        if (Text.HasControlCharacters(territory) || geo.Gazetteer.Divisions.Find(territory) < 0)
            problems.Add("属地须为有效的行政区划代码（6 位县级以上或 9 位乡镇街道），如 440781 / territory must be a known division code (6 digits for a county or above, 9 for a town), e.g. 440781");
        else if (!new AdminReach(reach.Home, null).Covers(territory))
            problems.Add($"属地须在本市（{reach.Home}）内 / territory must lie in the city ({reach.Home})");
        if (phone is not null && (Text.HasControlCharacters(phone) || phone.Length > MaxPhone || !PhoneShape().IsMatch(phone)))
            problems.Add("电话格式不正确，如 0750-5501234 或 12345 / phone must be digits, with -, spaces or brackets, e.g. 0750-5501234 or 12345");
        if (email is not null && (Text.HasControlCharacters(email) || email.Length > MaxEmail || !EmailShape().IsMatch(email)))
            problems.Add("电子邮箱格式不正确，如 jmswxcz001@jiangmen.gov.cn / e-mail must be an address such as jmswxcz001@jiangmen.gov.cn");
        if (sms.Error is { } badSms) problems.Add(badSms.Message);
        if (problems.Count > 0) return Error.Validation(string.Join("; ", problems));
        // A county's administrator keeps the county's units in the county (属地管理): no unit added or moved out of it.
        if (!reach.Covers(territory))
            return Error.Forbidden($"属地须在您管理的县（市、区）{reach.County} 内 / territory must lie in the county you administer ({reach.County})");
        return new Checked(name, shortName, kind, parent, territory, phone, email, sms.Value);
    }

    /// <summary>A parent that exists, is not the unit itself or beneath it, and for a county's administrator is one of the county's units.</summary>
    private static Error? CheckParent(string code, string? parent, string? oldParent, Dictionary<string, Unit> all, AdminReach reach)
    {
        if (parent is null || parent == oldParent) return null;
        if (!all.TryGetValue(parent, out var p)) return Error.Validation($"上级单位 {parent} 不存在 / parent {parent} does not exist");
        var depth = 0;
        for (var current = parent; current is not null && depth++ < 64; current = all.TryGetValue(current, out var u) ? u.ParentCode : null)
        {
            if (current == code)
                return Error.Validation("上级单位不能是本单位或其下级单位 / parent may not be the unit itself or a unit beneath it");
        }
        if (!reach.Covers(p.TerritoryCode))
            return Error.Forbidden("上级单位须为您管理的县（市、区）内的单位 / parent must be a unit of the county you administer");
        return null;
    }

    private static (string Field, string? Value)[] Fields(Unit u) =>
    [
        ("name", u.Name), ("shortName", u.ShortName), ("kind", u.Kind), ("parentCode", u.ParentCode),
        ("territoryCode", u.TerritoryCode), ("phone", u.Phone), ("email", u.Email), ("sms", u.Sms),
    ];
}
