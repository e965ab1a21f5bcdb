using System.Net;
using System.Net.Http.Json;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Intake;

[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class PublicReportsTests(DubanFactory factory)
{
    private async Task<(string Receipt, string Code)> Submit(object? body = null)
    {
        var json = await factory.CreateClient().File(body ?? new
        {
            kind = "complaint",
            title = "略尾村快递收发点排队太久",
            content = "收发点只有一个窗口，每天傍晚排队一个多小时。",
            location = "台山市川岛镇下川岛略尾村",
            anonymous = false,
            name = "黄先生",
            phone = "13600001111",
        });
        return ((string)json["receipt"]!, (string)json["queryCode"]!);
    }

    [Fact]
    public async Task Citizen_FilesTracksAndGivesFeedback_SeeingNothingInternal()
    {
        var (receipt, code) = await Submit();
        var pub = factory.CreateClient();
        var status = await pub.GetAsync($"/api/v1/public/reports/{receipt}?queryCode={code}").Ok();
        Assert.Equal("received", (string?)status["status"]);
        // The report's own title; no handling unit before dispatch (issue 18).
        Assert.Equal("略尾村快递收发点排队太久", (string?)status["title"]);
        Assert.Null((string?)status["handlingUnit"]);

        var dispatcher = await factory.As("dispatcher");
        var handler = await factory.As("h-440781115");
        var id = await dispatcher.IdOf(receipt);
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = "440781115", note = "内部备注：请镇里协调邮政" });
        await handler.Do(id, "accept");
        await handler.Do(id, "progress", new { note = "内部进展：已约谈快递公司负责人张三" });
        await handler.Do(id, "complete", new { outcome = "已增设第二个取件窗口，并延长傍晚营业时间。" });
        await dispatcher.Do(id, "approve");

        var response = await pub.GetAsync($"/api/v1/public/reports/{receipt}?queryCode={code}");
        var text = await response.Content.ReadAsStringAsync();
        var closed = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        Assert.Equal("closed", (string?)closed["status"]);
        Assert.Equal("已增设第二个取件窗口，并延长傍晚营业时间。", (string?)closed["reply"]);
        // Once dispatched, the handling unit by its public name (issue 18), never a person, a code or an internal note.
        string unitName;
        await using (var scope = factory.Scope())
            unitName = await factory.Db(scope).Units.Where(u => u.Code == "440781115").Select(u => u.Name).SingleAsync();
        Assert.Equal(unitName, (string?)closed["handlingUnit"]);
        Assert.Contains("川岛镇", (string?)closed["handlingUnit"], StringComparison.Ordinal);
        foreach (var secret in new[] { "内部备注", "内部进展", "张三", "经办人", "440781115", "热线受理员" })
        {
            Assert.DoesNotContain(secret, text);
        }
        Assert.Equal(["received", "dispatched", "in_progress", "closed"],
            closed["updates"]!.AsArray().Select(u => (string)u!["status"]!));

        var feedback = await pub.PostAsJsonAsync($"/api/v1/public/reports/{receipt}/feedback?queryCode={code}",
            new { resolved = true, satisfaction = "basically_satisfied" });
        Assert.True((bool)(await feedback.Json(HttpStatusCode.OK))["feedbackGiven"]!);
        await pub.PostAsJsonAsync($"/api/v1/public/reports/{receipt}/feedback?queryCode={code}", new { resolved = false, satisfaction = "dissatisfied" })
            .Problem(HttpStatusCode.Conflict, "feedback_given");
        Assert.Equal("basically_satisfied", (string?)(await dispatcher.Get(id))["feedback"]!["satisfaction"]);
    }

    [Fact]
    public async Task WrongCode_AnswersExactlyAsUnknownReceipt()
    {
        var (receipt, code) = await Submit();
        var pub = factory.CreateClient();
        var wrong = await pub.GetAsync($"/api/v1/public/reports/{receipt}?queryCode=AAAAAAAA");
        var unknown = await pub.GetAsync($"/api/v1/public/reports/JM-1999-999999?queryCode={code}");
        var none = await pub.GetAsync($"/api/v1/public/reports/{receipt}");
        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        static async Task<string> WithoutTrace(HttpResponseMessage r)
        {
            var body = System.Text.Json.Nodes.JsonNode.Parse(await r.Content.ReadAsStringAsync())!.AsObject();
            body.Remove("traceId");
            return body.ToJsonString();
        }
        Assert.Equal(await WithoutTrace(unknown), await WithoutTrace(wrong));
        await pub.PostAsJsonAsync($"/api/v1/public/reports/{receipt}/feedback?queryCode=AAAAAAAA", new { resolved = true, satisfaction = "satisfied" })
            .Problem(HttpStatusCode.NotFound);
        // Lower-case entry of the right code works: people type codes by hand.
        await pub.GetAsync($"/api/v1/public/reports/{receipt}?queryCode={code.ToLowerInvariant()}").Ok();
    }

    [Fact]
    public async Task BadInput_IsRefusedWithTheReason()
    {
        var pub = factory.CreateClient();
        var missing = await pub.PostAsJsonAsync("/api/v1/public/reports", new { kind = "complaint", title = "", content = "x", anonymous = true })
            .Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("title", (string?)missing["title"]);
        await pub.PostAsJsonAsync("/api/v1/public/reports", new { kind = "task", title = "t", content = "c", anonymous = true })
            .Problem(HttpStatusCode.BadRequest);
        await pub.PostAsJsonAsync("/api/v1/public/reports", new { kind = "complaint", title = "t", content = "c", anonymous = false })
            .Problem(HttpStatusCode.BadRequest);
        await pub.PostAsJsonAsync("/api/v1/public/reports", new { kind = "complaint", title = "t", content = "c", anonymous = false, name = "王", phone = "abc" })
            .Problem(HttpStatusCode.BadRequest);
        var malformed = await pub.PostAsync("/api/v1/public/reports", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.DoesNotContain("   at ", await malformed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PublicReport_OfKindReport_IsConfidential()
    {
        var (receipt, _) = await Submit(new { kind = "report", title = "举报某局干部收受礼金", content = "春节期间收受辖区企业购物卡。", anonymous = false, name = "匿名不愿透露", phone = "13512340000" });
        var dispatcher = await factory.As("dispatcher");
        var item = (await dispatcher.GetAsync($"/api/v1/matters?q={receipt}").Ok())["items"]![0]!;
        Assert.True((bool)item["confidential"]!);
    }
}
