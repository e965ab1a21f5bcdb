using System.Net;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Matters;

[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class MergeAndSplitTests(DubanFactory factory)
{
    [Fact]
    public async Task Merge_DuplicateJoinsTarget_BothChainsRecordIt()
    {
        var dispatcher = await factory.As("dispatcher");
        var target = await dispatcher.Register(Api.Matter("台山某厂拖欠三个月工资", "440781"));
        var duplicate = await dispatcher.Register(Api.Matter("台山某厂欠薪（同一工厂工友来电）", "440781"));
        var targetNumber = (string)(await dispatcher.Get(target))["number"]!;

        await dispatcher.Try(duplicate, "merge", new { targetId = duplicate }).Problem(HttpStatusCode.BadRequest);
        await dispatcher.Try(duplicate, "merge", new { targetId = 999_999_999 }).Problem(HttpStatusCode.BadRequest);
        await dispatcher.Do(duplicate, "merge", new { targetId = target, reason = "同一工厂同一欠薪事项" });

        var merged = await dispatcher.Get(duplicate);
        Assert.Equal("merged", (string?)merged["status"]);
        Assert.Equal(target, (long)merged["mergedIntoId"]!);
        Assert.Equal(targetNumber, (string?)merged["events"]!.AsArray().Last()!["data"]!["target"]);
        Assert.Contains("merged_in", (await dispatcher.Get(target)).Actions());
        await dispatcher.Try(duplicate, "dispatch", new { leadUnitCode = "440781-rsj" }).Problem(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task Merge_IntoFinishedMatter_Is409()
    {
        var dispatcher = await factory.As("dispatcher");
        var closed = await factory.Desk.Matter(NewMatter.Noise()).Lead("440704004").ClosedAsync();
        var other = await dispatcher.Register();
        await dispatcher.Try(other, "merge", new { targetId = closed }).Problem(HttpStatusCode.Conflict, "target_finished");
    }

    [Fact]
    public async Task Split_ChildrenDispatched_ParentWaitsForThem_ProgressFromChildren()
    {
        var dispatcher = await factory.As("dispatcher");
        var lead = await factory.As("h-4407-jw");
        var parent = await factory.Desk.Matter(NewMatter.Task("川岛快递过海费专项整治", "梳理堵点，逐项交办。", "邮政快递"))
            .Lead("4407-jw").Due(factory.Clock.GetUtcNow().AddDays(30)).InProgressAsync();
        var tooLate = factory.Clock.GetUtcNow().AddDays(40);
        await lead.Try(parent, "split", new { children = new[] { new { title = "成本调查", leadUnitCode = "4407-fgj", dueAt = tooLate } } })
            .Problem(HttpStatusCode.BadRequest);
        await lead.Do(parent, "split", new
        {
            children = new object[]
            {
                new { title = "违规收费专项检查", leadUnitCode = "440781-scjgj" },
                new { title = "快递全品牌上岛", leadUnitCode = "4407-yzj", coUnitCodes = new[] { "440781115" } },
            },
        });

        var p = await dispatcher.Get(parent);
        var children = p["children"]!.AsArray();
        Assert.Equal(2, children.Count);
        Assert.All(children, c => Assert.Equal("dispatched", (string?)c!["status"]));
        Assert.Equal(0, (int)p["progress"]!);
        await lead.Try(parent, "complete", new { outcome = "全部完成" }).Problem(HttpStatusCode.Conflict, "open_subtasks");

        var first = (long)children[0]!["id"]!;
        var second = (long)children[1]!["id"]!;
        var market = await factory.As("h-440781-scjgj");
        Assert.Equal(parent, (long)(await market.Get(first))["parentId"]!);
        await market.Do(first, "accept");
        await market.Do(first, "complete", new { outcome = "查处违规收费2宗" });
        await dispatcher.Do(first, "approve");
        Assert.Equal(50, (int)(await dispatcher.Get(parent))["progress"]!);

        var post = await factory.As("h-4407-yzj");
        await post.Do(second, "accept");
        await post.Do(second, "progress", new { note = "5家快递品牌已同意上岛", progress = 60 });
        Assert.Equal(80, (int)(await dispatcher.Get(parent))["progress"]!);
        // The list says the same as the detail.
        var number = (string)(await dispatcher.Get(parent))["number"]!;
        Assert.Equal(80, (int)(await dispatcher.GetAsync($"/api/v1/matters?q={number}").Ok())["items"]![0]!["progress"]!);
        await post.Do(second, "complete", new { outcome = "全品牌覆盖两岛" });
        await dispatcher.Do(second, "approve");

        await lead.Do(parent, "complete", new { outcome = "取件不再收取过海费，年节省300多万元，惠及1.1万余人" });
        Assert.Equal("pending_review", (string?)(await dispatcher.Get(parent))["status"]);
        // A handler of a sub-task sees its sub-task, not the parent it belongs to.
        await market.GetAsync($"/api/v1/matters/{parent}").Problem(HttpStatusCode.NotFound);
    }
}
