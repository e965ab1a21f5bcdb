using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Duban.Tests.Infrastructure;

/// <summary>Small helpers to drive the HTTP API the way a client does.</summary>
public static class Api
{
    public static async Task<JsonNode> Json(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected} but got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body.Length == 0 ? "null" : body) ?? new JsonObject();
    }

    public static async Task<JsonNode> Ok(this Task<HttpResponseMessage> response) => await (await response).Json(HttpStatusCode.OK);

    /// <summary>Expects a problem-details answer with this status and, when given, this code.</summary>
    public static async Task<JsonNode> Problem(this Task<HttpResponseMessage> response, HttpStatusCode status, string? code = null)
    {
        var r = await response;
        var body = await r.Json(status);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        if (code is not null) Assert.Equal(code, (string?)body["code"]);
        return body;
    }

    public static Task<HttpResponseMessage> Post(this HttpClient client, string url, object body) => client.PostAsJsonAsync(url, body);

    /// <summary>Registers a matter as staff and returns its id.</summary>
    public static async Task<long> Register(this HttpClient client, object? body = null)
    {
        var response = await client.PostAsJsonAsync("/api/v1/matters", body ?? Matter());
        var json = await response.Json(HttpStatusCode.Created);
        return (long)json["id"]!;
    }

    /// <summary>Registers a matter as staff and returns its id.</summary>
    public static Task<long> Register(this HttpClient client, NewMatter matter) => client.Register(matter.Body());

    /// <summary>The noise complaint in 外海 (<see cref="NewMatter.Noise"/>) as a request body.</summary>
    public static object Matter(string title = "外海街道龙溪路夜间施工噪音扰民", string? territory = "440704", string kind = "complaint") =>
        NewMatter.Noise(title, territory, kind).Body();

    /// <summary>A POST of <paramref name="body"/> under an Idempotency-Key, to send (and send again) with SendAsync.</summary>
    public static HttpRequestMessage Keyed(string url, object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    /// <summary>Files a report on the portal as a citizen does; the answer holds its receipt and query code.</summary>
    public static async Task<JsonNode> File(this HttpClient portal, object report) =>
        await (await portal.PostAsJsonAsync("/api/v1/public/reports", report)).Json(HttpStatusCode.Created);

    /// <summary>The id of the matter numbered <paramref name="number"/> (a citizen's receipt is the number), found as staff find it.</summary>
    public static async Task<long> IdOf(this HttpClient staff, string number) =>
        (long)(await staff.GetAsync($"/api/v1/matters?q={number}").Ok())["items"]![0]!["id"]!;

    public static async Task<JsonNode> Get(this HttpClient client, long id) => await client.GetAsync($"/api/v1/matters/{id}").Ok();

    public static async Task<int> Version(this HttpClient client, long id) => (int)(await client.Get(id))["version"]!;

    /// <summary>Runs an action with the current version and expects success.</summary>
    public static async Task<JsonNode> Do(this HttpClient client, long id, string action, object? extra = null, HttpClient? reader = null)
    {
        var version = await (reader ?? client).Version(id);
        return await client.PostAsJsonAsync($"/api/v1/matters/{id}/{action}", With(version, extra)).Ok();
    }

    /// <summary>Runs an action with the current version and returns the raw response.</summary>
    public static async Task<HttpResponseMessage> Try(this HttpClient client, long id, string action, object? extra = null, HttpClient? reader = null)
    {
        var version = await (reader ?? client).Version(id);
        return await client.PostAsJsonAsync($"/api/v1/matters/{id}/{action}", With(version, extra));
    }

    public static JsonObject With(int version, object? extra)
    {
        var body = extra is null ? new JsonObject() : JsonSerializer.SerializeToNode(extra)!.AsObject();
        body["version"] = version;
        return body;
    }

    public static IEnumerable<string> Actions(this JsonNode matter) =>
        matter["events"]!.AsArray().Select(e => (string)e!["action"]!);
}
