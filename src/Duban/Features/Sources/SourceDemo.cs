using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Duban.Common;
using Duban.Data;
using Duban.Features.Demo;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.Sources;

/// <summary>
/// The seeds' sources in the demo (data/demo/jiangmen-sources.json): the Chuandao parcel campaign with
/// its outcome measures recorded as numbers, the congress's 2025 chain (joint meeting → eight research
/// groups → thematic meetings and the problems they assigned), the 工信局's four tasks from the
/// high-quality development meeting and two leaders' instructions. Each is recorded by its owner on
/// the set-back clock, and its items are signed for, reported on, completed and approved by their
/// units as the story has it, so their histories are true and `audit verify` passes.
/// </summary>
public sealed class SourceDemo : IDemoStories
{
    internal sealed record ItemRow(string Title, string Content, string LeadUnitCode, string[]? CoUnitCodes, int DueDays, string State,
        string[]? Progress, string? Outcome, Dictionary<string, double>? Measures);

    internal sealed record SourceRow(string Key, string Type, string Title, int DaysAgo, string OwnerUnitCode, string? ParentKey, bool Confidential,
        string? Leader, string? LeaderLevel, string? Text, string? MeetingKind, string? Chair, string? Minutes, string? LeadUnitCode, string[]? UnitCodes,
        string? Theme, string? Group, string? Findings, SourceMeasureInput[]? Measures, ItemRow[] Items, string? Report);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    internal static List<SourceRow> Rows()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Duban.Demo.jiangmen-sources.json")
            ?? throw new InvalidOperationException("demo resource jiangmen-sources.json is missing from the build");
        return JsonSerializer.Deserialize<List<SourceRow>>(stream, Json) ?? [];
    }

    public void Schedule(DemoSchedule schedule)
    {
        var now = schedule.Now;
        var rows = Rows();
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        var starts = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        // Parents first: a child is recorded after its parent, whatever the file says.
        foreach (var row in Ordered(rows))
        {
            var t0 = now.AddDays(-row.DaysAgo).AddHours(-6);
            if (row.ParentKey is { } parent && starts.TryGetValue(parent, out var parentStart) && t0 <= parentStart) t0 = parentStart.AddHours(2);
            starts[row.Key] = t0;
            var owner = OwnerAccount(row.OwnerUnitCode);
            var r = row;
            schedule.At(t0, async run =>
            {
                var request = new CreateSourceRequest(r.Type, r.Title, Clock.ChinaDate(run.Time.GetUtcNow()).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    r.OwnerUnitCode, r.ParentKey is { } p ? ids[p] : null, r.Confidential, r.Leader, r.LeaderLevel, r.Text, r.MeetingKind, r.Chair, r.Minutes,
                    r.LeadUnitCode, r.UnitCodes, r.Theme, r.Group, r.Findings,
                    [.. r.Items.Select(i => new SourceItemInput(i.Title, i.Content, i.LeadUnitCode, i.CoUnitCodes,
                        Clock.ChinaDate(run.Time.GetUtcNow().AddDays(i.DueDays)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)))],
                    r.Measures);
                var created = await run.Get<SourceChanges>().CreateAsync(request, await run.ActorAsync(owner), default);
                if (!created.IsSuccess) throw new InvalidOperationException($"demo source {r.Key}: {created.Error!.Message}");
                ids[r.Key] = created.Value!.Id;
                for (var i = 0; i < created.Value.Matters.Count; i++) run.Ids[ItemKey(r.Key, i)] = created.Value.Matters[i];
                run.Fresh();
            });
            var finished = DateTimeOffset.MinValue;
            for (var i = 0; i < row.Items.Length; i++)
            {
                var done = ScheduleItem(schedule, ItemKey(row.Key, i), row.Items[i], t0, now);
                if (done > finished) finished = done;
            }
            if (row.Report is { } report && row.Items.All(i => i.State == Status.Closed))
            {
                schedule.At(finished.AddDays(1), async run =>
                {
                    var reported = await run.Get<SourceChanges>().ReportAsync(ids[r.Key], new ReportSourceRequest(report), await run.ActorAsync(owner), default);
                    if (!reported.IsSuccess) throw new InvalidOperationException($"demo source {r.Key}: report failed: {reported.Error!.Message}");
                    run.Fresh();
                });
            }
        }
    }

    /// <summary>An item's life to its state: signed for, progress, completed with its measures, approved. Answers when it closes (or now).</summary>
    private static DateTimeOffset ScheduleItem(DemoSchedule schedule, string key, ItemRow item, DateTimeOffset t0, DateTimeOffset now)
    {
        if (item.State == Status.Dispatched) return now;
        var handler = "h-" + item.LeadUnitCode;
        var closes = item.State == Status.Closed;
        // A closed item ends before its deadline (and before now); an overdue one is still open past it.
        var end = closes ? Min(t0.AddDays(item.DueDays * 0.8), now.AddHours(-30)) : now;
        var life = end - t0;
        DateTimeOffset At(double share) => t0 + life * share;
        schedule.At(At(0.05), run => run.Act(key, handler, (id, v, a, c) => run.Get<Accept>().ExecuteAsync(id, new VersionedRequest(v, null), a, c)));
        var notes = item.Progress ?? [];
        for (var i = 0; i < notes.Length; i++)
        {
            var note = notes[i];
            var percent = closes ? 30 + 50 * (i + 1) / notes.Length : 20 + 40 * (i + 1) / (notes.Length + 1);
            schedule.At(At(0.15 + 0.6 * i / Math.Max(1, notes.Length)), run =>
                run.Act(key, handler, (id, v, a, c) => run.Get<ReportProgress>().ExecuteAsync(id, new ProgressRequest(v, note, percent), a, c)));
        }
        if (!closes) return now;
        schedule.At(At(0.9), run => run.Act(key, handler, (id, v, a, c) => run.Get<Complete>().ExecuteAsync(id,
            new CompleteRequest(v, item.Outcome ?? "已办结")
            {
                Extensions = item.Measures is { Count: > 0 } m ? new() { ["measures"] = JsonSerializer.SerializeToElement(m) } : null,
            }, a, c)));
        schedule.At(end, run => run.Act(key, "supervisor", (id, v, a, c) => run.Get<Approve>().ExecuteAsync(id, new VersionedRequest(v, "办理结果符合要求"), a, c)));
        return end;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static string ItemKey(string source, int index) => $"source:{source}:{index}";

    /// <summary>Who records a source: the city supervision office's supervisor, or the supervising body's own account.</summary>
    private static string OwnerAccount(string ownerUnitCode) => ownerUnitCode == DemoSeeder.SupervisorUnit ? "supervisor" : "h-" + ownerUnitCode;

    private static IEnumerable<SourceRow> Ordered(List<SourceRow> rows)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var pending = rows.OrderByDescending(r => r.DaysAgo).ToList();
        while (pending.Count > 0)
        {
            var next = pending.FirstOrDefault(r => r.ParentKey is null || done.Contains(r.ParentKey))
                ?? throw new InvalidOperationException("demo sources: a parent is missing or the parents form a loop");
            pending.Remove(next);
            done.Add(next.Key);
            yield return next;
        }
    }
}
