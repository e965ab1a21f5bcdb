using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Units;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Audit;

/// <summary>
/// The one path of the administrative changes (Features/Audit/AuditedChange): a refused change rolls back
/// and appends nothing; a change made appends its event on the chain, commits, and only then makes the
/// caches it names fresh. On the shared database, with units of their own codes.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class AuditedChangeTests(DubanFactory factory)
{
    private static string Code() => "440781-ac" + Guid.NewGuid().ToString("N")[..8];

    private static Duban.Data.Unit NewUnit(string code) => new()
    {
        Code = code,
        Name = "台山市审计测试局",
        Kind = "department",
        ParentCode = "440781",
        TerritoryCode = "440781",
    };

    private async Task<long> HeadAsync()
    {
        await using var scope = factory.Scope();
        return await factory.Db(scope).Events.MaxAsync(e => e.Seq);
    }

    private async Task<bool> UnitSavedAsync(string code)
    {
        await using var scope = factory.Scope();
        return await factory.Db(scope).Units.AnyAsync(u => u.Code == code);
    }

    [Fact]
    public async Task RunAsync_ChangeRefused_RollsBack_AppendsNothing_ForgetsItsUnsavedChanges()
    {
        var code = Code();
        var head = await HeadAsync();
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var change = scope.ServiceProvider.GetRequiredService<AuditedChange>();
        var admin = await db.Users.FirstAsync(u => u.Username == "admin");

        var result = await change.RunAsync<string>(async () =>
        {
            db.Units.Add(NewUnit(code));
            await db.SaveChangesAsync(); // written inside the transaction, then refused
            admin.DisplayName = "改了但被拒绝";
            return Error.Conflict("refused_for_the_test", "拒绝 / refused");
        });

        Assert.False(result.IsSuccess);
        Assert.Equal("refused_for_the_test", result.Error!.Code);
        Assert.Equal(head, await HeadAsync());
        Assert.False(await UnitSavedAsync(code));
        // The refused change's unsaved edit is not saved by a later save in the same scope.
        Assert.DoesNotContain(db.ChangeTracker.Entries(), e => e.State is EntityState.Modified or EntityState.Added or EntityState.Deleted);
        await db.SaveChangesAsync();
        await using var other = factory.Scope();
        Assert.NotEqual("改了但被拒绝", (await factory.Db(other).Users.AsNoTracking().FirstAsync(u => u.Username == "admin")).DisplayName);
    }

    [Fact]
    public async Task RunAsync_ChangeMade_AppendsOneChainedEvent_Commits_ThenMakesTheNamedCachesFresh()
    {
        var code = Code();
        var head = await HeadAsync();
        var directory = factory.Services.GetRequiredService<UnitDirectory>();
        Assert.Null(await directory.FindAsync(code));
        // When the cache is told, the change is committed: another connection sees the unit and its event.
        var cache = new RecordingCache(async () =>
        {
            Assert.True(await UnitSavedAsync(code));
            Assert.Equal(head + 1, await HeadAsync());
        });
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var change = scope.ServiceProvider.GetRequiredService<AuditedChange>();
        var actor = Actor.System();

        var result = await change.RunAsync<string>(() =>
        {
            db.Units.Add(NewUnit(code));
            IRefreshingCache[] stale = [cache, directory.Cache];
            return Task.FromResult<Result<ChangeMade<string>>>(
                new ChangeMade<string>(code, [new AuditEvent(actor, "unit_added", new JsonObject { ["code"] = code }, "测试")], stale));
        });

        Assert.Equal(code, result.Value);
        Assert.Equal(1, cache.Changes);
        Assert.Equal("台山市审计测试局", (await directory.FindAsync(code))?.Name); // the directory was made fresh at once
        await using var check = factory.Scope();
        var events = await factory.Db(check).Events.AsNoTracking().Where(e => e.Seq > head - 1).OrderBy(e => e.Seq).ToListAsync();
        var appended = Assert.Single(events, e => e.Seq > head);
        Assert.Equal(("unit_added", "测试", (long?)null), (appended.Action, appended.Reason, appended.MatterId));
        // The change's data, and the state of the unit it added (Features/Audit, EntityStates).
        var data = JsonNode.Parse(appended.Data)!;
        Assert.Equal(code, (string?)data["code"]);
        var added = await factory.Db(check).Units.AsNoTracking().SingleAsync(u => u.Code == code);
        Assert.Equal(EntityStates.Hash(added), (string?)data["states"]![EntityStates.Key(added)]);
        Assert.Equal(events.Single(e => e.Seq == head).Hash, appended.PrevHash);
        var report = await factory.Verify(factory.Db(check));
        Assert.True(report.Intact, report.FirstProblem);
    }

    [Fact]
    public async Task RunAsync_NothingToRecord_CommitsNothing_TouchesNoCache()
    {
        var code = Code();
        var head = await HeadAsync();
        var cache = new RecordingCache();
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var change = scope.ServiceProvider.GetRequiredService<AuditedChange>();

        var result = await change.RunAsync<string>(async () =>
        {
            db.Units.Add(NewUnit(code));
            await db.SaveChangesAsync();
            return new ChangeMade<string>("as it was", [], [cache]);
        });

        Assert.Equal("as it was", result.Value);
        Assert.Equal(head, await HeadAsync());
        Assert.False(await UnitSavedAsync(code));
        Assert.Equal(0, cache.Changes);
    }

    private sealed class RecordingCache(Func<Task>? onChange = null) : IRefreshingCache
    {
        public int Changes { get; private set; }
        public string Name => "the test's cache";
        public TimeSpan Period => TimeSpan.FromMinutes(1);
        public CacheRefresh Refresh => CacheRefresh.OnUse;

        public Task<bool> RefreshAsync(CancellationToken ct = default) => Task.FromResult(false);

        public void Invalidate() => Changes++;

        public async Task AfterChangeAsync(CancellationToken ct = default)
        {
            Changes++;
            if (onChange is not null) await onChange();
        }
    }
}
