using System.Runtime.InteropServices;

namespace Duban.Features.Geo;

/// <summary>What a text says about where something happens.</summary>
/// <param name="Code">The most specific division the text names without doubt (6, 9 or 12 digits), or null.</param>
/// <param name="Level">province, city, county, town or village; null with the code.</param>
/// <param name="Path">The names from province down to the division.</param>
/// <param name="Confidence">The share of the evidence that is for this answer rather than another place: 1 when nothing speaks against it, 0.5 when the home city decided a tie.</param>
public sealed record GeoMatch(string? Code, string? Level, IReadOnlyList<string> Path, double Confidence)
{
    public static GeoMatch Nothing { get; } = new(null, null, [], 0);
}

/// <summary>
/// Turns free text into a division. It finds every name in the text (official names, short
/// forms, aliases), then scores each division those names point to by the evidence along its
/// own chain: 台山市川岛镇略尾村 is 10 (county 台山市) + 9 (town 川岛镇) + 7 (village form
/// 略尾村) for 440781115002, and less for any other 略尾. The best score wins; among equals the
/// home city's win against places outside it, and what remains is answered by its deepest
/// common ancestor. The rules, in order, are in Features/Geo/README.md.
/// </summary>
public sealed class Gazetteer
{
    /// <summary>A name whose divisions are more than this is resolved only inside other named divisions, the home city, or as their common ancestor.</summary>
    private const int ShortList = 8;
    private const int MaxSegments = 64;
    private const int MaxInput = 20_000;

    private readonly NameIndex names;
    private volatile NameIndex aliases;
    private readonly int home;

    public Gazetteer(Divisions divisions, NameForms forms, NameIndex names, NameIndex aliases, string? homeCity)
    {
        Divisions = divisions;
        Forms = forms;
        this.names = names;
        this.aliases = aliases;
        home = divisions.Find(homeCity);
    }

    public Divisions Divisions { get; }

    public NameForms Forms { get; }

    public int NameCount => names.Names;

    /// <summary>The home city's division, or -1 when none is configured.</summary>
    public int Home => home;

    /// <summary>
    /// The home city's counties (区县) in the gazetteer's order, placeholders (市辖区) left out: the rows every county-wide
    /// view lists (the dashboard's places, the dispatcher's county filter, the cockpit's map). Empty without a home city.
    /// </summary>
    public IReadOnlyList<(string Code, string Name)> HomeCounties() => home < 0 ? [] :
        [.. Divisions.Children(home).Where(i => !Divisions.IsPlaceholder(i) && Divisions.Code(i) is { Length: 6 })
            .Select(i => (Divisions.Code(i)!, Divisions.Name(i)))];

    /// <summary>Every name and short form of every division (everything but aliases).</summary>
    // The characters the fold table leaves as they are (all but the traditional ones).
    private static readonly System.Buffers.SearchValues<char> FoldIdentity = System.Buffers.SearchValues.Create(
        Enumerable.Range(0, char.MaxValue + 1).Where(c => GeoData.Fold[c] == c).Select(c => (char)c).ToArray());

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static NameIndex IndexNames(Divisions divisions, NameForms forms)
    {
        var builder = new NameIndex.Builder(divisions.Count * 4);
        var fold = GeoData.Fold;
        for (var i = 1; i < divisions.Count; i++)
        {
            if (divisions.IsPlaceholder(i)) continue;
            var name = divisions.Name(i);
            // The few names written with a traditional character (東十里铺村) are indexed as the text they are read from is folded.
            if (name.AsSpan().ContainsAnyExcept(FoldIdentity)) name = string.Create(name.Length, name, static (span, n) => { for (var k = 0; k < n.Length; k++) span[k] = GeoData.Fold[n[k]]; });
            var (root, list) = forms.RootOf(name, divisions.Level(i));
            // The root is where the name starts: walk it once, on the way to the full name.
            var level = divisions.Level(i);
            var rootNode = builder.Walk(0, root.Span);
            builder.Add(builder.Walk(rootNode, name.AsSpan(root.Length)), i, level, NameKind.Full, needsAnchor: false);
            foreach (var form in list)
            {
                builder.Add(builder.Walk(rootNode, form.Ending), i, level, form.Ending.Length == 0 ? NameKind.Root : NameKind.Form, form.NeedsAnchor);
            }
        }
        var index = builder.Build();
        index.MarkCommon(forms.CommonWords);
        return index;
    }

    /// <summary>An index of aliases: (alias, division code) pairs whose code is known.</summary>
    public static NameIndex IndexAliases(Divisions divisions, IEnumerable<(string Alias, string Code)> pairs)
    {
        var builder = new NameIndex.Builder();
        foreach (var (alias, code) in pairs)
        {
            var d = divisions.Find(code);
            if (d > 0 && alias.Length >= 2) builder.Add(builder.Walk(0, Normalize(alias)), d, divisions.Level(d), NameKind.Alias, needsAnchor: false);
        }
        return builder.Build();
    }

    /// <summary>Replaces the aliases in force (an administrator added one); readers see the old or the new set, never half.</summary>
    public void UseAliases(NameIndex index) => aliases = index;

    /// <summary>Traditional characters to simplified, full-width letters and digits to ASCII, white space and invisible formatting dropped: the form names are indexed in.</summary>
    public static string Normalize(ReadOnlySpan<char> input)
    {
        Span<char> buffer = input.Length <= 256 ? stackalloc char[input.Length] : new char[input.Length];
        return new string(buffer[..Normalize(input, buffer)]);
    }

    private static int Normalize(ReadOnlySpan<char> input, Span<char> output)
    {
        var fold = GeoData.Fold;
        var n = 0;
        foreach (var ch in input)
        {
            var c = fold[ch];
            if (c is >= '\uFF01' and <= '\uFF5E') c = (char)(c - 0xFEE0);
            if (char.IsWhiteSpace(c) || char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format) continue;
            output[n++] = c;
        }
        return n;
    }

    public GeoMatch Resolve(string? input) => Resolve(input, namedOnly: false);

    /// <summary>
    /// What a text names. With <paramref name="namedOnly"/>, only an answer that rests on at least
    /// one official name or form, not on bare roots alone: for text that is not an address (a
    /// title, a complaint), where 开平板电脑, 新会员 and 感恩平安夜 are not places.
    /// </summary>
    public GeoMatch Resolve(string? input, bool namedOnly)
    {
        if (string.IsNullOrWhiteSpace(input)) return GeoMatch.Nothing;
        var found = Locate(input.AsSpan(0, Math.Min(input.Length, MaxInput)));
        if (found.Division <= 0 || namedOnly && found.RootsOnly) return GeoMatch.Nothing;
        var index = found.Division;
        // A city without counties (东莞市) has one county of its name and code: answer that, as its code says.
        if (Divisions.Level(index) == GeoLevel.City && Divisions.Children(index).Take(2).ToArray() is [var only]
            && Divisions.Code(only) == Divisions.Code(index)) index = only;
        return new GeoMatch(Divisions.Code(index), Divisions.LevelName(Divisions.Level(index)), Divisions.Path(index), found.Confidence);
    }

    /// <summary>
    /// The division a text names (0 for none), the confidence, and whether only bare roots named
    /// it; no allocation beyond the thread's scratch. A long text is read a clause at a time (an
    /// address is said in one), and the clause with the strongest reading answers.
    /// </summary>
    public (int Division, double Confidence, bool RootsOnly) Locate(ReadOnlySpan<char> input)
    {
        var s = Scratch.Current;
        var text = s.Text(input.Length);
        var length = Normalize(input, text);
        var all = text.AsSpan(0, length);
        if (length <= Clause) return Read(all, s);
        (int Division, double Confidence, bool RootsOnly) best = (0, 0, false);
        var bestScore = 0;
        for (var start = 0; start < length;)
        {
            var end = all[start..].IndexOfAny(ClauseEnds);
            end = end < 0 ? length : start + end + 1;
            if (end - start > Clause) end = start + Clause;
            var found = Read(all[start..end], s);
            if (found.Division > 0 && s.Best > bestScore) (best, bestScore) = (found, s.Best);
            // A clause cut for length overlaps the next, so that an address across the cut is read whole.
            start = end - start == Clause && end < length ? end - ClauseOverlap : end;
        }
        return best;
    }

    private const int Clause = 120;
    private const int ClauseOverlap = 30;
    private static readonly System.Buffers.SearchValues<char> ClauseEnds = System.Buffers.SearchValues.Create("。！？；;!?\n");

    private (int Division, double Confidence, bool RootsOnly) Read(ReadOnlySpan<char> text, Scratch s)
    {
        s.Reset();
        FindSegments(text, names, s);
        FindSegments(text, aliases, s);
        if (s.Segments.Count == 0) return (0, 0, false);
        PreferHomeCuts(s.Segments);
        Gather(s);
        return Choose(s);
    }

    // Where two names cross (鹤山|东 and 鹤|山东, 台山|城区 and 台|山城区), the cut that names a
    // place of the home city wins and the other name is dropped.
    private void PreferHomeCuts(List<Segment> segments)
    {
        if (home <= 0) return;
        var all = CollectionsMarshal.AsSpan(segments);
        ulong atHome = 0;
        for (var k = 0; k < all.Length; k++)
        {
            if (NamesHome(all[k])) atHome |= 1UL << k;
        }
        ulong drop = 0;
        for (var bits = atHome; bits != 0; bits &= bits - 1)
        {
            var x = all[System.Numerics.BitOperations.TrailingZeroCount(bits)];
            for (var b = 0; b < all.Length; b++)
            {
                var y = all[b];
                var crosses = x.Start < y.End && y.Start < x.End && !Holds(x, y) && !Holds(y, x) && (x.Start != y.Start || x.End != y.End);
                if (crosses && (atHome & 1UL << b) == 0) drop |= 1UL << b;
            }
        }
        if (drop == 0) return;
        var kept = 0;
        for (var k = 0; k < all.Length; k++)
        {
            if ((drop & 1UL << k) == 0) all[kept++] = all[k];
        }
        segments.RemoveRange(kept, segments.Count - kept);
    }

    private bool NamesHome(Segment seg)
    {
        var (from, to) = seg.Free.Range(home, Divisions.End(home));
        if (to > from) return true;
        (from, to) = seg.Anchored.Range(home, Divisions.End(home));
        return to > from;
    }

    /// <summary>Every reading the resolver weighed for a text, best first: for <c>geo resolve --explain</c> and for tuning.</summary>
    public IReadOnlyList<(string? Code, string Path, int Score)> Explain(string input)
    {
        Locate(input);
        var s = Scratch.Current;
        return s.Candidates.Select((c, i) => (Divisions.Code(c.Division), string.Join("/", Divisions.Path(c.Division)) + (c.Grant >= 0 ? " (shared name)" : ""), s.Readings[i].Score))
            .OrderByDescending(x => x.Item3).ToList();
    }

    private void FindSegments(ReadOnlySpan<char> text, NameIndex index, Scratch s)
    {
        for (var i = 0; i < text.Length && s.Segments.Count < MaxSegments; i++)
        {
            var node = 0;
            for (var j = i; j < text.Length; j++)
            {
                node = index.Step(node, text[j]);
                if (node < 0) break;
                if (!index.IsName(node)) continue;
                s.Segments.Add(new Segment(i, j + 1, index.Free(node), index.Anchored(node), index.Upper(node), Forms.IsRoadAfter(text, j + 1),
                    index.IsCommon(node), index.NonRootWeight(node), Forms.IsLevelWordAt(text, j + 1)));
                if (s.Segments.Count == MaxSegments) return;
            }
        }
    }

    // The divisions worth scoring: every division of a short name; of a long name its provinces,
    // cities and counties (中山), those inside a division already found or inside the home city,
    // and their common ancestor; of a village root only those inside a county or town found.
    private void Gather(Scratch s)
    {
        var segments = CollectionsMarshal.AsSpan(s.Segments);
        for (var k = 0; k < segments.Length; k++)
        {
            var seg = segments[k];
            if (seg.Free.Count > ShortList) continue;
            var divs = seg.Free.Divisions.Span;
            var info = seg.Free.Info.Span;
            for (var i = 0; i < divs.Length; i++)
            {
                if (!seg.RoadAfter || NameIndex.Postings.List.KindOf(info[i]) != NameKind.Root) s.Add(divs[i], -1, 0);
            }
        }
        var anchors = s.Candidates.Count;
        for (var k = 0; k < segments.Length; k++)
        {
            var seg = segments[k];
            if (seg.Free.Count <= ShortList || seg.RoadAfter) continue;
            if (seg.Upper.Count <= 2 * ShortList)
            {
                foreach (var d in seg.Upper.Divisions.Span) s.Add(d, -1, 0);
            }
            for (var c = 0; c < anchors; c++)
            {
                var a = s.Candidates[c].Division;
                if (Divisions.Level(a) is >= GeoLevel.Province and <= GeoLevel.Town) AddInside(s, seg.Free, a, k);
            }
            if (home > 0) AddInside(s, seg.Free, home, k);
            // Bare roots and everyday words shared by many places are no evidence for what those places have in common.
            if (seg.NonRootWeight == 0 || seg.Common) continue;
            var divs = seg.Free.Divisions.Span;
            s.Add(Divisions.CommonAncestor(divs[0], divs[^1]), k, Diffuse(seg.NonRootWeight));
        }
        var found = s.Candidates.Count;
        for (var k = 0; k < segments.Length; k++)
        {
            var seg = segments[k];
            if (seg.Anchored.Count == 0 || seg.RoadAfter || seg.LevelWordAfter) continue;
            for (var c = 0; c < found; c++)
            {
                var (a, grant, _) = s.Candidates[c];
                if (grant < 0 && Divisions.Level(a) is >= GeoLevel.County and <= GeoLevel.Town) AddInside(s, seg.Anchored, a, k);
            }
        }
    }

    private void AddInside(Scratch s, NameIndex.Postings.List list, int within, int segment)
    {
        var (from, to) = list.Range(within + 1, Divisions.End(within));
        if (to == from) return;
        var divs = list.Divisions.Span;
        if (to - from <= ShortList)
        {
            for (var i = from; i < to; i++) s.Add(divs[i], -1, 0);
        }
        else
        {
            s.Add(Divisions.CommonAncestor(divs[from], divs[to - 1]), segment, Diffuse(NameIndex.Postings.List.WeightOf(list.Info.Span[from])));
        }
    }

    /// <summary>A name shared by many places is weaker evidence for the place they have in common than a name of one place.</summary>
    private static int Diffuse(int weight) => Math.Max(1, weight - 1);

    private (int, double, bool) Choose(Scratch s)
    {
        var candidates = CollectionsMarshal.AsSpan(s.Candidates);
        var best = 0;
        for (var c = 0; c < candidates.Length; c++)
        {
            var reading = Score(s, candidates[c].Division, candidates[c].Grant, candidates[c].GrantWeight);
            // A name shared by places all over China says nothing of where: it may speak against
            // an answer (below) but is none itself (台山城关镇 is still 台山).
            if (candidates[c].Division == 0) reading = reading with { Score = -reading.Score };
            s.Readings.Add(reading);
            best = Math.Max(best, reading.Score);
        }
        s.Best = best;
        if (best == 0) return (0, 0, false);
        var readings = CollectionsMarshal.AsSpan(s.Readings);
        var segments = CollectionsMarshal.AsSpan(s.Segments);
        // Of equal readings, those that account for more of the text: 连南县 is 连南 + 县, not 连 + 南县.
        var covered = 0;
        for (var c = 0; c < candidates.Length; c++)
        {
            if (readings[c].Score == best) covered = Math.Max(covered, Coverage(segments, readings[c].Used));
        }
        for (var c = 0; c < candidates.Length; c++)
        {
            if (readings[c].Score == best && Coverage(segments, readings[c].Used) < covered) readings[c] = readings[c] with { Score = best - 1 };
        }
        bool anyHome = false, anyAway = false;
        for (var c = 0; c < candidates.Length; c++)
        {
            if (readings[c].Score != best) continue;
            if (home > 0 && Divisions.Contains(home, candidates[c].Division)) anyHome = true; else anyAway = true;
        }
        var onlyHome = anyHome && anyAway;
        // Then the reading by official names (石山村委会 is 棠下's, not 大田's 石山村民委员会), then the
        // larger division (中山 is 中山市 before 大连's 中山区).
        var official = int.MaxValue;
        for (var c = 0; c < candidates.Length; c++)
        {
            if (readings[c].Score == best && !(onlyHome && !Divisions.Contains(home, candidates[c].Division))) official = Math.Min(official, readings[c].Unofficial);
        }
        for (var c = 0; c < candidates.Length; c++)
        {
            if (readings[c].Score == best && readings[c].Unofficial > official) readings[c] = readings[c] with { Score = best - 1 };
        }
        var largest = GeoLevel.Village;
        for (var c = 0; c < candidates.Length; c++)
        {
            if (readings[c].Score != best || onlyHome && !Divisions.Contains(home, candidates[c].Division)) continue;
            if (candidates[c].Grant < 0 && Divisions.Level(candidates[c].Division) < largest) largest = Divisions.Level(candidates[c].Division);
        }
        int lo = int.MaxValue, hi = -1;
        var evidence = 0UL;
        var rootsOnly = true;
        for (var c = 0; c < candidates.Length; c++)
        {
            if (readings[c].Score != best) continue;
            var d = candidates[c].Division;
            if (onlyHome && !Divisions.Contains(home, d)) continue;
            if (candidates[c].Grant < 0 && Divisions.Level(d) > largest) continue;
            lo = Math.Min(lo, d);
            hi = Math.Max(hi, d);
            evidence |= readings[c].Used;
            rootsOnly &= readings[c].Roots == System.Numerics.BitOperations.PopCount(readings[c].Used);
        }
        var answer = Divisions.CommonAncestor(lo, hi);
        if (answer == 0) return (0, 0, false);
        // Against the answer: the best reading elsewhere (neither above nor below it), of the same words or of other words, but
        // not of a piece cut out of the answer's words (山市 inside 台山市 is no reading against 台山).
        var against = 0;
        for (var c = 0; c < candidates.Length; c++)
        {
            var d = candidates[c].Division;
            // A shared name's common ancestor may lie above the answer and still stands for all the other places of that name.
            var above = candidates[c].Grant < 0 && Divisions.Contains(d, answer);
            var score = Math.Abs(readings[c].Score);
            if (Divisions.Contains(answer, d) || above || score <= against) continue;
            var fair = true;
            for (var bits = readings[c].Used & ~evidence; bits != 0 && fair; bits &= bits - 1)
            {
                fair = !CutsInto(segments, evidence, System.Numerics.BitOperations.TrailingZeroCount(bits));
            }
            if (fair) against = score;
        }
        return (answer, Math.Round((double)best / (best + against), 2), rootsOnly);
    }

    /// <summary>The evidence for division <paramref name="d"/>: for it and each division above it, the strongest name in the text that points there and overlaps no name already counted.</summary>
    private Partial Score(Scratch s, int d, int grant, int grantWeight)
    {
        Span<int> chain = stackalloc int[6];
        var depth = 0;
        for (var a = d; a > 0; a = Divisions.Parent(a)) chain[depth++] = a;
        if (d == 0) chain[depth++] = 0;
        var state = default(Partial);
        var segments = CollectionsMarshal.AsSpan(s.Segments);
        for (var t = depth - 1; t >= 0; t--)
        {
            var a = chain[t];
            var granted = a == d && grant >= 0;
            if (!granted && s.Memo.TryGetValue(a, out var known)) { state = known; continue; }
            int bestWeight = 0, bestSegment = -1;
            var bestKind = NameKind.Root;
            for (var k = 0; k < segments.Length; k++)
            {
                if ((state.Used & 1UL << k) != 0 || Crosses(segments, state.Used, k)) continue;
                var seg = segments[k];
                // Before a road word a bare root is the road's name (中山|路); 大林村|北街 is still the village.
                var kinds = (state.Depth >= GeoLevel.Province ? AllKinds : StandingKinds(seg, a)) & (seg.RoadAfter ? NotRoots : AllKinds);
                var (w, kind) = seg.Free.Best(a, kinds);
                if (w == 0 && state.Depth >= GeoLevel.County && !seg.RoadAfter && !seg.LevelWordAfter && Follows(segments, seg, chain[..depth]))
                    (w, kind) = seg.Anchored.Best(a);
                if (w == 0) continue;
                w += LengthBonus(seg) - HeldRoots(segments, state, k);
                if (w <= 0) continue;
                // Of equal names, the official one, then the longer (亨头村委会 before 亨头村).
                if (w > bestWeight || w == bestWeight && (kind < bestKind || kind == bestKind && seg.End - seg.Start > segments[bestSegment].End - segments[bestSegment].Start))
                {
                    (bestWeight, bestSegment, bestKind) = (w, k, kind);
                }
            }
            if (granted && (state.Used & 1UL << grant) == 0 && !Crosses(segments, state.Used, grant) && grantWeight + LengthBonus(segments[grant]) > bestWeight)
            {
                (bestWeight, bestSegment, bestKind) = (grantWeight + LengthBonus(segments[grant]), grant, NameKind.Form);
            }
            if (bestSegment >= 0)
            {
                var bit = 1UL << bestSegment;
                state = new Partial(state.Score + bestWeight, state.Used | bit, Divisions.Level(a),
                    bestKind == NameKind.Root ? state.RootSegments | bit : state.RootSegments, state.Unofficial + (bestKind == NameKind.Full ? 0 : 1),
                    state.Roots + (bestKind == NameKind.Root ? 1 : 0));
            }
            if (!granted) s.Memo[a] = state;
        }
        return state;
    }

    // Overlaps one of the used segments without being the same words.
    private static bool CutsInto(ReadOnlySpan<Segment> segments, ulong used, int k)
    {
        var seg = segments[k];
        for (var bits = used; bits != 0; bits &= bits - 1)
        {
            var other = segments[System.Numerics.BitOperations.TrailingZeroCount(bits)];
            if (other.Start < seg.End && seg.Start < other.End && (other.Start != seg.Start || other.End != seg.End)) return true;
        }
        return false;
    }

    private const int AllKinds = 0xF;
    private const int NotRoots = AllKinds & ~(1 << (int)NameKind.Root);

    /// <summary>A point for each character of a name beyond two, up to four (see <see cref="NameWeight"/>).</summary>
    private static int LengthBonus(Segment seg) => Math.Clamp(seg.End - seg.Start - 2, 0, 4);

    // What names a division without a larger place containing it named too: not an everyday
    // word (forms.tsv "common": 三明治, 阿里巴巴); a province or city by any other name; below that
    // not an official name of two characters (和县, 口镇), and not a bare root of a town outside
    // the home city (劳动, 建设, 人民 are towns somewhere). After its province, city or county, all count.
    private int StandingKinds(Segment seg, int a)
    {
        if (seg.Common) return 0;
        var level = Divisions.Level(a);
        if (level <= GeoLevel.City) return AllKinds;
        var kinds = AllKinds;
        if (seg.End - seg.Start <= 2) kinds &= ~(1 << (int)NameKind.Full);
        if (level == GeoLevel.Town && !(home > 0 && Divisions.Contains(home, a))) kinds &= ~(1 << (int)NameKind.Root);
        return kinds;
    }

    // A bare village root counts only right after a name of its county or town (川岛镇略尾, 台山四九南村)
    // or when it begins with one (水步圩 in 水步镇), never after the same word said elsewhere in the
    // text (西地镇 … 西地村).
    private static bool Follows(ReadOnlySpan<Segment> segments, Segment seg, ReadOnlySpan<int> chain)
    {
        foreach (var before in segments)
        {
            if (before.End != seg.Start && !(before.Start == seg.Start && before.End < seg.End)) continue;
            foreach (var a in chain)
            {
                if (before.Free.WeightOf(a) > 0) return true;
            }
        }
        return false;
    }

    // Overlaps one of the used segments other than by holding it. Names of a reading are used
    // from the largest division down, and a smaller division's name may hold a larger one's
    // (江门市 in 江门市四堡林场, 大鳌 in 大鳌尾村), never the reverse (恩施 in 恩施州 is not also
    // 恩施市; 白沙 in 白沙街道 is not also 白沙社区), and names never cross.
    private static bool Crosses(ReadOnlySpan<Segment> segments, ulong used, int k)
    {
        var seg = segments[k];
        for (var bits = used; bits != 0; bits &= bits - 1)
        {
            var other = segments[System.Numerics.BitOperations.TrailingZeroCount(bits)];
            if (other.Start < seg.End && seg.Start < other.End && !Holds(seg, other)) return true;
        }
        return false;
    }

    private static bool Holds(Segment outer, Segment inner) =>
        outer.Start <= inner.Start && inner.End <= outer.End && outer.End - outer.Start > inner.End - inner.Start;

    // A bare root held in a smaller division's name is part of that name, not evidence of its
    // own: its weight comes off (龙胜镇 in 龙胜各族自治县 is worth no more than 开平's 龙胜镇),
    // while an official name held keeps its weight (广东省 in 广东省江门监狱).
    private static int HeldRoots(ReadOnlySpan<Segment> segments, Partial state, int k)
    {
        var held = 0;
        for (var bits = state.RootSegments; bits != 0; bits &= bits - 1)
        {
            var other = segments[System.Numerics.BitOperations.TrailingZeroCount(bits)];
            if (Holds(segments[k], other)) held += NameWeight.Of(GeoLevel.County, NameKind.Root) + LengthBonus(other);
        }
        return held;
    }

    /// <summary>How many characters of the text the segments of a reading account for (they nest or lie apart).</summary>
    private static int Coverage(ReadOnlySpan<Segment> segments, ulong used)
    {
        var total = 0;
        for (var bits = used; bits != 0; bits &= bits - 1)
        {
            var k = System.Numerics.BitOperations.TrailingZeroCount(bits);
            var inside = false;
            for (var others = used; others != 0 && !inside; others &= others - 1)
            {
                var j = System.Numerics.BitOperations.TrailingZeroCount(others);
                inside = j != k && (Holds(segments[j], segments[k]) || j < k && segments[j].Start == segments[k].Start && segments[j].End == segments[k].End);
            }
            if (!inside) total += segments[k].End - segments[k].Start;
        }
        return total;
    }

    private readonly record struct Segment(int Start, int End, NameIndex.Postings.List Free, NameIndex.Postings.List Anchored,
        NameIndex.Postings.List Upper, bool RoadAfter, bool Common, int NonRootWeight, bool LevelWordAfter);

    /// <summary>A reading so far: its score, the segments it used (and which of them as bare roots), the deepest level it has named, how many of its names are not official.</summary>
    private readonly record struct Partial(int Score, ulong Used, GeoLevel Depth, ulong RootSegments, int Unofficial, int Roots);

    private sealed class Scratch
    {
        [ThreadStatic] private static Scratch? current;

        public static Scratch Current => current ??= new Scratch();

        private char[] text = new char[128];
        public readonly List<Segment> Segments = new(16);
        public readonly List<(int Division, int Grant, int GrantWeight)> Candidates = new(32);
        public readonly List<Partial> Readings = new(32);
        public readonly Dictionary<int, Partial> Memo = new(64);

        /// <summary>The best score of the last clause read.</summary>
        public int Best;

        public char[] Text(int length)
        {
            if (text.Length < length) text = new char[Math.Max(length, text.Length * 2)];
            return text;
        }

        public void Reset()
        {
            Segments.Clear();
            Candidates.Clear();
            Readings.Clear();
            Memo.Clear();
        }

        public void Add(int division, int grant, int grantWeight)
        {
            foreach (var c in CollectionsMarshal.AsSpan(Candidates))
            {
                if (c.Division == division && c.Grant == grant) return;
            }
            Candidates.Add((division, grant, grantWeight));
        }
    }
}
