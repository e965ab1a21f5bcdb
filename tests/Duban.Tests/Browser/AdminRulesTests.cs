using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Features.Calendar;
using Duban.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// The administration pages for the rules (issue #6): the landing page, the dispatch catalogue, the
/// time-limit policies and the working-day calendar, as an administrator uses them in Chromium; and
/// the same not-found page as for a missing page for anyone who is not an administrator.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class AdminRulesTests(BrowserApp web)
{
    [Fact]
    public async Task Admin_OpensTheLanding_AndEachRulesPage()
    {
        var page = await web.SignedInAsync("admin");
        await page.GotoAsync("/console/admin");
        var areas = page.GetByTestId("admin-areas");
        foreach (var (name, href) in new[] { ("单位", "units"), ("用户与角色", "users"), ("巡察轮次", "rounds"), ("派单目录", "catalogue"), ("办理时限", "policies"), ("工作日历", "calendar") })
            await Assertions.Expect(areas.GetByRole(AriaRole.Link, new() { Name = name, Exact = true })).ToHaveAttributeAsync("href", "/console/admin/" + href);
        // The city's administrator may change everything the cards show: no "city only" remark.
        await Assertions.Expect(page.GetByTestId("city-only")).ToHaveCountAsync(0);
        await web.ShotAsync(page, "admin-landing");

        await areas.GetByRole(AriaRole.Link, new() { Name = "办理时限" }).ClickAsync();
        await page.WaitForURLAsync("**/console/admin/policies");
        var general = page.Locator("[data-policy=hotline-general]");
        await Assertions.Expect(general.GetByTestId("handle")).ToHaveTextAsync("7 日");
        await Assertions.Expect(general).ToContainTextAsync("投诉");
        await Assertions.Expect(page.Locator("[data-policy=petition]")).ToContainTextAsync("信访工作条例");
        await Assertions.Expect(page.GetByTestId("policy-file")).ToContainTextAsync("data/supervision/policies.json");
        await Assertions.Expect(page.GetByTestId("policies-how")).ToContainTextAsync("Duban:Supervision:PolicyFile");
        await Assertions.Expect(page.Locator("form")).ToHaveCountAsync(1); // the header's sign-out only: nothing to edit here
        await web.ShotAsync(page, "admin-policies");

        var phone = await web.NewPageAsync(phone: true);
        await phone.Context.AddCookiesAsync((await page.Context.CookiesAsync()).Select(c => new Microsoft.Playwright.Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        await phone.GotoAsync("/console/admin");
        await web.ShotAsync(phone, "admin-landing-360");
    }

    [Fact]
    public async Task Admin_AddsALocalDayOff_TheCalendarHonoursIt_AndWithdrawsIt()
    {
        var api = await web.App.As("admin");
        var page = await web.SignedInAsync("admin");
        await page.GotoAsync("/console/admin");
        await page.GetByTestId("admin-areas").GetByRole(AriaRole.Link, new() { Name = "工作日历" }).ClickAsync();
        await page.WaitForURLAsync("**/console/admin/calendar");
        // Next year: covered only once its arrangement is in (the State Council announces it each November).
        var next = Clock.ChinaDate(web.App.Clock.GetUtcNow()).Year + 1;
        await Assertions.Expect(page.GetByTestId("next-year")).ToContainTextAsync(CalendarData.Shipped.Years.Contains(next) ? "已录入" : "尚未录入");
        await web.ShotAsync(page, "admin-calendar");

        // A typhoon closes the city on Thursday 2026-12-03. First without a name: refused next to the field, the date kept.
        await page.GetByLabel("日期").FillAsync("2026-12-03");
        await page.GetByRole(AriaRole.Button, new() { Name = "录入一天" }).ClickAsync();
        await Assertions.Expect(page.Locator("#day-name-error")).ToContainTextAsync("名称");
        Assert.Equal("2026-12-03", await page.GetByLabel("日期").InputValueAsync());
        await page.Locator("#day-name").FillAsync("台风停工");
        await page.GetByLabel("备注").First.FillAsync("江门市防汛防旱防风指挥部通知");
        await page.GetByRole(AriaRole.Button, new() { Name = "录入一天" }).ClickAsync();
        await page.WaitForURLAsync("**/console/admin/calendar?year=2026&done=added");
        var row = page.Locator("tr[data-day='2026-12-03']");
        await Assertions.Expect(row).ToContainTextAsync("台风停工");
        await Assertions.Expect(row).ToContainTextAsync("管理员录入");
        await Assertions.Expect(row).ToContainTextAsync("admin");

        // Every working-day limit now skips it.
        var workday = await api.GetAsync("/api/v1/calendar/workday?date=2026-12-03").Ok();
        Assert.Equal((false, "台风停工"), ((bool)workday["workday"]!, (string?)workday["name"]));
        Assert.Equal("2026-12-04", (string?)(await api.GetAsync("/api/v1/calendar/add-workdays?date=2026-12-02&n=1").Ok())["result"]);
        await web.ShotAsync(page, "admin-calendar-day-added");

        await row.GetByRole(AriaRole.Button, new() { Name = "撤销" }).ClickAsync();
        await page.WaitForURLAsync("**/console/admin/calendar?year=2026&done=withdrawn");
        await Assertions.Expect(page.Locator("tr[data-day='2026-12-03']")).ToHaveCountAsync(0);
        Assert.True((bool)(await api.GetAsync("/api/v1/calendar/workday?date=2026-12-03").Ok())["workday"]!);
        Assert.Equal("2026-12-03", (string?)(await api.GetAsync("/api/v1/calendar/add-workdays?date=2026-12-02&n=1").Ok())["result"]);

        // A year typed with spaces, read by the add-year verb's parser; a bad line is named, the text kept.
        await page.Locator("#year-year").FillAsync("2099");
        await page.GetByLabel("该年的放假和调休").FillAsync("2099-01-01 off 元旦\n2099-13-01 off 元旦");
        await page.GetByRole(AriaRole.Button, new() { Name = "录入一年的安排" }).ClickAsync();
        await Assertions.Expect(page.Locator("#year-lines-error")).ToContainTextAsync("line 2");
        Assert.Contains("2099-13-01", await page.GetByLabel("该年的放假和调休").InputValueAsync(), StringComparison.Ordinal);
        await page.GetByLabel("该年的放假和调休").FillAsync("# 2099年安排\n2099-01-01 off 元旦\n2099-01-02\tday_off\t元旦\n2099-01-04  workday  元旦");
        await page.GetByRole(AriaRole.Button, new() { Name = "录入一年的安排" }).ClickAsync();
        await page.WaitForURLAsync("**/console/admin/calendar?year=2099&done=year");
        await Assertions.Expect(page.GetByTestId("covered")).ToContainTextAsync("管理员录入");
        await Assertions.Expect(page.Locator("tr[data-day='2099-01-04']")).ToContainTextAsync("上班");
        await Assertions.Expect(page.Locator("tr[data-day='2099-01-02']")).ToContainTextAsync("放假");
        Assert.True((bool)(await api.GetAsync("/api/v1/calendar/workday?date=2099-01-01").Ok())["covered"]!);
        await page.GetByTestId("covered").GetByRole(AriaRole.Button, new() { Name = "撤销该年的录入" }).ClickAsync();
        await page.WaitForURLAsync("**/console/admin/calendar?year=2099&done=withdrawn");
        await Assertions.Expect(page.GetByTestId("covered")).ToContainTextAsync("未录入");
    }

    [Fact]
    public async Task Admin_EditsTheCatalogue_AStaleVersionIsRefused_AFreshOneSavedAsTheNext()
    {
        var admin = await web.App.As("admin");
        var page = await web.SignedInAsync("admin");
        await page.GotoAsync("/console/admin/catalogue");
        var seen = int.Parse(await page.GetByTestId("catalogue-version").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await Assertions.Expect(page.GetByTestId("catalogue-categories").Locator("tr[data-path='劳动和社会保障/拖欠工资']")).ToContainTextAsync("人社局");
        await web.ShotAsync(page, "admin-catalogue");

        // Meanwhile another administrator saves a version through the API.
        var catalogue = await admin.GetAsync("/api/v1/dispatch/catalogue").Ok();
        var categories = catalogue["categories"]!.DeepClone().AsArray();
        Keywords(categories, "城乡建设", "路灯照明").Add("路灯坏了");
        await admin.PutAsJsonAsync("/api/v1/dispatch/catalogue", new { baseVersion = seen, name = (string?)catalogue["name"], categories, note = "另一位管理员" }).Ok();

        // The page edits what it showed: refused, with the reason next to the text, which is kept.
        var json = page.GetByLabel("目录 JSON");
        var edited = (await json.InputValueAsync()).Replace("\"keywords\": [", "\"keywords\": [ \"台风倒树\",", StringComparison.Ordinal);
        await json.FillAsync(edited);
        await page.GetByLabel("修改说明").FillAsync("加关键词");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存为新版本" }).ClickAsync();
        await Assertions.Expect(page.Locator("#catalogue-json-error")).ToContainTextAsync("请刷新");
        Assert.Contains("台风倒树", await json.InputValueAsync(), StringComparison.Ordinal);
        await web.ShotAsync(page, "admin-catalogue-stale");

        // Fresh: malformed JSON and an unknown owner are named; then saved as the version after the API's.
        await page.GotoAsync("/console/admin/catalogue");
        var fresh = await json.InputValueAsync();
        await json.FillAsync(fresh[..^2]);
        await page.GetByRole(AriaRole.Button, new() { Name = "保存为新版本" }).ClickAsync();
        await Assertions.Expect(page.Locator("#catalogue-json-error")).ToContainTextAsync("JSON 格式有误");
        await json.FillAsync(fresh.Replace("\"owner\": \"rsj\"", "\"owner\": \"nosuchbureau\"", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "保存为新版本" }).ClickAsync();
        await Assertions.Expect(page.Locator("#catalogue-json-error")).ToContainTextAsync("nosuchbureau");
        await Assertions.Expect(page.Locator("#catalogue-json-error")).ToContainTextAsync("劳动和社会保障");
        await json.FillAsync(fresh.Replace("\"keywords\": [", "\"keywords\": [ \"台风倒树\",", StringComparison.Ordinal));
        await page.GetByLabel("修改说明").FillAsync("加关键词：台风倒树");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存为新版本" }).ClickAsync();
        await page.WaitForURLAsync($"**/console/admin/catalogue?saved={seen + 2}");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"第 {seen + 2} 版");
        await Assertions.Expect(page.GetByTestId("catalogue-version")).ToHaveTextAsync((seen + 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.GetByTestId("catalogue-categories")).ToContainTextAsync("台风倒树");
        await Assertions.Expect(page.GetByTestId("catalogue-versions").Locator($"tr[data-version='{seen + 2}']")).ToContainTextAsync("加关键词：台风倒树");

        var now = await admin.GetAsync("/api/v1/dispatch/catalogue").Ok();
        Assert.Equal(seen + 2, (int)now["version"]!);
        var saved = now["categories"]!.AsArray();
        Assert.Contains("台风倒树", Keywords(saved, "城乡建设", "道路坑洼").Select(k => (string?)k));
        Assert.Contains("路灯坏了", Keywords(saved, "城乡建设", "路灯照明").Select(k => (string?)k)); // the other administrator's change stands

        // The download link gives the version's JSON, which the editor reads back.
        var link = page.GetByTestId("catalogue-current").GetByRole(AriaRole.Link, new() { Name = "下载 JSON" });
        var download = await page.APIRequest.GetAsync(await link.GetAttributeAsync("href") ?? "");
        Assert.Equal(200, download.Status);
        Assert.Equal(seen + 2, (int)JsonNode.Parse(await download.TextAsync())!["version"]!);
    }

    [Fact]
    public async Task OthersThanAdministrators_GetTheNotFoundPage_ACountyAdministratorReadsWithoutForms()
    {
        var dispatcher = await web.SignedInAsync("dispatcher");
        var missing = await dispatcher.GotoAsync("/console/admin/no-such-page");
        var missingText = await dispatcher.Locator("main").InnerTextAsync();
        foreach (var path in new[] { "/console/admin", "/console/admin/catalogue", "/console/admin/policies", "/console/admin/calendar" })
        {
            var response = await dispatcher.GotoAsync(path);
            Assert.Equal((int)HttpStatusCode.NotFound, response!.Status);
            Assert.Equal(missing!.Status, response.Status);
            Assert.Equal(missingText, await dispatcher.Locator("main").InnerTextAsync());
        }
        await web.ShotAsync(dispatcher, "admin-catalogue-dispatcher-404");

        await web.App.AsCountyAdmin(); // 台山市管理员 a-440781, made on first use
        var county = await web.SignedInAsync("a-440781");
        await county.GotoAsync("/console/admin");
        await Assertions.Expect(county.Locator("[data-area=catalogue] [data-testid=city-only]")).ToBeVisibleAsync();
        await Assertions.Expect(county.Locator("[data-area=calendar] [data-testid=city-only]")).ToBeVisibleAsync();
        await county.GotoAsync("/console/admin/catalogue");
        await Assertions.Expect(county.GetByTestId("catalogue-city-only")).ToBeVisibleAsync();
        await Assertions.Expect(county.Locator("textarea")).ToHaveCountAsync(0);
        await county.GotoAsync("/console/admin/calendar");
        await Assertions.Expect(county.GetByTestId("calendar-city-only")).ToBeVisibleAsync();
        await Assertions.Expect(county.Locator("form[method=post]")).ToHaveCountAsync(1); // sign-out only
        await Assertions.Expect(county.GetByTestId("calendar-year")).ToBeVisibleAsync();
    }

    private static JsonArray Keywords(JsonArray categories, string first, string second)
    {
        var child = categories.First(c => (string?)c!["name"] == first)!["children"]!.AsArray().First(c => (string?)c!["name"] == second)!.AsObject();
        if (child["keywords"] is not JsonArray words) child["keywords"] = words = [];
        return words;
    }
}

/// <summary>The calendar page's lines: read by the add-year verb's own parser once tabs stand for the spaces.</summary>
public sealed class CalendarYearTextTests
{
    [Fact]
    public void AsYearFile_SpacesAndTheAddDayWords_ReadAsTheFileFormat()
    {
        var text = "# 2027\r\n2027-01-01 off 元旦\n\n2027-02-06\twork\t春节\tSpring Festival\n  2027-10-01   day_off   国庆节 National Day\n2027-10-09 workday 国庆节\nyear 2027";
        var data = CalendarData.Parse(new StringReader(CalendarCli.AsYearFile(text)), "lines");
        var (entries, others) = CalendarCli.YearEntries(data, 2027);
        Assert.Empty(others);
        Assert.Equal(
            [("2027-01-01", "day_off", "元旦"), ("2027-02-06", "workday", "春节"), ("2027-10-01", "day_off", "国庆节 National Day"), ("2027-10-09", "workday", "国庆节")],
            entries.Select(e => (e.Day!, e.Kind!, e.Name!)).ToList());
        Assert.Equal([2026], CalendarCli.YearEntries(CalendarData.Parse(new StringReader("year\t2026\n"), "lines"), 2027).OtherYears);
    }

    [Theory]
    [InlineData("2027-01-01 holiday 元旦", "line 1")]
    [InlineData("2027-01-01 off 元旦\n2027-01-01 off 元旦", "line 2")]
    [InlineData("2027-01-01 off", "line 1")]
    public void AsYearFile_ABadLine_IsNamedByTheParser(string text, string named)
    {
        var e = Assert.Throws<InvalidDataException>(() => CalendarData.Parse(new StringReader(CalendarCli.AsYearFile(text)), "lines"));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }
}
