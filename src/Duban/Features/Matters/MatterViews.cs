using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Geo;
using Duban.Features.Sealing;
using Duban.Features.Supervision;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters;

public sealed record UnitRef(string Code, string Name);
public sealed record MatterSummary(long Id, string Number, string Kind, string Channel, string Title, string Status, string? Category,
    string Urgency, string? TerritoryCode, UnitRef? LeadUnit, DateTimeOffset ReceivedAt, DateTimeOffset? DueAt, bool Overdue,
    bool Confidential, int Progress, long? ParentId, int Version)
{
    /// <summary>green, yellow or red while a unit holds it (Features/Supervision); null otherwise.</summary>
    public string? Light { get; init; }
    public bool KeySupervision { get; init; }

    /// <summary>With a text search (<c>q=</c>) found outside the title: where, and the words around it (Features/Search).</summary>
    public Search.SearchMatch? Match { get; init; }
}
public sealed record PageOf<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize)
{
    /// <summary>
    /// The list holds at least <see cref="Total"/> items, perhaps more: a search for a common word is counted
    /// only so far (Features/Search, "1000+ 条"). False wherever the total is exact.
    /// </summary>
    public bool TotalIsLowerBound { get; init; }
}
public sealed record RaiserView(bool Anonymous, bool Confidential, string? Name, string? Phone, bool Masked);
public sealed record SubjectView(UnitRef? Unit, string? Person);
public sealed record AssignmentView(UnitRef Unit, string Role, DateTimeOffset AssignedAt, DateTimeOffset? AcceptedAt, bool Active);
public sealed record EventView(long Seq, DateTimeOffset At, string Actor, string? ActorUnitCode, string Action, string? FromStatus, string? ToStatus, string? Reason, JsonNode? Data);
public sealed record ChildView(long Id, string Number, string Title, string Status, int Progress, UnitRef? LeadUnit, DateTimeOffset? DueAt)
{
    /// <summary>Its weight in the parent's progress.</summary>
    public int Weight { get; init; } = 1;
}
public sealed record ExtensionView(int Days, string? Reason);
public sealed record FeedbackView(bool? Resolved, string? Satisfaction);
/// <summary>The matter's place (属地): its division code, level and the names from province down; level null and path empty for a code the gazetteer does not know.</summary>
public sealed record TerritoryView(string Code, string? Level, IReadOnlyList<string> Path);
public sealed record MatterDetail(long Id, string Number, string Kind, string Channel, string Title, string Content, string? Location,
    string? TerritoryCode, TerritoryView? Territory, string? Category, string Urgency, DateTimeOffset ReceivedAt, DateTimeOffset RegisteredAt, RaiserView Raiser,
    SubjectView? Subject, bool Confidential, string Status, string StatusText, string? StatusReason, UnitRef? LeadUnit, DateTimeOffset? DueAt, bool Overdue,
    long? ParentId, long? MergedIntoId, int Progress, string? Outcome, ExtensionView? ExtensionRequest, FeedbackView? Feedback,
    int UrgeCount, int ReturnCount, int ReopenCount, DateTimeOffset? ClosedAt, int Version,
    IReadOnlyList<AssignmentView> Assignments, IReadOnlyList<ChildView> Children, IReadOnlyList<EventView> Events)
{
    /// <summary>Its returns (退单), oldest first, each with its window and how it was judged.</summary>
    public IReadOnlyList<ReturnView> Returns { get; init; } = [];

    /// <summary>Its clock: policy, deadlines of each stage, pauses, light, supervision steps, plan (Features/Matters/Clock).</summary>
    public ClockView? Clock { get; init; }

    /// <summary>The actions the reader may take on it now (their names in the API), from the registry: what the matter page offers.</summary>
    public IReadOnlyList<string> AvailableActions { get; init; } = [];

    /// <summary>The parts that facets of later modules add, by facet name (the first two fill clock.milestones and children, as before).</summary>
    public IReadOnlyDictionary<string, object?> Facets { get; init; } = new Dictionary<string, object?>();
}

/// <summary>A return: by which unit, within which window, why, and its state: pending, review, upheld or overruled.</summary>
public sealed record ReturnView(UnitRef Unit, DateTimeOffset DispatchedAt, DateTimeOffset WindowEndsAt, DateTimeOffset ReturnedAt, string Reason,
    string State, string? ReviewReason, DateTimeOffset? DecidedAt);
public sealed record ActionResponse(long Id, string Number, string Status, int Version);

/// <param name="Category">The category, exactly as the catalogue names it.</param>
/// <param name="Place">A territory code (the place and everything beneath it: 440781 is 台山市 with its towns and villages)
/// or the beginning of a county's or town's name in the home city (台山, 川岛镇).</param>
/// <param name="From">Received on or after this China date.</param>
/// <param name="To">Received on or before this China date.</param>
public sealed record MatterFilter(string? Status, string? Unit, bool? Overdue, string? Q, int? Page, int? PageSize,
    string? Light = null, bool? KeySupervision = null, string? Category = null, string? Place = null, DateOnly? From = null, DateOnly? To = null,
    bool? SentBack = null, string? Kind = null, string? Channel = null);

/// <summary>Reads matters for staff, always through <see cref="MatterScope"/>.</summary>
/// <remarks>Lists and exports read where <see cref="ReadSide"/> says (the replica, when there is one); a matter's page, the primary.</remarks>
public sealed class MatterQueries(DubanDb db, MatterScope scope, UnitDirectory units, Sealer sealer, TimeProvider time, GeoService geo,
    MatterClock clock, MatterFacets facets, MatterActions actions, MatterKinds kinds, MatterChannels channels, IServiceProvider services, ReadSide reads,
    IConfiguration configuration)
{
    /// <summary>A word the index finds in at least this many matters is common: its list is walked by date (Duban:Search:CommonMatches).</summary>
    private readonly int commonMatches = Math.Max(1, configuration.GetValue("Duban:Search:CommonMatches", 2_000));

    /// <summary>A common word's list is counted up to this many matters, then shown as "1000+" (Duban:Search:CountUpTo).</summary>
    private readonly int countUpTo = Math.Max(1, configuration.GetValue("Duban:Search:CountUpTo", 1_000));

    /// <summary>The first chunk of a common word's walk, doubled each time up to 4,096 (Duban:Search:WalkChunk).</summary>
    private readonly int walkChunk = Math.Clamp(configuration.GetValue("Duban:Search:WalkChunk", 512), 1, 4_096);

    public const int MaxPageSize = 100;
    /// <summary>Deeper than this, narrow the filter instead (and the offset stays far from overflow).</summary>
    public const int MaxPage = 10_000;

    /// <summary>The most rows an export writes; a larger list is to be narrowed first.</summary>
    public const int MaxExportRows = 10_000;

    public async Task<Result<PageOf<MatterSummary>>> ListAsync(MatterFilter f, Actor actor, CancellationToken ct)
    {
        var page = f.Page ?? 1;
        var size = f.PageSize ?? 20;
        if (page < 1 || page > MaxPage || size < 1 || size > MaxPageSize)
            return Error.Validation($"page is 1 to {MaxPage}; pageSize is 1 to {MaxPageSize} / 页码或每页条数超出范围");
        return await SummariesAsync(f, page, size, actor, ct);
    }

    /// <summary>
    /// A page of the list whose total is counted only up to <paramref name="countAtMost"/> (a count over
    /// LIMIT n, never the whole visible set: the home page's boxes, issue 15): Total is the exact count when
    /// below it, else <paramref name="countAtMost"/> itself, which the page shows as "99+" for 100. With 0,
    /// nothing is counted (Total 0): the caller has the count from elsewhere (the counters).
    /// </summary>
    public async Task<Result<PageOf<MatterSummary>>> ListAsync(MatterFilter f, Actor actor, int countAtMost, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(countAtMost);
        var page = f.Page ?? 1;
        var size = f.PageSize ?? 20;
        if (page < 1 || page > MaxPage || size < 1 || size > MaxPageSize)
            return Error.Validation($"page is 1 to {MaxPage}; pageSize is 1 to {MaxPageSize} / 页码或每页条数超出范围");
        return await SummariesAsync(f, page, size, actor, ct, countAtMost);
    }

    /// <summary>
    /// The whole filtered list (page and size ignored), for a download: refused, with the count,
    /// when more than <see cref="MaxExportRows"/> match.
    /// </summary>
    public async Task<Result<PageOf<MatterSummary>>> ExportAsync(MatterFilter f, Actor actor, CancellationToken ct)
    {
        var result = await SummariesAsync(f, 1, MaxExportRows, actor, ct);
        if (result.IsSuccess && result.Value!.Total > MaxExportRows)
            return Error.Validation(string.Create(CultureInfo.InvariantCulture,
                $"导出最多 {MaxExportRows} 条，当前条件下有 {result.Value.Total} 条，请缩小筛选范围 / an export holds at most {MaxExportRows} rows and {result.Value.Total} match: narrow the filter"));
        return result;
    }

    private async Task<Result<PageOf<MatterSummary>>> SummariesAsync(MatterFilter f, int page, int size, Actor actor, CancellationToken ct,
        int? countAtMost = null)
    {
        var statuses = f.Status?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (statuses.Any(s => !Status.All.Contains(s))) return Error.Validation($"status must be among {string.Join(", ", Status.All)}");
        var text = f.Q?.Trim();
        if (text is { Length: > 100 }) return Error.Validation("q is at most 100 characters");
        if (Text.HasControlCharacters(f.Q, f.Unit, f.Status)) return Error.Validation("the query may not contain control characters / 查询条件含有非法字符");
        if (f.Light is not null && !Light.All.Contains(f.Light)) return Error.Validation("light must be green, yellow or red / 亮灯状态为 green、yellow 或 red");
        if (Text.HasControlCharacters(f.Category, f.Place)) return Error.Validation("the query may not contain control characters / 查询条件含有非法字符");
        var category = string.IsNullOrWhiteSpace(f.Category) ? null : f.Category.Trim();
        if (kinds.Filter(f.Kind, out var kind) is { } badKind) return badKind;
        if (channels.Filter(f.Channel, out var channel) is { } badChannel) return badChannel;
        string? placePrefix = null;
        if (!string.IsNullOrWhiteSpace(f.Place))
        {
            placePrefix = PlacePrefix(f.Place.Trim());
            if (placePrefix is null) return Error.Validation($"place: no county or town named {f.Place.Trim()} / 地点：找不到名为“{f.Place.Trim()}”的区县或镇街");
        }
        if (f.From is { } first && f.To is { } last && first > last) return Error.Validation("from is after to / 起始日期晚于截止日期");
        DateTimeOffset? receivedFrom = f.From is { } from ? Clock.StartOfChinaDay(from) : null;
        DateTimeOffset? receivedBefore = f.To is { } to ? Clock.StartOfChinaDay(to.AddDays(1)) : null;
        var now = time.Now();
        // A receipt number is looked up as such; any other text through the full-text index (Features/Search).
        var search = string.IsNullOrEmpty(text) || IsNumber(text) ? null : Search.SearchQuery.Parse(text);
        var db = await reads.ForListsAsync(ct); // the list's reader (the replica, or the primary), for every query below

        var lightInParts = false; // the light's halves are parts of their own (below)
        IQueryable<Matter> Filtered(IQueryable<Matter> q, bool bySearchIndex = true)
        {
            if (statuses.Length > 0) q = q.Where(m => statuses.Contains(m.Status));
            if (!string.IsNullOrWhiteSpace(f.Unit))
            {
                var unit = f.Unit.Trim();
                q = q.Where(m => m.Assignments.Any(a => a.Active && a.UnitCode == unit));
            }
            if (f.Overdue is { } overdue)
            {
                // The states inlined as constants, so the statement repeats the partial index's own
                // condition (ix_matters_due_overdue … WHERE status IN (…)) and SQLite may use it; a paused
                // clock is read when it paused, as its light is.
                q = q.Where(overdue ? MatterClock.Overdue(now) : MatterClock.Not(MatterClock.Overdue(now)));
            }
            if (f.Light is { } light && !lightInParts) q = q.Where(clock.Filter(light, now));
            if (f.KeySupervision is { } key) q = q.Where(m => m.KeySupervision == key);
            // Returned to the unit to be done again: sent back at review, or reopened after closure
            // (both leave the matter in progress with the reason; a new dispatch clears it).
            if (f.SentBack is { } sentBack)
                q = sentBack ? q.Where(m => m.Status == Status.InProgress && m.StatusReason != null)
                    : q.Where(m => m.Status != Status.InProgress || m.StatusReason == null);
            if (category is not null) q = q.Where(m => m.Category == category);
            if (kind is not null) q = q.Where(m => m.Kind == kind);
            if (channel is not null) q = q.Where(m => m.Channel == channel);
            if (placePrefix is not null)
            {
                // A county is its matters' county code (ix_matters_county); any other prefix of a code (the city, a
                // town) a range of codes (ix_matters_territory): LIKE 'prefix%' is read by no index of SQLite's.
#pragma warning disable CA1309 // translated to SQL comparisons of digit strings; no culture is involved
                if (Matter.CountyOf(placePrefix) == placePrefix) q = q.Where(m => m.CountyCode == placePrefix);
                else if (PrefixEnd(placePrefix) is { } end)
                    q = q.Where(m => m.TerritoryCode != null && string.Compare(m.TerritoryCode, placePrefix) >= 0 && string.Compare(m.TerritoryCode, end) < 0);
                else q = q.Where(m => m.TerritoryCode != null && string.Compare(m.TerritoryCode, placePrefix) >= 0);
#pragma warning restore CA1309
            }
            if (receivedFrom is { } a) q = q.Where(m => m.ReceivedAt >= a);
            if (receivedBefore is { } b) q = q.Where(m => m.ReceivedAt < b);
            if (search is null && !string.IsNullOrEmpty(text)) q = q.Where(m => m.Number == text);
            else if (search is { IsEmpty: true }) q = q.Where(m => false);
            else if (search is not null && bySearchIndex)
            {
                var ids = Search.MatterSearch.MatchingIds(db, search);
                q = q.Where(m => ids.Contains(m.Id));
            }
            return q;
        }

        var parts = await scope.VisiblePartsAsync(db.Matters.AsNoTracking(), db, actor, ct, AdmittedStates(f, statuses));
        // Several parts are merged by date in memory: fine for the first pages; a deep page of a
        // county list falls back to the one combined query.
        if (parts.Count > 1 && page * size > MaxMergedRows) parts = [scope.Visible(db.Matters.AsNoTracking(), db, actor)];
        // A light's held and waiting halves are paged as parts of their own, each from the index of its states
        // (LightRule.Halves): the light as one OR reads a row for every held matter before sorting them.
        if (f.Light is { } lit && page * size <= MaxMergedRows)
        {
            var halves = clock.Halves(lit, now);
            parts = [.. parts.SelectMany(p => halves.Select(h => p.Where(h)))];
            lightInParts = true;
        }
        var total = 0;
        var lowerBound = false;
        List<SummaryRow>? rows = null;
        // A common word (Features/Search, "A common word"): the list's own date order walked, each candidate
        // probed against the index, and the total counted so far only; a rarer one, by the index's matches.
        if (search is { IsEmpty: false } && page * size <= MaxWalkedPage
            && await Search.MatterSearch.CountUpToAsync(db, search, commonMatches, ct) >= commonMatches
            && await CommonWordAsync(db, [.. parts.Select(p => (Filtered(p, bySearchIndex: false), Filtered(p)))], search, page, size, ct) is { } common)
        {
            (rows, total, lowerBound) = common;
        }
        if (rows is null)
        {
            rows = [];
            foreach (var part in parts.Select(p => Filtered(p)))
            {
                total += countAtMost switch
                {
                    null => await part.CountAsync(ct),
                    0 => 0,
                    var most => await part.Take(most.Value).CountAsync(ct),
                };
                var ordered = part.OrderByDescending(m => m.ReceivedAt).ThenByDescending(m => m.Id);
                // The page's keys first, then its rows by key: the keys can come from an index alone where the rows'
                // columns would make the database read a row for every candidate before sorting them (the homes'
                // overdue box: ix_matters_running holds every column it filters and orders on, not the title).
                var keys = await (parts.Count == 1 ? ordered.Skip((page - 1) * size).Take(size) : ordered.Take(page * size)).Select(m => m.Id).ToListAsync(ct);
                if (keys.Count > 0) rows.AddRange(await Summaries(db, db.Matters.AsNoTracking().Where(m => keys.Contains(m.Id))).ToListAsync(ct));
            }
            rows = [.. rows.OrderByDescending(r => r.ReceivedAt).ThenByDescending(r => r.Id)];
            if (parts.Count > 1) rows = [.. rows.Skip((page - 1) * size).Take(size)];
        }
        var directory = await units.AllAsync(ct);
        var items = rows.Select(r => new MatterSummary(r.Id, r.Number, r.Kind, r.Channel, r.Title, r.Status, r.Category, r.Urgency,
            r.TerritoryCode, Ref(directory, r.LeadUnitCode), r.ReceivedAt, r.DueAt, MatterClock.IsOverdue(r.Status, r.DueAt, r.Clock.PausedAt, now), r.Confidential,
            Progress(r.Status, r.Progress, r.ChildrenWeight > 0 ? r.ChildrenWeighted / r.ChildrenWeight : null), r.ParentId, r.Version)
        {
            Light = clock.LightOf(r.Clock, now),
            KeySupervision = r.Clock.KeySupervision,
        }).ToList();
        if (search is { IsEmpty: false } && items.Count > 0) items = await WithMatchesAsync(db, items, search, ct);
        if (countAtMost is { } bound) total = Math.Min(total, bound);
        return new PageOf<MatterSummary>(items, total, page, size) { TotalIsLowerBound = lowerBound };
    }

    /// <summary>
    /// Every state a matter may be in and pass the filter (null: any): the states named, the held ones for an overdue
    /// matter (MatterClock.Overdue) and a sent-back one (in progress), the held and waiting ones for a light (a closed
    /// matter has none). A superset only, for the scope to narrow a unit's matters by (the filter still decides).
    /// </summary>
    internal static IReadOnlyCollection<string>? AdmittedStates(MatterFilter f, IReadOnlyCollection<string> statuses)
    {
        IEnumerable<string>? admitted = statuses.Count > 0 ? statuses : null;
        void Within(IEnumerable<string> states) => admitted = admitted is null ? states : admitted.Intersect(states);
        if (f.Overdue is true) Within(Status.Running);
        if (f.SentBack is true) Within([Status.InProgress]);
        if (f.Light is not null) Within([.. Status.Running, .. LightRule.WaitingStates]);
        return admitted?.Distinct().ToArray();
    }

    /// <summary>The columns of a list's rows, with a parent's progress from its sub-tasks.</summary>
    private static IQueryable<SummaryRow> Summaries(DubanDb db, IQueryable<Matter> matters) =>
        matters.Select(m => new SummaryRow(m.Id, m.Number, m.Kind, m.Channel, m.Title, m.Status, m.Category, m.Urgency, m.TerritoryCode,
            m.LeadUnitCode, m.ReceivedAt, m.DueAt, m.Confidential, m.Progress, m.ParentId, m.Version,
            // A parent's progress comes from its sub-tasks, weighted (subqueries per row of the page, on ix_matters_parent).
            db.Matters.Where(c => c.ParentId == m.Id && c.Status != Status.Merged && c.Status != Status.Rejected)
                .Sum(c => (double?)((c.Status == Status.Closed ? 100 : c.Progress) * c.Weight)),
            db.Matters.Where(c => c.ParentId == m.Id && c.Status != Status.Merged && c.Status != Status.Rejected).Sum(c => (int?)c.Weight),
            new LightFields(m.Status, m.AcceptDueAt, m.YellowAt, m.DueAt, m.PausedAt, m.KeySupervision, m.LastProgressAt, m.WarnAt)));

    /// <summary>A deeper page of a common word is served by the index's matches (exact, slower).</summary>
    private const int MaxWalkedPage = 2_000;

    /// <summary>Past this many candidates walked without finding the page, the word is too rare in this list: the index's matches serve it.</summary>
    private const int MaxWalked = 100_000;

    private sealed record Candidate(long Id, DateTimeOffset ReceivedAt);

    /// <summary>
    /// A common word's page and bounded total. The page: each part of the reader's view walked newest first (its own
    /// date index), in chunks, each chunk's candidates probed against the full-text index, until the page is found or
    /// the part ends; null when a part is too sparse in the word (<see cref="MaxWalked"/>). The total: exact when every
    /// part was walked to its end, else each part counted from the index's matches up to the limit + 1 (the matches'
    /// ids, then as many matters by key as the limit needs), "at least the limit" beyond.
    /// Same order and visibility as the index-driven list: the parts are the same filtered queries.
    /// </summary>
    private async Task<(List<SummaryRow> Rows, int Total, bool LowerBound)?> CommonWordAsync(DubanDb db,
        IReadOnlyList<(IQueryable<Matter> Walked, IQueryable<Matter> Indexed)> parts, Search.SearchQuery search, int page, int size, CancellationToken ct)
    {
        var need = page * size;
        var found = new List<Candidate>();
        var ended = true;
        foreach (var (part, _) in parts)
        {
            var walked = 0;
            var chunk = walkChunk;
            Candidate? last = null;
            var partFound = 0;
            while (true)
            {
                var q = part;
                if (last is not null)
                {
                    var (at, id) = (last.ReceivedAt, last.Id);
                    q = q.Where(m => m.ReceivedAt <= at && (m.ReceivedAt < at || m.Id < id));
                }
                var candidates = await q.OrderByDescending(m => m.ReceivedAt).ThenByDescending(m => m.Id)
                    .Select(m => new Candidate(m.Id, m.ReceivedAt)).Take(chunk).ToListAsync(ct);
                walked += candidates.Count;
                var hits = await Search.MatterSearch.MatchingAmongAsync(db, search, [.. candidates.Select(c => c.Id)], ct);
                foreach (var c in candidates.Where(c => hits.Contains(c.Id)))
                {
                    found.Add(c);
                    partFound++;
                }
                if (candidates.Count < chunk) break;
                if (partFound >= need)
                {
                    ended = false;
                    break;
                }
                if (walked >= MaxWalked) return null;
                last = candidates[^1];
                chunk = Math.Min(chunk * 2, 4_096);
            }
        }
        var total = found.Count;
        var lowerBound = false;
        if (!ended)
        {
            total = 0;
            foreach (var (_, indexed) in parts)
            {
                total += await indexed.Take(countUpTo + 1 - total).CountAsync(ct);
                if (total > countUpTo) break;
            }
            if (total > countUpTo) (total, lowerBound) = (countUpTo, true);
        }
        var ids = found.OrderByDescending(c => c.ReceivedAt).ThenByDescending(c => c.Id).Skip((page - 1) * size).Take(size).Select(c => c.Id).ToList();
        var rows = await Summaries(db, db.Matters.AsNoTracking().Where(m => ids.Contains(m.Id))).ToListAsync(ct);
        return ([.. rows.OrderByDescending(r => r.ReceivedAt).ThenByDescending(r => r.Id)], total, lowerBound);
    }

    /// <summary>
    /// The first string of digits after every code that begins with <paramref name="prefix"/> (digits): 4407 → 4408,
    /// 44079 → 4408; null when there is none (999). Digits compare alike in every collation.
    /// </summary>
    internal static string? PrefixEnd(string prefix)
    {
        var digits = prefix.ToCharArray();
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            if (digits[i] < '9')
            {
                digits[i]++;
                return new string(digits, 0, i + 1);
            }
        }
        return null;
    }

    /// <summary>A receipt number as issued (JM-2026-000123): a text search for one is a lookup.</summary>
    private static bool IsNumber(string text) => System.Text.RegularExpressions.Regex.IsMatch(text, "^[A-Za-z]{1,10}-[0-9]{4}-[0-9]{1,12}$");

    /// <summary>Where the search found each matter of the page outside its title: the page's texts read by key.</summary>
    private static async Task<List<MatterSummary>> WithMatchesAsync(DubanDb db, List<MatterSummary> items, Search.SearchQuery search, CancellationToken ct)
    {
        var ids = items.Select(i => i.Id).ToList();
        var texts = await db.Matters.AsNoTracking().Where(m => ids.Contains(m.Id))
            .Select(m => new { m.Id, m.Location, m.Content, m.Outcome }).ToDictionaryAsync(m => m.Id, ct);
        return [.. items.Select(i => texts.TryGetValue(i.Id, out var t)
            ? i with { Match = search.Snippet(i.Title, [("location", t.Location), ("content", t.Content), ("outcome", t.Outcome)]) }
            : i)];
    }

    /// <summary>
    /// The territory-code prefix a place filter stands for: digits are a code (440700 is the whole
    /// city, 440781 a county, 440781115 a town); words are the start of a county's or town's name
    /// in the home city, the county first (台山 → 440781, 川岛 → 440781115). Null when no place matches.
    /// </summary>
    private string? PlacePrefix(string place)
    {
        if (place.All(char.IsAsciiDigit)) return place.Length is >= 2 and <= 12 ? MatterScope.TerritoryPrefix(place) : null;
        var divisions = geo.Gazetteer.Divisions;
        var home = geo.Gazetteer.Home;
        if (home < 0) return null;
        string? town = null;
        for (var i = home; i < divisions.End(home); i++)
        {
            var level = divisions.Level(i);
            if (level is not (GeoLevel.County or GeoLevel.Town) || !divisions.Name(i).StartsWith(place, StringComparison.Ordinal)) continue;
            if (level == GeoLevel.County) return divisions.Code(i) is { } county ? MatterScope.TerritoryPrefix(county) : null;
            town ??= divisions.Code(i);
        }
        return town;
    }

    private sealed record SummaryRow(long Id, string Number, string Kind, string Channel, string Title, string Status, string? Category,
        string Urgency, string? TerritoryCode, string? LeadUnitCode, DateTimeOffset ReceivedAt, DateTimeOffset? DueAt, bool Confidential,
        int Progress, long? ParentId, int Version, double? ChildrenWeighted, int? ChildrenWeight, LightFields Clock);

    /// <summary>
    /// One rule for lists and the detail: done (pending review or closed) is 100; a task split into
    /// sub-tasks is the mean of its sub-tasks weighted by their weights (closed ones count 100;
    /// merged and rejected do not count); otherwise what the lead unit reported (or, under a
    /// rectification plan, the weighted share of its milestones done).
    /// </summary>
    internal static int Progress(string status, int reported, double? childrenAverage) =>
        status is Status.PendingReview or Status.Closed ? 100
        : childrenAverage is { } average ? (int)Math.Round(average, MidpointRounding.AwayFromZero)
        : reported;

    private const int MaxMergedRows = 2_000;

    /// <summary>
    /// The id of the matter the actor sees by this number (JM-2026-000123) or id, or null: how a
    /// person names a matter in a form (a merge's target).
    /// </summary>
    public async Task<long?> FindIdAsync(string numberOrId, Actor actor, CancellationToken ct)
    {
        var text = numberOrId.Trim().ToUpperInvariant();
        var visible = scope.Visible(db.Matters.AsNoTracking(), db, actor);
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            return await visible.Where(m => m.Id == id).Select(m => (long?)m.Id).FirstOrDefaultAsync(ct);
        return text.Length > 30 ? null : await visible.Where(m => m.Number == text).Select(m => (long?)m.Id).FirstOrDefaultAsync(ct);
    }

    public async Task<MatterDetail?> GetAsync(long id, Actor actor, CancellationToken ct) => (await ReadAsync(id, actor, ct))?.Detail;

    /// <summary>
    /// The matter as its reader sees it (the detail, every facet's part and the actions they may
    /// take now), with the loaded matter the actions' rules read: the matter page draws its forms from both.
    /// </summary>
    public async Task<(MatterDetail Detail, ActionContext Context)?> ReadAsync(long id, Actor actor, CancellationToken ct)
    {
        var m = await scope.Visible(db.Matters.AsNoTracking(), db, actor).Include(x => x.Assignments).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (m is null) return null;
        await facets.LoadAsync(db, [m], tracked: false, ct);
        var directory = await units.AllAsync(ct);
        var now = time.Now();
        var events = await db.Events.AsNoTracking().Where(e => e.MatterId == m.Id).OrderBy(e => e.Seq).ToListAsync(ct);
        var returns = await db.DispatchReturns.AsNoTracking().Where(r => r.MatterId == m.Id).OrderBy(r => r.Id).ToListAsync(ct);
        UnitRef? Unit(string? code) => Ref(directory, code);

        var detail = new MatterDetail(m.Id, m.Number, m.Kind, m.Channel, m.Title, m.Content, m.Location, m.TerritoryCode,
            Territory(geo.Gazetteer.Divisions, m.TerritoryCode), m.Category, m.Urgency,
            m.ReceivedAt, m.RegisteredAt, MaskedRaiser(m, MatterScope.IsInSubject(actor, m)),
            m.SubjectUnitCode is null && m.SubjectPerson is null ? null : new SubjectView(Unit(m.SubjectUnitCode), m.SubjectPerson),
            m.Confidential, m.Status, Status.Chinese(m.Status), m.StatusReason, Unit(m.LeadUnitCode), m.DueAt,
            MatterClock.IsOverdue(m.Status, m.DueAt, m.PausedAt, now), m.ParentId, m.MergedIntoId, Progress(m.Status, m.Progress, null), m.Outcome,
            m.ExtensionRequestedDays is { } days ? new ExtensionView(days, m.ExtensionReason) : null,
            m.FeedbackSatisfaction is null ? null : new FeedbackView(m.FeedbackResolved, m.FeedbackSatisfaction),
            m.UrgeCount, m.ReturnCount, m.ReopenCount, m.ClosedAt, m.Version,
            m.Assignments.OrderBy(a => a.AssignedAt).ThenBy(a => a.Role == "lead" ? 0 : 1)
                .Select(a => new AssignmentView(Unit(a.UnitCode)!, a.Role, a.AssignedAt, a.AcceptedAt, a.Active)).ToList(),
            [],
            events.Select(e => new EventView(e.Seq, e.At, e.ActorName, e.ActorUnitCode, e.Action, e.FromStatus, e.ToStatus, e.Reason, JsonNode.Parse(e.Data))).ToList())
        {
            Returns = returns.Select(r => new ReturnView(Unit(r.UnitCode)!, r.DispatchedAt, r.WindowEndsAt, r.ReturnedAt, r.Reason, r.State,
                r.ReviewReason, r.DecidedAt)).ToList(),
            Clock = ClockView.Of(m, clock, now, Unit),
        };
        detail = await facets.DescribeAsync(detail, m, new FacetView(db, actor, now, Unit, clock), ct);
        var openReturn = returns.LastOrDefault(r => r.Open)?.State;
        var context = new ActionContext(scope, actor, m, now, m.Status == Status.Returned ? openReturn : null, clock);
        return (detail with { AvailableActions = actions.Allowed(services, context) }, context);
    }

    /// <summary>
    /// Staff see a normal raiser's identity masked (陈**, 138****5678) and a confidential one not
    /// at all; the unit reported on sees nothing of it, not even a mask (a surname and seven
    /// digits identify a colleague). The full identity is read only through the reveal action,
    /// which is an event.
    /// </summary>
    private RaiserView MaskedRaiser(Matter m, bool actorIsSubject)
    {
        if (m.RaiserAnonymous || m.RaiserSealed is null) return new RaiserView(m.RaiserAnonymous, m.Confidential, null, null, false);
        if (m.Confidential || actorIsSubject) return new RaiserView(false, m.Confidential, "***", "***", true);
        var identity = OpenRaiser(sealer, m);
        return new RaiserView(false, false, MaskName(identity?.Name), MaskPhone(identity?.Phone), true);
    }

    public static RaiserInput? OpenRaiser(Sealer sealer, Matter m)
    {
        if (m.RaiserSealed is null) return null;
        var json = sealer.Open(m.RaiserSealed, RegisterMatter.RaiserContext(m.Number));
        return json is null ? null : JsonSerializer.Deserialize<RaiserInput>(json);
    }

    /// <summary>The first character (a whole one, even outside the BMP), then one star per remaining character.</summary>
    internal static string? MaskName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return null;
        var first = System.Globalization.StringInfo.GetNextTextElementLength(name);
        var rest = new System.Globalization.StringInfo(name[first..]).LengthInTextElements;
        return name[..first] + new string('*', Math.Max(1, rest));
    }

    /// <summary>
    /// Mobile numbers show 3 + 4 digits (138****8000), as Chinese services print them; shorter
    /// numbers show less, so that most of a number is never visible: 8–10 characters keep 2 + 2,
    /// 7 or fewer keep none.
    /// </summary>
    internal static string? MaskPhone(string? phone)
    {
        if (string.IsNullOrEmpty(phone)) return null;
        var (head, tail) = phone.Length >= 11 ? (3, 4) : phone.Length >= 8 ? (2, 2) : (0, 0);
        return phone[..head] + new string('*', phone.Length - head - tail) + phone[(phone.Length - tail)..];
    }

    public static TerritoryView? Territory(Divisions divisions, string? code)
    {
        if (code is null) return null;
        var i = divisions.Find(code);
        return i > 0 ? new TerritoryView(code, Divisions.LevelName(divisions.Level(i)), divisions.Path(i)) : new TerritoryView(code, null, []);
    }


    private static UnitRef? Ref(IReadOnlyDictionary<string, UnitInfo> directory, string? code) =>
        code is null ? null : new UnitRef(code, directory.TryGetValue(code, out var u) ? u.Name : code);
}
