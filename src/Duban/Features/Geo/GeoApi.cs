using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Geo;

/// <summary>
/// Places over HTTP. Resolution and the division tree are public facts (the portal shows a
/// citizen where their report will go), rate-limited like the rest of the public door; the
/// local aliases are the city's own and only administrators change them.
/// </summary>
public static class GeoApi
{
    public sealed record DivisionDto(string Code, string Name, string Level, IReadOnlyList<string> Path, IReadOnlyList<ChildDto> Children);

    public sealed record ChildDto(string Code, string Name, string Level);

    public sealed record AliasDto(long Id, string Alias, string Code, IReadOnlyList<string> Path, string? Note, DateTimeOffset CreatedAt, string CreatedBy);

    public sealed record AddAliasRequest(string? Alias, string? Code, string? Note);

    /// <summary>An address, not a letter: short enough for any server's URL limit.</summary>
    public const int MaxQuery = 300;

    public static RouteGroupBuilder MapGeoApiV1(this RouteGroupBuilder api)
    {
        var open = api.MapGroup("/geo").AllowAnonymous().RequireRateLimiting("geo").WithTags("Geo");
        open.MapGet("/resolve", (string? q, GeoService geo) =>
        {
            if (string.IsNullOrWhiteSpace(q)) return ApiResults.Problem(Error.Validation("q is required / 请提供地址文本"));
            if (q.Length > MaxQuery) return ApiResults.Problem(Error.Validation($"q is longer than {MaxQuery} characters / 地址文本过长"));
            if (Text.HasControlCharacters(q)) return ApiResults.Problem(Error.Validation("text may not contain control characters / 文本含有非法控制字符"));
            return Results.Ok(geo.Resolve(q));
        }).Produces<GeoMatch>().ProducesProblem(400);
        open.MapGet("/divisions", (GeoService geo) => Results.Ok(Describe(geo.Gazetteer.Divisions, 0)))
            .Produces<DivisionDto>();
        open.MapGet("/divisions/{code}", (string code, GeoService geo) =>
        {
            var divisions = geo.Gazetteer.Divisions;
            var i = divisions.Find(code);
            return i > 0 ? Results.Ok(Describe(divisions, i)) : ApiResults.Problem(Error.NotFound($"no division {code} / 无此行政区划"));
        }).Produces<DivisionDto>().ProducesProblem(404);

        var aliases = api.MapGroup("/geo/aliases").RequireAuthorization().WithTags("Geo");
        aliases.MapGet("/", ListAliasesAsync).Produces<List<AliasDto>>();
        aliases.MapPost("/", AddAliasAsync).Produces<AliasDto>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);
        aliases.MapDelete("/{id:long}", RemoveAliasAsync).Produces(204).ProducesProblem(403).ProducesProblem(404);
        return api;
    }

    private static DivisionDto Describe(Divisions divisions, int i)
    {
        // A placeholder (北京市 → 市辖区) is no place: its children are listed in its stead.
        var children = divisions.Children(i)
            .SelectMany(c => divisions.IsPlaceholder(c) ? divisions.Children(c) : [c])
            .Select(c => new ChildDto(divisions.Code(c)!, divisions.Name(c), Divisions.LevelName(divisions.Level(c))))
            .ToList();
        return new DivisionDto(divisions.Code(i) ?? "", divisions.Name(i), Divisions.LevelName(divisions.Level(i)), divisions.Path(i), children);
    }

    private static async Task<IResult> ListAliasesAsync(HttpContext http, DubanDb db, GeoService geo, CancellationToken ct)
    {
        if (!http.Actor().HasAny(Roles.Admin, Roles.Dispatcher, Roles.Supervisor))
            return ApiResults.Problem(Error.Forbidden("只有管理、受理和督办人员可以查看地名别名 / only administrators, dispatchers and supervisors see place aliases"));
        var rows = await db.GeoAliases.AsNoTracking().OrderBy(a => a.Id).ToListAsync(ct);
        return Results.Ok(rows.Select(a => ToDto(a, geo)).ToList());
    }

    private static AliasDto ToDto(GeoAlias a, GeoService geo)
    {
        var divisions = geo.Gazetteer.Divisions;
        var i = divisions.Find(a.Code);
        return new AliasDto(a.Id, a.Alias, a.Code, i > 0 ? divisions.Path(i) : [], a.Note, a.CreatedAt, a.CreatedBy);
    }

    // Aliases change how every node places every matter: the city's administrators keep them,
    // not a county's (whose alias 举报 → its own county once put reports in its view).
    private static Error? MayMaintain(Actor actor, MatterScope scope) =>
        actor.Has(Roles.Admin) && scope.IsCityWide(actor) ? null
            : Error.Forbidden("只有市级管理员可以维护地名别名 / only the city's administrators maintain place aliases");

    private static async Task<IResult> AddAliasAsync(AddAliasRequest request, HttpContext http, DubanDb db, AuditedChange change, GeoService geo,
        MatterScope scope, TimeProvider time, CancellationToken ct)
    {
        var actor = http.Actor();
        if (MayMaintain(actor, scope) is { } refused) return ApiResults.Problem(refused);
        if (Text.HasControlCharacters(request.Alias, request.Code, request.Note))
            return ApiResults.Problem(Error.Validation("text may not contain control characters / 文本含有非法控制字符"));
        var alias = Gazetteer.Normalize(request.Alias ?? "");
        if (alias.Length is < 2 or > 20) return ApiResults.Problem(Error.Validation("alias must be 2 to 20 characters / 别名须为 2 至 20 个字符"));
        if (!alias.Any(c => c is >= '\u3400' and <= '\u9FFF'))
            return ApiResults.Problem(Error.Validation("an alias is a place name in Chinese characters / 别名须含汉字地名"));
        if (geo.Gazetteer.Forms.CommonWords.Contains(alias))
            return ApiResults.Problem(Error.Validation($"{alias} is an everyday word (data/geo/forms.tsv) / {alias} 是常用词，不能作别名"));
        if (GeoData.ShippedAliases().Any(a => a.Alias == alias))
            return ApiResults.Problem(Error.Conflict("alias_exists", $"alias {alias} is shipped in data/geo/aliases.tsv / 别名已内置"));
        var divisions = geo.Gazetteer.Divisions;
        var code = request.Code?.Trim() ?? "";
        var i = divisions.Find(code);
        if (i <= 0) return ApiResults.Problem(Error.Validation($"unknown division code {code} / 无此行政区划代码"));
        var note = Text.OrNull(request.Note);
        if (note is { Length: > 200 }) return ApiResults.Problem(Error.Validation("note is longer than 200 characters / 备注过长"));

        var added = await change.RunAsync<GeoAlias>(async () =>
        {
            if (await db.GeoAliases.AnyAsync(a => a.Alias == alias, ct))
                return Error.Conflict("alias_exists", $"alias {alias} already exists / 别名已存在");
            var row = new GeoAlias { Alias = alias, Code = divisions.Code(i)!, Note = note, CreatedAt = Clock.Now(time), CreatedBy = actor.Username };
            db.GeoAliases.Add(row);
            await db.SaveChangesAsync(ct);
            return new ChangeMade<GeoAlias>(row, [new AuditEvent(actor, "geo_alias_added", new JsonObject
            {
                ["id"] = row.Id,
                ["alias"] = row.Alias,
                ["code"] = row.Code,
                ["note"] = row.Note,
            })], [geo.AliasCache]);
        }, ct);
        return added.Value is { } saved ? Results.Created($"/api/v1/geo/aliases/{saved.Id}", ToDto(saved, geo)) : ApiResults.Problem(added.Error!);
    }

    private static async Task<IResult> RemoveAliasAsync(long id, HttpContext http, DubanDb db, AuditedChange change, GeoService geo, MatterScope scope, CancellationToken ct)
    {
        var actor = http.Actor();
        if (MayMaintain(actor, scope) is { } refused) return ApiResults.Problem(refused);
        var removed = await change.RunAsync<GeoAlias>(async () =>
        {
            var row = await db.GeoAliases.FirstOrDefaultAsync(a => a.Id == id, ct);
            if (row is null) return Error.NotFound($"no alias {id} / 别名不存在");
            db.GeoAliases.Remove(row);
            return new ChangeMade<GeoAlias>(row, [new AuditEvent(actor, "geo_alias_removed", new JsonObject { ["id"] = row.Id, ["alias"] = row.Alias, ["code"] = row.Code })],
                [geo.AliasCache]);
        }, ct);
        return removed.IsSuccess ? Results.NoContent() : ApiResults.Problem(removed.Error!);
    }
}
