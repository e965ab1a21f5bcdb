using Duban.Features.Demo;

namespace Duban.Features.Leads;

/// <summary>
/// The demo's shared leads (招商信息共享平台, seed 002): 江海区 shares with 恩平市 the three firms the seeds say invested in
/// 恩平 through the cooperation (金隆电器 210 million yuan, 鸿裕达 100 million, 科一智能装备 50 million), which 恩平 follows and
/// lands; 蓬江区 shares a made-up energy-storage lead with every district, under negotiation; 恩平 shares one with 江海 that
/// is lost. Posted and moved by the districts' 发展和改革局 accounts on the demo's set-back clock.
/// </summary>
public sealed class LeadDemo : IDemoStories
{
    private sealed record Row(string Poster, string Company, string Industry, decimal Investment, string Needs, string[] SharedWith, bool All,
        string? Mover, string[] Steps);

    private static readonly Row[] Rows =
    [
        new("440704", "江门市金隆电器有限公司", "equipment", 210_000_000m, "拟建设智能家电生产基地，需工业用地约80亩、标准厂房及稳定供水供电",
            ["440785"], false, "440785", ["contacted", "negotiating", "signed", "landed"]),
        new("440704", "鸿裕达（江门）科技有限公司", "electronics", 100_000_000m, "拟投资电子元器件生产线，需标准厂房2万平方米",
            ["440785"], false, "440785", ["contacted", "negotiating", "signed", "landed"]),
        new("440704", "科一智能装备（江门）有限公司", "equipment", 50_000_000m, "拟建设智能装备组装基地，需配套人才公寓",
            ["440785", "440703"], false, "440785", ["contacted", "negotiating", "signed", "landed"]),
        new("440703", "某新型储能电池企业（华南区域总部）", "new_energy", 800_000_000m, "拟布局储能电池项目，需连片工业用地300亩以上及专用变电站",
            [], true, "440704", ["contacted", "negotiating"]),
        new("440785", "某温泉康养文旅企业", "health", 120_000_000m, "拟建设温泉康养综合体，需旅游用地及道路配套",
            ["440704"], false, "440785", ["contacted", "lost"]),
    ];

    public void Schedule(DemoSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var now = schedule.Now;
        for (var r = 0; r < Rows.Length; r++)
        {
            var row = Rows[r];
            var key = $"lead:{r}";
            var t0 = now.AddDays(-50 + (r * 5)).AddHours(-3);
            var poster = Account(row.Poster);
            schedule.At(t0, async run =>
            {
                run.Fresh();
                var posted = await run.Get<LeadChanges>().PostAsync(new PostLeadRequest(row.Company, null, row.Industry, row.Investment, row.Needs),
                    await run.ActorAsync(poster), default);
                var id = Check(posted, row).Id;
                run.Ids[key] = id;
                run.Fresh();
                Check(await run.Get<LeadChanges>().ShareAsync(id, new ShareLeadRequest(row.SharedWith, row.All), await run.ActorAsync(poster), default), row);
                run.Fresh();
            });
            if (row.Mover is not { } moverDistrict) continue;
            var mover = Account(moverDistrict);
            var actions = (moverDistrict == row.Poster ? Array.Empty<string>() : ["follow"]).Concat(row.Steps).ToList();
            for (var i = 0; i < actions.Count; i++)
            {
                var action = actions[i];
                schedule.At(t0.AddDays(1 + (i * 6)), async run =>
                {
                    run.Fresh();
                    Check(await run.Get<LeadChanges>().ActAsync(run.Ids[key], action, null, await run.ActorAsync(mover), default), row);
                    run.Fresh();
                });
            }
        }
    }

    /// <summary>A district's investment-promotion desk in the demo: its 发展和改革局's handler.</summary>
    private static string Account(string district) => $"h-{district}-fgj";

    private static LeadChanged Check(Common.Result<LeadChanged> result, Row row) =>
        result.IsSuccess ? result.Value! : throw new InvalidOperationException($"demo lead of {row.Poster}: {result.Error!.Message}");
}
