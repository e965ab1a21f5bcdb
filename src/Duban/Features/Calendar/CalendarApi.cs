using System.Globalization;
using Duban.Common;
using Duban.Data;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Calendar;

/// <summary>
/// The working-day calendar over HTTP: any signed-in user reads it (a unit wants to know when its
/// window ends); only the city's administrators add days and years or withdraw them, since one
/// calendar serves the whole deployment.
/// </summary>
public static class CalendarApi
{
    /// <summary>One day the weekend rule does not decide: shipped (data/calendar/holidays.tsv) or added (a row of calendar_days, with its id).</summary>
    public sealed record DayDto(string Day, string Kind, string Name, string? EnglishName, string Source, long? Id, string? Note,
        DateTimeOffset? CreatedAt, string? CreatedBy, ReplacedDto? Replaces);

    /// <summary>The shipped entry an added day replaces.</summary>
    public sealed record ReplacedDto(string Kind, string Name);

    /// <summary>What makes the year covered: the shipped data, or an administrator's year (its row's id).</summary>
    public sealed record CoverageDto(string Source, long? Id, string? Note, DateTimeOffset? CreatedAt, string? CreatedBy);

    public sealed record YearDto(int Year, bool Covered, int Workdays, IReadOnlyList<CoverageDto> Coverage, IReadOnlyList<DayDto> Days);

    public sealed record WorkdayDto(string Date, bool Workday, string? Holiday, string? Kind, string? Name, bool Covered);

    public sealed record AddWorkdaysDto(string Date, int N, string Result, bool Covered);

    /// <summary>Ten years of working days: a time limit longer than that is a typing error.</summary>
    public const int MaxWorkdays = 2_500;

    public const string Shipped = "shipped", Added = "added";

    public static RouteGroupBuilder MapCalendarApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/calendar").RequireAuthorization().WithTags("Calendar");
        g.MapGet("/days", ListDaysAsync).Produces<YearDto>().ProducesProblem(400);
        g.MapGet("/workday", IsWorkday).Produces<WorkdayDto>().ProducesProblem(400);
        g.MapGet("/add-workdays", AddWorkdays).Produces<AddWorkdaysDto>().ProducesProblem(400);
        g.MapPost("/days", AddDayAsync).Produces<AddedDayDto>(201).ProducesProblem(400).ProducesProblem(403);
        g.MapPost("/years/{year:int}", AddYearAsync).Produces<AddedYearDto>(201).ProducesProblem(400).ProducesProblem(403);
        g.MapDelete("/days/{id:long}", WithdrawAsync).Produces<AddedDayDto>().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return api;
    }

    private static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static Result<DateOnly> Date(string? text) =>
        CalendarDays.ParseDay(text) is { } d ? d : Error.Validation($"date 须为 YYYY-MM-DD 格式的日期 / date must be a date YYYY-MM-DD: \"{text}\"");

    /// <summary>The shipped and added days of a year, as the database has them now (with the ids to withdraw by).</summary>
    private static async Task<IResult> ListDaysAsync(string? year, DubanDb db, CancellationToken ct)
    {
        if (!int.TryParse(year, NumberStyles.None, CultureInfo.InvariantCulture, out var y) || y is < CalendarChanges.FirstYear or > CalendarChanges.LastYear)
        {
            return ApiResults.Problem(Error.Validation(
                $"year 须为 {CalendarChanges.FirstYear}–{CalendarChanges.LastYear} 之间的年份 / year must be a year between {CalendarChanges.FirstYear} and {CalendarChanges.LastYear}: \"{year}\""));
        }
        return Results.Ok(await YearAsync(y, db, ct));
    }

    /// <summary>
    /// A year (FirstYear–LastYear) as the database has it now: the shipped and added days in force (the added with
    /// the ids to withdraw by), what covers it and its working days. The API's GET /days and the calendar page.
    /// </summary>
    public static async Task<YearDto> YearAsync(int y, DubanDb db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var prefix = y.ToString(CultureInfo.InvariantCulture);
        var rows = await db.CalendarDays.AsNoTracking().Where(r => r.Active && EF.Functions.Like(r.Day, prefix + "%"))
            .OrderBy(r => r.Id).ToListAsync(ct);
        var shipped = CalendarData.Shipped;
        var shippedDays = shipped.Entries.Where(e => e.Date.Year == y).ToDictionary(e => e.Date);
        var days = shippedDays.Values.ToDictionary(e => e.Date, e =>
            new DayDto(Iso(e.Date), CalendarDays.KindName(e.Kind), e.Name, e.EnglishName, Shipped, null, null, null, null, null));
        var coverage = new List<CoverageDto>();
        if (shipped.Years.Contains(y)) coverage.Add(new CoverageDto(Shipped, null, null, null, null));
        foreach (var r in rows)
        {
            if (r.Kind == CalendarDays.Year)
            {
                coverage.Add(new CoverageDto(Added, r.Id, r.Note, r.CreatedAt, r.CreatedBy));
                continue;
            }
            if (CalendarDays.ParseDay(r.Day) is not { } date) continue;
            var replaces = shippedDays.TryGetValue(date, out var s) ? new ReplacedDto(CalendarDays.KindName(s.Kind), s.Name) : null;
            // Oldest first: the newest row for a date is the last written, and wins.
            days[date] = new DayDto(r.Day, r.Kind, r.Name, null, Added, r.Id, r.Note, r.CreatedAt, r.CreatedBy, replaces);
        }
        var calendar = CalendarDays.Layer(rows) is { } layer ? new WorkCalendar(shipped, layer) : new WorkCalendar(shipped);
        var workdays = calendar.WorkdaysBetween(new DateOnly(y - 1, 12, 31), new DateOnly(y, 12, 31));
        return new YearDto(y, coverage.Count > 0, workdays, coverage, [.. days.OrderBy(d => d.Key).Select(d => d.Value)]);
    }

    private static IResult IsWorkday(string? date, WorkCalendar calendar)
    {
        var parsed = Date(date);
        if (parsed.Error is { } bad) return ApiResults.Problem(bad);
        var d = parsed.Value;
        var entry = calendar.Entry(d);
        return Results.Ok(new WorkdayDto(Iso(d), calendar.IsWorkday(d), calendar.HolidayName(d),
            entry is null ? null : CalendarDays.KindName(entry.Kind), entry?.Name, calendar.Covers(d.Year)));
    }

    private static IResult AddWorkdays(string? date, string? n, WorkCalendar calendar)
    {
        var parsed = Date(date);
        if (parsed.Error is { } bad) return ApiResults.Problem(bad);
        if (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > MaxWorkdays)
            return ApiResults.Problem(Error.Validation(string.Create(CultureInfo.InvariantCulture, $"n 须为 0 至 {MaxWorkdays} 的整数 / n must be a whole number from 0 to {MaxWorkdays}: \"{n}\"")));
        var start = parsed.Value;
        if (start.Year > 9980) return ApiResults.Problem(Error.Validation("date is too late / 日期过晚"));
        var end = calendar.AddWorkdays(start, count);
        var covered = Enumerable.Range(start.Year, end.Year - start.Year + 1).All(calendar.Covers);
        return Results.Ok(new AddWorkdaysDto(Iso(start), count, Iso(end), covered));
    }

    // One calendar for every unit of the deployment: the city's administrators keep it, not a county's.
    /// <summary>Null when the actor may change the calendar (the API's rule; the calendar page asks it too), else the refusal.</summary>
    public static Error? MayMaintain(Actor actor, MatterScope scope) =>
        actor.Has(Roles.Admin) && scope.IsCityWide(actor) ? null
            : Error.Forbidden("只有市级管理员可以维护工作日日历 / only the city's administrators maintain the working-day calendar");

    private static async Task<IResult> AddDayAsync(AddDayRequest request, HttpContext http, CalendarChanges changes, MatterScope scope, CancellationToken ct)
    {
        var actor = http.Actor();
        if (MayMaintain(actor, scope) is { } refused) return ApiResults.Problem(refused);
        var result = await changes.AddDayAsync(request, actor, ct);
        return result.IsSuccess ? Results.Created($"/api/v1/calendar/days/{result.Value!.Id}", result.Value) : ApiResults.Problem(result.Error!);
    }

    private static async Task<IResult> AddYearAsync(int year, AddYearRequest request, HttpContext http, CalendarChanges changes, MatterScope scope, CancellationToken ct)
    {
        var actor = http.Actor();
        if (MayMaintain(actor, scope) is { } refused) return ApiResults.Problem(refused);
        var result = await changes.AddYearAsync(year, request, actor, ct);
        return result.IsSuccess
            ? Results.Created(string.Create(CultureInfo.InvariantCulture, $"/api/v1/calendar/days?year={year}"), result.Value)
            : ApiResults.Problem(result.Error!);
    }

    private static async Task<IResult> WithdrawAsync(long id, HttpContext http, CalendarChanges changes, MatterScope scope, CancellationToken ct)
    {
        var actor = http.Actor();
        if (MayMaintain(actor, scope) is { } refused) return ApiResults.Problem(refused);
        var result = await changes.WithdrawAsync(id, actor, ct);
        return result.IsSuccess ? Results.Ok(result.Value) : ApiResults.Problem(result.Error!);
    }
}
