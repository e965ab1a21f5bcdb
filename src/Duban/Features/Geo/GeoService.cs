using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Geo;

/// <summary>
/// The gazetteer of this node: all of China, loaded once per process (about half a second, see
/// bench geo) on a background thread at start-up (the first read of the local aliases, by the node's
/// <see cref="CacheRefresher"/>), with the shipped aliases and the database's. A caller that comes
/// before the load has finished waits for it.
/// </summary>
public sealed class GeoService : IDisposable
{
    /// <summary>How often every node reads the local aliases again, for another node's change.</summary>
    public static readonly TimeSpan AliasRefresh = TimeSpan.FromSeconds(30);

    private readonly Lazy<Gazetteer> gazetteer;

    /// <summary>The local aliases put in force on the gazetteer, by their count and newest id (a removal moves the count).</summary>
    private sealed record AliasesRead(int Count, long MaxId);

    private readonly RefreshingCache<AliasesRead> aliases;

    public GeoService(IConfiguration configuration, RefreshingCaches caches, ILogger<GeoService> logger)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(caches);
        gazetteer = new(() =>
        {
            var g = GeoData.Load(configuration["Duban:HomeDivision"] ?? "440700", []);
            logger.LogInformation("Divisions of China: {Divisions} divisions, {Names} names, loaded in {Ms} ms", g.Divisions.Count, g.NameCount, (int)GeoData.Loaded.LoadTime.TotalMilliseconds);
            return g;
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        aliases = caches.Create<AliasesRead>("the local aliases of places", AliasRefresh, CacheRefresh.BackgroundFromStart, LoadAliasesAsync);
    }

    /// <summary>The local aliases as a <see cref="RefreshingCache{T}"/>: read in the background, the node that changes one at once.</summary>
    internal IRefreshingCache AliasCache => aliases;

    public Gazetteer Gazetteer => gazetteer.Value;

    public void Dispose() => aliases.Dispose();

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
    /// Puts the database's aliases in force when they differ from those loaded (by count and newest
    /// id, so that removals count too), or always (<paramref name="force"/>): the CLI's verbs, before
    /// they resolve. A node's refresher reads them every <see cref="AliasRefresh"/> for the other nodes'
    /// changes; a change on this node reads them at once.
    /// </summary>
    public async Task RefreshAliasesAsync(bool force = false, CancellationToken ct = default)
    {
        if (force) aliases.Invalidate();
        await aliases.RefreshAsync(ct);
    }

    private async Task<AliasesRead> LoadAliasesAsync(IServiceProvider services, AliasesRead? inForce, CancellationToken ct)
    {
        var db = services.GetRequiredService<DubanDb>();
        var count = await db.GeoAliases.CountAsync(ct);
        var read = new AliasesRead(count, count == 0 ? 0 : await db.GeoAliases.MaxAsync(a => a.Id, ct));
        if (inForce is not null && read == inForce) return inForce;
        var rows = await db.GeoAliases.AsNoTracking().Select(a => new { a.Alias, a.Code }).ToListAsync(ct);
        var g = Gazetteer;
        g.UseAliases(Gazetteer.IndexAliases(g.Divisions, GeoData.ShippedAliases().Concat(rows.Select(r => (r.Alias, r.Code)))));
        return read;
    }
}
