using System.Net;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Matters;

/// <summary>
/// What the registry promises holds at its edges: <c>availableActions</c> lists only actions that
/// can succeed, and malformed input to a registered action or form is a 400 that names the field, never a 500.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class RegistryEdgeTests(DubanFactory factory)
{
    /// <summary>An emergency complaint (hotline-emergency names no reason to pause) in progress, without a plan.</summary>
    private async Task<long> InProgressEmergencyAsync()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(new
        {
            kind = "complaint",
            channel = "phone",
            urgency = "emergency",
            title = "台城某路段燃气泄漏 " + Guid.NewGuid().ToString("N")[..6],
            content = "闻到明显燃气味。",
            territoryCode = "440781",
            anonymous = true,
        });
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = "440781-rsj" });
        await (await factory.As("h-440781-rsj")).Do(id, "accept", reader: dispatcher);
        return id;
    }

    [Fact]
    public async Task AvailableActions_ListsOnlyWhatCanSucceed_NoPauseUnderAPolicyWithout_NoMilestoneWithoutAPlan()
    {
        var id = await InProgressEmergencyAsync();
        var handler = await factory.As("h-440781-rsj");
        var offered = (await handler.Get(id))["availableActions"]!.AsArray().Select(a => (string)a!).ToList();
        Assert.Contains("progress", offered);
        Assert.DoesNotContain("pause", offered);
        Assert.DoesNotContain("milestone", offered);
        // What is not offered indeed fails.
        await handler.Try(id, "pause", new { kind = "awaiting_raiser", reason = "等待补充" }).Problem(HttpStatusCode.Conflict, "pause_not_allowed");
        await handler.Try(id, "milestone", new { seq = 1 }).Problem(HttpStatusCode.Conflict, "no_open_milestone");
    }

    [Fact]
    public async Task NullElements_InSplitAndDispatch_AreA400NamingTheField()
    {
        var id = await InProgressEmergencyAsync();
        var handler = await factory.As("h-440781-rsj");
        var split = await handler.Try(id, "split", new { children = new object?[] { null } }).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("children[0]", (string?)split["title"], StringComparison.Ordinal);
        var co = await handler.Try(id, "split", new { children = new[] { new { title = "排查", leadUnitCode = "440781115", coUnitCodes = new string?[] { null } } } })
            .Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("coUnitCodes", (string?)co["title"], StringComparison.Ordinal);

        var dispatcher = await factory.As("dispatcher");
        var waiting = await dispatcher.Register(Api.Matter("台城某小区路灯不亮 " + Guid.NewGuid().ToString("N")[..6], "440781"));
        await dispatcher.Try(waiting, "dispatch", new { leadUnitCode = "440781-rsj", coUnitCodes = new string?[] { null } }).Problem(HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task AFormsDateAtTheEndOfTime_IsNoDate_NotA500()
    {
        var id = await InProgressEmergencyAsync();
        var dispatcher = await factory.As("dispatcher");
        await dispatcher.Do(id, "urge", new { note = "请加快" });
        var supervisor = await PageForms.SignedInAsync(factory, "supervisor");
        var html = await supervisor.GetStringAsync($"/console/matters/{id}");
        var version = (int)(await dispatcher.Get(id))["version"]!;
        // The reopen form is not offered (the matter is open): its post is answered by the action, with the date read as none.
        var posted = await supervisor.PostAsync($"/console/matters/{id}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "reopen",
            ["__RequestVerificationToken"] = PageForms.Token(html),
            ["version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["reason"] = "复查",
            ["due"] = "9999-12-31",
        }));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Contains("不能执行", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
