using System.Net;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Matters;
using Duban.Features.Sealing;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Intake;

/// <summary>
/// An Idempotency-Key already taken (by another node a moment before, or earlier in the same group
/// commit) costs only its own registration: the batch writes the others and leaves it out, and its
/// request answers as the key's first one did.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class IdempotentBatchTests(DubanFactory factory)
{
    [Fact]
    public async Task Batch_LeavesOutTakenKeys_AndWritesTheRest()
    {
        var taken = "taken-" + Guid.NewGuid().ToString("N");
        var fresh = "fresh-" + Guid.NewGuid().ToString("N");
        var first = await factory.Desk.Dispatcher.SendAsync(Api.Keyed("/api/v1/matters", NewMatter.Noise("先到的一件").Body(), taken));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        await using var scope = factory.Scope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<DubanDb>();
        var actor = await factory.Desk.ActorAsync(scope, "dispatcher");
        var now = sp.GetRequiredService<TimeProvider>().Now();
        PreparedRegistration Item(string title, string? key) => new(
            new RegisterCommand("complaint", "phone", title, "同一批次的登记。", TerritoryCode: "440704"), actor, false, now,
            "user:" + actor.Id, key, "hash-" + title, new TerritoryChoice("440704", "given", null));
        var before = await db.Matters.CountAsync();

        var answers = await RegisterMatter.WriteAsync(db, sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<RegisterNumbers>(),
            sp.GetRequiredService<Sealer>(), sp.GetRequiredService<MatterClock>(),
            [Item("批内第一件", fresh), Item("另一节点已用的键", taken), Item("批内重复的键", fresh), Item("没有键的一件", null)], default);

        Assert.Equal(["批内第一件", null, null, "没有键的一件"], answers.Select(a => a?.Matter.Title));
        db.ChangeTracker.Clear();
        Assert.Equal(before + 2, await db.Matters.CountAsync());
        Assert.Equal(1, await db.IdempotencyRecords.CountAsync(r => r.Key == fresh));

        // The request whose key was taken is answered by the first one's matter, and the chain is whole.
        var again = await factory.Desk.Dispatcher.SendAsync(Api.Keyed("/api/v1/matters", NewMatter.Noise("先到的一件").Body(), taken));
        Assert.Equal((long)(await first.Json(HttpStatusCode.Created))["id"]!, (long)(await again.Json(HttpStatusCode.OK))["id"]!); // a replay is 200
        var report = await AuditVerifier.VerifyAsync(db, sp.GetRequiredService<AuditKey>(), sp.GetRequiredService<MatterClock>());
        Assert.True(report.Intact, report.FirstProblem);
    }
}
