using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Open311;

/// <summary>The fields of a POST requests, as the client sent them (form-encoded).</summary>
public sealed record Open311Post(string? ApiKey, string? ServiceCode, string? Latitude, string? Longitude, string? AddressString, string? Description,
    string? FirstName, string? LastName, string? Email, string? Phone, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// What the door does: files a request through the same intake as the portal (<see cref="RegisterMatter"/>: the same
/// validation, numbering, sealing of the raiser, first event and clock; then <see cref="IAutoDispatch"/>, the same
/// routing), on channel <c>open311</c>; and shows the requests that came through it, in public fields only.
/// </summary>
public sealed class Open311Door(DubanDb db, RegisterMatter register, IAutoDispatch auto, Open311Keys keys, Open311Services services,
    Open311Places places, UnitDirectory units, TimeProvider time)
{
    public const string Channel = "open311";

    /// <summary>The most requests one GET answers, and the longest period it covers (GeoReport v2: 1000 and 90 days).</summary>
    public const int MaxRequests = 1000;
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(90);

    /// <summary>POST requests: the new request's receipt (its matter number) and a notice.</summary>
    public async Task<Result<JsonObject>> SubmitAsync(Open311Post p, CancellationToken ct)
    {
        // 403 for a missing key as for a wrong one (GeoReport v2: "api_key was not provided or invalid").
        var key = await keys.FindAsync(p.ApiKey, ct);
        if (key is null) return Error.Forbidden("api_key is missing or not valid / api_key 缺失或无效");
        if (Text.OrNull(p.ServiceCode) is not { } code) return Error.Validation("service_code is required / 缺少 service_code");
        var service = await services.FindAsync(code, ct);
        if (service is null) return Error.Validation($"service_code {code} is not a service of this city / 服务代码不存在");

        var address = Text.OrNull(p.AddressString);
        if (address is { Length: > 500 }) return Error.Validation("address_string is at most 500 characters / 地址过长");
        double? lat = null, lon = null;
        if (p.Latitude is not null || p.Longitude is not null)
        {
            if (!TryCoordinate(p.Latitude, -90, 90, out var la)) return Error.Validation("lat must be a latitude in decimal degrees (WGS 84) / 纬度格式不正确");
            if (!TryCoordinate(p.Longitude, -180, 180, out var lo)) return Error.Validation("long must be a longitude in decimal degrees (WGS 84) / 经度格式不正确");
            (lat, lon) = (la, lo);
        }
        if (address is null && lat is null) return Error.Validation("lat and long, or address_string, are required / 请提供坐标或地址");
        Open311Places.Place? point = null;
        if (lat is { } y && lon is { } x)
        {
            point = places.Resolve(y, x);
            // A point outside the city cannot be placed; with an address the address places it.
            if (point is null && address is null) return Error.Validation("lat/long lie outside the city's divisions / 坐标不在本市范围内");
        }
        if (Text.OrNull(p.Description) is null) return Error.Validation("description is required / 缺少 description（问题描述）");
        if (p.Email is { Length: > 200 }) return Error.Validation("email is at most 200 characters");

        var kind = p.Attributes.TryGetValue("kind", out var k) && Text.OrNull(k) is { } givenKind ? givenKind : "complaint";
        if (!services.Kinds.Any(t => t.Kind == kind))
            return Error.Validation($"attribute[kind] must be one of {string.Join(", ", services.Kinds.Select(t => t.Kind))} / 事项类型不正确");
        var description = p.Description!.Trim();
        var title = p.Attributes.TryGetValue("title", out var t) && Text.OrNull(t) is { } givenTitle ? givenTitle
            : service.Name + "：" + (description.Length > 30 ? description[..30] + "…" : description);
        var name = Text.OrNull(string.Join(" ", new[] { Text.OrNull(p.LastName), Text.OrNull(p.FirstName) }.Where(s => s is not null)));
        var phone = Text.OrNull(p.Phone);
        var anonymous = name is null && phone is null;
        var command = new RegisterCommand(kind, Channel, title, description,
            Location: address ?? (point is null ? null : Open311Places.Describe(point, lat!.Value, lon!.Value)),
            Category: service.Entry.Path, Anonymous: anonymous, Raiser: anonymous ? null : new RaiserInput(name, phone),
            // A point alone places the matter in its county; an address is resolved by the intake, finer.
            TerritoryCode: address is null ? point?.Code : null);
        var actor = new Actor(null, "open311:" + key.Name, "Open311 · " + key.Name, "", "", "", new HashSet<string>(StringComparer.Ordinal), []);
        var registered = await register.ExecuteAsync(command, actor, issueQueryCode: false, idempotencyKey: null, ct);
        if (!registered.IsSuccess) return Field(registered.Error!);
        var matter = registered.Value!.Matter;
        db.Add(new Open311Request
        {
            MatterId = matter.Id,
            ServiceCode = service.Code,
            KeyId = key.Id,
            RequestedAt = matter.ReceivedAt,
            Address = address,
            Latitude = lat,
            Longitude = lon,
        });
        await db.SaveChangesAsync(ct);
        await auto.TryAsync(matter.Id, ct);
        return new JsonObject
        {
            ["service_request_id"] = matter.Number,
            ["service_notice"] = $"已受理，受理编号 {matter.Number} / received as {matter.Number}",
            ["account_id"] = null,
        };
    }

    /// <summary>The intake's refusals name its own fields; the door answers in the client's (raiser phone is phone).</summary>
    private static Error Field(Error e) => e.Status != 400 ? e : e with
    {
        Message = e.Message.Replace("raiser phone", "phone", StringComparison.Ordinal).Replace("raiser name", "first_name/last_name", StringComparison.Ordinal)
            .Replace("content is required", "description is required", StringComparison.Ordinal).Replace("title is required", "attribute[title] is required", StringComparison.Ordinal),
    };

    private static bool TryCoordinate(string? text, double min, double max, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value) && value >= min && value <= max;

    /// <summary>The filters of GET requests, as sent.</summary>
    public sealed record Query(string? ServiceRequestId, string? ServiceCode, string? StartDate, string? EndDate, string? Status, string? Page, string? PageSize);

    /// <summary>GET requests: newest first, from the door's index (ix_open311_requests_*), at most <see cref="MaxRequests"/>.</summary>
    public async Task<Result<JsonArray>> ListAsync(Query q, CancellationToken ct)
    {
        var rows = db.Set<Open311Request>().AsNoTracking();
        if (Text.OrNull(q.ServiceRequestId) is { } ids)
        {
            // GeoReport v2: with service_request_id the other filters are ignored.
            var numbers = ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
            if (numbers.Count > 100 || numbers.Any(n => n.Length > 40)) return Error.Validation("service_request_id: at most 100 ids / 编号过多");
            var matched = await (from r in rows
                                 join m in db.Matters.AsNoTracking() on r.MatterId equals m.Id
                                 where numbers.Contains(m.Number)
                                 orderby r.RequestedAt descending, r.MatterId descending
                                 select new Row(r, m)).ToListAsync(ct);
            return await ViewsAsync(matched, ct);
        }
        if (!TryDate(q.StartDate, out var start)) return Error.Validation("start_date must be a w3 date-time with its time zone (2026-12-01T00:00:00+08:00) / 开始时间格式不正确");
        if (!TryDate(q.EndDate, out var end)) return Error.Validation("end_date must be a w3 date-time with its time zone (2026-12-31T23:59:59+08:00) / 结束时间格式不正确");
        var to = end ?? (start is { } s ? s + MaxPeriod : time.Now());
        var from = start ?? to - MaxPeriod;
        if (from > to) return Error.Validation("start_date lies after end_date / 开始时间晚于结束时间");
        if (to - from > MaxPeriod) return Error.Validation("start_date to end_date may not span more than 90 days / 查询时段不超过90天");
        bool? open = null;
        if (Text.OrNull(q.Status) is { } statusText)
        {
            var wanted = statusText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            if (wanted.Count == 0 || wanted.Any(w => w is not ("open" or "closed"))) return Error.Validation("status must be open or closed / status 只能是 open 或 closed");
            if (wanted.Count == 1) open = wanted.Contains("open");
        }
        if (!TryCount(q.Page, 1, 100_000, 1, out var page)) return Error.Validation("page must be a whole number from 1 / 页码不正确");
        if (!TryCount(q.PageSize, 1, MaxRequests, MaxRequests, out var size)) return Error.Validation($"page_size must be from 1 to {MaxRequests} / 每页条数不正确");

        rows = rows.Where(r => r.RequestedAt >= from && r.RequestedAt <= to);
        if (Text.OrNull(q.ServiceCode) is { } code) rows = rows.Where(r => r.ServiceCode == code);
        // Filtered and ordered as entities (EF translates members of an anonymous type, not of a record's constructor).
        var joined = from r in rows join m in db.Matters.AsNoTracking() on r.MatterId equals m.Id select new { R = r, M = m };
        if (open is true) joined = joined.Where(x => !Status.Finished.Contains(x.M.Status));
        if (open is false) joined = joined.Where(x => Status.Finished.Contains(x.M.Status));
        var list = await joined.OrderByDescending(x => x.R.RequestedAt).ThenByDescending(x => x.R.MatterId)
            .Skip((page - 1) * size).Take(size).ToListAsync(ct);
        return await ViewsAsync([.. list.Select(x => new Row(x.R, x.M))], ct);
    }

    /// <summary>GET requests/{id}: the one request, or 404 for a number the door did not file (the same for any other matter's).</summary>
    public async Task<Result<JsonArray>> GetAsync(string id, CancellationToken ct)
    {
        if (id.Length > 40) return NotFound;
        var found = await (from r in db.Set<Open311Request>().AsNoTracking()
                           join m in db.Matters.AsNoTracking() on r.MatterId equals m.Id
                           where m.Number == id
                           select new Row(r, m)).ToListAsync(ct);
        return found.Count == 0 ? NotFound : await ViewsAsync(found, ct);
    }

    public static readonly Error NotFound = new(404, "not_found", "no service request with this id / 没有该编号的诉求");

    private sealed record Row(Open311Request R, Matter M);

    /// <summary>
    /// The public fields only: the status mapped to open or closed with the public reply as its notes (the portal's
    /// words: the outcome when closed, the reason when rejected), the responsible unit's name, the times and the place
    /// the client gave. Never the raiser, notes, progress, handlers or persons; a confidential matter shows neither its
    /// description nor its unit.
    /// </summary>
    private async Task<JsonArray> ViewsAsync(IReadOnlyList<Row> rows, CancellationToken ct)
    {
        var all = await services.AllAsync(ct);
        var names = all.ToDictionary(s => s.Code, s => s.Name, StringComparer.Ordinal);
        var unitNames = await units.AllAsync(ct);
        var mergedInto = rows.Where(r => r.M.MergedIntoId is not null).Select(r => r.M.MergedIntoId!.Value).Distinct().ToList();
        var targets = mergedInto.Count == 0 ? [] : await db.Matters.AsNoTracking().Where(m => mergedInto.Contains(m.Id))
            .Select(m => new { m.Id, m.Status, m.Outcome }).ToDictionaryAsync(m => m.Id, ct);
        var array = new JsonArray();
        foreach (var (r, m) in rows)
        {
            var closed = Status.Finished.Contains(m.Status);
            string? notes = m.Status switch
            {
                Status.Closed => m.Outcome,
                Status.Rejected => m.StatusReason,
                Status.Merged when m.MergedIntoId is { } t && targets.TryGetValue(t, out var target) =>
                    "已与同一问题的诉求合并办理 / joined with another request about the same problem"
                    + (target.Status == Status.Closed && target.Outcome is { } o ? "：" + o : ""),
                _ => null,
            };
            // The public sees a matter between units (returned, waiting for re-dispatch) as received, as on the portal.
            var shown = m.Status == Status.Returned ? Status.Received : m.Status;
            notes ??= Status.Chinese(shown) + " / " + shown.Replace('_', ' ');
            string? agency = !m.Confidential && m.LeadUnitCode is { } lead && unitNames.TryGetValue(lead, out var unit) ? unit.Name : null;
            array.Add(new JsonObject
            {
                ["service_request_id"] = m.Number,
                ["status"] = closed ? "closed" : "open",
                ["status_notes"] = notes,
                ["service_name"] = names.GetValueOrDefault(r.ServiceCode),
                ["service_code"] = r.ServiceCode,
                ["description"] = m.Confidential ? null : m.Content,
                ["agency_responsible"] = agency,
                ["service_notice"] = null,
                ["requested_datetime"] = W3(r.RequestedAt),
                ["updated_datetime"] = W3(m.UpdatedAt),
                ["expected_datetime"] = closed || m.DueAt is not { } due ? null : W3(due),
                ["address"] = r.Address,
                ["address_id"] = null,
                ["zipcode"] = null,
                ["lat"] = r.Latitude,
                ["long"] = r.Longitude,
                ["media_url"] = null,
            });
        }
        return array;
    }

    /// <summary>A w3 date-time with its zone, in UTC (GeoReport v2's date format).</summary>
    public static string W3(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A w3 date-time that names its zone (Z or ±hh:mm); blank is none.</summary>
    private static bool TryDate(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (Text.OrNull(text) is not { } t) return true;
        // The zone is required: without it the instant is not known.
        var zoned = t.EndsWith('Z') || (t.Length > 6 && t[^6] is '+' or '-' && t[^3] == ':');
        if (!zoned || !DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) return false;
        value = parsed.ToUniversalTime();
        return true;
    }

    private static bool TryCount(string? text, int min, int max, int fallback, out int value)
    {
        value = fallback;
        if (Text.OrNull(text) is not { } t) return true;
        return int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }
}
