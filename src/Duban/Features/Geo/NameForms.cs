namespace Duban.Features.Geo;

/// <summary>How a piece of text names a division.</summary>
public enum NameKind : byte
{
    /// <summary>The official name (台山市, 略尾社区居委会).</summary>
    Full = 0,
    /// <summary>A short form that ends like a name (略尾村, 台山县).</summary>
    Form = 1,
    /// <summary>A local alias (下川岛 → 川岛镇).</summary>
    Alias = 2,
    /// <summary>The root alone (台山, 外海).</summary>
    Root = 3,
}

/// <summary>
/// The evidence a name adds to a reading. A larger division's official name is worth more
/// (there are fewer of them, so a chance match is rarer): 西安市 outweighs a 高新区 elsewhere,
/// 台山白沙 is 白沙镇 rather than 汶村镇's 白沙村. A short form is worth its official name
/// (石青村委会 is 石青村民委员会 as much as another place's 石青村委会), an alias one less, and a
/// bare root 5 at any level (4 for a village), so that roots of different levels tie and the
/// home city decides (赤水 is 开平's 赤水镇 before 贵州's 赤水市). The resolver adds a point for
/// each character of a name beyond two (up to four): a longer name is less likely a chance one
/// (银湖湾滨海新区 is not 天津's 滨海新区 with 银湖湾 before it).
/// </summary>
public static class NameWeight
{
    public static byte Of(GeoLevel level, NameKind kind)
    {
        var full = level switch
        {
            GeoLevel.Province or GeoLevel.City => 10,
            GeoLevel.County => 9,
            GeoLevel.Town => 8,
            _ => 7,
        };
        return (byte)(kind switch
        {
            NameKind.Full or NameKind.Form => full,
            NameKind.Alias => full - 1,
            _ => level == GeoLevel.Village ? 4 : 5,
        });
    }
}

/// <summary>
/// The rules of <c>data/geo/forms.tsv</c>: which short forms each official name also answers
/// to, which names are placeholders, and which words after a name make it a road. Data, not
/// code, so that a form people write can be added without a release.
/// </summary>
public sealed class NameForms
{
    private readonly List<(string Suffix, Form[] Forms)>[] rules = Enumerable.Range(0, 6).Select(_ => new List<(string, Form[])>()).ToArray();
    private readonly List<string> ethnic = [];

    public readonly record struct Form(string Ending, bool NeedsAnchor);

    public HashSet<string> Placeholders { get; } = new(StringComparer.Ordinal);

    /// <summary>Roots that are everyday words: as bare roots they need a larger place named with them.</summary>
    public HashSet<string> CommonWords { get; } = new(StringComparer.Ordinal);

    public string[] RoadWords { get; private set; } = [];

    public string[] NotRoadWords { get; private set; } = [];

    /// <summary>Words after a bare village root that make it a larger division's root (城南街道).</summary>
    public string[] LevelWords { get; private set; } = [];

    /// <summary>Endings that make a bare root a road's name (东风路街道 → 东风路).</summary>
    public string[] RoadEndings { get; private set; } = [];

    public static NameForms Parse(TextReader reader)
    {
        var forms = new NameForms();
        var lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (line.Length == 0 || line[0] == '#') continue;
            var cells = line.Split('\t');
            string Cell(int i) => i < cells.Length && cells[i].Length > 0 ? cells[i] : throw new InvalidDataException($"forms.tsv line {lineNo}: expected more cells");
            string[] Words(int i) => Cell(i).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (cells[0])
            {
                case "ethnic":
                    var words = Words(1);
                    if (words.FirstOrDefault(w => !w.EndsWith('族')) is { } odd) throw new InvalidDataException($"forms.tsv line {lineNo}: ethnic name {odd} does not end with 族");
                    forms.ethnic.AddRange(words.OrderByDescending(w => w.Length));
                    break;
                case "placeholder": forms.Placeholders.UnionWith(Words(1)); break;
                case "common": forms.CommonWords.UnionWith(Words(1)); break;
                case "road": forms.RoadWords = Words(1); break;
                case "notroad": forms.NotRoadWords = Words(1); break;
                case "roadroot": forms.RoadEndings = Words(1); break;
                case "levelword": forms.LevelWords = Words(1); break;
                default:
                    var level = Array.IndexOf(["", "province", "city", "county", "town", "village"], cells[0]);
                    if (level < 1) throw new InvalidDataException($"forms.tsv line {lineNo}: unknown level {cells[0]}");
                    var list = Cell(2).Split(',').Select(f => f.StartsWith('~')
                        ? new Form(f[1..] == "-" ? "" : f[1..], true)
                        : new Form(f == "-" ? "" : f, false)).ToArray();
                    forms.rules[level].Add((Cell(1), list));
                    break;
            }
        }
        return forms;
    }

    /// <summary>
    /// The root of an official name at a level (台山市 → 台山, 连南瑶族自治县 → 连南) and the
    /// forms it takes; an empty root when no rule fits or the root would be one character.
    /// </summary>
    public (ReadOnlyMemory<char> Root, Form[] Forms) RootOf(string name, GeoLevel level)
    {
        foreach (var (suffix, list) in rules[(int)level])
        {
            if (!name.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var root = name.AsMemory(0, name.Length - suffix.Length);
            // Every ethnic name ends with 族; most roots do not, and skip the list.
            for (var stripped = root.Span.EndsWith('族'); stripped;)
            {
                stripped = false;
                foreach (var e in ethnic)
                {
                    if (root.Length > e.Length + 1 && root.Span.EndsWith(e, StringComparison.Ordinal))
                    {
                        root = root[..^e.Length];
                        stripped = true;
                        break;
                    }
                }
            }
            if (root.Length < 2) return (ReadOnlyMemory<char>.Empty, []);
            // 东风路街道's bare root 东风路 is a road's name; 南街社区 is still 南街社区.
            foreach (var road in RoadEndings)
            {
                if (root.Span.EndsWith(road, StringComparison.Ordinal)) return (root, Array.FindAll(list, f => f.Ending.Length > 0));
            }
            return (root, list);
        }
        return (ReadOnlyMemory<char>.Empty, []);
    }

    /// <summary>True when the text from <paramref name="at"/> on begins with a word for a division (城南|街道).</summary>
    public bool IsLevelWordAt(ReadOnlySpan<char> text, int at)
    {
        var rest = text[at..];
        foreach (var word in LevelWords)
        {
            if (rest.StartsWith(word, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>True when the text from <paramref name="at"/> on makes a preceding name a road (中山|路).</summary>
    public bool IsRoadAfter(ReadOnlySpan<char> text, int at)
    {
        var rest = text[at..];
        foreach (var not in NotRoadWords)
        {
            if (rest.StartsWith(not, StringComparison.Ordinal)) return false;
        }
        foreach (var road in RoadWords)
        {
            if (rest.StartsWith(road, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
