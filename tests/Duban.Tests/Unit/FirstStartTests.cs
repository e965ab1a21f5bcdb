using Duban.Data;
using Duban.Features.Demo;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Duban.Tests.Unit;

/// <summary>
/// The first start (issue 18): no EF Core warnings about query splitting or capped counts among the start-up's
/// lines, and the demo's accounts and password in a framed block with the addresses to open.
/// </summary>
public sealed class FirstStartTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Queries_ThatLoadTwoCollectionsOrCountUpToACap_RaiseNoWarning(string provider)
    {
        var warnings = new Warnings();
        using var logs = LoggerFactory.Create(b => b.AddProvider(warnings).SetMinimumLevel(LogLevel.Trace));
        var options = new DbContextOptionsBuilder<DubanDb>().UseLoggerFactory(logs);
        var data = Path.Combine(Path.GetTempPath(), "duban-first-start-" + Guid.NewGuid().ToString("N"));
        // Only compiled to SQL (ToQueryString), never run: no server is needed.
        DatabaseSetup.Configure(options, new DatabaseOptions { Provider = provider, ConnectionString = provider == "postgres" ? "Host=127.0.0.1;Database=none" : "Data Source=:memory:" }, data);
        using var db = new DubanDb(options.Options);

        // Two collections in one projection: EF warns unless the splitting is configured.
        var sql = db.Matters.Where(m => m.Id == 1)
            .Select(m => new { Leads = m.Assignments.Where(a => a.Role == "lead").ToList(), Others = m.Assignments.Where(a => a.Role != "lead").ToList() })
            .ToQueryString();
        Assert.Contains("assignments", sql, StringComparison.OrdinalIgnoreCase);
        // A capped count (MatterViews): rows in any order on purpose.
        _ = db.Matters.Where(m => m.Status == "received").Take(1000).Select(m => m.Id).ToQueryString();

        Assert.Empty(warnings.Lines);
    }

    [Fact]
    public void PrintAccounts_FramesTheAccountsPasswordAndAddresses_EveryLineOfTheSameWidth()
    {
        var output = new StringWriter();
        DemoSeeder.PrintAccounts(new DemoSeedResult("Xy7kQ2mN9pR4sT6v", true, 224, 357, 482), output, ["http://127.0.0.1:5080"]);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.StartsWith("╔", lines[0]);
        Assert.StartsWith("╚", lines[^1]);
        Assert.All(lines[1..^1], l => Assert.True(l.StartsWith("║ ", StringComparison.Ordinal) && l.EndsWith(" ║", StringComparison.Ordinal), l));
        // The right border lines up on a terminal: a Chinese character takes two columns.
        Assert.Single(lines.Select(DemoSeeder.Columns).Distinct());
        Assert.Contains(lines, l => l.Contains("Xy7kQ2mN9pR4sT6v", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("http://127.0.0.1:5080", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("dispatcher", StringComparison.Ordinal));
        Assert.Equal(4, DemoSeeder.Columns("督办"));
        Assert.Equal(2, DemoSeeder.Columns("ab"));
    }

    [Fact]
    public void PrintAccounts_WithAChosenPassword_NamesTheVariableNotThePassword()
    {
        var output = new StringWriter();
        DemoSeeder.PrintAccounts(new DemoSeedResult("chosen-secret", false, 1, 1, 0), output);
        Assert.DoesNotContain("chosen-secret", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("DUBAN_DEMO_PASSWORD", output.ToString(), StringComparison.Ordinal);
    }

    private sealed class Warnings : ILoggerProvider, ILogger
    {
        public List<string> Lines { get; } = [];
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning) lock (Lines) Lines.Add($"{eventId.Id}: {formatter(state, exception)}");
        }

        public void Dispose() { }
    }
}
