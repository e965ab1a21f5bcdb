using System.Net;
using System.Net.Http.Json;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Matters;
using Duban.Features.Sealing;
using Duban.Features.Tally;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Audit;

/// <summary>
/// The audit chain across nodes (docs/adr/0006): writers take free lanes and do not wait for each other;
/// `audit verify` still catches an event removed, inserted or reordered on any lane, and a lane's tail cut
/// below what another lane recorded; one matter's actions still have one winner; a key claimed by another
/// node's open transaction costs only its own registration; the tally misses no event committed out of order.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class AuditLanesTests(DubanFactory factory)
{
    private static readonly TimeSpan Hung = TimeSpan.FromSeconds(60); // a guard against a hang, never a measure

    [Fact]
    public void CommittedPrefix_AdvancesOverConsecutiveNumbers_WaitsAtAYoungGap_PassesAnOldOne()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(12, CommittedPrefix.Advance(10, [(11, now), (12, now), (14, now), (15, now)], now));
        Assert.Equal(15, CommittedPrefix.Advance(10, [(11, now), (12, now), (14, now - TimeSpan.FromMinutes(2)), (15, now)], now));
        Assert.Equal(10, CommittedPrefix.Advance(10, [], now));
    }

    [Fact]
    public async Task AWriterHoldingItsLane_DoesNotBlockAnotherWriter_OnAnotherLane_AndVerifyHolds()
    {
        await using var held = factory.Scope();
        var heldDb = factory.Db(held);
        if (!heldDb.IsPostgres)
        {
            // SQLite has one writer at a time, hence one lane.
            await using var scope = factory.Scope();
            Assert.Equal([1], await factory.Db(scope).Events.Where(e => e.Chain != null).Select(e => e.Chain!.Value).Distinct().ToListAsync());
            Assert.True((await factory.Verify(factory.Db(scope))).Intact);
            return;
        }
        var (otherId, _, otherVersion) = await factory.Desk.Matter(NewMatter.Noise()).Lead("440704004").MakeAsync("in_progress");
        var heldLane = await HoldALaneAsync(held);
        try
        {
            // Another node's action on another matter commits while the first transaction holds its lane.
            await using var second = await factory.SecondNodeAsync();
            var handler = await second.As("h-440704004");
            var done = await handler.PostAsJsonAsync($"/api/v1/matters/{otherId}/progress", new { version = otherVersion, note = "另一节点", progress = 30 }).WaitAsync(Hung);
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
            await using var scope = factory.Scope();
            var lane = await factory.Db(scope).Events.Where(e => e.MatterId == otherId).OrderByDescending(e => e.Seq).Select(e => e.Chain).FirstAsync();
            Assert.NotEqual(heldLane, lane);
        }
        finally
        {
            await heldDb.Database.CommitTransactionAsync();
        }
        await using (var scope = factory.Scope())
        {
            var report = await factory.Verify(factory.Db(scope));
            Assert.True(report.Intact, report.FirstProblem);
        }
    }

    [Fact]
    public async Task TwoActionsOnOneMatter_WithTheSameVersion_HaveExactlyOneWinner()
    {
        var handler = await factory.As("h-440704004");
        var (id, _, version) = await factory.Desk.Matter(NewMatter.Noise()).Lead("440704004").MakeAsync("in_progress");
        var both = await Task.WhenAll(Enumerable.Range(0, 2).Select(i =>
            handler.PostAsJsonAsync($"/api/v1/matters/{id}/progress", new { version, note = $"同时{i}", progress = 10 + i })));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], both.Select(r => r.StatusCode).Order());
        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Fact]
    public async Task Verify_LaneEventRemovedInTheMiddle_IsCaught()
    {
        await factory.Desk.Matter(NewMatter.Noise()).MakeAsync();
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var victim = await db.Events.AsNoTracking().Where(e => e.Chain != null && e.ChainSeq > 1).OrderBy(e => e.Seq).FirstAsync();
        await Tamper.WithoutTriggers(db, () => db.Database.ExecuteSqlRawAsync("DELETE FROM events WHERE seq = {0}", victim.Seq));
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains($"lane {victim.Chain}", report.FirstProblem);
        }
        finally
        {
            db.Events.Add(victim);
            await Tamper.WithoutTriggers(db, () => db.SaveChangesAsync());
        }
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task Verify_EventInsertedOrReorderedOnALane_IsCaught()
    {
        await factory.Desk.Matter(NewMatter.Noise()).MakeAsync();
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var lane = await db.Events.AsNoTracking().Where(e => e.Chain != null).OrderByDescending(e => e.Seq).Select(e => e.Chain).FirstAsync();
        var lastTwo = await db.Events.AsNoTracking().Where(e => e.Chain == lane).OrderByDescending(e => e.ChainSeq).Take(2).ToListAsync();
        var (later, earlier) = (lastTwo[0], lastTwo[1]);

        // Inserted: a copy of an event under a new number, placed where it would link.
        var max = await db.Events.MaxAsync(e => e.Seq);
        var copy = Copy(earlier, max + 1000);
        db.Events.Add(copy);
        await db.SaveChangesAsync();
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains($"event #{copy.Seq} ", report.FirstProblem);
        }
        finally
        {
            await Tamper.WithoutTriggers(db, () => db.Database.ExecuteSqlRawAsync("DELETE FROM events WHERE seq = {0}", copy.Seq));
        }
        db.ChangeTracker.Clear();

        // Reordered: the two events' global numbers swapped.
        await Tamper.WithoutTriggers(db, () => db.Database.ExecuteSqlRawAsync("DELETE FROM events WHERE seq IN ({0}, {1})", earlier.Seq, later.Seq));
        db.Events.AddRange(Copy(earlier, later.Seq), Copy(later, earlier.Seq));
        await db.SaveChangesAsync();
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains("altered", report.FirstProblem);
        }
        finally
        {
            await Tamper.WithoutTriggers(db, () => db.Database.ExecuteSqlRawAsync("DELETE FROM events WHERE seq IN ({0}, {1})", earlier.Seq, later.Seq));
            db.ChangeTracker.Clear();
            db.Events.AddRange(earlier, later);
            await db.SaveChangesAsync();
        }
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task Verify_LaneTailCutBelowAnAnchor_WithItsHeadRewritten_IsCaught()
    {
        await using var held = factory.Scope();
        var heldDb = factory.Db(held);
        if (!heldDb.IsPostgres) return; // SQLite's one lane has no other to anchor it (docs/adr/0006: its limit)
        // Two lanes written at once, then a third transaction that records both.
        await HoldALaneAsync(held);
        await using (var other = factory.Scope())
        {
            await using var tx = await factory.Db(other).Database.BeginTransactionAsync();
            var audit = other.ServiceProvider.GetRequiredService<AuditLog>();
            await audit.AppendAsync(null, Actor.System(), "lane_test");
            await audit.AppendAsync(null, Actor.System(), "lane_test");
            await factory.Db(other).SaveChangesAsync();
            await tx.CommitAsync();
        }
        await heldDb.Database.CommitTransactionAsync();
        await using (var third = factory.Scope())
        {
            await using var tx = await factory.Db(third).Database.BeginTransactionAsync();
            await third.ServiceProvider.GetRequiredService<AuditLog>().AppendAsync(null, Actor.System(), "lane_test");
            await factory.Db(third).SaveChangesAsync();
            await tx.CommitAsync();
        }

        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        // The latest anchor on another lane: cut that lane back to one event below it, and its head to match.
        var anchoring = await db.Events.AsNoTracking().Where(e => e.Anchors != null && e.Anchors != "{}").OrderByDescending(e => e.Seq).FirstAsync();
        var (lane, length) = System.Text.Json.Nodes.JsonNode.Parse(anchoring.Anchors!)!.AsObject()
            .Select(a => (Lane: int.Parse(a.Key, System.Globalization.CultureInfo.InvariantCulture), Length: (long)a.Value!)).First(a => a.Lane > 0);
        var cut = await db.Events.AsNoTracking().Where(e => e.Chain == lane && e.ChainSeq >= length).ToListAsync();
        var head = await db.AuditChains.AsNoTracking().SingleAsync(h => h.Id == lane);
        var newLast = await db.Events.AsNoTracking().Where(e => e.Chain == lane && e.ChainSeq == length - 1).Select(e => e.Hash).FirstOrDefaultAsync() ?? "";
        await Tamper.WithoutTriggers(db, () => db.Database.ExecuteSqlRawAsync("DELETE FROM events WHERE chain = {0} AND chain_seq >= {1}", lane, length));
        await db.Database.ExecuteSqlRawAsync("UPDATE audit_chains SET seq = {0}, hash = {1} WHERE id = {2}", length - 1, newLast, lane);
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains($"lane {lane} ends at place {length - 1} but event #{anchoring.Seq} saw it at place {length}", report.FirstProblem);
        }
        finally
        {
            db.Events.AddRange(cut);
            await db.SaveChangesAsync();
            await db.Database.ExecuteSqlRawAsync("UPDATE audit_chains SET seq = {0}, hash = {1} WHERE id = {2}", head.Seq, head.Hash, lane);
        }
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task AKeyClaimedByAnotherNodesOpenTransaction_CostsOnlyItsOwnRegistration()
    {
        await using var node = factory.Scope();
        var nodeDb = factory.Db(node);
        if (!nodeDb.IsPostgres) return; // SQLite's one writer: IdempotentBatchTests covers the stored key
        var key = "two-nodes-" + Guid.NewGuid().ToString("N");
        await using var other = factory.Scope();
        var actor = await factory.Desk.ActorAsync(other, "dispatcher");
        var now = other.ServiceProvider.GetRequiredService<TimeProvider>().Now();
        PreparedRegistration Item(string title, string? k) => new(
            new RegisterCommand("complaint", "phone", title, "两个节点同时收到。", TerritoryCode: "440704"), actor, false, now,
            "user:" + actor.Id, k, "hash-" + title, new TerritoryChoice("440704", "given", null));

        // The other node is writing the key's first request: its record is inserted (as RegisterMatter claims
        // keys, first thing), its transaction not yet committed.
        var firstMatter = await factory.Desk.Matter(NewMatter.Noise("先到的节点")).MakeAsync();
        await using (var tx = await nodeDb.Database.BeginTransactionAsync())
        {
            await nodeDb.Database.ExecuteSqlRawAsync(
                "INSERT INTO idempotency (scope, key, request_hash, matter_id, response_sealed, created_at) VALUES ({0}, {1}, {2}, {3}, {4}, {5})",
                "user:" + actor.Id, key, "hash-同键的请求", firstMatter.Id, "sealed", now);
            // This node's batch holds the same key and a neighbour: it waits for the key, and does not fail.
            var batch = WriteAsync(other, [Item("同键的请求", key), Item("无关的邻居", null)]);
            await tx.CommitAsync();
            var answers = await batch.WaitAsync(Hung);
            Assert.Null(answers[0]);
            Assert.Equal("无关的邻居", answers[1]?.Matter.Title);
        }
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        Assert.Equal(firstMatter.Id, (await db.IdempotencyRecords.SingleAsync(r => r.Key == key)).MatterId);
        Assert.Equal(0, await db.Matters.CountAsync(m => m.Title == "同键的请求"));
        Assert.Equal(1, await db.Matters.CountAsync(m => m.Title == "无关的邻居"));
        Assert.True((await factory.Verify(db)).Intact);

        static Task<IReadOnlyList<Registered?>> WriteAsync(AsyncServiceScope s, IReadOnlyList<PreparedRegistration> items)
        {
            var sp = s.ServiceProvider;
            return RegisterMatter.WriteAsync(sp.GetRequiredService<DubanDb>(), sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<RegisterNumbers>(),
                sp.GetRequiredService<Sealer>(), sp.GetRequiredService<MatterClock>(), items, default);
        }
    }

    [Fact]
    public async Task Tally_AnEventCommittedAfterAHigherOne_IsStillCounted()
    {
        await using var app = new DubanFactory();
        await app.InitializeAsync();
        await using (var probe = app.Scope()) if (!app.Db(probe).IsPostgres) return; // one writer on SQLite: never out of order
        var a = await app.Desk.Matter(NewMatter.Noise()).MakeAsync();
        var b = await app.Desk.Matter(NewMatter.Noise()).Lead("440704004").MakeAsync("in_progress");
        await CatchUpAsync(app);

        // A: an action on matter a that has drawn its event's number and waits before saving.
        var numbered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var held = app.Scope();
        var workflow = held.ServiceProvider.GetRequiredService<MatterWorkflow>();
        var actor = await app.Desk.ActorAsync(held, "dispatcher");
        var action = workflow.RunAsync(a.Id, a.Version, actor, "reject", (step, _) =>
        {
            step.Matter.Status = Status.Rejected;
            step.MoreEvents.Add(async (_, _) =>
            {
                numbered.SetResult();
                await release.Task;
            });
            return Task.FromResult<Error?>(null);
        }, default);
        await numbered.Task.WaitAsync(Hung);

        // B commits a higher number meanwhile, and the tally passes.
        var handler = await app.As("h-440704004");
        Assert.Equal(HttpStatusCode.OK, (await handler.PostAsJsonAsync($"/api/v1/matters/{b.Id}/progress", new { version = b.Version, note = "先提交", progress = 50 })).StatusCode);
        await CatchUpAsync(app);
        release.SetResult();
        Assert.True((await action.WaitAsync(Hung)).IsSuccess);

        await using var scope = app.Scope();
        var report = await scope.ServiceProvider.GetRequiredService<Tallies>().VerifyAsync(default);
        Assert.True(report.Intact, string.Join("; ", report.Differences));
    }

    private static async Task<TallyPass?> CatchUpAsync(DubanFactory app)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<Tallies>().CatchUpAsync(default);
    }

    /// <summary>Begins a transaction in the scope and appends one event: its lane is held until the transaction ends.</summary>
    private static async Task<int> HoldALaneAsync(AsyncServiceScope scope)
    {
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        await db.Database.BeginTransactionAsync();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        await audit.AppendAsync(null, Actor.System(), "lane_test");
        await db.SaveChangesAsync();
        return audit.Lane!.Value;
    }

    private static MatterEvent Copy(MatterEvent e, long seq) => new()
    {
        Seq = seq,
        MatterId = e.MatterId,
        At = e.At,
        ActorId = e.ActorId,
        ActorName = e.ActorName,
        ActorUnitCode = e.ActorUnitCode,
        Action = e.Action,
        FromStatus = e.FromStatus,
        ToStatus = e.ToStatus,
        Reason = e.Reason,
        Data = e.Data,
        StateHash = e.StateHash,
        PrevHash = e.PrevHash,
        Hash = e.Hash,
        Chain = e.Chain,
        ChainSeq = e.ChainSeq,
        Anchors = e.Anchors,
    };
}

/// <summary>Changes the events behind the database's back, as an attacker with write access would (triggers off).</summary>
internal static class Tamper
{
    public static async Task WithoutTriggers(DubanDb db, Func<Task<int>> change)
    {
        if (db.IsPostgres)
        {
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE events DISABLE TRIGGER events_no_update");
            try { await change(); }
            finally { await db.Database.ExecuteSqlRawAsync("ALTER TABLE events ENABLE TRIGGER events_no_update"); }
            return;
        }
        await db.Database.ExecuteSqlRawAsync("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;");
        try { await change(); }
        finally
        {
            await db.Database.ExecuteSqlRawAsync("""
                CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                """);
        }
    }
}
