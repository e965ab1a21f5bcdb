using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Audit;

public sealed record AuditReport(bool Intact, long EventCount, long MatterCount, string? FirstProblem);

/// <summary>
/// Walks the whole chain in order, then every matter against the state recorded by its last
/// event. Reads in keyset pages, so it runs in bounded memory per page on millions of rows.
/// </summary>
public static class AuditVerifier
{
    private const int Page = 5_000;

    public static async Task<AuditReport> VerifyAsync(DubanDb db, AuditKey key, CancellationToken ct = default)
    {
        var lastStateByMatter = new Dictionary<long, (long Seq, string StateHash)>();
        long expectedSeq = 1, count = 0;
        var prevHash = "";
        while (true)
        {
            var from = expectedSeq;
            var page = await db.Events.AsNoTracking().Where(e => e.Seq >= from).OrderBy(e => e.Seq).Take(Page).ToListAsync(ct);
            if (page.Count == 0) break;
            foreach (var e in page)
            {
                if (e.Seq != expectedSeq)
                    return Fail(count, $"event #{expectedSeq} is missing (next stored is #{e.Seq})");
                if (e.PrevHash != prevHash)
                    return Fail(count, $"event #{e.Seq} ({e.Action}) does not link to event #{e.Seq - 1}: the chain was changed");
                if (AuditLog.EventHash(e, key) != e.Hash)
                    return Fail(count, $"event #{e.Seq} ({e.Action}) has been altered: its content no longer matches its hash");
                if (e.MatterId is { } mid) lastStateByMatter[mid] = (e.Seq, e.StateHash);
                prevHash = e.Hash;
                expectedSeq++;
                count++;
            }
        }

        var head = await db.AuditHeads.AsNoTracking().SingleAsync(h => h.Id == 1, ct);
        if (head.Seq != count || head.Hash != prevHash)
            return Fail(count, $"the chain ends at event #{count} but its head records #{head.Seq}: events were removed from the end");

        long matters = 0, lastId = 0;
        while (true)
        {
            var after = lastId;
            var page = await db.Matters.AsNoTracking().Include(m => m.Assignments)
                .Where(m => m.Id > after).OrderBy(m => m.Id).Take(Page / 5).AsSplitQuery().ToListAsync(ct);
            if (page.Count == 0) break;
            foreach (var m in page)
            {
                if (!lastStateByMatter.Remove(m.Id, out var last))
                    return Fail(count, $"matter {m.Number} (id {m.Id}) has no event: it was inserted outside Duban");
                if (AuditLog.StateHash(m) != last.StateHash)
                    return Fail(count, $"matter {m.Number} (id {m.Id}) was changed after event #{last.Seq}: its stored state no longer matches that event");
                lastId = m.Id;
                matters++;
            }
        }
        if (lastStateByMatter.Count > 0)
        {
            var (id, (seq, _)) = lastStateByMatter.OrderBy(kv => kv.Value.Seq).First();
            return Fail(count, $"matter id {id} of event #{seq} is missing: it was deleted");
        }
        return new AuditReport(true, count, matters, null);
    }

    private static AuditReport Fail(long count, string problem) => new(false, count, 0, problem);
}
