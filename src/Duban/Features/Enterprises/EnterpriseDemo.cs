using Duban.Common;
using Duban.Features.Demo;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Notifications;

namespace Duban.Features.Enterprises;

/// <summary>
/// The demo's enterprise lane: firms the seeds name (002: 江门市优美科信新材料有限公司, 广东坚朗泰机电电控系统有限公司,
/// 德昌电机(江门)有限公司 visited by 江海区's 区长郑丹辉 (暖企安商调研); 003: 江门宏丰电子科技有限公司, 方健康, 广东研基精密五金有限公司;
/// 004: 广东富华重工制造有限公司, 广东凯特精密机械有限公司; 002: 恩平's 科一智能装备) with made-up credit codes of the real format
/// (valid check characters), imported by 市工信局 (the business office); three of them on the sample 200强 list with service
/// teams; three visits and four demands through the rapid-response platform, driven through the real actions into every
/// state: received, dispatched, in progress (one past its five working days), pending review, closed (rated), rejected.
/// </summary>
public sealed class EnterpriseDemo : IDemoStories
{
    public const string Office = "4407-gxj";

    /// <summary>The demo's register as CSV, as the office would upload it.</summary>
    public const string Register = """
        统一社会信用代码,企业名称,所在区县,行业,企业规模,200强
        91440704MA4UK1A23W,江门市优美科信新材料有限公司,江海区,制造业,大型,是
        91440704MA51CKD341,广东坚朗泰机电电控系统有限公司,江海区,制造业,中小型,否
        914407046175321548,德昌电机(江门)有限公司,江海区,制造业,大型,是
        91440704MA4W3P7E7A,江门宏丰电子科技有限公司,江海区,制造业,中小型,否
        91440781773074298E,广东富华重工制造有限公司,台山市,制造业,大型,是
        914407056615398634,广东凯特精密机械有限公司,新会区,制造业,中小型,否
        91440785MA53JT8N0C,恩平市科一智能装备有限公司,恩平市,制造业,中小型,否
        91440703MA4X9B2C4E,江门市方健康生物科技有限公司,蓬江区,农业,微型,否
        91440784MA52PQ1L33,广东研基精密五金有限公司,鹤山市,制造业,中小型,否
        """;

    public const string Umicore = "91440704MA4UK1A23W";
    public const string Johnson = "914407046175321548";
    public const string Fuhua = "91440781773074298E";

    /// <summary>The sample 200强 firms' teams: the office leads, with the units their demands concern.</summary>
    public static readonly string[] UmicoreTeam = ["440704-fgj", "440704-zrzyj", "4407-rsj"];
    public static readonly string[] JohnsonTeam = ["440704-fgj", "4407-scjgj"];
    public static readonly string[] FuhuaTeam = ["440781-zrzyj", "4407-swj"];

    private sealed record Demand(string Key, string Title, string Content, string? Lead, string Target, string? Satisfaction = null, string? Reason = null);

    public void Schedule(DemoSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var now = schedule.Now;
        schedule.At(now.AddDays(-60), async run =>
        {
            run.Fresh();
            var office = await run.ActorAsync("h-" + Office);
            Check(await run.Get<EnterpriseRegister>().ImportCsvAsync(Register, office, default), "register");
            foreach (var (code, official, members) in new[]
            {
                (Umicore, "市工业和信息化局局长", UmicoreTeam),
                (Johnson, "市工业和信息化局副局长", JohnsonTeam),
                (Fuhua, "市工业和信息化局副局长", FuhuaTeam),
            })
            {
                run.Fresh();
                Check(await run.Get<EnterpriseRegister>().SetTeamAsync(code, new TeamRequest(Office, official, members), office, default), "team " + code);
            }
            // The next step reads afresh: this scope's context tracks the audit chain's lane.
            run.Fresh();
        });

        Visit(schedule, now.AddDays(-40), Umicore, "s-440704", "区委副书记、区长郑丹辉", "暖企安商调研：听取企业新能源电池材料项目建设汇报，协调解决发展中的堵点难点。",
        [
            new("ent-umicore-land", "扩产项目拟用地块控规调整为工业用地", "企业扩产项目拟使用厂区东侧预留用地，该地块控制性详细规划仍为仓储用地，需调整为工业用地后方可办理规划许可，企业希望年内开工。",
                "440704-zrzyj", Status.Closed, "satisfied"),
            new("ent-umicore-power", "新建产线专用变电站报装提速", "企业新能源电池材料新产线计划明年一季度投产，需新建专用变电站，希望协调供电部门提前介入、加快报装审批。",
                "440704-fgj", Status.InProgress),
        ]);
        Visit(schedule, now.AddDays(-12), Johnson, "s-440704", "区委副书记、区长郑丹辉", "暖企安商调研：了解企业上半年生产经营情况和未来发展目标。",
        [
            new("ent-johnson-permit", "外籍技术专家工作许可办理咨询", "企业新引进3名外籍技术专家，希望了解外国人来华工作许可办理流程和所需材料，并尽快办结。",
                "4407-rsj", Status.PendingReview),
            new("ent-johnson-road", "厂区周边道路货车通行时段调整", "企业原材料和成品运输量增加，厂区周边道路货车限行时段影响发货，希望适当调整货车通行时段。",
                "4407-zjj", Status.Dispatched),
        ]);
        Visit(schedule, now.AddDays(-2), Fuhua, "h-" + Office, "市工业200强企业服务专班", "专班走访台山工业新城，了解企业智能制造产线改造进展。",
        [
            new("ent-fuhua-subsidy", "技改项目备案和专项资金申报辅导", "企业今年投入智能制造产线改造，希望了解省、市技术改造专项资金申报条件，并协调加快技改项目备案。", null, Status.Received),
        ]);
        Platform(schedule, now.AddDays(-30), new("ent-jianlangtai", "申请专精特新中小企业认定政策辅导", "通过中小微企业诉求快速响应平台提交（统一社会信用代码 91440704MA51CKD341）：企业拟申报省级专精特新中小企业，希望获得申报条件和材料准备的辅导。",
            Office, Status.Closed, "basically_satisfied"));
        Platform(schedule, now.AddDays(-25), new("ent-kate", "知识产权质押融资对接", "通过中小微企业诉求快速响应平台提交（统一社会信用代码 914407056615398634）：企业计划以发明专利办理知识产权质押融资，请求对接合作银行和评估机构。",
            "4407-scjgj", Status.Closed, "dissatisfied"));
        Platform(schedule, now.AddDays(-15), new("ent-fangjiankang", "香茅精油出口备案咨询", "通过中小微企业诉求快速响应平台提交（统一社会信用代码 91440703MA4X9B2C4E）：企业瞄准RCEP成员国市场，计划出口香茅精油，咨询出口备案和原产地证书办理。",
            "4407-swj", Status.InProgress));
        Platform(schedule, now.AddDays(-8), new("ent-hongfeng", "要求政府代为追讨企业间货款", "通过中小微企业诉求快速响应平台提交（统一社会信用代码 91440704MA4W3P7E7A）：企业称下游客户拖欠货款，要求政府出面代为追讨。",
            null, Status.Rejected, Reason: "属于企业间民事合同纠纷，不属于行政机关职责范围，已告知企业可通过调解、仲裁或诉讼途径解决"));
    }

    private static void Visit(DemoSchedule schedule, DateTimeOffset at, string code, string recorder, string officials, string notes, Demand[] demands)
    {
        schedule.At(at, async run =>
        {
            run.Fresh();
            var doors = run.Get<EnterpriseDemands>().With(run.Get<RegisterMatter>(), run.Get<Notifier>());
            var day = Clock.ChinaDate(run.Time.Now()).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var visit = Check(await doors.RecordVisitAsync(code, new VisitRequest(day, officials, notes, [.. demands.Select(d => new VisitDemand(d.Title, d.Content))]),
                await run.ActorAsync(recorder), default), "visit " + code);
            for (var i = 0; i < demands.Length; i++) run.Ids[demands[i].Key] = visit.Demands[i].Id;
            run.Fresh();
        });
        foreach (var d in demands) Handle(schedule, at, d);
    }

    private static void Platform(DemoSchedule schedule, DateTimeOffset at, Demand d)
    {
        schedule.At(at, async run =>
        {
            run.Fresh();
            var doors = run.Get<EnterpriseDemands>().With(run.Get<RegisterMatter>(), run.Get<Notifier>());
            var made = Check(await doors.RegisterAsync(new DemandRequest(null, d.Title, d.Content, Raiser: new RaiserInput("企业联络员", "13800000000")),
                await run.ActorAsync("dispatcher"), default), d.Key);
            run.Ids[d.Key] = made.Id;
            run.Fresh();
        });
        Handle(schedule, at, d);
    }

    /// <summary>The demand's life after registration, through the real actions, to its target state.</summary>
    private static void Handle(DemoSchedule schedule, DateTimeOffset t0, Demand d)
    {
        var h = TimeSpan.FromHours(1);
        if (d.Target == Status.Rejected)
        {
            schedule.At(t0 + 3 * h, run => run.Act(d.Key, "dispatcher", (id, v, a, c) => run.Get<Reject>().ExecuteAsync(id, new ReasonRequest(v, d.Reason), a, c)));
            return;
        }
        if (d.Target == Status.Received || d.Lead is null) return;
        schedule.At(t0 + 2 * h, run => run.Act(d.Key, "dispatcher", (id, v, a, c) => run.Get<Dispatch>().ExecuteAsync(id,
            new DispatchRequest(v, d.Lead, null, null, "企业诉求，请按快速响应时限办理"), a, c)));
        if (d.Target == Status.Dispatched) return;
        var lead = "h-" + d.Lead;
        schedule.At(t0 + 5 * h, run => run.Act(d.Key, lead, (id, v, a, c) => run.Get<Accept>().ExecuteAsync(id, new VersionedRequest(v, null), a, c)));
        schedule.At(t0 + 26 * h, run => run.Act(d.Key, lead, (id, v, a, c) => run.Get<ReportProgress>().ExecuteAsync(id,
            new ProgressRequest(v, "已与企业对接，明确办理事项和时间节点", 40), a, c)));
        if (d.Target == Status.InProgress) return;
        schedule.At(t0 + 72 * h, run => run.Act(d.Key, lead, (id, v, a, c) => run.Get<Complete>().ExecuteAsync(id,
            new CompleteRequest(v, "已按企业诉求办理完毕，并向企业反馈办理结果。"), a, c)));
        if (d.Target == Status.PendingReview) return;
        schedule.At(t0 + 80 * h, run => run.Act(d.Key, "dispatcher", (id, v, a, c) => run.Get<Approve>().ExecuteAsync(id, new VersionedRequest(v, "办理结果符合要求"), a, c)));
        if (d.Satisfaction is { } s)
            schedule.At(t0 + 96 * h, run => run.Act(d.Key, "dispatcher", (id, v, a, c) => run.Get<Feedback>().ExecuteAsync(id,
                new FeedbackRequest(v, s != "dissatisfied", s, "电话回访企业"), a, c)));
    }

    private static T Check<T>(Result<T> result, string what) =>
        result.IsSuccess ? result.Value! : throw new InvalidOperationException($"demo enterprise lane, {what}: {result.Error!.Message}");
}
