using Duban.Common;
using Duban.Data;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Dispatching;

/// <summary>A matter waiting for dispatch, with its place, its top three suggestions and its possible duplicates.</summary>
public sealed record QueueItem(long Id, string Number, string Kind, string Channel, string Title, string Content, string Status, string? Category,
    string Urgency, TerritoryView? Territory, bool Confidential, DateTimeOffset ReceivedAt, int ReturnCount, int Version,
    IReadOnlyList<DispatchSuggestion> Suggestions, IReadOnlyList<DuplicateView> Duplicates);

/// <summary>
/// 待派单: the dispatcher's queue: the matters the actor sees that wait for a unit (received, or
/// returned by one), oldest first, each with the top three routes and its possible duplicates, so
/// accepting is one click (POST …/dispatch {"accept": true}) and merging is one more.
/// </summary>
public sealed class WaitingForDispatch(DubanDb db, MatterScope scope, DispatchSuggestions suggestions, Duplicates duplicates, GeoService geo)
{
    public const int MaxPageSize = 50;

    public async Task<Result<PageOf<QueueItem>>> ListAsync(int? page, int? pageSize, Actor actor, CancellationToken ct)
    {
        if (!scope.Coordinates(actor)) return Error.Forbidden("只有受理和督办人员有派单队列 / only dispatchers and supervisors have a dispatch queue");
        var (p, size) = (page ?? 1, pageSize ?? 20);
        if (p < 1 || p > MatterQueries.MaxPage || size < 1 || size > MaxPageSize)
            return Error.Validation($"page is 1 to {MatterQueries.MaxPage}; pageSize is 1 to {MaxPageSize} / 页码或每页条数超出范围");
        var waiting = scope.Visible(db.Matters.AsNoTracking(), db, actor).Where(m => m.Status == Status.Received || m.Status == Status.Returned);
        var total = await waiting.CountAsync(ct);
        var rows = await waiting.OrderBy(m => m.ReceivedAt).ThenBy(m => m.Id).Skip((p - 1) * size).Take(size).ToListAsync(ct);
        var router = await suggestions.RouterAsync(ct);
        // The page's possible duplicates in two reads, not two per matter (Duplicates.FindManyAsync).
        var duplicatesOf = await duplicates.FindManyAsync(rows, actor, 5, ct);
        var items = new List<QueueItem>(rows.Count);
        foreach (var m in rows)
        {
            items.Add(new QueueItem(m.Id, m.Number, m.Kind, m.Channel, m.Title, m.Content, m.Status, m.Category, m.Urgency,
                MatterQueries.Territory(geo.Gazetteer.Divisions, m.TerritoryCode), m.Confidential, m.ReceivedAt, m.ReturnCount, m.Version,
                suggestions.Top(router, m, 3), duplicatesOf[m.Id]));
        }
        return new PageOf<QueueItem>(items, total, p, size);
    }
}
