using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Notifications;

/// <summary>
/// 交办通知 (issue 18): a unit hears at once that a matter was given to it, as the lead or a co-unit, and each language of
/// the console shows its own text (the Chinese page no English, the English page no Chinese).
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class AssignmentNoticesTests(DubanFactory factory)
{
    private Task<string> UnitAsync(string name) => factory.Desk.NewUnitAsync("an", name, null, ("h1", "handler"), ("ld", "leader"), ("en", "handler"));

    private static async Task<List<JsonNode>> NoticesAsync(HttpClient client, long matterId) =>
        [.. (await client.GetAsync("/api/v1/notifications?pageSize=100").Ok())["items"]!.AsArray().Select(i => i!)
            .Where(i => (long?)i["matterId"] == matterId)];

    [Fact]
    public async Task Dispatch_TellsTheLeadUnitAndTheCoUnit_WithTheirShareAndTheDeadline()
    {
        var lead = await UnitAsync("交办通知主办局");
        var co = await UnitAsync("交办通知协办局");
        var elsewhere = await UnitAsync("交办通知无关局");
        var id = await factory.Desk.Matter(NewMatter.Noise("台城某工地夜间施工噪声扰民", "440781")).Lead(lead, co).DispatchedAsync();

        var toLead = Assert.Single(await NoticesAsync(await factory.As(lead + "-h1"), id));
        Assert.Equal("dispatch", (string?)toLead["kind"]);
        Assert.StartsWith("【交办】", (string?)toLead["title"], StringComparison.Ordinal);
        Assert.Contains("台城某工地夜间施工噪声扰民", (string?)toLead["title"], StringComparison.Ordinal);
        Assert.Contains("主办", (string?)toLead["body"], StringComparison.Ordinal);
        Assert.Contains("前签收", (string?)toLead["body"], StringComparison.Ordinal);
        Assert.Contains("办理期限", (string?)toLead["body"], StringComparison.Ordinal);
        Assert.StartsWith("Dispatched to you: ", (string?)toLead["titleEn"], StringComparison.Ordinal);
        // The unit's leader hears it too; the co-unit its own share; a unit not given it nothing.
        Assert.Single(await NoticesAsync(await factory.As(lead + "-ld"), id));
        var toCo = Assert.Single(await NoticesAsync(await factory.As(co + "-h1"), id));
        Assert.Equal("co_dispatch", (string?)toCo["kind"]);
        Assert.StartsWith("【协办】", (string?)toCo["title"], StringComparison.Ordinal);
        Assert.Contains("协办", (string?)toCo["body"], StringComparison.Ordinal);
        Assert.Empty(await NoticesAsync(await factory.As(elsewhere + "-h1"), id));
    }

    [Fact]
    public async Task EachLanguage_ShowsItsOwnText_TheUrgeIncluded()
    {
        var unit = await UnitAsync("交办通知语言局");
        var id = await factory.Desk.Matter(NewMatter.Noise("北新区路灯不亮", "440781")).Lead(unit).DispatchedAsync();
        await (await factory.As("supervisor")).Do(id, "urge", new { note = "请本周内修复" });

        var notices = await NoticesAsync(await factory.As(unit + "-h1"), id);
        var urge = notices.Single(n => (string?)n["kind"] == "urge");
        Assert.DoesNotContain("urged", (string?)urge["body"], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("请本周内修复", (string?)urge["body"], StringComparison.Ordinal);
        Assert.Contains("urged the unit", (string?)urge["bodyEn"], StringComparison.Ordinal);

        var chinese = await (await factory.As(unit + "-h1")).GetStringAsync("/console/notifications");
        Assert.Contains("【交办】", chinese, StringComparison.Ordinal);
        Assert.Contains("【催办】", chinese, StringComparison.Ordinal);
        Assert.DoesNotContain("Dispatched to you", chinese, StringComparison.Ordinal);
        Assert.DoesNotContain("urged the unit", chinese, StringComparison.Ordinal);

        // Its own account switched to English (the culture cookie is the client's alone).
        var english = await factory.As(unit + "-en");
        await english.GetAsync("/culture?lang=en-US&returnUrl=/console/notifications");
        var page = await english.GetStringAsync("/console/notifications");
        Assert.Contains("Dispatched to you: ", page, StringComparison.Ordinal);
        Assert.Contains("urged the unit", page, StringComparison.Ordinal);
        Assert.DoesNotContain("【交办】", page, StringComparison.Ordinal);
        Assert.DoesNotContain("请本周内修复（第1次催办）", page, StringComparison.Ordinal);
    }
}
