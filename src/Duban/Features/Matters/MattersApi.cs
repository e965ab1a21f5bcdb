using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Matters.Actions;
using static Duban.Common.ApiResults;

namespace Duban.Features.Matters;

/// <summary>The staff API for matters (v1). Shapes are a contract: extend, never break.</summary>
public static class MattersApi
{
    public sealed record RegisterRequest(string? Kind, string? Channel, string? Title, string? Content, string? Location, string? Category,
        string? Urgency, DateTimeOffset? ReceivedAt, bool? Anonymous, RaiserInput? Raiser, string? SubjectUnitCode, string? SubjectPerson,
        bool? Confidential, string? TerritoryCode);

    /// <summary>The registered matter; <c>queryCode</c> is shown once, to pass on to the raiser.</summary>
    public sealed record RegisteredView(long Id, string Number, string Status, int Version, string Receipt, string? QueryCode, MatterDetail? Matter);

    public static RouteGroupBuilder MapMattersApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/matters").RequireAuthorization().WithTags("Matters");

        g.MapGet("/", async (string? status, string? unit, bool? overdue, string? q, int? page, int? pageSize, string? light, bool? keySupervision,
            string? category, string? place, DateOnly? from, DateOnly? to, bool? sentBack, string? kind, string? channel, MatterQueries queries, HttpContext http,
            CancellationToken ct) =>
            ToHttp(await queries.ListAsync(new MatterFilter(status, unit, overdue, q, page, pageSize, light, keySupervision, category, place, from, to, sentBack,
                kind, channel), http.Actor(), ct)))
            .WithSummary("Matters the caller may see, newest first: status (comma-separated), light, unit, category, place (a territory code or a county's or town's name), from/to (received, China dates), q, keySupervision, overdue, sentBack (in progress again: sent back at review or reopened), kind, channel (a source's items carry its type: meeting, instruction, campaign, research)")
            .Produces<PageOf<MatterSummary>>();

        g.MapGet("/export.xlsx", async (string? status, string? unit, bool? overdue, string? q, string? light, bool? keySupervision,
            string? category, string? place, DateOnly? from, DateOnly? to, bool? sentBack, string? kind, string? channel, MatterQueries queries,
            Geo.GeoService geo, TimeProvider time, HttpContext http, CancellationToken ct) =>
        {
            var filter = new MatterFilter(status, unit, overdue, q, null, null, light, keySupervision, category, place, from, to, sentBack, kind, channel);
            var result = await queries.ExportAsync(filter, http.Actor(), ct);
            if (!result.IsSuccess) return Problem(result.Error!);
            var now = time.Now();
            return Results.File(MatterListXlsx(result.Value!.Items, filter, geo.Gazetteer.Divisions, now),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                $"matters-{Clock.ChinaDate(now):yyyyMMdd}.xlsx");
        })
            .WithSummary($"The filtered list (the list's filters, without paging) as XLSX, at most {MatterQueries.MaxExportRows} rows")
            .Produces(200, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").ProducesProblem(400);

        g.MapGet("/{id:long}", async (long id, MatterQueries queries, HttpContext http, CancellationToken ct) =>
            await queries.GetAsync(id, http.Actor(), ct) is { } detail ? Results.Ok(detail) : Problem(Error.NotFound()))
            .Produces<MatterDetail>().ProducesProblem(404);

        g.MapPost("/", RegisterAsync).Produces<RegisteredView>(201).ProducesValidationProblem();

        g.MapGet("/{id:long}/raiser", async (long id, RevealRaiser reveal, HttpContext http, CancellationToken ct) =>
            ToHttp(await reveal.ExecuteAsync(id, http.Actor(), ct)))
            .Produces<RaiserInput>().WithSummary("Reveal the raiser's identity (recorded as an event)");

        // Every registered action, core and modules alike: POST /matters/{id}/{name} with its request.
        foreach (var action in ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<MatterActions>().All)
        {
            MapActionMethod.MakeGenericMethod(action.Info.RequestType).Invoke(null, [api, action]);
        }
        return api;
    }

    private static readonly System.Reflection.MethodInfo MapActionMethod =
        typeof(MattersApi).GetMethod(nameof(MapAction), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;

    /// <summary>One action's route, in its OpenAPI tag; the body is its request, the answer the matter's new state.</summary>
    private static void MapAction<TRequest>(RouteGroupBuilder api, MatterActionRegistration action)
    {
        var g = api.MapGroup("/matters").RequireAuthorization().WithTags(action.Info.Tag);
        RouteHandlerBuilder route;
        if (typeof(IAttachmentRequest).IsAssignableFrom(typeof(TRequest)))
        {
            // An action that may carry files: JSON as every action, or the same members as a multipart form with the files in `attachments`.
            route = g.MapPost("/{id:long}/" + action.Info.Name, async (long id, HttpContext http, CancellationToken ct) =>
                {
                    var read = await ReadAttachableAsync<TRequest>(http, ct);
                    return read.IsSuccess ? await RunActionAsync(action, id, read.Value!, http, ct) : Problem(read.Error!);
                })
                .Accepts(typeof(TRequest), "application/json", "multipart/form-data");
        }
        else
        {
            route = g.MapPost("/{id:long}/" + action.Info.Name, (long id, TRequest request, HttpContext http, CancellationToken ct) =>
                RunActionAsync(action, id, request, http, ct));
        }
        route.WithName("matter-" + action.Info.Name)
            .Produces<ActionResponse>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        if (action.Info.Summary is { } summary) route.WithSummary(summary);
    }

    private static async Task<IResult> RunActionAsync<TRequest>(MatterActionRegistration action, long id, TRequest? request, HttpContext http, CancellationToken ct)
    {
        if (request is null) return Problem(Error.Validation("a JSON body with the version is required / 请求内容不能为空"));
        // The files' names are not text anyone typed: they are made safe when stored (Photos.SafeName), never refused; their bytes are not text.
        if (Text.HasControlCharactersIn(request is IAttachmentRequest attachable ? attachable.WithAttachments([]) : request))
            return Problem(Error.Validation("text may not contain control characters / 文本含有非法控制字符"));
        var result = await MatterActions.Instance(http.RequestServices, action).RunAsync(id, request, http.Actor(), ct);
        return result.IsSuccess
            ? Results.Ok(new ActionResponse(result.Value!.Id, result.Value.Number, result.Value.Status, result.Value.Version))
            : Problem(result.Error!);
    }

    /// <summary>How a form's fields become the request's members: numbers and the like as text ("3" is version 3).</summary>
    private static readonly System.Text.Json.JsonSerializerOptions FormFields = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>
    /// An <see cref="IAttachmentRequest"/> from JSON, or from a multipart (or url-encoded) form: each field a member (a field
    /// posted several times, an array), the files of the part <c>attachments</c> carried with it. 400 naming the member
    /// that does not read; 415 for any other body.
    /// </summary>
    private static async Task<Result<TRequest?>> ReadAttachableAsync<TRequest>(HttpContext http, CancellationToken ct)
    {
        try
        {
            if (http.Request.HasJsonContentType()) return await http.Request.ReadFromJsonAsync<TRequest>(ct);
            if (!http.Request.HasFormContentType) return new Error(415, "unsupported_media_type", "send JSON, or a multipart/form-data form with the files in attachments / 请以 JSON 或 multipart/form-data 提交");
            var form = await http.Request.ReadFormAsync(ct);
            var fields = new System.Text.Json.Nodes.JsonObject();
            foreach (var (key, values) in form)
            {
                if (key.StartsWith("__", StringComparison.Ordinal)) continue; // the console's antiforgery token
                fields[key] = values.Count == 1
                    ? System.Text.Json.Nodes.JsonValue.Create(values[0])
                    : new System.Text.Json.Nodes.JsonArray([.. values.Select(v => (System.Text.Json.Nodes.JsonNode?)System.Text.Json.Nodes.JsonValue.Create(v))]);
            }
            var request = System.Text.Json.JsonSerializer.Deserialize<TRequest>(fields, FormFields);
            if (request is not IAttachmentRequest attachable) return request;
            var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Attachments.AttachmentOptions>>().Value;
            return (TRequest)attachable.WithAttachments(await Attachments.StaffFiles.FromFormAsync(form, options.MaxStaffFileBytes, ct));
        }
        catch (System.Text.Json.JsonException ex)
        {
            var member = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "the body" : ex.Path.TrimStart('$', '.');
            return Error.Validation($"{member} is not valid / 请求内容格式不正确");
        }
        catch (InvalidDataException)
        {
            return Error.Validation("attachments: the form could not be read (too large?) / 表单无法读取");
        }
    }

    private static async Task<IResult> RegisterAsync(RegisterRequest r, HttpContext http, RegisterMatter register, MatterQueries queries,
        IAutoDispatch auto, CancellationToken ct)
    {
        var actor = http.Actor();
        if (!actor.HasAny(Roles.Dispatcher, Roles.Supervisor, Roles.Leader))
            return Problem(Error.Forbidden("只有受理、督办人员和领导可以登记事项 / only dispatchers, supervisors and leaders register matters"));
        var cmd = new RegisterCommand(r.Kind, r.Channel, r.Title, r.Content, r.Location, r.Category, r.Urgency, r.ReceivedAt,
            r.Anonymous ?? false, r.Raiser, r.SubjectUnitCode, r.SubjectPerson, r.Confidential, r.TerritoryCode);
        // A named raiser (e.g. a caller) gets a receipt and query code to follow the matter on the portal.
        var issueCode = !cmd.Anonymous && cmd.Raiser is not null;
        var result = await register.ExecuteAsync(cmd, actor, issueCode, IdempotencyKey(http), ct);
        if (!result.IsSuccess) return Problem(result.Error!);
        var matter = result.Value!.Matter;
        if (!result.Value.Replayed && await auto.TryAsync(matter.Id, ct) is { } dispatched) matter = dispatched;
        var body = new RegisteredView(matter.Id, matter.Number, matter.Status, matter.Version, matter.Number, result.Value.QueryCode,
            await queries.GetAsync(matter.Id, actor, ct));
        return result.Value.Replayed ? Results.Ok(body) : Results.Created($"/api/v1/matters/{matter.Id}", body);
    }

    internal static string? IdempotencyKey(HttpContext http) =>
        http.Request.Headers.TryGetValue("Idempotency-Key", out var key) && !string.IsNullOrWhiteSpace(key) ? key.ToString().Trim() : null;

    private static readonly (string Header, Figures.FiguresExport.Format Format, Func<MatterSummary, Geo.Divisions, object?> Value)[] ExportColumns =
    [
        ("编号", Figures.FiguresExport.Format.Text, (m, _) => m.Number),
        ("标题", Figures.FiguresExport.Format.Text, (m, _) => m.Title),
        ("状态", Figures.FiguresExport.Format.Text, (m, _) => Status.Chinese(m.Status)),
        ("亮灯", Figures.FiguresExport.Format.Text, (m, _) => m.Light switch { "green" => "绿灯", "yellow" => "黄灯", "red" => "红灯", _ => "" }),
        ("重点督办", Figures.FiguresExport.Format.Text, (m, _) => m.KeySupervision ? "是" : ""),
        ("类别", Figures.FiguresExport.Format.Text, (m, _) => m.Category ?? ""),
        ("属地", Figures.FiguresExport.Format.Text, (m, d) => MatterQueries.Territory(d, m.TerritoryCode) is { Path.Count: > 0 } t ? string.Join("/", t.Path) : m.TerritoryCode ?? ""),
        ("牵头单位", Figures.FiguresExport.Format.Text, (m, _) => m.LeadUnit?.Name ?? ""),
        ("受理时间", Figures.FiguresExport.Format.Text, (m, _) => ChinaTime(m.ReceivedAt)),
        ("办理期限", Figures.FiguresExport.Format.Text, (m, _) => m.DueAt is { } due ? ChinaTime(due) : ""),
        ("超期", Figures.FiguresExport.Format.Text, (m, _) => m.Overdue ? "是" : ""),
        ("进度", Figures.FiguresExport.Format.Integer, (m, _) => m.Progress),
    ];

    private static string ChinaTime(DateTimeOffset at) =>
        at.ToOffset(Clock.ChinaOffset).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The sheet 事项 (one row per matter, Chinese headers) and 说明 (the filter and when), with FiguresExport's workbook.</summary>
    private static byte[] MatterListXlsx(IReadOnlyList<MatterSummary> items, MatterFilter f, Geo.Divisions divisions, DateTimeOffset now)
    {
        var rows = new List<IEnumerable<DocumentFormat.OpenXml.Spreadsheet.Cell>> { ExportColumns.Select(c => Figures.FiguresExport.HeaderCell(c.Header)) };
        rows.AddRange(items.Select(m => ExportColumns.Select(c => Figures.FiguresExport.ValueCell(c.Value(m, divisions), c.Format))));
        string[][] notes =
        [
            ["生成时间", ChinaTime(now) + "（北京时间）"],
            ["条数", items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            ["状态", f.Status ?? "全部"],
            ["亮灯", f.Light ?? "全部"],
            ["单位", f.Unit ?? "全部"],
            ["类别", f.Category ?? "全部"],
            ["事项类型", f.Kind ?? "全部"],
            ["渠道", f.Channel ?? "全部"],
            ["地点", f.Place ?? "全部"],
            ["受理期间", f.From is null && f.To is null ? "全部" : $"{f.From:yyyy-MM-dd} 至 {f.To:yyyy-MM-dd}"],
            ["重点督办", f.KeySupervision is { } key ? (key ? "是" : "否") : "全部"],
            ["超期", f.Overdue is { } late ? (late ? "是" : "否") : "全部"],
            ["退回重办", f.SentBack is { } back ? (back ? "是" : "否") : "全部"],
            ["关键词", f.Q ?? ""],
        ];
        return Figures.FiguresExport.Workbook(
            new Figures.FiguresExport.Sheet("事项", rows, FrozenHeader: true,
                [Figures.FiguresExport.Width(1, 1, 18), Figures.FiguresExport.Width(2, 2, 40), Figures.FiguresExport.Width(7, 8, 32), Figures.FiguresExport.Width(9, 10, 17)]),
            Figures.FiguresExport.Notes(notes));
    }
}
