using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Audit;

public sealed record AuditReport(bool Intact, long EventCount, long MatterCount, string? FirstProblem, int AnchorLines = 0);

/// <summary>
/// What verify holds the database to besides the audit key: the anchor file (<see cref="AuditAnchors"/>; none: the
/// tail of each lane is checked against the database alone) and the seal key (none: sealed identities are not tried).
/// </summary>
public sealed record VerifyWith(string? AnchorFile = null, Sealing.Sealer? Sealer = null);

/// <summary>
/// Walks the chains (the first, and the lanes, docs/adr/0006) in global order, then every matter against the state recorded by its last
/// event. Both passes read in keyset pages, so memory stays bounded on millions of rows.
/// </summary>
public static class AuditVerifier
{
    private const int Page = 5_000;

    public static Task<AuditReport> VerifyAsync(DubanDb db, AuditKey key, Matters.MatterClock clock, CancellationToken ct = default) =>
        VerifyAsync(db, key, clock, new VerifyWith(), ct);

    public static async Task<AuditReport> VerifyAsync(DubanDb db, AuditKey key, Matters.MatterClock clock, VerifyWith with, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(with);
        // 0. The heads anchored outside the database: the chain must still hold each (its longest place per lane).
        var (anchoredHeads, anchorLines, anchorProblem) = with.AnchorFile is null ? ([], 0, null) : await AuditAnchors.ReadAsync(with.AnchorFile, key, ct);
        if (anchorProblem is not null) return Fail(0, anchorProblem);
        // 1. The chains, in one pass by the global number (docs/adr/0006): the first chain (events from before
        //    schema 0016) contiguous from #1; on each lane, places 1, 2, 3, … each linked to the one before
        //    (within a lane the global numbers rise with the places: a lane is held until its transaction ends,
        //    and numbers are drawn after it is taken); every event matching its keyed hash.
        long legacyCount = 0, count = 0, lastSeq = 0;
        var legacyHash = "";
        var lanes = new Dictionary<int, (long Seq, string Hash)>();
        var anchored = new Dictionary<int, (long Length, long By)>();
        // The last state recorded for each account and unit (EntityStates), and how many times recording began.
        var states = new Dictionary<string, (string Hash, long Seq)>(StringComparer.Ordinal);
        var baselines = 0;
        // The matters whose register event lists photos: each must still have them.
        var withPhotos = new HashSet<long>();
        while (true)
        {
            var from = lastSeq;
            var page = await db.Events.AsNoTracking().Where(e => e.Seq > from).OrderBy(e => e.Seq).Take(Page).ToListAsync(ct);
            if (page.Count == 0) break;
            foreach (var e in page)
            {
                if (e.Chain is not { } lane)
                {
                    if (e.Seq != legacyCount + 1)
                        return Fail(count, $"event #{legacyCount + 1} is missing (next stored is #{e.Seq})");
                    if (e.PrevHash != legacyHash)
                        return Fail(count, $"event #{e.Seq} ({e.Action}) does not link to event #{e.Seq - 1}: the chain was changed");
                    if (AuditLog.EventHash(e, key) != e.Hash)
                        return Fail(count, $"event #{e.Seq} ({e.Action}) has been altered: its content no longer matches its hash");
                    legacyHash = e.Hash;
                    legacyCount++;
                    if (anchoredHeads.TryGetValue(0, out var first) && first.Place == e.Seq && first.Hash != e.Hash)
                        return Fail(count, $"event #{e.Seq} is not the one the anchor of {first.At:u} recorded at that place: the chain was rewritten");
                }
                else
                {
                    var (at, prev) = lanes.GetValueOrDefault(lane, (0L, ""));
                    if (AuditLog.EventHash(e, key) != e.Hash)
                        return Fail(count, $"event #{e.Seq} ({e.Action}) has been altered: its content no longer matches its hash");
                    if (e.ChainSeq != at + 1)
                        return Fail(count, $"event #{e.Seq} ({e.Action}) is at place {e.ChainSeq} of lane {lane}, after place {at}: events of lane {lane} were removed or reordered");
                    if (e.PrevHash != prev)
                        return Fail(count, $"event #{e.Seq} ({e.Action}) does not link to the event before it on lane {lane}: the chain was changed");
                    lanes[lane] = (at + 1, e.Hash);
                    if (anchoredHeads.TryGetValue(lane, out var held) && held.Place == at + 1 && held.Hash != e.Hash)
                        return Fail(count, $"event #{e.Seq} at place {at + 1} of lane {lane} is not the one the anchor of {held.At:u} recorded there: the chain was rewritten");
                    if (e.Anchors is { } anchors)
                    {
                        foreach (var (other, length) in System.Text.Json.Nodes.JsonNode.Parse(anchors)!.AsObject())
                        {
                            var id = int.Parse(other, System.Globalization.CultureInfo.InvariantCulture);
                            var n = (long)length!;
                            if (n > anchored.GetValueOrDefault(id).Length) anchored[id] = (n, e.Seq);
                        }
                    }
                }
                if (e.MatterId is null && EntityStates.Of(e.Data) is { } recorded)
                {
                    foreach (var (row, hash) in recorded) states[row] = ((string)hash!, e.Seq);
                }
                if (e.Action == EntityStates.BaselineAction) baselines++;
                if (e.MatterId is { } registered && (e.Action == RegisterMatter.EventName && e.Data.Contains("\"photos\":[", StringComparison.Ordinal)
                    || e.Data.Contains("\"" + AttachedByEvent + "\":[", StringComparison.Ordinal)))
                    withPhotos.Add(registered);
                lastSeq = e.Seq;
                count++;
            }
        }

        // The anchors outside the database: a lane cut at its end, with its head row moved back to match, is caught here.
        foreach (var (lane, (place, _, at)) in anchoredHeads.OrderBy(a => a.Key))
        {
            var has = lane == 0 ? legacyCount : lanes.GetValueOrDefault(lane).Seq;
            if (has < place)
                return Fail(count, $"lane {lane} ends at place {has} but the anchor written outside the database at {at:u} saw place {place}: events were removed from its end");
        }

        var head = await db.AuditHeads.AsNoTracking().SingleAsync(h => h.Id == 1, ct);
        if (head.Seq != legacyCount || head.Hash != legacyHash)
            return Fail(count, $"the chain ends at event #{legacyCount} but its head records #{head.Seq}: events were removed from the end");
        var heads = await db.AuditChains.AsNoTracking().OrderBy(h => h.Id).ToListAsync(ct);
        foreach (var h in heads)
        {
            var (at, hash) = lanes.GetValueOrDefault(h.Id, (0L, ""));
            if (h.Seq != at || h.Hash != hash)
                return Fail(count, $"lane {h.Id} ends at place {at} but its head records place {h.Seq}: events were removed from its end");
        }
        if (lanes.Keys.FirstOrDefault(l => heads.All(h => h.Id != l)) is var headless && lanes.ContainsKey(headless))
            return Fail(count, $"lane {headless} has events but no head: its head was removed");
        // A lane cut below a length another lane's event recorded (its head rewritten to match) is caught here.
        foreach (var (lane, (length, by)) in anchored.OrderBy(a => a.Key))
        {
            var has = lane == 0 ? legacyCount : lanes.GetValueOrDefault(lane).Seq;
            if (has < length)
                return Fail(count, $"lane {lane} ends at place {has} but event #{by} saw it at place {length}: events were removed from its end");
        }

        var orphan = await db.Events.AsNoTracking().Where(e => e.MatterId != null && !db.Matters.Any(m => m.Id == e.MatterId))
            .OrderBy(e => e.Seq).Select(e => new { e.Seq, e.MatterId }).FirstOrDefaultAsync(ct);
        if (orphan is not null)
            return Fail(count, $"matter id {orphan.MatterId} of event #{orphan.Seq} is missing: it was deleted");

        // 2. Every matter against the state its last event recorded, a page of matters at a time
        //    (memory stays bounded however many matters there are; ix_events_matter serves the lookups).
        long matters = 0, lastId = 0;
        while (true)
        {
            var after = lastId;
            var page = await db.Matters.AsNoTracking().Include(m => m.Assignments)
                .Where(m => m.Id > after).OrderBy(m => m.Id).Take(Page / 5).AsSplitQuery().ToListAsync(ct);
            if (page.Count == 0) break;
            // Each facet's state (a plan's milestones) is part of the matter's hashed state.
            await clock.Facets.LoadAsync(db, page, tracked: false, ct);
            var ids = page.Select(m => m.Id).ToList();
            var lastSeqs = await db.Events.AsNoTracking().Where(e => e.MatterId != null && ids.Contains(e.MatterId.Value))
                .GroupBy(e => e.MatterId!.Value).Select(g => g.Max(e => e.Seq)).ToListAsync(ct);
            var lastEvents = (await db.Events.AsNoTracking().Where(e => lastSeqs.Contains(e.Seq))
                .Select(e => new { MatterId = e.MatterId!.Value, e.Seq, e.StateHash }).ToListAsync(ct))
                .ToDictionary(e => e.MatterId);
            foreach (var m in page)
            {
                if (!lastEvents.TryGetValue(m.Id, out var last))
                    return Fail(count, $"matter {m.Number} (id {m.Id}) has no event: it was inserted outside Duban");
                // The county is derived from the (hashed) territory; stored apart only for its index.
                if (m.CountyCode != Matter.CountyOf(m.TerritoryCode))
                    return Fail(count, $"matter {m.Number} (id {m.Id}) has a county code that does not follow from its territory: it was changed outside Duban");
                // (Active ones only: a returned matter may be re-placed by classify; its old assignments no longer count.)
                if (m.Assignments.Any(a => a.Active && a.CrossesCounty != Assignment.Crosses(a.UnitTerritoryCode, m.CountyCode)))
                    return Fail(count, $"matter {m.Number} (id {m.Id}) has an assignment whose county mark does not follow from its units: it was changed outside Duban");
                // The assignments' copy of the state (kept by schema 0034's triggers) narrows a unit's lists: a copy changed
                // outside Duban would hide the matter from the unit that holds it.
                if (m.Assignments.Any(a => a.MatterStatus != m.Status))
                    return Fail(count, $"matter {m.Number} (id {m.Id}) has an assignment whose copy of the matter's state differs from it: it was changed outside Duban");
                // The light's warning point is derived from the hashed state (a signature due, a milestone due), like the county.
                if (m.WarnAt != clock.WarningPoint(m))
                    return Fail(count, $"matter {m.Number} (id {m.Id}) has a warning point that does not follow from its state: it was changed outside Duban");
                // A raiser sealed under a key this deployment does not hold can never be opened here (a node that made its own key).
                if (with.Sealer is { } known && m.RaiserSealed is { } named && !known.Knows(named))
                    return Fail(count, Sealing.Sealer.KeyIdOf(named) is { } unknownId
                        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"matter {m.Number} (id {m.Id}) holds a raiser sealed under seal key {unknownId}, which this deployment does not know (its keys: {string.Join(", ", known.KeyIds.Order())})")
                        : $"matter {m.Number} (id {m.Id}) holds a raiser that is not a sealed value: it was changed outside Duban");
                if (with.Sealer is { } sealer && m.RaiserSealed is { } raiser && sealer.Open(raiser, RegisterMatter.RaiserContext(m.Number)) is null)
                    return Fail(count, $"matter {m.Number} (id {m.Id}) holds a raiser sealed under a key this deployment does not know (or altered): it cannot be opened with the seal key");
                if (AuditLog.StateHash(m, clock.Facets.All) != last.StateHash)
                    return Fail(count, $"matter {m.Number} (id {m.Id}) was changed after event #{last.Seq}: its stored state no longer matches that event");
                lastId = m.Id;
                matters++;
            }
        }
        // 2b. The photos against the hashes their register event recorded, each one's bytes hashed again.
        var photoProblem = await AttachmentsMatchEventsAsync(db, withPhotos, ct);
        if (photoProblem is not null) return Fail(count, photoProblem);

        // 2c. The accounts and units, which decide who may see and open what, against the states their events recorded.
        var rowProblem = await RowsMatchStatesAsync(db, states, baselines, ct);
        if (rowProblem is not null) return Fail(count, rowProblem);

        // 3. The local place aliases, which decide where matters are placed, against the events that added and removed them.
        var aliasProblem = await AliasesMatchEventsAsync(db, ct);
        if (aliasProblem is not null) return Fail(count, aliasProblem);

        // 3a. The keys issued to Open311 clients, which decide who may file through that door (Features/Open311).
        var keyProblem = await Open311.Open311Keys.MatchEventsAsync(db, ct);
        if (keyProblem is not null) return Fail(count, keyProblem);

        // 3b. The administrators' calendar days, which move every deadline computed after them.
        var calendarProblem = await CalendarDaysMatchEventsAsync(db, ct);
        if (calendarProblem is not null) return Fail(count, calendarProblem);

        // 4. The dispatch catalogue's versions, which decide where matters are sent, against their events.
        var catalogueProblem = await CataloguesMatchEventsAsync(db, ct);
        if (catalogueProblem is not null) return Fail(count, catalogueProblem);

        // 5. The returns (退单) and their judgements, which count for and against units, against the events.
        var returnProblem = await ReturnsMatchEventsAsync(db, ct);
        if (returnProblem is not null) return Fail(count, returnProblem);

        return new AuditReport(true, count, matters, null, anchorLines);
    }

    /// <summary>
    /// Every account and unit against the last state an event recorded for it (<see cref="EntityStates"/>). Once
    /// recording has begun (the one <see cref="EntityStates.BaselineAction"/> event), a row without a recorded state
    /// was inserted outside Duban; a database never started on schema 0028 has only the states its changes recorded.
    /// </summary>
    private static async Task<string?> RowsMatchStatesAsync(DubanDb db, Dictionary<string, (string Hash, long Seq)> states, int baselines, CancellationToken ct)
    {
        if (baselines > 1)
            return $"the accounts' and units' states were recorded from scratch {baselines} times: someone cleared the record to have rows changed outside Duban taken as they are";
        var strict = baselines == 1;
        foreach (var u in await db.Users.AsNoTracking().OrderBy(u => u.Id).ToListAsync(ct))
        {
            if (states.Remove(EntityStates.Key(u), out var was))
            {
                if (EntityStates.Hash(u) != was.Hash)
                    return $"account {u.Username} (id {u.Id}) was changed after event #{was.Seq}: its roles, unit, active flag, name or password hash no longer match that event";
            }
            else if (strict) return $"account {u.Username} (id {u.Id}) has no event recording it: it was added outside Duban";
        }
        foreach (var u in await db.Units.AsNoTracking().OrderBy(u => u.Code).ToListAsync(ct))
        {
            if (states.Remove(EntityStates.Key(u), out var was))
            {
                if (EntityStates.Hash(u) != was.Hash)
                    return $"unit {u.Code} was changed after event #{was.Seq}: its kind, parent, territory, name or contacts no longer match that event";
            }
            else if (strict) return $"unit {u.Code} has no event recording it: it was added outside Duban";
        }
        foreach (var r in await db.InspectionRounds.AsNoTracking().OrderBy(r => r.Id).ToListAsync(ct))
        {
            if (states.Remove(EntityStates.Key(r), out var was))
            {
                if (EntityStates.Hash(r) != was.Hash)
                    return $"inspection round {r.Name} (id {r.Id}) was changed after event #{was.Seq}: its period, groups or state no longer match that event";
            }
            else if (strict) return $"inspection round {r.Name} (id {r.Id}) has no event recording it: it was added outside Duban";
        }
        return states.Keys.Order(StringComparer.Ordinal).FirstOrDefault() is { } gone
            ? $"{gone.Replace(":", " ", StringComparison.Ordinal)} recorded by event #{states[gone].Seq} is missing: it was deleted outside Duban"
            : null;
    }

    /// <summary>
    /// Each matter's photos against its register event's list (hash, type and size, in order), and each photo's bytes
    /// hashed again: bytes replaced, a photo added or removed behind Duban's back, are named. Read a page at a time.
    /// </summary>
    /// <summary>
    /// The key under which an event other than the register lists the files it attached to its matter, each
    /// <c>{"sha256","contentType","size"}</c> as the register event's photos (a proposal's reply PDF).
    /// </summary>
    public const string AttachedByEvent = "attachments";

    /// <summary>The keys under which a register event lists what was filed with the matter.</summary>
    private static readonly string[] RegisterKeys = ["photos", AttachedByEvent];

    private static async Task<string?> AttachmentsMatchEventsAsync(DubanDb db, HashSet<long> withPhotos, CancellationToken ct)
    {
        const int PhotoPage = 200;
        long lastId = 0;
        var seen = new HashSet<long>();
        while (true)
        {
            var after = lastId;
            var page = await db.Attachments.AsNoTracking().Where(a => a.Id > after).OrderBy(a => a.Id).Take(PhotoPage).ToListAsync(ct);
            if (page.Count == 0) break;
            foreach (var a in page)
            {
                if (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(a.Content)) != a.Sha256 || a.Size != a.Content.Length)
                    return $"photo {a.Id} of matter id {a.MatterId}: its bytes no longer match its recorded hash: they were replaced outside Duban";
            }
            var matterIds = page.Select(a => a.MatterId).Where(seen.Add).ToList();
            if (matterIds.Count > 0)
            {
                // The register event lists the photos filed with the matter; a later event may list what it attached (a
                // proposal's reply PDF) under "attachments": together, in the events' order, they are the matter's attachments.
                var events = await db.Events.AsNoTracking().Where(e => e.MatterId != null && matterIds.Contains(e.MatterId.Value))
                    .OrderBy(e => e.Seq).Select(e => new { MatterId = e.MatterId!.Value, e.Action, e.Data }).ToListAsync(ct);
                var recorded = new Dictionary<long, List<(string, string, int)>>();
                foreach (var e in events)
                {
                    // A register event lists a portal's photos as "photos", the files staff registered with it (a letter's pages) as "attachments".
                    foreach (var key in e.Action == RegisterMatter.EventName ? RegisterKeys : [AttachedByEvent])
                    {
                        if (!e.Data.Contains("\"" + key + "\":[", StringComparison.Ordinal)
                            || System.Text.Json.Nodes.JsonNode.Parse(e.Data)![key] is not System.Text.Json.Nodes.JsonArray listedHere) continue;
                        if (!recorded.TryGetValue(e.MatterId, out var list)) recorded[e.MatterId] = list = [];
                        list.AddRange(listedHere.Select(p => ((string)p!["sha256"]!, (string)p["contentType"]!, (int)p["size"]!)));
                    }
                }
                var rows = await db.Attachments.AsNoTracking().Where(a => matterIds.Contains(a.MatterId)).OrderBy(a => a.Id)
                    .Select(a => new { a.Id, a.MatterId, a.Sha256, a.ContentType, a.Size }).ToListAsync(ct);
                foreach (var group in rows.GroupBy(r => r.MatterId))
                {
                    var listed = recorded.GetValueOrDefault(group.Key) ?? [];
                    var stored = group.Select(r => (r.Sha256, r.ContentType, r.Size)).ToList();
                    if (!listed.SequenceEqual(stored))
                        return $"the photos of matter id {group.Key} do not match its register event and the events that attached files (recorded {listed.Count}, stored {stored.Count}): they were replaced, added or removed outside Duban";
                }
            }
            lastId = page[^1].Id;
        }
        withPhotos.ExceptWith(seen);
        return withPhotos.Count == 0 ? null
            : $"the photos of matter id {withPhotos.Min()} that its register event lists are missing: they were deleted outside Duban";
    }

    /// <summary>
    /// Replays each matter's return, return_review and judging events (a dispatch, reject, merge or
    /// split at dispatch whose data holds "return") into the rows they make and compares them with dispatch_returns,
    /// every column. Returns from before the table (their events carry no windowEndsAt) made no row.
    /// </summary>
    private static async Task<string?> ReturnsMatchEventsAsync(DubanDb db, CancellationToken ct)
    {
        var expected = new Dictionary<long, List<DispatchReturn>>();
        var events = await db.Events.AsNoTracking()
            .Where(e => e.MatterId != null && (e.Action == Return.Name || e.Action == ReturnReview.EventName || e.Action == Dispatch.Name
                || e.Action == Reject.Name || e.Action == Merge.Name || e.Action == SubTasks.Split.Name))
            .OrderBy(e => e.Seq).Select(e => new { MatterId = e.MatterId!.Value, e.Action, e.Reason, e.Data }).ToListAsync(ct);
        static DateTimeOffset? At(System.Text.Json.Nodes.JsonNode? node) => node?.GetValue<DateTimeOffset>();
        foreach (var e in events)
        {
            var data = System.Text.Json.Nodes.JsonNode.Parse(e.Data)!;
            var rows = expected.TryGetValue(e.MatterId, out var list) ? list : null;
            var last = rows is { Count: > 0 } ? rows[^1] : null;
            if (e.Action == Return.Name && data["windowEndsAt"] is not null)
            {
                if (rows is null) expected[e.MatterId] = rows = [];
                rows.Add(new DispatchReturn
                {
                    MatterId = e.MatterId,
                    UnitCode = (string)data["returnedBy"]!,
                    UnitTerritoryCode = (string?)data["unitTerritoryCode"] ?? "",
                    DispatchedAt = At(data["dispatchedAt"]) ?? default,
                    WindowEndsAt = At(data["windowEndsAt"]) ?? default,
                    ReturnedAt = At(data["returnedAt"]) ?? default,
                    Reason = e.Reason ?? "",
                    State = DispatchReturn.Pending,
                });
            }
            else if (e.Action == ReturnReview.EventName && last is { State: DispatchReturn.Pending })
            {
                last.State = DispatchReturn.Review;
                last.ReviewReason = e.Reason;
            }
            else if (data["return"] is { } judged && e.Action != Return.Name)
            {
                if (last is not { Open: true }) return $"a {e.Action} of matter {e.MatterId} judges a return that was never made";
                last.State = (string)judged["verdict"]!;
                last.DecidedAt = At(judged["decidedAt"]);
                last.DecidedBy = (string?)judged["decidedBy"];
            }
        }
        var actual = await db.DispatchReturns.AsNoTracking().OrderBy(r => r.Id).ToListAsync(ct);
        foreach (var group in actual.GroupBy(r => r.MatterId))
        {
            var made = expected.Remove(group.Key, out var list) ? list : [];
            var rows = group.ToList();
            if (rows.Count != made.Count) return $"matter {group.Key} has {rows.Count} returns recorded but its events make {made.Count}: they were changed outside Duban";
            for (var i = 0; i < rows.Count; i++)
            {
                if (!Same(rows[i], made[i])) return $"return {rows[i].Id} of matter {group.Key} does not match its events: it was changed outside Duban";
            }
        }
        return expected.Count == 0 ? null : $"matter {expected.Keys.First()} has returns in its events that are missing: they were deleted outside Duban";
    }

    private static bool Same(DispatchReturn row, DispatchReturn made)
    {
        static long Ms(DateTimeOffset? t) => t?.ToUnixTimeMilliseconds() ?? -1;
        return row.UnitCode == made.UnitCode && row.Reason == made.Reason && row.State == made.State && row.ReviewReason == made.ReviewReason
            && row.UnitTerritoryCode == made.UnitTerritoryCode && Ms(row.DispatchedAt) == Ms(made.DispatchedAt)
            && Ms(row.WindowEndsAt) == Ms(made.WindowEndsAt) && Ms(row.ReturnedAt) == Ms(made.ReturnedAt)
            && Ms(row.DecidedAt) == Ms(made.DecidedAt) && row.DecidedBy == made.DecidedBy;
    }

    /// <summary>
    /// Is this the deployment's audit key? Answered by the key's check value in the chain head;
    /// for a chain from before check values, by the last event, and the check value is then kept
    /// (when <paramref name="record"/>) so that later questions do not depend on any event.
    /// </summary>
    private static async Task<string?> CataloguesMatchEventsAsync(DubanDb db, CancellationToken ct)
    {
        var recorded = new Dictionary<int, string>();
        var events = await db.Events.AsNoTracking().Where(e => e.Action == "catalogue_updated").OrderBy(e => e.Seq).Select(e => e.Data).ToListAsync(ct);
        foreach (var data in events)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(data)!;
            recorded[(int)node["version"]!] = (string)node["sha256"]!;
        }
        var rows = await db.DispatchCatalogues.AsNoTracking().OrderBy(c => c.Version).Select(c => new { c.Version, c.Content, c.ContentHash }).ToListAsync(ct);
        foreach (var row in rows)
        {
            if (!recorded.Remove(row.Version, out var hash)) return $"dispatch catalogue version {row.Version} has no event: it was added outside Duban";
            var actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(row.Content)));
            if (hash != row.ContentHash || hash != actual) return $"dispatch catalogue version {row.Version} does not match its event: it was changed outside Duban";
        }
        return recorded.Count == 0 ? null : $"dispatch catalogue version {recorded.Keys.Min()} is missing: it was deleted outside Duban";
    }

    private static async Task<string?> AliasesMatchEventsAsync(DubanDb db, CancellationToken ct)
    {
        var expected = new Dictionary<long, (string Alias, string Code)>();
        var events = await db.Events.AsNoTracking().Where(e => e.Action == "geo_alias_added" || e.Action == "geo_alias_removed")
            .OrderBy(e => e.Seq).Select(e => new { e.Action, e.Data }).ToListAsync(ct);
        foreach (var e in events)
        {
            var data = System.Text.Json.Nodes.JsonNode.Parse(e.Data)!;
            var id = (long)data["id"]!;
            if (e.Action == "geo_alias_added") expected[id] = ((string)data["alias"]!, (string)data["code"]!);
            else expected.Remove(id);
        }
        var rows = await db.GeoAliases.AsNoTracking().OrderBy(a => a.Id).Select(a => new { a.Id, a.Alias, a.Code }).ToListAsync(ct);
        foreach (var row in rows)
        {
            if (!expected.Remove(row.Id, out var was)) return $"place alias {row.Alias} (id {row.Id}) has no event: it was added outside Duban";
            if (was != (row.Alias, row.Code)) return $"place alias id {row.Id} is {row.Alias} → {row.Code} but its event says {was.Alias} → {was.Code}: it was changed outside Duban";
        }
        return expected.Count == 0 ? null : $"place alias {expected.First().Value.Alias} (id {expected.First().Key}) is missing: it was deleted outside Duban";
    }

    private static async Task<string?> CalendarDaysMatchEventsAsync(DubanDb db, CancellationToken ct)
    {
        // Each row as its events left it: day, kind, name (a year's own row: none recorded) and whether it is in force.
        var expected = new Dictionary<long, (string Day, string Kind, string? Name, bool Active)>();
        var events = await db.Events.AsNoTracking()
            .Where(e => e.Action == "calendar_day_added" || e.Action == "calendar_year_added" || e.Action == "calendar_day_withdrawn")
            .OrderBy(e => e.Seq).Select(e => new { e.Action, e.Data }).ToListAsync(ct);
        static (string, string, string?, bool) Day(System.Text.Json.Nodes.JsonNode d) => ((string)d["day"]!, (string)d["kind"]!, (string?)d["name"], true);
        foreach (var e in events)
        {
            var data = System.Text.Json.Nodes.JsonNode.Parse(e.Data)!;
            var id = (long)data["id"]!;
            switch (e.Action)
            {
                case "calendar_day_added":
                    expected[id] = Day(data);
                    break;
                case "calendar_year_added":
                    expected[id] = (((int)data["year"]!).ToString(System.Globalization.CultureInfo.InvariantCulture), "year", null, true);
                    foreach (var entry in data["entries"]!.AsArray()) expected[(long)entry!["id"]!] = Day(entry);
                    break;
                default:
                    if (expected.TryGetValue(id, out var was)) expected[id] = was with { Active = false };
                    break;
            }
        }
        var rows = await db.CalendarDays.AsNoTracking().OrderBy(d => d.Id).ToListAsync(ct);
        foreach (var row in rows)
        {
            if (!expected.Remove(row.Id, out var was)) return $"calendar day {row.Day} (id {row.Id}) has no event: it was added outside Duban";
            if (was.Day != row.Day || was.Kind != row.Kind || (was.Name is not null && was.Name != row.Name) || was.Active != row.Active)
                return $"calendar day id {row.Id} is {row.Day} {row.Kind} {row.Name} (in force: {row.Active}) but its events say {was.Day} {was.Kind} {was.Name} (in force: {was.Active}): it was changed outside Duban";
        }
        return expected.Count == 0 ? null : $"calendar day {expected.First().Value.Day} (id {expected.First().Key}) is missing: it was deleted outside Duban";
    }

    public static async Task<bool> KeyMatchesAsync(DubanDb db, AuditKey key, bool record, CancellationToken ct = default)
    {
        var check = KeyCheck(key);
        var head = await db.AuditHeads.AsNoTracking().SingleAsync(h => h.Id == 1, ct);
        if (head.KeyCheck is not null) return head.KeyCheck == check;
        var last = await db.Events.AsNoTracking().OrderByDescending(e => e.Seq).FirstOrDefaultAsync(ct);
        if (last is not null && AuditLog.EventHash(last, key) != last.Hash) return false;
        // Two nodes starting at once on an empty database with different keys: the first to record its check value wins,
        // the second changes no row, reads the first's value and is refused (issue 17).
        return !record || await Sealing.KeyChecks.ClaimAsync(db, "key_check", null, check, ct);
    }

    private static string KeyCheck(AuditKey key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(key.Value, "duban-audit-key-check-v1"u8));

    private static AuditReport Fail(long count, string problem) => new(false, count, 0, problem);
}
