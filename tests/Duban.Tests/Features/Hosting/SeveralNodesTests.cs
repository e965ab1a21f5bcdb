using System.Net;
using System.Net.Http.Json;
using Duban.Features.Audit;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Hosting;

/// <summary>Two Duban nodes on one database: numbers never repeat, the chain stays whole, versions still guard.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class SeveralNodesTests(DubanFactory factory)
{
    [Fact]
    public async Task TwoNodes_RegisteringAtOnce_UniqueNumbersAndIntactChain()
    {
        await using var second = await factory.SecondNodeAsync();
        var a = await factory.As("dispatcher");
        var b = await second.As("dispatcher");
        var tag = Guid.NewGuid().ToString("N")[..6];

        var requests = Enumerable.Range(0, 60).Select(i =>
            (i % 2 == 0 ? a : b).PostAsJsonAsync("/api/v1/matters", Api.Matter($"两节点并发登记 {tag} {i}")));
        var responses = await Task.WhenAll(requests);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var numbers = await db.Matters.Where(m => m.Title.StartsWith("两节点并发登记 " + tag)).Select(m => m.Number).ToListAsync();
        Assert.Equal(60, numbers.Count);
        Assert.Equal(60, numbers.Distinct().Count());
        var report = await factory.Verify(db);
        Assert.True(report.Intact, report.FirstProblem);
    }

    [Fact]
    public async Task TwoNodes_ActingOnOneMatter_OneWins()
    {
        await using var second = await factory.SecondNodeAsync();
        var a = await factory.As("dispatcher");
        var b = await second.As("supervisor");
        var id = await a.Register();
        var version = await a.Version(id);
        var results = await Task.WhenAll(
            a.PostAsJsonAsync($"/api/v1/matters/{id}/dispatch", new { version, leadUnitCode = "440704004" }),
            b.PostAsJsonAsync($"/api/v1/matters/{id}/reject", new { version, reason = "重复来电" }));
        Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single(results, r => r.StatusCode == HttpStatusCode.Conflict);
    }
}

/// <summary>Start-up on an empty database: its own database, so not in the shared collection.</summary>
[Trait("Category", "Database")]
public sealed class StartupTests
{
    [Fact]
    public async Task TwoNodesStartingAtOnceOnAnEmptyDatabase_BothServe_DemoLoadedOnce()
    {
        await using var first = new DubanFactory();
        await first.CreateDatabaseAsync();
        await using var second = first.Sibling();
        await Task.WhenAll(Task.Run(() => first.Server), Task.Run(() => second.Server));

        await using var scope = first.Scope();
        var db = first.Db(scope);
        Assert.Equal(231, await db.Units.CountAsync());
        Assert.Equal(1, await db.Events.CountAsync(e => e.Action == "demo_loaded"));
        Assert.True((await first.Verify(db)).Intact);
        Assert.Equal(HttpStatusCode.OK, (await (await second.As("dispatcher")).GetAsync("/api/v1/matters?pageSize=1")).StatusCode);
    }

    [Fact]
    public async Task DemoIsNotLoaded_IntoPostgreSQL_UnlessAsked()
    {
        await using var node = new DubanFactory();
        node.Settings["Duban:Demo:Seed"] = null;
        await node.CreateDatabaseAsync();
        _ = node.Server;
        await using var scope = node.Scope();
        var expected = DubanFactory.Provider == "postgres" ? 0 : 231;
        Assert.Equal(expected, await node.Db(scope).Units.CountAsync());
    }
}
