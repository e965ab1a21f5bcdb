using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Tally;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Supervision;

public sealed record LimitView(string Limit, string Text);
public sealed record PolicyView(string Id, string Name, string? NameEn, string Rule, IReadOnlyList<string>? Kinds, IReadOnlyList<string>? Urgencies,
    bool ChosenByKind, LimitView? Accept, LimitView Sign, LimitView Handle, object? Extension, object? Review, LimitView? NotifyAcceptance,
    LimitView? NotifyOutcome, IReadOnlyList<object> Pauses);
public sealed record LightCounts(string Code, string Name, int Green, int Yellow, int Red, int Total);
/// <summary>The lights board at <paramref name="At"/>; <paramref name="CountedAt"/>: when the counters it read were counted (the tally's last pass), null when counted live.</summary>
public sealed record LightBoard(DateTimeOffset At, string By, LightCounts All, IReadOnlyList<LightCounts> Rows, DateTimeOffset? CountedAt = null);

/// <summary>Reads for supervision: the policies in force, and the lights counted per unit or county.</summary>
public sealed class SupervisionQueries(DubanDb db, MatterScope scope, UnitDirectory units, MatterClock clock, TimeProvider time, TallyReads tallies)
{
    public IReadOnlyList<PolicyView> Policies()
    {
        static LimitView? L(TimeLimit? t) => t is { } v ? new LimitView(v.ToString(), v.Chinese) : null;
        return [.. clock.Policies.All.Select(p => new PolicyView(p.Id, p.Name, p.NameEn, p.Rule, p.Kinds?.Order(StringComparer.Ordinal).ToList(),
            p.Urgencies?.Order(StringComparer.Ordinal).ToList(), p.MatchesAny, L(p.Accept), L(p.Sign)!, L(p.Handle)!,
            p.Extension is { } e ? new { max = L(e.Max), times = e.Times } : null,
            p.Review is { } r ? new { requestWithin = L(r.RequestWithin), decideWithin = L(r.DecideWithin), rounds = r.Rounds } : null,
            L(p.NotifyAcceptance), L(p.NotifyOutcome),
            [.. p.Pauses.Select(k => (object)new { kind = k, name = clock.Policies.PauseKinds[k].Name })]))];
    }

    /// <summary>
    /// The open matters the actor can see, counted by light per lead unit (by=unit) or per county
    /// (by=county; a matter at city level counts under the city's code), worst first.
    /// </summary>
    public async Task<Result<LightBoard>> LightsAsync(string? by, Actor actor, CancellationToken ct)
    {
        by ??= "unit";
        if (by is not ("unit" or "county")) return Error.Validation("by must be unit or county / 分组方式为 unit 或 county");
        var now = time.Now();
        // The city's and a county's coordinators: the tally's counters (lights as of its last pass), plus
        // what they leave out counted live; everyone else live. Counted in the database, one grouped
        // count per light, with the very filter the lists use.
        var tally = await tallies.ForAsync(actor, ct);
        var counts = new Dictionary<string, int[]>(StringComparer.Ordinal);
        void Count(string? key, int light, long n)
        {
            key ??= "";
            if (!counts.TryGetValue(key, out var row)) counts[key] = row = new int[Light.All.Length];
            row[light] += (int)n;
        }
        if (tally is not null)
        {
            if (by == "unit")
            {
                foreach (var c in await tallies.Counts(tally, TallyKinds.UnitLight).GroupBy(c => c.Key).Select(g => new { g.Key, N = g.Sum(c => c.N) }).ToListAsync(ct))
                {
                    var bar = c.Key.LastIndexOf('|');
                    Count(c.Key[..bar], Array.IndexOf(Light.All, c.Key[(bar + 1)..]), c.N);
                }
            }
            else
            {
                foreach (var c in await tallies.Counts(tally, TallyKinds.Light).Select(c => new { c.County, c.Key, c.N }).ToListAsync(ct))
                    Count(c.County, Array.IndexOf(Light.All, c.Key), c.N);
            }
        }
        foreach (var visible in tally?.Live ?? [scope.Visible(db.Matters.AsNoTracking(), db, actor)])
        {
            for (var i = 0; i < Light.All.Length; i++)
            {
                var lit = visible.Where(clock.Filter(Light.All[i], now));
                var grouped = by == "unit"
                    ? await lit.GroupBy(m => m.LeadUnitCode).Select(g => new { Key = g.Key, Count = g.Count() }).ToListAsync(ct)
                    : await lit.GroupBy(m => m.CountyCode).Select(g => new { Key = g.Key, Count = g.Count() }).ToListAsync(ct);
                foreach (var g in grouped) Count(g.Key, i, g.Count);
            }
        }
        foreach (var zero in counts.Where(kv => kv.Value.All(n => n == 0)).Select(kv => kv.Key).ToList()) counts.Remove(zero);
        var directory = await units.AllAsync(ct);
        var home = directory.Values.FirstOrDefault(u => u.Kind == "government" && u.ParentCode is null);
        // A matter at city level has no county: it counts under the city's code.
        string Code(string key) => by == "county" && key.Length == 0 ? home?.TerritoryCode ?? "" : key;
        string Name(string code) => by == "unit"
            ? code.Length == 0 ? "待派单 / waiting for dispatch" : directory.TryGetValue(code, out var u) ? u.Name : code
            : directory.Values.FirstOrDefault(u => u.Kind == "government" && u.TerritoryCode == code)?.Name ?? code;
        static LightCounts Row(string code, string name, int[] c) => new(code, name, c[0], c[1], c[2], c.Sum());
        var rows = counts.GroupBy(kv => Code(kv.Key))
            .Select(g => Row(g.Key, Name(g.Key), [.. Enumerable.Range(0, Light.All.Length).Select(i => g.Sum(kv => kv.Value[i]))]))
            .OrderByDescending(c => c.Red).ThenByDescending(c => c.Yellow).ThenBy(c => c.Code, StringComparer.Ordinal).ToList();
        int[] all = [.. Enumerable.Range(0, Light.All.Length).Select(i => counts.Values.Sum(v => v[i]))];
        return new LightBoard(now, by, Row("", "合计", all), rows, tally?.CountedAt);
    }
}
