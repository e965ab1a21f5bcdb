using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Dispatching;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Rounds;

/// <summary>A group of a round in force with its unit (name, duty phone, report mailbox) and the organisations it inspects.</summary>
public sealed record GroupInForce(UnitInfo Group, IReadOnlyList<UnitInfo> Inspects);

/// <summary>A round in force today, with its groups' units.</summary>
public sealed record RoundInForce(string Name, DateOnly From, DateOnly To, string? Period, IReadOnlyList<GroupInForce> Groups);

/// <summary>A unit of a round as the administrators' list shows it.</summary>
public sealed record RoundUnitView(string Code, string Name, string? Phone, string? Email);

public sealed record RoundGroupView(RoundUnitView Group, IReadOnlyList<RoundUnitView> Inspects);

/// <summary>A round as the administrators see it (GET /api/v1/admin/rounds).</summary>
public sealed record RoundView(long Id, int Version, string Name, string From, string To, string? Period, string? Source, bool Withdrawn,
    bool InForce, IReadOnlyList<RoundGroupView> Groups, DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>
/// Reading the rounds: the administrators' list (all rounds, withdrawn ones too), and the rounds
/// in force today for the public (the portal's /inspection page and GET /api/v1/public/rounds), read
/// through <see cref="RoundStore"/> like routing, so the public sees what routing uses.
/// </summary>
public sealed class RoundQueries(DubanDb db, AuditLog audit, RoundStore store, UnitDirectory units, RoundChanges changes, TimeProvider time)
{
    /// <summary>Every round, the latest first; the shipped ones are saved first if the table is empty.</summary>
    public async Task<Result<IReadOnlyList<RoundView>>> ListAsync(Actor actor, CancellationToken ct = default)
    {
        if (changes.MayMaintain(actor) is { } refused) return refused;
        await store.EnsureAsync(db, audit, ct);
        var rows = await db.InspectionRounds.AsNoTracking().OrderByDescending(r => r.FromDay).ThenByDescending(r => r.Id).ToListAsync(ct);
        var all = await units.AllAsync(ct);
        var now = time.Now();
        return rows.Select(StoredRound.Of).Select(s => View(s, all, now)).ToList();
    }

    /// <summary>One round as the administrators see it; null when there is none.</summary>
    public async Task<Result<RoundView>> GetAsync(long id, Actor actor, CancellationToken ct = default)
    {
        var list = await ListAsync(actor, ct);
        if (!list.IsSuccess) return list.Error!;
        return list.Value!.FirstOrDefault(r => r.Id == id) is { } found ? found : Error.NotFound("巡察轮次不存在 / no such inspection round");
    }

    private static RoundView View(StoredRound s, IReadOnlyDictionary<string, UnitInfo> all, DateTimeOffset now)
    {
        RoundUnitView Unit(string code) => all.TryGetValue(code, out var u) ? new(u.Code, u.Name, u.Phone, u.Email) : new(code, code, null, null);
        var r = s.Round;
        return new RoundView(s.Id, s.Version, r.Name, RoundStore.Day(r.From), RoundStore.Day(r.To), r.Period, r.Source, s.Withdrawn,
            !s.Withdrawn && r.InForce(now), [.. r.Groups.Select(g => new RoundGroupView(Unit(g.Code), [.. g.Inspects.Select(Unit)]))],
            s.UpdatedAt, s.UpdatedBy);
    }

    /// <summary>The rounds in force today (China date), each group with its unit and the units it inspects (units unknown now are left out).</summary>
    public async Task<IReadOnlyList<RoundInForce>> InForceAsync(CancellationToken ct = default)
    {
        var now = time.Now();
        var all = await units.AllAsync(ct);
        return [.. (await store.CurrentAsync(ct)).Where(r => r.InForce(now)).OrderBy(r => r.From).Select(r => Describe(r, all))];
    }

    /// <summary>
    /// The round that ended last (not withdrawn), for the portal to say when no round is in force: the
    /// citizen learns the round is over and its duty phones and mailboxes no longer take reports.
    /// </summary>
    public async Task<RoundInForce?> LastEndedAsync(CancellationToken ct = default)
    {
        var today = Clock.ChinaDate(time.Now());
        var last = (await store.CurrentAsync(ct)).Where(r => r.To < today).MaxBy(r => r.To);
        return last is null ? null : Describe(last, await units.AllAsync(ct));
    }

    private static RoundInForce Describe(InspectionRound round, IReadOnlyDictionary<string, UnitInfo> all) =>
        new(round.Name, round.From, round.To, round.Period, [.. round.Groups
            .Where(g => all.ContainsKey(g.Code))
            .Select(g => new GroupInForce(all[g.Code], [.. g.Inspects.Where(all.ContainsKey).Select(c => all[c])]))]);

    /// <summary>A unit as the round's announcement names it: its short name (市委第一巡察组, 市委党校), else its name.</summary>
    public static string Label(UnitInfo unit) => unit?.ShortName ?? unit?.Name ?? "";

    /// <summary>The group of a round in force today that inspects <paramref name="unitCode"/>, or null.</summary>
    public async Task<UnitInfo?> GroupInspectingAsync(string unitCode, CancellationToken ct = default) =>
        (await InForceAsync(ct)).SelectMany(r => r.Groups).FirstOrDefault(g => g.Inspects.Any(u => u.Code == unitCode))?.Group;
}
