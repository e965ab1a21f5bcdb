using Duban.Data;
using Duban.Features.Dispatching;
using Duban.Features.Matters;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Dispatching;

/// <summary>
/// The queue's possible duplicates read for a whole page at once (<see cref="Duplicates.FindManyAsync"/>, issue 15)
/// are exactly those found one matter at a time (<see cref="Duplicates.FindAsync"/>), on a generated set: several
/// towns, their villages and a county placed higher, matters in every state, sub-tasks, confidential reports about
/// the county's government, more than 300 open candidates in one window (the cap), texts near the threshold; for
/// the city's dispatcher and a county's supervisor (who sees neither other counties nor the reports about their
/// county). Its own deployment: the set is written straight to the table, without events.
/// </summary>
[Trait("Category", "Database")]
public sealed class DuplicatesBatchTests
{
    private static readonly string[] Phrases =
    [
        "村口路灯坏了一个多月", "晚上一片漆黑老人出行很危险", "垃圾桶满了好几天没人清运", "臭气熏天蚊蝇滋生", "工厂夜间施工噪音扰民",
        "道路坑洼下雨全是积水", "摩托车经常摔倒", "老板拖欠三个月工资不发", "排水沟堵塞污水横流", "违章搭建占用消防通道",
        "码头附近乱停乱放", "自来水发黄有异味",
    ];

    /// <summary>川岛镇 and two of its villages, 台城街道, the county 台山市 itself, and 恩平市横陂镇 (another county).</summary>
    private static readonly string[] Places = ["440781115", "440781115201", "440781115202", "440781001", "440781", "440785100"];

    private static readonly string[] States =
        [Status.Received, Status.Returned, Status.Dispatched, Status.InProgress, Status.PendingReview, Status.Closed, Status.Rejected, Status.Merged];

    [Fact]
    public async Task FindManyAsync_EqualsFindAsync_MatterByMatter_OnAGeneratedSet()
    {
        await using var app = new DubanFactory();
        app.Settings["Duban:Demo:Matters"] = "false";
        await app.InitializeAsync();
        var now = app.Clock.GetUtcNow();
        var random = new Random(15);
        var made = new List<Matter>();
        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            Matter New(int i, string place, DateTimeOffset received, string status)
            {
                var words = Enumerable.Range(0, 2 + random.Next(3)).Select(_ => Phrases[random.Next(Phrases.Length)]).ToList();
                var m = new Matter
                {
                    Id = 1_000_000_000 + i, // far above what registration allocates (RegisterNumbers): nothing is registered after
                    Number = $"DUP-2026-{i:D6}",
                    Kind = "complaint",
                    Channel = "hotline",
                    Title = words[0],
                    Content = string.Join("，", words.Skip(1)) + "。",
                    Urgency = "normal",
                    ReceivedAt = received,
                    RegisteredAt = received,
                    Status = status,
                    UpdatedAt = received,
                    Version = 1,
                };
                m.SetTerritory(place);
                return m;
            }
            // 1,000 matters over ±200 days, every one at its own second; 700 of them in 川岛镇 and its villages within 120 days.
            for (var i = 0; i < 1000; i++)
            {
                var place = i < 700 ? Places[random.Next(3)] : Places[random.Next(Places.Length)];
                var days = i < 700 ? random.Next(-60, 60) : random.Next(-200, 200);
                var m = New(i, place, now.AddDays(days).AddSeconds(i), States[random.Next(States.Length)]);
                if (i % 17 == 0) (m.Confidential, m.SubjectUnitCode) = (true, "440781");
                made.Add(m);
            }
            db.Matters.AddRange(made);
            await db.SaveChangesAsync();
            // Sub-tasks of some of them: never candidates.
            var parents = made.Where((_, i) => i % 29 == 0).ToList();
            var children = parents.Select((p, i) => New(2000 + i, p.TerritoryCode!, p.ReceivedAt.AddMinutes(1), Status.InProgress)).ToList();
            foreach (var (child, parent) in children.Zip(parents)) (child.ParentId, child.Title, child.Content) = (parent.Id, parent.Title, parent.Content);
            db.Matters.AddRange(children);
            await db.SaveChangesAsync();
        }

        // The queue's first page (the oldest), and two pages from the dense window, each with a matter with no
        // place and one placed at the county.
        var waiting = made.Where(m => m.Status is Status.Received or Status.Returned).OrderBy(m => m.ReceivedAt).ThenBy(m => m.Id).Select(m => m.Id).ToList();
        Assert.True(waiting.Count > 100, $"{waiting.Count} waiting");
        var unplaced = made.First(m => m.TerritoryCode == "440781").Id;
        var county = made.Last(m => m.TerritoryCode == "440781").Id;
        await using (var scope = app.Scope())
        {
            await app.Db(scope).Matters.Where(m => m.Id == unplaced).ExecuteUpdateAsync(s => s.SetProperty(m => m.TerritoryCode, (string?)null));
        }
        var dense = waiting.Skip(20).OrderBy(_ => random.Next()).ToList();
        var pages = new[] { waiting.Take(20), dense.Take(20), dense.Skip(20).Take(20) }
            .Select(p => p.Append(unplaced).Append(county).Distinct().ToList()).ToList();

        var compared = 0;
        var withDuplicates = 0;
        foreach (var username in new[] { "dispatcher", "s-440781" })
        {
            foreach (var page in pages)
            {
                await using var scope = app.Scope();
                var db = app.Db(scope);
                var actor = await app.Desk.ActorAsync(scope, username);
                var duplicates = scope.ServiceProvider.GetRequiredService<Duplicates>();
                var matters = await db.Matters.AsNoTracking().Where(m => page.Contains(m.Id)).ToListAsync();
                var batched = await duplicates.FindManyAsync(matters, actor, 5, default);
                Assert.Equal(matters.Count, batched.Count);
                foreach (var m in matters)
                {
                    var one = await duplicates.FindAsync(m, actor, 5, default);
                    Assert.Equal(one, batched[m.Id]);
                    compared++;
                    if (one.Count > 0) withDuplicates++;
                    // The county's supervisor sees neither another county's matters nor the reports about its own county.
                    if (username == "s-440781")
                    {
                        var seen = await db.Matters.AsNoTracking().Where(x => one.Select(d => d.Id).Contains(x.Id)).ToListAsync();
                        Assert.All(seen, x => Assert.True(x.CountyCode == "440781" && !(x.Confidential && x.SubjectUnitCode == "440781")));
                    }
                }
            }
        }
        Assert.True(withDuplicates > compared / 2, $"{withDuplicates} of {compared} matters have duplicates: the set does not test the ranking");
        // The cap is reached: a matter of the pages in 川岛镇 has more open candidates in its place and window than are compared.
        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            var most = 0;
            foreach (var m in made.Where(m => pages[1].Contains(m.Id) && m.TerritoryCode!.StartsWith(Places[0], StringComparison.Ordinal)))
            {
                var (from, to) = (m.ReceivedAt - Duplicates.Window, m.ReceivedAt + Duplicates.Window);
                most = Math.Max(most, await db.Matters.CountAsync(c => c.ParentId == null && c.TerritoryCode != null && c.TerritoryCode.StartsWith(Places[0])
                    && c.ReceivedAt >= from && c.ReceivedAt <= to && c.Status != Status.Closed && c.Status != Status.Rejected && c.Status != Status.Merged));
            }
            Assert.True(most > 300, $"{most} open candidates at most");
        }
    }
}
