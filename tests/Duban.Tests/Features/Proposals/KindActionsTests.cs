using System.Net;
using Duban.Features.Matters;
using Duban.Tests.Infrastructure;

using static Duban.Tests.Features.Proposals.Proposing;

namespace Duban.Tests.Features.Proposals;

/// <summary>
/// The core's mechanism by which a module limits its kinds' actions (KindActionLimit), as the proposals use it: a core
/// step that goes around the proposals' life is neither offered nor run on a proposal, while a citizen's matter still takes it.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class KindActionsTests(DubanFactory factory)
{
    [Fact]
    public async Task CoreApprove_OnAReplyAwaitingEvaluation_IsRefusedNamingIt_WhileACitizenMatterIsApproved()
    {
        var office = factory.Desk.CppccOffice();
        var lead = (await office.MemberIds("cppcc", "cppcc-051"))[0];
        var id = (long)(await factory.Desk.Member("cppcc-051").Submit("cppcc", 2026, Unique("关于完善社区养老服务的提案"), lead))["id"]!;
        var dispatcher = factory.Desk.Dispatcher;

        // Submitted: the core's dispatch and reject are not the office's examination.
        var offered = (await dispatcher.Get(id))["availableActions"]!.AsArray().Select(a => (string?)a).ToList();
        Assert.DoesNotContain("dispatch", offered);
        Assert.DoesNotContain("reject", offered);
        var refused = await dispatcher.Try(id, "dispatch", new { leadUnitCode = "4407-mzj" }).Problem(HttpStatusCode.Conflict, "not_for_kind");
        Assert.Contains("dispatch", (string?)refused["title"], StringComparison.Ordinal);

        await office.Done(id, "accept", new { hostUnitCode = "4407-mzj" });
        await factory.Desk.Handler("4407-mzj").Done(id, "reply", new { category = "B", text = "已列入年度养老服务计划。" }, office);
        // Replied, the matter waits as completed work does; but only the proposer's evaluation finishes a proposal.
        var matter = await dispatcher.Get(id);
        Assert.Equal("pending_review", (string?)matter["status"]);
        offered = [.. matter["availableActions"]!.AsArray().Select(a => (string?)a)];
        Assert.DoesNotContain("approve", offered);
        Assert.DoesNotContain("send-back", offered);
        refused = await dispatcher.Try(id, "approve").Problem(HttpStatusCode.Conflict, "not_for_kind");
        Assert.Contains("approve", (string?)refused["title"], StringComparison.Ordinal);
        Assert.Equal("replied", (string?)(await office.Proposal(id))["status"]);
        // The core's steps the proposals keep are still offered: the supervisors put a proposal under key supervision as any matter.
        Assert.Contains("key-supervision", (await factory.Desk.Supervisor.Get(id))["availableActions"]!.AsArray().Select(a => (string?)a));

        // A citizen's matter completed by its unit: the same dispatcher is offered approve and approves it.
        var wages = await factory.Desk.Matter(NewMatter.Wages()).Lead("440781-rsj").PendingReviewAsync();
        Assert.Contains("approve", (await dispatcher.Get(wages))["availableActions"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("closed", (string?)(await dispatcher.Do(wages, "approve"))["status"]);
    }

    [Fact]
    public void Limits_OnOneKind_Intersect_AndLeaveTheOtherKindsWhole()
    {
        var kinds = new MatterKinds(MatterKinds.Core.Select(k => new KindRegistration(k)),
            [new KindActionLimit("cppcc_proposal", new HashSet<string> { "urge", "extension", "approve" }), new KindActionLimit("cppcc_proposal", new HashSet<string> { "urge", "extension" })]);
        Assert.Null(kinds.Refuses("cppcc_proposal", "urge"));
        Assert.Equal("not_for_kind", kinds.Refuses("cppcc_proposal", "approve")!.Code);
        Assert.Null(kinds.Refuses("complaint", "approve"));
        Assert.True(kinds.AnyLimitsActions);
    }
}
