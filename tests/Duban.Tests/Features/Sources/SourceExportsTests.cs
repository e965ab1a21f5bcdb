using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Features.Figures;
using Duban.Tests.Features.Figures.Pdf;
using Duban.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

using static Duban.Tests.Features.Sources.NewSource;

namespace Duban.Tests.Features.Sources;

/// <summary>
/// The sources' ledger (台账, XLSX) and a source's assignment slip (交办单, PDF): what they list is what the caller sees
/// of the sources, item by item, and a campaign's measures are summed across the campaigns listed.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class SourceExportsTests(DubanFactory factory)
{
    private const string Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    // The ledger's columns.
    private const int Type = 0, Title = 1, Owner = 3, SourceStatus = 4, Number = 7, ItemTitle = 8, Lead = 9, Co = 10, Due = 11, ItemStatus = 12, ItemLight = 13;

    private string Day(int days) => NewSource.Day(factory, days);

    private object Instruction(string title, params object[] items) => NewSource.Instruction(factory, title, items);

    private object Campaign(string title, bool confidential, object[] measures, params object[] items) => new
    {
        type = "campaign",
        title,
        date = Day(0),
        ownerUnitCode = "4407-jw",
        confidential,
        leadUnitCode = "4407-jw",
        unitCodes = new[] { "4407-yzj" },
        measures,
        items,
    };

    private static async Task<List<string[]>> Ledger(HttpClient client, string query = "", string file = "sources-ledger.xlsx")
    {
        var response = await client.GetAsync("/api/v1/sources/ledger.xlsx" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Xlsx, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(file, response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var rows = Sheets.Rows(bytes, "台账");
        Assert.Equal(["来源类型", "来源标题", "日期", "督办单位", "来源状态", "来源进度", "来源亮灯", "事项编号", "事项标题", "牵头单位", "配合单位",
            "完成时限", "事项状态", "事项亮灯", "事项进度"], rows[0]);
        return rows;
    }

    private static async Task<List<string[]>> Measures(HttpClient client, string query = "")
    {
        var bytes = await client.GetByteArrayAsync("/api/v1/sources/ledger.xlsx" + query);
        return Sheets.Rows(bytes, "成效指标");
    }

    [Fact]
    public async Task Ledger_HasARowPerItem_WithItsUnitsDueDateAndStatus_AndOneForASourceWithout()
    {
        var supervisor = factory.Desk.Supervisor;
        var title = Unique("关于快递进村的批示");
        var created = await Create(supervisor, Instruction(title,
            Item("建设村级快递服务站", "4407-yzj", Day(30), "440781115"), Item("规范快递末端收费", "4407-scjgj", Day(45))));
        var matters = created["matters"]!.AsArray().Select(m => (long)m!).ToArray();
        await factory.Desk.Handler("4407-yzj").Do(matters[0], "accept");
        var empty = Unique("全市物流工作会议");
        await Create(supervisor, new { type = "meeting", title = empty, date = Day(0), ownerUnitCode = "4407-dcs", meetingKind = "work_conference" });

        var rows = await Ledger(supervisor);
        var view = await supervisor.GetAsync($"/api/v1/sources/{(long)created["id"]!}").Ok();
        var mine = rows.Where(r => r[Title] == title).ToList();
        Assert.Equal(2, mine.Count);
        for (var i = 0; i < 2; i++)
        {
            var item = view["items"]![i]!;
            var row = mine[i];
            Assert.Equal(("领导批示", "办理中"), (row[Type], row[SourceStatus]));
            Assert.Equal((string?)view["owner"]!["name"], row[Owner]);
            Assert.Equal((string?)item["number"], row[Number]);
            Assert.Equal((string?)item["title"], row[ItemTitle]);
            Assert.Equal((string?)item["leadUnit"]!["name"], row[Lead]);
            Assert.Equal(string.Join("、", item["coUnits"]!.AsArray().Select(u => (string)u!["name"]!)), row[Co]);
            Assert.Equal("绿灯", row[ItemLight]);
        }
        Assert.Equal((Day(30), "办理中"), (mine[0][Due], mine[0][ItemStatus]));
        Assert.Equal((Day(45), "已交办"), (mine[1][Due], mine[1][ItemStatus]));
        Assert.NotEmpty(mine[0][Co]);
        Assert.Empty(mine[1][Co]);
        // A source without items still has its row, its item columns empty.
        var lone = Assert.Single(rows, r => r[Title] == empty);
        Assert.Equal(("会议议定事项", ""), (lone[Type], lone[Number]));
    }

    [Fact]
    public async Task HandlersLedger_HoldsOnlyTheirOwnItems_NeverAConfidentialSource()
    {
        var title = Unique("关于中小企业融资的批示");
        var created = await Create(factory.Desk.Supervisor, Instruction(title,
            Item("梳理企业融资需求", "4407-gxj", Day(30)), Item("落实贷款贴息政策", "4407-fgj", Day(30))));
        var secret = Unique("违规收费问题专项整治");
        await Create(factory.Desk.Handler("4407-jw"), Campaign(secret, true, [], Item("核查工信领域收费线索", "4407-gxj", Day(30))));

        var gxj = factory.Desk.Handler("4407-gxj");
        var rows = await Ledger(gxj);
        var own = (string)(await gxj.Get((long)created["matters"]![0]!))["number"]!;
        Assert.Equal([own], rows.Where(r => r[Title] == title).Select(r => r[Number]));
        Assert.DoesNotContain(rows, r => r[Title] == secret);
        // Every item listed is one the unit holds.
        var name = (string)(await gxj.Get((long)created["matters"]![0]!))["leadUnit"]!["name"]!;
        Assert.All(rows.Skip(1).Where(r => r[Number].Length > 0), r => Assert.True(r[Lead] == name || r[Co].Split('、').Contains(name), string.Join(",", r)));
        // The owner's line sees the confidential campaign whole.
        Assert.Single(await Ledger(factory.Desk.Handler("4407-jw"), "?type=campaign", "sources-ledger-campaign.xlsx"), r => r[Title] == secret);
    }

    [Fact]
    public async Task LedgerOfOneType_ListsOnlyThatType_AndABadFilterIsA400NamingIt()
    {
        var supervisor = factory.Desk.Supervisor;
        var instruction = Unique("关于港口安全的批示");
        await Create(supervisor, Instruction(instruction, Item("排查港口安全隐患", "4407-jtj", Day(20))));
        var campaign = Unique("港口码头专项整治");
        await Create(factory.Desk.Handler("4407-jw"), Campaign(campaign, false, [], Item("整治码头违规经营", "4407-jtj", Day(20))));

        var rows = await Ledger(supervisor, "?type=campaign", "sources-ledger-campaign.xlsx");
        Assert.All(rows.Skip(1), r => Assert.Equal("专项整治", r[Type]));
        Assert.Contains(rows, r => r[Title] == campaign);
        Assert.DoesNotContain(rows, r => r[Title] == instruction);
        Assert.Contains(await Ledger(supervisor, "?status=open&type=instruction", "sources-ledger-instruction.xlsx"), r => r[Title] == instruction);

        foreach (var (query, field) in new[] { ("type=bogus", "type"), ("status=closed", "status"), ("light=blue", "light") })
        {
            var problem = await supervisor.GetAsync("/api/v1/sources/ledger.xlsx?" + query).Problem(HttpStatusCode.BadRequest);
            Assert.StartsWith(field, (string?)problem["title"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task MeasuresSheet_SumsTheCampaignsTotals_ByNameAndUnit()
    {
        var jw = factory.Desk.Handler("4407-jw");
        // Names of this test's own, so that the other tests' campaigns do not add to them.
        var saved = Unique("节省群众取件开支");
        var residents = Unique("惠及群众");
        var first = Unique("快递过海费专项整治");
        var second = Unique("快递末端收费专项整治");
        var a = await Create(jw, Campaign(first, false,
            [new { key = "yuan_saved", name = saved, unit = "元/年" }, new { key = "residents", name = residents, unit = "人" }],
            Item("快递全品牌上岛", "4407-yzj", Day(30)), Item("规范转运收费", "440781115", Day(30))));
        var b = await Create(jw, Campaign(second, false, [new { key = "saved", name = saved, unit = "元/年" }],
            Item("规范末端派费", "4407-yzj", Day(30)), Item("清理违规加价", "4407-yzj", Day(30))));
        var yzj = factory.Desk.Handler("4407-yzj");
        var town = factory.Desk.Handler("440781115");
        async Task Complete(HttpClient unit, JsonNode source, int item, object measures)
        {
            var id = (long)source["matters"]![item]!;
            await unit.Do(id, "accept");
            await unit.Do(id, "complete", new { outcome = "已办结", measures });
        }
        await Complete(yzj, a, 0, new { yuan_saved = 2_000_000, residents = 7000 });
        await Complete(town, a, 1, new { yuan_saved = 1_000_000.5 });
        await Complete(yzj, b, 0, new { saved = 500_000 });
        // Signed for but not completed: it counts nothing.
        await yzj.Do((long)b["matters"]![1]!, "accept");

        var sheet = await Measures(jw, "?type=campaign");
        Assert.Equal(["指标名称", "计量单位", "合计", "专项整治数"], sheet[0]);
        Assert.Equal([saved, "元/年", "3500000.5", "2"], Assert.Single(sheet, r => r.Length > 0 && r[0] == saved));
        Assert.Equal([residents, "人", "7000", "1"], Assert.Single(sheet, r => r.Length > 0 && r[0] == residents));
        // Then each campaign's own.
        Assert.Contains(["专项整治", "指标名称", "计量单位", "数值"], sheet);
        Assert.Contains([first, saved, "元/年", "3000000.5"], sheet);
        Assert.Contains([first, residents, "人", "7000"], sheet);
        Assert.Contains([second, saved, "元/年", "500000"], sheet);
        // A unit holding items sees its own items, not the campaigns' measures.
        Assert.DoesNotContain(await Measures(yzj, "?type=campaign"), r => r.Length > 0 && (r[0] == saved || r[0] == first));
    }

    [Fact]
    public async Task Slip_ShowsTheSourceAndTheItemsTheCallerSees_404ToOthers()
    {
        var face = factory.Services.GetRequiredService<PdfFonts>().Face();
        Assert.True(face.IsSuccess, $"no Chinese font for the PDFs ({face.Error?.Message}); install fonts-wqy-microhei, as test.sh does");
        var supervisor = factory.Desk.Supervisor;
        var title = Unique("关于制造业当家的批示");
        var created = await Create(supervisor, Instruction(title,
            Item("推进工业园区扩容提质", "4407-gxj", Day(60), "4407-fgj"), Item("优化重大项目审批流程", "4407-fgj", Day(40))));
        var id = (long)created["id"]!;
        var numbers = new List<string>();
        foreach (var m in created["matters"]!.AsArray()) numbers.Add((string)(await supervisor.Get((long)m!))["number"]!);

        var response = await supervisor.GetAsync($"/api/v1/sources/{id}/slip.pdf");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var text = new PdfFile(await response.Content.ReadAsByteArrayAsync()).Text();
        foreach (var expected in new[]
                 {
                     "领导批示交办单", title, "市政府主要领导（市级）", "请相关单位抓好落实", numbers[0], numbers[1], "推进工业园区扩容提质",
                     "推进工业园区扩容提质，按要求办理并报送办理情况。", "优化重大项目审批流程", Date(Day(60)), Date(Day(40)),
                 })
        {
            Assert.Contains(expected, text);
        }

        // The lead unit of the first item sees it alone, and not who raised the source.
        var gxj = new PdfFile(await factory.Desk.Handler("4407-gxj").GetByteArrayAsync($"/api/v1/sources/{id}/slip.pdf")).Text();
        Assert.Contains(title, gxj);
        Assert.Contains(numbers[0], gxj);
        Assert.DoesNotContain(numbers[1], gxj);
        Assert.DoesNotContain("优化重大项目审批流程", gxj);
        Assert.DoesNotContain("市政府主要领导", gxj);

        await factory.Desk.Handler("440781115").GetAsync($"/api/v1/sources/{id}/slip.pdf").Problem(HttpStatusCode.NotFound);
        var secret = await Create(factory.Desk.Handler("4407-jw"), Campaign(Unique("纪检专项整治"), true, [], Item("核查问题线索", "4407-gxj", Day(30))));
        await supervisor.GetAsync($"/api/v1/sources/{(long)secret["id"]!}/slip.pdf").Problem(HttpStatusCode.NotFound);
        await supervisor.GetAsync("/api/v1/sources/999999999/slip.pdf").Problem(HttpStatusCode.NotFound);
    }

    private static string Date(string day) => DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture).ToString("yyyy年M月d日", CultureInfo.InvariantCulture);
}
