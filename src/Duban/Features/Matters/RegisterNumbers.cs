using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters;

/// <summary>
/// Ids and numbers for new matters. The number is what people read and say on the phone
/// (JM-2026-000123, counted per local year); the id is allocated from the same counters table in
/// the same statement, so a registration needs no round trip to learn its id and is saved with
/// its first event in one go. The year's counter row is taken inside the registering transaction,
/// so a number never repeats nor is skipped; ids come from a sequence on PostgreSQL (docs/adr/0006).
/// </summary>
public sealed class RegisterNumbers(DubanDb db, IConfiguration configuration)
{
    private readonly string prefix = configuration["Duban:NumberPrefix"] ?? "JM";

    public sealed record Allocated(long Id, string Number);

    public async Task<IReadOnlyList<Allocated>> NextAsync(DateTimeOffset now, int count, CancellationToken ct)
    {
        var ids = await IdsAsync(count, ct);
        var numbers = await NumbersAsync(now, count, ct);
        return [.. ids.Zip(numbers, (id, number) => new Allocated(id, number))];
    }

    /// <summary>
    /// Ids for new matters. PostgreSQL: from a sequence, which no writer waits for (a rolled-back
    /// registration leaves a gap in the ids, never in the numbers); SQLite: the counters table (one writer).
    /// </summary>
    public async Task<IReadOnlyList<long>> IdsAsync(int count, CancellationToken ct)
    {
        var ids = new List<long>(count);
        if (db.IsPostgres)
        {
            await using var cmd = Sql.Command(db, "SELECT nextval('matters_id_seq') FROM generate_series(1, @p0)", count);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetInt64(0));
            return ids;
        }
        await using (var cmd = Sql.Command(db,
            "INSERT INTO counters (name, value) VALUES ('matter:id', @p0) ON CONFLICT (name) DO UPDATE SET value = counters.value + @p0 RETURNING value", (long)count))
        {
            var last = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < count; i++) ids.Add(last - count + 1 + i);
        }
        return ids;
    }

    /// <summary>
    /// Numbers for new matters, gapless per local year: the year's counter row, held by the registering
    /// transaction until it ends. It is the one row every registration takes (never the other actions):
    /// take it last, just before the rows are written, so it is held for the write and the commit only.
    /// </summary>
    public async Task<IReadOnlyList<string>> NumbersAsync(DateTimeOffset now, int count, CancellationToken ct)
    {
        var year = now.ToOffset(Clock.ChinaOffset).Year;
        await using var cmd = Sql.Command(db,
            "INSERT INTO counters (name, value) VALUES (@p0, @p1) ON CONFLICT (name) DO UPDATE SET value = counters.value + @p1 RETURNING value",
            $"matter:{year}", (long)count);
        var last = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        return [.. Enumerable.Range(0, count).Select(i => $"{prefix}-{year}-{last - count + 1 + i:D6}")];
    }

    public async Task<Allocated> NextAsync(DateTimeOffset now, CancellationToken ct) => (await NextAsync(now, 1, ct))[0];
}
