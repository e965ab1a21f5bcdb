using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Units;

namespace Duban.Features.Dispatching;

/// <summary>
/// What the router needs to know of a matter. <see cref="TerritoryCode"/> is the matter's place
/// (属地) as already resolved, with how sure that is; <see cref="SubjectPerson"/> is free text (a
/// person, or a unit's name when the unit was not given by code).
/// </summary>
public sealed record RoutingInput(string? Kind, string? Title, string? Content, string? Category, string? TerritoryCode,
    double TerritoryConfidence, string? SubjectUnitCode, string? SubjectPerson, bool Confidential, DateTimeOffset ReceivedAt)
{
    /// <summary>A category suggestion to route by instead of asking the suggester (one of the dispatcher's top three).</summary>
    public CategorySuggestion? Suggested { get; init; }

    /// <summary>A report of misconduct (举报, KindTraits.Misconduct) as the kinds' registry says; null: the core kinds' table.</summary>
    public bool? Misconduct { get; init; }
}

public sealed record UnitRef(string Code, string Name);

/// <summary>
/// A routing suggestion (派单建议): the category, the place, the lead unit (null when no local unit
/// can take it: the level above, another city, an unknown place), co-handlers, the rule that
/// decided and why, in Chinese and English.
/// </summary>
public sealed record DispatchSuggestion(string? Category, string? Subcategory, string? TerritoryCode, UnitRef? LeadUnit,
    IReadOnlyList<UnitRef> CoUnits, string Rule, string Reason, double Confidence)
{
    /// <summary>Where the category came from: given (the matter's), learned (the deployment's model), keywords, or none.</summary>
    public string CategorySource { get; init; } = "none";

    /// <summary>The category as a matter stores it (城乡建设/道路坑洼, or the first level alone); null with none.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? CategoryPath => Category is null || Subcategory is null ? Category : Category + Catalogue.Separator + Subcategory;
}

/// <summary>The rules, in the order the router tries them (src/Duban/Features/Dispatching/README.md, Routing).</summary>
public static class RoutingRule
{
    /// <summary>A report about the discipline commission itself or one of its leaders: the commission above.</summary>
    public const string LevelAbove = "level_above";
    /// <summary>A discipline report about an organisation under inspection, received during the round: its group.</summary>
    public const string InspectionRound = "inspection_round";
    /// <summary>Other discipline reports: the discipline commission at the subject's level.</summary>
    public const string Discipline = "discipline";
    /// <summary>The category's owner at the category's level in the matter's place.</summary>
    public const string CategoryOwner = "category_owner";
    /// <summary>The category's owner, one or two levels up: the place has none at the category's level.</summary>
    public const string FallbackUpward = "fallback_upward";
    /// <summary>兜底: no owner named or found: the county government of the place.</summary>
    public const string CatchAll = "catch_all";
    /// <summary>The place is outside the home city: no local unit.</summary>
    public const string OutsideCity = "outside_city";
    /// <summary>The place is not known well enough for the owner (a town's or county's government): set it first.</summary>
    public const string NoTerritory = "no_territory";
}

/// <summary>
/// 分级负责、属地管理 as rules over data: the catalogue (who owns which category at which level),
/// the inspection rounds and the units. Pure: no database, no clock, no place lookup; the caller
/// gives the matter's place already resolved (DispatchSuggestions does, with GeoService).
/// </summary>
public sealed class DispatchRouter
{
    private readonly Catalogue catalogue;
    private readonly IReadOnlyList<InspectionRound> rounds;
    private readonly Dictionary<string, UnitInfo> units = new(StringComparer.Ordinal);
    private readonly ICategorySuggester? suggester;
    private readonly string home;
    private readonly string homePrefix;
    private readonly Func<string, string?> placeName;
    private readonly string provinceName;
    private readonly string cityName;
    private readonly string cityRoot;

    private readonly Dictionary<(string Territory, string Key), UnitInfo> departments = [];
    private readonly Dictionary<string, UnitInfo> governments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UnitInfo> disciplines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> ownerLabels = new(StringComparer.Ordinal);
    private readonly List<(string Name, UnitInfo Unit)> unitNames = [];
    private readonly List<(string Name, string County)> countyNames = [];

    /// <param name="suggester">Suggests a category when the matter has none; null: the catalogue's keywords.</param>
    /// <param name="placeName">A division's name for the reasons (台山市川岛镇); null: the code.</param>
    /// <param name="provinceName">The home city's province, named as the level above the city's discipline commission.</param>
    public DispatchRouter(Catalogue catalogue, IReadOnlyList<InspectionRound> rounds, IEnumerable<UnitInfo> units, string homeDivision = "440700",
        ICategorySuggester? suggester = null, Func<string, string?>? placeName = null, string? provinceName = null)
    {
        this.catalogue = catalogue;
        this.rounds = rounds;
        this.suggester = suggester;
        home = homeDivision;
        homePrefix = Matters.MatterScope.TerritoryPrefix(homeDivision);
        this.placeName = placeName ?? (_ => null);
        this.provinceName = provinceName ?? "省级";
        foreach (var u in units) this.units[u.Code] = u;

        foreach (var u in this.units.Values.OrderBy(u => u.Code, StringComparer.Ordinal))
        {
            switch (u.Kind)
            {
                case "government" or "town" or "street":
                    // The county's and the town's government carry their division's own code.
                    if (u.Code == u.TerritoryCode || !governments.ContainsKey(u.TerritoryCode)) governments[u.TerritoryCode] = u;
                    break;
                case "discipline":
                    disciplines.TryAdd(u.TerritoryCode, u);
                    break;
            }
            if (u.Code.LastIndexOf('-') is var dash and > 0 && u.Kind is not ("government" or "town" or "street" or "discipline"))
            {
                departments.TryAdd((u.TerritoryCode, u.Code[(dash + 1)..]), u);
            }
        }
        cityName = governments.TryGetValue(home, out var cityGovernment) ? PlaceOf(cityGovernment.Name) : "";
        cityRoot = cityName.Length > 2 ? cityName[..^1] : cityName;
        foreach (var ((territory, key), u) in departments)
        {
            if (territory == home || !ownerLabels.ContainsKey(key))
                ownerLabels[key] = territory == home && cityName.Length > 0 && u.Name.StartsWith(cityName, StringComparison.Ordinal) ? u.Name[cityName.Length..] : u.Name;
        }
        foreach (var u in this.units.Values)
        {
            foreach (var name in (ReadOnlySpan<string?>)[u.Name, u.ShortName])
            {
                if (name is { Length: >= 2 }) unitNames.Add((name, u));
            }
            // County names, to tell which county's discipline commission a person's title means (台山市纪委书记).
            if (u.Kind == "government" && u.TerritoryCode != home && u.TerritoryCode.Length == 6)
            {
                var county = PlaceOf(u.Name);
                if (cityName.Length > 0 && county.StartsWith(cityName, StringComparison.Ordinal) && county.Length > cityName.Length) county = county[cityName.Length..];
                if (county.Length >= 2) countyNames.Add((county, u.TerritoryCode));
                if (county.Length >= 3) countyNames.Add((county[..^1], u.TerritoryCode));
            }
        }
        unitNames.Sort((a, b) => b.Name.Length.CompareTo(a.Name.Length));
        countyNames.Sort((a, b) => b.Name.Length.CompareTo(a.Name.Length));
    }

    private static string PlaceOf(string governmentName) =>
        governmentName.EndsWith("人民政府", StringComparison.Ordinal) ? governmentName[..^4] : governmentName;

    public DispatchSuggestion Route(RoutingInput input)
    {
        var subject = ResolveSubject(input.SubjectUnitCode, input.SubjectPerson);
        var category = Categorise(input);
        var isReport = input.Misconduct ?? MatterKinds.CoreTraits(input.Kind)?.Misconduct == true;
        // A report (举报) about someone is a discipline matter unless staff classified it as something
        // else; a matter in the discipline category is one whatever its kind.
        var discipline = category.Entry?.IsDiscipline == true || (isReport && subject.Known && !category.GivenOther);
        var routed = discipline ? RouteDiscipline(input, subject, category) : RouteByOwner(input, subject, category);
        return routed with { CategorySource = category.Source };
    }

    // ---- the subject: the unit or person reported on ----

    private sealed record Subject(UnitInfo? Unit, string? Person, double Confidence)
    {
        public bool Known => Unit is not null || Person is not null;
    }

    private Subject ResolveSubject(string? code, string? person)
    {
        var text = Text.OrNull(person);
        if (Text.OrNull(code) is { } c && units.TryGetValue(c, out var byCode)) return new Subject(byCode, text, 1);
        if (text is null) return new Subject(null, null, 0.5);
        foreach (var (name, unit) in unitNames)
        {
            if (name == text) return new Subject(unit, null, 0.9);
        }
        return NamedIn(text) is { } named ? new Subject(named, text, 0.8) : new Subject(null, text, 0.6);
    }

    /// <summary>The unit whose name the text holds, the longest first (市委党校 before 市委).</summary>
    private UnitInfo? NamedIn(string text)
    {
        foreach (var (name, unit) in unitNames)
        {
            var at = text.IndexOf(name, StringComparison.Ordinal);
            if (at < 0) continue;
            // 市委… in 台山市委… is the county's, not the city's: a city body's short name starting
            // with 市 counts at the start, or after the city's own name (江门市委党校).
            if (name[0] == '市' && at > 0 && !(cityRoot.Length > 0 && text[..at].EndsWith(cityRoot, StringComparison.Ordinal))) continue;
            return unit;
        }
        return null;
    }

    /// <summary>Words that point at officials' conduct (干部收钱, 城管打人): such a matter is for a person to dispatch.</summary>
    private static readonly string[] OfficialWords =
        ["政府", "干部", "官员", "公务员", "工作人员", "执法人员", "领导", "书记", "局长", "镇长", "乡长", "村长", "主任", "村委", "居委", "城管", "民警", "警察", "纪委", "监委"];

    /// <summary>
    /// Does the text (title and content) name a unit, or point at officials? A town's or county's
    /// short name is its place (川岛镇, 棠下镇) and does not count; its full name does (川岛镇人民政府).
    /// Auto-dispatch leaves such a matter to a person: it may accuse the unit it would go to.
    /// </summary>
    public bool MayAccuseAUnit(string text)
    {
        if (OfficialWords.Any(w => text.Contains(w, StringComparison.Ordinal))) return true;
        foreach (var (name, unit) in unitNames)
        {
            if (!text.Contains(name, StringComparison.Ordinal)) continue;
            if (unit.Kind is "town" or "street" or "government" && name != unit.Name) continue;
            return true;
        }
        return false;
    }

    private static readonly string[] DisciplineBodies = ["纪委", "监委", "纪检监察", "纪律检查委员会", "监察委员会"];
    private static readonly string[] LeadershipWords = ["书记", "主任", "常委", "一把手", "主要负责人", "领导班子"];

    /// <summary>A leader of a discipline commission (纪委书记, 监委副主任, 纪委常委): reported to the commission above.</summary>
    internal static bool LeadsDisciplineCommission(string person) =>
        DisciplineBodies.Any(b => person.Contains(b, StringComparison.Ordinal)) && LeadershipWords.Any(w => person.Contains(w, StringComparison.Ordinal));

    private string? CountyNamedIn(string text)
    {
        foreach (var (name, county) in countyNames)
        {
            if (text.Contains(name, StringComparison.Ordinal)) return county;
        }
        return null;
    }

    /// <summary>The unit itself or the nearest unit above it that is a discipline commission.</summary>
    private UnitInfo? DisciplineCommissionOf(UnitInfo unit)
    {
        for (UnitInfo? u = unit; u is not null; u = u.ParentCode is { } p ? units.GetValueOrDefault(p) : null)
        {
            if (u.Kind == "discipline") return u;
        }
        return null;
    }

    /// <summary>The discipline commission answering for a place: its county's, else the city's.</summary>
    private UnitInfo? DisciplineCommissionFor(string? territory) =>
        (Matter.CountyOf(territory) is { } county && territory!.StartsWith(homePrefix, StringComparison.Ordinal) ? disciplines.GetValueOrDefault(county) : null)
        ?? disciplines.GetValueOrDefault(home);

    private bool Within(UnitInfo unit, UnitInfo? ancestor)
    {
        if (ancestor is null) return false;
        for (UnitInfo? u = unit; u is not null; u = u.ParentCode is { } p ? units.GetValueOrDefault(p) : null)
        {
            if (u.Code == ancestor.Code) return true;
        }
        return false;
    }

    // ---- the category ----

    private sealed record Categorised(CatalogueEntry? Entry, double Confidence, string Zh, string En, bool GivenOther, string Source = "given");

    private Categorised Categorise(RoutingInput input)
    {
        var given = Text.OrNull(input.Category);
        string? unknown = null;
        if (given is not null)
        {
            if (catalogue.Find(given) is { } entry)
            {
                if (entry.Subcategory is null && catalogue.Children(entry.Category).Count > 0
                    && CatalogueKeywords.Best(catalogue, input.Title, input.Content, within: entry.Category) is { Category: not null } refined)
                {
                    return new Categorised(catalogue.Find(refined.Category, refined.Subcategory), 0.5 + (0.5 * refined.Confidence),
                        $"事项分类「{given}」，二级分类按文本（{refined.Evidence}）", $"the matter's category {given}, its second level by the text ({refined.EvidenceEn})", !entry.IsDiscipline);
                }
                return new Categorised(entry, 1, $"事项分类「{given}」", $"the matter's category {given}", !entry.IsDiscipline);
            }
            unknown = given;
        }
        var s = input.Suggested ?? suggester?.Suggest(input.Title, input.Content) ?? CatalogueKeywords.Best(catalogue, input.Title, input.Content);
        var prefix = unknown is null ? "" : $"事项分类「{unknown}」不在目录中；";
        var prefixEn = unknown is null ? "" : $"the matter's category {unknown} is not in the catalogue; ";
        var found = catalogue.Find(s.Category, s.Subcategory);
        if (found is null) return new Categorised(null, 0, prefix + "未能从标题和内容判断分类", prefixEn + "no category found in the title and content", false, "none");
        var confidence = Math.Clamp(s.Confidence, 0, 1);
        if (found.Subcategory is null && CatalogueKeywords.Best(catalogue, input.Title, input.Content, within: found.Category) is { Category: not null } sub)
        {
            found = catalogue.Find(sub.Category, sub.Subcategory) ?? found;
        }
        var evidence = s.Evidence is null ? "" : $"（{s.Evidence}）";
        var evidenceEn = s.EvidenceEn is null ? "" : $" ({s.EvidenceEn})";
        return new Categorised(found, confidence, $"{prefix}分类建议为「{found.Path}」{evidence}", $"{prefixEn}category {found.Path} suggested from the text{evidenceEn}", false,
            s.Learned ? "learned" : "keywords");
    }

    // ---- rules 1 and 2: discipline reports ----

    private DispatchSuggestion RouteDiscipline(RoutingInput input, Subject subject, Categorised category)
    {
        var entry = category.Entry;
        if (entry?.IsDiscipline != true && catalogue.DisciplineCategory is { } disciplineCategory)
        {
            var sub = CatalogueKeywords.Best(catalogue, input.Title, input.Content, within: disciplineCategory.Category);
            entry = catalogue.Find(disciplineCategory.Category, sub.Subcategory) ?? disciplineCategory;
        }
        DispatchSuggestion Answer(UnitInfo? lead, string rule, string zh, string en, double confidence) =>
            new(entry?.Category, entry?.Subcategory, input.TerritoryCode, Ref(lead), [], rule, zh + " / " + en, Math.Round(confidence, 2));

        var about = subject.Unit is { } su ? $"{su.Name}（{su.Code}）" : subject.Person is { } p ? $"「{p}」" : "未指明的对象";
        var aboutEn = subject.Unit is { } sue ? sue.Code : subject.Person is not null ? "the person named" : "an unnamed subject";

        // Level above: nobody handles a report about their own commission (纪检监察机关处理检举控告工作规则:
        // 反映纪检监察机关领导班子成员的，由上一级纪检监察机关处理).
        var commission = subject.Unit is { } unit ? DisciplineCommissionOf(unit) : null;
        if (commission is null && subject.Person is { } person && LeadsDisciplineCommission(person))
        {
            commission = CountyNamedIn(person) is { } county ? disciplines.GetValueOrDefault(county) ?? DisciplineCommissionFor(input.TerritoryCode)
                : disciplines.GetValueOrDefault(home);
        }
        if (commission is not null)
        {
            var above = commission.ParentCode is { } parent && units.TryGetValue(parent, out var up) && up.Kind == "discipline" ? up : null;
            return above is not null
                ? Answer(above, RoutingRule.LevelAbove,
                    $"反映{about}，即{commission.Name}本身或其领导班子成员，由上一级纪委监委{above.Name}受理",
                    $"a report about {aboutEn}, the discipline commission {commission.Code} itself or its leaders, goes to the commission above, {above.Code}",
                    subject.Confidence)
                : Answer(null, RoutingRule.LevelAbove,
                    $"反映{about}，即{commission.Name}本身或其领导班子成员，由上一级（{provinceName}）纪委监委受理，不在本系统内，请按规定报送",
                    $"a report about {aboutEn}, the discipline commission {commission.Code} itself or its leaders, goes to the commission above ({provinceName}), outside this system: send it on as the rules say",
                    subject.Confidence);
        }

        // Rule 1: during a round, a report about an inspected organisation (or a unit beneath it) goes to its group.
        if (subject.Unit is { } inspected)
        {
            foreach (var round in rounds.Where(r => r.InForce(input.ReceivedAt)))
            {
                foreach (var group in round.Groups)
                {
                    var target = group.Inspects.FirstOrDefault(code => units.TryGetValue(code, out var o) && Within(inspected, o));
                    if (target is null || !units.TryGetValue(group.Code, out var groupUnit)) continue;
                    var period = $"{round.From:yyyy-MM-dd}至{round.To:yyyy-MM-dd}";
                    return Answer(groupUnit, RoutingRule.InspectionRound,
                        $"{round.Name}期间（{period}）收到反映被巡察党组织{units[target].Name}的举报，由{groupUnit.Name}受理",
                        $"received during {round.Name} ({round.From:yyyy-MM-dd} to {round.To:yyyy-MM-dd}), a report about {target}, an organisation under inspection, goes to its inspection group {groupUnit.Code}",
                        subject.Confidence);
                }
            }
        }

        // Rule 2: the discipline commission at the subject's level (分级负责).
        UnitInfo? lead;
        string why, whyEn;
        if (subject.Unit is { } s)
        {
            lead = DisciplineCommissionFor(s.TerritoryCode);
            var cityLevel = Matter.CountyOf(s.TerritoryCode) is null;
            why = $"被反映单位{s.Name}属{(cityLevel ? "市级" : "县级")}";
            whyEn = $"the unit reported on, {s.Code}, is at {(cityLevel ? "city" : "county")} level";
        }
        else if (subject.Person is { } named && CountyNamedIn(named) is { } county && disciplines.TryGetValue(county, out var countyCommission))
        {
            lead = countyCommission;
            why = $"被反映人「{named}」属{PlaceName(county)}";
            whyEn = $"the person reported on belongs to {county}";
        }
        else
        {
            lead = DisciplineCommissionFor(input.TerritoryCode);
            why = input.TerritoryCode is { } t ? $"被反映对象层级不明，按属地{PlaceName(t)}" : "被反映对象层级和属地均不明，由市级";
            whyEn = input.TerritoryCode is { } te ? $"the subject's level is not known: by the matter's place {te}" : "neither the subject's level nor the place is known: the city's";
        }
        var rounding = rounds.Any(r => r.InForce(input.ReceivedAt)) ? "不属本轮被巡察党组织" : "不在巡察期间";
        var roundingEn = rounds.Any(r => r.InForce(input.ReceivedAt)) ? "not about an organisation under inspection in this round" : "outside any inspection round";
        return Answer(lead, RoutingRule.Discipline,
            $"纪律作风问题举报（{(entry?.Subcategory ?? entry?.Category ?? "纪律作风")}），{rounding}；{why}，由{lead?.Name ?? "纪委监委"}受理（分级负责）",
            $"a discipline report ({roundingEn}); {whyEn}, so the discipline commission {lead?.Code ?? "(none)"} takes it (tiered responsibility)",
            subject.Known ? subject.Confidence : 0.5);
    }

    // ---- rule 3: the category's owner at its level in the place (属地管理) ----

    private static readonly string[] Levels = [Catalogue.Town, Catalogue.County, Catalogue.City];

    private DispatchSuggestion RouteByOwner(RoutingInput input, Subject subject, Categorised category)
    {
        var entry = category.Entry;
        var territory = input.TerritoryCode;
        var categoryConfidence = entry is null ? 0.5 : category.Confidence;
        var placeConfidence = territory is null ? 0.5 : Math.Clamp(input.TerritoryConfidence, 0, 1);
        var confidence = Math.Round(categoryConfidence * placeConfidence, 2);
        // A confidential matter never goes to the unit it is about, nor beneath it (Dispatch refuses it).
        var guard = input.Confidential ? subject.Unit : null;
        DispatchSuggestion Answer(UnitInfo? lead, IReadOnlyList<UnitInfo> co, string rule, string zh, string en) =>
            new(entry?.Category, entry?.Subcategory, territory, Ref(lead), co.Select(u => Ref(u)!).ToList(), rule,
                $"{category.Zh}；{zh} / {category.En}; {en}", confidence);

        if (territory is not null && !territory.StartsWith(homePrefix, StringComparison.Ordinal))
        {
            return Answer(null, [], RoutingRule.OutsideCity,
                $"属地{PlaceName(territory)}不在本市，应转属地有关部门处理",
                $"the place {territory} is outside the city: refer it to that place");
        }
        var places = Places(territory);
        if (entry?.Owner is not { } owner)
        {
            return CatchAll(Answer, places, guard, entry is null
                ? ("没有分类可依", "with no category to go by")
                : ($"目录未指定「{entry.Path}」的主办单位", $"the catalogue names no owner for {entry.Path}"));
        }

        var start = owner is Catalogue.Town or Catalogue.County ? owner : entry.Level;
        var (lead, level, skipped, skippedEn) = Find(owner, start, places, guard);
        if (lead is null)
        {
            return CatchAll(Answer, places, guard,
                ($"「{entry.Path}」由{Owner(owner, start)}主办，但{skipped}", $"{entry.Path} is owned by {OwnerEn(owner, start)}, but {skippedEn}"));
        }
        var co = CoUnits(entry, places, lead, guard);
        var owned = $"「{entry.Path}」由{Owner(owner, start)}主办（分级负责）";
        var ownedEn = $"{entry.Path} is owned by {OwnerEn(owner, start)} (tiered responsibility)";
        var where = territory is null ? "属地不明" : $"属地{PlaceName(territory)}";
        var whereEn = territory is null ? "the place is not known" : $"the place is {territory}";
        var coText = co.Count == 0 ? "" : $"；协办：{string.Join("、", co.Select(u => u.Name))}";
        var coTextEn = co.Count == 0 ? "" : $"; co-handlers: {string.Join(", ", co.Select(u => u.Code))}";
        return level == start
            ? Answer(lead, co, RoutingRule.CategoryOwner, $"{owned}；{where} → {lead.Name}{coText}", $"{ownedEn}; {whereEn} → {lead.Code}{coTextEn}")
            : Answer(lead, co, RoutingRule.FallbackUpward,
                $"{owned}；{where}，{skipped}，上移至{LevelName(level)}：{lead.Name}{coText}",
                $"{ownedEn}; {whereEn}, {skippedEn}: next level up, {lead.Code} at {level} level{coTextEn}");
    }

    private DispatchSuggestion CatchAll(Func<UnitInfo?, IReadOnlyList<UnitInfo>, string, string, string, DispatchSuggestion> answer,
        Dictionary<string, string?> places, UnitInfo? guard, (string Zh, string En) why)
    {
        var county = places[Catalogue.County];
        if (county is not null && governments.TryGetValue(county, out var government) && !Within(government, guard))
        {
            return answer(government, [], RoutingRule.CatchAll,
                $"{why.Zh}，按兜底原则由属地县级人民政府{government.Name}受理",
                $"{why.En}: the county government {government.Code} takes it (兜底, the catch-all)");
        }
        return answer(null, [], RoutingRule.NoTerritory,
            $"{why.Zh}，且属地未确定到县（市、区），请先更正属地再派单",
            $"{why.En}, and the place is not known down to a county: set the territory first");
    }

    /// <summary>The divisions of a place at each level: 440781115002 → town 440781115, county 440781, city.</summary>
    private Dictionary<string, string?> Places(string? territory) => new(StringComparer.Ordinal)
    {
        [Catalogue.Town] = territory is { Length: >= 9 } ? territory[..9] : null,
        [Catalogue.County] = Matter.CountyOf(territory),
        [Catalogue.City] = home,
    };

    /// <summary>
    /// The owner's unit from the start level up (town → county → city): the first level where the
    /// place is known and has such a unit (a government: only a town's or a county's; a city
    /// government is no fallback for a village road), and which is not the matter's confidential subject.
    /// </summary>
    private (UnitInfo? Unit, string Level, string Skipped, string SkippedEn) Find(string owner, string start, Dictionary<string, string?> places, UnitInfo? guard)
    {
        var skipped = new List<string>();
        var skippedEn = new List<string>();
        // A government is no fallback for another level's work beyond the county: the city
        // government does not mend a village road; what no county takes is the catch-all's.
        var government = owner is Catalogue.Town or Catalogue.County;
        foreach (var level in Levels.SkipWhile(l => l != start).Where(l => !(government && l == Catalogue.City)))
        {
            var place = places[level];
            if (place is null)
            {
                skipped.Add($"属地未确定到{LevelName(level)}");
                skippedEn.Add($"the place is not known at {level} level");
                continue;
            }
            var unit = government ? governments.GetValueOrDefault(place) : departments.GetValueOrDefault((place, owner));
            if (unit is null)
            {
                skipped.Add($"{PlaceName(place)}无{(government ? "对应人民政府" : OwnerLabel(owner))}");
                skippedEn.Add($"{place} has no {owner}");
                continue;
            }
            if (Within(unit, guard))
            {
                skipped.Add($"{unit.Name}是被反映单位（或在其下），保密事项不交其办理");
                skippedEn.Add($"{unit.Code} is the confidential matter's subject or beneath it");
                continue;
            }
            return (unit, level, string.Join("，", skipped), string.Join("; ", skippedEn));
        }
        return (null, start, string.Join("，", skipped), string.Join("; ", skippedEn));
    }

    private List<UnitInfo> CoUnits(CatalogueEntry entry, Dictionary<string, string?> places, UnitInfo lead, UnitInfo? guard)
    {
        var co = new List<UnitInfo>();
        foreach (var key in entry.Co)
        {
            var start = key is Catalogue.Town or Catalogue.County ? key : entry.Level;
            if (Find(key, start, places, guard).Unit is { } unit && unit.Code != lead.Code && co.All(c => c.Code != unit.Code)) co.Add(unit);
        }
        return co;
    }

    private string OwnerLabel(string owner) => ownerLabels.GetValueOrDefault(owner) ?? owner;

    /// <summary>镇人民政府（街道办事处）, 县级人民政府, 县级人力资源和社会保障局.</summary>
    private string Owner(string owner, string level) => owner switch
    {
        Catalogue.Town => "镇人民政府（街道办事处）",
        Catalogue.County => "县级人民政府",
        _ => LevelName(level) + OwnerLabel(owner),
    };

    private static string OwnerEn(string owner, string level) => owner switch
    {
        Catalogue.Town => "the town government (or street office)",
        Catalogue.County => "the county government",
        _ => $"the {level}-level {owner}",
    };

    private static string LevelName(string level) => level switch
    {
        Catalogue.Town => "镇街",
        Catalogue.County => "县级",
        Catalogue.City => "市级",
        _ => level,
    };

    private string PlaceName(string code) => placeName(code) ?? code;

    private static UnitRef? Ref(UnitInfo? unit) => unit is null ? null : new UnitRef(unit.Code, unit.Name);
}
