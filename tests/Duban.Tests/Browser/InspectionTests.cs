using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class InspectionTests(BrowserApp web)
{
    [Fact]
    public async Task Citizen_SeesGroupOnesPhoneAndMailbox_AndFilesAReportAboutThePartySchool_AdminSeesTheRound()
    {
        // The shipped round ended on 2026-01-31: no round in force, the page says so and points to the ordinary form.
        var visitor = await web.NewPageAsync();
        await visitor.GotoAsync("/inspection");
        await Assertions.Expect(visitor.Locator("[data-testid=no-round]")).ToHaveTextAsync("目前没有正在进行的巡察。");
        Assert.Equal(0, await visitor.Locator("#subject").CountAsync());
        // The last round stays on record, said to be over: its numbers as text, no longer links to call or write.
        var ended = visitor.GetByTestId("ended-round");
        await Assertions.Expect(ended).ToContainTextAsync("十四届市委第八轮巡察");
        await Assertions.Expect(ended).ToContainTextAsync("2026-01-31");
        await Assertions.Expect(ended.GetByTestId("ended-groups")).ToContainTextAsync("18025812388");
        await Assertions.Expect(ended.GetByTestId("ended-groups")).ToContainTextAsync("jmswxcz001@jiangmen.gov.cn");
        Assert.Equal(0, await ended.Locator("a[href^='tel:'], a[href^='mailto:']").CountAsync());
        await web.ShotAsync(visitor, "inspection-ended");

        // An administrator enters a round in force today with the shipped round's groups.
        var admin = await web.App.As("admin");
        var shipped = (await admin.GetAsync("/api/v1/admin/rounds").Ok()).AsArray().Single(r => (string?)r!["name"] == "十四届市委第八轮巡察")!;
        var today = Clock.ChinaDate(web.App.Clock.GetUtcNow());
        var response = await admin.PostAsJsonAsync("/api/v1/admin/rounds", new JsonObject
        {
            ["name"] = "十四届市委第九轮巡察（测试）",
            ["from"] = today.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["to"] = today.AddDays(60).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["period"] = "测试期间",
            ["groups"] = new JsonArray(shipped["groups"]!.AsArray().Select(g => (JsonNode)new JsonObject
            {
                ["code"] = (string)g!["group"]!["code"]!,
                ["inspects"] = new JsonArray(g["inspects"]!.AsArray().Select(u => (JsonNode)JsonValue.Create((string)u!["code"]!)).ToArray()),
            }).ToArray()),
        });
        var round = await response.Json(System.Net.HttpStatusCode.Created);
        var id = (long)round["id"]!;
        try
        {
            // On a phone: the groups' table as the announcement gives it, nothing wider than the screen.
            var phone = await web.NewPageAsync(phone: true);
            await phone.GotoAsync("/inspection");
            Assert.Equal("向巡察组反映", await phone.Locator("h1").InnerTextAsync());
            await Assertions.Expect(phone.Locator("a[href='tel:18025812388']")).ToBeVisibleAsync();
            await Assertions.Expect(phone.Locator("a[href='mailto:jmswxcz001@jiangmen.gov.cn']")).ToBeVisibleAsync();
            Assert.True(await phone.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 360);
            await web.ShotAsync(phone, "inspection-phone");

            var page = await web.NewPageAsync();
            await page.GotoAsync("/inspection");
            var firstRow = page.Locator("[data-testid=round-groups] tbody tr").First;
            Assert.Contains("市委第一巡察组", await firstRow.InnerTextAsync());
            Assert.Contains("市直机关工委、市委党校", await firstRow.InnerTextAsync());
            Assert.Contains("18025812388", await firstRow.InnerTextAsync());
            Assert.Contains("jmswxcz001@jiangmen.gov.cn", await firstRow.InnerTextAsync());
            Assert.Contains("分级负责、属地管理", await page.Locator("main").InnerTextAsync());
            await web.ShotAsync(page, "inspection");

            // Nothing chosen: the form says so next to the field and keeps what was typed.
            await page.GetByLabel("标题").FillAsync("反映市委党校某负责人违规公款吃喝");
            await page.Locator("#content").FillAsync("该负责人多次以调研名义在酒店公款宴请，费用拆分报销。");
            await page.GetByLabel("匿名反映").CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "提交给巡察组" }).ClickAsync();
            await Assertions.Expect(page.Locator("#subject-error")).ToBeVisibleAsync();
            Assert.Equal("反映市委党校某负责人违规公款吃喝", await page.GetByLabel("标题").InputValueAsync());

            await page.GetByLabel("被反映单位").SelectOptionAsync(new SelectOptionValue { Label = "市委党校" });
            await page.GetByRole(AriaRole.Button, new() { Name = "提交给巡察组" }).ClickAsync();
            var receipt = (await page.Locator("[data-testid=receipt]").InnerTextAsync()).Trim();
            Assert.Matches(@"^JM-\d{4}-\d{6}$", receipt);
            Assert.Matches("^[A-Z0-9]{8}$", (await page.Locator("[data-testid=query-code]").InnerTextAsync()).Trim());

            // The administrator's list and the round's page.
            var console = await web.SignedInAsync("admin");
            await console.GotoAsync("/console/admin/rounds");
            Assert.Contains("十四届市委第九轮巡察（测试）", await console.Locator("[data-testid=rounds]").InnerTextAsync());
            await web.ShotAsync(console, "admin-rounds");
            await console.GotoAsync($"/console/admin/rounds/{id}");
            Assert.Equal("4407-xcz1", await console.GetByLabel("巡察组").First.InputValueAsync());
            await web.ShotAsync(console, "admin-round-edit");
            // Saved through the form: the groups go back as they were shown, the wording changes.
            await console.GetByLabel("时间表述").FillAsync("2026年冬季");
            await console.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
            await console.WaitForURLAsync("**/console/admin/rounds?done=saved");
            var saved = await admin.GetAsync($"/api/v1/admin/rounds/{id}").Ok();
            Assert.Equal(("2026年冬季", 2), ((string?)saved["period"], (int)saved["version"]!));
            Assert.Equal(["4407-szjggw", "4407-swdx"], saved["groups"]![0]!["inspects"]!.AsArray().Select(u => (string)u!["code"]!));
        }
        finally
        {
            // The other browser tests' reports must not be routed by a round of this test's making.
            var version = (int)(await admin.GetAsync($"/api/v1/admin/rounds/{id}").Ok())["version"]!;
            await (await admin.PostAsJsonAsync($"/api/v1/admin/rounds/{id}/withdraw", new { version, reason = "测试结束" })).Json(System.Net.HttpStatusCode.OK);
        }
    }
}
