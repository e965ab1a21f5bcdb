using System.Net;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Dispatching;

/// <summary>The dispatcher's queue (GET /dispatch/queue) with the top three suggestions, and possible duplicates shown and merged.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class QueueAndDuplicatesTests(DubanFactory factory)
{
    private static NewMatter Pothole(string title, string content, string location = "台山市川岛镇略尾村") =>
        new NewMatter("complaint", title, content).At(location).From("李志强", "13712345678");

    /// <summary>The queue's item for a matter, looked for page by page (the shared database has other tests' matters).</summary>
    private static async Task<JsonNode?> QueueItem(HttpClient client, long id)
    {
        for (var page = 1; ; page++)
        {
            var body = await client.GetAsync($"/api/v1/dispatch/queue?page={page}&pageSize=50").Ok();
            var items = body["items"]!.AsArray();
            if (items.FirstOrDefault(i => (long)i!["id"]! == id) is { } found) return found;
            if (items.Count < 50) return null;
        }
    }

    [Fact]
    public async Task Queue_ShowsAWaitingMatter_WithUpToThreeSuggestions_BestFirst_AndNotToHandlers()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(Pothole("村道路面坑洼", "村道坑坑洼洼，下雨全是积水，摩托车经常摔倒，附近工厂还拖欠工资。"));

        var item = await QueueItem(dispatcher, id);
        Assert.NotNull(item);
        Assert.Equal("received", (string?)item["status"]);
        Assert.Equal("440781115", ((string?)item["territory"]!["code"])?[..9]);
        var suggestions = item["suggestions"]!.AsArray();
        Assert.InRange(suggestions.Count, 2, 3);
        Assert.Equal("440781115", (string?)suggestions[0]!["leadUnit"]!["code"]);
        Assert.Equal("城乡建设", (string?)suggestions[0]!["category"]);
        // The others are other categories, each routed by its own rule and reason.
        Assert.Equal(suggestions.Count, suggestions.Select(s => (string?)s!["category"]).Distinct().Count());
        Assert.Contains(suggestions, s => (string?)s!["category"] == "劳动和社会保障" && (string?)s["leadUnit"]!["code"] == "440781-rsj");
        // The suggestion GET gives the queue's first.
        var single = await dispatcher.GetAsync($"/api/v1/matters/{id}/suggestion").Ok();
        Assert.Equal((string?)suggestions[0]!["reason"], (string?)single["reason"]);

        // Once dispatched, it leaves the queue.
        await dispatcher.Do(id, "dispatch", new { accept = true });
        Assert.Null(await QueueItem(dispatcher, id));

        await (await factory.As("h-440781-rsj")).GetAsync("/api/v1/dispatch/queue").Problem(HttpStatusCode.Forbidden);
        await dispatcher.GetAsync("/api/v1/dispatch/queue?pageSize=51").Problem(HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync("/api/v1/dispatch/queue")).StatusCode);
    }

    [Fact]
    public async Task Dispatch_AMatterAboutOnesOwnOrganisation_Is403_EvenToAccept()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(NewMatter.Wages("台城某工厂拖欠工资", "老板拖欠三个月工资不发，市政府不管。").About("440781").Marked(confidential: false));
        var taishan = await factory.As("s-440781");
        await taishan.Try(id, "dispatch", new { accept = true }, reader: dispatcher).Problem(HttpStatusCode.Forbidden);
        await taishan.Try(id, "dispatch", new { leadUnitCode = "440781001", category = "劳动和社会保障" }, reader: dispatcher).Problem(HttpStatusCode.Forbidden);
        Assert.Equal("received", (string?)(await dispatcher.Get(id))["status"]);
    }

    [Fact]
    public async Task Duplicates_SamePlaceSimilarTextStillOpen_AreShownAtDispatch_AndMerged()
    {
        var dispatcher = await factory.As("dispatcher");
        var first = await dispatcher.Register(Pothole("上川岛沙堤村路灯坏了", "沙堤村村口到码头的路灯坏了一个多月，晚上一片漆黑，老人出行很危险。", "台山市川岛镇沙堤村"));
        var again = await dispatcher.Register(Pothole("沙堤村路灯坏了没人修", "沙堤村村口到码头那段路灯坏了一个多月了，晚上漆黑一片，很危险。", "台山市川岛镇沙堤村"));
        // The same words in another town, and another matter in the same village, are not duplicates.
        var elsewhere = await dispatcher.Register(Pothole("沙堤村路灯坏了", "沙堤村村口到码头的路灯坏了一个多月，晚上一片漆黑，老人出行很危险。", "台山市广海镇"));
        var other = await dispatcher.Register(Pothole("沙堤村垃圾清运不及时", "村里的垃圾桶满了好几天没人清运，臭气熏天。", "台山市川岛镇沙堤村"));

        var duplicates = (await dispatcher.GetAsync($"/api/v1/matters/{again}/duplicates").Ok()).AsArray();
        var found = Assert.Single(duplicates, d => (long)d!["id"]! == first);
        Assert.InRange((double)found!["similarity"]!, 0.3, 1);
        Assert.DoesNotContain(duplicates, d => (long)d!["id"]! == elsewhere || (long)d!["id"]! == other);
        // The queue shows the same.
        var item = await QueueItem(dispatcher, again);
        Assert.Contains(item!["duplicates"]!.AsArray(), d => (long)d!["id"]! == first);

        // Merged into the first, it is finished and no longer offered as a duplicate of anything.
        await dispatcher.Do(again, "merge", new { targetId = first, reason = "重复件" });
        Assert.Equal("merged", (string?)(await dispatcher.Get(again))["status"]);
        Assert.Contains("merged_in", (await dispatcher.Get(first)).Actions());
        Assert.DoesNotContain((await dispatcher.GetAsync($"/api/v1/matters/{first}/duplicates").Ok()).AsArray(), d => (long)d!["id"]! == again);

        // A confidential report about 台山's government, alike and in the same village, is a duplicate for the
        // city's dispatcher, and nothing at all for 台山's supervisor: neither in duplicates nor in the queue.
        var aboutTaishan = await dispatcher.Register(NewMatter.Report("440781", "沙堤村路灯坏了没人修", "沙堤村村口到码头的路灯坏了一个多月，晚上一片漆黑，老人出行很危险，市政府不管。")
            .At("台山市川岛镇沙堤村").From("李志强", "13712345678").Marked(confidential: true));
        Assert.Contains((await dispatcher.GetAsync($"/api/v1/matters/{first}/duplicates").Ok()).AsArray(), d => (long)d!["id"]! == aboutTaishan);
        var taishan = await factory.As("s-440781");
        Assert.DoesNotContain((await taishan.GetAsync($"/api/v1/matters/{first}/duplicates").Ok()).AsArray(), d => (long)d!["id"]! == aboutTaishan);
        Assert.Null(await QueueItem(taishan, aboutTaishan));
        Assert.NotNull(await QueueItem(taishan, first));

        // Handlers neither see duplicates nor matters out of their sight.
        await (await factory.As("h-440781-rsj")).GetAsync($"/api/v1/matters/{first}/duplicates").Problem(HttpStatusCode.NotFound);
        await (await factory.As("s-440703")).GetAsync($"/api/v1/matters/{first}/duplicates").Problem(HttpStatusCode.NotFound);
    }
}
