namespace Duban.Common;

/// <summary>How a reference cache is kept fresh besides being read again on use once its period has passed.</summary>
public enum CacheRefresh
{
    /// <summary>On use only: the first reader after the period reads again (the rounds, the catalogue).</summary>
    OnUse,

    /// <summary>Also every period by the node's <see cref="CacheRefresher"/>, the first time one period after the start (the units).</summary>
    Background,

    /// <summary>As <see cref="Background"/>, and read once as the node starts, beside the start-up (the place aliases: their first read loads all of China).</summary>
    BackgroundFromStart,

    /// <summary>As <see cref="Background"/>, and read before the node serves (the calendar's days: a return window computed without them would be wrong).</summary>
    BackgroundBeforeServing,
}

/// <summary>A reference cache as the refresher and the audited changes see it, whatever it holds.</summary>
public interface IRefreshingCache
{
    /// <summary>What it holds, for the log ("the units").</summary>
    string Name { get; }

    /// <summary>How long a value read serves before it is read again.</summary>
    TimeSpan Period { get; }

    CacheRefresh Refresh { get; }

    /// <summary>Reads again now; true when the value changed.</summary>
    Task<bool> RefreshAsync(CancellationToken ct = default);

    /// <summary>Forgets the value: the next read reads again, and does not join a read that began before.</summary>
    void Invalidate();

    /// <summary>
    /// After a change committed on this node: the next read is fresh (<see cref="Invalidate"/>), and a
    /// cache the refresher keeps, whose value may be in force where nobody reads through the cache (the
    /// calendar's days, the place aliases), reads again at once, so this node uses the change when it returns.
    /// </summary>
    Task AfterChangeAsync(CancellationToken ct = default);
}

/// <summary>
/// One reference value every node keeps in memory (the units, the rounds, the calendar's days, the place
/// aliases, the catalogue), with one freshness rule: a value is served until it is older than
/// <see cref="Period"/>, then read again by the next use (and, for a cache refreshed in the background, by
/// the node's <see cref="CacheRefresher"/> every period), so another node's change is in force here within
/// the period; <see cref="Invalidate"/> after a change on this node makes the next read fresh at once.
/// Readers who find no fresh value share one read; reads run one at a time, in the order they began, so an
/// older read never lands after a newer one, and a read begun before an invalidation is not kept. A read
/// that fails keeps the last good value in force (and logs); only with none yet does the reader get the failure.
/// </summary>
/// <remarks>
/// The loader runs in a DI scope of its own (its own DbContext), never the caller's: it is given the value
/// in force (null when there is none or it was invalidated) and may return that same instance to say
/// nothing changed (<see cref="RefreshAsync"/> then answers false), e.g. after comparing a cheap stamp.
/// </remarks>
public sealed class RefreshingCache<T> : IRefreshingCache, IDisposable where T : class?
{
    private sealed record Entry(T Value, DateTimeOffset ReadAt, long Generation);

    private readonly Func<IServiceProvider, T?, CancellationToken, Task<T>> load;
    private readonly IServiceScopeFactory scopes;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly CancellationTokenSource disposing = new();
    private readonly CancellationToken disposed;
    private int disposedOnce;
    private readonly Lock gate = new();
    private Entry? entry;

    /// <summary>Moves on with every invalidation: a value read for an older generation is not kept.</summary>
    private long generation;

    /// <summary>The newest read, begun for <see cref="loadingGeneration"/>; readers of that generation join it while it runs.</summary>
    private Task<(Entry Entry, bool Read)>? loading;
    private long loadingGeneration;

    public RefreshingCache(string name, TimeSpan period, CacheRefresh refresh, Func<IServiceProvider, T?, CancellationToken, Task<T>> load,
        IServiceScopeFactory scopes, TimeProvider time, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        // A refresher's timer needs a period; a period of zero is read on every use (the catalogue's newest version).
        if (refresh != CacheRefresh.OnUse) ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        (Name, Period, Refresh, this.load, this.scopes, this.time, this.logger) = (name, period, refresh, load, scopes, time, logger);
        disposed = disposing.Token;
    }

    public string Name { get; }
    public TimeSpan Period { get; }
    public CacheRefresh Refresh { get; }

    /// <summary>The last good value, however old, without reading (default before the first read).</summary>
    public T? Current
    {
        get
        {
            lock (gate) return entry is { } e ? e.Value : default;
        }
    }

    /// <summary>The value: the one in force while it is younger than <see cref="Period"/> and not invalidated, else read again.</summary>
    public async Task<T> GetAsync(CancellationToken ct = default)
    {
        Task<(Entry Entry, bool Read)> pending;
        lock (gate)
        {
            if (entry is { } e && e.Generation == generation && IsFresh(e.ReadAt)) return e.Value;
            pending = loading is { IsCompleted: false } running && loadingGeneration == generation ? running : StartLoad();
        }
        return (await pending.WaitAsync(ct)).Entry.Value;
    }

    public async Task<bool> RefreshAsync(CancellationToken ct = default)
    {
        Task<(Entry Entry, bool Read)> pending;
        T? before;
        bool had;
        lock (gate)
        {
            had = entry is { } e && e.Generation == generation;
            before = had ? entry!.Value : default;
            pending = StartLoad();
        }
        var (after, read) = await pending.WaitAsync(ct);
        return read && (!had || !ReferenceEquals(before, after.Value));
    }

    public void Invalidate()
    {
        lock (gate) generation++;
    }

    public async Task AfterChangeAsync(CancellationToken ct = default)
    {
        Invalidate();
        if (Refresh != CacheRefresh.OnUse) await RefreshAsync(ct);
    }

    /// <summary>Cancels a read in flight. Idempotent: the owner and the container (for a cache handed to the refresher) both dispose it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposedOnce, 1) == 1) return;
        disposing.Cancel();
        disposing.Dispose();
    }

    private bool IsFresh(DateTimeOffset readAt)
    {
        var now = time.GetUtcNow();
        // A clock set back is no reason to trust a value read "in the future".
        return now >= readAt && now - readAt < Period;
    }

    /// <summary>Begins a read after the one in flight (called holding the gate); off the caller's thread and context.</summary>
    private Task<(Entry Entry, bool Read)> StartLoad()
    {
        var previous = loading;
        var forGeneration = generation;
        loading = Task.Run(() => LoadAsync(previous, forGeneration), CancellationToken.None);
        loadingGeneration = forGeneration;
        return loading;
    }

    private async Task<(Entry Entry, bool Read)> LoadAsync(Task? previous, long forGeneration)
    {
        if (previous is not null) await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        T? inForce;
        lock (gate) inForce = entry is { } e && e.Generation == forGeneration ? e.Value : default;
        var readAt = time.GetUtcNow();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var read = new Entry(await load(scope.ServiceProvider, inForce, disposed), readAt, forGeneration);
            lock (gate)
            {
                // A read begun before an invalidation answers those who asked before it, but is not kept.
                if (forGeneration == generation) entry = read;
            }
            return (read, true);
        }
        catch (Exception e) when (!disposed.IsCancellationRequested)
        {
            Entry? last;
            lock (gate) last = entry;
            if (last is null) throw;
            logger.LogWarning(e, "Could not read {Cache} again; the copy read at {ReadAt} stays in force", Name, last.ReadAt);
            return (last, false);
        }
    }
}

/// <summary>Makes the node's reference caches: each reads in a scope of its own, on the node's clock.</summary>
public sealed class RefreshingCaches(IServiceScopeFactory scopes, TimeProvider time, ILogger<RefreshingCaches> logger)
{
    public RefreshingCache<T> Create<T>(string name, TimeSpan period, CacheRefresh refresh, Func<IServiceProvider, T?, CancellationToken, Task<T>> load)
        where T : class? => new(name, period, refresh, load, scopes, time, logger);
}

/// <summary>
/// The node's one refresher of the reference caches refreshed in the background: each read again every
/// its own period (a failure logged, the value in force kept until the next tick), those that ask for it
/// read once at the start or before the node serves. Registered after StartupTasks: a hosted service
/// starts when the one before it has, so the schema scripts have run.
/// </summary>
public sealed class CacheRefresher(IEnumerable<IRefreshingCache> caches, TimeProvider time, ILogger<CacheRefresher> logger) : BackgroundService
{
    private readonly IReadOnlyList<IRefreshingCache> refreshed = [.. caches.Where(c => c.Refresh != CacheRefresh.OnUse)];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var cache in refreshed.Where(c => c.Refresh == CacheRefresh.BackgroundBeforeServing))
        {
            await RefreshAsync(cache, tick: false, cancellationToken);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(refreshed.Select(cache => KeepAsync(cache, stoppingToken)));

    private async Task KeepAsync(IRefreshingCache cache, CancellationToken stopping)
    {
        await Task.Yield();
        if (cache.Refresh == CacheRefresh.BackgroundFromStart) await RefreshAsync(cache, tick: false, stopping);
        using var timer = new PeriodicTimer(cache.Period, time);
        while (await timer.NextTickAsync(stopping)) await RefreshAsync(cache, tick: true, stopping);
    }

    private async Task RefreshAsync(IRefreshingCache cache, bool tick, CancellationToken ct)
    {
        try
        {
            if (await cache.RefreshAsync(ct) && tick) logger.LogInformation("{Cache} changed elsewhere (another node, the CLI): read again", cache.Name);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // A database briefly away (or not yet migrated) is no reason to stop; the next tick tries again.
            logger.LogWarning(e, "Could not refresh {Cache}", cache.Name);
        }
    }
}

public static class RefreshingCacheServices
{
    /// <summary>Hands the cache a singleton owns to the node's <see cref="CacheRefresher"/>.</summary>
    public static IServiceCollection AddRefreshingCache<TOwner>(this IServiceCollection services, Func<TOwner, IRefreshingCache> cache)
        where TOwner : class
    {
        ArgumentNullException.ThrowIfNull(cache);
        return services.AddSingleton(sp => cache(sp.GetRequiredService<TOwner>()));
    }
}
