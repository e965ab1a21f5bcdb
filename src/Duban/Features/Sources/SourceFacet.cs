using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Sources;

/// <summary>The source a matter is an item of, as its facet knows it.</summary>
public sealed record SourceLink(long SourceId, string Type, string Title, string OwnerUnitCode, bool Confidential);

/// <summary>A matter's part of its source: the link, the campaign's declared measures, and the values it recorded.</summary>
public sealed class SourceState
{
    public SourceLink? Link { get; set; }

    public IReadOnlyList<SourceMeasure> Declared { get; set; } = [];

    public Dictionary<string, double> Values { get; set; } = new(StringComparer.Ordinal);

    internal Dictionary<string, double> Loaded { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A source's item as a facet of its matter: the matter says which source it serves (its page links
/// to it), the source's owner follows it (the supervision job tells the owner of its notices and
/// escalations), and a campaign's task records its outcome measures when it is completed
/// (<c>"measures": {"key": number}</c> on complete), kept in its state hash.
/// </summary>
public sealed class SourceFacet(SourceAccess access) : MatterFacet
{
    public const string FacetName = "source";

    public override string Name => FacetName;

    /// <summary>After sub-tasks (10) and the plan (20). Never change it: measures are in the chain.</summary>
    public override int Order => 30;

    public static SourceState Of(Matter m) => m.Facets.GetOrAdd<SourceState>();

    public override async Task LoadAsync(DubanDb db, IReadOnlyList<Matter> matters, bool tracked, CancellationToken ct)
    {
        // Only tasks are items: other matters cost no query.
        var tasks = matters.Where(m => m.Kind == "task").ToList();
        foreach (var m in matters) m.Facets.Set(new SourceState());
        if (tasks.Count == 0) return;
        var ids = tasks.Select(m => m.Id).ToList();
        var links = await (from i in db.Set<SourceItem>()
                           join s in db.Set<Source>() on i.SourceId equals s.Id
                           where ids.Contains(i.MatterId)
                           select new { i.MatterId, Link = new SourceLink(s.Id, s.Type, s.Title, s.OwnerUnitCode, s.Confidential) }).ToListAsync(ct);
        if (links.Count == 0) return;
        var campaigns = links.Where(l => l.Link.Type == SourceTypes.Campaign).Select(l => l.Link.SourceId).Distinct().ToList();
        var declared = campaigns.Count == 0 ? [] : await db.Set<SourceMeasure>().AsNoTracking().Where(x => campaigns.Contains(x.SourceId)).OrderBy(x => x.Seq).ToListAsync(ct);
        var linked = links.Select(l => l.MatterId).ToList();
        var values = campaigns.Count == 0 ? [] : await db.Set<SourceMeasureValue>().AsNoTracking().Where(v => linked.Contains(v.MatterId)).ToListAsync(ct);
        var byMatter = values.ToLookup(v => v.MatterId);
        foreach (var l in links)
        {
            var state = Of(tasks.First(m => m.Id == l.MatterId));
            state.Link = l.Link;
            state.Declared = [.. declared.Where(d => d.SourceId == l.Link.SourceId)];
            foreach (var v in byMatter[l.MatterId])
            {
                state.Values[v.Key] = v.Value;
                state.Loaded[v.Key] = v.Value;
            }
        }
    }

    /// <summary>The values a completion replaced: rows gone, changed or new.</summary>
    public override void Save(Matter m, DubanDb db)
    {
        if (m.Facets.Get<SourceState>() is not { } state) return;
        var set = db.Set<SourceMeasureValue>();
        foreach (var (key, value) in state.Loaded)
        {
            if (!state.Values.TryGetValue(key, out var now)) set.Remove(Tracked(db, m.Id, key, value));
            else if (now != value) Tracked(db, m.Id, key, value).Value = now;
        }
        foreach (var (key, value) in state.Values)
        {
            if (!state.Loaded.ContainsKey(key)) set.Add(new SourceMeasureValue { MatterId = m.Id, Key = key, Value = value });
        }
        state.Loaded.Clear();
        foreach (var (key, value) in state.Values) state.Loaded[key] = value;
    }

    private static SourceMeasureValue Tracked(DubanDb db, long matterId, string key, double value) =>
        db.Set<SourceMeasureValue>().Local.FirstOrDefault(v => v.MatterId == matterId && v.Key == key)
        ?? db.Set<SourceMeasureValue>().Attach(new SourceMeasureValue { MatterId = matterId, Key = key, Value = value }).Entity;

    /// <summary>The measures recorded, by key: present only on a campaign's task that recorded some.</summary>
    public override object? HashPart(Matter m) =>
        m.Facets.Get<SourceState>() is { Values.Count: > 0 } state
            ? state.Values.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => new object[] { x.Key, x.Value }).ToArray()
            : null;

    public override void Snapshot(Matter m, JsonObject snapshot)
    {
        if (m.Facets.Get<SourceState>() is not { } state) return;
        if (state.Link is { } link) snapshot["source"] = link.SourceId;
        if (state.Values.Count > 0) snapshot["measures"] = Measures(state.Values);
    }

    /// <summary>The source's owner follows its items.</summary>
    public override IEnumerable<string> Followers(Matter m) => m.Facets.Get<SourceState>()?.Link is { } link ? [link.OwnerUnitCode] : [];

    /// <summary>
    /// At complete, <c>measures</c>: values for the campaign's declared measures, replacing those of an
    /// earlier completion. A matter of no campaign, an undeclared key or a value that is not a number
    /// from 0 is a 400 naming the member, and the completion is undone.
    /// </summary>
    public override Task<Error?> OnActionAsync(string action, ActionStep step, CancellationToken ct)
    {
        if (action != Complete.Name || !step.Extensions.TryGetPropertyValue("measures", out var given) || given is null) return Task.FromResult<Error?>(null);
        return Task.FromResult(Record(Of(step.Matter), given, step));
    }

    private static Error? Record(SourceState state, JsonNode given, ActionStep step)
    {
        if (state.Link is not { Type: SourceTypes.Campaign } || state.Declared.Count == 0)
            return Error.Validation("measures: this matter is not a task of a campaign with outcome measures / 该事项不属于设有成效指标的专项整治");
        if (given is not JsonObject values) return Error.Validation("measures must be an object of numbers by key, e.g. {\"yuan_saved\": 3000000}");
        var recorded = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, node) in values)
        {
            if (state.Declared.All(d => d.Key != key))
                return Error.Validation($"measures.{key} is not a measure of this campaign; it declares {string.Join(", ", state.Declared.Select(d => d.Key))} / 专项整治未设置该成效指标");
            if (node is not JsonValue v || !v.TryGetValue<double>(out var number) || !double.IsFinite(number) || number < 0 || number > 1e15)
                return Error.Validation($"measures.{key} must be a number from 0 to 10^15 / 指标值应为非负数");
            recorded[key] = number;
        }
        state.Values = recorded;
        step.Details["measures"] = Measures(recorded);
        return null;
    }

    private static JsonObject Measures(IReadOnlyDictionary<string, double> values) =>
        new(values.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => KeyValuePair.Create(x.Key, (JsonNode?)JsonValue.Create(x.Value))));

    /// <summary>
    /// facets.source: the source (id, type, title) and, on a campaign's task, its measures with the values
    /// recorded; only to a reader who may see the source (a confidential one: its owner's line).
    /// </summary>
    public override async Task<MatterDetail> DescribeAsync(MatterDetail detail, Matter m, FacetView view, CancellationToken ct)
    {
        if (m.Facets.Get<SourceState>() is not { Link: { } link } state) return detail;
        var reach = await access.ReachAsync(view.Actor, ct);
        // A reader who sees the matter by territory (a county's coordinator) without holding it sees no source it may not open.
        var holds = m.Assignments.Any(a => a.Active && a.UnitCode == view.Actor.UnitCode);
        if (SourceAccess.SightOf(reach, link.OwnerUnitCode, link.Confidential, holds) == SourceSight.None) return detail;
        var facets = new Dictionary<string, object?>(detail.Facets)
        {
            [FacetName] = new SourceFacetView(link.SourceId, link.Type, SourceTypes.Label(link.Type).Current, link.Title,
                [.. state.Declared.Select(d => new MeasureValueView(d.Key, d.Name, d.Unit, state.Values.TryGetValue(d.Key, out var v) ? v : null))]),
        };
        return detail with { Facets = facets };
    }

    public override Type? PageSection => typeof(SourceSection);

    /// <summary>A number as the pages print it: grouped, no needless decimals.</summary>
    public static string Format(double value) => value.ToString(value == Math.Floor(value) ? "#,0" : "#,0.##", CultureInfo.InvariantCulture);
}

/// <summary>A matter's source in its detail (facets.source).</summary>
public sealed record SourceFacetView(long Id, string Type, string TypeLabel, string Title, IReadOnlyList<MeasureValueView> Measures);

/// <summary>A campaign measure and the value this task recorded (null: none yet).</summary>
public sealed record MeasureValueView(string Key, string Name, string Unit, double? Value);
