using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Units;

public sealed record UnitInfo(string Code, string Name, string? ShortName, string Kind, string? ParentCode, string TerritoryCode, string? Phone, string? Email);

/// <summary>
/// All units in memory: a city has hundreds, not millions, and every action asks about them
/// (does this unit exist, is it inside the reported unit). The node that changes a unit reloads
/// at once (<see cref="RefreshAsync"/>); the others within Duban:Units:RefreshSeconds
/// (<see cref="UnitRefresher"/>), since units are changed on one node and read on all.
/// </summary>
public sealed class UnitDirectory(IServiceScopeFactory scopes) : IDisposable
{
    private readonly Lock swap = new();
    private readonly SemaphoreSlim refreshing = new(1, 1);
    private IReadOnlyDictionary<string, UnitInfo>? units;

    /// <summary>Moves on with every invalidation or refresh: a load that began before one never puts its older rows in force after it.</summary>
    private long generation;

    public void Dispose() => refreshing.Dispose();

    public async Task<IReadOnlyDictionary<string, UnitInfo>> AllAsync(CancellationToken ct = default)
    {
        long seen;
        lock (swap)
        {
            if (units is { } loaded) return loaded;
            seen = generation;
        }
        // Two requests may load at once after a change; both read the same rows, either copy serves.
        var map = await LoadAsync(ct);
        lock (swap)
        {
            if (generation == seen) units = map;
        }
        return map;
    }

    /// <summary>
    /// Reads the units again and puts them in force; true when they differ from those in force.
    /// One refresh at a time, so an older read never replaces a newer one.
    /// </summary>
    public async Task<bool> RefreshAsync(CancellationToken ct = default)
    {
        await refreshing.WaitAsync(ct);
        try
        {
            var map = await LoadAsync(ct);
            lock (swap)
            {
                var changed = units is not { } current || current.Count != map.Count
                    || map.Any(u => !current.TryGetValue(u.Key, out var old) || old != u.Value);
                units = map;
                generation++;
                return changed;
            }
        }
        finally
        {
            refreshing.Release();
        }
    }

    private async Task<Dictionary<string, UnitInfo>> LoadAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var rows = await db.Units.AsNoTracking().ToListAsync(ct);
        return rows.ToDictionary(u => u.Code, u => new UnitInfo(u.Code, u.Name, u.ShortName, u.Kind, u.ParentCode, u.TerritoryCode, u.Phone, u.Email), StringComparer.Ordinal);
    }

    public async Task<UnitInfo?> FindAsync(string code, CancellationToken ct = default) =>
        (await AllAsync(ct)).GetValueOrDefault(code);

    /// <summary>True when <paramref name="unitCode"/> is <paramref name="ancestorCode"/> or lies beneath it.</summary>
    public async Task<bool> IsWithinAsync(string unitCode, string ancestorCode, CancellationToken ct = default)
    {
        var all = await AllAsync(ct);
        var current = unitCode;
        for (var depth = 0; depth < 32 && current is not null; depth++)
        {
            if (current == ancestorCode) return true;
            current = all.TryGetValue(current, out var u) ? u.ParentCode : null;
        }
        return false;
    }

    /// <summary>The unit and all units above it, nearest first.</summary>
    public async Task<IReadOnlyList<string>> ChainAsync(string unitCode, CancellationToken ct = default)
    {
        var all = await AllAsync(ct);
        var chain = new List<string>();
        for (var current = unitCode; current is not null && chain.Count < 32; current = all.TryGetValue(current, out var u) ? u.ParentCode : null)
        {
            chain.Add(current);
        }
        return chain;
    }

    public void Invalidate()
    {
        lock (swap)
        {
            units = null;
            generation++;
        }
    }
}
