using System.Net;
using System.Net.Http.Json;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Matters;

/// <summary>Every move the workflow does not allow is refused with 409 and a reason; stale versions never overwrite.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class RefusedMoveTests(DubanFactory factory)
{
    private const string Town = "440704004";

    public static TheoryData<string, string, string> Refused => new()
    {
        // state the matter is in, who acts, the action that state does not allow
        { "received", "dispatcher", "accept" },
        { "received", "dispatcher", "progress" },
        { "received", "dispatcher", "complete" },
        { "received", "dispatcher", "approve" },
        { "received", "dispatcher", "send-back" },
        { "received", "dispatcher", "feedback" },
        { "received", "supervisor", "reopen" },
        { "received", "supervisor", "urge" },
        { "dispatched", "dispatcher", "dispatch" },
        { "dispatched", "h", "complete" },
        { "dispatched", "h", "progress" },
        { "dispatched", "dispatcher", "approve" },
        { "dispatched", "dispatcher", "reject" },
        { "in_progress", "h", "accept" },
        { "in_progress", "dispatcher", "approve" },
        { "in_progress", "dispatcher", "feedback" },
        { "in_progress", "dispatcher", "dispatch" },
        { "pending_review", "h", "complete" },
        { "pending_review", "h", "progress" },
        { "pending_review", "h", "return" },
        { "pending_review", "dispatcher", "merge" },
        { "closed", "h", "progress" },
        { "closed", "dispatcher", "approve" },
        { "closed", "dispatcher", "dispatch" },
        { "closed", "dispatcher", "urge" },
        { "closed", "dispatcher", "merge" },
        { "returned", "dispatcher", "accept" },
        { "returned", "dispatcher", "approve" },
        { "rejected", "dispatcher", "dispatch" },
        { "rejected", "supervisor", "reopen" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Action_NotAllowedInState_Is409WithReason(string state, string who, string action)
    {
        var id = await factory.Desk.Matter(NewMatter.Noise()).Lead(Town).InStateAsync(state);
        var dispatcher = await factory.As("dispatcher");
        var handler = await factory.As("h-" + Town);
        var actor = who == "h" ? handler : await factory.As(who);
        var before = await dispatcher.Get(id);
        // (A handler does not even see a matter before it is dispatched to its unit: that is a 404, tested elsewhere.)

        var body = await actor.Try(id, action, Body(action), reader: dispatcher).Problem(HttpStatusCode.Conflict, "invalid_transition");

        Assert.Contains(state, (string?)body["title"]);
        var after = await dispatcher.Get(id);
        Assert.Equal((int)before["version"]!, (int)after["version"]!);
        Assert.Equal(state, (string?)after["status"]);
    }

    [Fact]
    public async Task StaleVersion_Is409_AndChangesNothing()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register();
        var version = await dispatcher.Version(id);
        await dispatcher.Post($"/api/v1/matters/{id}/dispatch", new { version, leadUnitCode = Town });
        var stale = await dispatcher.Post($"/api/v1/matters/{id}/reject", new { version, reason = "重复" });
        var body = await stale.Json(HttpStatusCode.Conflict);
        Assert.Equal("stale_version", (string?)body["code"]);
        Assert.Equal("dispatched", (string?)(await dispatcher.Get(id))["status"]);
    }

    [Fact]
    public async Task MissingVersion_Is400()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register();
        await dispatcher.Post($"/api/v1/matters/{id}/dispatch", new { leadUnitCode = Town }).Problem(HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task TwoPeopleActingAtOnce_OneWinsOneGets409()
    {
        var dispatcher = await factory.As("dispatcher");
        var supervisor = await factory.As("supervisor");
        var id = await dispatcher.Register();
        var version = await dispatcher.Version(id);

        var results = await Task.WhenAll(
            dispatcher.PostAsJsonAsync($"/api/v1/matters/{id}/dispatch", new { version, leadUnitCode = Town }),
            supervisor.PostAsJsonAsync($"/api/v1/matters/{id}/dispatch", new { version, leadUnitCode = "440704-cgj" }),
            dispatcher.PostAsJsonAsync($"/api/v1/matters/{id}/reject", new { version, reason = "重复" }));

        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(2, results.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var m = await dispatcher.Get(id);
        Assert.Equal(version + 1, (int)m["version"]!);
        Assert.Equal(2, m.Actions().Count());
    }

    private static object? Body(string action) => action switch
    {
        "dispatch" => new { leadUnitCode = Town },
        "progress" => new { note = "进展" },
        "complete" => new { outcome = "结果" },
        "return" or "send-back" or "reopen" or "reject" => new { reason = "理由" },
        "feedback" => new { resolved = true, satisfaction = "satisfied" },
        "merge" => new { targetId = 1 },
        _ => null,
    };
}
