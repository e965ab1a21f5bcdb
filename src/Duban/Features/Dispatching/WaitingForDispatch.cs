using Duban.Common;
using Duban.Data;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Dispatching;

/// <summary>A matter waiting for dispatch, with its place, its top three suggestions and its possible duplicates.</summary>
public sealed record QueueItem(long Id, string Number, string Kind, string Channel, string Title, string Content, string Status, string? Category,
    string Urgency, TerritoryView? Territory, bool Confidential, DateTimeOffset ReceivedAt, int ReturnCount, int Version,
    IReadOnlyList<DispatchSuggestion> Suggestions, IReadOnlyList<DuplicateView> Duplicates);

/// <summary>
/// A row of the dispatcher's desk (the queue page): the item, its light, when it must be dispatched
/// (受理、转办时限), the deadline a dispatch now would set (<see cref="Dispatch.DueIfDispatched"/>, the rule
/// dispatch itself runs) and whether the suggestion is below the automatic dispatch's threshold (a
/// dispatch of it asks for confirmation).
/// </summary>
public sealed record QueueRow(QueueItem Item, string? Light, DateTimeOffset? AcceptDueAt, DateTimeOffset DueIfDispatched, bool LowConfidence)
{
    public DispatchSuggestion? Top => Item.Suggestions.Count > 0 ? Item.Suggestions[0] : null;
}

/// <summary>The desk's orders: the most urgent first (late to dispatch first, then the earliest acceptance deadline), oldest, newest.</summary>
public static class QueueSort
{
    public const string Urgent = "urgent";
    public const string Oldest = "oldest";
    public const string Newest = "newest";

    public static readonly string[] All = [Urgent, Oldest, Newest];
}

/// <summary>
/// The desk's filters. Kind, county and light are the stored fields' (SQL); the suggested category and a
/// low confidence are the router's, read for at most <see cref="WaitingForDispatch.MaxScan"/> waiting
/// matters in the order chosen.
/// </summary>
public sealed record QueueFilter(string? Sort = null, string? Kind = null, string? County = null, string? Light = null, string? Category = null,
    bool LowConfidence = false)
{
    public bool Computed => Category is not null || LowConfidence;
}

/// <summary>
/// 待派单: the dispatcher's queue: the matters the actor sees that wait for a unit (received, or
/// returned by one), oldest first, each with the top three routes and its possible duplicates, so
/// accepting is one click (POST …/dispatch {"accept": true}) and merging is one more.
/// </summary>
public sealed class WaitingForDispatch(DubanDb db, MatterScope scope, DispatchSuggestions suggestions, Duplicates duplicates, GeoService geo,
    MatterClock clock, MatterKinds kinds, TimeProvider time, IOptions<DispatchOptions> options)
{
    public const int MaxPageSize = 50;

    /// <summary>How many waiting matters a filter by the router's answer (category, low confidence) reads at most.</summary>
    public const int MaxScan = 500;

    /// <summary>Below this confidence the automatic dispatch leaves a matter to a person, and the desk asks before dispatching it.</summary>
    public double Threshold => options.Value.AutoConfidence;

    /// <summary>The API's queue (GET /api/v1/dispatch/queue): oldest first, unfiltered.</summary>
    public async Task<Result<PageOf<QueueItem>>> ListAsync(int? page, int? pageSize, Actor actor, CancellationToken ct)
    {
        var rows = await ListAsync(page, pageSize, new QueueFilter(QueueSort.Oldest), actor, ct);
        return rows.IsSuccess ? new PageOf<QueueItem>([.. rows.Value!.Items.Select(r => r.Item)], rows.Value.Total, rows.Value.Page, rows.Value.PageSize) : rows.Error!;
    }

    /// <summary>The desk's queue: sorted and filtered, each row with its light and the deadline a dispatch would set.</summary>
    public async Task<Result<PageOf<QueueRow>>> ListAsync(int? page, int? pageSize, QueueFilter filter, Actor actor, CancellationToken ct)
    {
        if (!scope.Coordinates(actor)) return Error.Forbidden("只有受理和督办人员有派单队列 / only dispatchers and supervisors have a dispatch queue");
        var (p, size) = (page ?? 1, pageSize ?? 20);
        if (p < 1 || p > MatterQueries.MaxPage || size < 1 || size > MaxPageSize)
            return Error.Validation($"page is 1 to {MatterQueries.MaxPage}; pageSize is 1 to {MaxPageSize} / 页码或每页条数超出范围");
        var sort = filter.Sort ?? QueueSort.Urgent;
        if (!QueueSort.All.Contains(sort)) return Error.Validation($"sort is one of {string.Join(", ", QueueSort.All)} / 排序方式无效");
        if (kinds.Filter(filter.Kind, out var kind) is { } badKind) return badKind;
        if (filter.Light is { } light && !Light.All.Contains(light)) return Error.Validation("light is green, yellow or red / 灯色无效");
        if (filter.County is { } county && !geo.Gazetteer.HomeCounties().Any(c => c.Code == county))
            return Error.Validation($"county {county} is not a county of the city / 区县 {county} 不属于本市");
        if (filter.Category is { Length: > 100 }) return Error.Validation("category is at most 100 characters / 分类过长");

        var now = time.Now();
        // The waiting states as the lights' rule writes them (status IN ('received', 'returned')).
        var states = LightRule.WaitingStates.ToArray();
        var waiting = scope.Visible(db.Matters.AsNoTracking(), db, actor).Where(m => states.Contains(m.Status));
        if (kind is not null) waiting = waiting.Where(m => m.Kind == kind);
        if (filter.County is { } c) waiting = waiting.Where(m => m.CountyCode == c);
        if (filter.Light is { } l) waiting = waiting.Where(clock.Filter(l, now));
        waiting = Ordered(waiting, sort);
        var router = await suggestions.RouterAsync(ct);

        List<Matter> rows;
        int total;
        if (!filter.Computed)
        {
            total = await waiting.CountAsync(ct);
            rows = await waiting.Skip((p - 1) * size).Take(size).ToListAsync(ct);
        }
        else
        {
            // The router's answer is not stored: it is read for the first MaxScan waiting matters, in the page's order.
            var candidates = await waiting.Take(MaxScan).ToListAsync(ct);
            var kept = candidates.Where(m => Keeps(filter, suggestions.Top(router, m, 1)[0])).ToList();
            total = kept.Count;
            rows = [.. kept.Skip((p - 1) * size).Take(size)];
        }
        // The page's possible duplicates in two reads, not two per matter (Duplicates.FindManyAsync).
        var duplicatesOf = await duplicates.FindManyAsync(rows, actor, 5, ct);
        var items = new List<QueueRow>(rows.Count);
        var moment = clock.Moment(now);
        foreach (var m in rows)
        {
            var item = new QueueItem(m.Id, m.Number, m.Kind, m.Channel, m.Title, m.Content, m.Status, m.Category, m.Urgency,
                MatterQueries.Territory(geo.Gazetteer.Divisions, m.TerritoryCode), m.Confidential, m.ReceivedAt, m.ReturnCount, m.Version,
                suggestions.Top(router, m, 3), duplicatesOf[m.Id]);
            var top = item.Suggestions.Count > 0 ? item.Suggestions[0] : null;
            items.Add(new QueueRow(item, LightRule.Of(m, moment), m.AcceptDueAt, Dispatch.DueIfDispatched(clock, m, now),
                top is null || top.Confidence < Threshold));
        }
        return new PageOf<QueueRow>(items, total, p, size);
    }

    private bool Keeps(QueueFilter filter, DispatchSuggestion top) =>
        (filter.Category is not { } category || top.Category == category || top.CategoryPath == category)
        && (!filter.LowConfidence || top.Confidence < Threshold);

    /// <summary>
    /// Most urgent first: a waiting matter's light follows its acceptance deadline, so ordering by that
    /// deadline puts the late (red) first, then the nearest; those without one last (NULLs ordered alike on
    /// both databases), each group oldest first.
    /// </summary>
    private static IQueryable<Matter> Ordered(IQueryable<Matter> q, string sort) => sort switch
    {
        QueueSort.Newest => q.OrderByDescending(m => m.ReceivedAt).ThenByDescending(m => m.Id),
        QueueSort.Oldest => q.OrderBy(m => m.ReceivedAt).ThenBy(m => m.Id),
        _ => q.OrderBy(m => m.AcceptDueAt == null).ThenBy(m => m.AcceptDueAt).ThenBy(m => m.ReceivedAt).ThenBy(m => m.Id),
    };
}
