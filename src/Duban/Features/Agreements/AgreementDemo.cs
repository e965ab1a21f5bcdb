using System.Globalization;
using System.Text.Json;
using Duban.Common;
using Duban.Features.Demo;
using Duban.Features.Matters.Actions;
using Duban.Features.Sources;

namespace Duban.Features.Agreements;

/// <summary>
/// The seeds' 蓬江—江海—恩平 agreements (002): 《江门市水都产业园共建合作框架协议》, signed by the three, with commitments in
/// the five fields (产业协同 the shared park and shared investment leads, 科技交流 "江海研发+恩平制造", 乡村振兴 the pig trade
/// with 江新肉联厂, 人才协作 the 江海—恩平人才服务之家 and exchanges of teachers and medical staff, 公共服务 the paired schools
/// and the medical agreement), and 《江海区—恩平市生猪产销战略合作框架协议》 ("恩货进江海"). Recorded by the city's
/// supervision office on the demo's set-back clock; two commitments are carried out and approved, so progress shows.
/// </summary>
public sealed class AgreementDemo : IDemoStories
{
    private const string Pengjiang = "440703";
    private const string Jianghai = "440704";
    private const string Enping = "440785";

    private sealed record Row(string Title, int DaysAgo, string[] Parties, (string Field, string Party, string Title, int DueDays, bool Done)[] Commitments);

    private static readonly Row[] Rows =
    [
        new("江门市水都产业园共建合作框架协议", 60, [Pengjiang, Jianghai, Enping],
        [
            ("industry", Jianghai, "加快共建江门市水都产业园，加强江海—恩平招商资源共享，共同吸引优质项目落户", 180, false),
            ("industry", Enping, "结合恩平优质水资源，加快江门市水都产业园（恩平工业园大田片区）建设", 240, false),
            ("industry", Pengjiang, "推动链主企业跨区域布局，促进区域产业链上下游协同", 300, false),
            ("technology", Jianghai, "探索“江海企业+恩平资源”“江海研发+恩平制造”合作模式，推进科技创新成果共享", 200, false),
            ("rural", Enping, "扶持特色农业产业发展，推动恩平生猪养殖企业与江新肉联厂达成供需合作", 75, true),
            ("talent", Jianghai, "推动建立“江海—恩平人才服务之家”，畅通人才交流合作渠道", 70, true),
            ("talent", Enping, "完善年轻公务员双向培养交流机制，定期选派教师和医护人员交流学习", 150, false),
            ("public_services", Jianghai, "发挥优质教育资源辐射带动作用，提高恩平市结对学校的办学质量", 270, false),
            ("public_services", Pengjiang, "深化教育文化、医疗卫生等公共服务资源对接合作，助力恩平公共服务高质量发展", 270, false),
        ]),
        new("江海区—恩平市生猪产销战略合作框架协议", 60, [Jianghai, Enping],
        [
            ("rural", Jianghai, "发动江新肉联厂与恩平生猪养殖企业对接，推动实现“恩货进江海”", 120, false),
            ("rural", Enping, "组织生猪养殖企业稳定供货，加大涉农及农产品流通合作", 120, false),
        ]),
    ];

    // Every commitment falls due after the demo's present (60 days on from the signing): the agreement's type checks due
    // dates on the deployment's clock, not the set-back one the demo records on.
    public void Schedule(DemoSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var now = schedule.Now;
        for (var r = 0; r < Rows.Length; r++)
        {
            var row = Rows[r];
            var t0 = now.AddDays(-row.DaysAgo).AddHours(-5);
            var key = r;
            schedule.At(t0, async run =>
            {
                var today = Clock.ChinaDate(run.Time.GetUtcNow());
                var extra = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
                {
                    ["signedOn"] = JsonSerializer.SerializeToElement(Iso(today)),
                    ["parties"] = JsonSerializer.SerializeToElement(row.Parties),
                    ["commitments"] = JsonSerializer.SerializeToElement(row.Commitments.Select(c =>
                        new { field = c.Field, partyUnitCode = c.Party, title = c.Title, dueDate = Iso(today.AddDays(c.DueDays)) })),
                };
                var request = new CreateSourceRequest(AgreementVocabulary.Type, row.Title, Iso(today), DemoSeeder.SupervisorUnit) { Extra = extra };
                var created = await run.Get<SourceChanges>().CreateAsync(request, await run.ActorAsync("supervisor"), default);
                if (!created.IsSuccess) throw new InvalidOperationException($"demo agreement {row.Title}: {created.Error!.Message}");
                for (var i = 0; i < created.Value!.Matters.Count; i++) run.Ids[Key(key, i)] = created.Value.Matters[i];
                run.Fresh();
            });
            for (var i = 0; i < row.Commitments.Length; i++)
            {
                var c = row.Commitments[i];
                if (!c.Done) continue;
                var item = Key(key, i);
                var handler = "h-" + c.Party;
                schedule.At(t0.AddDays(2), run => run.Act(item, handler, (id, v, a, ct) => run.Get<Accept>().ExecuteAsync(id, new VersionedRequest(v, null), a, ct)));
                schedule.At(t0.AddDays(c.DueDays * 0.6), run => run.Act(item, handler, (id, v, a, ct) => run.Get<Complete>().ExecuteAsync(id,
                    new CompleteRequest(v, "已按协议完成"), a, ct)));
                schedule.At(t0.AddDays(c.DueDays * 0.7), run => run.Act(item, "supervisor", (id, v, a, ct) => run.Get<Approve>().ExecuteAsync(id, new VersionedRequest(v, "办理结果符合协议要求"), a, ct)));
            }
        }
    }

    private static string Key(int agreement, int commitment) => $"agreement:{agreement}:{commitment}";

    private static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
