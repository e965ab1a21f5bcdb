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
/// `bench lists`: fills a database with a year of N matters (<see cref="RealisticMatters"/>) and measures the
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
        await RealisticMatters.FillAsync(host.Services, count);
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
}
