using System.Net;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Matters;

/// <summary>
/// The list's filters by category, place and period (GET /api/v1/matters), inside the caller's
/// scope, and the filtered list as XLSX (GET /api/v1/matters/export.xlsx).
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class MatterListFilterTests(DubanFactory factory)
{
    private sealed record Scene(string Marker, string Chuandao, string Taishan, string Jianghai);

    /// <summary>Three matters under one marker: 川岛镇 (环境保护, 10 March), 台山市 (城市管理, 11 May just after midnight China time), 江海区 (环境保护, 12 May).</summary>
    private async Task<Scene> SceneAsync()
    {
        var marker = "筛选" + Guid.NewGuid().ToString("N")[..8];
        async Task<string> Register(string title, string category, string territory, string receivedAt) =>
            (await factory.Desk.Matter(NewMatter.Plain($"{marker} {title}", territory, category)
                .ReceivedOn(DateTimeOffset.Parse(receivedAt, System.Globalization.CultureInfo.InvariantCulture))).MakeAsync()).Number;
        return new Scene(marker,
            await Register("川岛镇码头垃圾堆积", "环境保护", "440781115", "2026-03-10T23:30:00+08:00"),
            // 00:30 in China is still 10 May in UTC: the period is read in China dates.
            await Register("台山市区占道经营", "城市管理", "440781", "2026-05-11T00:30:00+08:00"),
            await Register("江海区工地扬尘", "环境保护", "440704", "2026-05-12T10:00:00+08:00"));
    }

    private static async Task<string[]> Numbers(HttpClient client, string marker, string query)
    {
        var page = await client.GetAsync($"/api/v1/matters?q={Uri.EscapeDataString(marker)}&pageSize=100&{query}").Ok();
        return [.. page["items"]!.AsArray().Select(i => (string)i!["number"]!).Order(StringComparer.Ordinal)];
    }

    private static string[] Sorted(params string[] numbers) => [.. numbers.Order(StringComparer.Ordinal)];

    [Fact]
    public async Task List_ByCategoryPlaceAndPeriod_ReturnsOnlyMatching()
    {
        var s = await SceneAsync();
        var supervisor = await factory.As("supervisor");

        Assert.Equal(Sorted(s.Chuandao, s.Taishan, s.Jianghai), await Numbers(supervisor, s.Marker, ""));
        Assert.Equal(Sorted(s.Chuandao, s.Jianghai), await Numbers(supervisor, s.Marker, "category=" + Uri.EscapeDataString("环境保护")));
        // A code is the place and everything beneath it; a name is a county's or a town's.
        Assert.Equal(Sorted(s.Chuandao, s.Taishan), await Numbers(supervisor, s.Marker, "place=440781"));
        Assert.Equal(Sorted(s.Chuandao), await Numbers(supervisor, s.Marker, "place=440781115"));
        Assert.Equal(Sorted(s.Chuandao, s.Taishan), await Numbers(supervisor, s.Marker, "place=" + Uri.EscapeDataString("台山")));
        Assert.Equal(Sorted(s.Chuandao), await Numbers(supervisor, s.Marker, "place=" + Uri.EscapeDataString("川岛镇")));
        Assert.Equal(Sorted(s.Jianghai), await Numbers(supervisor, s.Marker, "place=" + Uri.EscapeDataString("江海")));
        Assert.Equal(Sorted(s.Chuandao, s.Taishan, s.Jianghai), await Numbers(supervisor, s.Marker, "place=440700"));
        // Periods in China dates, both ends included.
        Assert.Equal(Sorted(s.Taishan, s.Jianghai), await Numbers(supervisor, s.Marker, "from=2026-05-11"));
        Assert.Equal(Sorted(s.Chuandao), await Numbers(supervisor, s.Marker, "to=2026-03-10"));
        Assert.Equal(Sorted(s.Taishan), await Numbers(supervisor, s.Marker, "from=2026-05-11&to=2026-05-11"));
        // Together.
        Assert.Equal(Sorted(s.Jianghai), await Numbers(supervisor, s.Marker, "category=" + Uri.EscapeDataString("环境保护") + "&from=2026-05-01"));
    }

    [Fact]
    public async Task List_Filters_StayInsideTheCallersScope()
    {
        var s = await SceneAsync();
        // Pengjiang's supervisor asks for Taishan's places: nothing of another county appears.
        Assert.Empty(await Numbers(await factory.As("s-440703"), s.Marker, "place=440781"));
        // Taishan's supervisor: only Taishan's, whatever the filter asks.
        var taishan = await factory.As("s-440781");
        Assert.Equal(Sorted(s.Chuandao), await Numbers(taishan, s.Marker, "category=" + Uri.EscapeDataString("环境保护")));
        Assert.Empty(await Numbers(taishan, s.Marker, "place=440704"));
    }

    [Fact]
    public async Task List_BadPlaceOrPeriod_IsRefused()
    {
        var supervisor = await factory.As("supervisor");
        await supervisor.GetAsync("/api/v1/matters?place=" + Uri.EscapeDataString("不存在的地方")).Problem(HttpStatusCode.BadRequest);
        await supervisor.GetAsync("/api/v1/matters?from=2026-05-02&to=2026-05-01").Problem(HttpStatusCode.BadRequest);
        await supervisor.GetAsync("/api/v1/matters/export.xlsx?light=blue").Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Export_WritesTheFilteredList_WithChineseHeaders()
    {
        var s = await SceneAsync();
        var supervisor = await factory.As("supervisor");
        var response = await supervisor.GetAsync($"/api/v1/matters/export.xlsx?q={Uri.EscapeDataString(s.Marker)}&category={Uri.EscapeDataString("环境保护")}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);

        var rows = Sheets.Rows(await response.Content.ReadAsByteArrayAsync(), "事项");
        Assert.Equal(["编号", "标题", "状态", "亮灯", "重点督办", "类别", "属地", "牵头单位", "受理时间", "办理期限", "超期", "进度"], rows[0]);
        Assert.Equal(3, rows.Count);
        var chuandao = rows.Single(r => r[0] == s.Chuandao);
        Assert.Equal("已受理", chuandao[2]);
        Assert.Equal("环境保护", chuandao[5]);
        Assert.Equal("广东省/江门市/台山市/川岛镇", chuandao[6]);
        Assert.Equal("2026-03-10 23:30", chuandao[8]);
        Assert.Contains(rows, r => r[0] == s.Jianghai);
        Assert.DoesNotContain(rows, r => r[0] == s.Taishan);

        // A county supervisor's export holds only what their list holds.
        var taishan = await factory.As("s-440781");
        var theirs = Sheets.Rows(await (await taishan.GetAsync($"/api/v1/matters/export.xlsx?q={Uri.EscapeDataString(s.Marker)}")).Content.ReadAsByteArrayAsync(), "事项");
        Assert.Equal(Sorted(s.Chuandao, s.Taishan), Sorted([.. theirs.Skip(1).Select(r => r[0])]));
    }

    [Fact]
    public async Task List_SentBack_HoldsWhatReturnedToTheUnitUntilItIsDoneAgain()
    {
        var marker = "退回" + Guid.NewGuid().ToString("N")[..8];
        var dispatcher = await factory.As("dispatcher");
        var supervisor = await factory.As("supervisor");
        var handler = await factory.As("h-440704004");
        Task<Made> Started(string title) => factory.Desk.Matter(NewMatter.Noise($"{marker} {title}")).Lead("440704004").MakeAsync("in_progress");
        var sentBack = await Started("审核退回");
        var reopened = await Started("办结后重新办理");
        var plain = await Started("正常办理");
        await handler.Do(sentBack.Id, "complete", new { outcome = "已处理" });
        await dispatcher.Do(sentBack.Id, "send-back", new { reason = "请补充处理照片" });
        await handler.Do(reopened.Id, "complete", new { outcome = "已处理" });
        await dispatcher.Do(reopened.Id, "approve");
        await supervisor.Do(reopened.Id, "reopen", new { reason = "群众反映仍未解决" });

        // The unit's own box: both returned matters, not the one that never left it.
        Assert.Equal(Sorted(sentBack.Number, reopened.Number), await Numbers(handler, marker, "sentBack=true"));
        Assert.Equal(Sorted(plain.Number), await Numbers(handler, marker, "sentBack=false"));
        // Done again, it leaves the box.
        await handler.Do(sentBack.Id, "complete", new { outcome = "已处理，附现场照片" });
        Assert.Equal(Sorted(reopened.Number), await Numbers(handler, marker, "sentBack=true"));
        // Another unit's handler sees none of them.
        Assert.Empty(await Numbers(await factory.As("h-440781115"), marker, "sentBack=true"));
    }

    /// <summary>?kind= and ?channel= filter the list and the export (they were once ignored); an unknown one is a 400 naming it.</summary>
    [Fact]
    public async Task List_ByKindAndChannel_ReturnsOnlyMatching_AndRefusesUnknownValues()
    {
        var marker = "类型渠道" + Guid.NewGuid().ToString("N")[..8];
        var supervisor = factory.Desk.Supervisor;
        var meetingTask = (await factory.Desk.Matter(NewMatter.Task($"{marker} 会议议定事项")).MakeAsync()).Number;
        var phoned = (await factory.Desk.Matter(NewMatter.Plain($"{marker} 电话反映噪音").Via("phone")).MakeAsync()).Number;
        var letter = (await factory.Desk.Matter(NewMatter.Plain($"{marker} 来信反映噪音").Via("letter")).MakeAsync()).Number;

        Assert.Equal(Sorted(meetingTask, phoned, letter), await Numbers(supervisor, marker, ""));
        Assert.Equal(Sorted(meetingTask), await Numbers(supervisor, marker, "kind=task"));
        Assert.Equal(Sorted(phoned, letter), await Numbers(supervisor, marker, "kind=complaint"));
        Assert.Equal(Sorted(phoned), await Numbers(supervisor, marker, "channel=phone"));
        Assert.Equal(Sorted(meetingTask), await Numbers(supervisor, marker, "channel=meeting&kind=task"));
        Assert.Empty(await Numbers(supervisor, marker, "channel=meeting&kind=complaint"));

        var kind = await supervisor.GetAsync("/api/v1/matters?kind=parade").Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("kind", (string?)kind["title"], StringComparison.Ordinal);
        var channel = await supervisor.GetAsync("/api/v1/matters/export.xlsx?channel=pigeon").Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("channel", (string?)channel["title"], StringComparison.Ordinal);
        var sheet = await supervisor.GetAsync($"/api/v1/matters/export.xlsx?q={Uri.EscapeDataString(marker)}&channel=letter");
        Assert.Equal(HttpStatusCode.OK, sheet.StatusCode);
        var rows = Sheets.Rows(await sheet.Content.ReadAsByteArrayAsync(), "事项");
        Assert.Equal([letter], rows.Skip(1).Select(r => r[0]).ToArray());
    }
}
