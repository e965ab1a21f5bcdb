using System.Net;
using System.Net.Http.Json;
using Duban.Tests.Infrastructure;

using static Duban.Tests.Features.Proposals.Proposing;

namespace Duban.Tests.Features.Proposals;

/// <summary>The public page of published replies (only what the office published, nothing of the proposers) and the list's XLSX export.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class PublishedTests(DubanFactory factory)
{
    [Fact]
    public async Task OfficePublishes_ThePublicReadsTheReply_WithoutTheProposers()
    {
        var office = factory.Desk.CppccOffice();
        var ids = await office.MemberIds("cppcc", "cppcc-081", "cppcc-082");
        var member = factory.Desk.Member("cppcc-081");
        var title = Unique("关于建设滨江慢行系统的提案");
        var id = (long)(await member.Submit("cppcc", 2026, title, ids))["id"]!;
        var hidden = Unique("关于尚未公开的提案");
        var other = (long)(await member.Submit("cppcc", 2026, hidden, ids[0]))["id"]!;
        var anonymous = factory.CreateClient();

        // Nothing to publish before a reply; the host may not publish; the proposer may not.
        await office.Step(id, "publish").Problem(HttpStatusCode.Conflict, "invalid_transition");
        await office.Done(id, "accept", new { hostUnitCode = "4407-zjj" });
        await office.Done(other, "accept", new { hostUnitCode = "4407-zjj" });
        var host = factory.Desk.Handler("4407-zjj");
        await host.Done(id, "reply", new { category = "A", text = "滨江慢行系统一期已建成。" }, office);
        await host.Done(other, "reply", new { category = "C", text = "留作参考。" }, office);
        await host.Step(id, "publish", reader: office).Problem(HttpStatusCode.Forbidden);
        await member.Step(id, "publish", reader: office).Problem(HttpStatusCode.Forbidden);
        Assert.Contains("publish", (await office.Proposal(id))["availableActions"]!.AsArray().Select(a => (string?)a));

        var published = await office.Done(id, "publish");
        Assert.Equal("replied", (string?)published["status"]);
        await office.Step(id, "publish").Problem(HttpStatusCode.Conflict, "already_published");

        // The public API and page, signed in or not: the published one, not the other; no proposer's name.
        var list = await anonymous.GetAsync("/api/v1/public/proposals?body=cppcc&year=2026").Ok();
        var item = list["items"]!.AsArray().Single(p => (long)p!["id"]! == id)!;
        Assert.Equal(("A", "滨江慢行系统一期已建成。"), ((string?)item["replyCategory"], (string?)item["replyText"]));
        Assert.Null(item["proposers"]);
        Assert.DoesNotContain(list["items"]!.AsArray(), p => (long)p!["id"]! == other);
        var html = await anonymous.GetStringAsync("/proposals?year=2026");
        Assert.Contains(title, html, StringComparison.Ordinal);
        Assert.Contains("滨江慢行系统一期已建成。", html, StringComparison.Ordinal);
        Assert.DoesNotContain(hidden, html, StringComparison.Ordinal);
        var names = (await office.GetAsync("/api/v1/members?body=cppcc&pageSize=1000").Ok())["items"]!.AsArray()
            .Where(m => ids.Contains((long)m!["id"]!)).Select(m => (string)m!["name"]!).ToList();
        Assert.All(names, n => Assert.DoesNotContain(n, html, StringComparison.Ordinal));

        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Fact]
    public async Task Export_IsTheCallersList_AsXlsx()
    {
        var office = factory.Desk.CppccOffice();
        var lead = (await office.MemberIds("cppcc", "cppcc-083"))[0];
        var title = Unique("关于导出测试的提案");
        await factory.Desk.Member("cppcc-083").Submit("cppcc", 2033, title, lead);
        var response = await office.GetAsync("/api/v1/proposals/export.xlsx?body=cppcc&year=2033");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType!.MediaType);
        var rows = Sheets.Rows(await response.Content.ReadAsByteArrayAsync(), "建议提案");
        Assert.Equal("编号", rows[0][0]);
        var row = Assert.Single(rows.Skip(1));
        Assert.Equal((title, "已提交", "2033"), (row[3], row[4], row[2]));
        // Another body's office exports none of them.
        var npc = Sheets.Rows(await (await factory.Desk.NpcOffice().GetAsync("/api/v1/proposals/export.xlsx?body=cppcc&year=2033")).Content.ReadAsByteArrayAsync(), "建议提案");
        Assert.Single(npc);
        await office.GetAsync("/api/v1/proposals/export.xlsx?body=party").Problem(HttpStatusCode.BadRequest);
    }
}
