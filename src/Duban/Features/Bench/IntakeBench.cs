using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Duban.Common;
using Duban.Data;
using Duban.Features.Auth;
using Duban.Features.Demo;
using Duban.Features.Matters;
using Duban.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Bench;

/// <summary>
/// `bench intake`: durable matter creation per second through RegisterMatter (the API's code
/// path: validation, numbering, sealing, the matter row, its hash-chained event, one transaction
/// each), beside the raw rate of single-row insert transactions of the same row shape into the
/// same database in the same run. Never run as a test.
/// </summary>
public static class IntakeBench
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        string? Opt(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var count = int.Parse(Opt("--count") ?? "2000", CultureInfo.InvariantCulture);
        var provider = Opt("--provider") ?? "sqlite";
        var dir = Path.Combine(Path.GetTempPath(), "duban-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new Dictionary<string, string?>
        {
            ["Duban:DataDirectory"] = dir,
            ["Duban:Database:Provider"] = provider,
            ["Duban:Database:ConnectionString"] = Opt("--connection"),
            ["Duban:Demo:Matters"] = "false",
            ["Duban:Demo:Password"] = "bench-password",
        };
        var builder = Host.CreateApplicationBuilder([]);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDuban();
        using var host = builder.Build();
        try
        {
            Actor actor;
            await using (var scope = host.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
                if (provider == "postgres") await Schema.DropAllAsync(db);
                await Schema.MigrateAsync(db);
                await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
                var id = await db.Users.Where(u => u.Username == "dispatcher").Select(u => u.Id).SingleAsync();
                actor = (await DubanAuthenticationHandler.LoadActorAsync(db, id, default))!;
                await db.Database.ExecuteSqlRawAsync(provider == "postgres"
                    ? "CREATE TABLE bench_raw AS SELECT * FROM matters WITH NO DATA"
                    : "CREATE TABLE bench_raw AS SELECT * FROM matters WHERE 0");
            }

            var warmup = Math.Min(100, count / 10);
            await RawAsync(host.Services, warmup, 0);
            await DubanAsync(host.Services, actor, warmup, 0);
            // Alternate halves so that neither side alone meets a checkpoint or a cold cache.
            double raw = 0, duban = 0;
            for (var round = 0; round < 2; round++)
            {
                raw += await RawAsync(host.Services, count / 2, warmup + round * count);
                duban += await DubanAsync(host.Services, actor, count / 2, round);
            }
            var rawRate = count / raw;
            var dubanRate = count / duban;
            output.WriteLine($"machine: {Environment.ProcessorCount} cores, {CpuModel()}, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
            output.WriteLine($"database: {provider}{(provider == "sqlite" ? " (WAL, synchronous=FULL)" : "")}, {count} matters each side, one transaction per matter");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw insert:      {rawRate,10:F0} rows/s"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"duban register:  {dubanRate,10:F0} matters/s"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio:           {dubanRate / rawRate,10:P0} of raw (goal >= 80%, and >= 1000 matters/s)"));
            return 0;
        }
        finally
        {
            if (provider == "sqlite")
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            }
        }
    }

    private static async Task<double> DubanAsync(IServiceProvider services, Actor actor, int n, int round)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            await using var scope = services.CreateAsyncScope();
            var register = scope.ServiceProvider.GetRequiredService<RegisterMatter>();
            var result = await register.ExecuteAsync(Command(i + round * n), actor, issueQueryCode: true);
            if (!result.IsSuccess) throw new InvalidOperationException(result.Error!.Message);
        }
        return watch.Elapsed.TotalSeconds;
    }

    private static RegisterCommand Command(int i) => new("complaint", "phone", $"外海街道龙溪路噪音扰民 {i}",
        "夜间施工噪音持续到凌晨，影响居民休息，请有关部门尽快处理。", "江海区外海街道龙溪路88号", "环境保护", "normal", null, false,
        new RaiserInput("陈女士", "13800138000"), TerritoryCode: "440704");

    private static async Task<double> RawAsync(IServiceProvider services, int n, int offset)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var conn = db.Database.GetDbConnection();
        await conn.OpenAsync();
        try
        {
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = """
                INSERT INTO bench_raw (id, number, kind, channel, title, content, location, territory_code, category, urgency, received_at,
                  registered_at, raiser_anonymous, raiser_sealed, confidential, status, progress, urge_count, return_count, reopen_count,
                  query_code_hash, updated_at, version)
                VALUES (@id, @number, 'complaint', 'phone', @title, @content, @location, '440704', '环境保护', 'normal', @t, @t, @f,
                  @sealed, @f, 'received', 0, 0, 0, 0, @hash, @t, 1)
                """;
            var isPg = db.IsPostgres;
            DbParameter P(string name)
            {
                var p = cmd.CreateParameter();
                p.ParameterName = name;
                cmd.Parameters.Add(p);
                return p;
            }
            var id = P("@id"); var number = P("@number"); var title = P("@title"); var content = P("@content");
            var location = P("@location"); var t = P("@t"); var f = P("@f"); var sealedP = P("@sealed"); var hash = P("@hash");
            content.Value = "夜间施工噪音持续到凌晨，影响居民休息，请有关部门尽快处理。";
            location.Value = "江海区外海街道龙溪路88号";
            f.Value = false;
            sealedP.Value = "v1:" + Convert.ToBase64String(new byte[80]);
            hash.Value = new string('a', 64);
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                await using var tx = await conn.BeginTransactionAsync();
                cmd.Transaction = tx;
                id.Value = (long)(offset + i + 1);
                number.Value = $"RAW-{offset + i + 1:D8}";
                title.Value = $"外海街道龙溪路噪音扰民 {i}";
                t.Value = isPg ? DateTimeOffset.UtcNow : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                await cmd.ExecuteNonQueryAsync();
                await tx.CommitAsync();
            }
            return watch.Elapsed.TotalSeconds;
        }
        finally
        {
            await conn.CloseAsync();
        }
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
