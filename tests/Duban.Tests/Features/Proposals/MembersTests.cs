using System.Net;
using System.Net.Http.Json;
using System.Text;
using Duban.Tests.Infrastructure;

using static Duban.Tests.Features.Proposals.Proposing;

namespace Duban.Tests.Features.Proposals;

/// <summary>The registers of deputies and members: listed with their accounts, imported from CSV by the offices, and the duties computed from records.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class MembersTests(DubanFactory factory)
{
    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    [Fact]
    public async Task DemoRegisters_ListEveryMemberWithTheirAccount()
    {
        var list = await factory.Desk.Handler("4407-jyj").GetAsync("/api/v1/members?body=cppcc&pageSize=1000").Ok();
        var demo = list["items"]!.AsArray().Where(m => ((string?)m!["username"])?.StartsWith("cppcc-", StringComparison.Ordinal) == true && ((string?)m["username"])!.Length == 9).ToList();
        Assert.Equal(100, demo.Count);
        Assert.All(list["items"]!.AsArray(), m => Assert.Equal("cppcc", (string?)m!["body"]));
        Assert.NotNull(demo[0]!["sector"]);
        var npc = await factory.Desk.Handler("4407-jyj").GetAsync("/api/v1/members?body=npc&pageSize=1000").Ok();
        Assert.Contains(npc["items"]!.AsArray(), m => (string?)m!["username"] == "npc-001" && m["delegation"] is not null);
        // Every demo member signs in with the demo password.
        Assert.Empty((await factory.Desk.Member("npc-020").GetAsync("/api/v1/proposals").Ok())["items"]!.AsArray());
        await factory.Desk.Handler("4407-jyj").GetAsync("/api/v1/members?body=party").Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Import_AddsAndUpdates_MakesAccounts_AndOnlyTheOfficeImports()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var user = "m-" + suffix;
        var csv = $"name,sector,term,username\n测试委员{suffix},经济界,第十四届,{user}\n\"测试委员乙{suffix}\",教育界,第十四届,\n";
        await factory.Desk.Handler("4407-jyj").PostAsync("/api/v1/members/import?body=cppcc", Csv(csv)).Problem(HttpStatusCode.Forbidden);
        await factory.Desk.NpcOffice().PostAsync("/api/v1/members/import?body=cppcc", Csv(csv)).Problem(HttpStatusCode.Forbidden);
        var office = factory.Desk.CppccOffice();
        var imported = await office.PostAsync("/api/v1/members/import?body=cppcc", Csv(csv)).Ok();
        Assert.Equal((2, 0), ((int)imported["added"]!, (int)imported["updated"]!));
        var account = imported["accounts"]!.AsArray().Single()!;
        Assert.Equal(user, (string?)account["username"]);
        // The new account signs in with the password shown once, and is the member's.
        var login = await factory.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { username = user, password = (string?)account["password"] });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var listed = await office.GetAsync($"/api/v1/members?body=cppcc&q=测试委员{suffix}").Ok();
        Assert.Contains(listed["items"]!.AsArray(), m => (string?)m!["username"] == user && (string?)m["sector"] == "经济界");

        // Again: updated, not doubled.
        var again = await office.PostAsync("/api/v1/members/import?body=cppcc", Csv($"name,sector,term\n测试委员{suffix},科技界,第十四届\n")).Ok();
        Assert.Equal((0, 1), ((int)again["added"]!, (int)again["updated"]!));
        // Bad rows name their line; nothing of a refused file stays.
        var bad = await office.PostAsync("/api/v1/members/import?body=cppcc", Csv($"name,sector,term\n新委员{suffix},经济界,第十四届\n,教育界,第十四届\n"))
            .Problem(HttpStatusCode.BadRequest);
        Assert.Contains("row 3", (string?)bad["title"], StringComparison.Ordinal);
        Assert.Equal(0, (int)(await office.GetAsync($"/api/v1/members?body=cppcc&q=新委员{suffix}").Ok())["total"]!);
        await office.PostAsync("/api/v1/members/import?body=cppcc", Csv("姓名,界别\n张三,经济界\n")).Problem(HttpStatusCode.BadRequest);
        await office.PostAsync("/api/v1/members/import?body=cppcc", Csv($"name,sector,term,username\n又一委员{suffix},经济界,第十四届,cppcc-office\n"))
            .Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Duties_AreComputedFromTheRecords_AndGradedByTheThresholds()
    {
        const int year = 2027;
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var office = factory.Desk.CppccOffice();
        var user = "d-" + suffix;
        await office.PostAsync("/api/v1/members/import?body=cppcc", Csv($"name,sector,term,username\n履职委员{suffix},经济界,第十四届,{user}\n")).Ok();
        var id = (long)(await office.GetAsync($"/api/v1/members?body=cppcc&q=履职委员{suffix}").Ok())["items"]![0]!["id"]!;
        async Task<(double Score, string Grade)> Duties()
        {
            var d = await office.GetAsync($"/api/v1/members/{id}/duties?year={year}").Ok();
            return ((double)d["score"]!, (string)d["grade"]!);
        }
        Assert.Equal((0.0, "incompetent"), await Duties());

        // Two proposals led (4 each), one accepted (6): 14.
        var first = await office.Submit("cppcc", year, Unique("关于发展夜间经济的提案"), id);
        await office.Submit("cppcc", year, Unique("关于完善社区食堂的提案"), id);
        await office.Done((long)first["id"]!, "accept", new { hostUnitCode = "4407-swj" });
        Assert.Equal((14.0, "incompetent"), await Duties());

        // The plenary (10), three research topics taken part in (4 each, at most 12), speeches (5 each, at most 10: the third adds nothing).
        async Task Record(string kind, string day) =>
            await (await office.PostAsJsonAsync($"/api/v1/members/{id}/activities", new { kind, title = "活动", day })).Json(HttpStatusCode.Created);
        await Record("plenary", $"{year}-01-08");
        foreach (var m in new[] { "03", "05", "07" })
            await (await office.PostAsJsonAsync("/api/v1/consultations", new { body = "cppcc", kind = "topic", title = "重点调研协商课题", day = $"{year}-{m}-10", memberIds = new[] { id } }))
                .Json(HttpStatusCode.Created);
        // A research topic is a record of its own, not typed in as an activity.
        await (await office.PostAsJsonAsync($"/api/v1/members/{id}/activities", new { kind = "research", title = "x", day = $"{year}-01-01" })).Json(HttpStatusCode.BadRequest);
        Assert.Equal((36.0, "basic"), await Duties());
        foreach (var m in new[] { "01", "06", "09" }) await Record("speech", $"{year}-{m}-09");
        Assert.Equal((46.0, "competent"), await Duties());
        // Four social-opinion items submitted (2 each, at most 8): 54; three of them adopted (5 each, at most 15): 69.
        for (var k = 0; k < 4; k++)
        {
            var item = await (await office.PostAsJsonAsync("/api/v1/opinions", new { body = "cppcc", year, title = $"社情民意信息{k}", content = "群众反映……", memberId = id }))
                .Json(HttpStatusCode.Created);
            if (k < 3) await office.PostAsJsonAsync($"/api/v1/opinions/{(long)item["id"]!}/adopt", new { }).Ok();
        }
        Assert.Equal((69.0, "excellent"), await Duties());
        // Another year's records count for that year only.
        await Record("plenary", $"{year + 1}-01-08");
        Assert.Equal((69.0, "excellent"), await Duties());

        var duties = await office.GetAsync($"/api/v1/members/{id}/duties?year={year}").Ok();
        Assert.Equal((3, 10.0), ((int)duties["duties"]!.AsArray().Single(d => (string?)d!["key"] == "speech")!["count"]!,
            (double)duties["duties"]!.AsArray().Single(d => (string?)d!["key"] == "speech")!["points"]!));
        await (await office.PostAsJsonAsync($"/api/v1/members/{id}/activities", new { kind = "karaoke", title = "x", day = $"{year}-01-01" })).Json(HttpStatusCode.BadRequest);
        await (await factory.Desk.Handler("4407-jyj").PostAsJsonAsync($"/api/v1/members/{id}/activities", new { kind = "speech", title = "x", day = $"{year}-01-01" }))
            .Json(HttpStatusCode.NotFound);
        await factory.Desk.Handler("4407-jyj").GetAsync($"/api/v1/members/{id}/duties?year={year}").Problem(HttpStatusCode.NotFound);
        await office.GetAsync($"/api/v1/members/{id}/duties").Problem(HttpStatusCode.BadRequest);
    }
}
