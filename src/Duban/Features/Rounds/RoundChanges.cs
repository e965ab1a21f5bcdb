using System.Globalization;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Dispatching;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Rounds;

/// <summary>A group of a round as posted: the group's unit code and the codes of the organisations it inspects.</summary>
public sealed record RoundGroupRequest(string? Code, IReadOnlyList<string>? Inspects);

/// <summary>
/// The body of POST and PUT /api/v1/admin/rounds: the whole round. <see cref="Version"/> is the
/// version the administrator edited (required to change one: another change meanwhile is a 409).
/// Dates are China dates, yyyy-MM-dd, both included.
/// </summary>
public sealed record RoundRequest(int? Version, string? Name, string? From, string? To, string? Period, string? Source,
    IReadOnlyList<RoundGroupRequest>? Groups, string? Note);

/// <summary>The body of POST /api/v1/admin/rounds/{id}/withdraw.</summary>
public sealed record WithdrawRoundRequest(int? Version, string? Reason);

/// <summary>
/// The city's administrators' changes to the inspection rounds: add one, change one (name, dates,
/// wording, groups and the organisations each inspects), withdraw one. A round decides where a
/// discipline report about a whole list of organisations goes, city-wide, so a county's
/// administrator does not change it (as the dispatch catalogue). Each change: one event in the same
/// transaction as the row, under the audit chain's lock; the shipped rounds are saved first if the
/// table is still empty, so that every round ever routed by is on record; this node routes by the
/// change at once.
/// </summary>
public sealed class RoundChanges(DubanDb db, AuditedChange change, RoundStore store, UnitDirectory units, MatterScope scope, TimeProvider time)
{
    public const int MaxName = 100, MaxPeriod = 100, MaxSource = 300, MaxNote = 200, MaxGroups = 30, MaxInspects = 50;
    public const string InspectionGroupKind = "inspection_group";

    /// <summary>Only the city's administrators keep the rounds.</summary>
    public Error? MayMaintain(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.Has(Roles.Admin) && scope.IsCityWide(actor) ? null
            : Error.Forbidden("只有市级管理员可以维护巡察轮次 / only the city's administrators maintain the inspection rounds");
    }

    public async Task<Result<StoredRound>> AddAsync(RoundRequest request, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (MayMaintain(actor) is { } refused) return refused;
        var valid = await ValidateAsync(request, ct);
        if (valid.Error is { } invalid) return invalid;

        return await change.RunAsync<StoredRound>(async () =>
        {
            // The shipped rounds are saved first when nobody used them before this change.
            var seeded = await store.SeedIfNoneAsync(db, ct);
            var (row, added) = await store.AddAsync(db, actor, valid.Value!, "api", Text.OrNull(request.Note), ct);
            return Made(row, [.. seeded, added]);
        }, ct);
    }

    public async Task<Result<StoredRound>> EditAsync(long id, RoundRequest request, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (MayMaintain(actor) is { } refused) return refused;
        if (request.Version is not { } seen) return Error.Validation("version is required: the version you edited / 请提供所编辑的版本号");
        var valid = await ValidateAsync(request, ct);
        if (valid.Error is { } invalid) return invalid;
        var round = valid.Value!;

        return await change.RunAsync<StoredRound>(async () =>
        {
            var found = await TargetAsync(id, seen, "该巡察轮次已撤销，不能修改 / the round is withdrawn and cannot be changed", ct);
            if (found.Error is { } missing) return missing;
            var (target, seeded) = found.Value;
            var groups = InspectionRound.GroupsToJson(round.Groups);
            if (target.Name == round.Name && target.FromDay == round.From && target.ToDay == round.To && target.Period == round.Period
                && target.Source == round.Source && target.GroupsJson == groups)
                return Error.Conflict("no_change", $"与第 {target.Version} 版相同 / the same as version {target.Version}");
            (target.Name, target.FromDay, target.ToDay, target.Period, target.Source, target.GroupsJson) = (round.Name, round.From, round.To, round.Period, round.Source, groups);
            return Made(target, [.. seeded, Record(target, actor, RoundStore.Changed, Text.OrNull(request.Note))]);
        }, ct);
    }

    /// <summary>Withdraws a round (撤销): routing no longer uses it and the portal no longer shows it; the row and its history stay.</summary>
    public async Task<Result<StoredRound>> WithdrawAsync(long id, WithdrawRoundRequest request, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (MayMaintain(actor) is { } refused) return refused;
        if (request.Version is not { } seen) return Error.Validation("version is required: the version you withdraw / 请提供所撤销的版本号");
        if (Text.HasControlCharacters(request.Reason)) return Error.Validation("reason may not contain control characters / 文本含有非法控制字符");
        var reason = Text.OrNull(request.Reason);
        if (reason is null || reason.Length > MaxNote)
            return Error.Validation($"reason is required, at most {MaxNote} characters / 请填写撤销理由（不超过{MaxNote}字）");

        return await change.RunAsync<StoredRound>(async () =>
        {
            var found = await TargetAsync(id, seen, "该巡察轮次已撤销 / the round is already withdrawn", ct);
            if (found.Error is { } missing) return missing;
            var (target, seeded) = found.Value;
            target.Withdrawn = true;
            return Made(target, [.. seeded, Record(target, actor, RoundStore.Withdrawn, reason)]);
        }, ct);
    }

    private static readonly Error NotFound = Error.NotFound("巡察轮次不存在 / no such inspection round");

    /// <summary>
    /// Inside the change: the round to edit or withdraw, at the version the administrator saw and not
    /// withdrawn, with the events of the shipped rounds when they are saved first (nobody used them before).
    /// </summary>
    private async Task<Result<(InspectionRoundRow Row, IReadOnlyList<AuditEvent> Seeded)>> TargetAsync(long id, int seen, string withdrawn,
        CancellationToken ct)
    {
        var seeded = await store.SeedIfNoneAsync(db, ct);
        var row = await db.InspectionRounds.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (row is null) return NotFound;
        if (row.Version != seen)
            return Error.Conflict("stale_version", $"该巡察轮次已被他人修改（您看到的是第 {seen} 版，现为第 {row.Version} 版），请刷新后重试 / the round changed since version {seen}; it is now {row.Version}");
        if (row.Withdrawn) return Error.Conflict("withdrawn", withdrawn);
        return (row, seeded);
    }

    /// <summary>The round's answer and events; routing on this node uses the change at once.</summary>
    private ChangeMade<StoredRound> Made(InspectionRoundRow row, IReadOnlyList<AuditEvent> events) => new(StoredRound.Of(row), events, [store.Cache]);

    /// <summary>
    /// The next version of a changed round and its event, which the change appends and saves with the
    /// row in one save (the version is the row's concurrency token as well).
    /// </summary>
    private AuditEvent Record(InspectionRoundRow row, Actor actor, string action, string? note)
    {
        row.Version++;
        row.UpdatedAt = time.Now();
        row.UpdatedBy = actor.Username;
        return new AuditEvent(actor, action, RoundStore.EventData(row), note);
    }

    /// <summary>
    /// A round's rules: a name; dates yyyy-MM-dd with from ≤ to; at least one group, each an
    /// inspection-group unit named once, each inspecting at least one known unit; an organisation
    /// inspected by at most one group of the round. All problems at once, "; "-separated.
    /// </summary>
    public async Task<Result<InspectionRound>> ValidateAsync(RoundRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (Text.HasControlCharactersIn(r)) return Error.Validation("text may not contain control characters / 文本含有非法控制字符");
        var problems = new List<string>();
        var name = Text.OrNull(r.Name);
        if (name is null || name.Length > MaxName) problems.Add($"name is required, at most {MaxName} characters / 请填写轮次名称（不超过{MaxName}字）");
        var from = Day(r.From);
        var to = Day(r.To);
        if (from is null) problems.Add("from must be a date YYYY-MM-DD between 2000 and 2100 / 开始日期须为 YYYY-MM-DD 格式");
        if (to is null) problems.Add("to must be a date YYYY-MM-DD between 2000 and 2100 / 结束日期须为 YYYY-MM-DD 格式");
        if (from is { } f && to is { } t && f > t) problems.Add("to must not be before from / 结束日期不能早于开始日期");
        var period = Text.OrNull(r.Period);
        if (period is { Length: > MaxPeriod }) problems.Add($"period is at most {MaxPeriod} characters / 时间表述不超过{MaxPeriod}字");
        var source = Text.OrNull(r.Source);
        if (source is { Length: > MaxSource }) problems.Add($"source is at most {MaxSource} characters / 来源不超过{MaxSource}字");
        if (Text.OrNull(r.Note) is { Length: > MaxNote }) problems.Add($"note is at most {MaxNote} characters / 说明不超过{MaxNote}字");

        var all = await units.AllAsync(ct);
        var groups = new List<InspectionGroup>();
        var given = r.Groups ?? [];
        if (given.Count == 0) problems.Add("groups: at least one group is required / 请至少设置一个巡察组");
        if (given.Count > MaxGroups) problems.Add($"groups: at most {MaxGroups} / 巡察组不超过{MaxGroups}个");
        var groupsSeen = new HashSet<string>(StringComparer.Ordinal);
        var inspectedBy = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < given.Count && i < MaxGroups; i++)
        {
            var g = given[i];
            var at = string.Create(CultureInfo.InvariantCulture, $"group {i + 1}");
            var code = Text.OrNull(g?.Code);
            if (code is null)
            {
                problems.Add($"{at}: the group's unit is required / 第{i + 1}组：请选择巡察组");
                continue;
            }
            if (!all.TryGetValue(code, out var groupUnit)) problems.Add($"{at}: {code} is not a known unit / 第{i + 1}组：单位 {code} 不存在");
            else if (groupUnit.Kind != InspectionGroupKind) problems.Add($"{at}: {code} is not an inspection group / 第{i + 1}组：{groupUnit.Name}不是巡察组");
            if (!groupsSeen.Add(code)) problems.Add($"{at}: {code} is named twice / 第{i + 1}组：巡察组重复");
            var inspects = new List<string>();
            var codes = g!.Inspects ?? [];
            if (codes.Count == 0) problems.Add($"{at}: at least one inspected unit is required / 第{i + 1}组：请选择被巡察单位");
            if (codes.Count > MaxInspects) problems.Add($"{at}: at most {MaxInspects} inspected units / 第{i + 1}组：被巡察单位不超过{MaxInspects}个");
            foreach (var given1 in codes.Take(MaxInspects))
            {
                if (Text.OrNull(given1) is not { } inspected) continue;
                if (!all.TryGetValue(inspected, out var inspectedUnit))
                {
                    problems.Add($"{at}: inspected unit {inspected} is not a known unit / 第{i + 1}组：被巡察单位 {inspected} 不存在");
                    continue;
                }
                if (inspectedBy.TryGetValue(inspected, out var other))
                {
                    problems.Add(other == code
                        ? $"{at}: {inspected} is named twice / 第{i + 1}组：{inspectedUnit.Name}重复"
                        : $"{at}: {inspected} is already inspected by {other} in this round / 第{i + 1}组：{inspectedUnit.Name}已由本轮另一巡察组巡察");
                    continue;
                }
                if (inspectedUnit.Kind == InspectionGroupKind) problems.Add($"{at}: {inspected} is an inspection group / 第{i + 1}组：巡察组不能作为被巡察单位");
                inspectedBy[inspected] = code;
                inspects.Add(inspected);
            }
            groups.Add(new InspectionGroup(code, inspects));
        }
        if (problems.Count > 0) return Error.Validation(string.Join("; ", problems));
        return new InspectionRound(name!, from!.Value, to!.Value, period, source, groups);
    }

    private static DateOnly? Day(string? text) =>
        DateOnly.TryParseExact(Text.OrNull(text), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d.Year is >= 2000 and <= 2100
            ? d : null;
}
