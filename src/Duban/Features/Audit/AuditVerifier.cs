using Duban.Data;
using Duban.Features.Matters.Actions;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Audit;

public sealed record AuditReport(bool Intact, long EventCount, long MatterCount, string? FirstProblem);

/// <summary>
/// Walks the chains (the first, and the lanes, docs/adr/0006) in global order, then every matter against the state recorded by its last
/// event. Both passes read in keyset pages, so memory stays bounded on millions of rows.
/// </summary>
public static class AuditVerifier
{
    private const int Page = 5_000;

    public static async Task<AuditReport> VerifyAsync(DubanDb db, AuditKey key, Matters.MatterClock clock, CancellationToken ct = default)
    {
        // 1. The chains, in one pass by the global number (docs/adr/0006): the first chain (events from before
        //    schema 0016) contiguous from #1; on each lane, places 1, 2, 3, … each linked to the one before
        //    (within a lane the global numbers rise with the places: a lane is held until its transaction ends,
        //    and numbers are drawn after it is taken); every event matching its keyed hash.
        long legacyCount = 0, count = 0, lastSeq = 0;
        var legacyHash = "";
        var lanes = new Dictionary<int, (long Seq, string Hash)>();
        var anchored = new Dictionary<int, (long Length, long By)>();
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
                lastSeq = e.Seq;
                count++;
            }
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
                // The light's warning point is derived from the hashed state (a signature due, a milestone due), like the county.
                if (m.WarnAt != clock.WarningPoint(m))
                    return Fail(count, $"matter {m.Number} (id {m.Id}) has a warning point that does not follow from its state: it was changed outside Duban");
                if (AuditLog.StateHash(m, clock.Facets.All) != last.StateHash)
                    return Fail(count, $"matter {m.Number} (id {m.Id}) was changed after event #{last.Seq}: its stored state no longer matches that event");
                lastId = m.Id;
                matters++;
            }
        }
        // 3. The local place aliases, which decide where matters are placed, against the events that added and removed them.
        var aliasProblem = await AliasesMatchEventsAsync(db, ct);
        if (aliasProblem is not null) return Fail(count, aliasProblem);

        // 3b. The administrators' calendar days, which move every deadline computed after them.
        var calendarProblem = await CalendarDaysMatchEventsAsync(db, ct);
        if (calendarProblem is not null) return Fail(count, calendarProblem);

        // 4. The dispatch catalogue's versions, which decide where matters are sent, against their events.
        var catalogueProblem = await CataloguesMatchEventsAsync(db, ct);
        if (catalogueProblem is not null) return Fail(count, catalogueProblem);

        // 5. The returns (退单) and their judgements, which count for and against units, against the events.
        var returnProblem = await ReturnsMatchEventsAsync(db, ct);
        if (returnProblem is not null) return Fail(count, returnProblem);

        return new AuditReport(true, count, matters, null);
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
        if (record) await db.AuditHeads.Where(h => h.Id == 1 && h.KeyCheck == null).ExecuteUpdateAsync(s => s.SetProperty(h => h.KeyCheck, check), ct);
        return true;
    }

    private static string KeyCheck(AuditKey key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(key.Value, "duban-audit-key-check-v1"u8));

    private static AuditReport Fail(long count, string problem) => new(false, count, 0, problem);
}
