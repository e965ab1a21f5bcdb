using Duban.Data;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Duban.Tests.Features.Data;

/// <summary>
/// PostgreSQL partitions the events by month (schema 0018): the node creates this month's and the coming
/// months' partitions before its first write, events land in their month's partition, every partition
/// stays append-only, and the chain verifies across partitions.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class EventPartitionTests
{
    private static readonly DateTimeOffset Start = new(2027, 3, 15, 2, 0, 0, TimeSpan.Zero);

    private static async Task<List<string>> ScalarsAsync(DubanDb db, string sql)
    {
        var list = new List<string>();
        await using var cmd = Sql.Command(db, sql);
        await db.Database.OpenConnectionAsync();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) list.Add(reader.GetString(0));
        return list;
    }

    [Fact]
    public async Task TheComingMonths_HavePartitions_AndEventsLandInTheirMonth()
    {
        await using var app = DubanFactory.StartingAt(Start);
        await app.InitializeAsync();
        var id = await app.Desk.Dispatcher.Register(NewMatter.Noise("分区测试事项"));

        await using var scope = app.Scope();
        var db = app.Db(scope);
        var partitions = await ScalarsAsync(db,
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY 1");
        // The demo's history (loaded into the empty database) had its months first: thirteen months back
        // to three months ahead, and the default that catches anything else: none of those months' events
        // sit there (only a demo story's older, fixed-year ones, such as the proposals' 2025 session).
        string[] months = [.. Enumerable.Range(-13, 17).Select(i => $"events_{new DateTime(2027, 3, 1).AddMonths(i):yyyy_MM}"), "events_default"];
        Assert.Equal(months, partitions);
        Assert.Equal(["0"], await ScalarsAsync(db, "SELECT count(*)::text FROM events_default WHERE at >= '2026-02-01T00:00:00Z'"));
        var where = await ScalarsAsync(db, $"SELECT tableoid::regclass::text FROM events WHERE matter_id = {id}");
        Assert.NotEmpty(where);
        Assert.All(where, p => Assert.Equal("events_2027_03", p));

        // Ahead of time, once: a second pass creates nothing.
        Assert.Equal(0, await EventPartitions.EnsureAsync(db, app.Clock, CancellationToken.None));
        app.Clock.Advance(TimeSpan.FromDays(31));
        Assert.Equal(1, await EventPartitions.EnsureAsync(db, app.Clock, CancellationToken.None));
        Assert.Contains("events_2027_07", await ScalarsAsync(db, "SELECT relname::text FROM pg_class WHERE relname LIKE 'events_2027_%'"));

        // Append-only on the partitions themselves, not only through the parent.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => db.Database.ExecuteSqlAsync($"UPDATE events_2027_03 SET reason = 'x' WHERE matter_id = {id}"));
        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        await Assert.ThrowsAsync<PostgresException>(() => db.Database.ExecuteSqlAsync($"DELETE FROM events WHERE matter_id = {id}"));

        Assert.True((await app.Verify(db)).Intact);
    }

    [Fact]
    public async Task AMonthWhoseEventsAreInTheDefault_IsLeftThere_AndTheOthersAreCreated()
    {
        await using var app = DubanFactory.StartingAt(Start);
        await app.InitializeAsync();
        await using var scope = app.Scope();
        var db = app.Db(scope);
        // Events of a month without a partition (the job off for months) sit in the default partition.
        var id = await app.Desk.Dispatcher.Register(NewMatter.Noise("默认分区事项"));
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO events (seq, matter_id, at, actor_name, action, data, state_hash, prev_hash, hash) VALUES (nextval('events_seq'), {id}, '2027-09-10T00:00:00Z', 't', 'test', '{{}}', '', '', '')");
        Assert.Equal(["events_default"], await ScalarsAsync(db, "SELECT tableoid::regclass::text FROM events WHERE action = 'test'"));

        app.Clock.Advance(TimeSpan.FromDays(153)); // 2027-08-15: July to November
        Assert.Equal(4, await EventPartitions.EnsureAsync(db, app.Clock, CancellationToken.None));
        var months = await ScalarsAsync(db, "SELECT relname::text FROM pg_class WHERE relname LIKE 'events_2027_%' AND relkind = 'r' ORDER BY 1");
        Assert.DoesNotContain("events_2027_09", months);
        Assert.Contains("events_2027_10", months);
        Assert.Contains("events_2027_11", months);
    }
}
