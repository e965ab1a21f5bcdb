using System.Net;
using System.Net.Http.Json;
using Duban.Tests.Infrastructure;

using static Duban.Tests.Features.Proposals.Proposing;

namespace Duban.Tests.Features.Proposals;

/// <summary>交办会: many submitted proposals accepted and assigned in one request, each its own audited step on its own chain.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class AssignmentMeetingTests(DubanFactory factory)
{
    [Fact]
    public async Task Meeting_AssignsEach_AuditedOnItsOwnChain_AndReportsTheOneRefused()
    {
        var office = factory.Desk.CppccOffice();
        var lead = (await office.MemberIds("cppcc", "cppcc-071"))[0];
        var member = factory.Desk.Member("cppcc-071");
        var ids = new List<long>();
        foreach (var t in new[] { "关于推进侨乡文旅融合的提案", "关于优化公交线网的提案", "关于加强食品安全共治的提案" })
            ids.Add((long)(await member.Submit("cppcc", 2026, Unique(t), lead))["id"]!);
        // The third is not accepted before the meeting: the meeting refuses it alone.
        await office.Done(ids[2], "not-accept", new { reason = "属于个人诉求" });
        async Task<int> Version(long id) => (int)(await office.Proposal(id))["version"]!;
        object Item(long id, int version, string host, params string[] co) => new { id, version, hostUnitCode = host, coHostUnitCodes = co };
        var items = new[] { Item(ids[0], await Version(ids[0]), "4407-swj", "4407-fgj"), Item(ids[1], await Version(ids[1]), "4407-jtj"), Item(ids[2], await Version(ids[2]), "4407-scjgj") };

        // Only the body's office holds the meeting; the request is checked whole first.
        await member.PostAsJsonAsync("/api/v1/proposals/assignment-meeting", new { body = "cppcc", items }).Problem(HttpStatusCode.Forbidden);
        await factory.Desk.NpcOffice().PostAsJsonAsync("/api/v1/proposals/assignment-meeting", new { body = "cppcc", items }).Problem(HttpStatusCode.Forbidden);
        Assert.Contains("items[1].hostUnitCode", (string?)(await office.PostAsJsonAsync("/api/v1/proposals/assignment-meeting",
            new { body = "cppcc", items = new[] { items[0], new { id = ids[1], version = 1 } } }).Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        Assert.Contains("items[1].id", (string?)(await office.PostAsJsonAsync("/api/v1/proposals/assignment-meeting",
            new { body = "cppcc", items = new[] { items[0], items[0] } }).Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        Assert.Equal("submitted", (string?)(await office.Proposal(ids[0]))["status"]);

        var done = await office.PostAsJsonAsync("/api/v1/proposals/assignment-meeting", new { body = "cppcc", meeting = "2026年提案交办会", items }).Ok();
        Assert.Equal((2, 1), ((int)done["assigned"]!, (int)done["refused"]!));
        Assert.Equal([true, true, false], done["results"]!.AsArray().Select(r => (bool)r!["assigned"]!));
        Assert.Equal(("invalid_transition", 409), ((string?)done["results"]![2]!["code"], (int)done["results"]![2]!["status"]!));

        var first = await office.Proposal(ids[0]);
        Assert.Equal(("assigned", "4407-swj", "4407-fgj"), ((string?)first["status"], (string?)first["hostUnit"]!["code"], (string?)first["coHostUnits"]![0]!["code"]));
        Assert.Equal("4407-jtj", (string?)(await office.Proposal(ids[1]))["hostUnit"]!["code"]);
        // Each assignment is the proposal's own audited step, noting the meeting.
        var matter = await office.Get(ids[1]);
        Assert.Equal(["proposal-submit", "proposal-accept"], matter.Actions());
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        Assert.Equal("2026年提案交办会", db.Events.Where(e => e.MatterId == ids[1] && e.Action == "proposal-accept").Select(e => e.Reason).Single());
        Assert.True((await factory.Verify(db)).Intact);
    }
}
