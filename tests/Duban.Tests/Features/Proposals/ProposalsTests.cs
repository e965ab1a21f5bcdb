using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;

using static Duban.Tests.Features.Proposals.Proposing;

namespace Duban.Tests.Features.Proposals;

/// <summary>
/// Deputies' suggestions and CPPCC proposals (Features/Proposals): the whole life through the contract API, every
/// step on the audit chain, the refusals (wrong unit, wrong person, out of order, missing category).
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class ProposalsTests(DubanFactory factory)
{
    private const int Year = 2026;

    private async Task<(long Id, long[] Members)> Submitted(string title, params string[] usernames)
    {
        var office = factory.Desk.CppccOffice();
        var members = await office.MemberIds("cppcc", usernames);
        var lead = factory.Desk.Member(usernames[0]);
        var created = await lead.Submit("cppcc", Year, Unique(title), members);
        return ((long)created["id"]!, members);
    }

    [Fact]
    public async Task WholeLife_SubmitAcceptReplyDissatisfiedRehandleSatisfied_EveryStepAudited()
    {
        var office = factory.Desk.CppccOffice();
        var (id, _) = await Submitted("关于加强中小学课后服务的提案", "cppcc-031", "cppcc-032");
        var lead = factory.Desk.Member("cppcc-031");
        var cosigner = factory.Desk.Member("cppcc-032");

        var submitted = await lead.Proposal(id);
        Assert.Equal(("submitted", 1), ((string?)submitted["status"], (int)submitted["version"]!));
        Assert.StartsWith($"CPPCC-{Year}-", (string?)submitted["number"], StringComparison.Ordinal);
        Assert.Equal([true, false], submitted["proposers"]!.AsArray().Select(p => (bool)p!["lead"]!));
        // Only the office examines it; the member cannot accept their own proposal, nor a host reply yet.
        await lead.Step(id, "accept", new { hostUnitCode = "4407-jyj" }).Problem(HttpStatusCode.Forbidden);
        await factory.Desk.Handler("4407-jyj").Step(id, "reply", new { category = "A", text = "已采纳" }, office).Problem(HttpStatusCode.NotFound);
        await office.Step(id, "accept", new { coHostUnitCodes = new[] { "4407-rsj" } }).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("hostUnitCode", (string?)(await office.Step(id, "accept", new { hostUnitCode = "4407-nope" }).Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);

        var accepted = await office.Done(id, "accept", new { hostUnitCode = "4407-jyj", coHostUnitCodes = new[] { "4407-rsj" } });
        Assert.Equal(("assigned", "4407-jyj", "4407-rsj"), ((string?)accepted["status"], (string?)accepted["hostUnit"]!["code"], (string?)accepted["coHostUnits"]![0]!["code"]));
        // Three months from the assignment (the deputy-suggestion policy).
        var acceptedAt = (DateTimeOffset)accepted["acceptedAt"]!;
        var due = (DateTimeOffset)accepted["dueAt"]!;
        Assert.InRange(due, acceptedAt.AddMonths(3).AddDays(-1), acceptedAt.AddMonths(3).AddDays(5));
        await office.Step(id, "accept", new { hostUnitCode = "4407-jyj" }).Problem(HttpStatusCode.Conflict, "invalid_transition");

        // The proposer evaluates nothing before a reply; a co-host or another unit does not reply; a reply needs its category.
        await lead.Step(id, "evaluate", new { rating = "satisfied" }).Problem(HttpStatusCode.Conflict, "invalid_transition");
        var host = factory.Desk.Handler("4407-jyj");
        var coHost = factory.Desk.Handler("4407-rsj");
        await coHost.Step(id, "reply", new { category = "A", text = "已采纳" }).Problem(HttpStatusCode.Forbidden);
        await factory.Desk.Handler("4407-gxj").Step(id, "reply", new { category = "A", text = "已采纳" }, office).Problem(HttpStatusCode.NotFound);
        await host.Step(id, "reply", new { text = "已采纳" }).Problem(HttpStatusCode.BadRequest);
        await host.Step(id, "reply", new { category = "D", text = "已采纳" }).Problem(HttpStatusCode.BadRequest);
        await coHost.Done(id, "opinion", new { text = "人社部门支持将课后服务纳入教师绩效。" });

        var replied = await factory.Desk.Handler("4407-jyj").Done(id, "reply", new { category = "B", text = "课后服务已列入年度计划，分步推进。", signedBy = "市教育局副局长" });
        Assert.Equal(("replied", "B", "市教育局副局长"), ((string?)replied["status"], (string?)replied["reply"]!["category"], (string?)replied["reply"]!["signedBy"]));
        Assert.True((bool)replied["reply"]!["firstReplyOnTime"]!);
        Assert.Equal("4407-rsj", (string?)replied["opinions"]![0]!["unit"]);
        // The reply is the proposer's to read; only the lead proposer evaluates it.
        Assert.Equal("课后服务已列入年度计划，分步推进。", (string?)(await cosigner.Proposal(id))["reply"]!["text"]);
        Assert.Contains("evaluate", (await lead.Proposal(id))["availableActions"]!.AsArray().Select(a => (string?)a));
        await cosigner.Step(id, "evaluate", new { rating = "satisfied" }).Problem(HttpStatusCode.Forbidden);
        await factory.Desk.Member("cppcc-050").Step(id, "evaluate", new { rating = "satisfied" }, lead).Problem(HttpStatusCode.NotFound);
        await lead.Step(id, "evaluate", new { rating = "so-so" }).Problem(HttpStatusCode.BadRequest);

        // Dissatisfied: handled again at once, with a deadline of its own.
        var rehandling = await lead.Done(id, "evaluate", new { rating = "dissatisfied", comment = "未回应师资保障问题" });
        Assert.Equal(("rehandling", 1, "dissatisfied"), ((string?)rehandling["status"], (int)rehandling["rehandlingCount"]!, (string?)rehandling["evaluation"]!["rating"]));
        // Three months again, from the evaluation.
        var evaluatedAt = (DateTimeOffset)rehandling["evaluation"]!["at"]!;
        Assert.InRange((DateTimeOffset)rehandling["dueAt"]!, evaluatedAt.AddMonths(3).AddDays(-1), evaluatedAt.AddMonths(3).AddDays(5));
        Assert.Equal("in_progress", (string?)(await office.Get(id))["status"]);
        await lead.Step(id, "evaluate", new { rating = "satisfied" }).Problem(HttpStatusCode.Conflict, "invalid_transition");
        await host.Done(id, "reply", new { category = "A", text = "经重新办理，已增加课后服务专项经费。" });
        var closed = await lead.Done(id, "evaluate", new { rating = "satisfied", comment = "满意" });
        Assert.Equal(("closed", "A", "satisfied"), ((string?)closed["status"], (string?)closed["reply"]!["category"], (string?)closed["evaluation"]!["rating"]));
        Assert.Empty(closed["availableActions"]!.AsArray());

        // Every step is an event on the proposal's own chain, and the chain verifies.
        var matter = await office.Get(id);
        Assert.Equal(["proposal-submit", "proposal-accept", "proposal-opinion", "proposal-reply", "proposal-evaluate", "proposal-reply", "proposal-evaluate"],
            matter.Actions());
        Assert.Equal("closed", (string?)matter["status"]);
        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Fact]
    public async Task NotAccepted_WithItsReason_AndNothingMoreHappens()
    {
        var office = factory.Desk.CppccOffice();
        var (id, _) = await Submitted("关于解决本人子女入学问题的提案", "cppcc-041");
        await office.Step(id, "not-accept", new { reason = "" }).Problem(HttpStatusCode.BadRequest);
        var refused = await office.Done(id, "not-accept", new { reason = "属于个人诉求，不宜作为提案立案" });
        Assert.Equal(("not_accepted", "属于个人诉求，不宜作为提案立案"), ((string?)refused["status"], (string?)refused["reason"]));
        Assert.Equal("not_accepted", (string?)(await factory.Desk.Member("cppcc-041").Proposal(id))["status"]);
        await office.Step(id, "accept", new { hostUnitCode = "4407-jyj" }).Problem(HttpStatusCode.Conflict, "invalid_transition");
        // The congress's office does not examine the CPPCC's proposals.
        await factory.Desk.NpcOffice().Step(id, "not-accept", new { reason = "x" }, office).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Merge_JoinsTheTarget_WhichRecordsIt()
    {
        var office = factory.Desk.CppccOffice();
        var (target, _) = await Submitted("关于推进潭江流域水环境治理的提案", "cppcc-042");
        var (duplicate, _) = await Submitted("关于加强潭江水质保护的提案", "cppcc-043");
        await office.Step(duplicate, "merge", new { targetId = duplicate }).Problem(HttpStatusCode.BadRequest);
        var merged = await office.Done(duplicate, "merge", new { targetId = target, reason = "同题并案" });
        Assert.Equal(("merged", target), ((string?)merged["status"], (long)merged["mergedIntoId"]!));
        Assert.Contains("proposal-merged-in", (await office.Get(target)).Actions());
        // The target goes on: accepted and assigned as any other.
        await office.Done(target, "accept", new { hostUnitCode = "4407-sthjj" });
        await office.Step(duplicate, "accept", new { hostUnitCode = "4407-sthjj" }).Problem(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task HostObjection_UpheldGoesToTheNewHost_OverruledStaysWithTheHost()
    {
        var office = factory.Desk.CppccOffice();
        var (id, _) = await Submitted("关于规范农村建房审批的提案", "cppcc-044");
        await office.Done(id, "accept", new { hostUnitCode = "4407-zjj" });
        var zjj = factory.Desk.Handler("4407-zjj");
        await zjj.Step(id, "object", new { reason = "" }).Problem(HttpStatusCode.BadRequest);
        var objected = await zjj.Done(id, "object", new { reason = "农村建房审批属自然资源部门职责" });
        Assert.Equal("农村建房审批属自然资源部门职责", (string?)objected["objection"]);
        await zjj.Step(id, "reply", new { category = "C", text = "留作参考" }).Problem(HttpStatusCode.Conflict, "objection_pending");
        await zjj.Step(id, "objection", new { decision = "uphold", hostUnitCode = "4407-zrzyj" }).Problem(HttpStatusCode.Forbidden);
        await office.Step(id, "objection", new { decision = "uphold" }).Problem(HttpStatusCode.BadRequest);
        var moved = await office.Done(id, "objection", new { decision = "uphold", hostUnitCode = "4407-zrzyj", reason = "异议成立" });
        Assert.Equal(("assigned", "4407-zrzyj", null), ((string?)moved["status"], (string?)moved["hostUnit"]!["code"], (string?)moved["objection"]));
        // The former host no longer holds it; the new one replies.
        await zjj.Step(id, "reply", new { category = "A", text = "已办理" }, office).Problem(HttpStatusCode.NotFound);
        await factory.Desk.Handler("4407-zrzyj").Done(id, "reply", new { category = "A", text = "已出台农村建房审批办法" });

        var (other, _) = await Submitted("关于加快老旧小区加装电梯的提案", "cppcc-045");
        await office.Done(other, "accept", new { hostUnitCode = "4407-zjj" });
        await zjj.Done(other, "object", new { reason = "应由街道负责" });
        await office.Step(other, "objection", new { decision = "maybe" }).Problem(HttpStatusCode.BadRequest);
        var kept = await office.Done(other, "objection", new { decision = "overrule", reason = "属住建部门职责" });
        Assert.Equal(("assigned", "4407-zjj", null), ((string?)kept["status"], (string?)kept["hostUnit"]!["code"], (string?)kept["objection"]));
        await office.Step(other, "objection", new { decision = "overrule" }).Problem(HttpStatusCode.Conflict, "invalid_transition");
        await zjj.Done(other, "reply", new { category = "B", text = "已列入年度计划" });
        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Fact]
    public async Task Submit_RefusesBadInput_AndAnotherMembersProposal()
    {
        var office = factory.Desk.CppccOffice();
        var ids = await office.MemberIds("cppcc", "cppcc-046", "cppcc-047");
        var member = factory.Desk.Member("cppcc-046");
        async Task<string?> BadField(object body) =>
            (string?)(await member.PostAsJsonAsync("/api/v1/proposals", body).Problem(HttpStatusCode.BadRequest))["title"];
        Assert.Contains("body", await BadField(new { body = "party", year = Year, title = "t", content = "c", proposerIds = ids }), StringComparison.Ordinal);
        Assert.Contains("year", await BadField(new { body = "cppcc", title = "t", content = "c", proposerIds = ids }), StringComparison.Ordinal);
        Assert.Contains("title", await BadField(new { body = "cppcc", year = Year, content = "c", proposerIds = ids }), StringComparison.Ordinal);
        Assert.Contains("proposerIds", await BadField(new { body = "cppcc", year = Year, title = "t", content = "c", proposerIds = Array.Empty<long>() }), StringComparison.Ordinal);
        var deputy = (await office.MemberIds("npc", "npc-001"))[0];
        Assert.Contains("proposerIds[1]", await BadField(new { body = "cppcc", year = Year, title = "t", content = "c", proposerIds = new[] { ids[0], deputy } }), StringComparison.Ordinal);
        // A member submits only as the lead proposer; a unit's handler not at all.
        await member.PostAsJsonAsync("/api/v1/proposals", new { body = "cppcc", year = Year, title = "t", content = "c", proposerIds = new[] { ids[1], ids[0] } })
            .Problem(HttpStatusCode.Forbidden);
        await factory.Desk.Handler("4407-jyj").PostAsJsonAsync("/api/v1/proposals", new { body = "cppcc", year = Year, title = "t", content = "c", proposerIds = ids })
            .Problem(HttpStatusCode.Forbidden);
        // The office may submit for a member (a proposal handed in on paper).
        var created = await office.Submit("cppcc", Year, Unique("关于书面提交的提案"), ids[1]);
        Assert.StartsWith($"CPPCC-{Year}-", (string?)created["number"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lists_TheMembersOwn_AndTheRepliesToEvaluate()
    {
        var office = factory.Desk.CppccOffice();
        var (id, _) = await Submitted("关于建设社区嵌入式托育点的提案", "cppcc-048", "cppcc-049");
        await office.Done(id, "accept", new { hostUnitCode = "4407-wjj" });
        await factory.Desk.Handler("4407-wjj").Done(id, "reply", new { category = "A", text = "已建成托育点" });
        var lead = factory.Desk.Member("cppcc-048");
        var mine = await lead.GetAsync($"/api/v1/proposals?year={Year}").Ok();
        Assert.Contains(mine["items"]!.AsArray(), p => (long)p!["id"]! == id);
        Assert.All(mine["items"]!.AsArray(), p => Assert.Equal(Year, (int)p!["year"]!));
        var toEvaluate = await lead.GetAsync("/api/v1/proposals?awaitingEvaluation=true").Ok();
        Assert.Equal([id], toEvaluate["items"]!.AsArray().Select(p => (long)p!["id"]!));
        // The co-signer sees it among theirs, with nothing to evaluate; the host among its hosted.
        Assert.Empty((await factory.Desk.Member("cppcc-049").GetAsync("/api/v1/proposals?awaitingEvaluation=true").Ok())["items"]!.AsArray());
        Assert.Contains((await factory.Desk.Handler("4407-wjj").GetAsync($"/api/v1/proposals?year={Year}&pageSize=200").Ok())["items"]!.AsArray(), p => (long)p!["id"]! == id);
        Assert.DoesNotContain((await factory.Desk.Handler("4407-jtj").GetAsync($"/api/v1/proposals?year={Year}&pageSize=200").Ok())["items"]!.AsArray(), p => (long)p!["id"]! == id);
    }
}
