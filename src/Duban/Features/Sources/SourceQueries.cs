using System.Text.Json;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;
using UnitRef = Duban.Features.Matters.UnitRef;

namespace Duban.Features.Sources;

/// <summary>A row of the sources list.</summary>
public sealed record SourceListItem(long Id, string Type, string TypeLabel, string Title, string Date, UnitRef Owner, string Status,
    int Progress, string? Light, int Items, int Overdue, bool Confidential, long? ParentId);

public sealed record SourceList(IReadOnlyList<SourceListItem> Items, int Total);

/// <summary>An item as its source shows it.</summary>
public sealed record SourceItemView(long MatterId, string Number, string Title, UnitRef? LeadUnit, IReadOnlyList<UnitRef> CoUnits, string Status,
    string? Light, string? DueDate, DateTimeOffset? DueAt, int Progress, bool Overdue, int Weight);

/// <summary>A campaign's measure and its total over the items completed.</summary>
public sealed record SourceMeasureView(string Key, string Name, string Unit, double Total);

/// <summary>A source in the tree around it (its parents up to the root, its children).</summary>
public sealed record SourceRef(long Id, string Type, string TypeLabel, string Title, string Status);

/// <summary>
/// GET /api/v1/sources/{id}. <see cref="Sight"/>: <c>whole</c>, or <c>own</c> for a unit that holds items (it sees
/// the title and its own items: the rest of the source, the tree and the report are not shown to it).
/// </summary>
public sealed record SourceView(long Id, string Type, string TypeLabel, string Title, string Date, UnitRef Owner, string Status, int Progress,
    string? Light, long? ParentId, IReadOnlyList<long> Children, IReadOnlyList<SourceItemView> Items, IReadOnlyList<SourceMeasureView> Measures)
{
    public string Sight { get; init; } = "whole";
    public bool Confidential { get; init; }
    public int Version { get; init; }
    public SourceDetails? Details { get; init; }
    public string? Report { get; init; }
    public DateTimeOffset? ReportedAt { get; init; }
    public IReadOnlyList<SourceRef> Ancestors { get; init; } = [];
    public IReadOnlyList<SourceRef> ChildSources { get; init; } = [];
    /// <summary>Items past their deadline and still open.</summary>
    public int Overdue { get; init; }
    /// <summary>May the reader add items and report back (the owner and the coordinators above it)?</summary>
    public bool MayManage { get; init; }
}

/// <summary>The sources a reader sees by their light now (<see cref="SourceQueries.CountByLightAsync"/>).</summary>
public sealed record SourceLightCounts(int Red, int Yellow, int Green);

/// <summary>
/// The sources a reader sees (<see cref="SourceAccess"/>), their progress (the weighted mean of their
/// items', a closed item counting 100) and light (red when an item is overdue, else yellow when one runs
/// short, else green while any is open) read from their matters at the moment asked.
/// </summary>
public sealed class SourceQueries(DubanDb db, SourceAccess access, UnitDirectory units, MatterClock clock, TimeProvider time, SourceTypeCatalog types)
{
    public const int MaxPageSize = 100;

    public async Task<Result<SourceList>> ListAsync(string? type, string? status, string? light, int? page, int? pageSize, Actor actor, CancellationToken ct)
    {
        // Bounded as the matter lists' pages are: (page − 1) × size overflowed into a negative OFFSET (PostgreSQL: 500).
        if (page is < 1 or > MatterQueries.MaxPage) return Error.Validation($"page is 1 to {MatterQueries.MaxPage}");
        if (pageSize is < 1 or > MaxPageSize) return Error.Validation($"pageSize is 1 to {MaxPageSize}");
        var filtered = await FilterAsync(type, status, light, actor, ct);
        if (!filtered.IsSuccess) return filtered.Error!;
        var size = pageSize ?? 20;
        var (q, reach) = filtered.Value!;
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(s => s.Date).ThenByDescending(s => s.Id).Skip(((page ?? 1) - 1) * size).Take(size).ToListAsync(ct);
        var items = await ItemsAsync(rows.Select(s => s.Id).ToList(), reach, rows.ToDictionary(s => s.Id, s => SourceAccess.SightOf(reach, s, holdsAnItem: true)), ct);
        var all = await units.AllAsync(ct);
        return new SourceList([.. rows.Select(s => ListItem(s, items[s.Id], all))], total);
    }

    /// <summary>
    /// How many of the sources the reader sees are red, yellow and green now (a source's light as the list's light filter
    /// reads it: red when an item it may see is overdue, else yellow, else green; one with no open item has none): one
    /// grouped count over the sources' index, the figure the cockpit shows, where three filtered lists read the same.
    /// </summary>
    public async Task<SourceLightCounts> CountByLightAsync(Actor actor, CancellationToken ct)
    {
        var now = time.Now();
        var reach = await access.ReachAsync(actor, ct);
        var red = ItemsWhere(Light.Red, now, reach);
        var yellow = ItemsWhere(Light.Yellow, now, reach);
        var green = ItemsWhere(Light.Green, now, reach);
        var counts = await SourceAccess.Visible(db.Set<Source>().AsNoTracking(), db, reach)
            .Select(s => red.Contains(s.Id) ? 2 : yellow.Contains(s.Id) ? 1 : green.Contains(s.Id) ? 0 : -1)
            .GroupBy(light => light)
            .Select(g => new { Light = g.Key, Count = g.Count() })
            .ToListAsync(ct);
        int Of(int light) => counts.FirstOrDefault(c => c.Light == light)?.Count ?? 0;
        return new SourceLightCounts(Of(2), Of(1), Of(0));
    }

    /// <summary>The most sources one ledger lists: the newest, the rest only counted in its total.</summary>
    public const int MaxLedgerSources = 5000;

    /// <summary>
    /// The ledger (台账): the sources the list would show with these filters (the same rule of who sees what), newest first,
    /// at most <see cref="MaxLedgerSources"/>, each with its items as its reader sees them and, for a source seen whole,
    /// its measures. A few queries for the lot, not one read per source.
    /// </summary>
    public async Task<Result<SourceLedgerData>> LedgerAsync(string? type, string? status, string? light, Actor actor, CancellationToken ct)
    {
        var filtered = await FilterAsync(type, status, light, actor, ct);
        if (!filtered.IsSuccess) return filtered.Error!;
        var (q, reach) = filtered.Value!;
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(s => s.Date).ThenByDescending(s => s.Id).Take(MaxLedgerSources).ToListAsync(ct);
        var sights = rows.ToDictionary(s => s.Id, s => SourceAccess.SightOf(reach, s, holdsAnItem: true));
        var items = new Dictionary<long, List<SourceItemView>>();
        // In chunks: an IN list of thousands of ids is more than some providers take as parameters.
        foreach (var chunk in rows.Select(s => s.Id).Chunk(Chunk))
        {
            foreach (var (id, list) in await ItemsAsync([.. chunk], reach, sights, ct)) items[id] = list;
        }
        var measures = await MeasuresAsync([.. rows.Where(s => sights[s.Id] == SourceSight.Whole).Select(s => s.Id)], items, ct);
        var all = await units.AllAsync(ct);
        return new SourceLedgerData([.. rows.Select(s => new SourceLedgerEntry(ListItem(s, items[s.Id], all), items[s.Id], measures.GetValueOrDefault(s.Id) ?? []))],
            total, time.Now());
    }

    private const int Chunk = 500;

    private sealed record Filtered(IQueryable<Source> Query, SourceAccess.Reach Reach);

    /// <summary>The list's filters checked (a 400 naming the field) and applied to the sources the actor sees.</summary>
    private async Task<Result<Filtered>> FilterAsync(string? type, string? status, string? light, Actor actor, CancellationToken ct)
    {
        type = Text.OrNull(type);
        if (type is not null && !types.IsType(type)) return Error.Validation($"type must be one of {types.Names} / 来源类型不存在");
        status = Text.OrNull(status);
        if (status is not null and not (Source.Open or Source.Reported)) return Error.Validation("status must be open or reported / 状态应为 open 或 reported");
        light = Text.OrNull(light);
        if (light is not null && !Light.All.Contains(light)) return Error.Validation("light must be green, yellow or red / 亮灯状态为 green、yellow 或 red");
        var now = time.Now();
        var reach = await access.ReachAsync(actor, ct);
        var q = SourceAccess.Visible(db.Set<Source>().AsNoTracking(), db, reach);
        if (type is not null) q = q.Where(s => s.Type == type);
        if (status is not null) q = q.Where(s => s.Status == status);
        if (light is not null)
        {
            var red = ItemsWhere(Light.Red, now, reach);
            var yellow = ItemsWhere(Light.Yellow, now, reach);
            var green = ItemsWhere(Light.Green, now, reach);
            q = light switch
            {
                Light.Red => q.Where(s => red.Contains(s.Id)),
                Light.Yellow => q.Where(s => !red.Contains(s.Id) && yellow.Contains(s.Id)),
                _ => q.Where(s => !red.Contains(s.Id) && !yellow.Contains(s.Id) && green.Contains(s.Id)),
            };
        }
        return new Filtered(q, reach);
    }

    private SourceListItem ListItem(Source s, List<SourceItemView> own, IReadOnlyDictionary<string, UnitInfo> all) =>
        new(s.Id, s.Type, types.Label(s.Type).Current, s.Title, s.Date, Unit(all, s.OwnerUnitCode)!, s.Status,
            Progress(own), LightOf(s, own), own.Count, own.Count(i => i.Overdue), s.Confidential, s.ParentId);

    /// <summary>
    /// The sources with an open item of that light (the matters' light rule, inside the query), counting only the items
    /// the reader sees: all of a source seen whole (<see cref="SourceAccess.SightOf"/>'s rule), else their unit's own, so
    /// that a filtered list says what its rows show and tells a unit nothing of another's items.
    /// </summary>
    private IQueryable<long> ItemsWhere(string light, DateTimeOffset now, SourceAccess.Reach reach)
    {
        var held = SourceAccess.HeldBy(db, reach.UnitCode);
        var whole = db.Set<Source>().Where(SourceAccess.SeenWhole(reach)).Select(s => s.Id);
        return from i in db.Set<SourceItem>()
               join m in db.Matters.Where(clock.Filter(light, now)) on i.MatterId equals m.Id
               where whole.Contains(i.SourceId) || held.Contains(i.MatterId)
               select i.SourceId;
    }

    public async Task<Result<SourceView>> GetAsync(long id, Actor actor, CancellationToken ct)
    {
        var s = await db.Set<Source>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (s is null) return Error.NotFound(SourceChanges.NotFoundText);
        var (sight, reach) = await access.SightAsync(db, actor, s, ct);
        if (sight == SourceSight.None) return Error.NotFound(SourceChanges.NotFoundText);
        var items = (await ItemsAsync([id], reach, new Dictionary<long, SourceSight> { [id] = sight }, ct))[id];
        var all = await units.AllAsync(ct);
        var view = new SourceView(s.Id, s.Type, types.Label(s.Type).Current, s.Title, s.Date, Unit(all, s.OwnerUnitCode)!, s.Status,
            Progress(items), LightOf(s, items), null, [], items, [])
        {
            Sight = sight == SourceSight.Whole ? "whole" : "own",
            Overdue = items.Count(i => i.Overdue),
            Confidential = s.Confidential,
        };
        if (sight != SourceSight.Whole) return view;

        var measures = (await MeasuresAsync([id], new Dictionary<long, List<SourceItemView>> { [id] = items }, ct)).GetValueOrDefault(id) ?? [];
        var children = await SeenAsync(db.Set<Source>().AsNoTracking().Where(c => c.ParentId == id).OrderBy(c => c.Date).ThenBy(c => c.Id), reach, ct);
        var ancestors = new List<SourceRef>();
        for (var parentId = s.ParentId; parentId is not null && ancestors.Count < 16;)
        {
            var parent = await db.Set<Source>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == parentId, ct);
            if (parent is null || SourceAccess.SightOf(reach, parent, holdsAnItem: false) != SourceSight.Whole) break;
            ancestors.Insert(0, Ref(parent));
            parentId = parent.ParentId;
        }
        return view with
        {
            ParentId = ancestors.Count > 0 ? s.ParentId : null,
            Children = [.. children.Select(c => c.Id)],
            Measures = measures,
            Version = s.Version,
            Details = JsonSerializer.Deserialize<SourceDetails>(s.Details, SourceChanges.Json),
            Report = s.Report,
            ReportedAt = s.ReportedAt,
            Ancestors = ancestors,
            ChildSources = children,
            MayManage = await access.MayManageAsync(actor, s.OwnerUnitCode, ct),
        };
    }

    /// <summary>
    /// The measures these sources declare, in order, each with its total over the source's items completed (awaiting
    /// approval or closed): a completion sent back no longer counts. Only for sources their reader sees whole.
    /// </summary>
    private async Task<Dictionary<long, List<SourceMeasureView>>> MeasuresAsync(List<long> ids, Dictionary<long, List<SourceItemView>> items,
        CancellationToken ct)
    {
        var declared = new List<SourceMeasure>();
        foreach (var chunk in ids.Chunk(Chunk))
        {
            var part = chunk.ToList();
            declared.AddRange(await db.Set<SourceMeasure>().AsNoTracking().Where(x => part.Contains(x.SourceId)).ToListAsync(ct));
        }
        var result = new Dictionary<long, List<SourceMeasureView>>();
        if (declared.Count == 0) return result;
        var bySource = declared.GroupBy(d => d.SourceId).ToList();
        var counted = bySource.SelectMany(g => items[g.Key]).Where(Counts).Select(i => i.MatterId).ToList();
        var values = new List<SourceMeasureValue>();
        foreach (var chunk in counted.Chunk(Chunk))
        {
            var part = chunk.ToList();
            values.AddRange(await db.Set<SourceMeasureValue>().AsNoTracking().Where(v => part.Contains(v.MatterId)).ToListAsync(ct));
        }
        var byMatter = values.ToLookup(v => v.MatterId);
        foreach (var g in bySource)
        {
            var totals = items[g.Key].Where(Counts).SelectMany(i => byMatter[i.MatterId])
                .GroupBy(v => v.Key).ToDictionary(v => v.Key, v => v.Sum(x => x.Value), StringComparer.Ordinal);
            result[g.Key] = [.. g.OrderBy(d => d.Seq).Select(d => new SourceMeasureView(d.Key, d.Name, d.Unit, totals.GetValueOrDefault(d.Key)))];
        }
        return result;

        static bool Counts(SourceItemView i) => i.Status is Status.PendingReview or Status.Closed;
    }

    /// <summary>Of these sources, those the reader sees whole (a tree shows no branch its reader may not open).</summary>
    private async Task<List<SourceRef>> SeenAsync(IQueryable<Source> sources, SourceAccess.Reach reach, CancellationToken ct) =>
        [.. (await sources.Take(200).ToListAsync(ct)).Where(c => SourceAccess.SightOf(reach, c, holdsAnItem: false) == SourceSight.Whole).Select(Ref)];

    private SourceRef Ref(Source s) => new(s.Id, s.Type, types.Label(s.Type).Current, s.Title, s.Status);

    /// <summary>The items of these sources (one query), each source's as its reader sees them: all, or their unit's own.</summary>
    private async Task<Dictionary<long, List<SourceItemView>>> ItemsAsync(List<long> ids, SourceAccess.Reach reach, Dictionary<long, SourceSight> sights,
        CancellationToken ct)
    {
        var now = time.Now();
        var rows = await (from i in db.Set<SourceItem>()
                          join m in db.Matters on i.MatterId equals m.Id
                          where ids.Contains(i.SourceId)
                          orderby i.SourceId, i.Seq
                          select new
                          {
                              i.SourceId,
                              m.Id,
                              m.Number,
                              m.Title,
                              m.Status,
                              m.Progress,
                              m.LeadUnitCode,
                              m.Weight,
                              Light = new LightFields(m.Status, m.AcceptDueAt, m.YellowAt, m.DueAt, m.PausedAt, m.KeySupervision, m.LastProgressAt, m.WarnAt),
                              Units = m.Assignments.Where(a => a.Active).OrderBy(a => a.Id).Select(a => a.UnitCode).ToList(),
                          }).ToListAsync(ct);
        var all = await units.AllAsync(ct);
        var result = ids.ToDictionary(id => id, _ => new List<SourceItemView>());
        foreach (var r in rows)
        {
            if (sights[r.SourceId] != SourceSight.Whole && !r.Units.Contains(reach.UnitCode)) continue;
            var due = r.Light.DueAt;
            result[r.SourceId].Add(new SourceItemView(r.Id, r.Number, r.Title, Unit(all, r.LeadUnitCode),
                [.. r.Units.Where(u => u != r.LeadUnitCode).Select(u => Unit(all, u)!)], r.Status, clock.LightOf(r.Light, now),
                due is { } d ? Clock.ChinaDate(d.AddMilliseconds(-1)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : null, due,
                r.Status == Status.Closed ? 100 : r.Progress, MatterClock.IsOverdue(r.Status, due, r.Light.PausedAt, now), r.Weight));
        }
        return result;
    }

    /// <summary>The weighted mean of the items' progress (merged and rejected items left out).</summary>
    /// <summary>The weighted mean of the items' progress (a closed item counts 100; merged and rejected ones are left out).</summary>
    public static int Progress(IReadOnlyCollection<SourceItemView> items)
    {
        var counted = items.Where(i => i.Status is not (Status.Merged or Status.Rejected)).ToList();
        var weight = counted.Sum(i => i.Weight);
        return weight == 0 ? 0 : (int)Math.Round(counted.Sum(i => (double)i.Progress * i.Weight) / weight, MidpointRounding.AwayFromZero);
    }

    /// <summary>Red when an item is overdue (or late in any way), else yellow when one runs short, else green while one is open; none once reported.</summary>
    private static string? LightOf(Source s, List<SourceItemView> items)
    {
        if (s.Status != Source.Open) return null;
        var lights = items.Select(i => i.Light).OfType<string>().ToList();
        return lights.Contains(Light.Red) ? Light.Red : lights.Contains(Light.Yellow) ? Light.Yellow : lights.Count > 0 ? Light.Green : null;
    }

    private static UnitRef? Unit(IReadOnlyDictionary<string, UnitInfo> all, string? code) =>
        code is null ? null : all.TryGetValue(code, out var u) ? new UnitRef(u.Code, u.Name) : new UnitRef(code, code);
}
