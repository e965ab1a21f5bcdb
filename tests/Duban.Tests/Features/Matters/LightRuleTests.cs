using Duban.Data;
using Duban.Features.Matters;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Matters;

/// <summary>
/// The light is one rule, written once (LightRule): a query filtering by it and the same rule
/// compiled over loaded rows agree on every state, on SQLite and on PostgreSQL. Matters of every
/// state, deadline, pause, warning point and 重点督办 are written straight into a deployment of
/// their own (no events: this database is never verified) and read back both ways.
/// </summary>
[Trait("Category", "Database")]
public sealed class LightRuleTests
{
    [Fact]
    public async Task Filter_InSql_AgreesWithTheRuleInMemory_OverEveryKindOfState()
    {
        await using var factory = new DubanFactory();
        await factory.InitializeAsync();
        var now = Duban.Common.Clock.Normalize(factory.Clock.GetUtcNow());
        var random = new Random(20261205);
        DateTimeOffset? Around() => random.Next(5) == 0 ? null : now.AddHours(random.Next(-200, 200));
        var matters = new List<Matter>();
        for (var i = 0; i < 600; i++)
        {
            var status = Duban.Features.Matters.Status.All[random.Next(Duban.Features.Matters.Status.All.Length)];
            var due = Around();
            matters.Add(new Matter
            {
                Id = 90_000_000 + i,
                Number = $"JM-2099-{i:000000}",
                Kind = "complaint",
                Channel = "phone",
                Title = "灯",
                Content = "灯",
                Urgency = "normal",
                Status = status,
                ReceivedAt = now,
                RegisteredAt = now,
                UpdatedAt = now,
                Version = 1,
                AcceptDueAt = Around(),
                YellowAt = Around(),
                DueAt = due,
                // Paused before, at or after the deadline, or running.
                PausedAt = random.Next(3) == 0 ? (due ?? now).AddHours(random.Next(-3, 4)) : null,
                WarnAt = Around(),
                KeySupervision = random.Next(3) == 0,
                LastProgressAt = Around()?.AddDays(-random.Next(0, 12)),
            });
        }
        // Edges: exactly at the deadline, the yellow point, the warning point and the key cut-off.
        var clock = factory.Services.GetRequiredService<MatterClock>();
        var at = clock.Moment(now);
        matters[0].Status = "in_progress"; matters[0].DueAt = now; matters[0].PausedAt = null;
        matters[1].Status = "in_progress"; matters[1].DueAt = now.AddDays(1); matters[1].YellowAt = now; matters[1].PausedAt = null; matters[1].WarnAt = null;
        matters[2].Status = "dispatched"; matters[2].DueAt = now.AddDays(1); matters[2].YellowAt = null; matters[2].WarnAt = now; matters[2].PausedAt = null;
        matters[3].Status = "in_progress"; matters[3].DueAt = now.AddDays(1); matters[3].YellowAt = null; matters[3].WarnAt = null; matters[3].PausedAt = null;
        matters[3].KeySupervision = true; matters[3].LastProgressAt = at.KeyCutoff;
        matters[4].Status = "received"; matters[4].AcceptDueAt = now; matters[4].YellowAt = now;

        await using (var scope = factory.Scope())
        {
            var db = factory.Db(scope);
            db.Matters.AddRange(matters);
            await db.SaveChangesAsync();
        }

        await using var read = factory.Scope();
        var rows = factory.Db(read).Matters.AsNoTracking().Where(m => m.Id >= 90_000_000);
        var loaded = await rows.ToListAsync();
        Assert.Equal(600, loaded.Count);
        foreach (var light in Light.All)
        {
            var inSql = (await rows.Where(clock.Filter(light, now)).Select(m => m.Id).ToListAsync()).Order().ToList();
            var inMemory = loaded.Where(m => clock.LightOf(m, now) == light).Select(m => m.Id).Order().ToList();
            Assert.Equal(inMemory, inSql);
            Assert.NotEmpty(inSql);
            // Its two halves (held, waiting) are disjoint and together the same light.
            var halves = new List<List<long>>();
            foreach (var half in clock.Halves(light, now)) halves.Add(await rows.Where(half).Select(m => m.Id).ToListAsync());
            Assert.Equal(inMemory, halves.SelectMany(h => h).Order().ToList());
            Assert.All(halves, h => Assert.NotEmpty(h));
            // The list pages the halves as parts and merges them in its order (received, then id, newest first):
            // every page of 7, the same matters once each, in order, and the total of both halves.
            var supervisor = await factory.As("supervisor");
            var listed = new List<long>();
            for (var page = 1; ; page++)
            {
                var answer = await supervisor.GetAsync($"/api/v1/matters?light={light}&pageSize=7&page={page}").Ok();
                var items = answer["items"]!.AsArray().Select(i => (long)i!["id"]!).ToList();
                if (page == 1) Assert.Equal(inMemory.Count + await OthersAsync(light), (int)answer["total"]!);
                listed.AddRange(items);
                if (items.Count < 7) break;
            }
            var ours = listed.Where(id => id >= 90_000_000).ToList();
            Assert.Equal(ours.OrderDescending().ToList(), ours); // same received time: newest id first
            Assert.Equal(inMemory, ours.Order().ToList());
        }
        async Task<int> OthersAsync(string light) // the demo's matters of that light, beside the 600
        {
            var all = await factory.Db(read).Matters.AsNoTracking().Where(m => m.Id < 90_000_000).ToListAsync();
            return all.Count(m => clock.LightOf(m, now) == light);
        }
        var overdueSql = (await rows.Where(MatterClock.Overdue(now)).Select(m => m.Id).ToListAsync()).Order().ToList();
        Assert.Equal(loaded.Where(m => MatterClock.IsOverdue(m.Status, m.DueAt, m.PausedAt, now)).Select(m => m.Id).Order().ToList(), overdueSql);
        var shortSql = (await rows.Where(LightRule.Where(LightRule.TimeRunningShort<Matter>(), at)).Select(m => m.Id).ToListAsync()).Order().ToList();
        Assert.Equal(loaded.Where(m => LightRule.IsTimeRunningShort(m, at)).Select(m => m.Id).Order().ToList(), shortSql);
        // Each matter has at most one light, and the edges fall as the rule says.
        Assert.Equal(Light.Yellow, clock.LightOf(loaded.Single(m => m.Id == 90_000_000), now));
        Assert.Equal(Light.Yellow, clock.LightOf(loaded.Single(m => m.Id == 90_000_001), now));
        Assert.Equal(Light.Yellow, clock.LightOf(loaded.Single(m => m.Id == 90_000_002), now));
        Assert.Equal(Light.Green, clock.LightOf(loaded.Single(m => m.Id == 90_000_003), now));
        Assert.Equal(Light.Yellow, clock.LightOf(loaded.Single(m => m.Id == 90_000_004), now));
    }
}
