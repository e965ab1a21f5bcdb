using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using Duban.Common;
using Duban.Features.Matters;

namespace Duban.Features.Open311;

/// <summary>
/// The Open311 GeoReport v2 door (https://wiki.open311.org/GeoReport_v2): <c>/open311/v2/...</c>, its paths, fields,
/// status values and error format as the specification gives them, each in JSON and XML (<c>.json</c>, <c>.xml</c>).
/// Reading is open to anyone, as the specification has it; posting takes an <c>api_key</c> an administrator issued.
/// Errors answer <c>[{"code","description"}]</c> (XML <c>&lt;errors&gt;&lt;error&gt;</c>) with the HTTP status as the code.
/// </summary>
public static class Open311Api
{
    public static IEndpointRouteBuilder MapOpen311(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/open311/v2").AllowAnonymous().RequireRateLimiting("public").WithTags("Open311").DisableAntiforgery();
        g.MapGet("/services.{format}", async (string format, Open311Services services, CancellationToken ct) =>
            Answer(format, "services", new JsonArray([.. (await services.AllAsync(ct)).Select(s => (JsonNode)Open311Services.ToJson(s))])))
            .WithSummary("GeoReport v2 GET services: the dispatch catalogue as services");
        g.MapGet("/services/{code}.{format}", async (string code, string format, Open311Services services, CancellationToken ct) =>
                await services.FindAsync(code, ct) is { } service
                    ? Answer(format, "service_definition", services.Definition(service))
                    : Fail(format, new Error(404, "not_found", $"service_code {code} not found / 服务代码不存在")))
            .WithSummary("GeoReport v2 GET service definition: the attributes a service takes");
        g.MapPost("/requests.{format}", async (string format, HttpContext http, Open311Door door, CancellationToken ct) =>
            {
                if (!IsFormat(format)) return Fail("json", UnknownFormat);
                if (!http.Request.HasFormContentType)
                    return Fail(format, Error.Validation("the request is form-encoded (application/x-www-form-urlencoded) / 请以表单编码提交"));
                var form = await http.Request.ReadFormAsync(ct);
                string? F(string name) => form.TryGetValue(name, out var v) ? v.ToString() : null;
                // attribute[code]=value (GeoReport v2); a multivaluelist's attribute[code][]=… takes its first value.
                var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (name, value) in form)
                {
                    var close = name.IndexOf(']', StringComparison.Ordinal);
                    if (!name.StartsWith("attribute[", StringComparison.Ordinal) || close < 10) continue;
                    attributes.TryAdd(name[10..close], value.ToString());
                }
                var post = new Open311Post(F("api_key"), F("service_code"), F("lat"), F("long"), F("address_string"), F("description"),
                    F("first_name"), F("last_name"), F("email"), F("phone"), attributes);
                if (Text.HasControlCharacters(post.ServiceCode, post.AddressString, post.FirstName, post.LastName, post.Email, post.Phone))
                    return Fail(format, Error.Validation("text may not contain control characters / 文本含有非法控制字符"));
                var result = await door.SubmitAsync(post, ct);
                return result.IsSuccess ? Answer(format, "service_requests", new JsonArray(result.Value!)) : Fail(format, result.Error!);
            })
            .WithSummary("GeoReport v2 POST request: files a request (form-encoded, with api_key) through the portal's intake, channel open311");
        g.MapGet("/requests.{format}", async (string format, HttpContext http, Open311Door door, CancellationToken ct) =>
            {
                string? Q(string name) => http.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;
                var result = await door.ListAsync(new Open311Door.Query(Q("service_request_id"), Q("service_code"), Q("start_date"), Q("end_date"),
                    Q("status"), Q("page"), Q("page_size")), ct);
                return result.IsSuccess ? Answer(format, "service_requests", result.Value!) : Fail(format, result.Error!);
            })
            .WithSummary("GeoReport v2 GET requests: by service_request_id, service_code, start_date, end_date, status; newest first");
        g.MapGet("/requests/{id}.{format}", async (string id, string format, Open311Door door, CancellationToken ct) =>
            {
                var result = await door.GetAsync(id, ct);
                return result.IsSuccess ? Answer(format, "service_requests", result.Value!) : Fail(format, result.Error!);
            })
            .WithSummary("GeoReport v2 GET request: one request by its service_request_id");
        return app;
    }

    private static readonly Error UnknownFormat = new(404, "not_found", "format must be json or xml / 格式只能是 json 或 xml");

    private static bool IsFormat(string format) => format is "json" or "xml";

    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };

    /// <summary>The body in the asked format: JSON as it is; XML under <paramref name="root"/> (GeoReport v2's element names).</summary>
    private static IResult Answer(string format, string root, JsonNode body, int status = 200) => format switch
    {
        "json" => Results.Content(body.ToJsonString(Json), "application/json; charset=utf-8", Encoding.UTF8, status),
        "xml" => Results.Content(ToXml(root, body), "text/xml; charset=utf-8", Encoding.UTF8, status),
        _ => Fail("json", UnknownFormat),
    };

    /// <summary>An error as GeoReport v2 has it: <c>[{"code","description"}]</c>, the code the HTTP status.</summary>
    private static IResult Fail(string format, Error error) =>
        Answer(IsFormat(format) ? format : "json", "errors", new JsonArray(new JsonObject { ["code"] = error.Status, ["description"] = error.Message }), error.Status);

    /// <summary>The element each member of a list is (services/service, attributes/attribute...).</summary>
    private static string ItemName(string list) => list switch
    {
        "services" => "service",
        "service_requests" => "request",
        "errors" => "error",
        "attributes" => "attribute",
        "values" => "value",
        _ => "item",
    };

    public static string ToXml(string root, JsonNode body)
    {
        var sb = new StringBuilder();
        using (var w = XmlWriter.Create(new Utf8StringWriter(sb), new XmlWriterSettings { Encoding = Encoding.UTF8, Indent = false }))
        {
            w.WriteStartDocument();
            Write(w, root, body);
            w.WriteEndDocument();
        }
        return sb.ToString();
    }

    private static void Write(XmlWriter w, string name, JsonNode? node)
    {
        w.WriteStartElement(name);
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array) Write(w, ItemName(name), item);
                break;
            case JsonObject obj:
                foreach (var (key, value) in obj) Write(w, key, value);
                break;
            case JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                w.WriteString(value.GetValue<bool>() ? "true" : "false");
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                w.WriteString(value.GetValue<string>());
                break;
            case JsonValue value:
                w.WriteString(value.ToJsonString());
                break;
        }
        w.WriteEndElement();
    }

    /// <summary>A StringWriter that declares UTF-8, so the XML declaration says encoding="utf-8" as the specification asks.</summary>
    private sealed class Utf8StringWriter(StringBuilder sb) : StringWriter(sb, System.Globalization.CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => Encoding.UTF8;
    }
}

public static class Open311Registration
{
    /// <summary>The door: its channel, keys, services, places and requests (Features/Open311/README.md).</summary>
    public static IServiceCollection AddOpen311(this IServiceCollection services)
    {
        services.AddMatterChannel(new ChannelRegistration(Open311Door.Channel, new("Open311接口", "Open311")));
        services.AddScoped<Open311Keys>();
        services.AddScoped<Open311Services>();
        services.AddSingleton<Open311Places>();
        services.AddScoped<Open311Door>();
        return services;
    }
}
