using System.Reflection;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Dispatching;

/// <summary>A version of the catalogue: 0 is the shipped one, not (yet) in the database.</summary>
public sealed record CatalogueVersion(int Version, Catalogue Catalogue, string Hash, DateTimeOffset? CreatedAt, string? CreatedBy, string? Note);

/// <summary>
/// The catalogue versions of this node: the shipped one (data/dispatch/catalogue.json, embedded)
/// and the newest in the database, parsed once per version. The database's newest is asked for
/// on every use (one indexed row), so a version saved on one node is used by all at once.
/// </summary>
public sealed class CatalogueStore(TimeProvider time)
{
    public const string Resource = "Duban.Dispatch.catalogue.json";
    public const string EventAction = "catalogue_updated";

    private readonly Lazy<CatalogueVersion> shipped = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"resource {Resource} is missing from the build");
        using var reader = new StreamReader(stream);
        var document = Catalogue.ParseDocument(reader.ReadToEnd())
            ?? throw new InvalidOperationException("data/dispatch/catalogue.json is empty");
        var catalogue = Catalogue.From(document);
        return new CatalogueVersion(0, catalogue, Catalogue.Hash(catalogue.ToJson()), null, "data/dispatch/catalogue.json", null);
    });

    private volatile CatalogueVersion? latest;

    public CatalogueVersion Shipped => shipped.Value;

    /// <summary>The newest catalogue this node has read (the shipped one before any).</summary>
    public Catalogue Latest => (latest ?? Shipped).Catalogue;

    /// <summary>The version in force in the database, or null when none was saved yet.</summary>
    public async Task<CatalogueVersion?> CurrentAsync(DubanDb db, CancellationToken ct)
    {
        var newest = await db.DispatchCatalogues.MaxAsync(c => (int?)c.Version, ct);
        if (newest is null) return null;
        if (latest is { } known && known.Version == newest) return known;
        return await ReadAsync(db, newest.Value, ct);
    }

    /// <summary>One version as saved; null when there is no such version.</summary>
    public async Task<CatalogueVersion?> ReadAsync(DubanDb db, int version, CancellationToken ct)
    {
        if (latest is { } known && known.Version == version) return known;
        var row = await db.DispatchCatalogues.AsNoTracking().FirstOrDefaultAsync(c => c.Version == version, ct);
        if (row is null) return null;
        var document = Catalogue.ParseDocument(row.Content) ?? throw new InvalidOperationException($"catalogue version {version} is empty");
        var read = new CatalogueVersion(row.Version, Catalogue.From(document), row.ContentHash, row.CreatedAt, row.CreatedBy, row.Note);
        if (latest is null || latest.Version < read.Version) latest = read;
        return read;
    }

    /// <summary>
    /// The version in force; at first use, the shipped catalogue is saved as version 1 (with its
    /// event, by the system), so that every version a matter was routed by is on record.
    /// </summary>
    public async Task<CatalogueVersion> EnsureAsync(DubanDb db, AuditLog audit, CancellationToken ct)
    {
        if (await CurrentAsync(db, ct) is { } current) return current;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await audit.LockAsync(ct);
        var saved = await SaveShippedIfNoneAsync(db, audit, ct);
        await tx.CommitAsync(ct);
        return saved;
    }

    /// <summary>Inside a transaction holding the chain: the newest version, saving the shipped one first if there is none.</summary>
    internal async Task<CatalogueVersion> SaveShippedIfNoneAsync(DubanDb db, AuditLog audit, CancellationToken ct)
    {
        // Checked again under the chain's lock: another node may have saved it meanwhile.
        if (await CurrentAsync(db, ct) is { } current) return current;
        var first = Shipped;
        return await SaveAsync(db, audit, Actor.System(), 1, first.Catalogue, "data/dispatch/catalogue.json", "shipped", ct);
    }

    /// <summary>Adds a version and its event; the caller holds the chain in its transaction and commits.</summary>
    internal async Task<CatalogueVersion> SaveAsync(DubanDb db, AuditLog audit, Actor actor, int version, Catalogue catalogue, string? note,
        string source, CancellationToken ct)
    {
        var json = catalogue.ToJson();
        var row = new DispatchCatalogue
        {
            Version = version,
            Name = catalogue.Document.Name ?? "派单目录",
            Content = json,
            ContentHash = Catalogue.Hash(json),
            Note = note,
            CreatedAt = time.Now(),
            CreatedBy = actor.Username,
        };
        db.DispatchCatalogues.Add(row);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(null, actor, EventAction, reason: note, data: new JsonObject
        {
            ["version"] = version,
            ["source"] = source,
            ["name"] = row.Name,
            ["categories"] = catalogue.Entries.Count(e => e.Subcategory is null),
            ["subcategories"] = catalogue.Entries.Count(e => e.Subcategory is not null),
            ["sha256"] = row.ContentHash,
        }, ct: ct);
        await db.SaveChangesAsync(ct);
        var saved = new CatalogueVersion(version, catalogue, row.ContentHash, row.CreatedAt, row.CreatedBy, note);
        // Remembered once committed, by the next read (a rolled-back version must not be used).
        return saved;
    }
}
