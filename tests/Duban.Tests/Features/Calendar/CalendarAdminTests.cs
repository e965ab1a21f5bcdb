using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Features.Calendar;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Calendar;

/// <summary>
/// An administrator's days on the working-day calendar, through the API: a local day off moves
/// the working days of every holder of the calendar (a return window among them) on this node at
/// once and on another node at its next refresh; withdrawing it restores them; a newly announced
/// year becomes covered. Each test has its own deployment: the days it adds would move the
/// windows of other tests' matters.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class CalendarAdminTests(DubanFactory shared)
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    // Wednesday 23 December 2026, 10:00 China time: two working days to return, Thursday 24 and Friday 25.
    // In UTC: DubanFactory.AsCountyAdmin writes the clock's time as it is, and PostgreSQL takes UTC only.
    private static readonly DateTimeOffset Dispatched = new DateTimeOffset(2026, 12, 23, 10, 0, 0, China).ToUniversalTime();

    private static DateOnly D(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> AddWorkdays(HttpClient client, string date, int n) =>
        (string)(await client.GetAsync($"/api/v1/calendar/add-workdays?date={date}&n={n}").Ok())["result"]!;

    private static async Task<bool> IsWorkday(HttpClient client, string date) =>
        (bool)(await client.GetAsync($"/api/v1/calendar/workday?date={date}").Ok())["workday"]!;

    [Fact]
    public async Task LocalDayOff_MovesAddWorkdaysAndTheReturnWindow_OnEveryNode_WithdrawingRestoresIt_Audited()
    {
        await using var app = DubanFactory.StartingAt(Dispatched);
        await app.InitializeAsync();
        // The other node refreshes only when told: nothing but the test's call can show it the change.
        await using var second = app.Sibling();
        second.Settings["Duban:Calendar:RefreshSeconds"] = "86400";
        await second.InitializeAsync();
        var admin = app.Desk.Admin;
        var dispatcher = app.Desk.Dispatcher;
        var handler = app.Desk.Handler("440781-rsj");
        var onSecond = await second.As("h-440781-rsj");
        var calendar = app.Services.GetRequiredService<WorkCalendar>();
        var secondCalendar = second.Services.GetRequiredService<WorkCalendar>();
        var secondDays = second.Services.GetRequiredService<CalendarDays>();

        var returned = await app.Desk.Matter(NewMatter.Wages("台城某工厂拖欠工资")).Lead("440781-rsj").DispatchedAsync();
        var kept = await app.Desk.Matter(NewMatter.Wages("台城某酒店拖欠工资")).Lead("440781-rsj").DispatchedAsync();
        Assert.Equal("2026-12-25", await AddWorkdays(handler, "2026-12-23", 2));

        var added = await (await admin.PostAsJsonAsync("/api/v1/calendar/days",
            new { day = "2026-12-24", kind = "day_off", name = " 台风停工 ", note = "台风“海燕”登陆，全市停工一天" })).Json(HttpStatusCode.Created);
        var id = (long)added["id"]!;
        Assert.Equal(("2026-12-24", "day_off", "台风停工", "admin", true),
            ((string?)added["day"], (string?)added["kind"], (string?)added["name"], (string?)added["createdBy"], (bool)added["active"]!));

        // This node: at once, in the calendar every feature holds.
        Assert.False(calendar.IsWorkday(D("2026-12-24")));
        Assert.Equal("台风停工", calendar.HolidayName(D("2026-12-24")));
        Assert.False(await IsWorkday(handler, "2026-12-24"));
        Assert.Equal("2026-12-28", await AddWorkdays(handler, "2026-12-23", 2));

        // The other node: after its refresh.
        Assert.True(secondCalendar.IsWorkday(D("2026-12-24")));
        Assert.True(await secondDays.RefreshAsync());
        Assert.False(secondCalendar.IsWorkday(D("2026-12-24")));
        Assert.False(await IsWorkday(onSecond, "2026-12-24"));
        Assert.Equal("2026-12-28", await AddWorkdays(onSecond, "2026-12-23", 2));
        Assert.False(await secondDays.RefreshAsync()); // nothing changed since

        // Any signed-in user sees the day in the year's list, with its id and where it comes from.
        var year = await handler.GetAsync("/api/v1/calendar/days?year=2026").Ok();
        var listed = year["days"]!.AsArray().Single(d => (string?)d!["day"] == "2026-12-24")!;
        Assert.Equal(("added", id, "台风停工"), ((string?)listed["source"], (long)listed["id"]!, (string?)listed["name"]));
        Assert.Equal("shipped", (string?)year["days"]!.AsArray().Single(d => (string?)d!["day"] == "2026-10-01")!["source"]);
        Assert.True((bool)year["covered"]!);

        // Saturday 26 December, 09:00: past the window as dispatched (end of Friday 25), inside it with the day off (end of Monday 28).
        app.Desk.MoveTo(new DateTimeOffset(2026, 12, 26, 9, 0, 0, China));
        await handler.Do(returned, "return", new { reason = "欠薪发生在台城街道辖区企业，应由街道先行调解" }, reader: dispatcher);
        var m = await dispatcher.Get(returned);
        Assert.Equal("returned", (string?)m["status"]);
        Assert.Equal(new DateTimeOffset(2026, 12, 29, 0, 0, 0, China), (DateTimeOffset)m["returns"]!.AsArray().Single()!["windowEndsAt"]!);

        // Withdrawn: the day is a working day again and the other matter's window closed on Friday.
        var withdrawn = await admin.DeleteAsync($"/api/v1/calendar/days/{id}").Ok();
        Assert.False((bool)withdrawn["active"]!);
        Assert.True(calendar.IsWorkday(D("2026-12-24")));
        Assert.Equal("2026-12-25", await AddWorkdays(handler, "2026-12-23", 2));
        await handler.Try(kept, "return", new { reason = "不属于本单位职责" }, reader: dispatcher).Problem(HttpStatusCode.Conflict, "return_window_closed");
        await admin.DeleteAsync($"/api/v1/calendar/days/{id}").Problem(HttpStatusCode.Conflict, "already_withdrawn");
        await admin.DeleteAsync("/api/v1/calendar/days/999999").Problem(HttpStatusCode.NotFound);
        Assert.True(await secondDays.RefreshAsync());
        Assert.True(secondCalendar.IsWorkday(D("2026-12-24")));
        Assert.DoesNotContain((await handler.GetAsync("/api/v1/calendar/days?year=2026").Ok())["days"]!.AsArray(), d => (string?)d!["day"] == "2026-12-24");

        // Only the city's administrators change the calendar.
        var body = new { day = "2026-12-31", kind = "day_off", name = "台风停工" };
        await dispatcher.PostAsJsonAsync("/api/v1/calendar/days", body).Problem(HttpStatusCode.Forbidden);
        await handler.PostAsJsonAsync("/api/v1/calendar/days", body).Problem(HttpStatusCode.Forbidden);
        await (await app.AsCountyAdmin()).PostAsJsonAsync("/api/v1/calendar/days", body).Problem(HttpStatusCode.Forbidden);
        await dispatcher.PostAsJsonAsync("/api/v1/calendar/years/2027", new { entries = new[] { new { day = "2027-10-01", kind = "day_off", name = "国庆节" } } })
            .Problem(HttpStatusCode.Forbidden);
        await dispatcher.DeleteAsync($"/api/v1/calendar/days/{id}").Problem(HttpStatusCode.Forbidden);
        Assert.True(calendar.IsWorkday(D("2026-12-31")));

        await using var scope = app.Scope();
        var db = app.Db(scope);
        var rows = await db.CalendarDays.AsNoTracking().ToListAsync();
        Assert.Equal([(id, false, "台风“海燕”登陆，全市停工一天")], rows.Select(r => (r.Id, r.Active, r.Note)));
        var events = await db.Events.Where(e => EF.Functions.Like(e.Action, "calendar%")).OrderBy(e => e.Seq)
            .Select(e => new { e.Action, e.ActorName, e.Reason, e.Data }).ToListAsync();
        Assert.Equal(["calendar_day_added", "calendar_day_withdrawn"], events.Select(e => e.Action));
        Assert.Equal("台风“海燕”登陆，全市停工一天", events[0].Reason);
        Assert.All(events, e => Assert.Contains("2026-12-24", e.Data, StringComparison.Ordinal));
        Assert.True((await app.Verify(db)).Intact);
    }

    [Fact]
    public async Task AddYear_MakesItCovered_WithItsDaysOffAndAdjustedWorkingDays_AllOrNothing_BadInput400()
    {
        await using var app = DubanFactory.StartingAt(Dispatched);
        await app.InitializeAsync();
        var admin = await app.As("admin");
        var leader = await app.As("leader");
        var calendar = app.Services.GetRequiredService<WorkCalendar>();
        Assert.False(calendar.Covers(2027));
        Assert.Equal("2027-10-01", await AddWorkdays(leader, "2027-09-30", 1));
        var before = await leader.GetAsync("/api/v1/calendar/days?year=2027").Ok();
        Assert.Equal((false, 261, 0), ((bool)before["covered"]!, (int)before["workdays"]!, before["days"]!.AsArray().Count));

        // 2027 as the State Council would announce it: 元旦, and National Day with two weekend days worked.
        object E(string day, string kind, string name) => new { day, kind, name };
        var entries = new List<object> { E("2027-01-01", "day_off", "元旦"), E("2027-09-26", "workday", "国庆节"), E("2027-10-09", "workday", "国庆节") };
        for (var d = 1; d <= 7; d++) entries.Add(E($"2027-10-0{d}", "day_off", "国庆节"));

        // All or nothing: one bad day refuses the whole year.
        await admin.PostAsJsonAsync("/api/v1/calendar/years/2027", new { entries = entries.Append(E("2028-01-01", "day_off", "元旦")) })
            .Problem(HttpStatusCode.BadRequest, "validation");
        await admin.PostAsJsonAsync("/api/v1/calendar/years/2027", new { entries = entries.Append(E("2027-10-01", "day_off", "国庆节")) })
            .Problem(HttpStatusCode.BadRequest, "validation");
        await admin.PostAsJsonAsync("/api/v1/calendar/years/2027", new { entries = Array.Empty<object>() }).Problem(HttpStatusCode.BadRequest, "validation");
        await admin.PostAsJsonAsync("/api/v1/calendar/years/1999", new { entries = new[] { E("1999-10-01", "day_off", "国庆节") } })
            .Problem(HttpStatusCode.BadRequest, "validation");
        await using (var scope = app.Scope()) Assert.Equal(0, await app.Db(scope).CalendarDays.CountAsync());
        Assert.False(calendar.Covers(2027));

        var added = await (await admin.PostAsJsonAsync("/api/v1/calendar/years/2027",
            new { entries, note = "国办发明电〔2026〕X号" })).Json(HttpStatusCode.Created);
        Assert.Equal(10, added["entries"]!.AsArray().Count);
        var yearId = (long)added["id"]!;

        Assert.True(calendar.Covers(2027));
        Assert.Contains(2027, calendar.Years);
        Assert.Equal("2027-10-08", await AddWorkdays(leader, "2027-09-30", 1));
        Assert.Equal("2027-10-09", await AddWorkdays(leader, "2027-09-30", 2)); // the adjusted Saturday counts
        Assert.True(await IsWorkday(leader, "2027-09-26"));
        Assert.Equal(257, calendar.WorkdaysBetween(D("2026-12-31"), D("2027-12-31"))); // 261 − 6 weekdays off + 2 weekend days worked
        var year = await leader.GetAsync("/api/v1/calendar/days?year=2027").Ok();
        Assert.Equal((true, 257, 10), ((bool)year["covered"]!, (int)year["workdays"]!, year["days"]!.AsArray().Count));
        Assert.Equal(("added", yearId), ((string?)year["coverage"]![0]!["source"], (long)year["coverage"]![0]!["id"]!));
        var covered = await leader.GetAsync("/api/v1/calendar/add-workdays?date=2027-09-30&n=1").Ok();
        Assert.True((bool)covered["covered"]!);

        // A shipped year may be amended: the day given replaces the shipped one.
        await (await admin.PostAsJsonAsync("/api/v1/calendar/years/2026",
            new { entries = new[] { E("2026-10-07", "workday", "国庆节") }, note = "本市十月七日照常上班" })).Json(HttpStatusCode.Created);
        Assert.True(calendar.IsWorkday(D("2026-10-07")));
        var amended = (await leader.GetAsync("/api/v1/calendar/days?year=2026").Ok())["days"]!.AsArray().Single(d => (string?)d!["day"] == "2026-10-07")!;
        Assert.Equal(("added", "day_off"), ((string?)amended["source"], (string?)amended["replaces"]!["kind"]));

        // Withdrawing the year's row: the year is no longer covered (its days stay until withdrawn one by one).
        await admin.DeleteAsync($"/api/v1/calendar/days/{yearId}").Ok();
        Assert.False(calendar.Covers(2027));

        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            var events = await db.Events.Where(e => EF.Functions.Like(e.Action, "calendar%")).OrderBy(e => e.Seq).Select(e => new { e.Action, e.Reason }).ToListAsync();
            Assert.Equal(["calendar_year_added", "calendar_year_added", "calendar_day_withdrawn"], events.Select(e => e.Action));
            Assert.Equal("国办发明电〔2026〕X号", events[0].Reason);
            Assert.True((await app.Verify(db)).Intact);
        }
    }

    public static TheoryData<string> BadDays => new()
    {
        """{"day":"2026/12/24","kind":"day_off","name":"台风停工"}""",
        """{"day":"2026-02-30","kind":"day_off","name":"台风停工"}""",
        """{"day":"1999-12-24","kind":"day_off","name":"台风停工"}""",
        """{"day":"2101-01-03","kind":"day_off","name":"台风停工"}""",
        """{"kind":"day_off","name":"台风停工"}""",
        """{"day":"2026-12-24","kind":"holiday","name":"台风停工"}""",
        """{"day":"2026-12-24","name":"台风停工"}""",
        """{"day":"2026-12-24","kind":"day_off","name":"  "}""",
        """{"day":"2026-12-24","kind":"day_off","name":"台风停工台风停工台风停工台风停工台风停工台风停工台风停工台风停工台风停工台风停工台风停工台风停工台风停"}""",
        """{"day":"2026-12-24","kind":"day_off","name":"台风\n停工"}""",
        """{"day":"2026-12-24","kind":"day_off","name":"台风停工","note":"\u0000"}""",
    };

    [Theory]
    [MemberData(nameof(BadDays))]
    public async Task AddDay_BadInput_400_NothingAdded(string body)
    {
        var app = shared;
        var admin = await app.As("admin");
        var before = await Count(app);
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        await admin.PostAsync("/api/v1/calendar/days", content).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(before, await Count(app));
    }

    [Theory]
    [InlineData("/api/v1/calendar/days?year=twenty")]
    [InlineData("/api/v1/calendar/days")]
    [InlineData("/api/v1/calendar/workday?date=2026-13-01")]
    [InlineData("/api/v1/calendar/add-workdays?date=2026-12-23&n=-1")]
    [InlineData("/api/v1/calendar/add-workdays?date=2026-12-23&n=99999")]
    [InlineData("/api/v1/calendar/add-workdays?date=2026-12-23")]
    public async Task Queries_BadInput_400(string url) =>
        await (await shared.As("dispatcher")).GetAsync(url).Problem(HttpStatusCode.BadRequest, "validation");

    [Fact]
    public async Task Queries_NeedASignIn() =>
        Assert.Equal(HttpStatusCode.Unauthorized, (await shared.CreateClient().GetAsync("/api/v1/calendar/workday?date=2026-12-24")).StatusCode);

    private static async Task<int> Count(DubanFactory app)
    {
        await using var scope = app.Scope();
        return await app.Db(scope).CalendarDays.CountAsync();
    }
}
