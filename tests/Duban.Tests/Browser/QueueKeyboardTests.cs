using System.Diagnostics;
using System.Globalization;
using Duban.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Duban.Tests.Browser;

/// <summary>
/// The dispatcher's desk by keyboard (issue 18): the page opens on the most urgent row, a accepts it (and a again
/// confirms a suggestion below the automatic dispatch's threshold), the next row comes up focused; ? shows the keys.
/// The time the keyboard path takes for N matters is written to the output (matters per hour, docs/BENCHMARKS.md);
/// the test asserts what happened, never how fast.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class QueueKeyboardTests(BrowserApp web, ITestOutputHelper output)
{
    private const int N = 10;

    [Fact]
    public async Task Dispatcher_DispatchesTenMattersByKeyboardAlone()
    {
        // 恩平's desk, requests only, oldest first: the queue holds exactly this test's matters, in the order registered.
        var api = await web.App.As("s-440785");
        var tag = Guid.NewGuid().ToString("N")[..6];
        var numbers = new List<string>();
        var ids = new List<long>();
        for (var i = 0; i < N; i++)
        {
            // Street lights, not the noise other tests merge: these are no one else's duplicates.
            var id = await api.Register(new NewMatter("request", $"横陂镇墟镇路灯不亮 {tag} {i}", "横陂镇墟镇路段路灯坏了多日，夜里行人看不清路，请尽快修复。")
                .At("恩平市横陂镇").In("440785"));
            ids.Add(id);
            numbers.Add((string)(await api.Get(id))["number"]!);
        }

        var page = await web.SignedInAsync("s-440785");
        await page.GotoAsync("/console/queue?kind=request&sort=oldest");
        // The first row is focused; j and k move between rows.
        await Assertions.Expect(page.GetByTestId("queue-" + numbers[0])).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("j");
        await Assertions.Expect(page.GetByTestId("queue-" + numbers[1])).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("k");
        await Assertions.Expect(page.GetByTestId("queue-" + numbers[0])).ToBeFocusedAsync();
        // The keys are on the page; ? shows them, and again hides them.
        var keys = page.Locator("#queue-keys");
        await Assertions.Expect(keys).Not.ToHaveAttributeAsync("open", "");
        await page.Keyboard.PressAsync("?");
        await Assertions.Expect(keys).ToHaveAttributeAsync("open", "");
        await Assertions.Expect(keys).ToContainTextAsync("不予受理");
        await page.Keyboard.PressAsync("?");
        await Assertions.Expect(keys).Not.ToHaveAttributeAsync("open", "");
        await web.ShotAsync(page, "console-queue-desk");

        var confirmed = 0;
        var clock = Stopwatch.StartNew();
        foreach (var number in numbers)
        {
            // The row up is the next of this test's matters, focused: a dispatches it (a again confirms a low confidence).
            await Assertions.Expect(page.GetByTestId("queue-" + number)).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("a");
            var box = page.Locator($"[data-confirm-box]:not([hidden]), [role=status]:has-text('{number}')");
            await Assertions.Expect(box.First).ToBeVisibleAsync();
            if (await page.Locator("[data-confirm-box]:not([hidden])").CountAsync() > 0)
            {
                confirmed++;
                await page.Keyboard.PressAsync("a");
            }
            await Assertions.Expect(page.Locator("[role=status]")).ToContainTextAsync(number + " 已交办");
        }
        clock.Stop();

        await Assertions.Expect(page.Locator("[data-queue-item]")).ToHaveCountAsync(0);
        foreach (var id in ids) Assert.Equal("dispatched", (string?)(await api.Get(id))["status"]);
        var perHour = N / clock.Elapsed.TotalHours;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"queue keyboard path: {N} matters in {clock.Elapsed.TotalSeconds:0.0} s ({confirmed} confirmed as low confidence): {perHour:0} matters an hour, by machine ({Environment.ProcessorCount} cores)"));
    }
}
