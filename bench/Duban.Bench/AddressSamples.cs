using System.Globalization;
using System.Text;
using Duban.Features.Geo;

namespace Duban.Bench;

/// <summary>A generated address and the division it names.</summary>
/// <param name="Text">What a citizen might write.</param>
/// <param name="Code">The division the text names (6, 9 or 12 digits), or null when it names none or only China.</param>
/// <param name="Form">How the place is named (village-chain, town-roots, alias, away-full, ...): bench geo reports accuracy per form.</param>
/// <param name="Dress">What surrounds the place names: plain, road, landmark or sentence.</param>
public sealed record AddressSample(string Text, string? Code, string Form, string Dress);

/// <summary>
/// A labelled set of addresses generated from the divisions themselves, for bench geo and the
/// accuracy tests: mostly (85 %) places in the home city, of every form people write them in
/// (full chains, omitted levels, roots, 恩平大田, aliases, village forms), the rest elsewhere
/// in China, dressed with roads, house numbers, landmarks and sentences.
/// <para>
/// Each label comes from an oracle that does not use the resolver's trie or scoring: the place
/// names put into a text are kept as (level, words) pairs, looked up in dictionaries of every
/// official name, form (forms.tsv) and alias by level, and the label is the deepest common
/// ancestor of the divisions that answer to every one of them, the home city's alone when some
/// are in it and some are not (the rules in full on <see cref="Label"/>). Decorations are checked
/// not to name, by any form, a division of the target's own county (a landmark 东湖花园 in a
/// county with a 东湖村 would make the label a guess); elsewhere they may, as real ones do.
/// </para>
/// </summary>
public sealed class AddressSamples
{
    /// <summary>
    /// A place name put into a text: the level the writer means (the oracle reads the words at
    /// every level), the words, and whether a road word follows them (唐山|路北区 reads 唐山路).
    /// </summary>
    public readonly record struct Place(GeoLevel Level, string Text, bool RoadAfter = false);

    private readonly Divisions divisions;
    private readonly NameForms forms;
    private readonly int home;

    // The oracle's lookup: per level, name → first entry; entries chained by next.
    private readonly Dictionary<string, int>[] heads;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>>[] spanHeads;
    private readonly List<int> entryDivision = [];
    private readonly List<int> entryNext = [];
    private readonly List<byte> entryFlags = [];

    // Entry flags: how the words name the division (the two low bits: 0 official name, 1 form
    // or alias, 2 bare root), and what must be read with them for them to count.
    private const byte Rank = 0x3;
    private const byte NeedsCountyOrTown = 0x4;
    private const byte NeedsLarger = 0x8;
    private const byte NeedsCityOrCounty = 0x10;

    private readonly List<(string Alias, int Division)> aliases = [];
    private readonly int[] homeCounties;
    private readonly int[] homeTowns;
    private readonly int[] homeVillages;
    private readonly int[] awayTowns;
    private readonly int[] awayVillages;
    private readonly int[] awayCounties;
    private readonly int province;
    private readonly HashSet<string> municipalities = new(StringComparer.Ordinal);

    public AddressSamples(Divisions divisions, NameForms forms, IEnumerable<(string Alias, string Code)> aliasCodes, string homeCity)
    {
        this.divisions = divisions;
        this.forms = forms;
        home = divisions.Find(homeCity);
        if (home <= 0) throw new ArgumentException($"no division {homeCity}", nameof(homeCity));
        province = divisions.Parent(home);
        heads = Enumerable.Range(0, 6).Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
        spanHeads = heads.Select(h => h.GetAlternateLookup<ReadOnlySpan<char>>()).ToArray();
        var homeC = new List<int>();
        var homeT = new List<int>();
        var homeV = new List<int>();
        var awayC = new List<int>();
        var awayT = new List<int>();
        var awayV = new List<int>();
        for (var d = 1; d < divisions.Count; d++)
        {
            var level = divisions.Level(d);
            if (divisions.IsPlaceholder(d)) continue;
            // 北京, 上海, 天津, 重庆: provinces whose cities are all placeholders (市辖区, 县) are their own city.
            if (level == GeoLevel.Province && divisions.Children(d).All(divisions.IsPlaceholder)) municipalities.UnionWith(NamesOf(d));
            var name = divisions.Name(d);
            Index(level, name, d, 0);
            var (root, list) = forms.RootOf(name, level);
            if (!root.IsEmpty)
            {
                var r = root.ToString();
                foreach (var f in list) Index(level, r + f.Ending, d, (byte)((f.Ending.Length == 0 ? 2 : 1) | (f.NeedsAnchor ? NeedsCountyOrTown : 0)));
            }
            var inHome = divisions.Contains(home, d);
            var target = level switch
            {
                GeoLevel.County => inHome ? homeC : awayC,
                GeoLevel.Town => inHome ? homeT : awayT,
                GeoLevel.Village => inHome ? homeV : awayV,
                _ => null,
            };
            // 虚拟社区, 虚拟生活区: statistical placeholders that nobody writes in an address.
            if (level != GeoLevel.Village || !name.Contains("虚拟", StringComparison.Ordinal)) target?.Add(d);
        }
        foreach (var (alias, code) in aliasCodes)
        {
            var d = divisions.Find(code);
            if (d <= 0 || alias.Length < 2) continue;
            aliases.Add((alias, d));
            Index(divisions.Level(d), alias, d, 1);
        }
        homeCounties = [.. homeC];
        homeTowns = [.. homeT];
        homeVillages = [.. homeV];
        awayCounties = [.. awayC];
        awayTowns = [.. awayT];
        awayVillages = [.. awayV];
    }

    private IEnumerable<string> NamesOf(int d)
    {
        yield return divisions.Name(d);
        var (root, list) = forms.RootOf(divisions.Name(d), divisions.Level(d));
        if (root.IsEmpty) yield break;
        foreach (var f in list) yield return root.ToString() + f.Ending;
    }

    /// <summary>Over the process's loaded divisions with the shipped aliases.</summary>
    public static AddressSamples FromLoaded(string homeCity = "440700") =>
        new(GeoData.Loaded.Divisions, GeoData.Loaded.Forms, GeoData.ShippedAliases(), homeCity);

    public Divisions Divisions => divisions;

    private void Index(GeoLevel level, string text, int division, byte flags)
    {
        // forms.tsv "common": everyday words (共和, 大江) and official names of two characters
        // (和县, 东村) name a county or smaller only after a larger place containing it.
        if (level >= GeoLevel.County && (forms.CommonWords.Contains(text) || ((flags & Rank) == 0 && text.Length <= 2))) flags |= NeedsLarger;
        // A bare town root is a weak name (人民, 劳动 are towns somewhere): outside the home city it needs its city or county too.
        if (level == GeoLevel.Town && (flags & Rank) == 2 && !divisions.Contains(home, division)) flags |= NeedsCityOrCounty;
        var map = heads[(int)level];
        var at = entryDivision.Count;
        entryDivision.Add(division);
        entryFlags.Add(flags);
        entryNext.Add(map.TryGetValue(text, out var next) ? next : -1);
        map[text] = at;
    }

    // ---------------------------------------------------------------- the oracle

    /// <summary>
    /// The label of a text that names these places. Each place's words are read at every level
    /// they name something at (蓬江区荷塘: 荷塘 is 荷塘镇's root and the root of 荷塘社区 in it), and
    /// a reading of the text gives each place one level or leaves it out. Of the readings that
    /// count the most places, the divisions at the deepest level read that answer to every place
    /// read (each one's ancestor at a place's level answers to its words) are kept; then the home
    /// city's alone when some are in it and some not; then those of the largest level (a larger
    /// place's name is the surer reading: 台山白沙 is 白沙镇, not 汶村镇's 白沙村, and 铜官露采社区
    /// the street 露采社区街道 before its 露采社区居委会); then those the words fit best (an official
    /// name before a form or alias, before a bare root); and the label is their deepest common
    /// ancestor, null for none or for China. As forms.tsv has it, a bare village root counts only
    /// with its county or town read, an everyday word or a two-character name below city level
    /// only with a larger place containing it (广东省广海), and words followed by a road word not
    /// as a bare root (中山|路 is a road; 大林村|北街 is still the village). The bare root of a town outside the home city counts only with its
    /// city or county (the province for 北京, 上海, 天津, 重庆) read: 劳动, 人民 are towns somewhere.
    /// </summary>
    public string? Label(IReadOnlyList<Place> places)
    {
        ArgumentNullException.ThrowIfNull(places);
        var n = places.Count;
        var levels = new GeoLevel[n];
        var found = new List<(int Division, int Misfit, GeoLevel Level)>();
        for (var counted = n; counted > 0 && found.Count == 0; counted--) Read(places, levels, 0, counted, found);
        if (found.Count == 0) return null;
        if (found.Exists(c => divisions.Contains(home, c.Division)) && found.Exists(c => !divisions.Contains(home, c.Division)))
        {
            found.RemoveAll(c => !divisions.Contains(home, c.Division));
        }
        var largest = found.Min(c => c.Level);
        found.RemoveAll(c => c.Level > largest);
        var fit = found.Min(c => c.Misfit);
        found.RemoveAll(c => c.Misfit > fit);
        int lo = found.Min(c => c.Division), hi = found.Max(c => c.Division);
        return divisions.Code(divisions.CommonAncestor(lo, hi));
    }

    // Tries every reading with exactly `counted` places given a level (Country: left out).
    private void Read(IReadOnlyList<Place> places, GeoLevel[] levels, int k, int counted, List<(int, int, GeoLevel)> found)
    {
        if (k == places.Count)
        {
            if (counted == 0) Evaluate(places, levels, found);
            return;
        }
        if (places.Count - k > counted)
        {
            levels[k] = GeoLevel.Country;
            Read(places, levels, k + 1, counted, found);
        }
        if (counted == 0) return;
        for (var level = GeoLevel.Province; level <= GeoLevel.Village; level++)
        {
            // Each place read names another division of the chain (棠下棠下 is 棠下镇 and its 棠下社区).
            if (!heads[(int)level].ContainsKey(places[k].Text) || levels.AsSpan(0, k).Contains(level)) continue;
            levels[k] = level;
            Read(places, levels, k + 1, counted - 1, found);
        }
    }

    private void Evaluate(IReadOnlyList<Place> places, GeoLevel[] levels, List<(int, int, GeoLevel)> found)
    {
        var fits = new Dictionary<int, int>?[places.Count];
        var deepest = -1;
        for (var k = 0; k < places.Count; k++)
        {
            if (levels[k] == GeoLevel.Country) continue;
            fits[k] = Answering(places, levels, k);
            if (fits[k]!.Count == 0) return;
            if (deepest < 0 || levels[k] > levels[deepest]) deepest = k;
        }
        foreach (var (d, rank) in fits[deepest]!)
        {
            var misfit = rank;
            for (var k = 0; k < places.Count && misfit >= 0; k++)
            {
                if (k == deepest || fits[k] is not { } f) continue;
                var a = AncestorAt(d, levels[k]);
                misfit = a > 0 && f.TryGetValue(a, out var r) ? misfit + r : -1;
            }
            if (misfit >= 0) found.Add((d, misfit, levels[deepest]));
        }
    }

    // The divisions that answer to place k's words read at its level in this reading, each with how well (0 the official name).
    private Dictionary<int, int> Answering(IReadOnlyList<Place> places, GeoLevel[] levels, int k)
    {
        var found = new Dictionary<int, int>();
        var level = levels[k];
        if (!heads[(int)level].TryGetValue(places[k].Text, out var e)) return found;
        bool countyOrTown = false, larger = false, cityOrCounty = false;
        for (var j = 0; j < places.Count; j++)
        {
            if (j == k || levels[j] == GeoLevel.Country || levels[j] >= level) continue;
            larger = true;
            countyOrTown |= levels[j] is GeoLevel.County or GeoLevel.Town;
            // 北京西城: in the four cities that are provinces the province is the city.
            cityOrCounty |= levels[j] is GeoLevel.City or GeoLevel.County || municipalities.Contains(places[j].Text);
        }
        for (; e >= 0; e = entryNext[e])
        {
            var flags = entryFlags[e];
            if (places[k].RoadAfter && (flags & Rank) == 2) continue;
            if ((flags & NeedsCountyOrTown) != 0 && !countyOrTown) continue;
            if ((flags & NeedsLarger) != 0 && !larger) continue;
            if ((flags & NeedsCityOrCounty) != 0 && !cityOrCounty) continue;
            var d = entryDivision[e];
            var rank = flags & Rank;
            found[d] = found.TryGetValue(d, out var r) ? Math.Min(r, rank) : rank;
        }
        return found;
    }

    private int AncestorAt(int d, GeoLevel level)
    {
        while (d > 0 && divisions.Level(d) > level) d = divisions.Parent(d);
        return d > 0 && divisions.Level(d) == level && !divisions.IsPlaceholder(d) ? d : -1;
    }

    /// <summary>The county of a code (its first six digits) when the code lies below city level; else null.</summary>
    public string? CountyOf(string? code)
    {
        if (code is null || code.Length < 6) return null;
        var d = divisions.Find(code);
        // A code the divisions do not know (another data set's): go by its digits.
        if (d <= 0) return code.Length == 6 && code.EndsWith("00", StringComparison.Ordinal) ? null : code[..6];
        if (divisions.Level(d) < GeoLevel.County) return null;
        while (divisions.Level(d) > GeoLevel.County) d = divisions.Parent(d);
        return divisions.Code(d);
    }

    // ---------------------------------------------------------------- the generator

    private static readonly string[] Roads =
    [
        "中山路", "北京路", "人民路", "解放路", "建设路", "胜利路", "东华路", "港口路", "江门大道", "迎宾大道", "发展大道", "五邑路",
        "跃进路", "上海路", "南京路", "广州路", "新华路", "环城路", "滨江路", "沿江路", "龙溪路", "白石大道", "桥头街", "中华街",
        "文化路", "兴华路", "育才路", "工业大道", "和平路", "华侨路", "光明路", "朝阳路", "幸福路", "青年路", "东风路", "公园路",
        "府前路", "河南路", "长安路", "南门街", "西街", "北街", "新市街", "东兴巷", "大同路", "永安路", "友谊路", "健康路",
    ];

    private static readonly string[] Estates = ["锦绣", "翠湖", "金域", "富华", "丽都", "华庭", "海逸", "御景", "阳光", "星河", "君悦", "明珠", "凯旋", "翡翠", "时代", "世纪", "碧海", "名门"];

    private static readonly string[] EstateKinds = ["花园", "小区", "豪庭", "山庄", "名苑", "雅苑"];

    private static readonly string[] Landmarks =
    [
        "农贸市场", "菜市场", "市场", "中心小学", "第一中学", "实验学校", "幼儿园", "人民医院", "卫生院", "文化广场", "公交站", "快递收发点",
        "汽车站", "加油站", "篮球场", "祠堂", "码头", "公园", "牌坊", "超市", "工业园", "垃圾站", "大排档", "派出所旁边",
    ];

    private static readonly string[] Sentences =
    [
        "我要投诉{0}的噪音问题", "{0}附近的路灯坏了", "反映：{0}", "{0}有人乱倒垃圾，请处理", "请尽快处理{0}的积水", "{0}门口占道经营",
        "在{0}发生交通事故", "我住在{0}，楼下餐馆油烟太大", "{0}一带停水三天了", "举报{0}违章建筑", "{0}的下水道堵塞，臭气很大",
        "投诉：{0}工地夜间施工", "地址：{0}", "{0}附近有流浪狗伤人", "{0}那边的红绿灯不亮", "麻烦派人去{0}看一下，井盖丢了",
        "事发地点{0}，有人焚烧垃圾", "{0}的公厕长期没人打扫", "我在{0}这里，路面塌陷了", "来电人反映{0}存在非法经营",
    ];

    private enum Style { Full, Short, Mixed, Root }

    /// <summary>The same <paramref name="count"/> samples for the same seed: labels by <see cref="Label"/>.</summary>
    public IReadOnlyList<AddressSample> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var samples = new List<AddressSample>(count);
        while (samples.Count < count) samples.Add(One(random));
        return samples;
    }

    private AddressSample One(Random random)
    {
        var places = new List<Place>(5);
        string form;
        var r = random.NextDouble();
        if (r < 0.85) form = Home(random, places, random.NextDouble());
        else form = Away(random, places);
        var target = TargetCounty(places);
        var (text, dress, core) = Dress(random, places, target);
        // forms.tsv: a name followed by a road word is a road, unless it is an official name.
        var at = text.IndexOf(core, StringComparison.Ordinal);
        for (var k = 0; k < places.Count; k++)
        {
            at += places[k].Text.Length;
            var after = string.Concat(text.AsSpan(at).ToString().Where(c => !char.IsWhiteSpace(c)));
            places[k] = places[k] with { RoadAfter = forms.IsRoadAfter(after, 0) };
            if (k + 1 < places.Count) at = text.IndexOf(places[k + 1].Text, at, StringComparison.Ordinal);
        }
        return new AddressSample(text, Label(places), form, dress);
    }

    private string Home(Random random, List<Place> places, double r)
    {
        if (r < 0.55)
        {
            var v = homeVillages[random.Next(homeVillages.Length)];
            var t = divisions.Parent(v);
            var c = divisions.Parent(t);
            var k = random.NextDouble();
            if (k < 0.30)
            {
                Upper(random, places, 0.2, 0.4, Style.Mixed);
                Say(random, places, c, Style.Mixed);
                Say(random, places, t, Style.Mixed);
                Say(random, places, v, Style.Mixed, anchored: true);
                return "village-chain";
            }
            if (k < 0.40)
            {
                Upper(random, places, 0.5, 0.8, Style.Full);
                Say(random, places, c, Style.Full);
                Say(random, places, t, Style.Full);
                Say(random, places, v, Style.Full);
                return "village-full";
            }
            if (k < 0.55)
            {
                Upper(random, places, 0.1, 0.4, Style.Mixed);
                Say(random, places, t, Style.Mixed);
                Say(random, places, v, Style.Mixed, anchored: true);
                return "village-no-county";
            }
            if (k < 0.70)
            {
                Upper(random, places, 0.1, 0.3, Style.Mixed);
                Say(random, places, c, Style.Mixed);
                Say(random, places, v, Style.Mixed, anchored: true);
                return "village-no-town";
            }
            if (k < 0.85)
            {
                Say(random, places, c, Style.Root);
                Say(random, places, t, Style.Root);
                Say(random, places, v, random.Next(2) == 0 ? Style.Root : Style.Short, anchored: true);
                return "village-roots";
            }
            Say(random, places, v, Style.Mixed);
            return "village-alone";
        }
        if (r < 0.85)
        {
            var t = homeTowns[random.Next(homeTowns.Length)];
            var c = divisions.Parent(t);
            var k = random.NextDouble();
            if (k < 0.35)
            {
                Upper(random, places, 0.2, 0.5, Style.Mixed);
                Say(random, places, c, Style.Mixed);
                Say(random, places, t, Style.Mixed);
                return "town-chain";
            }
            if (k < 0.55)
            {
                // 恩平大田: the county's root and the town's, run together.
                Say(random, places, c, Style.Root);
                Say(random, places, t, Style.Root);
                return "town-roots";
            }
            if (k < 0.75)
            {
                Upper(random, places, 0.1, 0.5, Style.Mixed);
                Say(random, places, t, Style.Mixed);
                return "town-no-county";
            }
            Say(random, places, t, Style.Mixed);
            return "town-alone";
        }
        if (r < 0.95)
        {
            var c = homeCounties[random.Next(homeCounties.Length)];
            Upper(random, places, 0.2, 0.5, Style.Mixed);
            Say(random, places, c, Style.Mixed);
            return "county";
        }
        if (r < 0.97)
        {
            Upper(random, places, 0.3, 1, Style.Mixed);
            return "city";
        }
        return Alias(random, places);
    }

    // Province and city above the home city's places, each with its chance.
    private void Upper(Random random, List<Place> places, double provinceChance, double cityChance, Style style)
    {
        if (random.NextDouble() < provinceChance) Say(random, places, province, style);
        if (random.NextDouble() < cityChance) Say(random, places, home, style);
    }

    private string Alias(Random random, List<Place> places)
    {
        var (alias, d) = aliases[random.Next(aliases.Count)];
        switch (divisions.Level(d))
        {
            case GeoLevel.Town:
                if (random.Next(2) == 0) Say(random, places, divisions.Parent(d), Style.Mixed);
                places.Add(new Place(GeoLevel.Town, alias));
                if (random.Next(3) > 0) Say(random, places, Child(random, d), Style.Mixed, anchored: true);
                break;
            case GeoLevel.County:
                places.Add(new Place(GeoLevel.County, alias));
                if (random.Next(3) > 0)
                {
                    var t = Child(random, d);
                    Say(random, places, t, Style.Mixed);
                    if (random.Next(2) == 0) Say(random, places, Child(random, t), Style.Mixed, anchored: true);
                }
                break;
            default:
                places.Add(new Place(divisions.Level(d), alias));
                if (divisions.Level(d) < GeoLevel.County || random.Next(2) == 0)
                {
                    var below = d;
                    while (divisions.Level(below) < GeoLevel.Town && divisions.End(below) > below + 1) below = Child(random, below);
                    if (divisions.Level(below) > divisions.Level(d)) Say(random, places, divisions.Parent(below), Style.Mixed);
                    Say(random, places, below, Style.Mixed);
                }
                break;
        }
        return "alias";
    }

    private int Child(Random random, int d)
    {
        var children = divisions.Children(d).Where(c => !divisions.IsPlaceholder(c)).ToList();
        return children.Count == 0 ? d : children[random.Next(children.Count)];
    }

    private string Away(Random random, List<Place> places)
    {
        // A third of them in the home province, where names are most alike (中山, 白沙, 长沙).
        var inProvince = random.NextDouble() < 0.3;
        var level = random.NextDouble() switch { < 0.4 => GeoLevel.Village, < 0.8 => GeoLevel.Town, _ => GeoLevel.County };
        var pool = level switch { GeoLevel.Village => awayVillages, GeoLevel.Town => awayTowns, _ => awayCounties };
        int target;
        do target = pool[random.Next(pool.Length)];
        while (inProvince && !divisions.Contains(province, target));
        var chain = new List<int>(5);
        for (var a = target; a > 0; a = divisions.Parent(a))
        {
            // Placeholders (市辖区) and a county that repeats its city (东莞市) are never written.
            if (divisions.IsPlaceholder(a) || (divisions.Level(a) == GeoLevel.County && divisions.Name(a) == divisions.Name(divisions.Parent(a)))) continue;
            chain.Add(a);
        }
        chain.Reverse();
        var k = random.NextDouble();
        string form;
        Style style;
        if (k < 0.4) { form = "away-full"; style = Style.Full; }
        else if (k < 0.75)
        {
            form = "away-no-province";
            style = Style.Mixed;
            chain.RemoveAll(a => divisions.Level(a) == GeoLevel.Province && chain.Count > 1 && divisions.Level(chain[1]) == GeoLevel.City);
        }
        else { form = "away-roots"; style = Style.Root; }
        foreach (var a in chain)
        {
            var s = divisions.Level(a) == GeoLevel.Village ? (style == Style.Root ? Style.Short : style) : style;
            Say(random, places, a, s, anchored: true);
        }
        return form;
    }

    /// <summary>Adds a name of division <paramref name="d"/> in the style asked for (a bare village root only when <paramref name="anchored"/>).</summary>
    private void Say(Random random, List<Place> places, int d, Style style, bool anchored = false)
    {
        var name = divisions.Name(d);
        var level = divisions.Level(d);
        var (rootMemory, list) = forms.RootOf(name, level);
        string? bare = null;
        var shorts = new List<string>(4);
        if (!rootMemory.IsEmpty)
        {
            var root = rootMemory.ToString();
            foreach (var f in list)
            {
                if (f.NeedsAnchor && !anchored) continue;
                if (f.Ending.Length == 0) bare = root;
                // 滨江社区居民委员会 has the form 滨江社区社区 by rule; nobody writes it.
                else if (!root.EndsWith(f.Ending, StringComparison.Ordinal) && root + f.Ending != name) shorts.Add(root + f.Ending);
            }
        }
        if (style == Style.Mixed) style = random.Next(2) == 0 ? Style.Full : Style.Short;
        var text = style switch
        {
            Style.Root => bare ?? Pick(random, shorts) ?? name,
            Style.Short when level == GeoLevel.Village => random.Next(4) == 0 ? bare ?? Pick(random, shorts) ?? name : Pick(random, shorts) ?? bare ?? name,
            Style.Short => random.Next(shorts.Count + (bare is null ? 0 : 2)) is var i && i < shorts.Count ? shorts[i] : bare ?? name,
            _ => name,
        };
        places.Add(new Place(level, text));
    }

    private static string? Pick(Random random, List<string> list) => list.Count == 0 ? null : list[random.Next(list.Count)];

    // The county the text is about, or -1: decorations must not name a division in it.
    private int TargetCounty(List<Place> places)
    {
        var label = Label(places);
        var d = divisions.Find(label);
        while (d > 0 && divisions.Level(d) > GeoLevel.County) d = divisions.Parent(d);
        return d > 0 && divisions.Level(d) == GeoLevel.County ? d : -1;
    }

    private (string Text, string Dress, string Core) Dress(Random random, List<Place> places, int county)
    {
        var spaced = random.Next(10) == 0;
        var core = string.Join(spaced ? " " : "", places.Select(p => p.Text));
        var wide = random.Next(10) == 0;
        var k = random.NextDouble();
        if (k < 0.3) return (core, "plain", core);
        if (k < 0.6) return (core + Road(random, wide, county), "road", core);
        if (k < 0.75) return (core + Landmark(random, wide, county), "landmark", core);
        var inner = random.Next(3) switch { 0 => core, 1 => core + Road(random, wide, county), _ => core + Landmark(random, wide, county) };
        string sentence;
        do sentence = Sentences[random.Next(Sentences.Length)];
        while (NamesIn(sentence.Replace("{0}", "|", StringComparison.Ordinal), county));
        return (sentence.Replace("{0}", inner, StringComparison.Ordinal), "sentence", core);
    }

    private string Road(Random random, bool wide, int county)
    {
        string road;
        // A road named after a place is the point (中山路); a road named after a place in the same county is too (台城大道 is 台城's).
        do road = Roads[random.Next(Roads.Length)];
        while (NamesIn(road, county, roadAfter: true));
        var number = random.Next(6) switch
        {
            0 => $"{random.Next(1, 300)}号之{random.Next(1, 9)}",
            1 => $"{random.Next(1, 30)}巷{random.Next(1, 40)}号",
            2 => $"{random.Next(1, 300)}号{random.Next(1, 12)}栋{random.Next(1, 30)}0{random.Next(1, 6)}",
            _ => $"{random.Next(1, 300)}号",
        };
        return road + Digits(number, wide);
    }

    private string Landmark(Random random, bool wide, int county)
    {
        string landmark;
        do
        {
            landmark = random.Next(3) == 0
                ? Estates[random.Next(Estates.Length)] + EstateKinds[random.Next(EstateKinds.Length)] + Digits(random.Next(1, 20).ToString(CultureInfo.InvariantCulture), wide) + (random.Next(2) == 0 ? "栋" : "座")
                : Landmarks[random.Next(Landmarks.Length)];
        }
        while (NamesIn(landmark, county));
        return landmark;
    }

    private static string Digits(string s, bool wide)
    {
        if (!wide) return s;
        var b = new StringBuilder(s.Length);
        foreach (var c in s) b.Append(char.IsAsciiDigit(c) ? (char)(c - '0' + '０') : c);
        return b.ToString();
    }

    /// <summary>True when some words of <paramref name="text"/> name, by any form, a division in <paramref name="county"/> (roads: only the words before the road word).</summary>
    private bool NamesIn(string text, int county, bool roadAfter = false)
    {
        if (county <= 0) return false;
        var span = text.AsSpan();
        for (var i = 0; i < span.Length; i++)
        {
            for (var j = i + 2; j <= span.Length; j++)
            {
                if (roadAfter && forms.IsRoadAfter(span, j)) continue;
                for (var level = (int)GeoLevel.County; level <= (int)GeoLevel.Village; level++)
                {
                    if (!spanHeads[level].TryGetValue(span[i..j], out var e)) continue;
                    for (; e >= 0; e = entryNext[e])
                    {
                        if (divisions.Contains(county, entryDivision[e])) return true;
                    }
                }
            }
        }
        return false;
    }
}
