using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;

using static Duban.Tests.Features.Proposals.Proposing;

namespace Duban.Tests.Features.Proposals;

/// <summary>
/// Social-opinion items (社情民意信息) as records of their own: a member submits, the office edits, adopts and forwards,
/// a leader instructs; each step audited, out-of-order steps refused; the figures and the member's duties count them.
/// Consultation activities: recorded by the office with their members, counted in the duties.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class OpinionsTests(DubanFactory factory)
{
    private const int Year = 2031;

    private static async Task<JsonNode> Post(HttpClient client, string path, object body, HttpStatusCode status = HttpStatusCode.OK) =>
        await (await client.PostAsJsonAsync(path, body)).Json(status);

    [Fact]
    public async Task Item_SubmittedEditedAdoptedForwardedInstructed_EveryStepAudited_AndCounted()
    {
        var office = factory.Desk.CppccOffice();
        var member = factory.Desk.Member("cppcc-061");
        var memberId = (await office.MemberIds("cppcc", "cppcc-061"))[0];

        // A member submits in their own name only; bad input is a 400 naming the field; a unit's handler may not submit.
        Assert.Contains("title", (string?)(await Post(member, "/api/v1/opinions", new { body = "cppcc", year = Year, content = "c" }, HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        Assert.Contains("kind", (string?)(await Post(member, "/api/v1/opinions", new { body = "cppcc", year = Year, kind = "rumour", title = "t", content = "c" }, HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        await Post(factory.Desk.Handler("4407-jyj"), "/api/v1/opinions", new { body = "cppcc", year = Year, title = "t", content = "c" }, HttpStatusCode.Forbidden);
        var other = (await office.MemberIds("cppcc", "cppcc-062"))[0];
        await Post(member, "/api/v1/opinions", new { body = "cppcc", year = Year, title = "t", content = "c", memberId = other }, HttpStatusCode.Forbidden);

        var item = await Post(member, "/api/v1/opinions", new { body = "cppcc", year = Year, title = "关于镇村快递末端网点的社情民意", content = "群众反映快递进村难。" }, HttpStatusCode.Created);
        var id = (long)item["id"]!;
        Assert.Equal(("submitted", memberId), ((string?)item["status"], (long)item["memberId"]!));

        // The member may not adopt their own; nothing is forwarded or instructed before it is adopted.
        await Post(member, $"/api/v1/opinions/{id}/adopt", new { }, HttpStatusCode.Forbidden);
        await Post(office, $"/api/v1/opinions/{id}/forward", new { leaders = "市长" }, HttpStatusCode.Conflict);
        await Post(office, $"/api/v1/opinions/{id}/instructions", new { leader = "市长", text = "请研究" }, HttpStatusCode.Conflict);
        // Another member does not see it; the congress's office neither.
        await factory.Desk.Member("cppcc-062").GetAsync($"/api/v1/opinions/{id}").Problem(HttpStatusCode.NotFound);
        await factory.Desk.NpcOffice().PostAsJsonAsync($"/api/v1/opinions/{id}/adopt", new { }).Problem(HttpStatusCode.NotFound);

        var edited = await Post(office, $"/api/v1/opinions/{id}/edit", new { title = "关于完善镇村快递末端网点的建议" });
        Assert.Equal(("关于完善镇村快递末端网点的建议", true), ((string?)edited["title"], (bool)edited["edited"]!));
        Assert.Equal("adopted", (string?)(await Post(office, $"/api/v1/opinions/{id}/adopt", new { }))["status"]);
        await Post(office, $"/api/v1/opinions/{id}/adopt", new { }, HttpStatusCode.Conflict);
        await Post(office, $"/api/v1/opinions/{id}/edit", new { title = "x" }, HttpStatusCode.Conflict);
        await Post(office, $"/api/v1/opinions/{id}/forward", new { }, HttpStatusCode.BadRequest);
        Assert.Equal("forwarded", (string?)(await Post(office, $"/api/v1/opinions/{id}/forward", new { leaders = "市政府分管副市长" }))["status"]);

        // The office records a paper instruction naming the leader; a city leader instructs in their own name; a member cannot.
        await Post(office, $"/api/v1/opinions/{id}/instructions", new { text = "请研究" }, HttpStatusCode.BadRequest);
        await Post(office, $"/api/v1/opinions/{id}/instructions", new { leader = "市政府分管副市长", text = "请市邮政管理局牵头研究。", day = $"{Year}-06-10" });
        await Post(member, $"/api/v1/opinions/{id}/instructions", new { leader = "我", text = "x" }, HttpStatusCode.Forbidden);
        var instructed = await Post(factory.Desk.Leader, $"/api/v1/opinions/{id}/instructions", new { text = "同意，抓紧落实。" });
        Assert.Equal(2, instructed["instructions"]!.AsArray().Count);
        Assert.Equal("请市邮政管理局牵头研究。", (string?)(await member.GetAsync($"/api/v1/opinions/{id}").Ok())["instructions"]![0]!["text"]);

        // A second item, not adopted with its reason.
        var second = (long)(await Post(office, "/api/v1/opinions", new { body = "cppcc", year = Year, kind = "report", title = "关于预制菜产业的调研报告", content = "……", memberId }, HttpStatusCode.Created))["id"]!;
        await Post(office, $"/api/v1/opinions/{second}/not-adopt", new { reason = "" }, HttpStatusCode.BadRequest);
        await Post(office, $"/api/v1/opinions/{second}/not-adopt", new { reason = "已有同类信息" });

        var figures = await office.GetAsync($"/api/v1/opinions/figures?body=cppcc&year={Year}").Ok();
        Assert.Equal((2, 1, 1, 1, 1, 2, 1), ((int)figures["submitted"]!, (int)figures["reports"]!, (int)figures["adopted"]!, (int)figures["notAdopted"]!,
            (int)figures["forwarded"]!, (int)figures["instructions"]!, (int)figures["instructed"]!));
        await member.GetAsync($"/api/v1/opinions/figures?body=cppcc&year={Year}").Problem(HttpStatusCode.Forbidden);
        // The member's duties: two submitted (2 each), one adopted (5).
        var duties = (await member.GetAsync($"/api/v1/members/{memberId}/duties?year={Year}").Ok())["duties"]!.AsArray();
        Assert.Equal((2, 4.0), ((int)duties.Single(d => (string?)d!["key"] == "opinion")!["count"]!, (double)duties.Single(d => (string?)d!["key"] == "opinion")!["points"]!));
        Assert.Equal(1, (int)duties.Single(d => (string?)d!["key"] == "opinion_adopted")!["count"]!);
        // The member's own list holds their items only.
        Assert.All((await member.GetAsync($"/api/v1/opinions?year={Year}").Ok())["items"]!.AsArray(), i => Assert.Equal(memberId, (long)i!["memberId"]!));

        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var actions = db.Events.Where(e => e.Action.StartsWith("opinion-")).Select(e => e.Action).ToList();
        foreach (var a in new[] { "opinion-submit", "opinion-edit", "opinion-adopt", "opinion-forward", "opinion-instruct", "opinion-not-adopt" }) Assert.Contains(a, actions);
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task AnInstructionNamingAUnit_OpensAnInstructionSource_TrackedAsOne_InTheSameChange()
    {
        var office = factory.Desk.CppccOffice();
        var member = factory.Desk.Member("cppcc-065");
        var id = (long)(await Post(member, "/api/v1/opinions", new { body = "cppcc", year = 2034, title = "关于农村生活污水治理的社情民意", content = "群众反映部分村污水直排。" }, HttpStatusCode.Created))["id"]!;
        await Post(office, $"/api/v1/opinions/{id}/adopt", new { });
        await Post(office, $"/api/v1/opinions/{id}/forward", new { leaders = "市政府分管副市长" });

        // A unit that does not exist, or a deadline without a unit, is refused naming the request's own field, and nothing is kept.
        Assert.Contains("leadUnitCode", (string?)(await Post(office, $"/api/v1/opinions/{id}/instructions",
            new { leader = "市政府分管副市长", text = "请研究。", leadUnitCode = "4407-nope" }, HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        Assert.Contains("leadUnitCode", (string?)(await Post(office, $"/api/v1/opinions/{id}/instructions",
            new { leader = "市政府分管副市长", text = "请研究。", dueDate = "2034-09-30" }, HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        Assert.Empty((await member.GetAsync($"/api/v1/opinions/{id}").Ok())["instructions"]!.AsArray());

        var instructed = await Post(office, $"/api/v1/opinions/{id}/instructions",
            new { leader = "市政府分管副市长", text = "请市生态环境局牵头，会同市农业农村局研究整改。", leadUnitCode = "4407-sthjj", coUnitCodes = new[] { "4407-nyncj" }, dueDate = "2034-09-30" });
        var instruction = instructed["instructions"]!.AsArray().Single()!;
        var sourceId = (long)instruction["sourceId"]!;

        // The source: an instruction owned by the CPPCC's office, its one item the unit's matter with the leader's words and deadline.
        var source = await office.GetAsync($"/api/v1/sources/{sourceId}").Ok();
        Assert.Equal(("instruction", "4407-zx"), ((string?)source["type"], (string?)source["owner"]!["code"]));
        Assert.Contains("关于农村生活污水治理的社情民意", (string?)source["title"], StringComparison.Ordinal);
        var item = source["items"]!.AsArray().Single()!;
        Assert.Equal(("4407-sthjj", "2034-09-30"), ((string?)item["leadUnit"]!["code"], (string?)item["dueDate"]));
        Assert.Equal("4407-nyncj", (string?)item["coUnits"]!.AsArray().Single()!["code"]);
        // The unit finds it as its own work, and the member still reads the instruction on their item.
        var matter = (long)item["matterId"]!;
        Assert.Equal(HttpStatusCode.OK, (await factory.Desk.Handler("4407-sthjj").GetAsync($"/api/v1/matters/{matter}")).StatusCode);
        Assert.Equal(sourceId, (long)(await member.GetAsync($"/api/v1/opinions/{id}").Ok())["instructions"]![0]!["sourceId"]!);

        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        Assert.Single(db.Events.Where(e => e.Action == "opinion-instruct" && e.Data.Contains($"\"source\":{sourceId}")));
        Assert.Single(db.Events.Where(e => e.Action == "source_create" && e.Data.Contains($"\"source\":{sourceId},")));
        // The refused attempts opened nothing: one source for the item, the one the instruction keeps.
        Assert.Equal(sourceId, db.Set<Duban.Features.Sources.Source>().Where(x => x.Title.Contains("关于农村生活污水治理的社情民意")).Select(x => x.Id).Single());
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task Consultations_TopicsAndEvents_WithTheirMembers_CountInTheDuties()
    {
        var office = factory.Desk.CppccOffice();
        var ids = await office.MemberIds("cppcc", "cppcc-063", "cppcc-064");
        const int year = 2032;
        await Post(factory.Desk.Member("cppcc-063"), "/api/v1/consultations", new { body = "cppcc", kind = "event", title = "t", day = $"{year}-03-01", memberIds = ids }, HttpStatusCode.Forbidden);
        Assert.Contains("memberIds[1]", (string?)(await Post(office, "/api/v1/consultations", new { body = "cppcc", kind = "event", title = "t", day = $"{year}-03-01", memberIds = new[] { ids[0], 999_999L } }, HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        await Post(office, "/api/v1/consultations", new { body = "cppcc", kind = "seminar", title = "t", day = $"{year}-03-01" }, HttpStatusCode.BadRequest);

        var topic = await Post(office, "/api/v1/consultations", new { body = "cppcc", kind = "topic", title = "侨乡文化旅游融合发展", day = $"{year}-04-01", memberIds = new[] { ids[0] } }, HttpStatusCode.Created);
        var ev = await Post(office, "/api/v1/consultations", new { body = "cppcc", kind = "event", title = "委员议事厅", day = $"{year}-05-01", memberIds = ids }, HttpStatusCode.Created);
        await Post(office, $"/api/v1/consultations/{(long)ev["id"]!}/report", new { report = "x" }, HttpStatusCode.Conflict);
        await Post(office, $"/api/v1/consultations/{(long)topic["id"]!}/report", new { report = "调研报告：……" });
        await Post(office, $"/api/v1/consultations/{(long)topic["id"]!}/participants", new { memberIds = new[] { ids[1] } });

        var list = await office.GetAsync($"/api/v1/consultations?body=cppcc&year={year}").Ok();
        Assert.Equal((1, 1, 1), ((int)list["topics"]!, (int)list["events"]!, (int)list["reports"]!));
        var duties = (await office.GetAsync($"/api/v1/members/{ids[1]}/duties?year={year}").Ok())["duties"]!.AsArray();
        Assert.Equal((1, 1), ((int)duties.Single(d => (string?)d!["key"] == "research")!["count"]!, (int)duties.Single(d => (string?)d!["key"] == "consultation")!["count"]!));
        await factory.Desk.Handler("4407-jyj").GetAsync($"/api/v1/consultations?body=cppcc&year={year}").Problem(HttpStatusCode.Forbidden);
    }
}
