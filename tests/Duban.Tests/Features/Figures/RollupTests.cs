using System.Globalization;
using System.Text.Json;
using Duban.Features.Figures;
using Duban.Features.Tally;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Figures;

/// <summary>
/// The three rates from the monthly rollup (Features/Tally, <see cref="TallyRates"/>) against the same figures
/// counted from the records, over a random history: matters of 台山 and 恩平 (complaints, instructions, confidential
/// reports about 台山's government and its 人社局) dispatched, returned (improperly or not), signed in time or late,
/// completed, approved, given feedback (some in an excluded category), reopened, left open past their deadline,
/// across four months. At three moments every reader's figures (the city, a leader, two counties, a handler) for
/// months, a quarter and the year, by county, town and department, of all matters and of one kind, must be equal.
/// The seed is in the message of a failure; DUBAN_TEST_SEED replays it.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class RollupTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private static readonly string[] Towns = ["440781115", "440785100", "440785101"]; // 川岛镇, 横陂镇, 圣堂镇
    private static readonly string[] Units = [.. Towns, "440781-rsj"];                 // and 台山's 人社局
    private static readonly string[] Readers = ["supervisor", "leader", "s-440781", "s-440785", "h-440785100"];
    private static readonly string[] Periods = ["2026-09", "2026-10", "2026-11", "2026-Q4", "2026"];

    private sealed class Held(long id, string lead)
    {
        public long Id { get; } = id;
        public string Lead { get; set; } = lead;
        public string State { get; set; } = "dispatched";
    }

    [Fact]
    public async Task Rollup_OverARandomHistory_EqualsTheRecords_ForEveryReaderPeriodRankAndKind()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("DUBAN_TEST_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Random.Shared.Next();
        var random = new Random(seed);
        await using var app = DubanFactory.StartingAt(new DateTimeOffset(2026, 9, 1, 9, 0, 0, China));
        app.Settings["Duban:Figures:ExcludedCategories:0"] = "其他";
        await app.InitializeAsync();
        var desk = app.Desk;
        var held = new List<Held>();
        DateTimeOffset Now() => app.Clock.GetUtcNow();
        T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        for (var step = 1; step <= 36; step++)
        {
            desk.MoveTo(Now().AddHours(random.Next(6, 72)));
            for (var i = random.Next(1, 4); i > 0; i--)
            {
                var roll = random.Next(10);
                var open = held.Where(h => h.State != "closed").ToList();
                if (roll < 3 || open.Count == 0)
                {
                    var town = Pick(Towns);
                    var category = random.Next(5) == 0 ? "其他/政策咨询" : "城市管理/市容环境";
                    var kind = random.Next(6);
                    var matter = kind switch
                    {
                        0 => NewMatter.Task("限期整改占道经营", "按要求限期整改到位。", category).Via("instruction").In(town),
                        1 => NewMatter.Report(Pick(new[] { "440781", "440781-rsj" })).In("440781115"),
                        _ => NewMatter.Plain($"第{step}批反映事项", town, category),
                    };
                    // A report goes to a unit outside the one it is about (恩平's towns).
                    var lead = kind == 1 ? Pick(Towns[1..]) : Pick(Units);
                    var id = await desk.Matter(matter).Lead(lead).Due(Now().AddDays(random.Next(2, 25))).DispatchedAsync();
                    var made = new Held(id, lead);
                    held.Add(made);
                    if (random.Next(5) == 0)
                    {
                        // A return within its window: sent back to the same unit (improper) or on to another.
                        desk.MoveTo(Now().AddHours(random.Next(0, 20)));
                        await desk.Handler(lead).Do(id, "return", new { reason = "不属本单位职责" }, reader: desk.Dispatcher);
                        made.Lead = random.Next(2) == 0 ? lead : Pick(Towns[1..].Where(u => u != lead).ToList());
                        await desk.Dispatcher.Do(id, "dispatch", new { leadUnitCode = made.Lead, dueAt = Now().AddDays(random.Next(2, 20)), note = "重新交办" });
                    }
                    continue;
                }
                var h = Pick(open);
                var handler = desk.Handler(h.Lead);
                switch (h.State)
                {
                    case "dispatched":
                        await handler.Do(h.Id, "accept", reader: desk.Dispatcher);
                        h.State = "in_progress";
                        break;
                    case "in_progress" when roll < 8:
                        await handler.Do(h.Id, "complete", new { outcome = "已处理完毕。" }, reader: desk.Dispatcher);
                        await desk.Dispatcher.Do(h.Id, "approve");
                        h.State = "closed";
                        if (random.Next(3) > 0)
                        {
                            await desk.Dispatcher.Do(h.Id, "feedback",
                                new { resolved = random.Next(3) > 0, satisfaction = Pick(new[] { "satisfied", "basically_satisfied", "dissatisfied" }) });
                        }
                        break;
                }
                var closed = held.Where(x => x.State == "closed").ToList();
                if (roll == 9 && closed.Count > 0)
                {
                    var again = Pick(closed);
                    await desk.Supervisor.Do(again.Id, "reopen", new { reason = "群众反映问题仍未解决", dueAt = Now().AddDays(10) });
                    again.State = "in_progress";
                }
            }
            if (step % 12 == 0) await AssertRollupEqualsRecordsAsync(app, seed, step);
        }
    }

    private static async Task AssertRollupEqualsRecordsAsync(DubanFactory app, int seed, int step)
    {
        await using (var scope = app.Scope()) await scope.ServiceProvider.GetRequiredService<Tallies>().CatchUpAsync(default);
        var counted = new List<string>();
        foreach (var reader in Readers) counted.Add(await ReadAsync(app, reader, fromCounters: !reader.StartsWith("h-", StringComparison.Ordinal)));
        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            var state = await db.Set<TallyState>().SingleAsync();
            var countedAt = state.CountedAt;
            state.CountedAt = countedAt.AddDays(-1);
            await db.SaveChangesAsync();
            foreach (var (reader, fromCounters) in Readers.Zip(counted))
                Assert.True(await ReadAsync(app, reader, fromCounters: false) == fromCounters, $"seed {seed}, step {step}: {reader}'s figures differ from the records");
            state.CountedAt = countedAt;
            await db.SaveChangesAsync();
        }
        await using (var scope = app.Scope())
        {
            var report = await scope.ServiceProvider.GetRequiredService<Tallies>().VerifyAsync(default);
            Assert.True(report.Intact, $"seed {seed}, step {step}: " + string.Join("; ", report.Differences.Take(5)));
        }
    }

    /// <summary>Every figure the reader may read, as JSON; whether it came from the counters is asserted.</summary>
    private static async Task<string> ReadAsync(DubanFactory app, string reader, bool fromCounters)
    {
        await using var scope = app.Scope();
        var actor = await app.Desk.ActorAsync(scope, reader);
        var figures = scope.ServiceProvider.GetRequiredService<UnitFigures>();
        var views = new List<FiguresView>();
        foreach (var period in Periods)
        {
            if (reader.StartsWith("h-", StringComparison.Ordinal))
            {
                views.Add((await figures.UnitAsync(reader[2..], period, null, null, actor, default)).Value!);
                continue;
            }
            foreach (var rank in new[] { "county", "town", "department" })
            {
                views.Add((await figures.RankAsync(period, rank, null, null, actor, default)).Value!);
                views.Add((await figures.RankAsync(period, rank, "task", null, actor, default)).Value!);
            }
            if (await figures.UnitAsync("440781-rsj", period, null, "instruction", actor, default) is { IsSuccess: true } unit) views.Add(unit.Value!);
        }
        Assert.All(views, v => Assert.Equal(fromCounters, v.AsOf is not null));
        return JsonSerializer.Serialize(views.Select(v => v.Rows));
    }
}
