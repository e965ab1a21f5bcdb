using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Duban.Data;
using Duban.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;

namespace Duban.Bench;

/// <summary>
/// `bench pages`: Duban on Kestrel at 127.0.0.1 over a fresh database with the Jiangmen demo (and
/// optionally N generated matters), the demo accounts signed in through the API's login (the
/// duban_auth cookie, as a browser holds it), and every main page fetched over HTTP as the user it
/// is for: after a warm-up, N runs, median, p95 and max of the whole answer (headers and body).
/// A page that answers anything but 200 is a failure, never a timing. Never run as a test.
/// </summary>
public static partial class PageBench
{
    public const double TargetMs = 200;

    /// <summary>Administration pages other engineers are building: timed when they answer 200, listed as skipped otherwise.</summary>
    private static readonly string[] AdminPages =
    [
        "/console/admin", "/console/admin/units", "/console/admin/users", "/console/admin/catalogue",
        "/console/admin/policies", "/console/admin/rounds", "/console/admin/calendar",
    ];

    private sealed record Probe(string Name, string User, string Path, Func<HttpClient, Task<HttpResponseMessage>>? Send = null);

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var runs = int.Parse(Cli.Option(args, "--runs") ?? "30", CultureInfo.InvariantCulture);
        var warmup = int.Parse(Cli.Option(args, "--warmup") ?? "5", CultureInfo.InvariantCulture);
        var extra = int.Parse(Cli.Option(args, "--matters") ?? "0", CultureInfo.InvariantCulture);
        var provider = Cli.Option(args, "--provider") ?? "sqlite";
        if (runs < 1 || warmup < 0 || extra < 0)
        {
            await output.WriteLineAsync("bench pages: --runs ≥ 1, --warmup ≥ 0, --matters ≥ 0");
            return 64;
        }
        if (provider == "postgres" && !args.Contains("--yes"))
        {
            await output.WriteLineAsync("bench pages on PostgreSQL drops Duban's tables in the database given and fills them: pass --yes, and name a database used for nothing else");
            return 64;
        }
        var password = Environment.GetEnvironmentVariable("DUBAN_DEMO_PASSWORD") is { Length: > 0 } given ? given : "bench-password";
        var directory = Path.Combine(Path.GetTempPath(), "duban-bench-" + Guid.NewGuid().ToString("N")[..8]);
        await using var app = BuildApp(provider, Cli.Option(args, "--connection"), directory, password);
        try
        {
            if (provider == "postgres")
            {
                await using var scope = app.Services.CreateAsyncScope();
                await Schema.DropAllAsync(scope.ServiceProvider.GetRequiredService<DubanDb>());
            }
            var load = Stopwatch.StartNew();
            await app.StartAsync(); // migrates and loads the demo (StartupTasks)
            if (extra > 0) await RealisticMatters.FillAsync(app.Services, extra);
            load.Stop();
            var address = AddressOf(app);
            int matters;
            await using (var scope = app.Services.CreateAsyncScope())
            {
                matters = await scope.ServiceProvider.GetRequiredService<DubanDb>().Matters.CountAsync();
            }
            await output.WriteLineAsync(BenchHost.Machine);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"database: {provider}, Jiangmen demo{(extra > 0 ? $" + {extra} generated" : "")} = {matters} matters (ready in {load.Elapsed.TotalSeconds:F0} s); {warmup} warm-up, {runs} timed runs a page, one client"));
            return await MeasureAsync(app.Services, address, password, runs, warmup, Cli.Option(args, "--only"), args.Contains("--parts"), output);
        }
        finally
        {
            await app.StopAsync();
            if (provider == "sqlite")
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
            }
        }
    }

    /// <summary>
    /// Duban as a node runs it, on Kestrel at 127.0.0.1 on a free port, over the data directory (SQLite) or the
    /// PostgreSQL database given, with the Jiangmen demo loaded into an empty database at start; the demo's
    /// per-address rate limits lifted (one client, one address) and the supervision job off, so that no
    /// background step runs between two timings. Not started.
    /// </summary>
    internal static WebApplication BuildApp(string provider, string? connection, string directory, string password)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Duban:DataDirectory"] = directory,
            ["Duban:Database:Provider"] = provider,
            ["Duban:Database:ConnectionString"] = connection,
            ["Duban:Demo:Seed"] = "true",
            ["Duban:Demo:Matters"] = "true",
            ["Duban:Demo:Password"] = password,
            // The bench is one client at one address: the per-address limits of the doors would answer 429.
            ["Duban:RateLimits:PublicPerMinute"] = "1000000",
            ["Duban:RateLimits:LoginPerMinute"] = "1000000",
            // No background step runs between two timings.
            ["Duban:Supervision:Job"] = "false",
            // The table is the output: the host's and EF's notes would be mixed into it.
            ["Logging:LogLevel:Default"] = "Error",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Error",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Error",
        });
        // DUBAN_BENCH_SQL=1: every statement the app sends, with its time, on standard output (for plan checks).
        if (Environment.GetEnvironmentVariable("DUBAN_BENCH_SQL") == "1")
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Information" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddDuban();
        builder.Services.AddDubanWeb();
        var app = builder.Build();
        app.UseDuban();
        return app;
    }

    /// <summary>The address a started app listens on.</summary>
    internal static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>
    /// One HTTP client per demo account, signed in through the API's login (the duban_auth cookie the
    /// console reads, as a browser holds it); "anonymous" is not signed in.
    /// </summary>
    internal sealed class SignedIn(Uri address, string password) : IDisposable
    {
        private readonly Dictionary<string, HttpClient> clients = new(StringComparer.Ordinal);

        public async Task<HttpClient> ClientAsync(string user)
        {
            if (clients.TryGetValue(user, out var known)) return known;
            // A page at a scale it was not made for may take minutes: the bench measures it rather than give up at 100 s.
            var client = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(10) };
            if (user != "anonymous")
            {
                using var login = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = user, password });
                if (login.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"sign-in of {user} answered {(int)login.StatusCode}");
            }
            clients[user] = client;
            return client;
        }

        public void Dispose()
        {
            foreach (var c in clients.Values) c.Dispose();
        }
    }

    /// <summary>The timings of one request: sorted times of the timed runs, the last answer's size, or why it failed.</summary>
    internal sealed record Timed(List<double> Times, long Bytes, string? Failure);

    /// <summary>
    /// A warm-up, then the timed runs of one request over HTTP (the whole answer read), stopping early once
    /// <paramref name="budget"/> is spent on timed runs (at least three, or one that alone took longer than the
    /// budget); a status other than 200 is a failure.
    /// </summary>
    internal static async Task<Timed> TimeAsync(HttpClient client, Func<HttpClient, Task<HttpResponseMessage>> send, int warmup, int runs, TimeSpan? budget = null)
    {
        var times = new List<double>(runs);
        long bytes = 0;
        var spent = TimeSpan.Zero;
        for (var run = 0; run < warmup + runs; run++)
        {
            var watch = Stopwatch.StartNew();
            using var answer = await send(client);
            var body = await answer.Content.ReadAsByteArrayAsync();
            watch.Stop();
            if (answer.StatusCode != HttpStatusCode.OK)
                return new([], 0, $"answered {(int)answer.StatusCode}{(answer.Headers.Location is { } to ? " → " + to : "")}");
            bytes = body.Length;
            if (run < warmup)
            {
                // Slow enough to be warm after one run: the budget is better spent on timed runs.
                if (budget is not null && watch.Elapsed > ScaleBench.SlowWarmup) run = warmup - 1;
                continue;
            }
            times.Add(watch.Elapsed.TotalMilliseconds);
            spent += watch.Elapsed;
            if (budget is { } b && spent > b && (times.Count >= 3 || watch.Elapsed > b)) break;
        }
        times.Sort();
        return new(times, bytes, null);
    }

    private static async Task<int> MeasureAsync(IServiceProvider services, Uri address, string password, int runs, int warmup, string? only, bool parts, TextWriter output)
    {
        using var signedIn = new SignedIn(address, password);
        {
            Task<HttpClient> Client(string user) => signedIn.ClientAsync(user);

            var (receipt, code) = await FileReportAsync(await Client("anonymous"));
            var (matterId, heaviest) = await HeaviestMatterAsync(services);
            var (townMatter, word) = await TownMatterAsync(services);
            var source = await SourceWithMostItemsAsync(services);
            var proposal = await BusiestProposalAsync(services);
            var school = await SchoolProjectAsync(services);
            var (firm, lead, agreement) = await ModulePagesAsync(services);
            var probes = new List<Probe>
            {
                new("portal: report form", "anonymous", "/"),
                new("portal: track form", "anonymous", "/track"),
                new("portal: track lookup (POST)", "anonymous", "/track", c => TrackAsync(c, receipt, code)),
                new("portal: inspection groups", "anonymous", "/inspection"),
                new("console home", "dispatcher", "/console"),
                new("console home", "supervisor", "/console"),
                new("console home", "leader", "/console"),
                new("console home", "h-440781115", "/console"),
                new("queue", "dispatcher", "/console/queue"),
                new("matters", "dispatcher", "/console/matters"),
                new("matters ?q=(a title's word)", "dispatcher", "/console/matters?q=" + Uri.EscapeDataString(word)),
                new("matters ?light=red", "dispatcher", "/console/matters?light=red"),
                new("matters", "h-440781115", "/console/matters"),
                new($"matter ({heaviest} events)", "dispatcher", "/console/matters/" + matterId.ToString(CultureInfo.InvariantCulture)),
                new("matter (the town's latest)", "h-440781115", "/console/matters/" + townMatter.ToString(CultureInfo.InvariantCulture)),
                new("dashboard (city)", "supervisor", "/console/dashboard"),
                new("dashboard (county)", "s-440781", "/console/dashboard"),
                new("leader's cockpit", "leader", "/console/cockpit"),
                new("notifications", "h-440781115", "/console/notifications"),
                new("sources", "supervisor", "/console/sources"),
                new("sources ?light=red", "supervisor", "/console/sources?light=red"),
                new("sources (congress office)", "h-4407-rd", "/console/sources"),
                new("sources (a unit's own items)", "h-4407-gxj", "/console/sources"),
                new("source (the most items)", "supervisor", "/console/sources/" + source.ToString(CultureInfo.InvariantCulture)),
                new("source (a unit's own items)", await ItemHolderAsync(services, source), "/console/sources/" + source.ToString(CultureInfo.InvariantCulture)),
                new("new source form", "supervisor", "/console/sources/new?type=meeting"),
                new("matters (congress office, follows its items)", "h-4407-rd", "/console/matters"),
                // Proposals (Features/Proposals): the CPPCC's 2025 session of the demo, its office and a member.
                new("proposals (CPPCC office)", "cppcc-office", "/console/proposals"),
                new("proposals (a member's own)", "cppcc-001", "/console/proposals"),
                new($"proposal ({proposal.Events} events, re-handled)", "cppcc-office", "/console/proposals/" + proposal.Id.ToString(CultureInfo.InvariantCulture)),
                new("proposal (the lead proposer)", proposal.Lead, "/console/proposals/" + proposal.Id.ToString(CultureInfo.InvariantCulture)),
                new("proposals meeting (交办会)", "cppcc-office", "/console/proposals/meeting"),
                new("opinions ?year=2025 (CPPCC office)", "cppcc-office", "/console/opinions?year=2025"),
                new("opinions (a member's own)", "cppcc-001", "/console/opinions"),
                new("consultations ?year=2025 (office)", "cppcc-office", "/console/consultations?year=2025"),
                new("consultations ?year=2025 (a member)", "cppcc-001", "/console/consultations?year=2025"),
                new("duty ranking ?year=2025 (CPPCC office, 100 members scored)", "cppcc-office", "/console/duties?year=2025"),
                new("duty record ?year=2025 (a member's own)", "cppcc-001", "/console/duties?year=2025"),
                // Key projects (Features/Projects): the demo's 2023 ledger of 667 projects.
                new("projects (city)", "supervisor", "/console/projects"),
                new("projects ?county=440781&behind=true", "supervisor", "/console/projects?county=440781&behind=true"),
                new("projects (an owner unit)", "h-440704-jyj", "/console/projects"),
                new("project (a school, 5 milestones, 4 reports)", "supervisor", "/console/projects/" + school.ToString(CultureInfo.InvariantCulture)),
                new("project wall chart ?county=440781", "supervisor", "/console/projects/wall?county=440781"),
                new("project wall chart ?industry=industrial", "supervisor", "/console/projects/wall?industry=industrial"),
                new("project figures ?year=2023", "supervisor", "/console/projects/figures?year=2023"),
                // The desks and lanes added since (issues 18 to 21): the phone desk and letters, the enterprise lane and a firm,
                // a district's investment leads and a lead (city accounts have none), a cooperation agreement.
                new("phone desk (电话登记)", "dispatcher", "/console/calls/new"),
                new("letters and visits (来信来访登记)", "dispatcher", "/console/letters/new"),
                new("enterprise lane (企业诉求)", "supervisor", "/console/enterprises"),
                new("enterprise lane (a county)", "s-440781", "/console/enterprises"),
                new("firm (its demands)", "supervisor", "/console/enterprises/" + firm),
                new("investment leads (江海区发改局)", "h-440704-fgj", "/console/leads"),
                new("investment lead", "h-440704-fgj", "/console/leads/" + lead.ToString(CultureInfo.InvariantCulture)),
                new("cooperation agreement", "supervisor", "/console/agreements/" + agreement.ToString(CultureInfo.InvariantCulture)),
            };
            if (only is not null) probes.RemoveAll(p => !p.Name.Contains(only, StringComparison.OrdinalIgnoreCase));
            var skipped = new List<string>();
            var admin = await Client("admin");
            foreach (var path in only is null || "admin".Contains(only, StringComparison.OrdinalIgnoreCase) ? AdminPages : [])
            {
                using var answer = await admin.GetAsync(path);
                if (answer.StatusCode == HttpStatusCode.OK) probes.Add(new("admin " + path["/console/admin".Length..], "admin", path));
                else skipped.Add($"{path} ({(int)answer.StatusCode})");
            }

            await output.WriteLineAsync("page                               | user          | median ms |  p95 ms |  max ms |    KB | status");
            var failures = 0;
            var over = new List<string>();
            foreach (var probe in probes)
            {
                var client = await Client(probe.User);
                var (times, bytes, failure) = await TimeAsync(client, probe.Send ?? (c => c.GetAsync(probe.Path)), warmup, runs);
                if (failure is not null)
                {
                    failures++;
                    await output.WriteLineAsync($"{probe.Name,-34} | {probe.User,-13} | FAILED: {failure}");
                    continue;
                }
                var (median, p95, max) = (Percentile(times, 0.5), Percentile(times, 0.95), times[^1]);
                if (median > TargetMs) over.Add(probe.Name + " as " + probe.User);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{probe.Name,-34} | {probe.User,-13} | {median,9:F1} | {p95,7:F1} | {max,7:F1} | {bytes / 1024.0,5:F0} | 200"));
            }
            if (skipped.Count > 0) await output.WriteLineAsync("skipped (not there yet, or not 200): " + string.Join(", ", skipped));
            await output.WriteLineAsync(over.Count == 0
                ? string.Create(CultureInfo.InvariantCulture, $"target met: every page's median under {TargetMs} ms")
                : string.Create(CultureInfo.InvariantCulture, $"target NOT met (median over {TargetMs} ms): {string.Join(", ", over)}"));
            if (failures > 0) await output.WriteLineAsync($"{failures} page(s) FAILED");
            if (parts)
            {
                foreach (var user in new[] { "supervisor", "s-440781" }) await DashboardPartsAsync(services, user, runs, output);
            }
            return failures > 0 ? 1 : 0;
        }
    }

    /// <summary>
    /// `--parts`: the dashboard's queries one by one, in process, for one user (median of the runs after
    /// two warm-ups), beside the trend as it was first written (two counts per period) for comparison.
    /// </summary>
    private static async Task DashboardPartsAsync(IServiceProvider services, string username, int runs, TextWriter output)
    {
        Common.Actor actor;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
            var id = await db.Users.Where(u => u.Username == username).Select(u => u.Id).SingleAsync();
            actor = (await Features.Auth.DubanAuthenticationHandler.LoadActorAsync(db, scope.ServiceProvider.GetRequiredService<Features.Units.UnitDirectory>(), id, default))!;
        }
        var parts = new (string Name, Func<IServiceProvider, Task> Run)[]
        {
            ("statuses", sp => sp.GetRequiredService<Features.Dashboard.DashboardQueries>().StatusesAsync(actor, default)),
            ("lights by county", sp => sp.GetRequiredService<Features.Supervision.SupervisionQueries>().LightsAsync("county", actor, default)),
            ("trend by month", sp => sp.GetRequiredService<Features.Dashboard.DashboardQueries>().TrendAsync("month", actor, default)),
            ("trend by month, 24 counts (before)", sp => CountedTrendAsync(sp, actor)),
            ("counties and towns", sp => sp.GetRequiredService<Features.Dashboard.DashboardQueries>().PlacesAsync(null, actor, default)),
            ("figures ranking by county", sp => sp.GetRequiredService<Features.Figures.UnitFigures>().RankAsync(null, "county", null, null, actor, default)),
        };
        foreach (var (name, run) in parts)
        {
            var times = new List<double>();
            for (var i = 0; i < runs + 2; i++)
            {
                await using var scope = services.CreateAsyncScope();
                var watch = Stopwatch.StartNew();
                await run(scope.ServiceProvider);
                if (i >= 2) times.Add(watch.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"dashboard part: {name,-36} | {username,-13} | median {Percentile(times, 0.5),7:F1} ms | p95 {Percentile(times, 0.95),7:F1} ms"));
        }
    }

    /// <summary>The trend as DashboardQueries first counted it, two counts per month: kept here only to compare.</summary>
    private static async Task CountedTrendAsync(IServiceProvider sp, Common.Actor actor)
    {
        var db = sp.GetRequiredService<DubanDb>();
        var visible = sp.GetRequiredService<Features.Matters.MatterScope>().Visible(db.Matters.AsNoTracking(), db, actor);
        var today = Common.Clock.ChinaDate(sp.GetRequiredService<TimeProvider>().GetUtcNow());
        var first = new DateOnly(today.Year, today.Month, 1).AddMonths(1 - Features.Dashboard.DashboardQueries.TrendPeriods);
        for (var i = 0; i < Features.Dashboard.DashboardQueries.TrendPeriods; i++)
        {
            var start = Common.Clock.StartOfChinaDay(first.AddMonths(i));
            var end = Common.Clock.StartOfChinaDay(first.AddMonths(i + 1));
            await visible.CountAsync(m => m.ReceivedAt >= start && m.ReceivedAt < end);
            await visible.CountAsync(m => m.ClosedAt != null && m.ClosedAt >= start && m.ClosedAt < end);
        }
    }

    /// <summary>The nearest-rank percentile of sorted times.</summary>
    internal static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>A citizen's report through the public API: its receipt and query code, for the tracking page.</summary>
    private static async Task<(string Receipt, string Code)> FileReportAsync(HttpClient client)
    {
        using var answer = await client.PostAsJsonAsync("/api/v1/public/reports", new
        {
            kind = "complaint",
            title = "台山市川岛镇码头路灯不亮",
            content = "川岛镇码头的路灯已经一周不亮，晚上出行不便，请尽快维修。",
            location = "台山市川岛镇码头",
            anonymous = true,
        });
        answer.EnsureSuccessStatusCode();
        var body = await answer.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return (body.GetProperty("receipt").GetString()!, body.GetProperty("queryCode").GetString()!);
    }

    /// <summary>The tracking page's lookup as a browser posts it: the form's antiforgery token, then the receipt and code.</summary>
    private static async Task<HttpResponseMessage> TrackAsync(HttpClient client, string receipt, string code)
    {
        var form = await client.GetStringAsync("/track");
        var token = TokenField().Match(form) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException("no antiforgery token on /track");
        var answer = await client.PostAsync("/track", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "track",
            ["__RequestVerificationToken"] = token,
            ["receipt"] = receipt,
            ["code"] = code,
        }));
        // A lookup that finds nothing is a 200 too: the page must show the report's receipt.
        if (answer.StatusCode == HttpStatusCode.OK && !(await answer.Content.ReadAsStringAsync()).Contains(receipt, StringComparison.Ordinal))
            answer.StatusCode = HttpStatusCode.NotFound;
        return answer;
    }

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    /// <summary>The matter with the longest history: the heaviest matter page.</summary>
    private static async Task<(long Id, int Events)> HeaviestMatterAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var top = await db.Events.Where(e => e.MatterId != null).GroupBy(e => e.MatterId)
            .Select(g => new { Id = g.Key!.Value, Count = g.Count() }).OrderByDescending(g => g.Count).ThenBy(g => g.Id).FirstAsync();
        return (top.Id, top.Count);
    }

    /// <summary>The town handler's latest matter (one 川岛镇 may see: its matter page), and a word of a demo title for the text filter.</summary>
    private static async Task<(long Id, string Word)> TownMatterAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var userId = await db.Users.Where(u => u.Username == "h-440781115").Select(u => u.Id).SingleAsync();
        var actor = (await Features.Auth.DubanAuthenticationHandler.LoadActorAsync(db, scope.ServiceProvider.GetRequiredService<Features.Units.UnitDirectory>(), userId, default))!;
        var visible = scope.ServiceProvider.GetRequiredService<Features.Matters.MatterScope>().Visible(db.Matters, db, actor);
        var town = await visible.OrderByDescending(m => m.Id).Select(m => (long?)m.Id).FirstOrDefaultAsync()
            ?? throw new InvalidOperationException("the demo gives 川岛镇 no matter");
        // Two characters from the middle of a demo title: a word that matches some matters, not all.
        var title = await db.Matters.OrderBy(m => m.Id).Select(m => m.Title).FirstAsync();
        return (town, title.Length >= 4 ? title.Substring(title.Length / 2 - 1, 2) : title);
    }

    /// <summary>The demo's source with the most items (the Chuandao campaign: five, 邮政管理局 holding two).</summary>
    /// <summary>The demo's 景贤小学北校区, a county key project with its milestones and reports.</summary>
    private static async Task<long> SchoolProjectAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        return await db.Set<Features.Sources.Source>().Where(s => s.Type == "project" && s.Title.StartsWith("景贤小学北校区")).Select(s => s.Id).FirstAsync();
    }

    /// <summary>
    /// The account of a unit that leads one of the source's items and is not its owner (it sees its own items only): the
    /// demo's 4407-yzj was, until the source with the most items became another (its 404 was the bench's, not the page's).
    /// </summary>
    private static async Task<string> ItemHolderAsync(IServiceProvider services, long source)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var owner = await db.Set<Features.Sources.Source>().Where(s => s.Id == source).Select(s => s.OwnerUnitCode).FirstAsync();
        var leads = await db.Set<Features.Sources.SourceItem>().Where(i => i.SourceId == source)
            .Join(db.Matters, i => i.MatterId, m => m.Id, (i, m) => m.LeadUnitCode).Where(u => u != null && u != owner).Distinct().ToListAsync();
        var names = leads.Select(u => "h-" + u).ToList();
        return await db.Users.Where(u => names.Contains(u.Username)).OrderBy(u => u.Username).Select(u => u.Username).FirstAsync();
    }

    /// <summary>
    /// The module pages' subjects: the firm with the most demands, the newest lead 江海区 posted, the agreement with the
    /// most commitments.
    /// </summary>
    private static async Task<(string Firm, long Lead, long Agreement)> ModulePagesAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var firm = await db.Set<Features.Enterprises.EnterpriseDemand>().GroupBy(d => d.CreditCode)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => g.Key).FirstOrDefaultAsync()
            ?? await db.Set<Features.Enterprises.Enterprise>().OrderBy(e => e.CreditCode).Select(e => e.CreditCode).FirstAsync();
        var lead = await db.Set<Features.Leads.Lead>().Where(l => l.DistrictCode == "440704").MaxAsync(l => l.Id);
        var agreement = await db.Set<Features.Agreements.Agreement>().Select(a => a.SourceId)
            .OrderByDescending(id => db.Set<Features.Sources.SourceItem>().Count(i => i.SourceId == id)).ThenBy(id => id).FirstAsync();
        return (firm, lead, agreement);
    }

    /// <summary>The CPPCC proposal with the most events (a re-handled one of the demo's session), and its lead proposer's account.</summary>
    private static async Task<(long Id, int Events, string Lead)> BusiestProposalAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var proposals = db.Set<Features.Proposals.Proposal>().Where(p => p.Body == "cppcc").Select(p => p.MatterId);
        var busiest = await db.Events.Where(e => e.MatterId != null && proposals.Contains(e.MatterId.Value)).GroupBy(e => e.MatterId!.Value)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => new { Id = g.Key, Events = g.Count() }).FirstAsync();
        var lead = await (from pp in db.Set<Features.Proposals.ProposalProposer>()
                          join m in db.Set<Features.Proposals.Member>() on pp.MemberId equals m.Id
                          join u in db.Users on m.UserId equals u.Id
                          where pp.MatterId == busiest.Id && pp.Seq == 0
                          select u.Username).FirstAsync();
        return (busiest.Id, busiest.Events, lead);
    }

    private static async Task<long> SourceWithMostItemsAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        return await db.Set<Features.Sources.SourceItem>().GroupBy(i => i.SourceId).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => g.Key).FirstAsync();
    }
}
