using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Duban.Bench;

/// <summary>
/// `bench scale`: Duban at a city's year (issue 15). Generates N realistic matters
/// (<see cref="RealisticMatters"/>) or reuses a database of that size, starts Duban on Kestrel as
/// `pages` does, and for every row times the request over HTTP as its user (warm-up, then R runs)
/// and, in the same run, the database's floor: the same answer from hand-written SQL on the
/// DubanDb's own connection (no HTTP, no rendering). Ratio = Duban's p50 / the floor's p50.
/// Never run as a test.
/// </summary>
public static class ScaleBench
{
    /// <summary>One measured row: the request as its user, its target, and the floor's statements (null: none).</summary>
    private sealed record Row(string Name, string User, string Path, double Target, string[]? Floor, string FloorNote);

    /// <summary>One printed result.</summary>
    internal sealed record Result(string Name, double P50, double P95, double P99, double? Floor, int N, double Target, double? PerSecond = null, double? FloorPerSecond = null)
    {
        public double? Ratio => Floor is > 0 ? Math.Round(P50 / Floor.Value, 2) : null;

        /// <summary>p95 within the target; intake: at least 1,000 durable matters a second.</summary>
        public bool Met => PerSecond is { } rate ? rate >= IntakeTarget : P95 <= Target;
    }

    private const double IntakeTarget = 1000;

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var count = int.Parse(Cli.Option(args, "--matters") ?? "1000000", CultureInfo.InvariantCulture);
        var runs = int.Parse(Cli.Option(args, "--runs") ?? "50", CultureInfo.InvariantCulture);
        var warmup = int.Parse(Cli.Option(args, "--warmup") ?? "3", CultureInfo.InvariantCulture);
        var budget = TimeSpan.FromSeconds(double.Parse(Cli.Option(args, "--budget") ?? "30", CultureInfo.InvariantCulture));
        var provider = Cli.Option(args, "--provider") ?? "sqlite";
        var connection = Cli.Option(args, "--connection");
        var reuse = args.Contains("--reuse");
        var json = args.Contains("--json");
        var only = Cli.Option(args, "--only");
        if (count < 1 || runs < 1 || warmup < 0 || (provider == "postgres" && connection is null))
        {
            await output.WriteLineAsync("bench scale: --matters ≥ 1, --runs ≥ 1, --warmup ≥ 0; on PostgreSQL --connection CS");
            return 64;
        }
        // Notes go to standard error with --json, so that standard output is only the rows.
        var log = json ? Console.Error : output;
        var password = Environment.GetEnvironmentVariable("DUBAN_DEMO_PASSWORD") is { Length: > 0 } given ? given : "bench-password";
        // SQLite at a stable place (its data directory keeps the database and its keys), so that --reuse finds it.
        var directory = Cli.Option(args, "--db") ?? Path.Combine(Path.GetTempPath(), $"duban-bench-scale-{count}");
        if (provider == "sqlite" && !reuse && Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        if (provider == "sqlite" && reuse) await ForgetStatisticsAsync(directory, log);
        await using var app = PageBench.BuildApp(provider, connection, directory, password);
        if (provider == "postgres" && !reuse)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
            if (await HasMattersAsync(db))
            {
                if (!args.Contains("--yes"))
                {
                    await log.WriteLineAsync("bench scale: the database already holds Duban's tables: pass --reuse to measure them, or --yes to drop and fill them anew");
                    return 64;
                }
                await Schema.DropAllAsync(db);
            }
        }
        var load = Stopwatch.StartNew();
        // Start-up migrates and loads the demo into an empty database (StartupTasks), printing its accounts: with --json, not among the rows.
        var standardOutput = Console.Out;
        if (json) Console.SetOut(Console.Error);
        try
        {
            await app.StartAsync();
        }
        finally
        {
            Console.SetOut(standardOutput);
        }
        RealisticMatters.Facts? facts = null;
        TimeSpan fill = default;
        int present;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            present = await scope.ServiceProvider.GetRequiredService<DubanDb>().Matters.CountAsync();
        }
        if (!reuse || present < count)
        {
            if (reuse) await log.WriteLineAsync($"--reuse: {present} matters there, fewer than {count}: filling (a stopped fill of {count} goes on where it stopped)");
            var watch = Stopwatch.StartNew();
            facts = await RealisticMatters.FillAsync(app.Services, count, RealisticMatters.DefaultSeed, log);
            fill = watch.Elapsed;
        }
        load.Stop();
        await log.WriteLineAsync(BenchHost.Machine);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"database: {provider} ({(provider == "sqlite" ? directory : "as given")}), {(facts is null ? $"reused, {present} matters" : $"Jiangmen demo + {count} generated, filled in {fill.TotalSeconds:F0} s ({count / Math.Max(1, fill.TotalSeconds):F0} matters/s, {facts.Events} events)")}; ready in {load.Elapsed.TotalSeconds:F0} s"));
        if (facts is not null) await DescribeAsync(facts, log);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await DescribeStoredAsync(scope.ServiceProvider.GetRequiredService<DubanDb>(), log);
        }

        await SettleAsync(log);
        var rows = await RowsAsync(app.Services);
        // --only NAME[,NAME…]: the rows whose name contains one of them, or whose user is one of them.
        var wanted = only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (wanted is not null) rows.RemoveAll(r => !wanted.Any(w => r.Name.Contains(w, StringComparison.OrdinalIgnoreCase) || r.User == w));
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{warmup} warm-up, {runs} timed runs a row (fewer once {budget.TotalSeconds:F0} s is spent), one client; floor: the same answer in SQL on the database connection, no HTTP"));
        if (!json) await output.WriteLineAsync($"{"row",-58} | {"user",-12} |  p50 ms |  p95 ms |  p99 ms | floor ms | ratio |  n | target");
        var failures = 0;
        var results = new List<Result>();
        using var signedIn = new PageBench.SignedIn(PageBench.AddressOf(app), password);
        foreach (var row in rows)
        {
            var client = await signedIn.ClientAsync(row.User);
            var timed = await PageBench.TimeAsync(client, c => c.GetAsync(row.Path), warmup, runs, budget);
            if (timed.Failure is not null)
            {
                failures++;
                await log.WriteLineAsync($"{row.Name} as {row.User}: FAILED, {timed.Failure}");
                continue;
            }
            double? floor = row.Floor is null ? null : await FloorAsync(app.Services, row.Floor, warmup, runs, budget);
            var result = new Result(row.Name, PageBench.Percentile(timed.Times, 0.5), PageBench.Percentile(timed.Times, 0.95), PageBench.Percentile(timed.Times, 0.99), floor, timed.Times.Count, row.Target);
            results.Add(result);
            await PrintAsync(result, row.User, json, output);
        }
        if (wanted is null || wanted.Any(w => "intake".Contains(w, StringComparison.OrdinalIgnoreCase)))
        {
            var intake = await IntakeAsync(app.Services, 2000, 16);
            results.Add(intake);
            await PrintAsync(intake, "dispatcher", json, output);
        }
        var over = results.Where(r => !r.Met).Select(r => r.Name).ToList();
        await log.WriteLineAsync(over.Count == 0 ? "every row within its target" : $"{over.Count} of {results.Count} rows NOT within target: {string.Join("; ", over)}");
        if (failures > 0) await log.WriteLineAsync($"{failures} row(s) FAILED");
        await app.StopAsync();
        if (provider == "sqlite") Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return failures > 0 ? 1 : 0;
    }

    /// <summary>
    /// A SQLite database filled by an earlier bench was analysed (its fill ran ANALYZE then): its statistics are
    /// emptied, so that SQLite plans as it does for Duban, which never analyses (heuristics that take the indexes
    /// as designed; statistics of some indexes and not of those added since made it choose worse ones).
    /// </summary>
    private static async Task ForgetStatisticsAsync(string directory, TextWriter log)
    {
        var file = Path.Combine(directory, "duban.db");
        if (!File.Exists(file)) return;
        await using var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file}");
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'";
        if (Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture) == 0) return;
        cmd.CommandText = "DELETE FROM sqlite_stat1";
        var rows = await cmd.ExecuteNonQueryAsync();
        if (rows > 0) await log.WriteLineAsync($"emptied the planner's statistics ({rows} rows of sqlite_stat1), as Duban runs");
    }

    /// <summary>
    /// Waits (two minutes at most) until the node's start-up work in the background is done (the classifier's first
    /// training, the tally's first pass): until this process uses under a tenth of a core
    /// over two seconds. Otherwise the first rows are timed against it.
    /// </summary>
    private static async Task SettleAsync(TextWriter log)
    {
        var self = Process.GetCurrentProcess();
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            self.Refresh();
            var before = self.TotalProcessorTime;
            await Task.Delay(TimeSpan.FromSeconds(2));
            self.Refresh();
            if ((self.TotalProcessorTime - before).TotalSeconds < 0.2) break;
        }
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"settled after {waited.Elapsed.TotalSeconds:F0} s (the node's start-up work in the background)"));
    }

    /// <summary>Chinese as it is, not escaped: the rows are read by people too.</summary>
    private static readonly JsonSerializerOptions JsonLine = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static async Task PrintAsync(Result r, string user, bool json, TextWriter output)
    {
        if (json)
        {
            var line = new Dictionary<string, object?>
            {
                ["name"] = r.Name + " · " + user,
                ["p50_ms"] = Math.Round(r.P50, 2),
                ["p95_ms"] = Math.Round(r.P95, 2),
                ["p99_ms"] = Math.Round(r.P99, 2),
                ["floor_ms"] = r.Floor is { } f ? Math.Round(f, 2) : null,
                ["ratio"] = r.Ratio,
                ["n"] = r.N,
            };
            if (r.PerSecond is { } perSecond)
            {
                line["per_s"] = Math.Round(perSecond);
                line["floor_per_s"] = r.FloorPerSecond is { } f3 ? Math.Round(f3) : null;
            }
            await output.WriteLineAsync(JsonSerializer.Serialize(line, JsonLine));
            return;
        }
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{r.Name,-58} | {user,-12} | {r.P50,7:F1} | {r.P95,7:F1} | {r.P99,7:F1} | {(r.Floor is { } f2 ? f2.ToString("F1", CultureInfo.InvariantCulture) : "–"),8} | {(r.Ratio is { } q ? q.ToString("F2", CultureInfo.InvariantCulture) : "–"),5} | {r.N,2} | {(r.PerSecond is { } rate ? $"{rate:F0} matters/s durable, raw insert {r.FloorPerSecond:F0} rows/s; ≥ {IntakeTarget:F0}/s" : $"p95 ≤ {r.Target:F0} ms")} {(r.Met ? "met" : "NOT met")}"));
    }

    private static async Task<bool> HasMattersAsync(DubanDb db)
    {
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var cmd = Sql.Command(db, "SELECT 1 FROM matters LIMIT 1");
            await cmd.ExecuteScalarAsync();
            return true;
        }
        catch (DbException)
        {
            return false;
        }
    }

    private static async Task DescribeAsync(RealisticMatters.Facts facts, TextWriter log)
    {
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"generated: {facts.Matters} matters, {facts.Events} events; overdue now {facts.Overdue} ({100.0 * facts.Overdue / facts.Matters:F1} %); states: {string.Join(", ", facts.States.OrderByDescending(s => s.Value).Select(s => $"{s.Key} {100.0 * s.Value / facts.Matters:F1} %"))}"));
        await log.WriteLineAsync("arrivals by China hour (% of the day): " + string.Join(" ", facts.ByChinaHour.Select((c, h) => string.Create(CultureInfo.InvariantCulture, $"{h}h {100.0 * c / facts.Matters:F1}"))));
        string[] days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
        await log.WriteLineAsync("arrivals by weekday: " + string.Join(" ", facts.ByWeekday.Select((c, d) => string.Create(CultureInfo.InvariantCulture, $"{days[d]} {100.0 * c / facts.Matters:F1} %"))));
    }

    /// <summary>What the stored data holds, counted in SQL (also for a reused database): the share of matters overdue now, and the search words' frequencies.</summary>
    private static async Task DescribeStoredAsync(DubanDb db, TextWriter log)
    {
        await db.Database.OpenConnectionAsync();
        var now = Literal(db, DateTimeOffset.UtcNow);
        var total = await ScalarAsync(db, "SELECT count(*) FROM matters");
        var overdue = await ScalarAsync(db, $"SELECT count(*) FROM matters m WHERE {Overdue(now)}");
        var words = new List<string>();
        foreach (var word in SearchWords.Select(w => w.Word).Concat(["占道", "拖欠", "工资", "路灯"]))
        {
            var hits = await ScalarAsync(db, $"SELECT count(*) FROM matters WHERE title LIKE '%{word}%' OR location LIKE '%{word}%'");
            words.Add(string.Create(CultureInfo.InvariantCulture, $"{word} {100.0 * hits / total:F2} %"));
        }
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"stored: {total} matters, overdue now {overdue} ({100.0 * overdue / total:F1} %); title or place containing: {string.Join(", ", words)}"));
    }

    private static async Task<long> ScalarAsync(DubanDb db, string sql)
    {
        await using var cmd = Sql.Command(db, sql);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>The search words: two characters (common), three, four (a phrase), and rare.</summary>
    private static readonly (string Word, string Kind)[] SearchWords = [("噪音", "2 chars"), ("农民工", "3 chars"), ("违章搭建", "4 chars"), ("蚝壳", "rare")];

    // ---- the rows and their floors ----

    private const string Running = "('dispatched', 'in_progress', 'pending_review')";
    private const string Waiting = "('received', 'returned')";
    private const string Page = "ORDER BY m.received_at DESC, m.id DESC";

    private static string Literal(DubanDb db, DateTimeOffset t) =>
        db.IsPostgres ? $"'{t.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}+00'::timestamptz" : t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static string Overdue(string now) =>
        $"m.status IN {Running} AND m.due_at IS NOT NULL AND ((m.paused_at IS NULL AND m.due_at < {now}) OR (m.paused_at IS NOT NULL AND m.paused_at > m.due_at))";

    /// <summary>LightRule's red in its two disjoint parts (held and overdue; waiting past the acceptance deadline), each served by its own index.</summary>
    private static string[] Red(string now, bool postgres) => [Overdue(now), $"{Few($"m.status IN {Waiting}", postgres)} AND m.accept_due_at < {now}"];

    /// <summary>
    /// The matters waiting for dispatch are few (minutes to hours of a year's arrivals): told so on SQLite
    /// (likelihood), whose planner would otherwise walk the received_at index to save a sort of a handful.
    /// </summary>
    private static string Few(string term, bool postgres) => postgres ? term : $"likelihood({term}, 0.001)";

    /// <summary>LightRule's yellow in its two disjoint parts (no matter in the data is under key supervision, so its weekly-progress part is left out).</summary>
    private static string[] Yellow(string now, bool postgres) =>
    [
        $"m.status IN {Running} AND m.due_at IS NOT NULL AND NOT ((m.paused_at IS NULL AND m.due_at < {now}) OR (m.paused_at IS NOT NULL AND m.paused_at > m.due_at)) " +
        $"AND (m.yellow_at <= COALESCE(m.paused_at, {now}) OR m.warn_at <= COALESCE(m.paused_at, {now}))",
        $"{Few($"m.status IN {Waiting}", postgres)} AND m.accept_due_at >= {now} AND m.yellow_at <= {now}",
    ];

    private static string Any(string[] parts) => "((" + string.Join(") OR (", parts) + "))";

    /// <summary>
    /// A list's answer: its total and one page, newest first. A filter in disjoint parts (a light) is
    /// counted part by part and paged as the newest of each part's own page, so that each part uses its index.
    /// </summary>
    private static string[] List(string scope, string where, int size = 20, string from = "matters m") => List(scope, [where], size, from);

    private static string[] List(string scope, string[] parts, int size = 20, string from = "matters m")
    {
        const string columns = "m.id, m.number, m.title, m.status, m.lead_unit_code, m.received_at, m.due_at";
        var counts = parts.Select(p => $"SELECT count(*) FROM {from} WHERE {scope} AND {p}");
        if (parts.Length == 1) return [.. counts, $"SELECT {columns} FROM {from} WHERE {scope} AND {parts[0]} {Page} LIMIT {size}"];
        var pages = parts.Select((p, i) => $"SELECT * FROM (SELECT {columns} FROM {from} WHERE {scope} AND {p} {Page} LIMIT {size}) AS p{i}");
        return [.. counts, $"SELECT * FROM ({string.Join(" UNION ALL ", pages)}) AS m ORDER BY m.received_at DESC, m.id DESC LIMIT {size}"];
    }

    private static string[] Boxes(string scope, string from, params string[][] boxes) => [.. boxes.SelectMany(b => List(scope, b, 8, from))];

    private static async Task<List<Row>> RowsAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var nowTime = DateTimeOffset.UtcNow;
        var now = Literal(db, nowTime);
        const string city = "1 = 1";
        const string county = "m.county_code = '440781'";
        // A handler's matters: from its active shares (ix_assignments_unit) to the matters by key; the join's order forced on SQLite (CROSS JOIN), free on PostgreSQL.
        const string handlerFrom = "assignments a CROSS JOIN matters m";
        const string handler = "a.unit_code = '440781115' AND a.active AND m.id = a.matter_id";
        // The matters the pages open: the city's most recent closed matter (a whole life of events) and the town handler's latest.
        var closed = await db.Matters.Where(m => m.Status == Status.Closed).OrderByDescending(m => m.ReceivedAt).Select(m => m.Id).FirstAsync();
        var town = await db.Assignments.Where(a => a.UnitCode == "440781115" && a.Active).OrderByDescending(a => a.MatterId).Select(a => a.MatterId).FirstAsync();
        string[] Matter(long id) =>
        [
            $"SELECT * FROM matters WHERE id = {id}",
            $"SELECT * FROM assignments WHERE matter_id = {id}",
            $"SELECT * FROM events WHERE matter_id = {id} ORDER BY seq",
        ];
        var today = Clock.ChinaDate(nowTime);
        var month = today.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var year = today.Year.ToString(CultureInfo.InvariantCulture);
        string Start(DateOnly d) => Literal(db, Clock.StartOfChinaDay(d));
        var monthStart = Start(new DateOnly(today.Year, today.Month, 1));
        var monthEnd = Start(new DateOnly(today.Year, today.Month, 1).AddMonths(1));
        var yearStart = Start(new DateOnly(today.Year, 1, 1));
        var yearEnd = Start(new DateOnly(today.Year + 1, 1, 1));
        var trendStart = Start(new DateOnly(today.Year, today.Month, 1).AddMonths(-11));
        var chinaMonth = (string column) => db.IsPostgres
            ? $"to_char({column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
            : $"strftime('%Y-%m', {column} / 1000 + 28800, 'unixepoch')";
        string[] Lights(string scope) =>
        [
            $"SELECT m.county_code, sum(CASE WHEN {Any(Red(now, db.IsPostgres))} THEN 1 ELSE 0 END), sum(CASE WHEN {Any(Yellow(now, db.IsPostgres))} THEN 1 ELSE 0 END), count(*) FROM matters m WHERE {scope} AND m.status IN ('dispatched', 'in_progress', 'pending_review', 'received', 'returned') GROUP BY m.county_code",
        ];
        string[] Rates(string scope, string from, string to) =>
        [
            // 响应率: lead shares dispatched in the period, signed by their signing deadline or not, per unit.
            $"SELECT a.unit_code, sum(CASE WHEN a.accepted_at <= a.sign_due_at THEN 1 ELSE 0 END), count(*) FROM assignments a JOIN matters m ON m.id = a.matter_id WHERE {scope} AND a.role = 'lead' AND a.assigned_at >= {from} AND a.assigned_at < {to} GROUP BY a.unit_code",
            // 按期办结率, 解决率, 满意率: matters closed in the period, per lead unit (on time by its last complete event).
            $"SELECT m.lead_unit_code, count(*), sum(CASE WHEN (SELECT max(e.at) FROM events e WHERE e.matter_id = m.id AND e.action = 'complete') <= m.due_at THEN 1 ELSE 0 END), " +
            $"sum(CASE WHEN m.feedback_resolved THEN 1 ELSE 0 END), sum(CASE WHEN m.feedback_satisfaction = 'satisfied' THEN 1 ELSE 0 END) FROM matters m WHERE {scope} AND m.status = 'closed' AND m.closed_at >= {from} AND m.closed_at < {to} GROUP BY m.lead_unit_code",
            // 超期: deadlines in the period passed, per lead unit.
            $"SELECT m.lead_unit_code, count(*) FROM matters m WHERE {scope} AND m.due_at >= {from} AND m.due_at < {to} AND m.due_at < {now} AND m.status IN {Running} GROUP BY m.lead_unit_code",
        ];
        string[] Dashboard(string scope) =>
        [
            $"SELECT m.status, count(*) FROM matters m WHERE {scope} GROUP BY m.status",
            .. Lights(scope),
            $"SELECT {chinaMonth("m.received_at")}, count(*) FROM matters m WHERE {scope} AND m.received_at >= {trendStart} GROUP BY 1",
            $"SELECT {chinaMonth("m.closed_at")}, count(*) FROM matters m WHERE {scope} AND m.closed_at >= {trendStart} GROUP BY 1",
            $"SELECT m.county_code, substr(m.territory_code, 1, 9), count(*), sum(CASE WHEN m.status = 'closed' THEN 1 ELSE 0 END) FROM matters m WHERE {scope} AND m.received_at >= {monthStart} AND m.received_at < {monthEnd} GROUP BY 1, 2",
            .. Rates(scope, monthStart, monthEnd),
        ];
        const string listNote = "count + a page of 20 by received_at desc";
        var rows = new List<Row>
        {
            new("console home (5 boxes of 8)", "dispatcher", "/console", 200, Boxes(city, "matters m", ["m.status = 'received'"], ["m.status = 'returned'"], ["m.status = 'pending_review'"], Yellow(now, db.IsPostgres), [Overdue(now)]), "count + page of 8 per box"),
            new("console home (5 boxes of 8)", "supervisor", "/console", 200, Boxes(city, "matters m", ["m.status = 'received'"], ["m.status = 'returned'"], ["m.status = 'pending_review'"], Yellow(now, db.IsPostgres), [Overdue(now)]), "count + page of 8 per box"),
            new("console home (3 boxes of 8)", "leader", "/console", 200, Boxes(city, "matters m", Yellow(now, db.IsPostgres), [Overdue(now)], ["1 = 1"]), "count + page of 8 per box"),
            new("handler queue: console home (5 boxes of 8)", "h-440781115", "/console", 50,
                Boxes(handler, handlerFrom, ["m.status = 'dispatched'"], ["m.status = 'in_progress' AND m.return_count > 0"], ["m.status = 'in_progress'"], Yellow(now, db.IsPostgres), [Overdue(now)]), "count + page of 8 per box; sent back approximated"),
            new("handler queue: API status=dispatched", "h-440781115", "/api/v1/matters?status=dispatched", 50, List(handler, "m.status = 'dispatched'", from: handlerFrom), listNote),
            new("handler queue: API status=in_progress", "h-440781115", "/api/v1/matters?status=in_progress", 50, List(handler, "m.status = 'in_progress'", from: handlerFrom), listNote),
            new("dispatcher's queue", "dispatcher", "/console/queue", 200, List(city, Few($"m.status IN {Waiting}", db.IsPostgres)), listNote),
            new("matters list", "dispatcher", "/console/matters", 200, List(city, "1 = 1"), listNote),
            new("matters list ?light=red", "dispatcher", "/console/matters?light=red", 200, List(city, Red(now, db.IsPostgres), 20), listNote),
            new("matters list ?status=in_progress", "dispatcher", "/console/matters?status=in_progress", 200, List(city, "m.status = 'in_progress'"), listNote),
            new("matters list (a county's)", "s-440781", "/console/matters", 200, List(county, "1 = 1"), listNote),
            new("matters list (a town handler's)", "h-440781115", "/console/matters", 200, List(handler, "1 = 1", from: handlerFrom), listNote),
            new("matter page (a closed matter's life)", "dispatcher", "/console/matters/" + closed.ToString(CultureInfo.InvariantCulture), 50, Matter(closed), "the row, its assignments, its events by primary key/index"),
            new("matter page (the town's latest)", "h-440781115", "/console/matters/" + town.ToString(CultureInfo.InvariantCulture), 50, Matter(town), "the row, its assignments, its events by primary key/index"),
            new("dashboard (city)", "supervisor", "/console/dashboard", 200, Dashboard(city), "GROUP BY status, lights, trend, places, rates"),
            new("dashboard (county)", "s-440781", "/console/dashboard", 200, Dashboard(county), "GROUP BY status, lights, trend, places, rates"),
            new("lights board API (by county)", "supervisor", "/api/v1/supervision/lights?by=county", 200, Lights(city), "GROUP BY county over held matters"),
            new("leader's cockpit", "leader", "/console/cockpit", 200, Dashboard(city), "the dashboard's places, lights and rates by county and department, today by county, red matters, sources"),
            new("sources list", "supervisor", "/console/sources", 200, ["SELECT count(*) FROM sources", "SELECT * FROM sources ORDER BY date DESC, id DESC LIMIT 20"], "count + a page of sources"),
            new("API matters list", "dispatcher", "/api/v1/matters", 200, List(city, "1 = 1"), listNote),
            new("API matters list", "s-440781", "/api/v1/matters", 200, List(county, "1 = 1"), listNote),
            new("API matters list", "h-440781115", "/api/v1/matters", 200, List(handler, "1 = 1", from: handlerFrom), listNote),
            new($"rates per unit, month ({month})", "supervisor", "/api/v1/figures?period=" + month, 200, Rates(city, monthStart, monthEnd), "GROUP BY unit over the period's assignments and closures"),
            new($"rates per unit, year ({year})", "supervisor", "/api/v1/figures?period=" + year, 200, Rates(city, yearStart, yearEnd), "GROUP BY unit over the period's assignments and closures"),
            new($"rates per town, month ({month})", "s-440781", "/api/v1/figures?period=" + month + "&rank=town", 200, Rates(county, monthStart, monthEnd), "GROUP BY unit over the period's assignments and closures"),
        };
        foreach (var (word, kind) in SearchWords)
        {
            var like = $"(m.title LIKE '%{word}%' OR m.location LIKE '%{word}%')";
            var q = Uri.EscapeDataString(word);
            foreach (var (user, scopeSql) in new[] { ("dispatcher", city), ("s-440781", county) })
            {
                rows.Add(new($"search {kind} q={word}, console", user, "/console/matters?q=" + q, 100, List(scopeSql, like), "LIKE scan of title and place, count + page"));
                rows.Add(new($"search {kind} q={word}, API", user, "/api/v1/matters?q=" + q, 100, List(scopeSql, like), "LIKE scan of title and place, count + page"));
            }
        }
        return rows;
    }

    /// <summary>The floor: the statements run one after the other on the DubanDb's connection, every row read; warm-up, then the runs' median.</summary>
    /// <summary>A request slower than this is warm after one run: the rest of the warm-up is skipped.</summary>
    internal static readonly TimeSpan SlowWarmup = TimeSpan.FromSeconds(1);

    private static async Task<double> FloorAsync(IServiceProvider services, string[] statements, int warmup, int runs, TimeSpan budget)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        await db.Database.OpenConnectionAsync();
        var times = new List<double>();
        var spent = TimeSpan.Zero;
        for (var run = 0; run < warmup + runs; run++)
        {
            var watch = Stopwatch.StartNew();
            foreach (var sql in statements)
            {
                await using var cmd = Sql.Command(db, sql);
                await using var reader = await cmd.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    for (var i = 0; i < reader.FieldCount; i++) _ = reader.GetValue(i);
                }
            }
            watch.Stop();
            if (run < warmup)
            {
                if (watch.Elapsed > SlowWarmup) run = warmup - 1;
                continue;
            }
            times.Add(watch.Elapsed.TotalMilliseconds);
            spent += watch.Elapsed;
            if (spent > budget && (times.Count >= 3 || watch.Elapsed > budget)) break;
        }
        times.Sort();
        return PageBench.Percentile(times, 0.5);
    }

    /// <summary>
    /// Intake at size: registrations through RegisterMatter (IntakeBench's path) by 16 clients at once, the
    /// latency of each; the floor is the same row inserted raw, one transaction each, into a copy of the
    /// matters table with all its indexes (empty: its cost at size is the B-trees' depth, one more level).
    /// </summary>
    private static async Task<Result> IntakeAsync(IServiceProvider services, int count, int clients)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
            foreach (var table in new[] { "bench_raw", "bench_bare" })
            {
#pragma warning disable EF1002 // the bench's own table names, never input
                await db.Database.ExecuteSqlRawAsync($"DROP TABLE IF EXISTS {table}");
#pragma warning restore EF1002
            }
            await IntakeBench.CreateRawTablesAsync(db);
        }
        Actor actor;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
            var id = await db.Users.Where(u => u.Username == "dispatcher").Select(u => u.Id).SingleAsync();
            actor = (await Features.Auth.DubanAuthenticationHandler.LoadActorAsync(db, scope.ServiceProvider.GetRequiredService<Features.Units.UnitDirectory>(), id, default))!;
        }
        await IntakeBench.DubanAsync(services, actor, 100, clients);
        await IntakeBench.RawAsync(services, "bench_raw", 100, 0, clients);
        var latencies = new List<double>(count);
        var seconds = await IntakeBench.DubanAsync(services, actor, count, clients, latencies);
        var raw = new List<double>(count);
        var rawSeconds = await IntakeBench.RawAsync(services, "bench_raw", count, 100, clients, raw);
        latencies.Sort();
        raw.Sort();
        return new Result($"intake: RegisterMatter, {clients} clients at once", PageBench.Percentile(latencies, 0.5), PageBench.Percentile(latencies, 0.95),
            PageBench.Percentile(latencies, 0.99), PageBench.Percentile(raw, 0.5), count, 0, count / seconds, count / rawSeconds);
    }
}
