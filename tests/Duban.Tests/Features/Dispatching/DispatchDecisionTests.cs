using System.Net;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Dispatching;

/// <summary>
/// Accepting a suggestion is one click (dispatch {"accept": true}); correcting it is the ordinary
/// dispatch with other units or another category; either way the dispatch event records the
/// suggestion beside the choice.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class DispatchDecisionTests(DubanFactory factory)
{
    private static JsonNode DispatchEvent(JsonNode matter) => matter["events"]!.AsArray().Last(e => (string?)e!["action"] == "dispatch")!;

    [Fact]
    public async Task Dispatch_Accept_TakesTheSuggestedUnitAndCategory_AndRecordsItAsAccepted()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(NewMatter.Wages());
        var done = await dispatcher.Do(id, "dispatch", new { accept = true });
        Assert.Equal("dispatched", (string?)done["status"]);

        var m = await dispatcher.Get(id);
        Assert.Equal("440781-rsj", (string?)m["leadUnit"]!["code"]);
        Assert.Equal("劳动和社会保障/拖欠工资", (string?)m["category"]);
        var suggestion = DispatchEvent(m)["data"]!["suggestion"]!;
        Assert.Equal("440781-rsj", (string?)suggestion["leadUnitCode"]);
        Assert.Equal("category_owner", (string?)suggestion["rule"]);
        Assert.Equal("keywords", (string?)suggestion["categorySource"]);
        Assert.True((bool)suggestion["accepted"]!);
        Assert.Empty(suggestion["corrected"]!.AsArray());
        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Fact]
    public async Task Dispatch_ToAnotherUnit_IsRecordedAsACorrection_AndLeavesTheCategoryUnset()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(NewMatter.Wages());
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = "440781001" });

        var m = await dispatcher.Get(id);
        Assert.Equal("440781001", (string?)m["leadUnit"]!["code"]);
        // The suggested category came with the suggested unit; with another unit it is not assumed.
        Assert.Null((string?)m["category"]);
        var suggestion = DispatchEvent(m)["data"]!["suggestion"]!;
        Assert.Equal("440781-rsj", (string?)suggestion["leadUnitCode"]);
        Assert.False((bool)suggestion["accepted"]!);
        Assert.Equal(["category", "leadUnitCode"], suggestion["corrected"]!.AsArray().Select(c => (string)c!));
    }

    [Fact]
    public async Task Dispatch_WithACategory_TakesTheCatalogueForm_AndACategoryOutsideTheCatalogueIs400()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(NewMatter.Wages());
        await dispatcher.Try(id, "dispatch", new { leadUnitCode = "440781-rsj", category = "工资问题" }).Problem(HttpStatusCode.BadRequest, "validation");

        await dispatcher.Do(id, "dispatch", new { leadUnitCode = "440781-rsj", category = " 劳动和社会保障 / 拖欠工资 " });
        var m = await dispatcher.Get(id);
        Assert.Equal("劳动和社会保障/拖欠工资", (string?)m["category"]);
        Assert.True((bool)DispatchEvent(m)["data"]!["suggestion"]!["accepted"]!);
    }

    [Fact]
    public async Task Dispatch_Accept_WithUnitsIs400_AndWithNoSuggestedUnitIs409()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(NewMatter.Wages());
        await dispatcher.Try(id, "dispatch", new { accept = true, leadUnitCode = "440781-rsj" }).Problem(HttpStatusCode.BadRequest, "validation");

        // A place in another city: no local unit is suggested, so there is nothing to accept.
        var elsewhere = await dispatcher.Register(NewMatter.Wages().At("广州市天河区五山街道"));
        await dispatcher.Try(elsewhere, "dispatch", new { accept = true }).Problem(HttpStatusCode.Conflict, "no_suggestion");
        Assert.Equal("received", (string?)(await dispatcher.Get(elsewhere))["status"]);
    }
}
