using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Calendar;

public sealed record AddDayRequest(string? Day, string? Kind, string? Name, string? Note);

public sealed record YearEntryRequest(string? Day, string? Kind, string? Name);

public sealed record AddYearRequest(IReadOnlyList<YearEntryRequest>? Entries, string? Note);

public sealed record AddedDayDto(long Id, string Day, string Kind, string Name, string? Note, bool Active, DateTimeOffset CreatedAt, string CreatedBy)
{
    public static AddedDayDto Of(CalendarDay r) => new(r.Id, r.Day, r.Kind, r.Name, r.Note, r.Active, r.CreatedAt, r.CreatedBy);
}

public sealed record AddedYearDto(int Year, long Id, string? Note, IReadOnlyList<AddedDayDto> Entries);

/// <summary>
/// An administrator's changes to the calendar: a local day off (台风停工, a local festival) or a
/// day worked, a newly announced year (国务院办公厅 announces the next year each November), and the
/// withdrawal of either. Rows are added, never changed except to be withdrawn; each change is an
/// <see cref="AuditedChange"/> with one event; the node that makes it puts it in force at once. Who may
/// is the caller's business (the API: the city's administrators; the CLI: the system).
/// </summary>
public sealed class CalendarChanges(DubanDb db, AuditedChange change, CalendarDays days, TimeProvider time)
{
    /// <summary>Added days lie in these years: a wider range is a typing error, not a plan.</summary>
    public const int FirstYear = 2000, LastYear = 2100;

    public const int MaxName = 50, MaxNote = 200;

    public async Task<Result<AddedDayDto>> AddDayAsync(AddDayRequest request, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(actor);
        var checkedEntry = Validate(request.Day, request.Kind, request.Name, "");
        if (checkedEntry.Error is { } bad) return bad;
        if (ValidateNote(request.Note) is { } badNote) return badNote;
        var entry = checkedEntry.Value!;

        return await change.RunAsync<AddedDayDto>(async () =>
        {
            var row = NewRow(entry.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), CalendarDays.KindName(entry.Kind), entry.Name, request.Note, actor);
            db.CalendarDays.Add(row);
            await db.SaveChangesAsync(ct);
            return Made(AddedDayDto.Of(row), new AuditEvent(actor, "calendar_day_added", Data(row), row.Note));
        }, ct);
    }

    /// <summary>
    /// A year's arrangement, all or nothing: its holidays' days off and adjusted working days,
    /// every one inside <paramref name="year"/>, and a year row that makes the year covered. A year
    /// already covered (shipped or added) is amended: the days given replace those of the same date.
    /// </summary>
    public async Task<Result<AddedYearDto>> AddYearAsync(int year, AddYearRequest request, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(actor);
        if (year is < FirstYear or > LastYear)
            return Error.Validation($"年份须在 {FirstYear}–{LastYear} 之间 / the year must be between {FirstYear} and {LastYear}");
        if (request.Entries is not { Count: > 0 } given)
            return Error.Validation("请提供该年的节假日和调休工作日 / entries are required: the year's days off and adjusted working days");
        if (given.Count > 366) return Error.Validation("一年最多 366 天 / a year has at most 366 days");
        if (ValidateNote(request.Note) is { } badNote) return badNote;
        var entries = new List<CalendarEntry>();
        var seen = new HashSet<DateOnly>();
        for (var i = 0; i < given.Count; i++)
        {
            var e = given[i];
            var at = string.Create(CultureInfo.InvariantCulture, $"entries[{i}]: ");
            var checkedEntry = e is null ? Error.Validation(at + "缺少内容 / missing") : Validate(e.Day, e.Kind, e.Name, at);
            if (checkedEntry.Error is { } bad) return bad;
            var entry = checkedEntry.Value!;
            if (entry.Date.Year != year)
                return Error.Validation(string.Create(CultureInfo.InvariantCulture, $"{at}{e!.Day} 不在 {year} 年内 / {e.Day} is not in {year}"));
            if (!seen.Add(entry.Date))
                return Error.Validation($"{at}{e!.Day} 重复 / {e.Day} is given twice");
            entries.Add(entry);
        }

        return await change.RunAsync<AddedYearDto>(async () =>
        {
            var yearText = year.ToString(CultureInfo.InvariantCulture);
            var marker = NewRow(yearText, CalendarDays.Year, yearText + "年节假日安排", request.Note, actor);
            var rows = entries.OrderBy(e => e.Date)
                .Select(e => NewRow(e.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), CalendarDays.KindName(e.Kind), e.Name, request.Note, actor))
                .ToList();
            db.CalendarDays.Add(marker);
            db.CalendarDays.AddRange(rows);
            await db.SaveChangesAsync(ct);
            var data = new JsonObject
            {
                ["id"] = marker.Id,
                ["year"] = year,
                ["entries"] = new JsonArray([.. rows.Select(r => (JsonNode)Data(r))]),
            };
            return Made(new AddedYearDto(year, marker.Id, marker.Note, [.. rows.Select(AddedDayDto.Of)]),
                new AuditEvent(actor, "calendar_year_added", data, marker.Note));
        }, ct);
    }

    /// <summary>Withdraws an added day or year row: 404 when there is none, 409 when it is withdrawn already.</summary>
    public async Task<Result<AddedDayDto>> WithdrawAsync(long id, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return await change.RunAsync<AddedDayDto>(async () =>
        {
            var row = await db.CalendarDays.FirstOrDefaultAsync(r => r.Id == id, ct);
            if (row is null) return Error.NotFound(string.Create(CultureInfo.InvariantCulture, $"没有编号为 {id} 的日历条目 / no calendar day {id}"));
            if (!row.Active)
                return Error.Conflict("already_withdrawn", string.Create(CultureInfo.InvariantCulture, $"日历条目 {id} 已撤销 / calendar day {id} is withdrawn already"));
            row.Active = false;
            return Made(AddedDayDto.Of(row), new AuditEvent(actor, "calendar_day_withdrawn", Data(row)));
        }, ct);
    }

    /// <summary>One added day, checked: a yyyy-MM-dd date in 2000–2100, day_off or workday, a name of 1–50 characters.</summary>
    public static Result<CalendarEntry> Validate(string? day, string? kind, string? name, string at)
    {
        if (Text.HasControlCharacters(day, kind, name))
            return Error.Validation(at + "文本含有非法控制字符 / text may not contain control characters");
        if (CalendarDays.ParseDay(day?.Trim()) is not { } date)
            return Error.Validation($"{at}日期格式应为 YYYY-MM-DD / day must be a date YYYY-MM-DD: \"{day}\"");
        if (date.Year is < FirstYear or > LastYear)
            return Error.Validation($"{at}日期须在 {FirstYear}–{LastYear} 年之间 / the day must lie in {FirstYear}–{LastYear}: {day}");
        if (CalendarDays.ParseKind(kind?.Trim()) is not { } parsedKind)
            return Error.Validation($"{at}类型须为 day_off（放假）或 workday（上班） / kind must be day_off or workday: \"{kind}\"");
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is < 1 or > MaxName)
            return Error.Validation(string.Create(CultureInfo.InvariantCulture, $"{at}名称须为 1 至 {MaxName} 个字符 / name must be 1 to {MaxName} characters"));
        if (trimmed.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
            return Error.Validation(at + "名称须为一行 / name must be one line");
        return new CalendarEntry(date, parsedKind, trimmed);
    }

    /// <summary>A change's answer and its one event; this node's calendar takes the change at once.</summary>
    private ChangeMade<T> Made<T>(T value, AuditEvent recorded) => new(value, [recorded], [days.Cache]);

    private static Error? ValidateNote(string? note) =>
        Text.HasControlCharacters(note) ? Error.Validation("文本含有非法控制字符 / text may not contain control characters")
        : Text.OrNull(note) is { Length: > MaxNote } ? Error.Validation(string.Create(CultureInfo.InvariantCulture, $"备注最多 {MaxNote} 个字符 / note is at most {MaxNote} characters"))
        : null;

    private CalendarDay NewRow(string day, string kind, string name, string? note, Actor actor) => new()
    {
        Day = day,
        Kind = kind,
        Name = name,
        Note = Text.OrNull(note),
        Active = true,
        CreatedAt = time.Now(),
        CreatedBy = actor.Username,
    };

    private static JsonObject Data(CalendarDay r) => new()
    {
        ["id"] = r.Id,
        ["day"] = r.Day,
        ["kind"] = r.Kind,
        ["name"] = r.Name,
    };
}
