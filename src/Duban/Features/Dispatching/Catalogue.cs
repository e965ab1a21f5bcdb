using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Duban.Common;
using Duban.Features.Units;

namespace Duban.Features.Dispatching;

/// <summary>
/// One category as the catalogue's JSON holds it (data/dispatch/catalogue.json, and the body of
/// PUT /api/v1/dispatch/catalogue). <c>owner</c> is a department key (the part of a unit code after
/// its dash: <c>rsj</c> is 4407-rsj, 440781-rsj, …), <c>town</c> or <c>county</c> (that level's
/// government) or <c>jw</c> (the discipline commission at the subject's level); <c>level</c> is
/// <c>town</c>, <c>county</c> or <c>city</c> (分级负责); <c>co</c> names co-handlers the same way.
/// A second level takes what it leaves out (owner, level, co) from its first level.
/// </summary>
public sealed record CategoryNode(string? Name, string? Owner = null, string? Level = null, IReadOnlyList<string>? Co = null,
    IReadOnlyList<string>? Keywords = null, IReadOnlyList<CategoryNode>? Children = null);

/// <summary>The whole catalogue as JSON: a name and the first-level categories.</summary>
public sealed record CatalogueDocument(string? Name, IReadOnlyList<CategoryNode>? Categories);

/// <summary>
/// A category with its owner worked out: a first level (<see cref="Subcategory"/> null) or a
/// second level. <see cref="Owner"/> null means nobody is named: the county government takes it (兜底).
/// </summary>
public sealed record CatalogueEntry(string Category, string? Subcategory, string? Owner, string Level, IReadOnlyList<string> Co,
    IReadOnlyList<string> Keywords)
{
    /// <summary>As a matter's category holds it: 劳动和社会保障/拖欠工资, or the first level alone.</summary>
    public string Path => Subcategory is null ? Category : Category + Catalogue.Separator + Subcategory;

    public bool IsDiscipline => Owner == Catalogue.Discipline;
}

/// <summary>The dispatch catalogue (派单目录): two levels of categories, each with its owner.</summary>
public sealed class Catalogue
{
    public const string Town = "town";
    public const string County = "county";
    public const string City = "city";
    public const string Discipline = "jw";
    public const char Separator = '/';

    public const int MaxName = 30;
    public const int MaxFirstLevels = 100;
    public const int MaxChildren = 200;
    public const int MaxKeywords = 50;
    public const int MaxKeyword = 20;
    public const int MaxCo = 5;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Dictionary<string, CatalogueEntry> byPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<CatalogueEntry>> children = new(StringComparer.Ordinal);

    private Catalogue(CatalogueDocument document)
    {
        Document = document;
        var entries = new List<CatalogueEntry>();
        foreach (var first in document.Categories ?? [])
        {
            var name = first.Name!.Trim();
            var top = new CatalogueEntry(name, null, first.Owner, first.Level ?? DefaultLevel(first.Owner), first.Co ?? [], first.Keywords ?? []);
            entries.Add(top);
            byPath[name] = top;
            var list = children[name] = [];
            foreach (var second in first.Children ?? [])
            {
                var owner = second.Owner ?? first.Owner;
                // A second level naming its own owner takes its own level; else it inherits both.
                var level = second.Level ?? (second.Owner is null ? top.Level : DefaultLevel(owner));
                var entry = new CatalogueEntry(name, second.Name!.Trim(), owner, level, second.Co ?? first.Co ?? [], second.Keywords ?? []);
                entries.Add(entry);
                list.Add(entry);
                byPath[entry.Path] = entry;
            }
        }
        Entries = entries;
    }

    public CatalogueDocument Document { get; }

    /// <summary>First levels, each followed by its second levels, in the catalogue's order.</summary>
    public IReadOnlyList<CatalogueEntry> Entries { get; }

    public IReadOnlyList<CatalogueEntry> Children(string category) => children.TryGetValue(category, out var list) ? list : [];

    /// <summary>
    /// The entry a matter's category names: 一级/二级, the first level alone, or a second level
    /// alone (the first one in catalogue order with that name). Null for what is not in the catalogue.
    /// </summary>
    public CatalogueEntry? Find(string? category)
    {
        var text = Text.OrNull(category);
        if (text is null) return null;
        var sep = text.IndexOf(Separator, StringComparison.Ordinal);
        if (sep > 0) text = text[..sep].Trim() + Separator + text[(sep + 1)..].Trim();
        if (byPath.TryGetValue(text, out var entry)) return entry;
        return sep < 0 ? Entries.FirstOrDefault(e => e.Subcategory == text) : null;
    }

    public CatalogueEntry? Find(string? category, string? subcategory) =>
        subcategory is null ? Find(category) : Find(category + Separator + subcategory) ?? Find(category);

    /// <summary>The first level that discipline reports belong to (纪律作风): the one owned by the discipline commission.</summary>
    public CatalogueEntry? DisciplineCategory => Entries.FirstOrDefault(e => e.Subcategory is null && e.IsDiscipline);

    public static string DefaultLevel(string? owner) => owner == Town ? Town : County;

    /// <summary>The catalogue's JSON as stored: the document written back in one canonical form.</summary>
    public string ToJson() => JsonSerializer.Serialize(Document, Json);

    public static string Hash(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));

    public static CatalogueDocument? ParseDocument(string json) => JsonSerializer.Deserialize<CatalogueDocument>(json, Json);

    /// <summary>A catalogue from a document already validated (<see cref="Validate"/>).</summary>
    public static Catalogue From(CatalogueDocument document) => new(Normalize(document));

    /// <summary>Names and keys trimmed, empty lists dropped: one document, one JSON, one hash.</summary>
    private static CatalogueDocument Normalize(CatalogueDocument d)
    {
        static IReadOnlyList<string>? Words(IReadOnlyList<string>? words) =>
            words is null ? null : words.Select(w => w.Trim()).Where(w => w.Length > 0).Distinct(StringComparer.Ordinal).ToList() is { Count: > 0 } l ? l : null;
        static CategoryNode Node(CategoryNode n) => new(n.Name?.Trim(), Text.OrNull(n.Owner), Text.OrNull(n.Level), Words(n.Co), Words(n.Keywords),
            n.Children is null ? null : n.Children.Select(Node).ToList());
        return new CatalogueDocument(Text.OrNull(d.Name), (d.Categories ?? []).Select(Node).ToList());
    }

    /// <summary>
    /// The department keys units carry: the part after the dash of every department's code
    /// (4407-rsj, 440781-rsj → rsj; 4407-yzj → yzj), party departments included (4407-swzzb → swzzb).
    /// </summary>
    public static IReadOnlySet<string> DepartmentKeys(IEnumerable<UnitInfo> units) =>
        units.Where(u => u.Kind is "department" or "party_department" && u.Code.Contains('-', StringComparison.Ordinal))
            .Select(u => u.Code[(u.Code.LastIndexOf('-') + 1)..]).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Checks a catalogue before it becomes a version: names present, short, without the path
    /// separator, unique (first levels among themselves, second levels within their first level);
    /// every owner and co-handler a known department key or town/county (owners also jw); levels
    /// town, county or city, and not contradicting a town or county owner.
    /// </summary>
    public static Error? Validate(CatalogueDocument? document, IReadOnlySet<string> departmentKeys)
    {
        if (document?.Categories is not { Count: > 0 } categories) return Error.Validation("categories are required / 目录不能为空");
        if (categories.Count > MaxFirstLevels) return Error.Validation($"at most {MaxFirstLevels} first-level categories / 一级分类过多");
        if (Text.OrNull(document.Name) is { Length: > 50 }) return Error.Validation("name is at most 50 characters / 目录名称过长");
        var firstNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var first in categories)
        {
            if (first is null) return Error.Validation("a category is null / 分类不能为空");
            if (CheckNode(first, null, departmentKeys) is { } bad) return bad;
            var name = first.Name!.Trim();
            if (!firstNames.Add(name)) return Error.Validation($"category {name} appears twice / 一级分类「{name}」重复");
            if (first.Children is { Count: > MaxChildren }) return Error.Validation($"{name}: at most {MaxChildren} second-level categories / 二级分类过多");
            var secondNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var second in first.Children ?? [])
            {
                if (second is null) return Error.Validation($"{name}: a category is null / 分类不能为空");
                if (second.Children is { Count: > 0 }) return Error.Validation($"{name}/{second.Name}: the catalogue has two levels / 目录只有两级");
                if (CheckNode(second, first, departmentKeys) is { } badChild) return badChild;
                var childName = second.Name!.Trim();
                if (!secondNames.Add(childName)) return Error.Validation($"category {name}/{childName} appears twice / 二级分类「{name}/{childName}」重复");
            }
        }
        return null;
    }

    private static Error? CheckNode(CategoryNode node, CategoryNode? parent, IReadOnlySet<string> departmentKeys)
    {
        var name = node.Name?.Trim() ?? "";
        var where = parent is null ? name : $"{parent.Name?.Trim()}/{name}";
        if (name.Length == 0) return Error.Validation($"{(parent is null ? "a category" : $"a category under {parent.Name}")} has no name / 分类名称不能为空");
        if (name.Length > MaxName) return Error.Validation($"{where}: a name is at most {MaxName} characters / 分类名称过长");
        if (name.Contains(Separator, StringComparison.Ordinal)) return Error.Validation($"{where}: a name may not contain '{Separator}' / 分类名称不能含有「{Separator}」");
        var owner = Text.OrNull(node.Owner);
        if (owner is not null && owner is not (Town or County or Discipline) && !departmentKeys.Contains(owner))
            return Error.Validation($"{where}: unknown owner {owner}: a department key (as in unit codes, e.g. rsj), town, county or jw / 未知的主办单位类型「{owner}」");
        var level = Text.OrNull(node.Level);
        if (level is not null && level is not (Town or County or City))
            return Error.Validation($"{where}: level must be town, county or city / 层级须为 town、county 或 city");
        if (level is not null && owner is Town or County && level != owner)
            return Error.Validation($"{where}: the {owner} government is at level {owner} / {owner} 的层级只能是 {owner}");
        if (level is not null && owner is Discipline)
            return Error.Validation($"{where}: the discipline commission is at the subject's level; give no level / 纪委监委按被反映对象的层级，不设 level");
        if (level is not null && owner is null && parent?.Owner is null)
            return Error.Validation($"{where}: a level needs an owner / 设置层级须指明主办单位类型");
        if (node.Co is { } co)
        {
            if (co.Count > MaxCo) return Error.Validation($"{where}: at most {MaxCo} co-handlers / 协办单位过多");
            foreach (var key in co.Select(k => k?.Trim() ?? ""))
            {
                if (key is not (Town or County) && !departmentKeys.Contains(key))
                    return Error.Validation($"{where}: unknown co-handler {key}: a department key, town or county / 未知的协办单位类型「{key}」");
            }
        }
        if (node.Keywords is { } keywords)
        {
            if (keywords.Count > MaxKeywords) return Error.Validation($"{where}: at most {MaxKeywords} keywords / 关键词过多");
            if (keywords.Any(k => string.IsNullOrWhiteSpace(k) || k.Trim().Length > MaxKeyword))
                return Error.Validation($"{where}: keywords are 1 to {MaxKeyword} characters / 关键词须为 1 至 {MaxKeyword} 个字符");
        }
        return null;
    }
}
