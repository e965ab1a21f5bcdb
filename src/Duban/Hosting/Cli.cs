using System.Globalization;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Auth;
using Duban.Features.Calendar;
using Duban.Features.Demo;
using Duban.Features.Dispatching;
using Duban.Features.Figures;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Supervision;
using Duban.Features.Units;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;

namespace Duban.Hosting;

public static class Cli
{
    /// <summary>The overall help (<c>--help</c>): every verb of <see cref="CliVerbs.All"/> with what it does, and the configuration.</summary>
    public static readonly string Help = $"""
        Duban 督办 — supervision case system

        usage: dotnet run --project src/Duban [-- VERB ...] [--urls http://127.0.0.1:5080]

        {CliCommandLine.VerbLines(CliVerbs.All)}
          VERB --help, -h            the verb's options; an option a verb does not take is refused
                                     (exit 64, naming it) before anything is done
          --help                     this text

        configuration (appsettings.json, environment DUBAN__..., or --Duban:...=... / --Duban:... VALUE):
          DUBAN_DATA_DIR             data directory (SQLite file, key files); default ./data
          Duban:Database:Provider    sqlite (default) | postgres
          Duban:Database:ConnectionString
          DUBAN_DEMO_PASSWORD        password of every demo account (else one is generated)
          DUBAN_BACKUP_PASSPHRASE    encrypts the keys a backup exports (at least 12 characters)
        """;

    /// <summary>
    /// The value after <paramref name="name"/> among <paramref name="args"/> (`--count 2000`), or null: for the
    /// benchmarks' own command (bench/Duban.Bench). Duban's verbs read theirs from <see cref="CliCall"/>.
    /// </summary>
    public static string? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    /// <summary>Parses the command line against the verbs declared in <see cref="CliVerbs"/>, then runs the verb (the web host by default).</summary>
    public static Task<int> RunAsync(string[] args) => CliCommandLine.RunAsync(args, CliVerbs.All, Help);

    internal static async Task<int> ServeAsync(CliCall call)
    {
        // Settings ship beside the executable (appsettings.json), wherever it is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = call.Configuration, ContentRootPath = AppContext.BaseDirectory });
        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls("http://127.0.0.1:5080");
        // The host's own start lines (listening on, started, environment, content root) are said once by the line
        // below, and would otherwise follow the demo's framed accounts (the console logger writes behind).
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.AddDuban();
        builder.Services.AddDubanWeb();
        builder.AddDubanTelemetry();
        var app = builder.Build();
        app.UseDuban();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            Console.WriteLine($"Duban 督办 is serving on {string.Join(", ", addresses)} (data: {DubanServices.DataDirectory(app.Configuration)})");
            // A first start that loaded the demo: its accounts and password last, framed, with the addresses to open.
            if (app.Services.GetRequiredService<DemoFirstStart>().Seeded is { } seeded) DemoSeeder.PrintAccounts(seeded, Console.Out, addresses);
        });
        await app.RunAsync();
        return 0;
    }

    /// <summary>Runs a verb with Duban's services and an up-to-date schema, without the web host.</summary>
    internal static async Task<int> WithServicesAsync(CliCall call, Func<IServiceProvider, CliCall, Task<int>> verb, bool writes = true)
    {
        using var host = BuildVerbHost(call.Configuration);
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        await Schema.MigrateAsync(db);
        // A verb that appends events with another key than the chain's would fork it, as a node would.
        if (writes && await Features.Sealing.DeploymentChecks.RunAsync(scope.ServiceProvider) is { } refused)
        {
            await Console.Error.WriteLineAsync("wrong keys: " + refused);
            return 3;
        }
        return await verb(scope.ServiceProvider, call);
    }

    /// <summary>Duban's services for a verb, without the web host: the command line's configuration (<see cref="CliCall.Configuration"/>), logs on standard error.</summary>
    internal static IHost BuildVerbHost(string[] configuration)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = configuration,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A verb's standard output is its answer (geo resolve writes JSON lines): logs go to standard error.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddDuban();
        return builder.Build();
    }

    internal static async Task<int> AuditVerifyAsync(IServiceProvider sp, CliCall call)
    {
        // Verification never makes a key: a missing one is a setup error, not a fresh start.
        var configuration = sp.GetRequiredService<IConfiguration>();
        var keyFile = Path.Combine(DubanServices.DataDirectory(configuration), "keys", "audit.key");
        if (string.IsNullOrWhiteSpace(configuration["Duban:Audit:Key"]) && !File.Exists(keyFile))
        {
            await Console.Error.WriteLineAsync($"no audit key: set Duban:Audit:Key or provide {keyFile}");
            return 3;
        }
        var db = sp.GetRequiredService<DubanDb>();
        var key = sp.GetRequiredService<AuditKey>();
        if (!await AuditVerifier.KeyMatchesAsync(db, key, record: false))
        {
            await Console.Error.WriteLineAsync("wrong audit key: it does not sign this database's chain (nothing is known to be altered)");
            return 3;
        }
        // The heads anchored outside the database, and the raisers sealed under the deployment's seal key (issue 17).
        var with = new VerifyWith(AuditAnchors.PathOf(configuration), sp.GetRequiredService<Features.Sealing.Sealer>());
        var report = await AuditVerifier.VerifyAsync(db, key, sp.GetRequiredService<Features.Matters.MatterClock>(), with);
        if (report.Intact)
        {
            Console.WriteLine($"audit chain intact: {report.EventCount} events, {report.MatterCount} matters verified, {report.AnchorLines} anchored heads read from {with.AnchorFile}");
            return 0;
        }
        await Console.Error.WriteLineAsync($"audit chain BROKEN after {report.EventCount} good events: {report.FirstProblem}");
        return 2;
    }

    internal static async Task<int> DemoResetAsync(IServiceProvider sp, CliCall call)
    {
        if (!call.Has("--yes") && !Console.IsInputRedirected)
        {
            Console.Write("This deletes ALL matters, events, users and units, then loads the demo. Type 'reset' to go on: ");
            if (Console.ReadLine()?.Trim() != "reset") return 1;
        }
        else if (!call.Has("--yes"))
        {
            await Console.Error.WriteLineAsync("demo reset deletes all data; pass --yes to confirm");
            return 1;
        }
        var db = sp.GetRequiredService<DubanDb>();
        await Schema.DropAllAsync(db);
        await Schema.MigrateAsync(db);
        sp.GetRequiredService<UnitDirectory>().Invalidate();
        var seeded = await sp.GetRequiredService<DemoSeeder>().SeedAsync();
        DemoSeeder.PrintAccounts(seeded, Console.Out);
        return 0;
    }

    internal static async Task<int> UnitsImportAsync(IServiceProvider sp, CliCall call)
    {
        var file = call.Words.Count > 0 ? call.Words[0] : null;
        IReadOnlyList<UnitRecord> records;
        try
        {
            if (file is null) records = ImportUnits.ReadBuiltIn();
            else
            {
                await using var stream = File.OpenRead(file);
                records = ImportUnits.Read(stream);
            }
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"cannot read units from {file}: {ex.Message}");
            return 65;
        }
        var result = await sp.GetRequiredService<ImportUnits>().ExecuteAsync(records, Actor.System());
        if (!result.IsSuccess)
        {
            await Console.Error.WriteLineAsync(result.Error!.Message);
            return 65;
        }
        Console.WriteLine($"imported {result.Value} new units of {records.Count} ({file ?? "the built-in Jiangmen units"})");
        return 0;
    }

    /// <summary>
    /// `users add`: the same account rules as the administrators' API and pages (Features/Users,
    /// UserChanges), as the system, a city-wide administrator. Exit 64 for a usage error, 65 for a unit
    /// that does not exist or a username taken.
    /// </summary>
    internal static async Task<int> UsersAddAsync(IServiceProvider sp, CliCall call)
    {
        var username = call.Value("--username");
        var unit = call.Value("--unit");
        var roles = call.Value("--roles");
        if (username is null || unit is null || roles is null)
        {
            await Console.Error.WriteLineAsync("users add needs --username, --unit and --roles");
            return 64;
        }
        var given = call.Value("--password") ?? Environment.GetEnvironmentVariable("DUBAN_NEW_PASSWORD");
        var request = new Features.Users.AddUserRequest(username, call.Value("--name") ?? username, unit,
            [.. DubanAuthenticationHandler.ParseRoles(roles)], given);
        var system = Actor.System(territory: sp.GetRequiredService<AdminScope>().Home);
        var result = await sp.GetRequiredService<Features.Users.UserChanges>().AddAsync(request, system);
        if (!result.IsSuccess)
        {
            await Console.Error.WriteLineAsync(result.Error!.Message);
            return result.Error.Code is "unknown_unit" || result.Error.Status == 409 ? 65 : 64;
        }
        var (user, generated) = result.Value!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"added {user.Username} ({string.Join(',', user.Roles)}) in {user.UnitCode}")
            + (generated is null ? "" : $"; password: {generated}"));
        return 0;
    }
}
