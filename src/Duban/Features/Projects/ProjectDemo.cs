using System.Globalization;
using Duban.Features.Demo;

namespace Duban.Features.Projects;

/// <summary>
/// The demo's 2023 key-project ledger at the seeds' scale (003: 全市安排市重点正式项目665个，年度计划投资1234.8亿元；其中
/// 省重点正式项目128个，年度计划投资491.9亿元; 361 key industrial projects): 128 provincial projects planned at 49.19
/// billion yuan and 537 further city ones at 74.29 billion, 361 of the 665 industrial, generated (made-up names and
/// amounts, the seeds' totals exactly); and 江海区's two schools of 002 (景贤小学北校区, 36 classes, 1,620 places;
/// 高新区第一小学, 48 classes, 2,160 places; to open in September 2024) as county key projects with their milestones
/// and quarterly reports. Imported by the city's supervisor as one audited change; the schools' reports by 江海区教育局.
/// </summary>
public sealed class ProjectDemo : IDemoStories
{
    public const int Year = 2023;
    public const int Provincial = 128;
    public const int CityOthers = 537;
    public const int Industrial = 361;
    public const decimal ProvincialPlanned = 49_190_000_000m;
    public const decimal CityOthersPlanned = 74_290_000_000m;
    public const string SchoolsOwner = "440704-jyj";

    private static readonly (string Code, string Name)[] Places =
        [("440703", "蓬江区"), ("440704", "江海区"), ("440705", "新会区"), ("440781", "台山市"), ("440783", "开平市"), ("440784", "鹤山市"), ("440785", "恩平市")];

    private static readonly Dictionary<string, (string Owner, string[] Nouns)> ByIndustry = new(StringComparer.Ordinal)
    {
        ["industrial"] = ("4407-gxj", ["高端装备制造产业园", "新能源电池生产基地", "智能家电生产线", "新材料产业园", "电子信息产业园", "硅能源材料基地", "食品加工产业园", "五金卫浴智造基地"]),
        ["infrastructure"] = ("4407-jtj", ["快速路", "跨江大桥", "港区码头", "国道改扩建工程", "城际站场综合枢纽", "水利枢纽"]),
        ["social"] = ("4407-jyj", ["人民医院新院区", "中学扩建工程", "职业技术学院新校区", "养老服务中心", "体育中心"]),
        ["urban"] = ("4407-zjj", ["城市更新片区", "老旧小区改造", "污水管网提质增效工程", "滨江公园绿道"]),
        ["agriculture"] = ("4407-nyncj", ["现代农业产业园", "高标准农田建设", "农产品冷链物流中心"]),
        ["energy"] = ("4407-fgj", ["海上风电场", "集中式光伏电站", "燃气热电联产", "新型储能电站"]),
        ["services"] = ("4407-swj", ["现代物流园", "商业综合体", "文旅融合项目", "数据中心"]),
    };

    public void Schedule(DemoSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        schedule.At(schedule.Now.AddDays(-2), async run =>
        {
            // Each change in a fresh scope: an audit log tracks its chain's lane in the scope's context.
            run.Fresh();
            // The milestones reached are those due before the import's day (a day's margin: never after its today).
            var imported = await run.Get<ProjectLedger>().ImportAsync(Ledger(Common.Clock.ChinaDate(schedule.Now.AddDays(-3))), await run.ActorAsync("supervisor"), default);
            if (!imported.IsSuccess) throw new InvalidOperationException("demo project ledger: " + imported.Error!.Message);
            var ids = imported.Value!;
            var owner = await run.ActorAsync("h-" + SchoolsOwner);
            // The schools: the last two rows; a quarter's report each, and the milestones reached.
            foreach (var (id, planned) in new[] { (ids[^2], 80_000_000m), (ids[^1], 100_000_000m) })
            {
                foreach (var (month, share) in new[] { ("2023-03", 0.15m), ("2023-06", 0.25m), ("2023-09", 0.3m), ("2023-12", 0.25m) })
                {
                    run.Fresh();
                    var r = await run.Get<ProjectChanges>().ReportInvestmentAsync(id, new InvestmentRequest(month, planned * share), owner, default);
                    if (!r.IsSuccess) throw new InvalidOperationException("demo project report: " + r.Error!.Message);
                }
                foreach (var (seq, day) in new[] { (1, "2022-12-01"), (2, "2023-10-20"), (3, "2024-05-28"), (4, "2024-07-30"), (5, "2024-09-01") })
                {
                    run.Fresh();
                    var r = await run.Get<ProjectChanges>().MilestoneDoneAsync(id, seq, new MilestoneDoneRequest(day), owner, default);
                    if (!r.IsSuccess) throw new InvalidOperationException("demo project milestone: " + r.Error!.Message);
                }
            }
            run.Fresh();
        });
    }

    /// <summary>
    /// The ledger: the 665 city key projects (provincial first), each with its three milestones worked back from its
    /// completion date and those due before <paramref name="today"/> mostly reached; then the two schools.
    /// </summary>
    public static List<LedgerRow> Ledger(DateOnly today)
    {
        var rng = new Random(Year);
        var count = Provincial + CityOthers;
        var industrial = new HashSet<int>(Enumerable.Range(0, count).OrderBy(_ => rng.Next()).Take(Industrial));
        var others = ByIndustry.Keys.Where(k => k != "industrial").ToArray();
        var rows = new List<LedgerRow>();
        Add(rows, rng, "provincial", Provincial, ProvincialPlanned, 0, industrial, others, today);
        Add(rows, rng, "city", CityOthers, CityOthersPlanned, Provincial, industrial, others, today);
        rows.Add(School("景贤小学北校区（36个教学班、1620个学位）", 180_000_000m, 80_000_000m));
        rows.Add(School("高新区第一小学（48个教学班、2160个学位）", 230_000_000m, 100_000_000m));
        return rows;
    }

    /// <summary><paramref name="n"/> projects of a level whose plans, in 万元, sum to <paramref name="planned"/> exactly.</summary>
    private static void Add(List<LedgerRow> rows, Random rng, string level, int n, decimal planned, int offset, HashSet<int> industrial, string[] others, DateOnly today)
    {
        var weights = Enumerable.Range(0, n).Select(_ => 0.2 + (rng.NextDouble() * rng.NextDouble() * 4)).ToArray();
        var sum = weights.Sum();
        var tenThousands = (long)(planned / 10_000m);
        var shares = weights.Select(w => (long)Math.Floor(tenThousands * w / sum)).ToArray();
        shares[^1] += tenThousands - shares.Sum();
        for (var i = 0; i < n; i++)
        {
            var industry = industrial.Contains(offset + i) ? "industrial" : others[rng.Next(others.Length)];
            var (owner, nouns) = ByIndustry[industry];
            var (code, place) = Places[rng.Next(Places.Length)];
            // Half the projects are the county's own to carry out, the others a city department's.
            var ownerUnit = rng.Next(2) == 0 ? code : owner;
            var plan = shares[i] * 10_000m;
            var starts = new DateOnly(2021, 1, 1).AddDays(rng.Next(0, 900));
            var ends = new DateOnly(2023, 12, 31).AddDays(rng.Next(0, 1000));
            rows.Add(new LedgerRow($"{place}{nouns[rng.Next(nouns.Length)]}（{(level == "provincial" ? "省" : "市")}重点{i + 1:000}）", level, industry,
                ownerUnit, code, null, Year, plan * (2 + rng.Next(0, 5)), plan, Day(starts), Day(ends),
                Milestones(offset + i, starts, ends, today)));
        }
    }

    /// <summary>
    /// 倒排工期 for a generated project: 开工 on its start, 主体完工 worked back from the completion date (70% of the span, the
    /// heaviest), 竣工验收 on the completion date. Deterministic (from its place in the ledger, not the generator, so the
    /// names and amounts stay as they were): those due before today are reached a few days either side of their date,
    /// except on one project in six (behind schedule from its main works) and, for the acceptance, one in four more.
    /// </summary>
    private static List<LedgerMilestone> Milestones(int n, DateOnly starts, DateOnly ends, DateOnly today)
    {
        var main = starts.AddDays((int)Math.Round((ends.DayNumber - starts.DayNumber) * 0.7));
        var lagging = n % 6 == 0;
        string? Done(DateOnly due, int shift, bool reached)
        {
            var day = due.AddDays(shift);
            if (day < starts) day = starts;
            return reached && due < today && day < today ? Day(day) : null;
        }
        return
        [
            new("开工", Day(starts), 1, Done(starts, n % 10, true)),
            new("主体完工", Day(main), 3, Done(main, (n % 21) - 10, !lagging)),
            new("竣工验收", Day(ends), 1, Done(ends, n % 15, !lagging && n % 4 != 1)),
        ];
    }

    private static LedgerRow School(string title, decimal total, decimal planned) =>
        new(title, "county", "social", SchoolsOwner, "440704", "江海区分管教育工作的副区长", Year, total, planned, "2022-12-01", "2024-09-01",
        [
            new("开工建设", "2022-12-01", 1),
            new("主体结构封顶", "2023-10-31", 3),
            new("装饰装修及室外配套完成", "2024-05-31", 2),
            new("竣工验收", "2024-07-31", 1),
            new("投入使用（2024年秋季开学）", "2024-09-01", 1),
        ]);

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
