using Duban.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// The 12345 phone desk by keyboard alone (issue 19): the form opens on the caller's name; the operator types the call
/// field after field with Tab, sees the place resolved and the earlier matter like it found as they type, answers one
/// call on the spot (Alt+D: first to the answer, then saved and closed) and saves the next to be routed (Alt+S), each time
/// left on a fresh form for the next call.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class PhoneDeskTests(BrowserApp web)
{
    [Fact]
    public async Task Operator_LogsTwoCallsByKeyboard_OneAnsweredOnTheSpot_OneRouted()
    {
        var api = await web.App.As("dispatcher");
        var tag = Guid.NewGuid().ToString("N")[..6];
        // An earlier report of the same street lights: the desk shows it as a possible duplicate while the call is typed.
        var earlier = await api.Register(new NewMatter("complaint", $"横陂镇墟镇路灯整排不亮 {tag}", "横陂镇墟镇主街路灯整排不亮已有一周，夜里行人看不清路。")
            .At("恩平市横陂镇"));
        var earlierNumber = (string)(await api.Get(earlier))["number"]!;

        var page = await web.SignedInAsync("dispatcher");
        await page.GotoAsync("/console/calls/new");
        var keyboard = page.Keyboard;
        await Assertions.Expect(page.Locator("#call-name")).ToBeFocusedAsync();

        // The first call, typed field after field: a question settled on the spot.
        await keyboard.TypeAsync("梁先生");
        await keyboard.PressAsync("Tab");
        await Assertions.Expect(page.Locator("#call-phone")).ToBeFocusedAsync();
        await keyboard.TypeAsync("13712345678");
        await keyboard.PressAsync("Tab"); // the anonymous box, left unticked
        await keyboard.PressAsync("Tab");
        await Assertions.Expect(page.Locator("#call-title")).ToBeFocusedAsync();
        await keyboard.TypeAsync($"横陂镇墟镇路灯不亮 {tag}");
        await keyboard.PressAsync("Tab");
        await keyboard.TypeAsync("横陂镇墟镇主街的路灯整排不亮，夜里行人看不清路，想问什么时候修。");
        await keyboard.PressAsync("Tab");
        await Assertions.Expect(page.Locator("#call-location")).ToBeFocusedAsync();
        await keyboard.TypeAsync("恩平市横陂镇墟镇主街");
        await Assertions.Expect(page.GetByTestId("call-place")).ToContainTextAsync("横陂镇");
        await Assertions.Expect(page.GetByTestId("call-duplicates")).ToContainTextAsync(earlierNumber);
        await keyboard.PressAsync("Tab");
        await Assertions.Expect(page.Locator("#call-kind")).ToBeFocusedAsync();
        await web.ShotAsync(page, "console-phone-desk");

        // Alt+D with no answer yet goes to the answer; typed, Alt+D answers on the spot.
        await keyboard.PressAsync("Alt+d");
        await Assertions.Expect(page.Locator("#call-answer")).ToBeFocusedAsync();
        await keyboard.TypeAsync("已报修，路灯维护单位三个工作日内修复，可凭受理编号查询进度。");
        await keyboard.PressAsync("Alt+d");
        var receipt = page.GetByTestId("call-receipt");
        await Assertions.Expect(receipt).ToHaveAttributeAsync("data-status", "closed");
        await Assertions.Expect(receipt).ToContainTextAsync("已直接答复并办结");
        await Assertions.Expect(page.GetByTestId("call-code")).ToBeVisibleAsync();
        var answered = await receipt.GetAttributeAsync("data-number");

        // A fresh form, focused for the next call: an anonymous caller, saved to be routed (Alt+S).
        await Assertions.Expect(page.Locator("#call-name")).ToBeFocusedAsync();
        await Assertions.Expect(page.Locator("#call-title")).ToHaveValueAsync("");
        await keyboard.PressAsync("Tab");
        await keyboard.PressAsync("Tab");
        await keyboard.PressAsync("Space"); // anonymous
        await keyboard.PressAsync("Tab");
        await keyboard.TypeAsync($"台城某工厂拖欠工资 {tag}");
        await keyboard.PressAsync("Tab");
        await keyboard.TypeAsync("老板拖欠三个月工资不发。");
        await keyboard.PressAsync("Tab");
        await keyboard.TypeAsync("台山市台城街道");
        await keyboard.PressAsync("Alt+s");
        await Assertions.Expect(receipt).ToHaveAttributeAsync("data-status", "received");
        await Assertions.Expect(receipt).ToContainTextAsync("待派单队列");
        var routed = await receipt.GetAttributeAsync("data-number");

        var first = await api.Get(await api.IdOf(answered!));
        Assert.Equal(("closed", "phone"), ((string?)first["status"], (string?)first["channel"]));
        Assert.Equal("已报修，路灯维护单位三个工作日内修复，可凭受理编号查询进度。", (string?)first["outcome"]);
        var second = await api.Get(await api.IdOf(routed!));
        Assert.Equal(("received", "phone"), ((string?)second["status"], (string?)second["channel"]));
        Assert.True((bool)second["raiser"]!["anonymous"]!);
        Assert.StartsWith("440781", (string?)second["territoryCode"], StringComparison.Ordinal);
    }
}
