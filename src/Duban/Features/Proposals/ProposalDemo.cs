using System.Globalization;
using System.Text;
using Duban.Common;
using Duban.Data;
using Duban.Features.Demo;
using Duban.Features.Proposals.Actions;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Proposals;

/// <summary>
/// The proposals in the demo: the offices' accounts (<c>npc-office</c>, <c>cppcc-office</c>), the registers (100 CPPCC
/// members <c>cppcc-001</c>…, 20 deputies <c>npc-001</c>…, each with an account and the demo password) and the 2025
/// session's proposals driven through their whole life on the set-back clock, so that the figures computed from them
/// are the seeds' (江门市政协 2025: 委员个人提案立案242件, 社情民意信息采用51件, 履职考评优秀率89%). The members' names
/// and the proposals' titles are made up for the demo; the counts are the seeds'.
/// </summary>
public sealed class ProposalDemo(Microsoft.Extensions.Options.IOptions<ProposalOptions> options) : IDemoStories
{
    public const string NpcOffice = "npc-office";
    public const string CppccOffice = "cppcc-office";
    public const int CppccMembers = 100;
    public const int NpcDeputies = 20;

    /// <summary>江门市政协 2025: 242 accepted; besides them 12 not accepted and 6 merged.</summary>
    public const int CppccAccepted = 242;
    public const int CppccNotAccepted = 12;
    public const int CppccMerged = 6;

    /// <summary>Of the 89 % rated excellent: the first 89 of the 100 members.</summary>
    public const int CppccExcellent = 89;

    /// <summary>社情民意信息 adopted in 2025 (the seeds: 51).</summary>
    public const int OpinionsAdopted = 51;

    /// <summary>Reports and social-opinion items submitted in 2025 (the seeds: 126), and the leaders' instructions on them (60).</summary>
    public const int OpinionsSubmitted = 126;
    public const int Instructions = 60;

    /// <summary>Research-consultation topics (36) and consultation events (87) of 2025.</summary>
    public const int Topics2025 = 36;
    public const int Events2025 = 87;

    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private static DateTimeOffset At(int month, int day, int hour, int minute = 0) => new(2025, month, day, hour, minute, 0, China);

    internal static string Username(string body, int i) => string.Create(CultureInfo.InvariantCulture, $"{body}-{i + 1:D3}");

    private static readonly string[] Surnames = ["陈", "李", "黄", "张", "梁", "林", "吴", "何", "刘", "谭", "邓", "冯", "余", "关", "司徒", "甄", "区", "伍", "容", "赵"];
    private static readonly string[] Given = ["志强", "美玲", "国华", "少芬", "伟明", "嘉欣", "建新", "慧敏", "文辉", "丽华", "永康", "淑仪", "振宇", "惠珍", "锦荣", "晓彤", "家豪", "秀英", "德胜", "雪梅", "子健", "婉婷", "海波", "月娥", "启明"];

    internal static string MemberName(string body, int i) =>
        Surnames[(i * 7 + (body == Bodies.Npc ? 3 : 0)) % Surnames.Length] + Given[(i * 11 + (body == Bodies.Npc ? 5 : 0)) % Given.Length];

    private static readonly string[] Sectors = ["中共", "民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "无党派人士", "工商联", "经济界", "科技界", "教育界", "医药卫生界", "文化艺术界", "农业界", "港澳委员", "特邀"];
    private static readonly string[] Delegations = ["蓬江区代表团", "江海区代表团", "新会区代表团", "台山市代表团", "开平市代表团", "鹤山市代表团", "恩平市代表团"];

    private static readonly string[] Angles = ["加快", "进一步完善", "推动", "优化", "加强", "支持", "提升", "健全", "深化"];

    private static readonly (string Topic, string Host, string? CoHost)[] Topics =
    [
        ("侨乡文化旅游融合发展", "4407-swj", "4407-fgj"),
        ("中小学课后服务质量", "4407-jyj", null),
        ("制造业数字化转型", "4407-gxj", "4407-kjj"),
        ("科技成果本地转化", "4407-kjj", "4407-gxj"),
        ("基层医疗卫生服务能力", "4407-wjj", "4407-ybj"),
        ("养老服务体系建设", "4407-mzj", "4407-wjj"),
        ("高校毕业生留江就业", "4407-rsj", "4407-jyj"),
        ("老旧小区改造", "4407-zjj", null),
        ("城市停车设施建设", "4407-cgj", "4407-zjj"),
        ("农村人居环境整治", "4407-nyncj", "4407-sthjj"),
        ("潭江流域水环境治理", "4407-sthjj", "4407-nyncj"),
        ("公共交通线网优化", "4407-jtj", null),
        ("食品安全社会共治", "4407-scjgj", null),
        ("医保异地就医结算便利化", "4407-ybj", "4407-wjj"),
        ("政务服务一网通办", "4407-zsj", null),
        ("安全生产风险防控", "4407-yjglj", null),
        ("新能源电池产业集群", "4407-fgj", "4407-gxj"),
        ("耕地保护和农村建房管理", "4407-zrzyj", "4407-nyncj"),
        ("社区治安防控体系", "4407-gaj", null),
        ("信访矛盾源头化解", "4407-xfj", null),
        ("跨境电商发展", "4407-swj", "4407-yzj"),
        ("县域职业教育发展", "4407-jyj", "4407-rsj"),
        ("专精特新企业培育", "4407-gxj", null),
        ("海岛快递物流服务", "4407-yzj", "4407-jtj"),
        ("特色农产品品牌建设", "4407-nyncj", "4407-swj"),
        ("城市精细化管理", "4407-cgj", null),
        ("心理健康服务体系", "4407-wjj", "4407-jyj"),
        ("困难群众救助帮扶", "4407-mzj", null),
        ("人才安居保障", "4407-zjj", "4407-rsj"),
        ("营商环境法治化", "4407-scjgj", "4407-zsj"),
    ];

    /// <summary>The i-th proposal's title, its host and co-host.</summary>
    internal static (string Title, string Host, string? CoHost) Proposal(string body, int i)
    {
        var (topic, host, co) = Topics[i % Topics.Length];
        var angle = Angles[(i / Topics.Length + (body == Bodies.Npc ? 4 : 0)) % Angles.Length];
        return ($"关于{angle}{topic}的{(body == Bodies.Npc ? "建议" : "提案")}", host, co);
    }

    public void Schedule(DemoSchedule schedule)
    {
        // The registers, before the session.
        schedule.At(At(1, 2, 9), async run =>
        {
            var db = run.Db;
            var hash = await db.Users.Where(u => u.Username == "admin").Select(u => u.PasswordHash).SingleAsync();
            var now = run.Time.Now();
            User Account(string username, string name, string unit, string roles) =>
                new() { Username = username, DisplayName = name, UnitCode = unit, Roles = roles, PasswordHash = hash, CreatedAt = now };
            var options = run.Get<ProposalAccess>().Options;
            // One audited change: its event records the new accounts' states (Features/Audit, EntityStates).
            await run.Get<Audit.AuditedChange>().RunAsync<int>(() =>
            {
                db.Users.Add(Account(NpcOffice, "市人大常委会代表建议办理工作人员", options.NpcOffice, Roles.Handler));
                db.Users.Add(Account(CppccOffice, "市政协提案委员会工作人员", options.CppccOffice, Roles.Handler));
                for (var i = 0; i < CppccMembers; i++) db.Users.Add(Account(Username(Bodies.Cppcc, i), MemberName(Bodies.Cppcc, i), options.CppccOffice, ""));
                for (var i = 0; i < NpcDeputies; i++) db.Users.Add(Account(Username(Bodies.Npc, i), MemberName(Bodies.Npc, i), options.NpcOffice, ""));
                var count = 2 + CppccMembers + NpcDeputies;
                return Task.FromResult<Result<Audit.ChangeMade<int>>>(new Audit.ChangeMade<int>(count,
                    [new Audit.AuditEvent(Actor.System(), "demo_accounts_added", new System.Text.Json.Nodes.JsonObject { ["accounts"] = count })], []));
            });
            run.Fresh();
            await Import(run, Bodies.Cppcc, CppccMembers, i => Sectors[i % Sectors.Length], "第十四届");
            await Import(run, Bodies.Npc, NpcDeputies, i => Delegations[i % Delegations.Length], "第十六届");
        });
        ScheduleActivities(schedule);
        ScheduleConsultations(schedule);
        // The session's ~280 proposals take some 750 steps: a deployment may leave them out (DemoSession).
        if (!options.Value.DemoSession) return;
        ScheduleSession(schedule, Bodies.Cppcc, CppccAccepted, CppccNotAccepted, CppccMerged, CppccMembers);
        ScheduleSession(schedule, Bodies.Npc, 18, 1, 1, NpcDeputies);
        ScheduleOpinions(schedule);
    }

    private static async Task Import(DemoSeeder.DemoRun run, string body, int count, Func<int, string> group, string term)
    {
        var csv = new StringBuilder(body == Bodies.Npc ? "name,delegation,term,username\n" : "name,sector,term,username\n");
        for (var i = 0; i < count; i++) csv.Append(CultureInfo.InvariantCulture, $"{MemberName(body, i)},{group(i)},{term},{Username(body, i)}\n");
        var office = await run.ActorAsync(body == Bodies.Npc ? NpcOffice : CppccOffice);
        var imported = await run.Get<MemberChanges>().ImportAsync(body, csv.ToString(), office, default);
        if (!imported.IsSuccess) throw new InvalidOperationException($"demo members {body}: {imported.Error!.Message}");
        run.Fresh();
    }

    /// <summary>The members' ids by index, read once the registers are in.</summary>
    private static async Task<long[]> MemberIds(DemoSeeder.DemoRun run, string body, int count)
    {
        var names = Enumerable.Range(0, count).Select(i => Username(body, i)).ToList();
        var rows = await (from m in run.Db.Set<Member>()
                          join u in run.Db.Users on m.UserId equals u.Id
                          where m.Body == body && names.Contains(u.Username)
                          select new { m.Id, u.Username }).ToListAsync();
        return [.. names.Select(n => rows.Single(r => r.Username == n).Id)];
    }

    /// <summary>
    /// A session's proposals: submitted during the session (by the office, in batches), examined at the office (the not
    /// accepted and merged ones first), assigned at the 交办会, replied over the spring (a few late), evaluated; the
    /// dissatisfied ones handled again and replied again.
    /// </summary>
    private static void ScheduleSession(DemoSchedule schedule, string body, int accepted, int notAccepted, int merged, int members)
    {
        var total = accepted + notAccepted + merged;
        var office = body == Bodies.Npc ? NpcOffice : CppccOffice;
        var key = (int i) => $"proposal:{body}:2025:{i}";
        var lead = Enumerable.Range(0, total).Select(i => i % members).ToArray();
        var day = body == Bodies.Npc ? 1 : 0;
        schedule.At(At(1, 8 + day, 17), async run =>
        {
            var ids = await MemberIds(run, body, members);
            var requests = Enumerable.Range(0, total).Select(i =>
            {
                var (title, _, _) = Proposal(body, i);
                // Every third proposal is co-signed by the next two members (联名).
                long[] proposers = i % 3 == 0 ? [ids[lead[i]], ids[(lead[i] + 1) % members], ids[(lead[i] + 2) % members]] : [ids[lead[i]]];
                return new SubmitProposalRequest(body, 2025, title, Content(title), proposers);
            }).ToList();
            var actor = await run.ActorAsync(office);
            for (var start = 0; start < requests.Count; start += 50)
            {
                var made = await run.Get<ProposalChanges>().SubmitManyAsync(requests.Skip(start).Take(50).ToList(), actor, default);
                if (!made.IsSuccess) throw new InvalidOperationException($"demo proposals {body}: {made.Error!.Message}");
                for (var k = 0; k < made.Value!.Count; k++) run.Ids[key(start + k)] = made.Value[k].Id;
                run.Fresh();
            }
        });
        // Examined: the last ones not accepted or merged into the first ones on the same topic.
        for (var i = accepted; i < total; i++)
        {
            var n = i;
            if (n < accepted + notAccepted)
                schedule.At(At(2, 18 + day, 10), run => run.Act(key(n), office, (id, v, a, c) =>
                    run.Get<NotAcceptProposal>().ExecuteAsync(id, new NotAcceptProposalRequest(v, "属于个人诉求，不宜作为提案立案，已转有关部门参考 / a personal request: passed on for reference"), a, c)));
            else
            {
                // Into an accepted one on the same topic where there is one.
                var target = n % Topics.Length < accepted && n % Topics.Length != n ? n % Topics.Length : n - accepted - notAccepted;
                schedule.At(At(2, 18 + day, 11), run => run.Act(key(n), office, (id, v, a, c) =>
                    run.Get<MergeProposal>().ExecuteAsync(id, new MergeProposalRequest(v, run.Ids[key(target)], "与同题提案并案办理"), a, c)));
            }
        }
        // The 交办会: every accepted proposal assigned on one morning.
        for (var i = 0; i < accepted; i++)
        {
            var n = i;
            var (_, host, co) = Proposal(body, n);
            schedule.At(At(2, 20 + day, 9), run => run.Act(key(n), office, (id, v, a, c) =>
                run.Get<AcceptProposal>().ExecuteAsync(id, new AcceptProposalRequest(v, host, co is null ? [] : [co], "2025年建议提案交办会"), a, c)));
        }
        // Replies: most within the three months (due 20 May), one in thirty late; categories A, B, C as the reply decides.
        for (var i = 0; i < accepted; i++)
        {
            var n = i;
            var (title, host, _) = Proposal(body, n);
            var late = n % 30 == 29;
            var replied = late ? At(6, 3 + n % 10, 10) : At(3, 10, 10).AddDays(n % 60);
            var category = Category(n);
            schedule.At(replied, run => run.Act(key(n), "h-" + host, (id, v, a, c) =>
                run.Get<ReplyProposal>().ExecuteAsync(id, new ReplyProposalRequest(v, category, Reply(title, category), "分管负责同志"), a, c)));
            var rating = n % 40 == 7 ? "dissatisfied" : n % 6 == 1 ? "basically_satisfied" : "satisfied";
            var member = Username(body, lead[n]);
            schedule.At(replied.AddDays(7), run => run.Act(key(n), member, (id, v, a, c) =>
                run.Get<EvaluateProposal>().ExecuteAsync(id, new EvaluateProposalRequest(v, rating, rating == "dissatisfied" ? "答复未回应核心问题，请重新办理" : "答复具体，措施可行"), a, c)));
            if (rating != "dissatisfied") continue;
            // 重新办理: replied again within the new deadline, and evaluated basically satisfied.
            schedule.At(replied.AddDays(40), run => run.Act(key(n), "h-" + host, (id, v, a, c) =>
                run.Get<ReplyProposal>().ExecuteAsync(id, new ReplyProposalRequest(v, "B", Reply(title, "B") + "经重新办理，已制定专项工作方案。", "单位主要负责同志"), a, c)));
            schedule.At(replied.AddDays(47), run => run.Act(key(n), member, (id, v, a, c) =>
                run.Get<EvaluateProposal>().ExecuteAsync(id, new EvaluateProposalRequest(v, "basically_satisfied", "重新办理后基本满意"), a, c)));
        }
    }

    /// <summary>A, B or C: about 55 %, 36 %, 9 %.</summary>
    internal static string Category(int n) => (n % 11) switch
    {
        < 6 => "A",
        < 10 => "B",
        _ => "C",
    };

    private static string Content(string title) =>
        "调研发现，" + title[2..^3] + "方面仍存在统筹不足、政策落实不到位等问题。建议明确牵头单位，完善配套政策，加大资金和人才保障力度，建立定期评估机制。";

    private static string Reply(string title, string category) => category switch
    {
        "A" => $"《{title}》收悉。所提建议已采纳，相关措施已落实到位。",
        "B" => $"《{title}》收悉。所提问题正在解决，已列入年度工作计划分步实施。",
        _ => $"《{title}》收悉。受政策和条件所限，所提建议留作今后工作参考，原因已向提案人说明。",
    };

    /// <summary>
    /// The members' recorded activities of 2025, as the office records them: the 89 first members take a full part (their
    /// social-opinion items and consultation activities are records of their own, below); the other 11 attended the plenary session only.
    /// </summary>
    private static void ScheduleActivities(DemoSchedule schedule)
    {
        schedule.At(At(12, 20, 16), async run =>
        {
            var ids = await MemberIds(run, Bodies.Cppcc, CppccMembers);
            var items = new List<(long, RecordActivityRequest)>();
            static string D(int month, int day) => new DateOnly(2025, month, day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            void Add(int i, string kind, string title, string day) => items.Add((ids[i], new RecordActivityRequest(kind, title, day)));
            for (var i = 0; i < CppccMembers; i++)
            {
                Add(i, "plenary", "市政协十四届四次会议", "2025-01-08");
                if (i >= CppccExcellent) continue;
                for (var k = 0; k < 3; k++) Add(i, "committee", $"专委会重点课题活动（第{k + 1}次）", D(4 + k, 15));
                for (var k = 0; k < 2; k++) Add(i, "study", $"委员学习培训（第{k + 1}期）", D(3 + k, 25));
                for (var k = 0; k < 2; k++) Add(i, "constituency", $"联系界别群众活动（第{k + 1}次）", D(9 + k, 18));
            }
            var recorded = await run.Get<MemberChanges>().RecordActivitiesAsync(items, await run.ActorAsync(CppccOffice), default);
            if (!recorded.IsSuccess) throw new InvalidOperationException("demo activities: " + recorded.Error!.Message);
            run.Fresh();
        });
    }

    private static readonly string[] OpinionTopics = ["侨批档案保护利用", "镇村快递末端网点", "小微企业融资成本", "中小学生近视防控", "农村独居老人照护", "城区内涝点整治", "预制菜产业标准", "外卖骑手权益保障", "乡村医生队伍建设"];

    /// <summary>
    /// The 2025 items, on the set-back clock (with the session: some 360 audited steps): 126 reports and social-opinion
    /// items from the 89 members who take a full part (the first 37 two each), the 51 first members' first item adopted and
    /// forwarded to the leaders, the others not adopted; 60 leaders' instructions (the first nine items instructed twice).
    /// </summary>
    private static void ScheduleOpinions(DemoSchedule schedule)
    {
        var key = (int n) => $"opinion:2025:{n}";
        var owner = new List<(int Member, int Nth)>();
        for (var i = 0; i < CppccExcellent; i++) owner.Add((i, 0));
        for (var i = 0; owner.Count < OpinionsSubmitted; i++) owner.Add((i, 1));
        schedule.At(At(3, 12, 16), async run =>
        {
            var ids = await MemberIds(run, Bodies.Cppcc, CppccMembers);
            var changes = run.Get<Opinions.OpinionChanges>();
            var office = await run.ActorAsync(CppccOffice);
            for (var n = 0; n < owner.Count; n++)
            {
                var (member, nth) = owner[n];
                var topic = OpinionTopics[n % OpinionTopics.Length];
                var kind = n % 6 == 5 ? "report" : "opinion";
                var made = await changes.SubmitAsync(new Opinions.SubmitOpinionRequest(Bodies.Cppcc, 2025, kind,
                    kind == "report" ? $"关于{topic}的调研报告" : $"关于{topic}的社情民意信息（第{nth + 1}篇）", $"委员反映：{topic}方面群众意见较多，建议有关部门加强统筹、尽快研究解决。", ids[member]), office, default);
                if (!made.IsSuccess) throw new InvalidOperationException("demo opinions: " + made.Error!.Message);
                run.Ids[key(n)] = made.Value!.Id;
            }
            run.Fresh();
        });
        schedule.At(At(5, 30, 10), async run =>
        {
            var changes = run.Get<Opinions.OpinionChanges>();
            var office = await run.ActorAsync(CppccOffice);
            var adopted = 0;
            for (var n = 0; n < owner.Count; n++)
            {
                var id = run.Ids[key(n)];
                var adopt = owner[n].Nth == 0 && owner[n].Member < OpinionsAdopted;
                var done = adopt
                    ? await changes.AdoptAsync(id, office, default)
                    : await changes.NotAdoptAsync(id, new Opinions.NotAdoptOpinionRequest("已转有关部门参考"), office, default);
                if (!done.IsSuccess) throw new InvalidOperationException("demo opinions: " + done.Error!.Message);
                if (!adopt) continue;
                done = await changes.ForwardAsync(id, new Opinions.ForwardOpinionRequest("市委、市政府领导"), office, default);
                if (!done.IsSuccess) throw new InvalidOperationException("demo opinions: " + done.Error!.Message);
                for (var k = 0; k < (adopted < Instructions - OpinionsAdopted ? 2 : 1); k++)
                {
                    done = await changes.InstructAsync(id, new Opinions.InstructOpinionRequest(k == 0 ? "市政府分管副市长" : "市委副书记", "请有关部门认真研究，提出具体措施。", "2025-06-1" + k), office, default);
                    if (!done.IsSuccess) throw new InvalidOperationException("demo opinions: " + done.Error!.Message);
                }
                adopted++;
            }
            run.Fresh();
        });
    }

    /// <summary>
    /// 2025's 36 research-consultation topics (each with its report) and 87 consultation events: each of the 89 members
    /// who take a full part joins three topics and three events (one audited change for them all, one per report).
    /// </summary>
    private static void ScheduleConsultations(DemoSchedule schedule)
    {
        schedule.At(At(12, 20, 15), async run =>
        {
            var ids = await MemberIds(run, Bodies.Cppcc, CppccMembers);
            List<Opinions.NewConsultationRequest> requests = [];
            static string D(int n) => new DateOnly(2025, 3, 1).AddDays(n * 2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            long[] Joining(int count, int n) => [.. Enumerable.Range(0, CppccExcellent).Where(i => Enumerable.Range(0, 3).Any(k => (3 * i + k) % count == n)).Select(i => ids[i])];
            for (var n = 0; n < Topics2025; n++)
                requests.Add(new(Bodies.Cppcc, "topic", $"重点调研协商课题：{Topics[n % Topics.Length].Topic}", D(n), Joining(Topics2025, n)));
            for (var n = 0; n < Events2025; n++)
                requests.Add(new(Bodies.Cppcc, "event", $"委员议事厅协商活动（第{n + 1}场）", D(n + 10), Joining(Events2025, n)));
            var office = await run.ActorAsync(CppccOffice);
            var changes = run.Get<Opinions.ConsultationChanges>();
            var made = await changes.AddManyAsync(requests, office, default);
            if (!made.IsSuccess) throw new InvalidOperationException("demo consultations: " + made.Error!.Message);
            foreach (var topic in made.Value!.Where(c => c.Kind == "topic"))
            {
                var reported = await changes.ReportAsync(topic.Id, new Opinions.ConsultationReportRequest(topic.Title + "：调研报告，梳理问题，提出对策建议。"), office, default);
                if (!reported.IsSuccess) throw new InvalidOperationException("demo consultations: " + reported.Error!.Message);
            }
            run.Fresh();
        });
    }
}
