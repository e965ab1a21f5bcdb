using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Units;

public sealed record UnitInfo(string Code, string Name, string? ShortName, string Kind, string? ParentCode, string TerritoryCode, string? Phone, string? Email);

/// <summary>
/// All units in memory: a city has hundreds, not millions, and every action asks about them
/// (does this unit exist, is it inside the reported unit). Reloaded when units change.
/// </summary>
public sealed class UnitDirectory(IServiceScopeFactory scopes)
{
    private volatile IReadOnlyDictionary<string, UnitInfo>? units;

    public async Task<IReadOnlyDictionary<string, UnitInfo>> AllAsync(CancellationToken ct = default)
    {
        if (units is { } loaded) return loaded;
        // Two requests may load at once after a change; both read the same rows, either copy serves.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var rows = await db.Units.AsNoTracking().ToListAsync(ct);
        var map = rows.ToDictionary(u => u.Code, u => new UnitInfo(u.Code, u.Name, u.ShortName, u.Kind, u.ParentCode, u.TerritoryCode, u.Phone, u.Email), StringComparer.Ordinal);
        units = map;
        return map;
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

    public void Invalidate() => units = null;
}
