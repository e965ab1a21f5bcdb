using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Tally;

/// <summary>The tally's one state row: the last event counted (<see cref="Watermark"/>) and when the counters were last brought up to date.</summary>
public sealed class TallyState
{
    public int Id { get; set; }
    public long Watermark { get; set; }
    public DateTimeOffset CountedAt { get; set; }
    /// <summary>The figures' settings the rates' rollup was counted under (<see cref="Figures.FiguresOptions.RollupConfig"/>): other settings, a rebuild.</summary>
    public string RatesConfig { get; set; } = "";
}

/// <summary>What one matter is counted as now (its bucket), so that a change counts only its difference.</summary>
public sealed class TallyMatter
{
    public long MatterId { get; set; }
    public required string County { get; set; }
    public required string Town { get; set; }
    public required string Status { get; set; }
    public required string Light { get; set; }
    public required string LeadUnit { get; set; }
    public required string ReceivedDay { get; set; }
    public required string ClosedDay { get; set; }
    /// <summary>
    /// The unit a confidential report is about ('' for any other matter): such a report is counted like any
    /// matter and once more in the counters "about" its subject unit, which the readers in that unit or
    /// beneath it subtract (MatterScope never shows them a report about their own unit).
    /// </summary>
    public required string Subject { get; set; }
    /// <summary>The next instant the matter's light may change by time alone; the job re-counts it once passed.</summary>
    public DateTimeOffset? NextChange { get; set; }
    /// <summary>What the matter adds to the rates' rollup (<see cref="RateMeasures.Keys"/>; '' nothing).</summary>
    public string Rates { get; set; } = "";

    /// <summary>The counters this bucket adds one to: its own, and for a confidential report their twins about its subject unit.</summary>
    public IEnumerable<TallyKey> Keys()
    {
        foreach (var key in OwnKeys())
        {
            yield return key;
            if (Subject.Length > 0) yield return key with { Kind = TallyKinds.About(key.Kind, Subject) };
        }
    }

    private IEnumerable<TallyKey> OwnKeys()
    {
        yield return new(TallyKinds.Status, County, Status);
        if (Light.Length > 0)
        {
            yield return new(TallyKinds.Light, County, Light);
            yield return new(TallyKinds.UnitLight, County, LeadUnit + "|" + Light);
        }
        yield return new(TallyKinds.Received, County, ReceivedDay);
        yield return new(TallyKinds.ReceivedStatus, County, ReceivedDay + "|" + Status);
        if (Town.Length > 0) yield return new(TallyKinds.ReceivedTown, County, ReceivedDay + "|" + Town);
        if (Status == Matters.Status.Closed)
        {
            yield return new(TallyKinds.ReceivedClosed, County, ReceivedDay);
            if (Town.Length > 0) yield return new(TallyKinds.ReceivedClosedTown, County, ReceivedDay + "|" + Town);
        }
        if (ClosedDay.Length > 0) yield return new(TallyKinds.Closed, County, ClosedDay);
    }

    public bool SameAs(TallyMatter other) =>
        (County, Town, Status, Light, LeadUnit, ReceivedDay, ClosedDay, Subject, NextChange, Rates)
        == (other.County, other.Town, other.Status, other.Light, other.LeadUnit, other.ReceivedDay, other.ClosedDay, other.Subject, other.NextChange, other.Rates);

    public void CopyFrom(TallyMatter other)
    {
        (County, Town, Status, Light, LeadUnit, ReceivedDay, ClosedDay, Subject, NextChange, Rates) =
            (other.County, other.Town, other.Status, other.Light, other.LeadUnit, other.ReceivedDay, other.ClosedDay, other.Subject, other.NextChange, other.Rates);
    }
}

/// <summary>One counter: how many counted matters of a county ('' at city level) have this key of this kind.</summary>
public sealed class TallyCount
{
    public required string Kind { get; set; }
    public required string County { get; set; }
    public required string Key { get; set; }
    public long N { get; set; }
}

public readonly record struct TallyKey(string Kind, string County, string Key);

/// <summary>The kinds of counter, and what their key holds.</summary>
public static class TallyKinds
{
    /// <summary>key: the status.</summary>
    public const string Status = "status";
    /// <summary>key: the light of an open matter.</summary>
    public const string Light = "light";
    /// <summary>key: lead unit ('' waiting for dispatch) | light.</summary>
    public const string UnitLight = "unit_light";
    /// <summary>key: the China date received (yyyy-MM-dd).</summary>
    public const string Received = "received";
    /// <summary>key: the China date received | the town (first nine digits of the territory).</summary>
    public const string ReceivedTown = "received_town";
    /// <summary>key: the China date received, of the matters closed now.</summary>
    public const string ReceivedClosed = "received_closed";
    /// <summary>key: the China date received | the town, of the matters closed now.</summary>
    public const string ReceivedClosedTown = "received_closed_town";
    /// <summary>key: the China date closed.</summary>
    public const string Closed = "closed";
    /// <summary>key: the China date received | the status now (the dashboard's statuses of a period's matters).</summary>
    public const string ReceivedStatus = "received_status";

    /// <summary>
    /// The twin of a counter kind that counts only the confidential reports about one unit ("status@44078100001"):
    /// a reader in that unit or beneath it subtracts it from the kind's counters.
    /// </summary>
    public static string About(string kind, string unit) => kind + "@" + unit;

    public static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The fields of a matter the tally reads: its bucket and its light.</summary>
public sealed record TallySource(long Id, string Status, string? CountyCode, string? TerritoryCode, string? LeadUnitCode, DateTimeOffset ReceivedAt,
    DateTimeOffset? ClosedAt, bool Confidential, string? SubjectUnitCode, DateTimeOffset? AcceptDueAt, DateTimeOffset? YellowAt, DateTimeOffset? DueAt,
    DateTimeOffset? PausedAt, bool KeySupervision, DateTimeOffset? LastProgressAt, DateTimeOffset? WarnAt) : ILightFields
{
    public static IQueryable<TallySource> From(IQueryable<Matter> matters) => matters.Select(m => new TallySource(m.Id, m.Status, m.CountyCode,
        m.TerritoryCode, m.LeadUnitCode, m.ReceivedAt, m.ClosedAt, m.Confidential, m.SubjectUnitCode, m.AcceptDueAt, m.YellowAt, m.DueAt,
        m.PausedAt, m.KeySupervision, m.LastProgressAt, m.WarnAt));

    /// <summary>
    /// The matter's bucket at <paramref name="now"/>: its light by the one rule (LightRule), and the
    /// next instant the light may change, the earliest of its clock's points not before now (an
    /// instant compared with &lt; changes the light just after it: the job re-counts once it has passed).
    /// </summary>
    public TallyMatter Bucket(MatterClock clock, DateTimeOffset now)
    {
        var light = clock.LightOf(this, now);
        DateTimeOffset? next = null;
        if (LightRule.WaitingStates.Contains(Status) || Matters.Status.Running.Contains(Status))
        {
            DateTimeOffset? key = KeySupervision && LastProgressAt is { } p ? p.AddDays(clock.Settings.KeyProgressDays) : null;
            foreach (var point in new[] { AcceptDueAt, YellowAt, DueAt, WarnAt, key })
            {
                if (point is { } at && at >= now && (next is null || at < next)) next = at;
            }
        }
        return new TallyMatter
        {
            MatterId = Id,
            County = CountyCode ?? "",
            Town = TerritoryCode is { Length: >= 9 } t ? t[..9] : "",
            Status = Status,
            Light = light ?? "",
            LeadUnit = LeadUnitCode ?? "",
            ReceivedDay = TallyKinds.Day(Clock.ChinaDate(ReceivedAt)),
            ClosedDay = ClosedAt is { } c ? TallyKinds.Day(Clock.ChinaDate(c)) : "",
            Subject = Confidential && SubjectUnitCode is { } subject ? subject : "",
            NextChange = next,
        };
    }
}

internal sealed class TallyStateConfiguration : IEntityTypeConfiguration<TallyState>
{
    public void Configure(EntityTypeBuilder<TallyState> e)
    {
        e.ToTable("tally_state");
        e.Property(x => x.Id).ValueGeneratedNever();
    }
}

internal sealed class TallyMatterConfiguration : IEntityTypeConfiguration<TallyMatter>
{
    public void Configure(EntityTypeBuilder<TallyMatter> e)
    {
        e.ToTable("tally_matters");
        e.HasKey(x => x.MatterId);
        e.Property(x => x.MatterId).ValueGeneratedNever();
    }
}

internal sealed class TallyCountConfiguration : IEntityTypeConfiguration<TallyCount>
{
    public void Configure(EntityTypeBuilder<TallyCount> e)
    {
        e.ToTable("tally_counts");
        e.HasKey(x => new { x.Kind, x.County, x.Key });
    }
}
