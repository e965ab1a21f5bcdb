
using System.Net;
using System.Net.Http.Json;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Audit;

/// <summary>
/// Writers queue on the chain before they read what they change: released together, two
/// actions on one matter each see the other's result, and the chain still verifies.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class ChainLockTests(DubanFactory factory)
{
    [Fact]
    public async Task ActionsQueuedBehindAWriter_ReadTheStateTheyChange_ChainStaysIntact()
    {
        var dispatcher = await factory.As("dispatcher");
        var handler = await factory.As("h-440704004");
        var (id, _, version) = await factory.Desk.Matter(NewMatter.Noise()).Lead("440704004").MakeAsync("in_progress");

        Task<HttpResponseMessage> progress, reveal;
        await using (var blocker = await HoldTheWriteLockAsync())
        {
            progress = handler.PostAsJsonAsync($"/api/v1/matters/{id}/progress", new { version, note = "已现场查看", progress = 20 });
            reveal = dispatcher.GetAsync($"/api/v1/matters/{id}/raiser");
            await Task.Delay(300);
            Assert.False(progress.IsCompleted, "the action should wait for the writer ahead of it");
        }
        Assert.Equal(HttpStatusCode.OK, (await progress).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reveal).StatusCode);

        await using var scope = factory.Scope();
        var report = await factory.Verify(factory.Db(scope));
        Assert.True(report.Intact, report.FirstProblem);
    }

    /// <summary>Another writer holding the chain: the head row locked on PostgreSQL, the write lock on SQLite.</summary>
    private async Task<IAsyncDisposable> HoldTheWriteLockAsync()
    {
        var scope = factory.Scope();
        var db = factory.Db(scope);
        var tx = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync(db.IsPostgres
            ? "SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE"
            : "UPDATE audit_head SET seq = seq WHERE id = 1");
        return new Release(tx, scope);
    }

    private sealed class Release(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction tx, AsyncServiceScope scope) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await tx.RollbackAsync();
            await tx.DisposeAsync();
            await scope.DisposeAsync();
        }
    }
}
