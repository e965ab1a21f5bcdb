using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Calendar;

/// <summary>Duban:Calendar settings.</summary>
public sealed class CalendarOptions
{
    public const string Section = "Duban:Calendar";

    /// <summary>How often, in seconds, a node reads the administrators' days for another node's change.</summary>
    [Range(1, 86_400, ErrorMessage = "Duban:Calendar:RefreshSeconds must be between 1 and 86400.")]
    public int RefreshSeconds { get; set; } = 60;
}

/// <summary>
/// The administrators' days (table calendar_days) as a calendar layer, put in force on this node's
/// <see cref="WorkCalendar"/>. A row is never changed except to be withdrawn (active = false), so
/// the newest id and the number of active rows together change with every change: a refresh reads
/// the rows only when they moved. A <see cref="RefreshingCache{T}"/> refreshed in the background: read
/// before the node serves (a return window computed without the city's days off would be wrong), then
/// every Duban:Calendar:RefreshSeconds for the other nodes' changes; the node that makes a change reads
/// them at once (<see cref="CalendarChanges"/>).
/// </summary>
public sealed class CalendarDays : IDisposable
{
    /// <summary>calendar_days.kind of a local or announced day off.</summary>
    public const string DayOff = "day_off";

    /// <summary>calendar_days.kind of a day worked (调休上班, or a holiday worked locally).</summary>
    public const string Workday = "workday";

    /// <summary>
    /// calendar_days.kind of the row that says a year's arrangement is known (its day is the year,
    /// "2027"): written with the year's days by an administrator's year, it makes Covers(year) true.
    /// </summary>
    public const string Year = "year";

    /// <summary>The layer's name (CalendarData.Source) for the administrators' days.</summary>
    public const string Source = "calendar_days";

    private readonly WorkCalendar calendar;

    /// <summary>The rows put in force on the calendar, by their newest id and number of active rows.</summary>
    private sealed record DaysRead(long MaxId, int Active);

    private readonly RefreshingCache<DaysRead> days;

    public CalendarDays(WorkCalendar calendar, RefreshingCaches caches, IOptions<CalendarOptions> options)
    {
        ArgumentNullException.ThrowIfNull(caches);
        ArgumentNullException.ThrowIfNull(options);
        this.calendar = calendar;
        days = caches.Create<DaysRead>("the administrators' calendar days", TimeSpan.FromSeconds(options.Value.RefreshSeconds),
            CacheRefresh.BackgroundBeforeServing, LoadAsync);
    }

    internal IRefreshingCache Cache => days;

    public void Dispose() => days.Dispose();

    /// <summary>
    /// Puts the database's active rows in force on the calendar when they changed since the last
    /// time (or always, <paramref name="force"/>). Returns whether it read them. Reads run one at a
    /// time, so a slow reader of older rows can never put them in force after a newer one.
    /// </summary>
    public async Task<bool> RefreshAsync(bool force = false, CancellationToken ct = default)
    {
        if (force) days.Invalidate();
        return await days.RefreshAsync(ct);
    }

    private async Task<DaysRead> LoadAsync(IServiceProvider services, DaysRead? inForce, CancellationToken ct)
    {
        var db = services.GetRequiredService<DubanDb>();
        var read = new DaysRead(await db.CalendarDays.Select(r => (long?)r.Id).MaxAsync(ct) ?? 0, await db.CalendarDays.CountAsync(r => r.Active, ct));
        if (inForce is not null && read == inForce) return inForce;
        calendar.UseAdded(Layer(await ActiveRowsAsync(db, ct)));
        return read;
    }

    /// <summary>The active rows, oldest first (so that in <see cref="Layer"/> the newest for a date wins).</summary>
    public static Task<List<CalendarDay>> ActiveRowsAsync(DubanDb db, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.CalendarDays.AsNoTracking().Where(r => r.Active).OrderBy(r => r.Id).ToListAsync(ct);
    }

    /// <summary>
    /// The layer of the given active rows: for each date the newest row (highest id); a year row
    /// makes its year covered. Null when there is nothing, so that the calendar's layers stay the shipped one alone.
    /// </summary>
    public static CalendarData? Layer(IEnumerable<CalendarDay> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var years = new HashSet<int>();
        var entries = new Dictionary<DateOnly, (long Id, CalendarEntry Entry)>();
        foreach (var row in rows)
        {
            if (row.Kind == Year)
            {
                if (ParseYear(row.Day) is { } year) years.Add(year);
                continue;
            }
            if (ParseDay(row.Day) is not { } date || ParseKind(row.Kind) is not { } kind) continue;
            if (entries.TryGetValue(date, out var seen) && seen.Id > row.Id) continue;
            entries[date] = (row.Id, new CalendarEntry(date, kind, row.Name));
        }
        if (years.Count == 0 && entries.Count == 0) return null;
        return new CalendarData(Source, years, [.. entries.Values.OrderBy(e => e.Entry.Date).Select(e => e.Entry)]);
    }

    /// <summary>A yyyy-MM-dd date, or null.</summary>
    public static DateOnly? ParseDay(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    private static int? ParseYear(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var y) ? y : null;

    /// <summary>day_off or workday as a kind, else null.</summary>
    public static CalendarDayKind? ParseKind(string? kind) => kind switch
    {
        DayOff => CalendarDayKind.DayOff,
        Workday => CalendarDayKind.Workday,
        _ => null,
    };

    /// <summary>The calendar_days.kind of a kind.</summary>
    public static string KindName(CalendarDayKind kind) => kind == CalendarDayKind.DayOff ? DayOff : Workday;
}

public static class CalendarServices
{
    /// <summary>The calendar (one per node, changed in place), its administrators' days, kept by the node's refresher.</summary>
    public static IServiceCollection AddDubanCalendar(this IServiceCollection services)
    {
        services.AddOptions<CalendarOptions>().BindConfiguration(CalendarOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(_ => WorkCalendar.Shipped());
        services.AddSingleton<CalendarDays>();
        services.AddRefreshingCache<CalendarDays>(d => d.Cache);
        services.AddScoped<CalendarChanges>();
        return services;
    }
}
