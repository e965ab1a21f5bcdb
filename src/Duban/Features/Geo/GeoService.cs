using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Geo;

/// <summary>
/// The gazetteer of this node: all of China, loaded once per process (about half a second, see
/// bench geo) on a background thread at start-up, with the shipped aliases and the database's. A caller
/// that comes before the load has finished waits for it.
/// </summary>
public sealed class GeoService(IConfiguration configuration, IServiceScopeFactory scopes, ILogger<GeoService> logger) : IDisposable
{
    private readonly Lazy<Gazetteer> gazetteer = new(() =>
    {
        var g = GeoData.Load(configuration["Duban:HomeDivision"] ?? "440700", []);
        logger.LogInformation("Divisions of China: {Divisions} divisions, {Names} names, loaded in {Ms} ms", g.Divisions.Count, g.NameCount, (int)GeoData.Loaded.LoadTime.TotalMilliseconds);
        return g;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private (int Count, long MaxId) aliasesLoaded = (-1, -1);
    private readonly SemaphoreSlim aliasLock = new(1, 1);

    public Gazetteer Gazetteer => gazetteer.Value;

    public void Dispose() => aliasLock.Dispose();

    public GeoMatch Resolve(string? text) => Gazetteer.Resolve(text);

    /// <summary>
    /// The place of a matter (属地): what its location names, wherever that is; failing that, what
    /// its title or content names by an official name or form (not bare roots alone), and only
    /// inside the home city. A title or a complaint's text names places in passing (三元 is also
    /// money, 开平板 a tablet, 新会员 a new member), so those are left for the dispatcher to set
    /// rather than guessed.
    /// </summary>
    public GeoMatch ResolveTerritory(string? location, string? title, string? content)
    {
        var fromLocation = Resolve(location);
        if (fromLocation.Code is not null) return fromLocation;
        var g = Gazetteer;
        foreach (var text in (ReadOnlySpan<string?>)[title, content])
        {
            var m = g.Resolve(text, namedOnly: true);
            if (m.Code is not null && g.Home > 0 && g.Divisions.Contains(g.Home, g.Divisions.Find(m.Code))) return m;
        }
        return GeoMatch.Nothing;
    }

    /// <summary>
    /// Puts the database's aliases in force when they differ from those loaded (by count and
    /// newest id, so that removals count too). Each node calls it after its own change and
    /// every half minute for the others' (GeoAliasRefresher).
    /// </summary>
    public async Task RefreshAliasesAsync(bool force = false, CancellationToken ct = default)
    {
        await aliasLock.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
            var count = await db.GeoAliases.CountAsync(ct);
            var maxId = count == 0 ? 0 : await db.GeoAliases.MaxAsync(a => a.Id, ct);
            if (!force && (count, maxId) == aliasesLoaded) return;
            var rows = await db.GeoAliases.AsNoTracking().Select(a => new { a.Alias, a.Code }).ToListAsync(ct);
            var g = Gazetteer;
            g.UseAliases(Gazetteer.IndexAliases(g.Divisions, GeoData.ShippedAliases().Concat(rows.Select(r => (r.Alias, r.Code)))));
            aliasesLoaded = (count, maxId);
        }
        finally
        {
            aliasLock.Release();
        }
    }
}

/// <summary>Loads the gazetteer at start-up without holding the start-up up, then keeps every node's aliases current.</summary>
public sealed class GeoAliasRefresher(GeoService geo, TimeProvider time, ILogger<GeoAliasRefresher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await geo.RefreshAliasesAsync(ct: stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A database that is briefly away (or not yet migrated) is no reason to stop; try again next time.
                logger.LogWarning(e, "Could not refresh the local aliases of places");
            }
        }
        while (await timer.NextTickAsync(stoppingToken));
    }
}
