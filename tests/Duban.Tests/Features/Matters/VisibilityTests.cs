using System.Net;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Matters;

/// <summary>Who sees what is decided in the queries: tested for every role, in the list and by id.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class VisibilityTests(DubanFactory factory)
{
    private const string TaishanTown = "440781115";    // 川岛镇 (台山市)
    private const string PengjiangDept = "440703-rsj"; // 蓬江区人社局

    private async Task<(long Taishan, long Pengjiang, long Undispatched)> ThreeMatters() => (
        await factory.Desk.Matter(NewMatter.Noise("川岛镇略尾村路灯损坏", "440781115")).Lead(TaishanTown).DispatchedAsync(),
        await factory.Desk.Matter(NewMatter.Noise("蓬江区某厂拖欠工资", "440703")).Lead(PengjiangDept).DispatchedAsync(),
        await factory.Desk.Matter(NewMatter.Noise("尚未交办的来电", null)).ReceivedAsync());

    private static async Task<HashSet<long>> Listed(HttpClient client)
    {
        var ids = new HashSet<long>();
        for (var page = 1; ; page++)
        {
            var body = await client.GetAsync($"/api/v1/matters?pageSize=100&page={page}").Ok();
            var items = body["items"]!.AsArray();
            foreach (var item in items) ids.Add((long)item!["id"]!);
            if (items.Count < 100) return ids;
        }
    }

    [Theory]
    [InlineData("dispatcher", true, true, true)]
    [InlineData("supervisor", true, true, true)]
    [InlineData("leader", true, true, true)]
    [InlineData("admin", true, true, true)]
    [InlineData("s-440781", true, false, false)]           // 台山市 supervisor: its county only
    [InlineData("s-440703", false, true, false)]           // 蓬江区 supervisor
    [InlineData("h-440781115", true, false, false)]        // 川岛镇 handler: what is assigned to it
    [InlineData("h-440703-rsj", false, true, false)]
    [InlineData("h-440781", false, false, false)]          // 台山市政府 handler: nothing assigned to the government itself
    [InlineData("h-4407-xcz1", false, false, false)]
    public async Task Role_SeesExactlyItsMatters_InListAndById(string user, bool taishan, bool pengjiang, bool undispatched)
    {
        var (t, p, u) = await ThreeMatters();
        var client = await factory.As(user);
        var listed = await Listed(client);
        foreach (var (id, visible) in new[] { (t, taishan), (p, pengjiang), (u, undispatched) })
        {
            Assert.Equal(visible, listed.Contains(id));
            var response = await client.GetAsync($"/api/v1/matters/{id}");
            Assert.Equal(visible ? HttpStatusCode.OK : HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task Handler_CannotActOnWhatItCannotSee_AndCannotDispatch()
    {
        var (t, p, _) = await ThreeMatters();
        var handler = await factory.As("h-" + TaishanTown);
        var dispatcher = await factory.As("dispatcher");
        var version = await dispatcher.Version(p);
        await handler.Post($"/api/v1/matters/{p}/accept", new { version }).Problem(HttpStatusCode.NotFound, "not_found");
        await handler.Post($"/api/v1/matters/{t}/urge", new { version = await dispatcher.Version(t) }).Problem(HttpStatusCode.Forbidden, "forbidden");
        await handler.Post("/api/v1/matters", Api.Matter()).Problem(HttpStatusCode.Forbidden);
        // A co-handling unit may report progress but may not sign for the lead or complete.
        var other = await factory.As("h-440781-jtj");
        await other.Post($"/api/v1/matters/{t}/accept", new { version = await dispatcher.Version(t) }).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Filters_StatusUnitOverdueText_AndPaging()
    {
        var (t, p, u) = await ThreeMatters();
        var dispatcher = await factory.As("dispatcher");
        var received = await dispatcher.GetAsync("/api/v1/matters?status=received&pageSize=100").Ok();
        Assert.All(received["items"]!.AsArray(), i => Assert.Equal("received", (string?)i!["status"]));
        var byUnit = await dispatcher.GetAsync($"/api/v1/matters?unit={TaishanTown}&pageSize=100").Ok();
        Assert.Contains(t, byUnit["items"]!.AsArray().Select(i => (long)i!["id"]!));
        Assert.DoesNotContain(p, byUnit["items"]!.AsArray().Select(i => (long)i!["id"]!));
        var number = (string)(await dispatcher.Get(u))["number"]!;
        var byNumber = await dispatcher.GetAsync($"/api/v1/matters?q={number}").Ok();
        Assert.Equal(u, (long)byNumber["items"]![0]!["id"]!);
        Assert.Equal(1, (int)byNumber["total"]!);

        var page = await dispatcher.GetAsync("/api/v1/matters?pageSize=2&page=2").Ok();
        Assert.Equal(2, page["items"]!.AsArray().Count);
        Assert.True((int)page["total"]! > 4);
        await dispatcher.GetAsync("/api/v1/matters?pageSize=1000").Problem(HttpStatusCode.BadRequest);
        await dispatcher.GetAsync("/api/v1/matters?status=done").Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Overdue_FollowsTheClock()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await factory.Desk.Matter(NewMatter.Noise()).Lead(TaishanTown).Due(factory.Clock.GetUtcNow().AddMinutes(1)).DispatchedAsync();
        static bool Has(JsonNode page, long id) => page["items"]!.AsArray().Any(i => (long)i!["id"]! == id);
        Assert.False(Has(await dispatcher.GetAsync($"/api/v1/matters?overdue=true&unit={TaishanTown}&pageSize=100").Ok(), id));
        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        try
        {
            var page = await dispatcher.GetAsync($"/api/v1/matters?overdue=true&unit={TaishanTown}&pageSize=100").Ok();
            Assert.True(Has(page, id));
            Assert.True((bool)(await dispatcher.Get(id))["overdue"]!);
        }
        finally
        {
            factory.Clock.Advance(TimeSpan.FromMinutes(-2));
        }
    }

    [Fact]
    public async Task CountySupervisor_ListsItsCountysMatters_AndThoseElsewhereAssignedToItsUnits_MergedByDate()
    {
        var dispatcher = await factory.As("dispatcher");
        var inCounty = await dispatcher.Register(Api.Matter("台山本地事项", "440781115"));
        var elsewhere = await factory.Desk.Matter(NewMatter.Noise("蓬江事项交台山人社局协查", "440703")).Lead("440781-rsj").DispatchedAsync();
        var newest = await dispatcher.Register(Api.Matter("台山最新事项", "440781"));

        var county = await factory.As("s-440781");
        var page = await county.GetAsync("/api/v1/matters?pageSize=3").Ok();
        Assert.Equal([newest, elsewhere, inCounty], page["items"]!.AsArray().Select(i => (long)i!["id"]!));
        var all = await Listed(county);
        Assert.Contains(elsewhere, all);
        Assert.Equal(all.Count, (int)(await county.GetAsync("/api/v1/matters?pageSize=1").Ok())["total"]!);
        // Page two follows page one with no gap and no repeat across the two parts.
        var second = await county.GetAsync("/api/v1/matters?pageSize=2&page=2").Ok();
        var first = await county.GetAsync("/api/v1/matters?pageSize=2&page=1").Ok();
        var four = first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(i => (long)i!["id"]!).ToList();
        Assert.Equal(page["items"]!.AsArray().Select(i => (long)i!["id"]!), four.Take(3));
        Assert.Equal(4, four.Distinct().Count());
    }

    [Fact]
    public async Task CountyList_DeepPage_FallsBackToOneQuery_WithTheSameTotal()
    {
        var county = await factory.As("s-440781");
        var shallow = await county.GetAsync("/api/v1/matters?pageSize=100&page=1").Ok();
        var deep = await county.GetAsync("/api/v1/matters?pageSize=100&page=21").Ok(); // 2,100 rows deep: past the merge limit
        Assert.Equal((int)shallow["total"]!, (int)deep["total"]!);
        Assert.Empty(deep["items"]!.AsArray());
    }
}
