using Duban.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Duban.Tests.Unit;

/// <summary>
/// The one refreshing cache of the reference data (Common/RefreshingCache): its freshness rule on a clock
/// the test moves, invalidation, a failing read, and one read shared by readers who come together.
/// </summary>
public sealed class RefreshingCacheTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(30);

    private readonly ServiceProvider services = new ServiceCollection().BuildServiceProvider();
    private readonly ManualClock clock = new(Start);
    private readonly ListLogger logger = new();

    /// <summary>What the next read finds ("the database").</summary>
    private Func<Task<string>> read = () => Task.FromResult("a");

    private int reads;

    public void Dispose() => services.Dispose();

    private RefreshingCache<string> Cache(TimeSpan? period = null, CacheRefresh refresh = CacheRefresh.OnUse) =>
        new("the test values", period ?? Period, refresh, async (_, inForce, _) =>
        {
            Interlocked.Increment(ref reads);
            var value = await read();
            // As the real loaders do: the same content keeps the instance in force.
            return value == inForce ? inForce : value;
        }, services.GetRequiredService<IServiceScopeFactory>(), clock, logger);

    /// <summary>A read that waits for the test: entered when it has begun, answered when the test sets the database's answer.</summary>
    private (Task Entered, TaskCompletionSource<string> Database) SlowDatabase()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var database = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        read = () =>
        {
            entered.TrySetResult();
            return database.Task;
        };
        return (entered.Task, database);
    }

    private static Func<Task<string>> Value(string value) => () => Task.FromResult(new string(value.AsSpan()));

    [Fact]
    public async Task GetAsync_ServesTheValueUntilItsPeriodPasses_ThenReadsAgain()
    {
        using var cache = Cache();
        Assert.Equal("a", await cache.GetAsync());
        read = Value("b");

        clock.UtcNow = Start + Period - TimeSpan.FromMilliseconds(1);
        Assert.Equal("a", await cache.GetAsync());
        Assert.Equal(1, reads);

        clock.UtcNow = Start + Period;
        Assert.Equal("b", await cache.GetAsync());
        Assert.Equal(2, reads);
        // Read again at Start + Period: served for a whole period from then.
        clock.UtcNow = Start + Period + Period - TimeSpan.FromMilliseconds(1);
        read = Value("c");
        Assert.Equal("b", await cache.GetAsync());
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task GetAsync_ClockSetBack_ReadsAgain()
    {
        using var cache = Cache();
        Assert.Equal("a", await cache.GetAsync());
        read = Value("b");
        clock.UtcNow = Start - TimeSpan.FromSeconds(1);
        Assert.Equal("b", await cache.GetAsync());
    }

    [Fact]
    public async Task PeriodZero_ReadsOnEveryUse()
    {
        using var cache = Cache(TimeSpan.Zero);
        await cache.GetAsync();
        await cache.GetAsync();
        await cache.GetAsync();
        Assert.Equal(3, reads);
    }

    [Fact]
    public async Task Invalidate_TheNextReadIsFreshAtOnce()
    {
        using var cache = Cache();
        Assert.Equal("a", await cache.GetAsync());
        read = Value("b");
        Assert.Equal("a", await cache.GetAsync());
        cache.Invalidate();
        Assert.Equal("b", await cache.GetAsync()); // the clock has not moved
        Assert.Equal("b", await cache.GetAsync());
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task RefreshAsync_ReadsNow_TrueOnlyWhenTheValueChanged()
    {
        using var cache = Cache();
        Assert.True(await cache.RefreshAsync()); // nothing in force before
        Assert.False(await cache.RefreshAsync()); // the same content
        read = Value("b");
        Assert.True(await cache.RefreshAsync());
        Assert.Equal("b", await cache.GetAsync());
        Assert.Equal(3, reads);
        cache.Invalidate();
        Assert.True(await cache.RefreshAsync()); // invalidated: read from nothing, whatever it finds
    }

    [Fact]
    public async Task AFailingRead_KeepsTheLastGoodValue_Logs_AndTheNextUseTriesAgain()
    {
        using var cache = Cache();
        Assert.Equal("a", await cache.GetAsync());
        read = () => throw new InvalidOperationException("the database is away");
        clock.UtcNow = Start + Period;
        Assert.Equal("a", await cache.GetAsync());
        Assert.False(await cache.RefreshAsync());
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Exception is InvalidOperationException && e.Message.Contains("the test values", StringComparison.Ordinal));
        cache.Invalidate();
        Assert.Equal("a", await cache.GetAsync()); // invalidated, but still the last good value

        read = Value("b");
        Assert.Equal("b", await cache.GetAsync());
        Assert.Equal("b", cache.Current);
    }

    [Fact]
    public async Task AFailingFirstRead_IsTheReadersFailure()
    {
        using var cache = Cache();
        read = () => throw new InvalidOperationException("the database is away");
        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetAsync());
        Assert.Null(cache.Current);
        read = Value("a");
        Assert.Equal("a", await cache.GetAsync());
    }

    [Fact]
    public async Task ReadersComingTogether_ShareOneRead()
    {
        using var cache = Cache();
        var (entered, database) = SlowDatabase();
        var readers = Enumerable.Range(0, 8).Select(_ => cache.GetAsync()).ToList();
        await entered.WaitAsync(TimeSpan.FromSeconds(30));
        readers.Add(cache.GetAsync()); // one more while the read runs
        database.SetResult("slow");
        var values = await Task.WhenAll(readers);
        Assert.All(values, v => Assert.Same(values[0], v));
        Assert.Equal(1, reads);
    }

    [Fact]
    public async Task AReadBegunBeforeAnInvalidation_AnswersItsReaders_ButIsNotKept()
    {
        using var cache = Cache();
        var (entered, database) = SlowDatabase();
        var early = cache.GetAsync();
        await entered.WaitAsync(TimeSpan.FromSeconds(30));
        cache.Invalidate(); // a change committed here while the read ran
        var late = cache.GetAsync(); // does not join the older read
        read = Value("new");
        database.SetResult("old");
        Assert.Equal("old", await early);
        Assert.Equal("new", await late);
        Assert.Equal("new", await cache.GetAsync());
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task AfterChangeAsync_OnUseForgets_ARefreshedCacheReadsAtOnce()
    {
        using var onUse = Cache();
        using var background = Cache(refresh: CacheRefresh.Background);
        await onUse.GetAsync();
        await background.GetAsync();
        read = Value("b");

        await onUse.AfterChangeAsync();
        Assert.Equal(2, reads);
        Assert.Equal("b", await onUse.GetAsync());
        Assert.Equal(3, reads);

        await background.AfterChangeAsync();
        Assert.Equal(4, reads);
        Assert.Equal("b", background.Current);
    }

    [Fact]
    public async Task Refresher_ReadsBeforeServing_FromStart_AndTheOthersOnlyAtTheirTick()
    {
        using var beforeServing = Cache(TimeSpan.FromHours(1), CacheRefresh.BackgroundBeforeServing);
        using var fromStart = Cache(TimeSpan.FromHours(1), CacheRefresh.BackgroundFromStart);
        using var background = Cache(TimeSpan.FromHours(1), CacheRefresh.Background);
        using var onUse = Cache(TimeSpan.FromHours(1));
        using var refresher = new CacheRefresher([beforeServing, fromStart, background, onUse], TimeProvider.System,
            new ListLogger<CacheRefresher>());

        await refresher.StartAsync(CancellationToken.None);
        Assert.Equal("a", beforeServing.Current);
        for (var waited = 0; fromStart.Current is null && waited < 300; waited++) await Task.Delay(100);
        Assert.Equal("a", fromStart.Current);
        Assert.Null(background.Current);
        Assert.Null(onUse.Current);
        await refresher.StopAsync(CancellationToken.None);
    }

    private class ListLogger : ILogger
    {
        private readonly List<(LogLevel Level, Exception? Exception, string Message)> entries = [];

        public IReadOnlyList<(LogLevel Level, Exception? Exception, string Message)> Entries
        {
            get
            {
                lock (entries) return [.. entries];
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            lock (entries) entries.Add((logLevel, exception, formatter(state, exception)));
        }
    }

    private sealed class ListLogger<T> : ListLogger, ILogger<T>;
}
