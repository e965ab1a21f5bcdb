using System.Globalization;
using System.Text;
using Duban.Common;
using Duban.Data;
using Duban.Features.Figures;
using Duban.Features.Matters.Actions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Tally;

/// <summary>
/// One counter of the rates' rollup: how many of a measure fall in a China month ("2026-11") or year ("2026") for a unit, counted
/// among the matters of a county ('' none) of a kind and channel, and, for confidential reports, the unit
/// they are about (subject; '' for any other matter), which the readers in that unit or above it leave out.
/// Kind and channel "*": every matter (subject ''), or the confidential reports about one unit (the twin
/// that unit's readers subtract).
/// </summary>
public sealed class RateCount
{
    public required string Month { get; set; }
    public required string County { get; set; }
    public required string Unit { get; set; }
    public required string Kind { get; set; }
    public required string Channel { get; set; }
    public required string Subject { get; set; }
    public required string Measure { get; set; }
    public long N { get; set; }
}

public readonly record struct RateKey(string Month, string County, string Unit, string Kind, string Channel, string Subject, string Measure);

/// <summary>The measures of the rollup: what UnitFigures counts from the records, less what changes with time alone.</summary>
public static class RateMeasures
{
    /// <summary>A lead assignment given in the month, signed by its signing deadline (or with none).</summary>
    public const string SignedInTime = "signed_in_time";
    /// <summary>A lead assignment given in the month, signed after its signing deadline.</summary>
    public const string SignedLate = "signed_late";
    /// <summary>Closed in the month by its lead unit.</summary>
    public const string Closed = "closed";
    /// <summary>… its work completed by the deadline in force.</summary>
    public const string OnTime = "on_time";
    /// <summary>… with the raiser's feedback on resolution (outside the excluded categories).</summary>
    public const string WithResolution = "with_resolution";
    public const string Resolved = "resolved";
    public const string Satisfied = "satisfied";
    public const string BasicallySatisfied = "basically_satisfied";
    public const string Dissatisfied = "dissatisfied";
    /// <summary>Closed, its deadline in the month, its work completed after it.</summary>
    public const string ClosedLate = "closed_late";
    /// <summary>A return (退单) made in the month by the unit.</summary>
    public const string Returns = "returns";
    /// <summary>… overruled (the matter went back to the unit).</summary>
    public const string Improper = "improper";
    /// <summary>A reopening in the month, on the unit holding the matter.</summary>
    public const string Reopenings = "reopenings";

    /// <summary>
    /// What a closure counts for its lead unit in the month it closed, the one rule for the rollup and for the figures
    /// counted from the records: closed; on time (its work completed by the deadline in force); outside the excluded
    /// categories, the raiser's feedback on resolution and satisfaction.
    /// </summary>
    public static IEnumerable<string> OfClosure(bool onTime, bool excluded, bool? resolved, string? satisfaction)
    {
        yield return Closed;
        if (onTime) yield return OnTime;
        if (excluded) yield break;
        if (resolved is { } r)
        {
            yield return WithResolution;
            if (r) yield return Resolved;
        }
        switch (satisfaction)
        {
            case "satisfied": yield return Satisfied; break;
            case "basically_satisfied": yield return BasicallySatisfied; break;
            case "dissatisfied": yield return Dissatisfied; break;
        }
    }

    /// <summary>The kind and channel of the counters over every kind and channel.</summary>
    public const string All = "*";

    public static string Month(DateTimeOffset at) => Clock.ChinaDate(at).ToString("yyyy-MM", CultureInfo.InvariantCulture);
    public static string Month(DateOnly date) => date.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>
    /// The counters a matter's stored rates add one to: under its kind, channel and subject; under "*", "*" and ''
    /// (every matter: what an unfiltered read sums); and for a confidential report under "*", "*" and its subject
    /// unit, the twin that a reader in that unit subtracts; each in its China month ("2026-11") and its year ("2026"). The text is a first line "kind|channel|subject", then
    /// one "measure|month|county|unit" per count (a measure may repeat: two reopenings in one month).
    /// </summary>
    public static IEnumerable<RateKey> Keys(string rates)
    {
        if (rates.Length == 0) yield break;
        var lines = rates.Split('\n');
        var head = lines[0].Split('|');
        var (kind, channel, subject) = (head[0], head[1], head[2]);
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split('|');
            // The month's counters, and the year's ("2026": a year reads one row per counter, not twelve).
            foreach (var period in new[] { f[1], f[1][..4] })
            {
                yield return new RateKey(period, f[2], f[3], kind, channel, subject, f[0]);
                yield return new RateKey(period, f[2], f[3], All, All, "", f[0]);
                if (subject.Length > 0) yield return new RateKey(period, f[2], f[3], All, All, subject, f[0]);
            }
        }
    }
}

/// <summary>
/// What each matter adds to the rates' rollup, from its records: the matter's row, its lead assignments,
/// its returns, and its complete and reopen events, read for a set of matters at once.
/// </summary>
public sealed class TallyRates(DubanDb db, Microsoft.Extensions.Options.IOptions<FiguresOptions> options)
{
    private sealed record MatterRow(long Id, string Kind, string Channel, string Status, string? CountyCode, string? LeadUnitCode, string? Category,
        DateTimeOffset? DueAt, DateTimeOffset? ClosedAt, bool? FeedbackResolved, string? FeedbackSatisfaction, bool Confidential, string? SubjectUnitCode);

    /// <summary>The rates text of each matter of <paramref name="ids"/> (those with nothing to count are left out).</summary>
    public async Task<Dictionary<long, string>> OfAsync(IReadOnlyCollection<long> ids, CancellationToken ct) =>
        await OfAsync(m => ids.Contains(m), ct);

    /// <summary>The rates text of each matter whose id is in [first, last] (a page of the rebuild).</summary>
    public async Task<Dictionary<long, string>> OfRangeAsync(long first, long last, CancellationToken ct) =>
        await OfAsync(m => m >= first && m <= last, ct);

    private async Task<Dictionary<long, string>> OfAsync(System.Linq.Expressions.Expression<Func<long, bool>> which, CancellationToken ct)
    {
        var matterIds = Rewrite(which, (Data.Matter m) => m.Id);
        var matters = await db.Matters.AsNoTracking().Where(matterIds)
            .Select(m => new MatterRow(m.Id, m.Kind, m.Channel, m.Status, m.CountyCode, m.LeadUnitCode, m.Category, m.DueAt, m.ClosedAt,
                m.FeedbackResolved, m.FeedbackSatisfaction, m.Confidential, m.SubjectUnitCode))
            .ToListAsync(ct);
        if (matters.Count == 0) return [];
        var signed = (await db.Assignments.AsNoTracking().Where(Rewrite(which, (Assignment a) => a.MatterId))
                .Where(a => a.Role == "lead" && a.AcceptedAt != null)
                .Select(a => new { a.MatterId, a.UnitCode, a.AssignedAt, a.AcceptedAt, a.SignDueAt }).ToListAsync(ct))
            .ToLookup(a => a.MatterId);
        var returns = (await db.DispatchReturns.AsNoTracking().Where(Rewrite(which, (DispatchReturn r) => r.MatterId))
                .Select(r => new { r.MatterId, r.UnitCode, r.ReturnedAt, r.State }).ToListAsync(ct))
            .ToLookup(r => r.MatterId);
        var events = (await db.Events.AsNoTracking().Where(Rewrite(which, (MatterEvent e) => e.MatterId!.Value))
                .Where(e => e.Action == Complete.Name || e.Action == Reopen.Name)
                .Select(e => new { MatterId = e.MatterId!.Value, e.Action, e.At }).ToListAsync(ct))
            .ToLookup(e => e.MatterId);

        var rates = new Dictionary<long, string>();
        var lines = new List<string>();
        foreach (var m in matters)
        {
            lines.Clear();
            var county = m.CountyCode ?? "";
            void Add(string measure, DateTimeOffset at, string unit) => lines.Add($"{measure}|{RateMeasures.Month(at)}|{county}|{unit}");

            // 响应率: the signed lead assignments (the unsigned ones change with time alone and are counted live).
            foreach (var a in signed[m.Id])
                Add(a.SignDueAt == null || a.AcceptedAt <= a.SignDueAt ? RateMeasures.SignedInTime : RateMeasures.SignedLate, a.AssignedAt, a.UnitCode);

            if (m.LeadUnitCode is { } lead && m.Status == Matters.Status.Closed && m.ClosedAt is { } closedAt)
            {
                var completed = events[m.Id].Where(e => e.Action == Complete.Name).Select(e => (DateTimeOffset?)e.At).Max() ?? closedAt;
                var onTime = m.DueAt is not { } due || completed <= due;
                foreach (var measure in RateMeasures.OfClosure(onTime, options.Value.Excludes(m.Category), m.FeedbackResolved, m.FeedbackSatisfaction))
                    Add(measure, closedAt, lead);
                if (!onTime) Add(RateMeasures.ClosedLate, m.DueAt!.Value, lead);
            }
            foreach (var r in returns[m.Id])
            {
                Add(RateMeasures.Returns, r.ReturnedAt, r.UnitCode);
                if (r.State == DispatchReturn.Overruled) Add(RateMeasures.Improper, r.ReturnedAt, r.UnitCode);
            }
            if (m.LeadUnitCode is { } holder)
            {
                foreach (var e in events[m.Id].Where(e => e.Action == Reopen.Name)) Add(RateMeasures.Reopenings, e.At, holder);
            }
            if (lines.Count == 0) continue;
            lines.Sort(StringComparer.Ordinal);
            var text = new StringBuilder().Append(m.Kind).Append('|').Append(m.Channel).Append('|')
                .Append(m.Confidential && m.SubjectUnitCode is { } subject ? subject : "");
            foreach (var line in lines) text.Append('\n').Append(line);
            rates[m.Id] = text.ToString();
        }
        return rates;
    }

    /// <summary>The condition on an id, applied to another entity's id column.</summary>
    private static System.Linq.Expressions.Expression<Func<T, bool>> Rewrite<T>(System.Linq.Expressions.Expression<Func<long, bool>> which,
        System.Linq.Expressions.Expression<Func<T, long>> id)
    {
        var body = new Replace(which.Parameters[0], id.Body).Visit(which.Body);
        return System.Linq.Expressions.Expression.Lambda<Func<T, bool>>(body, id.Parameters);
    }

    private sealed class Replace(System.Linq.Expressions.ParameterExpression from, System.Linq.Expressions.Expression to) : System.Linq.Expressions.ExpressionVisitor
    {
        protected override System.Linq.Expressions.Expression VisitParameter(System.Linq.Expressions.ParameterExpression node) => node == from ? to : node;
    }
}

internal sealed class RateCountConfiguration : IEntityTypeConfiguration<RateCount>
{
    public void Configure(EntityTypeBuilder<RateCount> e)
    {
        e.ToTable("rate_counts");
        e.HasKey(x => new { x.Kind, x.Channel, x.Month, x.County, x.Unit, x.Subject, x.Measure });
    }
}
