using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Duban.Bench;

/// <summary>
/// `bench intake`: durable matter creation per second through RegisterMatter (the API's code
/// path: validation, numbering, sealing, the matter row, its hash-chained event, group commit),
/// at several numbers of clients at once, beside the raw rate of single-row insert transactions
/// of the same row into the same database in the same run. Never run as a test.
/// </summary>
public static class IntakeBench
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var count = int.Parse(Cli.Option(args, "--count") ?? "2000", CultureInfo.InvariantCulture);
        // Clients sending at once: 1 shows the bare cost of one durable registration; more show
        // what a busy intake gets from group commit (IntakeBatcher). Raw runs at the same level.
        var levels = (Cli.Option(args, "--clients") ?? "1,16").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        await using var bench = await BenchHost.StartAsync(args, "intake", output, "bench_raw", "bench_bare");
        if (bench is null) return 64;
        var host = bench.Host;
        var provider = bench.Provider;
        var actor = await bench.ActorAsync("dispatcher");
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await CreateRawTablesAsync(scope.ServiceProvider.GetRequiredService<DubanDb>());
        }
        var warmup = Math.Min(100, count / 10);
        await RawAsync(host.Services, "bench_raw", warmup, 0, 1);
        await RawAsync(host.Services, "bench_bare", warmup, 0, 1);
        await DubanAsync(host.Services, actor, warmup, 1);
        var offset = warmup;
        output.WriteLine(BenchHost.Machine);
        output.WriteLine($"database: {provider}{(provider == "sqlite" ? " (WAL, synchronous=FULL)" : "")}, {count} matters each side and level, each durable when answered");
        output.WriteLine("clients | raw, bare table rows/s | raw, matters' indexes rows/s | duban register matters/s | duban / raw with indexes");
        foreach (var clients in levels)
        {
            // Alternate halves so that neither side alone meets a checkpoint or a cold cache.
            double bare = 0, raw = 0, duban = 0;
            for (var round = 0; round < 2; round++)
            {
                bare += await RawAsync(host.Services, "bench_bare", count / 2, offset, clients);
                raw += await RawAsync(host.Services, "bench_raw", count / 2, offset, clients);
                offset += count / 2;
                duban += await DubanAsync(host.Services, actor, count / 2, clients);
            }
            var rawRate = count / raw;
            var dubanRate = count / duban;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{clients,7} | {count / bare,21:F0} | {rawRate,28:F0} | {dubanRate,24:F0} | {dubanRate / rawRate,5:P0}"));
        }
        output.WriteLine("goal: duban >= 80% of raw, and >= 1000 matters/s on 2 cores");
        return 0;
    }

    /// <summary>
    /// Two baselines: bench_bare, the matter row's columns with no index at all, and bench_raw,
    /// the same table with every index the matters table has (the queue and list queries need
    /// them). The goal's ratio is taken against bench_raw: the same row, in the same shape of table.
    /// </summary>
    internal static async Task CreateRawTablesAsync(DubanDb db)
    {
        if (db.IsPostgres)
        {
            await db.Database.ExecuteSqlRawAsync("CREATE TABLE bench_bare AS SELECT * FROM matters WITH NO DATA");
            await db.Database.ExecuteSqlRawAsync("CREATE TABLE bench_raw (LIKE matters INCLUDING DEFAULTS INCLUDING INDEXES)");
            return;
        }
        await db.Database.ExecuteSqlRawAsync("CREATE TABLE bench_bare AS SELECT * FROM matters WHERE 0");
        var create = await db.Database.SqlQueryRaw<string>("SELECT sql AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = 'matters'").SingleAsync();
        var indexes = await db.Database.SqlQueryRaw<string>("SELECT sql AS \"Value\" FROM sqlite_master WHERE type = 'index' AND tbl_name = 'matters' AND sql IS NOT NULL").ToListAsync();
#pragma warning disable EF1002 // DDL copied from the schema itself, not from input
        await db.Database.ExecuteSqlRawAsync(create.Replace("CREATE TABLE matters", "CREATE TABLE bench_raw", StringComparison.Ordinal));
        foreach (var index in indexes)
        {
            await db.Database.ExecuteSqlRawAsync(index.Replace(" ON matters", " ON bench_raw", StringComparison.Ordinal)
                .Replace("INDEX ix_", "INDEX bench_ix_", StringComparison.Ordinal).Replace("INDEX ux_", "INDEX bench_ux_", StringComparison.Ordinal));
        }
#pragma warning restore EF1002
    }

    /// <summary>N registrations by that many clients at once; the seconds it took, and each one's milliseconds into <paramref name="latencies"/> if given.</summary>
    internal static async Task<double> DubanAsync(IServiceProvider services, Actor actor, int n, int clients, List<double>? latencies = null)
    {
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) is var i && i < n)
            {
                await using var scope = services.CreateAsyncScope();
                var register = scope.ServiceProvider.GetRequiredService<RegisterMatter>();
                var one = Stopwatch.StartNew();
                var result = await register.ExecuteAsync(Command(i), actor, issueQueryCode: true);
                if (!result.IsSuccess) throw new InvalidOperationException(result.Error!.Message);
                Record(latencies, one);
            }
        })));
        return watch.Elapsed.TotalSeconds;
    }

    private static RegisterCommand Command(int i) => new("complaint", "phone", $"外海街道龙溪路噪音扰民 {i}",
        "夜间施工噪音持续到凌晨，影响居民休息，请有关部门尽快处理。", "江海区外海街道龙溪路88号", "环境保护", "normal", null, false,
        new RaiserInput("陈女士", "13800138000"), TerritoryCode: "440704");

    private static void Record(List<double>? latencies, Stopwatch one)
    {
        if (latencies is null) return;
        lock (latencies) latencies.Add(one.Elapsed.TotalMilliseconds);
    }

    /// <summary>N single-row insert transactions into the table by that many clients at once; the seconds, and each one's milliseconds if asked.</summary>
    internal static async Task<double> RawAsync(IServiceProvider services, string table, int n, int offset, int clients, List<double>? latencies = null)
    {
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
            var conn = db.Database.GetDbConnection();
            await conn.OpenAsync();
            try
            {
                await using var cmd = conn.CreateCommand();
                cmd.CommandText = $"""
                    INSERT INTO {table} (id, number, kind, channel, title, content, location, territory_code, category, urgency, received_at,
                      registered_at, raiser_anonymous, raiser_sealed, confidential, status, progress, urge_count, return_count, reopen_count,
                      query_code_hash, updated_at, version)
                    VALUES (@id, @number, 'complaint', 'phone', @title, @content, @location, '440704', '环境保护', 'normal', @t, @t, @f,
                      @sealed, @f, 'received', 0, 0, 0, 0, @hash, @t, 1)
                    """;
                DbParameter P(string name, object? value = null)
                {
                    var p = cmd.CreateParameter();
                    p.ParameterName = name;
                    p.Value = value;
                    cmd.Parameters.Add(p);
                    return p;
                }
                var id = P("@id"); var number = P("@number"); var title = P("@title"); var t = P("@t");
                P("@content", "夜间施工噪音持续到凌晨，影响居民休息，请有关部门尽快处理。");
                P("@location", "江海区外海街道龙溪路88号");
                P("@f", false);
                P("@sealed", "v1:" + Convert.ToBase64String(new byte[80]));
                P("@hash", new string('a', 64));
                while (Interlocked.Increment(ref next) is var i && i < n)
                {
                    var one = Stopwatch.StartNew();
                    await using var tx = await conn.BeginTransactionAsync();
                    cmd.Transaction = tx;
                    id.Value = (long)(offset + i + 1);
                    number.Value = $"RAW-{offset + i + 1:D8}";
                    title.Value = $"外海街道龙溪路噪音扰民 {i}";
                    t.Value = db.IsPostgres ? DateTimeOffset.UtcNow : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    await cmd.ExecuteNonQueryAsync();
                    await tx.CommitAsync();
                    Record(latencies, one);
                }
            }
            finally
            {
                await conn.CloseAsync();
            }
        })));
        return watch.Elapsed.TotalSeconds;
    }
}
