using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Units;
using Duban.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Duban.Bench;

/// <summary>
/// `bench lists`: fills a database with N matters spread over the Jiangmen units and measures the
/// list query (<see cref="MatterQueries.ListAsync"/>, the API's own) for each kind of user, first
/// page and a filtered page, median of repeated runs. Never run as a test.
/// </summary>
public static class ListBench
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var count = int.Parse(Cli.Option(args, "--count") ?? "200000", CultureInfo.InvariantCulture);
        await using var bench = await BenchHost.StartAsync(args, "lists", output);
        if (bench is null) return 64;
        var host = bench.Host;
        var provider = bench.Provider;
        var fill = Stopwatch.StartNew();
        await FillAsync(host.Services, count);
        output.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"database: {provider}, {count} matters (filled in {fill.Elapsed.TotalSeconds:F0} s)"));
        output.WriteLine("user                  | query                          | median ms | total");
        foreach (var (user, label) in new[] { ("dispatcher", "city dispatcher"), ("s-440781", "county supervisor 台山"), ("h-440781115", "town handler 川岛镇"), ("h-440781-rsj", "county bureau handler") })
        {
            foreach (var (filter, name) in new[]
            {
                (new MatterFilter(null, null, null, null, 1, 20), "first page"),
                (new MatterFilter("in_progress", null, null, null, 1, 20), "status=in_progress"),
                (new MatterFilter(null, null, true, null, 1, 20), "overdue=true"),
                (new MatterFilter(null, null, null, null, 1, 20, Light: "red"), "light=red"),
                (new MatterFilter(null, null, null, null, 1, 20, Light: "yellow"), "light=yellow"),
                (new MatterFilter(null, null, null, null, 50, 20), "page 50"),
            })
            {
                var (ms, total) = await TimeAsync(bench, user, filter);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label,-21} | {name,-30} | {ms,9:F1} | {total}"));
            }
        }
        return 0;
    }

    private static async Task<(double Ms, int Total)> TimeAsync(BenchHost bench, string username, MatterFilter filter)
    {
        var times = new List<double>();
        var total = 0;
        for (var run = 0; run < 7; run++)
        {
            var actor = await bench.ActorAsync(username);
            await using var scope = bench.Services.CreateAsyncScope();
            var queries = scope.ServiceProvider.GetRequiredService<MatterQueries>();
            var watch = Stopwatch.StartNew();
            var page = await queries.ListAsync(filter, actor, default);
            watch.Stop();
            total = page.Value!.Total;
            if (run > 0) times.Add(watch.Elapsed.TotalMilliseconds); // the first run compiles the query
        }
        times.Sort();
        return (times[times.Count / 2], total);
    }

    /// <summary>
    /// Matters spread over the demo's units and towns, in every state, with their assignments.
    /// Written with <see cref="SqlBatch"/> in transactions of 2,000; no events (lists do not read them).
    /// </summary>
    internal static async Task FillAsync(IServiceProvider services, int count)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var units = (await scope.ServiceProvider.GetRequiredService<UnitDirectory>().AllAsync()).Values
            .Where(u => u.TerritoryCode != "440700" || u.Kind == "department").OrderBy(u => u.Code, StringComparer.Ordinal).ToArray();
        var numbers = scope.ServiceProvider.GetRequiredService<RegisterNumbers>();
        var random = new Random(20261122);
        var now = DateTimeOffset.UtcNow;
        var statuses = Status.All;
        for (var done = 0; done < count;)
        {
            var n = Math.Min(2000, count - done);
            await using var tx = await db.Database.BeginTransactionAsync();
            var ids = await numbers.NextAsync(now, n, default);
            var matters = new List<Matter>(n);
            var assignments = new List<Assignment>(n);
            for (var i = 0; i < n; i++)
            {
                var unit = units[random.Next(units.Length)];
                var status = statuses[random.Next(statuses.Length)];
                var received = Clock.Normalize(now.AddMinutes(-random.Next(0, 60 * 24 * 365 * 2)));
                var assigned = status is not (Status.Received or Status.Rejected or Status.Returned);
                matters.Add(new Matter
                {
                    Id = ids[i].Id,
                    Number = ids[i].Number,
                    Kind = "complaint",
                    Channel = "phone",
                    Title = "测试事项 " + ids[i].Number,
                    Content = "用于列表基准的事项。",
                    TerritoryCode = unit.TerritoryCode,
                    CountyCode = Matter.CountyOf(unit.TerritoryCode),
                    Urgency = "normal",
                    ReceivedAt = received,
                    RegisteredAt = received,
                    Status = status,
                    LeadUnitCode = assigned ? unit.Code : null,
                    DueAt = assigned ? received.AddDays(15) : null,
                    // A clock as dispatch starts it: yellow at three quarters of the time.
                    TimePolicy = assigned ? "hotline-complex" : null,
                    ClockStartedAt = assigned ? received : null,
                    YellowAt = assigned ? received.AddHours(15 * 24 * 0.75) : null,
                    // The light's warning point, as the clock derives it: the lead's signing deadline while it has not signed.
                    WarnAt = status == Status.Dispatched ? received.AddDays(1).AddMilliseconds(1) : null,
                    UpdatedAt = received,
                    Version = 1,
                });
                if (assigned)
                {
                    assignments.Add(new Assignment { MatterId = ids[i].Id, UnitCode = unit.Code, UnitTerritoryCode = unit.TerritoryCode, Role = "lead", AssignedAt = received, SignDueAt = received.AddDays(1), Active = true });
                    // One in fifty also has a co-handling unit of another county, so that county lists merge two parts.
                    if (random.Next(50) == 0 && units[random.Next(units.Length)] is { } co && co.Code != unit.Code)
                    {
                        assignments.Add(new Assignment
                        {
                            MatterId = ids[i].Id,
                            UnitCode = co.Code,
                            UnitTerritoryCode = co.TerritoryCode,
                            Role = "co",
                            AssignedAt = received,
                            Active = true,
                            CrossesCounty = Assignment.Crosses(co.TerritoryCode, Matter.CountyOf(unit.TerritoryCode)),
                        });
                    }
                }
            }
            await new SqlBatch(db).Insert(matters).Insert(assignments).ExecuteAsync(default);
            await tx.CommitAsync();
            done += n;
        }
        await db.Database.ExecuteSqlRawAsync(db.IsPostgres ? "ANALYZE" : "ANALYZE");
        // The generated matters have no events: the dashboard's counters are counted again from the records (Features/Tally).
        await scope.ServiceProvider.GetRequiredService<Features.Tally.Tallies>().RebuildAsync(default);
    }
}
