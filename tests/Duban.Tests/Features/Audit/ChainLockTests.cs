
using System.Net;
using System.Net.Http.Json;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Audit;

/// <summary>
/// Writers queue on the matter before they read what they change (docs/adr/0006): released together,
/// two actions on one matter each see the other's result, and the chain still verifies.
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
        await using (var blocker = await HoldTheMatterAsync(id))
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

    /// <summary>Another writer holding the matter: its row locked on PostgreSQL, the write lock on SQLite.</summary>
    private async Task<IAsyncDisposable> HoldTheMatterAsync(long id)
    {
        var scope = factory.Scope();
        var db = factory.Db(scope);
        var tx = await db.Database.BeginTransactionAsync();
        await scope.ServiceProvider.GetRequiredService<Duban.Features.Audit.AuditLog>().LockMatterAsync(id, default);
        if (!db.IsPostgres) await db.Database.ExecuteSqlRawAsync("UPDATE matters SET version = version WHERE id = {0}", id);
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
