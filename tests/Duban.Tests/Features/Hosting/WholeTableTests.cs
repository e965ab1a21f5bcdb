using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Duban.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Hosting;

/// <summary>
/// A page or list reads an index, never a whole table (CONVENTIONS.md; issue 15): every SELECT the
/// pages and API lists send, as each kind of user, is planned by SQLite (EXPLAIN QUERY PLAN) and none
/// may walk one of the tables that grow with the city's volume without an index. The plans are the ones
/// a large database gets: without statistics (no ANALYZE is run), SQLite plans as if every table were large.
/// </summary>
public sealed partial class WholeTableTests
{
    /// <summary>The tables that grow with the matters: a year is a million matters and several million events.</summary>
    private static readonly string[] Growing = ["matters", "events", "assignments", "notifications", "notification_reads", "dispatch_returns",
        "attachments", "idempotency", "source_items", "source_measure_values", "matter_search", "open311_requests",
        "leads", "lead_sights", "lead_steps", "lead_follows", "agreement_commitments"];

    private readonly ConcurrentQueue<(string Sql, (string Name, object? Value)[] Parameters)> sent = new();

    /// <summary>A little more than EF Core's default logging cache time (one second), during which a new listener may go unheard.</summary>
    private static readonly TimeSpan LoggingCacheTime = TimeSpan.FromSeconds(1.2);

    private string dataDirectory = "";

    /// <summary>A deployment of the test's own (SQLite: the plans read here are SQLite's), its database file known to this class.</summary>
    private async Task<DubanFactory> DeploymentAsync()
    {
        if (DubanFactory.Provider != "sqlite") throw new InvalidOperationException("the plans read here are SQLite's: this test has no database category, and runs in the SQLite pass");
        var app = new DubanFactory();
        await app.InitializeAsync();
        dataDirectory = app.Services.GetRequiredService<IConfiguration>()["Duban:DataDirectory"]!;
        return app;
    }

    [Fact]
    public async Task EveryPageAndList_ReadsTheGrowingTablesByIndex()
    {
        await using var app = await DeploymentAsync();
        using var subscription = DiagnosticListener.AllListeners.Subscribe(new Listener(this));
        var desk = app.Desk;
        var town = await desk.Matter(NewMatter.Noise("川岛镇略尾村路灯损坏", "440781115")).Lead("440781115").InProgressAsync();
        // The dashboard reads the counters while they are fresh (the tally job is off in tests: one pass by hand).
        await using (var scope = app.Scope()) await scope.ServiceProvider.GetRequiredService<Duban.Features.Tally.Tallies>().CatchUpAsync(default);
        var pages = new (string User, string Url)[]
        {
            ("dispatcher", "/console"), ("supervisor", "/console"), ("leader", "/console"), ("h-440781115", "/console"), ("s-440781", "/console"),
            ("dispatcher", "/console/queue"), ("dispatcher", "/console/queue?light=red"), ("dispatcher", "/console/queue?county=440781&kind=petition&sort=newest"),
            ("dispatcher", "/console/matters"), ("dispatcher", "/console/matters?q=路灯"), ("dispatcher", "/console/matters?q=噪音扰民"),
            ("dispatcher", "/console/matters?light=red"), ("dispatcher", "/console/matters?status=in_progress"), ("dispatcher", "/console/matters?overdue=true"),
            ("s-440781", "/console/matters"), ("s-440781", "/console/matters?q=路灯"), ("h-440781115", "/console/matters"),
            ("dispatcher", $"/console/matters/{town}"), ("h-440781115", $"/console/matters/{town}"),
            ("supervisor", "/console/sources"), ("h-440781115", "/console/notifications"),
            ("h-440704-fgj", "/console/leads"), ("h-440785-fgj", "/api/v1/leads"), ("h-440785-fgj", "/console/leads/1"), ("h-440785-fgj", "/api/v1/leads/1"),
            ("supervisor", "/api/v1/leads/figures"),
            ("dispatcher", "/api/v1/matters"), ("dispatcher", "/api/v1/matters?q=路灯"), ("s-440781", "/api/v1/matters?light=yellow"),
            ("h-440781115", "/api/v1/matters"), ("dispatcher", "/api/v1/dispatch/queue"),
            ("supervisor", "/console/dashboard"), ("s-440781", "/console/dashboard"), ("supervisor", "/api/v1/supervision/lights?by=county"),
            ("supervisor", "/api/v1/figures?period=2026-11&rank=county"), ("supervisor", "/api/v1/figures?period=2026&rank=town&kind=complaint"),
            ("s-440781", "/api/v1/figures?period=2026-Q4&rank=department"), ("dispatcher", "/api/v1/figures/units/440781115?period=2026"),
            // The Open311 door's lists (no login; any client will do).
            ("dispatcher", "/open311/v2/requests.json"), ("dispatcher", "/open311/v2/requests.json?status=open"),
            ("dispatcher", "/open311/v2/requests.json?status=closed&service_code=0000000000"), ("dispatcher", "/open311/v2/requests.json?service_request_id=JM-2026-000001,JM-2026-000002"),
        };
        var failures = new List<string>();
        foreach (var (user, url) in pages)
        {
            // EF Core keeps its answer to "is anyone listening?" for a second (ConfigureLoggingCacheTime), so a
            // listener subscribed during that second hears nothing until it has passed: ask again after it.
            for (var attempt = 0; attempt < 3 && (attempt == 0 || sent.IsEmpty); attempt++)
            {
                if (attempt > 0) await Task.Delay(LoggingCacheTime);
                sent.Clear();
                var answer = await desk.As(user).GetAsync(url);
                Assert.True(answer.IsSuccessStatusCode, $"{user} {url}: {(int)answer.StatusCode}");
            }
            // The listener hears the page's statements: on the matters, or only on the counters (the lights board, the figures), or the leads' index.
            Assert.Contains(sent, s => s.Sql.Contains("FROM \"matters\"", StringComparison.Ordinal) || s.Sql.Contains("FROM \"tally_counts\"", StringComparison.Ordinal)
                || s.Sql.Contains("FROM \"rate_counts\"", StringComparison.Ordinal) || s.Sql.Contains("FROM \"open311_requests\"", StringComparison.Ordinal)
                || s.Sql.Contains("FROM \"lead_sights\"", StringComparison.Ordinal) || s.Sql.Contains("FROM \"lead_figures\"", StringComparison.Ordinal));
            var walks = await WalksAsync();
            if (walks.Count > 0)
            {
                failures.Add($"{user} {url} walks a whole table:\n{string.Join("\n", walks.Distinct())}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>
    /// The jobs every node runs in the background read by index too: a walk of the events there costs every node
    /// seconds at a year's volume, again at every tick (the classifier's trainer once walked them every 15 minutes).
    /// </summary>
    [Fact]
    public async Task TheBackgroundJobs_ReadTheGrowingTablesByIndex()
    {
        await using var app = await DeploymentAsync();
        using var subscription = DiagnosticListener.AllListeners.Subscribe(new Listener(this));
        await app.Desk.Matter(NewMatter.Noise("川岛镇略尾村路灯损坏", "440781115")).Lead("440781115").InProgressAsync();
        var jobs = new (string Name, Func<IServiceProvider, Task> Run)[]
        {
            ("the classifier's examples", sp => sp.GetRequiredService<Duban.Features.Dispatching.ClassifierTrainer>().ExamplesAsync(sp.GetRequiredService<Duban.Data.DubanDb>(), default)),
            ("the tally's catch-up", sp => sp.GetRequiredService<Duban.Features.Tally.Tallies>().CatchUpAsync(default)),
        };
        var failures = new List<string>();
        foreach (var (name, run) in jobs)
        {
            // As for the pages: after EF Core's logging cache has had time to see the listener, ask again.
            for (var attempt = 0; attempt < 3 && (attempt == 0 || !sent.Any(Heard)); attempt++)
            {
                if (attempt > 0) await Task.Delay(LoggingCacheTime);
                sent.Clear();
                await using (var scope = app.Scope()) await run(scope.ServiceProvider);
            }
            Assert.Contains(sent, Heard);
            // The trainer's newest categorised matters walk the primary key backwards up to the limit: nearly every
            // matter qualifies (categorised, not merged, not a part), so the walk stops after about MaxExamples rows.
            var walks = (await WalksAsync()).Where(w => !(w.StartsWith("SCAN m\n", StringComparison.Ordinal)
                && w.Contains("WHERE \"m\".\"category\" IS NOT NULL AND \"m\".\"status\" <> 'merged' AND \"m\".\"parent_id\" IS NULL ORDER BY \"m\".\"id\" DESC LIMIT", StringComparison.Ordinal))).ToList();
            if (walks.Count > 0) failures.Add($"{name} walks a whole table:\n{string.Join("\n", walks.Distinct())}");
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        static bool Heard((string Sql, (string, object?)[] Parameters) s) =>
            s.Sql.Contains("FROM \"matters\"", StringComparison.Ordinal) || s.Sql.Contains("FROM \"events\"", StringComparison.Ordinal);
    }

    /// <summary>
    /// A handler's boxes and lists of held matters find the unit's matters in those states from the assignments' copy
    /// of the state (ix_assignments_unit_status, schema 0034), not by reading every matter the unit ever held (a busy
    /// town's year: 17,000, nearly all closed).
    /// </summary>
    [Fact]
    public async Task AHandlersHeldMatters_AreFoundByTheAssignmentsCopyOfTheState()
    {
        await using var app = await DeploymentAsync();
        using var subscription = DiagnosticListener.AllListeners.Subscribe(new Listener(this));
        await app.Desk.Matter(NewMatter.Noise("川岛镇略尾村路灯损坏", "440781115")).Lead("440781115").InProgressAsync();
        foreach (var url in new[] { "/api/v1/matters?status=in_progress", "/api/v1/matters?overdue=true", "/console/matters?sentBack=true&light=yellow" })
        {
            for (var attempt = 0; attempt < 3 && (attempt == 0 || sent.IsEmpty); attempt++)
            {
                if (attempt > 0) await Task.Delay(LoggingCacheTime);
                sent.Clear();
                Assert.True((await app.Desk.As("h-440781115").GetAsync(url)).IsSuccessStatusCode, url);
            }
            var plans = await PlansAsync();
            Assert.True(plans.Any(p => p.Plan.Any(l => l.Contains("INDEX ix_assignments_unit_status (unit_code=? AND matter_status", StringComparison.Ordinal))),
                $"{url}: no statement read the unit's matters by state:\n{string.Join("\n", plans.Select(p => string.Join(" | ", p.Plan) + "\n    in: " + p.Sql.ReplaceLineEndings(" ")))}");
        }
    }

    /// <summary>The captured SELECT statements, each with its plan (EXPLAIN QUERY PLAN, on the app's database).</summary>
    private async Task<List<(string Sql, List<string> Plan)>> PlansAsync()
    {
        var plans = new List<(string, List<string>)>();
        await using var conn = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "duban.db")};Mode=ReadOnly");
        await conn.OpenAsync();
        foreach (var (sql, parameters) in sent.ToArray())
        {
            if (!sql.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) && !sql.TrimStart().StartsWith("WITH", StringComparison.OrdinalIgnoreCase)) continue;
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "EXPLAIN QUERY PLAN " + sql;
            foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
            var plan = new List<string>();
            await using (var reader = await cmd.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) plan.Add(reader.GetString(3));
            }
            plans.Add((sql, plan));
        }
        return plans;
    }

    /// <summary>The plan lines of the captured statements that walk a growing table without an index.</summary>
    private async Task<List<string>> WalksAsync()
    {
        var found = new List<string>();
        foreach (var (sql, plan) in await PlansAsync())
        {
            // A page read in an index's order up to its LIMIT, with nothing sorted, stops at the page: not a walk.
            var pagedInOrder = sql.Contains("LIMIT", StringComparison.Ordinal) && !plan.Any(l => l.Contains("TEMP B-TREE", StringComparison.Ordinal));
            foreach (var detail in plan)
            {
                if (WholeWalk().Match(detail) is { Success: true } m && TablesOf(sql, m.Groups[1].Value).Any(Growing.Contains)
                    && !(m.Groups[2].Success && pagedInOrder))
                    found.Add($"{detail}\n    in: {sql.ReplaceLineEndings(" ")}");
                // "col IS NOT NULL" as the index's only bound is a walk of the whole index (and a row for each entry).
                else if (NotNullRange().Match(detail) is { Success: true } r && TablesOf(sql, r.Groups[1].Value).Any(Growing.Contains)
                    && sql.Contains($"\"{r.Groups[1].Value}\".\"{r.Groups[2].Value}\" IS NOT NULL", StringComparison.Ordinal))
                    found.Add($"{detail} (IS NOT NULL: the whole index)\n    in: {sql.ReplaceLineEndings(" ")}");
            }
        }
        return found;
    }

    /// <summary>
    /// SQLite's plan line for reading a table row by row: with no index (not a virtual table's index either), or in the
    /// order of a whole index that does not cover the statement (a row read for each entry: the county's matters
    /// assigned elsewhere once walked every assignment so, for a DISTINCT's order); it names the table or its alias.
    /// A walk of a whole covering index (an index-only count) is not one.
    /// </summary>
    [GeneratedRegex(@"^SCAN (\w+)( USING INDEX \w+)?$")]
    private static partial Regex WholeWalk();

    /// <summary>SQLite's plan line for an index searched only by "greater than" on its first column, as it serves "IS NOT NULL".</summary>
    [GeneratedRegex(@"^SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \((\w+)>\?\)$")]
    private static partial Regex NotNullRange();

    /// <summary>The tables a name in a plan may stand for: itself, or the tables the statement gives that alias ("matters" AS "m").</summary>
    private static IEnumerable<string> TablesOf(string sql, string name) =>
        [name, .. Aliases().Matches(sql).Where(a => a.Groups[2].Value == name).Select(a => a.Groups[1].Value)];

    [GeneratedRegex("\"(\\w+)\" AS \"(\\w+)\"")]
    private static partial Regex Aliases();

    private sealed class Listener(WholeTableTests test) : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == DbLoggerCategory.Name) value.Subscribe(this);
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Value is CommandExecutedEventData { Command: var cmd }
                && cmd.Connection?.DataSource is { } source && test.dataDirectory.Length > 0 && source.StartsWith(test.dataDirectory, StringComparison.Ordinal))
            {
                test.sent.Enqueue((cmd.CommandText, [.. cmd.Parameters.Cast<System.Data.Common.DbParameter>().Select(p => (p.ParameterName, (object?)p.Value))]));
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
