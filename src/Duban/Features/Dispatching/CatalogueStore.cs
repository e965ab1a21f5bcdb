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
/// and the newest in the database, parsed once per version. The newest is a <see cref="RefreshingCache{T}"/>
/// whose period is zero: its number is asked for on every use (one indexed row) and a new version read
/// and parsed once, so a version saved on one node is used by all at once.
/// </summary>
public sealed class CatalogueStore : IDisposable
{
    public const string Resource = "Duban.Dispatch.catalogue.json";
    public const string EventAction = "catalogue_updated";

    private readonly TimeProvider time;
    private readonly RefreshingCache<CatalogueVersion?>? newest;

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

    /// <summary>The shipped catalogue alone, for code that reads no database (tests of routing).</summary>
    public CatalogueStore(TimeProvider time) => this.time = time;

    public CatalogueStore(TimeProvider time, RefreshingCaches caches) : this(time)
    {
        ArgumentNullException.ThrowIfNull(caches);
        newest = caches.Create<CatalogueVersion?>("the dispatch catalogue", TimeSpan.Zero, CacheRefresh.OnUse, LoadNewestAsync);
    }

    internal IRefreshingCache Cache => Newest;

    private RefreshingCache<CatalogueVersion?> Newest =>
        newest ?? throw new InvalidOperationException("this catalogue store was made without its cache: it knows the shipped catalogue only");

    public void Dispose() => newest?.Dispose();

    public CatalogueVersion Shipped => shipped.Value;

    /// <summary>The newest catalogue this node has read (the shipped one before any).</summary>
    public Catalogue Latest => (newest?.Current ?? Shipped).Catalogue;

    /// <summary>The version in force in the database, or null when none was saved yet.</summary>
    public Task<CatalogueVersion?> CurrentAsync(CancellationToken ct) => Newest.GetAsync(ct);

    private static async Task<CatalogueVersion?> LoadNewestAsync(IServiceProvider services, CatalogueVersion? inForce, CancellationToken ct)
    {
        var db = services.GetRequiredService<DubanDb>();
        var version = await NewestVersionAsync(db, ct);
        if (version is null) return null;
        return inForce is { } known && known.Version == version ? known : await ParseAsync(db, version.Value, ct);
    }

    private static Task<int?> NewestVersionAsync(DubanDb db, CancellationToken ct) => db.DispatchCatalogues.MaxAsync(c => (int?)c.Version, ct);

    /// <summary>One version as saved; null when there is no such version.</summary>
    public async Task<CatalogueVersion?> ReadAsync(DubanDb db, int version, CancellationToken ct)
    {
        if (newest?.Current is { } known && known.Version == version) return known;
        return await ParseAsync(db, version, ct);
    }

    private static async Task<CatalogueVersion?> ParseAsync(DubanDb db, int version, CancellationToken ct)
    {
        var row = await db.DispatchCatalogues.AsNoTracking().FirstOrDefaultAsync(c => c.Version == version, ct);
        if (row is null) return null;
        var document = Catalogue.ParseDocument(row.Content) ?? throw new InvalidOperationException($"catalogue version {version} is empty");
        return new CatalogueVersion(row.Version, Catalogue.From(document), row.ContentHash, row.CreatedAt, row.CreatedBy, row.Note);
    }

    /// <summary>
    /// The version in force; at first use, the shipped catalogue is saved as version 1 (an audited
    /// change by the system), so that every version a matter was routed by is on record.
    /// </summary>
    public async Task<CatalogueVersion> EnsureAsync(DubanDb db, AuditLog audit, CancellationToken ct)
    {
        if (await CurrentAsync(ct) is { } current) return current;
        var ensured = await new AuditedChange(db, audit).RunAsync<CatalogueVersion>(async () =>
        {
            var (saved, seeded) = await SaveShippedIfNoneAsync(db, ct);
            return new ChangeMade<CatalogueVersion>(saved, seeded, [Cache]);
        }, ct);
        return ensured.Value!;
    }

    /// <summary>
    /// Inside an audited change: the newest version, saving the shipped one first if there is none (then
    /// with its event by the system). Read in the change's transaction, not through the cache, under the
    /// chain's lock: another node may have saved it meanwhile.
    /// </summary>
    internal async Task<(CatalogueVersion Current, IReadOnlyList<AuditEvent> Seeded)> SaveShippedIfNoneAsync(DubanDb db, CancellationToken ct)
    {
        if (await NewestVersionAsync(db, ct) is { } version) return ((await ReadAsync(db, version, ct))!, []);
        var (saved, seeded) = await SaveAsync(db, Actor.System(), 1, Shipped.Catalogue, "data/dispatch/catalogue.json", "shipped", ct);
        return (saved, [seeded]);
    }

    /// <summary>Inside an audited change: adds a version and returns it with its event.</summary>
    internal async Task<(CatalogueVersion Saved, AuditEvent Updated)> SaveAsync(DubanDb db, Actor actor, int version, Catalogue catalogue, string? note,
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
        var updated = new AuditEvent(actor, EventAction, new JsonObject
        {
            ["version"] = version,
            ["source"] = source,
            ["name"] = row.Name,
            ["categories"] = catalogue.Entries.Count(e => e.Subcategory is null),
            ["subcategories"] = catalogue.Entries.Count(e => e.Subcategory is not null),
            ["sha256"] = row.ContentHash,
        }, note);
        // Put in force once committed, by the next read (a rolled-back version must not be used).
        return (new CatalogueVersion(version, catalogue, row.ContentHash, row.CreatedAt, row.CreatedBy, note), updated);
    }
}
