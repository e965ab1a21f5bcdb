using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters;

/// <summary>
/// Ids and numbers for new matters. The number is what people read and say on the phone
/// (JM-2026-000123, counted per local year); the id is allocated from the same counters table in
/// the same statement, so a registration needs no round trip to learn its id and is saved with
/// its first event in one go. The counter rows are taken inside the registering transaction,
/// so neither ever repeats.
/// </summary>
public sealed class RegisterNumbers(DubanDb db, IConfiguration configuration)
{
    private readonly string prefix = configuration["Duban:NumberPrefix"] ?? "JM";

    public sealed record Allocated(long Id, string Number);

    public async Task<IReadOnlyList<Allocated>> NextAsync(DateTimeOffset now, int count, CancellationToken ct)
    {
        var year = now.ToOffset(Clock.ChinaOffset).Year;
        var yearCounter = $"matter:{year}";
        long lastNumber = 0, lastId = 0;
        await using (var cmd = Sql.Command(db,
            "INSERT INTO counters (name, value) VALUES (@p0, @p2), (@p1, @p2) ON CONFLICT (name) DO UPDATE SET value = counters.value + @p2 RETURNING name, value",
            yearCounter, "matter:id", (long)count))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (reader.GetString(0) == yearCounter) lastNumber = reader.GetInt64(1);
                else lastId = reader.GetInt64(1);
            }
        }
        return Enumerable.Range(0, count)
            .Select(i => new Allocated(lastId - count + 1 + i, $"{prefix}-{year}-{lastNumber - count + 1 + i:D6}"))
            .ToList();
    }

    public async Task<Allocated> NextAsync(DateTimeOffset now, CancellationToken ct) => (await NextAsync(now, 1, ct))[0];
}
