using Duban.Common;
using Duban.Data;
using Duban.Features.Auth;
using Duban.Features.Demo;
using Duban.Features.Geo;
using Duban.Features.Units;
using Duban.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Duban.Bench;

/// <summary>
/// Duban's services over a database of the bench's own, with the demo's units and accounts (no
/// matters): SQLite in a temporary directory removed afterwards, or the PostgreSQL database named
/// with --connection, whose Duban tables are dropped first (hence --yes).
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private readonly string directory;

    private BenchHost(IHost host, string provider, string directory)
    {
        Host = host;
        Provider = provider;
        this.directory = directory;
    }

    /// <summary>The line every bench prints first: cores, CPU, operating system, .NET.</summary>
    public static string Machine =>
        $"machine: {Environment.ProcessorCount} cores, {CpuModel()}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown CPU";
        }
    }

    public IHost Host { get; }
    public string Provider { get; }
    public IServiceProvider Services => Host.Services;

    /// <summary>Null (after saying why) when the arguments do not allow the run.</summary>
    public static async Task<BenchHost?> StartAsync(string[] args, string verb, TextWriter output, params string[] dropAlso)
    {
        var provider = Cli.Option(args, "--provider") ?? "sqlite";
        if (provider == "postgres" && !args.Contains("--yes"))
        {
            await output.WriteLineAsync($"bench {verb} on PostgreSQL drops Duban's tables in the database given and fills them: pass --yes, and name a database used for nothing else");
            return null;
        }
        var directory = Path.Combine(Path.GetTempPath(), "duban-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Duban:DataDirectory"] = directory,
            ["Duban:Database:Provider"] = provider,
            ["Duban:Database:ConnectionString"] = Cli.Option(args, "--connection"),
            ["Duban:Demo:Matters"] = "false",
            ["Duban:Demo:Password"] = "bench-password",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDuban();
        var bench = new BenchHost(builder.Build(), provider, directory);
        await using var scope = bench.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        if (provider == "postgres")
        {
            await Schema.DropAllAsync(db);
            foreach (var table in dropAlso)
            {
#pragma warning disable EF1002 // the bench's own table names, never input
                await db.Database.ExecuteSqlRawAsync($"DROP TABLE IF EXISTS {table}");
#pragma warning restore EF1002
            }
        }
        await Schema.MigrateAsync(db);
        await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
        // Registration resolves places: load the divisions now (as a node does at start-up), not in the first timed call.
        _ = bench.Services.GetRequiredService<GeoService>().Gazetteer;
        return bench;
    }

    public async Task<Actor> ActorAsync(string username)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var id = await db.Users.Where(u => u.Username == username).Select(u => u.Id).SingleAsync();
        return (await DubanAuthenticationHandler.LoadActorAsync(db, scope.ServiceProvider.GetRequiredService<UnitDirectory>(), id, default))!;
    }

    public async ValueTask DisposeAsync()
    {
        Host.Dispose();
        if (Provider != "sqlite") return;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        await Task.CompletedTask;
    }
}
