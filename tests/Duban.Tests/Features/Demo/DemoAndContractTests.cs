using System.Net;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Demo;

[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class DemoAndContractTests(DubanFactory factory)
{
    [Fact]
    public async Task Demo_HasJiangmenUnitsWithInspectionGroups()
    {
        var client = await factory.As("h-440781115");
        var units = (await client.GetAsync("/api/v1/units").Ok()).AsArray();
        Assert.True(units.Count >= 200);
        var first = units.Single(u => (string?)u!["code"] == "4407-xcz1")!;
        Assert.Equal("18025812388", (string?)first["phone"]);
        Assert.Equal("jmswxcz001@jiangmen.gov.cn", (string?)first["email"]);
        foreach (var county in new[] { "440703", "440704", "440705", "440781", "440783", "440784", "440785" })
        {
            Assert.Contains(units, u => (string?)u!["code"] == county && (string?)u["kind"] == "government");
        }
        var chuandao = units.Single(u => (string?)u!["code"] == "440781115")!;
        Assert.Equal("440781", (string?)chuandao["parentCode"]);
        Assert.Equal("town", (string?)chuandao["kind"]);
    }

    [Fact]
    public async Task Demo_HasMattersInEveryState_FromTheStories()
    {
        var dispatcher = await factory.As("dispatcher");
        foreach (var status in new[] { "received", "dispatched", "in_progress", "pending_review", "closed", "returned", "rejected", "merged" })
        {
            var page = await dispatcher.GetAsync($"/api/v1/matters?status={status}&pageSize=1").Ok();
            Assert.True((int)page["total"]! >= 2, $"demo has too few {status} matters");
        }
        var chuandao = await dispatcher.GetAsync("/api/v1/matters?q=过海费&pageSize=100").Ok();
        Assert.NotEmpty(chuandao["items"]!.AsArray());
    }

    [Fact]
    public async Task Healthz_AndOpenApi_DescribeEveryEndpoint()
    {
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var doc = await client.GetAsync("/openapi/v1.json").Ok();
        var paths = doc["paths"]!.AsObject().Select(p => p.Key).ToHashSet();
        Assert.Contains("/api/v1/auth/login", paths);
        Assert.Contains("/api/v1/units", paths);
        Assert.Contains("/api/v1/matters", paths);
        Assert.Contains("/api/v1/matters/{id}", paths);
        Assert.Contains("/api/v1/public/reports", paths);
        Assert.Contains("/api/v1/public/reports/{receipt}", paths);
        foreach (var action in new[] { "dispatch", "accept", "return", "progress", "extension", "urge", "complete", "approve", "send-back", "feedback", "reopen", "merge", "split", "reject" })
        {
            Assert.Contains($"/api/v1/matters/{{id}}/{action}", paths);
        }
    }
}
