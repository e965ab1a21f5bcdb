using System.Runtime.CompilerServices;
using System.Text;
using Duban.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Duban.Features.Search;

/// <summary>
/// The full-text index of the matters' title, content, place and outcome (never the raiser, who is
/// sealed elsewhere): table <c>matter_search</c>, an FTS5 table on SQLite and a GIN-indexed tsvector
/// on PostgreSQL, both holding <see cref="SearchText"/>'s tokens. It is written in the transaction
/// that writes the matter: by registration's batch (<see cref="Append"/>), and for every change made
/// through the context by <see cref="SearchIndexing"/>, whatever feature makes it.
/// </summary>
public static class MatterSearch
{
    /// <summary>The columns indexed, in the order both tables hold them.</summary>
    public static (string?, string?, string?, string?) Columns(Matter m) => (m.Title, m.Content, m.Location, m.Outcome);

    /// <summary>Adds to a batch the index rows of matters it writes (new or changed), in one statement.</summary>
    public static SqlBatch Append(SqlBatch batch, bool postgres, IReadOnlyCollection<Matter> matters)
    {
        if (matters.Count == 0) return batch;
        var sql = new StringBuilder();
        var args = new List<object?>();
        string Arg(object? value)
        {
            args.Add(value);
            return "{" + (args.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "}";
        }
        if (postgres)
        {
            sql.Append("INSERT INTO matter_search (matter_id, grams) VALUES ");
            sql.AppendJoin(", ", matters.Select(m => "(" + Arg(m.Id) + ", " + Arg(SearchText.TsVector(m.Title, m.Content, m.Location, m.Outcome)) + "::tsvector)"));
            sql.Append(" ON CONFLICT (matter_id) DO UPDATE SET grams = excluded.grams");
            return batch.Append(sql.ToString(), [.. args]);
        }
        // A contentless FTS5 table (contentless_delete=1): a changed matter's row is deleted, then written anew.
        sql.Append("DELETE FROM matter_search WHERE rowid IN (").AppendJoin(", ", matters.Select(m => Arg(m.Id))).Append(')');
        batch.Append(sql.ToString(), [.. args]);
        sql.Clear();
        args.Clear();
        sql.Append("INSERT INTO matter_search (rowid, title, content, location, outcome) VALUES ");
        sql.AppendJoin(", ", matters.Select(m => "(" + string.Join(", ", Arg(m.Id), Arg(SearchText.Joined(m.Title)), Arg(SearchText.Joined(m.Content)),
            Arg(SearchText.Joined(m.Location)), Arg(SearchText.Joined(m.Outcome))) + ")"));
        return batch.Append(sql.ToString(), [.. args]);
    }

    /// <summary>The ids of the matters whose text holds every term of the query, by the index, as a subquery for a list.</summary>
    public static IQueryable<long> MatchingIds(DubanDb db, SearchQuery query)
    {
        if (db.IsPostgres)
        {
            var tsquery = query.TsQuery();
            return db.Database.SqlQuery<long>($"SELECT matter_id AS \"Value\" FROM matter_search WHERE grams @@ {tsquery}::tsquery");
        }
        var match = query.Fts5();
        return db.Database.SqlQuery<long>($"SELECT rowid AS \"Value\" FROM matter_search WHERE matter_search MATCH {match}");
    }

    /// <summary>
    /// How many matters the index finds for the query, counted up to <paramref name="limit"/>: the planner's measure of
    /// a word's frequency (a common word is served by walking the list's date order, see <see cref="MatchingAmongAsync"/>).
    /// It reads at most <paramref name="limit"/> entries of the index.
    /// </summary>
    public static async Task<int> CountUpToAsync(DubanDb db, SearchQuery query, int limit, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            var tsquery = query.TsQuery();
            return await db.Database.SqlQuery<int>(
                $"SELECT count(*)::int AS \"Value\" FROM (SELECT 1 FROM matter_search WHERE grams @@ {tsquery}::tsquery LIMIT {limit}) AS s").SingleAsync(ct);
        }
        var match = query.Fts5();
        return await db.Database.SqlQuery<int>(
            $"SELECT count(*) AS \"Value\" FROM (SELECT 1 FROM matter_search WHERE matter_search MATCH {match} LIMIT {limit})").SingleAsync(ct);
    }

    /// <summary>
    /// Which of these matters (a chunk of a list's candidates, newest first) the query matches: each probed by key.
    /// On SQLite, FTS5 reads its index only between the chunk's lowest and highest id (a matter's id follows its
    /// arrival, so a chunk of a date order is a narrow range of ids); on PostgreSQL, the chunk's rows by key, each
    /// tested with @@.
    /// </summary>
    public static async Task<HashSet<long>> MatchingAmongAsync(DubanDb db, SearchQuery query, IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        if (db.IsPostgres)
        {
            var tsquery = query.TsQuery();
            var array = ids.ToArray();
            return [.. await db.Database.SqlQuery<long>(
                $"SELECT matter_id AS \"Value\" FROM matter_search WHERE matter_id = ANY({array}) AND grams @@ {tsquery}::tsquery").ToListAsync(ct)];
        }
        var match = query.Fts5();
        var (low, high) = (ids.Min(), ids.Max());
        var found = await db.Database.SqlQuery<long>(
            $"SELECT rowid AS \"Value\" FROM matter_search WHERE matter_search MATCH {match} AND rowid >= {low} AND rowid <= {high}").ToListAsync(ct);
        var wanted = ids as IReadOnlySet<long> ?? ids.ToHashSet();
        return [.. found.Where(wanted.Contains)];
    }

    /// <summary>
    /// Writes the index anew from the matters, in batches of 2,000 by id (`search rebuild`; the bench after
    /// loading generated matters). Returns the number of matters indexed.
    /// </summary>
    public static async Task<long> RebuildAsync(DubanDb db, TextWriter? progress, CancellationToken ct)
    {
        await db.Database.ExecuteSqlRawAsync("DELETE FROM matter_search", ct);
        long done = 0;
        long after = 0;
        while (true)
        {
            var page = await db.Matters.AsNoTracking().Where(m => m.Id > after).OrderBy(m => m.Id).Take(2_000)
                .Select(m => new Matter { Id = m.Id, Number = "", Kind = "", Channel = "", Status = "", Urgency = "", Title = m.Title, Content = m.Content, Location = m.Location, Outcome = m.Outcome })
                .ToListAsync(ct);
            if (page.Count == 0) break;
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                await Append(new SqlBatch(db), db.IsPostgres, page).ExecuteAsync(ct);
                await tx.CommitAsync(ct);
            }
            after = page[^1].Id;
            done += page.Count;
            if (done % 100_000 < 2_000) progress?.WriteLine($"indexed {done:N0} matters");
        }
        return done;
    }
}

/// <summary>
/// Keeps <c>matter_search</c> in step with every matter the context adds or whose indexed text it changes
/// (an action's outcome, a relocation, a module's new tasks): the rows noted before the save are written
/// after it, on the same connection and in the same transaction, so a change and its index commit together.
/// </summary>
public sealed class SearchIndexing : SaveChangesInterceptor
{
    public static readonly SearchIndexing Instance = new();

    private static readonly string[] Indexed = [nameof(Matter.Title), nameof(Matter.Content), nameof(Matter.Location), nameof(Matter.Outcome)];

    private readonly ConditionalWeakTable<DbContext, List<Matter>> pending = [];

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Note(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Note(eventData.Context);
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is DubanDb db && Take(db) is { Count: > 0 } matters) await WriteAsync(db, matters, cancellationToken);
        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context is DubanDb db && Take(db) is { Count: > 0 } matters) WriteAsync(db, matters, default).GetAwaiter().GetResult();
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Take(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Take(eventData.Context);
        return Task.CompletedTask;
    }

    private void Note(DbContext? context)
    {
        if (context is not DubanDb db) return;
        db.ChangeTracker.DetectChanges();
        var changed = db.ChangeTracker.Entries<Matter>().Where(Changes).Select(e => e.Entity).ToList();
        if (changed.Count > 0) pending.AddOrUpdate(db, changed);
    }

    private static bool Changes(EntityEntry<Matter> e) =>
        e.State == EntityState.Added || (e.State == EntityState.Modified && Indexed.Any(p => e.Property(p).IsModified));

    private List<Matter>? Take(DbContext? context)
    {
        if (context is null || !pending.TryGetValue(context, out var matters)) return null;
        pending.Remove(context);
        return matters;
    }

    private static async Task WriteAsync(DubanDb db, List<Matter> matters, CancellationToken ct)
    {
        // Within the caller's transaction when there is one (every action has one), else in one of its own.
        if (db.Database.CurrentTransaction is not null)
        {
            await MatterSearch.Append(new SqlBatch(db), db.IsPostgres, matters).ExecuteAsync(ct);
            return;
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await MatterSearch.Append(new SqlBatch(db), db.IsPostgres, matters).ExecuteAsync(ct);
        await tx.CommitAsync(ct);
    }
}
