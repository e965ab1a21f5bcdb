using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Matters;

/// <summary>
/// Matter numbers people can read and say on the phone: JM-2026-000123, counted per local year.
/// The counter row is taken inside the registering transaction, so numbers never repeat.
/// </summary>
public sealed class RegisterNumbers(DubanDb db, IConfiguration configuration)
{
    private readonly string prefix = configuration["Duban:NumberPrefix"] ?? "JM";

    public async Task<string> NextAsync(DateTimeOffset now, CancellationToken ct)
    {
        var year = now.ToOffset(Clock.ChinaOffset).Year;
        var values = await db.Database.SqlQueryRaw<long>(
            "INSERT INTO counters (name, value) VALUES ({0}, 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value AS \"Value\"",
            $"matter:{year}").ToListAsync(ct);
        return $"{prefix}-{year}-{values[0]:D6}";
    }
}
