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
    public const string Help = """
        Duban 督办 — supervision case system

        usage: dotnet run --project src/Duban [-- VERB ...] [--urls http://127.0.0.1:5080]

          serve                      run the web host, API and UI (default)
          audit verify               check the event hash chain and every matter against it;
                                     exit 0 and print the count when intact, exit 2 naming
                                     the first bad event otherwise, 3 without the right key
          demo reset [--yes]         drop ALL data and load the Jiangmen demo again
          units import [FILE]        add the units of a unit file (JSON, as data/demo/jiangmen-units.json;
                                     default: the built-in Jiangmen units) that are not there yet
          users add --username U --unit CODE --roles r1,r2 [--name N] [--password P]
                                     add an account (roles: admin, dispatcher, supervisor,
                                     handler, leader); the password is read from
                                     DUBAN_NEW_PASSWORD or generated and printed
          geo resolve [--explain]    read one text a line on standard input, write one JSON object
                                     a line: the division it names (code, level, path, confidence)
          dispatch suggest           read JSON lines of matters ({"kind","title","content","location",
                                     "subject","receivedAt"}), write one routing suggestion a line
                                     (category, lead unit, co-units, rule, reason, confidence)
          dispatch classify --train FILE.csv
                                     train the category classifier on label,text rows, then answer
                                     texts on standard input ({"category","confidence","alternatives"})
          figures [--period 2026-11|2026-Q4|2026] [--rank county|town|department] [--kind KIND] [--channel CHANNEL]
                  [--format json|csv|xlsx] [--out FILE]
                                     the figures per unit (response, resolution, satisfaction, on-time
                                     rates, overdue, returns, reopenings, score) as the city sees them,
                                     of the matters of one kind or channel (task, instruction...) if given
          figures verify [--repair]  count every matter again from the records and compare with the
                                     dashboard's counters (Features/Tally): exit 0 when equal, 2 naming
                                     each difference; --repair rebuilds the counters (exit 0)
          calendar add-workdays DATE N
                                     the Nth Chinese working day after DATE (YYYY-MM-DD), not
                                     counting DATE; N = 0: DATE if a working day, else the next
          calendar is-workday DATE   yes or no: weekends and public holidays are off, the
                                     adjusted working days (调休) on; both verbs include the
                                     database's added days when the database exists
          calendar days YEAR         the year's days off and adjusted working days, shipped and added
          calendar add-day DATE day_off|workday NAME [--note NOTE]
                                     add a local day off (台风停工) or a day worked, as the system
          calendar add-year YEAR FILE.tsv [--note NOTE]
                                     add a newly announced year's days (format of
                                     data/calendar/holidays.tsv): the year becomes covered
          supervision run            take the due automatic steps once (催办, 督办通知, 提级督办)
                                     and print how many: for cron, with Duban:Supervision:Job off
          supervision policies [FILE]
                                     the time-limit policies in force, or FILE checked (every
                                     problem listed, exit 1) before it is deployed
          search rebuild             write the full-text index of the matters anew (after a bulk load)
          keys rotate [--batch N]    a new seal key (keys/seal-N.key), the old ones kept: every sealed value
                                     is sealed again under it, N a transaction (default 500), audited;
                                     give the new key file to every node, then restart them; run
                                     again after a crash, it finishes the rotation (no other key)
          backup --out DIR           an online, consistent backup into a new directory: the database
                                     (SQLite: VACUUM INTO; PostgreSQL: pg_dump -Fc) and the keys,
                                     encrypted with DUBAN_BACKUP_PASSPHRASE (keys.enc)
          restore --from DIR         fill the EMPTY data directory (DUBAN_DATA_DIR) from a backup, and
                                     on PostgreSQL the empty configured database (pg_restore); the same
                                     DUBAN_BACKUP_PASSPHRASE; exit 73 if not empty, 65 if the passphrase
                                     is wrong or the backup damaged; then run audit verify
          --help                     this text

        configuration (appsettings.json, environment DUBAN__..., or --Duban:...=...):
          DUBAN_DATA_DIR             data directory (SQLite file, key files); default ./data
          Duban:Database:Provider    sqlite (default) | postgres
          Duban:Database:ConnectionString
          DUBAN_DEMO_PASSWORD        password of every demo account (else one is generated)
          DUBAN_BACKUP_PASSPHRASE    encrypts the keys a backup exports (at least 12 characters)
        """;

    /// <summary>The value after <paramref name="name"/> among the verb's arguments (`--count 2000`), or null.</summary>
    public static string? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    public static async Task<int> RunAsync(string[] args)
    {
        var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
        var rest = verb == "serve" && (args.Length == 0 || args[0].StartsWith('-')) ? args : args[1..];
        if (args.Contains("--help") || args.Contains("-h") || verb == "help")
        {
            Console.WriteLine(Help);
            return 0;
        }
        switch (verb)
        {
            case "serve":
                return await ServeAsync(rest);
            case "audit" when rest.Length > 0 && rest[0] == "verify":
                return await WithServicesAsync(rest[1..], AuditVerifyAsync, writes: false);
            case "demo" when rest.Length > 0 && rest[0] == "reset":
                return await WithServicesAsync(rest[1..], (sp, a) => DemoResetAsync(sp, a));
            case "users" when rest.Length > 0 && rest[0] == "add":
                return await WithServicesAsync(rest[1..], UsersAddAsync);
            case "units" when rest.Length > 0 && rest[0] == "import":
                return await WithServicesAsync(rest[1..], UnitsImportAsync);
            case "geo" when rest.Length > 0 && rest[0] == "resolve":
                return await WithServicesAsync(rest[1..], GeoCli.ResolveAsync, writes: false);
            case "dispatch" when rest.Length > 0 && rest[0] == "suggest":
                return await WithServicesAsync(rest[1..], DispatchCli.SuggestAsync, writes: false);
            case "dispatch" when rest.Length > 0 && rest[0] == "classify":
                return await ClassifierCli.RunAsync(rest[1..], Console.In, Console.Out, Console.Error);
            case "calendar" when rest.Length > 0 && rest[0] is "add-workdays" or "is-workday" or "days":
                return await CalendarCli.ReadAsync(rest, Console.Out, Console.Error);
            case "calendar" when rest.Length > 0 && rest[0] is "add-day" or "add-year":
                return await WithServicesAsync(rest, CalendarCli.ChangeAsync);
            case "supervision" when rest.Length > 0 && rest[0] == "run":
                return await WithServicesAsync(rest[1..], SupervisionCli.RunAsync);
            case "supervision" when rest.Length > 1 && rest[0] == "policies" && !rest[1].StartsWith("--", StringComparison.Ordinal):
                return await SupervisionCli.PoliciesAsync(rest[1..], Console.Out, Console.Error, () => throw new InvalidOperationException("a file was given"));
            case "supervision" when rest.Length > 0 && rest[0] == "policies":
                return await WithServicesAsync(rest[1..], (sp, a) => SupervisionCli.PoliciesAsync(a, Console.Out, Console.Error, sp.GetRequiredService<TimePolicies>), writes: false);
            case "figures" when rest.Length > 0 && rest[0] == "verify":
                return await WithServicesAsync(rest[1..], Features.Tally.TallyCli.VerifyAsync, writes: false);
            case "figures":
                return await WithServicesAsync(rest, FiguresCli.RunAsync, writes: false);
            case "search" when rest.Length > 0 && rest[0] == "rebuild":
                return await WithServicesAsync(rest[1..], Features.Search.SearchCli.RebuildAsync, writes: false);
            case "keys" when rest.Length > 0 && rest[0] == "rotate":
                // Its key checks are its own: they allow for a new key an interrupted rotation wrote but did not record.
                return await WithServicesAsync(rest[1..], Features.Sealing.KeysCli.RotateAsync, writes: false);
            case "backup":
                return await WithServicesAsync(rest, Features.Backup.BackupCli.BackupAsync, writes: false);
            case "restore":
                // Not WithServicesAsync: its schema step would make a database in the directory restore must find empty.
                return await Features.Backup.BackupCli.RestoreAsync(rest, () => BuildVerbHost(rest));
            default:
                await Console.Error.WriteLineAsync($"unknown verb: {string.Join(' ', args)}\n\n{Help}");
                return 64;
        }
    }

    private static async Task<int> ServeAsync(string[] args)
    {
        // Settings ship beside the executable (appsettings.json), wherever it is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls("http://127.0.0.1:5080");
        builder.Services.AddDuban();
        builder.Services.AddDubanWeb();
        builder.AddDubanTelemetry();
        var app = builder.Build();
        app.UseDuban();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            Console.WriteLine($"Duban 督办 is serving on {string.Join(", ", addresses)} (data: {DubanServices.DataDirectory(app.Configuration)})");
        });
        await app.RunAsync();
        return 0;
    }

    /// <summary>Runs a verb with Duban's services and an up-to-date schema, without the web host.</summary>
    private static async Task<int> WithServicesAsync(string[] args, Func<IServiceProvider, string[], Task<int>> verb, bool writes = true)
    {
        using var host = BuildVerbHost(args);
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        await Schema.MigrateAsync(db);
        // A verb that appends events with another key than the chain's would fork it, as a node would.
        if (writes && await Features.Sealing.DeploymentChecks.RunAsync(scope.ServiceProvider) is { } refused)
        {
            await Console.Error.WriteLineAsync("wrong keys: " + refused);
            return 3;
        }
        return await verb(scope.ServiceProvider, args);
    }

    /// <summary>Duban's services for a verb, without the web host: the configuration of `--Duban:...` arguments, logs on standard error.</summary>
    private static IHost BuildVerbHost(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args.Where(a => a.StartsWith("--Duban", StringComparison.Ordinal)).ToArray(),
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A verb's standard output is its answer (geo resolve writes JSON lines): logs go to standard error.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddDuban();
        return builder.Build();
    }

    private static async Task<int> AuditVerifyAsync(IServiceProvider sp, string[] args)
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

    private static async Task<int> DemoResetAsync(IServiceProvider sp, string[] args)
    {
        if (!args.Contains("--yes") && !Console.IsInputRedirected)
        {
            Console.Write("This deletes ALL matters, events, users and units, then loads the demo. Type 'reset' to go on: ");
            if (Console.ReadLine()?.Trim() != "reset") return 1;
        }
        else if (!args.Contains("--yes"))
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

    private static async Task<int> UnitsImportAsync(IServiceProvider sp, string[] args)
    {
        var file = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
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
    private static async Task<int> UsersAddAsync(IServiceProvider sp, string[] args)
    {
        var username = Option(args, "--username");
        var unit = Option(args, "--unit");
        var roles = Option(args, "--roles");
        if (username is null || unit is null || roles is null)
        {
            await Console.Error.WriteLineAsync("users add needs --username, --unit and --roles");
            return 64;
        }
        var given = Option(args, "--password") ?? Environment.GetEnvironmentVariable("DUBAN_NEW_PASSWORD");
        var request = new Features.Users.AddUserRequest(username, Option(args, "--name") ?? username, unit,
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
