using System.ComponentModel.DataAnnotations;
using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Units;

/// <summary>Duban:Units settings.</summary>
public sealed class UnitOptions
{
    public const string Section = "Duban:Units";

    /// <summary>How often, in seconds, a node reads the units again for another node's change.</summary>
    [Range(1, 86_400, ErrorMessage = "Duban:Units:RefreshSeconds must be between 1 and 86400.")]
    public int RefreshSeconds { get; set; } = 30;
}

public sealed record UnitInfo(string Code, string Name, string? ShortName, string Kind, string? ParentCode, string TerritoryCode, string? Phone, string? Email, string? Sms = null);

/// <summary>
/// All units in memory: a city has hundreds, not millions, and every action asks about them
/// (does this unit exist, is it inside the reported unit). A <see cref="RefreshingCache{T}"/> refreshed
/// in the background: every node reads them again within Duban:Units:RefreshSeconds, since units are
/// changed on one node and read on all; the node that changes a unit reads them at once (its
/// <see cref="Audit.AuditedChange"/> names this cache).
/// </summary>
public sealed class UnitDirectory : IDisposable
{
    public UnitDirectory(RefreshingCaches caches, IOptions<UnitOptions> options)
    {
        ArgumentNullException.ThrowIfNull(caches);
        ArgumentNullException.ThrowIfNull(options);
        Cache = caches.Create<IReadOnlyDictionary<string, UnitInfo>>("the units", TimeSpan.FromSeconds(options.Value.RefreshSeconds),
            CacheRefresh.Background, LoadAsync);
    }

    internal RefreshingCache<IReadOnlyDictionary<string, UnitInfo>> Cache { get; }

    public void Dispose() => Cache.Dispose();

    public Task<IReadOnlyDictionary<string, UnitInfo>> AllAsync(CancellationToken ct = default) => Cache.GetAsync(ct);

    /// <summary>Reads the units again and puts them in force; true when they differ from those in force.</summary>
    public Task<bool> RefreshAsync(CancellationToken ct = default) => Cache.RefreshAsync(ct);

    /// <summary>Forgets the units: the next use reads them (after units written beside the administration: the demo's load or reset, a test's rows).</summary>
    public void Invalidate() => Cache.Invalidate();

    private static async Task<IReadOnlyDictionary<string, UnitInfo>> LoadAsync(IServiceProvider services, IReadOnlyDictionary<string, UnitInfo>? inForce,
        CancellationToken ct)
    {
        var rows = await services.GetRequiredService<DubanDb>().Units.AsNoTracking().ToListAsync(ct);
        var units = rows.ToDictionary(u => u.Code, u => new UnitInfo(u.Code, u.Name, u.ShortName, u.Kind, u.ParentCode, u.TerritoryCode, u.Phone, u.Email, u.Sms),
            StringComparer.Ordinal);
        // The same units keep the instance in force: a refresh then tells that nothing changed.
        var same = inForce is not null && inForce.Count == units.Count
            && units.All(u => inForce.TryGetValue(u.Key, out var old) && old == u.Value);
        return same ? inForce! : units;
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
}
