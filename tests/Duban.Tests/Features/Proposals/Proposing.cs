using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Proposals;

/// <summary>The steps of the proposals' contract API, as a member, the office and a host take them.</summary>
public static class Proposing
{
    /// <summary>The demo's CPPCC office (市政协提案委员会) and the congress's.</summary>
    public static HttpClient CppccOffice(this Desk desk) => desk.As("cppcc-office");

    public static HttpClient NpcOffice(this Desk desk) => desk.As("npc-office");

    /// <summary>A member's client: cppcc-001 … cppcc-100, npc-001 … npc-020.</summary>
    public static HttpClient Member(this Desk desk, string username) => desk.As(username);

    /// <summary>The member ids of demo accounts, from the register.</summary>
    public static async Task<long[]> MemberIds(this HttpClient client, string body, params string[] usernames)
    {
        var list = await client.GetAsync($"/api/v1/members?body={body}&pageSize=1000").Ok();
        return [.. usernames.Select(u => (long)list["items"]!.AsArray().Single(m => (string?)m!["username"] == u)!["id"]!)];
    }

    public static async Task<JsonNode> Submit(this HttpClient client, string body, int year, string title, params long[] proposerIds) =>
        await (await client.PostAsJsonAsync("/api/v1/proposals", new { body, year, title, content = title + "：建议加大投入，完善机制。", proposerIds }))
            .Json(System.Net.HttpStatusCode.Created);

    public static async Task<JsonNode> Proposal(this HttpClient client, long id) => await client.GetAsync($"/api/v1/proposals/{id}").Ok();

    /// <summary>A step with the version the reader sees now (the office by default reads it).</summary>
    public static async Task<HttpResponseMessage> Step(this HttpClient client, long id, string step, object? extra = null, HttpClient? reader = null)
    {
        var version = (int)(await (reader ?? client).Proposal(id))["version"]!;
        return await client.PostAsJsonAsync($"/api/v1/proposals/{id}/{step}", Api.With(version, extra));
    }

    public static async Task<JsonNode> Done(this HttpClient client, long id, string step, object? extra = null, HttpClient? reader = null) =>
        await client.Step(id, step, extra, reader).Ok();

    public static string Unique(string title) => $"{title}（{Guid.NewGuid().ToString("N")[..6]}）";
}
