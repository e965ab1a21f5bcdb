using System.Net;
using System.Net.Http.Json;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Matters;

/// <summary>Rules that a review of the first version found missing; each test failed before its fix.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class ReviewFixesTests(DubanFactory factory)
{
    [Fact]
    public async Task ExtensionRequest_OfAUnitThatReturnedTheMatter_DoesNotFollowItToTheNextUnit()
    {
        var dispatcher = await factory.As("dispatcher");
        var first = await factory.As("h-440704-jtj");
        var second = await factory.As("h-440704-cgj");
        var id = await factory.Desk.Matter(NewMatter.Noise()).Lead("440704-jtj").InProgressAsync();
        await first.Do(id, "progress", new { note = "已查看", progress = 30 });
        await first.Do(id, "extension", new { op = "request", days = 30, reason = "需要协调" });
        await first.Do(id, "return", new { reason = "属城管职责" }, reader: dispatcher);
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = "440704-cgj" });

        var m = await dispatcher.Get(id);
        Assert.Null(m["extensionRequest"]);
        Assert.Equal(0, (int)m["progress"]!);
        await dispatcher.Try(id, "extension", new { op = "approve" }).Problem(HttpStatusCode.Conflict, "no_extension_pending");
        await second.Do(id, "accept");
        await second.Do(id, "extension", new { op = "request", days = 5, reason = "等待检测" });
    }

    [Fact]
    public async Task Reopen_GivesANewDeadline_SoTheMatterIsNotOverdueAtOnce()
    {
        var dispatcher = await factory.As("dispatcher");
        var supervisor = await factory.As("supervisor");
        var id = await factory.Desk.Matter(NewMatter.Noise()).Lead("440704004").ClosedAsync();
        factory.Clock.Advance(TimeSpan.FromMinutes(1));
        try
        {
            var due = factory.Clock.GetUtcNow().AddDays(7);
            await supervisor.Do(id, "reopen", new { reason = "群众反映未解决", dueAt = due });
            var m = await dispatcher.Get(id);
            Assert.False((bool)m["overdue"]!);
            Assert.Equal(due.ToUnixTimeMilliseconds(), DateTimeOffset.Parse((string)m["dueAt"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
        }
        finally
        {
            factory.Clock.Advance(TimeSpan.FromMinutes(-1));
        }
    }

    [Fact]
    public async Task Split_ByAUnit_OnlyToUnitsOfItsOwnTerritory()
    {
        var county = await factory.As("h-440781");
        var id = await factory.Desk.Matter(NewMatter.Noise("台山市渔港综合整治", "440781")).Lead("440781").Due(factory.Clock.GetUtcNow().AddDays(30)).InProgressAsync();
        await county.Try(id, "split", new { children = new[] { new { title = "市纪委配合", leadUnitCode = "4407-jw" } } }).Problem(HttpStatusCode.Forbidden);
        await county.Do(id, "split", new { children = new[] { new { title = "川岛镇清理渔港", leadUnitCode = "440781115" } } });
    }

    [Fact]
    public async Task CountySupervisor_RegistersWithinItsTerritory_AndKeepsSeeingIt()
    {
        var county = await factory.As("s-440781");
        var body = await county.PostAsJsonAsync("/api/v1/matters", new { kind = "request", channel = "visit", title = "来访求助", content = "求助办理低保。" })
            .ContinueWith(t => t.Result.Json(HttpStatusCode.Created)).Unwrap();
        Assert.Equal("440781", (string?)body["matter"]!["territoryCode"]);
        await county.Get((long)body["id"]!);
        await county.PostAsJsonAsync("/api/v1/matters", Api.Matter("蓬江区的事", "440703")).Problem(HttpStatusCode.BadRequest, "validation");
    }

    [Theory]
    [InlineData("标题\u0000", "内容")]
    [InlineData("标题", "内容\u0007响铃")]
    public async Task ControlCharacters_AreRefused_NotA500(string title, string content)
    {
        var pub = factory.CreateClient();
        await pub.PostAsJsonAsync("/api/v1/public/reports", new { kind = "complaint", title, content, anonymous = true }).Problem(HttpStatusCode.BadRequest);
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register();
        await dispatcher.Try(id, "reject", new { reason = "理由\u0000" }).Problem(HttpStatusCode.BadRequest);
        // Line breaks and tabs are ordinary text.
        await dispatcher.Do(id, "classify", new { category = "环境保护", note = "第一行\n第二行\t备注" });
    }

    [Fact]
    public async Task OutOfRangeInput_IsA400_NotA500()
    {
        var dispatcher = await factory.As("dispatcher");
        await dispatcher.GetAsync("/api/v1/matters?page=2147483647&pageSize=100").Problem(HttpStatusCode.BadRequest);
        var id = await dispatcher.Register();
        await dispatcher.Try(id, "dispatch", new { leadUnitCode = "440704004", dueAt = "9999-12-31T00:00:00Z" }).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PublicIdempotencyKey_ReusedByAStranger_MakesANewReport_AndNeverReturnsTheFirstReceipt()
    {
        var key = "citizen-key-" + Guid.NewGuid().ToString("N");
        async Task<System.Text.Json.Nodes.JsonNode> Post(object body, string k, HttpStatusCode expected) =>
            await (await factory.CreateClient().SendAsync(Api.Keyed("/api/v1/public/reports", body, k))).Json(expected);
        var mine = new { kind = "complaint", title = "路灯坏了", content = "龙溪路路灯一周不亮", anonymous = true };
        var first = await Post(mine, key, HttpStatusCode.Created);
        var again = await Post(mine, key, HttpStatusCode.OK); // the same citizen retrying
        Assert.Equal((string?)first["receipt"], (string?)again["receipt"]);
        var stranger = await Post(new { kind = "complaint", title = "别的事", content = "不同的内容", anonymous = true }, key, HttpStatusCode.Created);
        Assert.NotEqual((string?)first["receipt"], (string?)stranger["receipt"]);
        await Post(mine, "short", HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Classify_SetsTheSubject_SoTheReportedUnitNeverSeesTheRaiser()
    {
        var dispatcher = await factory.As("dispatcher");
        var bureau = await factory.As("h-4407-rsj");
        var id = await dispatcher.Register(new NewMatter("complaint", "市人社局窗口工作人员态度恶劣", "办理社保转移时被推诿。").Via("web").From("林小姐", "13911112222"));
        await dispatcher.Do(id, "classify", new { subjectUnitCode = "4407-rsj", category = "劳动和社会保障" });
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = "4407-rsj" });
        var seen = await bureau.Get(id);
        Assert.Equal("***", (string?)seen["raiser"]!["name"]);
        await bureau.GetAsync($"/api/v1/matters/{id}/raiser").Problem(HttpStatusCode.Forbidden);
        Assert.Contains("classify", seen.Actions());
        // After dispatch the subject is settled: classify is for matters waiting for dispatch.
        await dispatcher.Try(id, "classify", new { subjectUnitCode = "" }).Problem(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task Classify_AConfidentialReportAboutOnesOwnUnit_IsRefused()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register();
        await dispatcher.Try(id, "classify", new { subjectUnitCode = "4407-ddzx", confidential = true }).Problem(HttpStatusCode.Conflict, "subject_unit");
    }

    [Fact]
    public async Task MergedReport_ItsRaiserSeesTheReplyOfTheMatterItJoined()
    {
        var pub = factory.CreateClient();
        var submitted = await pub.File(new { kind = "complaint", title = "外海大桥下垃圾堆积", content = "桥下垃圾一个月没人清理", anonymous = true });
        var dispatcher = await factory.As("dispatcher");
        var handler = await factory.As("h-440704004");
        var target = await factory.Desk.Matter(NewMatter.Noise()).Lead("440704004").InProgressAsync();
        var duplicate = await dispatcher.IdOf((string)submitted["receipt"]!);
        await dispatcher.Do(duplicate, "merge", new { targetId = target });
        await handler.Do(target, "complete", new { outcome = "已清运垃圾12吨，并设置围挡" });
        await dispatcher.Do(target, "approve");

        var status = await pub.GetAsync($"/api/v1/public/reports/{(string)submitted["receipt"]!}?queryCode={(string)submitted["queryCode"]!}").Ok();
        Assert.Equal("merged", (string?)status["status"]);
        Assert.Equal("已清运垃圾12吨，并设置围挡", (string?)status["reply"]);
    }

    [Fact]
    public async Task Classify_ByTheReportedOrganisation_CannotClearTheSubjectAndUnmaskTheRaiser()
    {
        var dispatcher = await factory.As("dispatcher"); // the dispatch centre sits under 4407-zsj
        var supervisor = await factory.As("supervisor");
        var id = await supervisor.Register(new NewMatter("complaint", "政务服务数据管理局系统频繁出错", "网上办事系统一周三次无法提交。").Marked(confidential: false)
            .Via("web").From("林晓红", "13912345678").About("4407-zsj"));
        await dispatcher.GetAsync($"/api/v1/matters/{id}/raiser").Problem(HttpStatusCode.Forbidden);
        await dispatcher.Try(id, "classify", new { subjectUnitCode = "" }, reader: supervisor).Problem(HttpStatusCode.Forbidden);
        await dispatcher.GetAsync($"/api/v1/matters/{id}/raiser").Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Classify_LiftingConfidentialityOrClearingTheSubject_TakesASupervisorAndAReason()
    {
        var dispatcher = await factory.As("dispatcher");
        var supervisor = await factory.As("supervisor");
        var id = await dispatcher.Register(NewMatter.Report("4407-rsj", "举报市人社局某科长", "收受好处费。").Via("letter").From("王芳", "13700001111"));
        await dispatcher.Try(id, "classify", new { confidential = false, subjectUnitCode = "" }).Problem(HttpStatusCode.Forbidden);
        await dispatcher.Try(id, "dispatch", new { leadUnitCode = "4407-rsj" }).Problem(HttpStatusCode.Conflict, "subject_unit");
        await supervisor.Try(id, "classify", new { confidential = false }, reader: dispatcher).Problem(HttpStatusCode.BadRequest);
        await supervisor.Do(id, "classify", new { confidential = false, note = "经核实为一般投诉，转为普通件" }, reader: dispatcher);
        // Raising protection stays open to dispatchers.
        await dispatcher.Do(id, "classify", new { confidential = true });
    }

    [Fact]
    public async Task Classify_ByCountyStaff_StaysInItsTerritory()
    {
        var county = await factory.As("s-440781");
        var id = await county.Register(new NewMatter("request", "求助", "求助内容。").Via("visit"));
        await county.Try(id, "classify", new { territoryCode = "440703001" }).Problem(HttpStatusCode.BadRequest);
        await county.Try(id, "classify", new { territoryCode = "" }).Problem(HttpStatusCode.BadRequest);
        await county.Do(id, "classify", new { territoryCode = "440781115" });
    }

    [Theory]
    [InlineData("q=a%00b")]
    [InlineData("unit=a%00b")]
    [InlineData("q=%E2%80%AEabc")]
    public async Task ListQuery_WithControlCharacters_IsA400(string query)
    {
        var dispatcher = await factory.As("dispatcher");
        await dispatcher.GetAsync("/api/v1/matters?" + query).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ExtensionApproved_AfterTheDeadlinePassed_CountsFromNow()
    {
        var dispatcher = await factory.As("dispatcher");
        var handler = await factory.As("h-440704004");
        var id = await factory.Desk.Matter(NewMatter.Noise()).Lead("440704004").Due(factory.Clock.GetUtcNow().AddMinutes(1)).InProgressAsync();
        await handler.Do(id, "extension", new { op = "request", days = 1, reason = "等待检测报告" });
        factory.Clock.Advance(TimeSpan.FromHours(2));
        try
        {
            await dispatcher.Do(id, "extension", new { op = "approve" });
            var due = DateTimeOffset.Parse((string)(await dispatcher.Get(id))["dueAt"]!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(factory.Clock.GetUtcNow().AddDays(1).ToUnixTimeMilliseconds(), due.ToUnixTimeMilliseconds());
        }
        finally
        {
            factory.Clock.Advance(TimeSpan.FromHours(-2));
        }
    }

    [Fact]
    public async Task IdempotencyRecords_HoldNoUnkeyedHashOfTheRequest()
    {
        var dispatcher = await factory.As("dispatcher");
        var key = "fingerprint-" + Guid.NewGuid().ToString("N");
        var body = Api.Matter("指纹测试");
        await (await dispatcher.SendAsync(Api.Keyed("/api/v1/matters", body, key))).Json(HttpStatusCode.Created);
        await using var scope = factory.Scope();
        var stored = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            factory.Db(scope).IdempotencyRecords, x => x.Key == key);
        // Whatever the exact serialisation, a plain SHA-256 of any JSON of the request must not be what is stored.
        var plain = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body)));
        Assert.NotEqual(plain, stored.RequestHash);
        Assert.Equal(64, stored.RequestHash.Length);
    }
}
