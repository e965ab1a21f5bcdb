using System.Globalization;
using System.Text.Json;
using Duban.Data;
using Duban.Features.Demo;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Sealing;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Bench;

/// <summary>
/// A city's year of matters for the benches (`lists`, `pages --matters`, `scale`): N matters received
/// over the year before now, arriving as a hotline's calls arrive (few at night, peaks 9–11 and 14–17
/// China time, weekends about half), with the kind, channel, category, urgency and confidentiality of a
/// demo matter drawn at random (data/demo/jiangmen-matters.json, so the demo's spread), in a town and
/// village of Jiangmen (counties weighted as the demo's matters are, smoothed), led by the town's
/// government, the county's or the city's department for the complaint; each then lives its life on the
/// real clock (MatterClock, the shipped time-limit policies and working-day calendar): dispatch within
/// hours, signing mostly within the signing limit, work mostly done on time, review, feedback. What
/// has happened by now decides its state, so old matters are closed and about 4 % are overdue (a few
/// matters the unit sits on, and late work not yet done). Titles, contents, places and outcomes are
/// combined from real complaint phrases, so words like 噪音、占道、拖欠、工资、路灯 occur as often as
/// their complaints do. Each matter gets its events (register, dispatch, accept, complete, approve,
/// feedback, return, reject, merge, urge) as the actions write them, but not a verifiable chain: their
/// hashes are placeholders and the head is moved past them, so later real events chain on (audit
/// verify is not for a bench database). Deterministic from the seed, but for "now".
/// Written through the DubanDb's own connection with <see cref="SqlBatch"/>, in transactions of 2,000.
/// Resumable: each transaction also counts its matters in the bench's own table <c>bench_fill</c>, so a
/// fill that was stopped (10 M on PostgreSQL takes hours) goes on from its last committed batch when run
/// again with the same N, with the same arrival times (drawn first from the seed) relative to the new now.
/// On PostgreSQL the events' monthly partitions are made sure of for the whole year first (as the demo's load
/// does, <see cref="EventPartitions.HistoryMonths"/>; a generated past would otherwise sit in <c>events_default</c>).
/// </summary>
internal static class RealisticMatters
{
    public const int DefaultSeed = 20261206;

    /// <summary>The share of matters whose unit sits on them (never completes): most of the overdue ones.</summary>
    private const double Stuck = 0.035;

    /// <summary>Matters whose work is done after the deadline (then closed late).</summary>
    private const double Late = 0.06;

    /// <summary>Calls by hour of the day, China time (12345 hotline shape: night low, 9–11 and 14–17 peaks).</summary>
    internal static readonly double[] HourWeights =
        [0.8, 0.5, 0.3, 0.25, 0.25, 0.4, 1.0, 2.4, 5.5, 8.5, 9.0, 8.0, 4.5, 4.0, 7.5, 8.5, 8.5, 7.5, 5.0, 4.0, 3.6, 3.0, 2.0, 1.3];

    /// <summary>By day of the week (Sunday first): weekends about half a weekday, Monday a little more.</summary>
    internal static readonly double[] DayWeights = [0.5, 1.15, 1.05, 1.0, 1.0, 0.95, 0.55];

    /// <summary>A complaint's title and content (placeholders {v} village or community, {t} town, {r} road, {n} a number), its outcome, the county department that handles it.</summary>
    private sealed record Phrase(string Title, string Content, string Outcome, string Department, double Weight = 1);

    private static readonly Dictionary<string, Phrase[]> Phrases = new(StringComparer.Ordinal)
    {
        ["城乡建设"] =
        [
            new("{v}路灯不亮", "{v}{r}一带的路灯已经坏了{n}天，晚上出行很不安全，老人小孩容易摔倒，请尽快维修。", "已安排维修人员更换路灯灯具和线路，现已恢复照明。", "cgj", 3),
            new("{r}商户占道经营", "{r}多家商户长期把货物摆到人行道上，占道经营，行人只能走机动车道，存在安全隐患。", "城管执法人员已到场劝导，清理占道物品，并将该路段纳入日常巡查。", "cgj", 2.5),
            new("{v}违章搭建", "{v}有村民在自家楼顶违章搭建铁皮房，影响邻居采光和消防通道，请相关部门查处。", "经现场核查属实，已下达限期整改通知书，当事人已自行拆除违章搭建部分。", "zjj", 1.5),
            new("{r}道路坑洼积水", "{r}路面坑洼不平，下雨后积水严重，车辆经过溅水，请尽快修补路面。", "已组织施工队对破损路面进行修补，排水口已疏通。", "zjj", 2),
            new("{v}排水管道堵塞", "{v}排水管道堵塞，污水外溢，臭味很大，已持续{n}天。", "已派人疏通排水管道并清理淤泥，后续加强巡查。", "zjj", 1.5),
            new("{r}井盖破损", "{r}{n}号门口的井盖破损下沉，晚上看不清，容易发生意外。", "已更换井盖并设置警示标志。", "cgj"),
            new("{v}小区电梯故障频繁", "{v}小区电梯经常故障停运，物业维修不及时，业主上下楼很困难。", "已督促物业公司维修电梯并落实维保责任。", "zjj"),
        ],
        ["环境保护"] =
        [
            new("{r}夜间施工噪音扰民", "{r}附近工地夜间施工，噪音持续到凌晨，严重影响周边居民休息，请有关部门尽快处理。", "已责令施工单位停止夜间施工，确需连续作业的须办理夜间施工许可并公示。", "cgj", 3),
            new("{v}广场舞噪音扰民", "{v}广场每晚跳广场舞，音响声音太大，噪音影响居民休息和学生学习。", "社区已与广场舞队伍沟通，调低音量并限定活动时间至晚上九点。", "cgj", 1.5),
            new("{r}餐饮店油烟扰民", "{r}{n}号餐饮店油烟直排，住在楼上的居民无法开窗，气味很大。", "已责令餐饮店安装油烟净化设施并定期清洗。", "cgj", 1.5),
            new("{v}工厂排放废气异味", "{v}附近工厂晚上排放废气，有刺鼻异味，居民担心影响健康。", "执法人员已对该厂进行检查采样，责令其整改废气处理设施。", "sthjj", 1.5),
            new("{v}河涌污水黑臭", "{v}河涌水体发黑发臭，有生活污水直排，夏天蚊虫很多。", "已排查截污管网，封堵直排口，并开展清淤。", "sthjj"),
            new("{v}蚝壳堆放发臭", "{v}路边长期堆放蚝壳，腐烂发臭，影响村容村貌。", "已协调清运堆放的蚝壳，并指定集中堆放点。", "nyncj", 0.08),
        ],
        ["劳动和社会保障"] =
        [
            new("{t}某工地拖欠农民工工资", "本人在{t}某工地务工，包工头拖欠农民工工资{n}千元至今未付，多次讨要无果，请帮忙追讨。", "经劳动监察大队协调，施工单位已将拖欠的工资足额支付给农民工。", "rsj", 3),
            new("{t}某厂拖欠工资", "本人在{t}一家工厂上班，工厂拖欠两个月工资，老板说资金紧张，一直拖欠不发。", "已约谈企业负责人，企业已制定还款计划并按期发放拖欠工资。", "rsj", 2),
            new("{t}企业未依法缴纳社保", "{t}某企业入职一年未给员工缴纳社会保险，请相关部门核查。", "已责令企业限期为员工补缴社会保险费。", "rsj"),
            new("咨询灵活就业社保缴费", "本人是灵活就业人员，想咨询在{t}如何办理社保缴费和缴费基数。", "已电话答复缴费办理渠道和标准。", "rsj"),
        ],
        ["交通运输"] =
        [
            new("{r}车辆占道停放堵塞交通", "{r}路段经常有车辆占道停放，早晚高峰堵塞严重，公交车也过不去。", "交警部门已加强该路段巡逻，对占道停放车辆依法处理，并增设禁停标志。", "gaj", 1.5),
            new("{r}公交站台破损", "{r}公交站台顶棚破损，下雨天候车乘客没有地方避雨。", "公交公司已对站台进行维修。", "jtj"),
            new("{t}客运班车班次减少", "{t}到市区的客运班车班次减少，群众出行不便，希望增加班次。", "已协调客运企业在早晚高峰增加班次。", "jtj"),
            new("{r}红绿灯故障", "{r}路口红绿灯故障，车辆和行人通行混乱，存在安全隐患。", "已修复信号灯故障。", "gaj"),
        ],
        ["邮政快递"] =
        [
            new("{t}快递上岛收取过海费", "{t}快递取件要另交过海费，每件多收几元，群众意见很大，请规范收费。", "已约谈相关快递网点，停止额外收费，并推动统仓共配。", "yzj", 1.5),
            new("{v}快递无法送货上门", "{v}快递不送货上门，要到几公里外的网点自提，老人取件不便。", "已协调快递企业在村里设立收发点。", "yzj"),
            new("{t}快递网点乱收费", "{t}某快递网点以保管费名义向取件人收费，请核查。", "已责令该网点停止违规收费并退还费用。", "yzj"),
        ],
        ["教育文体"] =
        [
            new("{t}学校学位紧张", "{t}今年小学学位紧张，孩子入学难，希望尽快增加学位。", "教育部门已统筹调配学位，并加快新校区建设。", "jyj"),
            new("{v}校外培训机构收费不退", "{v}一家校外培训机构停课后拒不退还学费，涉及多名家长。", "已约谈培训机构负责人，督促其按合同退还学费。", "jyj"),
            new("{v}体育场地设施损坏", "{v}体育公园的健身器材损坏多时，存在安全隐患。", "已更换损坏的健身器材。", "jyj", 0.5),
        ],
        ["卫生计生"] =
        [
            new("{t}卫生院就医排队时间长", "{t}卫生院看病排队时间长，挂号窗口少，希望改善。", "卫生院已增设自助挂号机并优化就诊流程。", "wjj"),
            new("{v}诊所无证行医", "{v}有一家诊所无证行医，请卫生监督部门查处。", "经查属实，已依法取缔并处罚。", "wjj", 0.5),
        ],
        ["公安治安"] =
        [
            new("{v}夜间聚众喧哗", "{v}每晚有人在路边大排档聚众喧哗到深夜，影响居民休息。", "派出所已加强夜间巡逻并对经营者进行教育。", "gaj"),
            new("{r}电动车被盗", "本人停放在{r}的电动车被盗，希望加强治安巡逻，安装监控。", "派出所已受理立案，并在该路段增设监控。", "gaj"),
        ],
        ["民政"] =
        [
            new("{v}低保申请进度咨询", "本人在{v}申请低保已经{n}个月，至今没有结果，想了解办理进度。", "已答复审核进度，材料齐全后按程序审批。", "mzj"),
            new("{t}养老院服务质量差", "{t}某养老院护理人员不足，老人照顾不周。", "已对养老院开展检查，督促其配齐护理人员。", "mzj"),
        ],
        ["农业农村"] =
        [
            new("{v}农田灌溉水渠堵塞", "{v}农田灌溉水渠堵塞，田里缺水，影响耕种。", "已组织清理水渠，恢复灌溉。", "nyncj"),
            new("{v}村道硬底化未完成", "{v}村道硬底化工程停工多时，雨天泥泞难行。", "已督促施工单位复工，预计月底完工。", "nyncj"),
        ],
        ["商贸旅游"] =
        [
            new("{t}景区门票价格不透明", "{t}某景区门票价格不明码标价，现场收费与网上不一致。", "已责令景区明码标价，并退还多收费用。", "scjgj"),
            new("{r}商铺虚假宣传", "{r}某商铺以虚假宣传诱导老人购买保健品。", "已立案调查，责令其停止虚假宣传。", "scjgj"),
        ],
        ["企业诉求"] =
        [
            new("{t}企业用地审批进度慢", "{t}本企业扩产项目用地审批进度慢，希望加快办理。", "已协调自然资源部门开辟绿色通道，审批已完成。", "zrzyj"),
            new("{t}企业用电增容申请", "{t}本企业新生产线投产需要用电增容，申请多时未落实。", "已协调供电部门完成增容。", "fgj"),
            new("{t}企业技改补贴兑现", "本企业去年完成技术改造，补贴资金至今未兑现。", "补贴资金已拨付到位。", "fgj"),
        ],
        ["纪律作风"] =
        [
            new("反映{t}某干部作风问题", "反映{t}某工作人员办事推诿，群众多次办理业务被要求反复提交材料。", "经核查，已对相关人员进行批评教育并责令改正。", "jw"),
            new("反映{t}工作人员吃拿卡要", "反映{t}某站所工作人员在办理审批时吃拿卡要。", "经初步核实，已移交相关纪检监察机关处理。", "jw"),
        ],
        ["其他"] =
        [
            new("{t}政策咨询", "想咨询{t}有关惠民政策的申请条件和办理流程。", "已电话答复有关政策。", "fgj"),
            new("{v}噪音和卫生问题", "{v}周边噪音大，垃圾清运不及时，环境卫生差。", "已督促清运垃圾并加强管理。", "cgj", 0.5),
        ],
    };

    private static readonly string[] Roads = ["人民路", "解放路", "建设路", "新华路", "中山路", "东华路", "港口路", "迎宾大道", "江门大道", "胜利路", "跃进路", "五邑路", "侨兴路", "环市路", "北新路", "朝阳路"];
    private static readonly string[] Intros = ["", "市民来电反映：", "群众反映：", "来电人反映，", "本人是当地居民，", "网民留言："];
    private static readonly string[] Asks = ["", "请有关部门尽快处理。", "希望相关部门核实处理。", "请尽快给予答复。", "望尽快解决。"];
    private static readonly string[] Surnames = ["陈", "李", "黄", "张", "梁", "林", "吴", "谭", "关", "余", "伍", "甄"];

    /// <summary>What a fill made: its counts, for the bench's report.</summary>
    internal sealed record Facts(int Matters, long Events, int Overdue, IReadOnlyDictionary<string, int> States, int[] ByChinaHour, int[] ByWeekday, DateTimeOffset Now);

    private sealed record Town(string Code, string Name, string County, string CountyName, string[] Villages);

    private sealed class Life
    {
        public DateTimeOffset Received;
        public string Kind = "";
        public string Channel = "";
        public string Category = "";
        public string Urgency = "";
        public bool Confidential;
    }

    /// <summary>Fills N matters as described above; returns what it made.</summary>
    internal static async Task<Facts> FillAsync(IServiceProvider services, int count, int seed = DefaultSeed, TextWriter? progress = null)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<DubanDb>();
        var units = await sp.GetRequiredService<UnitDirectory>().AllAsync();
        var clock = sp.GetRequiredService<MatterClock>();
        var sealer = sp.GetRequiredService<Sealer>();
        var numbers = sp.GetRequiredService<RegisterNumbers>();
        var gazetteer = sp.GetRequiredService<GeoService>().Gazetteer;
        var demo = DemoRows();
        var users = await db.Users.AsNoTracking().Select(u => new { u.Username, u.Id, u.DisplayName, u.UnitCode }).ToDictionaryAsync(u => u.Username, StringComparer.Ordinal);
        var random = new Random(seed);
        var now = Common.Clock.Normalize(DateTimeOffset.UtcNow);

        // Towns and streets with a government among the demo's units, each with its villages and communities.
        var divisions = gazetteer.Divisions;
        var towns = units.Values.Where(u => u.Kind is "town" or "street").OrderBy(u => u.Code, StringComparer.Ordinal).Select(u =>
        {
            var at = divisions.Find(u.TerritoryCode);
            var villages = at < 0 ? [] : divisions.Children(at).Select(divisions.Name).ToArray();
            var county = u.TerritoryCode[..6];
            return new Town(u.TerritoryCode, u.ShortName ?? u.Name, county, units.TryGetValue(county, out var c) ? c.ShortName ?? c.Name : "", villages.Length > 0 ? villages : ["中心社区"]);
        }).ToArray();
        // Counties weighted as the demo's matters fall (their lead unit's county), plus two each so that none is empty.
        var countyWeight = towns.Select(t => t.County).Distinct().ToDictionary(c => c, c => 2.0 + demo.Count(r => r.LeadUnitCode is { } l && l.StartsWith(c, StringComparison.Ordinal)), StringComparer.Ordinal);
        var townWeights = towns.Select(t => countyWeight[t.County] / towns.Count(x => x.County == t.County)).ToArray();

        // Arrivals: every hour of the year weighted by its hour and weekday (China time), N drawn, in time order.
        // Whole hours, so that each weighted slot is one hour of the clock.
        var start = new DateTimeOffset(now.UtcDateTime.Date.AddHours(now.UtcDateTime.Hour), TimeSpan.Zero).AddDays(-365);
        var slotWeights = new double[365 * 24];
        for (var h = 0; h < slotWeights.Length; h++)
        {
            var local = start.AddHours(h).ToOffset(Common.Clock.ChinaOffset);
            slotWeights[h] = HourWeights[local.Hour] * DayWeights[(int)local.DayOfWeek];
        }
        var received = Arrivals(random, start, now, slotWeights, count);
        await EventPartitions.EnsureAsync(db, sp.GetRequiredService<TimeProvider>(), default, EventPartitions.HistoryMonths);
        var resumed = await ResumeAsync(db, seed, count);
        if (resumed > 0 && progress is not null) await progress.WriteLineAsync($"  resuming a stopped fill: {resumed} of {count} matters already written");

        var facts = new FactsBuilder();
        // After the last event, whichever chain it is on (docs/adr/0006).
        var seq = await db.Events.MaxAsync(e => (long?)e.Seq) ?? 0;
        var dispatcher = users["dispatcher"];
        var supervisor = users["supervisor"];
        for (var done = resumed; done < count;)
        {
            var n = Math.Min(2000, count - done);
            await using var tx = await db.Database.BeginTransactionAsync();
            var ids = await numbers.NextAsync(now, n, default);
            var matters = new List<Matter>(n);
            var assignments = new List<Assignment>(n + n / 20);
            var events = new List<MatterEvent>(n * 6);
            var returns = new List<DispatchReturn>();
            for (var i = 0; i < n; i++)
            {
                var template = demo[random.Next(demo.Count)];
                var life = new Life
                {
                    Received = received[done + i],
                    Kind = template.Kind,
                    Channel = template.Channel,
                    Category = template.Category ?? "其他",
                    Urgency = template.Urgency,
                    Confidential = template.Confidential,
                };
                var town = towns[Pick(random, townWeights)];
                var phrases = Phrases.GetValueOrDefault(life.Category) ?? Phrases["其他"];
                var phrase = phrases[Pick(random, phrases.Select(p => p.Weight).ToArray())];
                var village = town.Villages[random.Next(town.Villages.Length)];
                var road = town.Name + Roads[random.Next(Roads.Length)];
                string Fill(string text) => text.Replace("{v}", village, StringComparison.Ordinal).Replace("{t}", town.Name, StringComparison.Ordinal)
                    .Replace("{r}", road, StringComparison.Ordinal).Replace("{n}", (2 + random.Next(20)).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
                var m = new Matter
                {
                    Id = ids[i].Id,
                    Number = ids[i].Number,
                    Kind = life.Kind,
                    Channel = life.Channel,
                    Title = Fill(phrase.Title),
                    Content = Intros[random.Next(Intros.Length)] + Fill(phrase.Content) + Asks[random.Next(Asks.Length)],
                    Location = $"{town.CountyName}{town.Name}{village}" + (random.Next(3) == 0 ? road[town.Name.Length..] + (1 + random.Next(200)).ToString(CultureInfo.InvariantCulture) + "号" : ""),
                    Category = life.Category,
                    Urgency = life.Urgency,
                    ReceivedAt = life.Received,
                    RegisteredAt = life.Received,
                    RegisteredBy = dispatcher.Id,
                    Confidential = life.Confidential,
                    Status = Status.Received,
                    UpdatedAt = life.Received,
                    Version = 1,
                };
                m.SetTerritory(town.Code);
                m.RaiserAnonymous = random.NextDouble() < 0.3;
                if (!m.RaiserAnonymous)
                {
                    var phone = "13" + random.Next(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
                    m.RaiserSealed = sealer.Seal(JsonSerializer.Serialize(new RaiserInput(Surnames[random.Next(Surnames.Length)] + (random.Next(2) == 0 ? "先生" : "女士"), phone)), RegisterMatter.RaiserContext(m.Number));
                }
                clock.Register(m);
                // The unit that leads it: the town's government for most of a hotline's complaints, else the county's department for it, else the city's.
                var leadCode = LeadUnit(random, units, template, town, phrase, life.Kind);
                if (life.Confidential) m.SubjectUnitCode = units.ContainsKey(town.Code) ? town.Code : null;
                var lead = units[leadCode];
                void Event(DateTimeOffset at, string username, string action, string? from, string? to, string? reason = null, string data = "{}")
                {
                    var u = users.GetValueOrDefault(username) ?? dispatcher;
                    events.Add(new MatterEvent
                    {
                        Seq = ++seq,
                        MatterId = m.Id,
                        At = at,
                        ActorId = u.Id,
                        ActorName = u.DisplayName,
                        ActorUnitCode = u.UnitCode,
                        Action = action,
                        FromStatus = from,
                        ToStatus = to,
                        Reason = reason,
                        Data = data,
                        StateHash = "bench",
                        PrevHash = "bench",
                        Hash = "bench",
                    });
                    m.Version++;
                    m.UpdatedAt = at;
                }
                events.Add(new MatterEvent
                {
                    Seq = ++seq,
                    MatterId = m.Id,
                    At = m.ReceivedAt,
                    ActorId = dispatcher.Id,
                    ActorName = dispatcher.DisplayName,
                    ActorUnitCode = dispatcher.UnitCode,
                    Action = "register",
                    ToStatus = Status.Received,
                    Data = "{}",
                    StateHash = "bench",
                    PrevHash = "bench",
                    Hash = "bench",
                });
                Live(random, m, life, now, clock, lead, units, town, phrase, Fill, Event, assignments, returns, matters.Count > 0 ? matters[random.Next(matters.Count)].Id : null);
                clock.Refresh(m);
                matters.Add(m);
                facts.Add(m, now);
            }
            // The full-text index is written with the matters, as registration writes it (Features/Search).
            var batch = new SqlBatch(db).Insert(matters).Insert(assignments).Insert(events).Insert(returns)
                .Append("UPDATE audit_head SET seq = {0} WHERE id = 1", seq)
                .Append("UPDATE bench_fill SET done = done + {0}", n);
            // On PostgreSQL the next event's number comes from a sequence: past the ones written here.
            if (db.IsPostgres) batch.Append("SELECT setval('events_seq', {0})", seq);
            await Features.Search.MatterSearch.Append(batch, db.IsPostgres, matters).ExecuteAsync(default);
            await tx.CommitAsync();
            done += n;
            facts.Events += events.Count;
            if (progress is not null && done % 100_000 == 0) await progress.WriteLineAsync($"  … {done} matters");
        }
        // PostgreSQL's autovacuum would analyse the new rows in its own time: now, so that the first rows are planned as later ones.
        // SQLite is never analysed by Duban (its plans are the heuristics' ones, as WholeTableTests reads them): nor here.
        if (db.IsPostgres) await db.Database.ExecuteSqlRawAsync("ANALYZE");
        // The generated matters are counted as the tally job would count them (Features/Tally).
        await scope.ServiceProvider.GetRequiredService<Features.Tally.Tallies>().RebuildAsync(default);
        return facts.Build(count, now);
    }

    /// <summary>The matters a stopped fill of the same seed and size already committed (0 for a new fill, which it records).</summary>
    private static async Task<int> ResumeAsync(DubanDb db, int seed, int count)
    {
        await db.Database.ExecuteSqlRawAsync("CREATE TABLE IF NOT EXISTS bench_fill (seed integer NOT NULL, total integer NOT NULL, done integer NOT NULL)");
        var done = await db.Database.SqlQuery<int>($"SELECT done AS \"Value\" FROM bench_fill WHERE seed = {seed} AND total = {count}").ToListAsync();
        if (done.Count == 1) return done[0];
        await db.Database.ExecuteSqlAsync($"DELETE FROM bench_fill");
        await db.Database.ExecuteSqlAsync($"INSERT INTO bench_fill (seed, total, done) VALUES ({seed}, {count}, 0)");
        return 0;
    }

    /// <summary>The life of one matter from its receipt to now, by the real clock: its state, fields, assignments and events.</summary>
    private static void Live(Random random, Matter m, Life life, DateTimeOffset now, MatterClock clock, UnitInfo lead, IReadOnlyDictionary<string, UnitInfo> units,
        Town town, Phrase phrase, Func<string, string> fill, Action<DateTimeOffset, string, string, string?, string?, string?, string> @event,
        List<Assignment> assignments, List<DispatchReturn> returns, long? earlier)
    {
        void Event(DateTimeOffset at, string user, string action, string? from, string? to, string? reason = null, string data = "{}") => @event(at, user, action, from, to, reason, data);
        var t = m.ReceivedAt;
        var fate = random.NextDouble();
        // Rejected (not within the scope of acceptance) or merged into an earlier matter of the same request, within hours.
        if (fate < 0.03 || (fate < 0.05 && earlier is not null))
        {
            var at = t + Hours(random, 0.5, 8);
            if (at > now) return;
            var reject = fate < 0.03;
            m.Status = reject ? Status.Rejected : Status.Merged;
            m.StatusReason = reject ? "不属于受理范围" : "与已受理事项为同一诉求";
            if (!reject) m.MergedIntoId = earlier;
            m.YellowAt = null;
            Event(at, "dispatcher", reject ? "reject" : "merge", Status.Received, m.Status, m.StatusReason);
            return;
        }
        var dispatchAt = t + Hours(random, 0.2, m.Urgency == "normal" ? 6 : 1);
        if (dispatchAt > now) return;
        var handler = "h-" + lead.Code;
        var policy = clock.DefaultPolicy(m.Kind, m.Urgency);
        Assignment Dispatch(UnitInfo unit, DateTimeOffset at)
        {
            var a = new Assignment { MatterId = m.Id, UnitCode = unit.Code, UnitTerritoryCode = unit.TerritoryCode, Role = "lead", AssignedAt = at, SignDueAt = policy.Sign.From(at, clock.Calendar), Active = true };
            assignments.Add(a);
            m.Assignments.Add(a);
            m.LeadUnitCode = unit.Code;
            m.TimePolicy = policy.Id;
            clock.Restart(m, at, policy.Handle.From(at, clock.Calendar));
            m.Status = Status.Dispatched;
            m.StatusReason = null;
            return a;
        }
        var from = m.Status;
        var share = Dispatch(lead, dispatchAt);
        Event(dispatchAt, "dispatcher", "dispatch", from, Status.Dispatched, null, $$"""{"timePolicy":"{{policy.Id}}"}""");
        // One in fifty with a co-handling unit: the county's department of another trade.
        if (random.Next(50) == 0 && units.GetValueOrDefault(town.County + "-gaj") is { } co && co.Code != lead.Code)
            assignments.Add(new Assignment { MatterId = m.Id, UnitCode = co.Code, UnitTerritoryCode = co.TerritoryCode, Role = "co", AssignedAt = dispatchAt, SignDueAt = share.SignDueAt, Active = true });

        // Returned (退单) within the two working days: most are dispatched elsewhere within hours.
        if (random.NextDouble() < 0.03)
        {
            var back = dispatchAt + Hours(random, 1, 20);
            var window = clock.Calendar.EndOfWorkdays(dispatchAt, 2);
            if (back < window && back <= now)
            {
                share.Active = false;
                var judged = new DispatchReturn
                {
                    MatterId = m.Id,
                    UnitCode = lead.Code,
                    UnitTerritoryCode = lead.TerritoryCode,
                    DispatchedAt = dispatchAt,
                    WindowEndsAt = window,
                    ReturnedAt = back,
                    Reason = "不属于本单位职责",
                    State = DispatchReturn.Pending,
                };
                returns.Add(judged);
                m.LeadUnitCode = null;
                m.Status = Status.Returned;
                m.StatusReason = judged.Reason;
                m.ReturnCount++;
                MatterClock.Stop(m);
                clock.Waiting(m);
                Event(back, handler, "return", Status.Dispatched, Status.Returned, judged.Reason);
                var again = back + Hours(random, 1, 24);
                if (again > now) return;
                // Dispatched again, to the county's department of the trade (upheld), or to the same unit (overruled).
                var next = units.GetValueOrDefault(town.County + "-" + phrase.Department) is { } d && d.Code != lead.Code && random.Next(4) > 0 ? d : lead;
                judged.State = next.Code == lead.Code ? DispatchReturn.Overruled : DispatchReturn.Upheld;
                judged.DecidedAt = again;
                judged.DecidedBy = "dispatcher";
                lead = next;
                handler = "h-" + lead.Code;
                dispatchAt = again;
                share = Dispatch(lead, again);
                Event(again, "dispatcher", "dispatch", Status.Returned, Status.Dispatched, null, $$"""{"timePolicy":"{{policy.Id}}"}""");
            }
        }

        var handling = m.DueAt!.Value - dispatchAt;
        var stuck = random.NextDouble() < Stuck;
        var signWindow = share.SignDueAt!.Value - dispatchAt;
        // Signed mostly within the limit; one in twenty late; a unit that sits on a matter may never sign.
        var signAt = random.NextDouble() < 0.95 ? dispatchAt + signWindow * (0.05 + 0.9 * random.NextDouble()) : dispatchAt + signWindow * (1.1 + random.NextDouble());
        if ((stuck && random.Next(5) == 0) || signAt > now)
        {
            Urges(random, m, now, Event);
            return;
        }
        share.AcceptedAt = signAt;
        m.Status = Status.InProgress;
        Event(signAt, handler, "accept", Status.Dispatched, Status.InProgress);
        var late = random.NextDouble() < Late;
        var completeAt = dispatchAt + handling * (late ? 1.02 + 0.6 * random.NextDouble() : 0.15 + 0.8 * random.NextDouble());
        if (completeAt < signAt) completeAt = signAt + TimeSpan.FromMinutes(30);
        if (stuck || completeAt > now)
        {
            m.Progress = 10 * random.Next(0, 9);
            Urges(random, m, now, Event);
            return;
        }
        m.PausedAt = completeAt;
        m.PauseKind = MatterClock.ReviewPause;
        m.Outcome = fill(phrase.Outcome);
        m.Progress = 100;
        m.Status = Status.PendingReview;
        Event(completeAt, handler, "complete", Status.InProgress, Status.PendingReview);
        var approveAt = completeAt + Hours(random, 1, 48);
        if (approveAt > now) return;
        m.Status = Status.Closed;
        m.ClosedAt = approveAt;
        MatterClock.Stop(m);
        Event(approveAt, "dispatcher", "approve", Status.PendingReview, Status.Closed, "办理结果符合要求");
        // 回访: seven in ten named raisers are called back within days.
        var feedbackAt = approveAt + Hours(random, 2, 96);
        if (m.RaiserAnonymous || random.NextDouble() > 0.7 || feedbackAt > now) return;
        m.FeedbackResolved = random.NextDouble() < 0.88;
        var score = random.NextDouble();
        m.FeedbackSatisfaction = score < 0.76 ? "satisfied" : score < 0.93 ? "basically_satisfied" : "dissatisfied";
        Event(feedbackAt, "dispatcher", "feedback", Status.Closed, Status.Closed, "电话回访",
            $$"""{"resolved":{{(m.FeedbackResolved == true ? "true" : "false")}},"satisfaction":"{{m.FeedbackSatisfaction}}"}""");
    }

    /// <summary>A matter past its deadline and still held is urged once to three times by the supervisor (the job would add notices; it is off in the benches).</summary>
    private static void Urges(Random random, Matter m, DateTimeOffset now, Action<DateTimeOffset, string, string, string?, string?, string?, string> @event)
    {
        if (m.DueAt is not { } due || due > now) return;
        var times = 1 + random.Next(3);
        for (var k = 0; k < times; k++)
        {
            var at = due + (now - due) * ((k + 1.0) / (times + 1));
            m.UrgeCount++;
            @event(at, "supervisor", "urge", m.Status, m.Status, "请加快办理进度，按期办结", "{}");
        }
    }

    private static string LeadUnit(Random random, IReadOnlyDictionary<string, UnitInfo> units, DemoSeeder.MatterRow template, Town town, Phrase phrase, string kind)
    {
        // Confidential reports and a meeting's tasks go where the demo's went (an inspection group, the discipline commission, a city bureau).
        if ((template.Confidential || kind is "task" or "report") && template.LeadUnitCode is { } own && units.ContainsKey(own) && random.Next(2) == 0) return own;
        var roll = random.NextDouble();
        if (roll < 0.6 && units.ContainsKey(town.Code)) return town.Code;
        if (roll < 0.92 && units.ContainsKey(town.County + "-" + phrase.Department)) return town.County + "-" + phrase.Department;
        if (units.ContainsKey("4407-" + phrase.Department)) return "4407-" + phrase.Department;
        return units.ContainsKey(town.Code) ? town.Code : town.County;
    }

    private static TimeSpan Hours(Random random, double min, double max) => TimeSpan.FromHours(min + (max - min) * random.NextDouble());

    private static int Pick(Random random, double[] weights)
    {
        var x = random.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            x -= weights[i];
            if (x < 0) return i;
        }
        return weights.Length - 1;
    }

    /// <summary>N arrival times drawn from the weighted hours, in time order, to the minute.</summary>
    private static DateTimeOffset[] Arrivals(Random random, DateTimeOffset start, DateTimeOffset now, double[] slotWeights, int count)
    {
        var cumulative = new double[slotWeights.Length];
        var sum = 0.0;
        for (var i = 0; i < slotWeights.Length; i++) cumulative[i] = sum += slotWeights[i];
        var times = new DateTimeOffset[count];
        for (var i = 0; i < count; i++)
        {
            var slot = Array.BinarySearch(cumulative, random.NextDouble() * sum);
            if (slot < 0) slot = ~slot;
            var at = start.AddHours(Math.Min(slot, slotWeights.Length - 1)).AddSeconds(random.Next(3600));
            times[i] = Common.Clock.Normalize(at < now ? at : now.AddSeconds(-random.Next(3600)));
        }
        Array.Sort(times);
        return times;
    }

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    internal static List<DemoSeeder.MatterRow> DemoRows()
    {
        using var stream = typeof(DemoSeeder).Assembly.GetManifestResourceStream("Duban.Demo.jiangmen-matters.json")
            ?? throw new InvalidOperationException("the demo's matters are missing from the build");
        return JsonSerializer.Deserialize<List<DemoSeeder.MatterRow>>(stream, WebJson) ?? [];
    }

    private sealed class FactsBuilder
    {
        private readonly Dictionary<string, int> states = new(StringComparer.Ordinal);
        private readonly int[] hours = new int[24];
        private readonly int[] days = new int[7];
        private int overdue;
        public long Events;

        public void Add(Matter m, DateTimeOffset now)
        {
            states[m.Status] = states.GetValueOrDefault(m.Status) + 1;
            var local = m.ReceivedAt.ToOffset(Common.Clock.ChinaOffset);
            hours[local.Hour]++;
            days[(int)local.DayOfWeek]++;
            if (MatterClock.IsOverdue(m.Status, m.DueAt, m.PausedAt, now)) overdue++;
        }

        public Facts Build(int count, DateTimeOffset now) => new(count, Events, overdue, states, hours, days, now);
    }
}
