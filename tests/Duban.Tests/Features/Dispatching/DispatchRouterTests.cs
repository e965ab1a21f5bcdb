using System.Text.Json;
using Duban.Common;
using Duban.Features.Dispatching;
using Duban.Features.Units;

namespace Duban.Tests.Features.Dispatching;

/// <summary>
/// The routing rules (分级负责、属地管理) over the Jiangmen demo's units, the shipped catalogue and
/// the shipped eighth inspection round, without a database: the place is given as resolved.
/// </summary>
public sealed class DispatchRouterTests
{
    private static readonly IReadOnlyList<UnitInfo> Units = ImportUnits.ReadBuiltIn()
        .Select(u => new UnitInfo(u.Code, u.Name, u.ShortName, u.Kind, u.ParentCode, u.TerritoryCode, u.Phone, u.Email)).ToList();

    private static readonly Catalogue Shipped = new CatalogueStore(TimeProvider.System).Shipped.Catalogue;

    /// <summary>A day in China, at noon.</summary>
    private static DateTimeOffset Day(int year, int month, int day, int hour = 12) => new(year, month, day, hour, 0, 0, Clock.ChinaOffset);

    private static readonly DateTimeOffset DuringRound = Day(2025, 12, 5);
    private static readonly DateTimeOffset AfterRound = Day(2026, 3, 5);

    private static DispatchRouter Router(IEnumerable<UnitInfo>? units = null, Catalogue? catalogue = null) =>
        new(catalogue ?? Shipped, InspectionRound.Shipped, units ?? Units, provinceName: "广东省");

    private static RoutingInput Matter(string title, string content = "请尽快处理。", string? territory = null, string kind = "complaint",
        string? category = null, string? subjectUnit = null, string? subjectPerson = null, bool? confidential = null, DateTimeOffset? at = null) =>
        new(kind, title, content, category, territory, 1, subjectUnit, subjectPerson, confidential ?? kind == "report", at ?? AfterRound);

    private static DispatchSuggestion Route(RoutingInput input, IEnumerable<UnitInfo>? units = null) => Router(units).Route(input);

    // ---- rule 1: the inspection round ----

    [Fact]
    public void Route_ReportAboutPartySchoolDuringEighthRound_GoesToFirstInspectionGroup()
    {
        var s = Route(Matter("反映市委党校个别教研人员长期不在岗", kind: "report", subjectUnit: "4407-swdx", at: DuringRound));
        Assert.Equal(RoutingRule.InspectionRound, s.Rule);
        Assert.Equal("4407-xcz1", s.LeadUnit?.Code);
        Assert.Equal("中共江门市委第一巡察组", s.LeadUnit?.Name);
        Assert.Equal("纪律作风", s.Category);
        Assert.Equal("工作纪律", s.Subcategory);
        Assert.Contains("十四届市委第八轮巡察", s.Reason, StringComparison.Ordinal);
        Assert.Empty(s.CoUnits);
    }

    [Theory]
    [InlineData("4407-szjggw", "4407-xcz1")]
    [InlineData("4407-jmzyy", "4407-xcz2")]
    [InlineData("4407-swwxb", "4407-xcz3")]
    [InlineData("4407-rcgzj", "4407-xcz4")]
    [InlineData("4407-swwb", "4407-xcz5")]
    public void Route_ReportAboutEachInspectedUnitDuringRound_GoesToItsOwnGroup(string subject, string group)
    {
        var s = Route(Matter("反映问题", kind: "report", subjectUnit: subject, at: DuringRound));
        Assert.Equal(group, s.LeadUnit?.Code);
    }

    [Fact]
    public void Route_SamePartySchoolReportAfterRound_GoesToCityDisciplineCommission()
    {
        var s = Route(Matter("反映市委党校个别教研人员长期不在岗", kind: "report", subjectUnit: "4407-swdx", at: AfterRound));
        Assert.Equal(RoutingRule.Discipline, s.Rule);
        Assert.Equal("4407-jw", s.LeadUnit?.Code);
        Assert.Contains("不在巡察期间", s.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_RoundPeriod_CountsChinaDates_BothEndsIncluded()
    {
        RoutingInput At(DateTimeOffset at) => Matter("反映问题", kind: "report", subjectUnit: "4407-swdx", at: at);
        Assert.Equal("4407-xcz1", Route(At(Day(2025, 11, 20, 0).AddMinutes(1))).LeadUnit?.Code);
        Assert.Equal("4407-xcz1", Route(At(Day(2026, 1, 31, 23).AddMinutes(59))).LeadUnit?.Code);
        // 2025-11-19 23:59 in China is already 11-19 15:59 UTC: before the round.
        Assert.Equal("4407-jw", Route(At(Day(2025, 11, 19, 23).AddMinutes(59))).LeadUnit?.Code);
        Assert.Equal("4407-jw", Route(At(Day(2026, 2, 1, 0).AddMinutes(1))).LeadUnit?.Code);
    }

    [Fact]
    public void Route_ReportDuringRoundAboutUninspectedUnit_GoesToDisciplineCommissionNotAGroup()
    {
        var s = Route(Matter("反映市人社局干部推诿刁难", kind: "report", subjectUnit: "4407-rsj", at: DuringRound));
        Assert.Equal(RoutingRule.Discipline, s.Rule);
        Assert.Equal("4407-jw", s.LeadUnit?.Code);
        Assert.Equal("群众纪律", s.Subcategory);
        Assert.Contains("不属本轮被巡察党组织", s.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_SubjectGivenByName_IsMatchedToTheUnit_ByNameShortNameOrInsideAPersonsTitle()
    {
        Assert.Equal("4407-xcz1", Route(Matter("反映问题", kind: "report", subjectPerson: "市委党校", at: DuringRound)).LeadUnit?.Code);
        Assert.Equal("4407-xcz1", Route(Matter("反映问题", kind: "report", subjectPerson: "中共江门市委党校", at: DuringRound)).LeadUnit?.Code);
        Assert.Equal("4407-xcz1", Route(Matter("反映问题", kind: "report", subjectPerson: "市委党校某副校长", at: DuringRound)).LeadUnit?.Code);
        // 台山市委 is the county's party committee, not 市委 (the city's): its commission is 台山's.
        Assert.Equal("440781-jw", Route(Matter("反映问题", kind: "report", subjectPerson: "台山市委某干部", at: DuringRound)).LeadUnit?.Code);
    }

    // ---- rule 2: discipline reports outside a round, and the level above ----

    [Theory]
    [InlineData("440781115", "440781-jw")]  // 川岛镇: 台山's
    [InlineData("440781-zjj", "440781-jw")] // 台山市住建局
    [InlineData("440781", "440781-jw")]     // 台山市人民政府
    [InlineData("440704004", "440704-jw")]  // 外海街道: 江海's
    [InlineData("4407-szf", "4407-jw")]     // 市政府
    public void Route_DisciplineReport_GoesToTheCommissionAtTheSubjectsLevel(string subject, string commission)
    {
        var s = Route(Matter("反映干部收受红包", kind: "report", subjectUnit: subject));
        Assert.Equal(RoutingRule.Discipline, s.Rule);
        Assert.Equal(commission, s.LeadUnit?.Code);
        Assert.Equal("廉洁纪律", s.Subcategory);
    }

    [Fact]
    public void Route_DisciplineCategoryWithoutSubject_GoesToThePlacesCommission()
    {
        var s = Route(Matter("村干部优亲厚友", category: "纪律作风", territory: "440781115002"));
        Assert.Equal(RoutingRule.Discipline, s.Rule);
        Assert.Equal("440781-jw", s.LeadUnit?.Code);
        Assert.Equal("群众纪律", s.Subcategory);
    }

    [Fact]
    public void Route_ReportAboutCityDisciplineCommission_GoesToTheLevelAbove_WithNoLocalUnit()
    {
        foreach (var input in new[]
        {
            Matter("反映市纪委监委违规办案", kind: "report", subjectUnit: "4407-jw", at: DuringRound),
            Matter("反映市纪委书记干预案件", kind: "report", subjectPerson: "市纪委书记", at: DuringRound),
            Matter("反映问题", kind: "report", subjectPerson: "市纪委监委", at: AfterRound),
        })
        {
            var s = Route(input);
            Assert.Equal(RoutingRule.LevelAbove, s.Rule);
            Assert.Null(s.LeadUnit);
            Assert.Contains("广东省", s.Reason, StringComparison.Ordinal);
            Assert.Contains("上一级", s.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Route_ReportAboutCountyDisciplineCommissionOrItsLeader_GoesToTheCitysCommission()
    {
        var byUnit = Route(Matter("反映台山市纪委监委", kind: "report", subjectUnit: "440781-jw"));
        Assert.Equal(RoutingRule.LevelAbove, byUnit.Rule);
        Assert.Equal("4407-jw", byUnit.LeadUnit?.Code);
        var byPerson = Route(Matter("反映纪委副书记收受礼金", kind: "report", subjectPerson: "台山市纪委副书记"));
        Assert.Equal(RoutingRule.LevelAbove, byPerson.Rule);
        Assert.Equal("4407-jw", byPerson.LeadUnit?.Code);
        // A commission's ordinary cadre is not its leadership: the commission itself handles it.
        Assert.Equal(RoutingRule.Discipline, Route(Matter("反映问题", kind: "report", subjectPerson: "台山市某局副局长")).Rule);
    }

    [Fact]
    public void Route_ReportClassifiedAsAnotherCategory_IsRoutedByThatCategory()
    {
        var s = Route(Matter("反映邻居违建占用消防通道", kind: "report", category: "城乡建设/违章建筑", subjectUnit: "440781115", territory: "440781115002"));
        // Not discipline; and being confidential about 川岛镇, not sent to 川岛镇 either.
        Assert.Equal(RoutingRule.FallbackUpward, s.Rule);
        Assert.Equal("440781", s.LeadUnit?.Code);
        Assert.DoesNotContain(s.CoUnits, u => u.Code == "440781115");
    }

    // ---- rule 3: the category's owner in the place ----

    [Fact]
    public void Route_UnpaidWagesInTaishan_GoesToTaishanHumanResourcesBureau()
    {
        var bySuggestion = Route(Matter("台城某工厂拖欠工资", "老板拖欠三个月工资不发。", territory: "440781001"));
        Assert.Equal(RoutingRule.CategoryOwner, bySuggestion.Rule);
        Assert.Equal(("劳动和社会保障", "拖欠工资"), (bySuggestion.Category, bySuggestion.Subcategory));
        Assert.Equal("440781-rsj", bySuggestion.LeadUnit?.Code);
        Assert.Equal("台山市人力资源和社会保障局", bySuggestion.LeadUnit?.Name);
        Assert.Equal("440781001", bySuggestion.TerritoryCode);

        var byCategory = Route(Matter("来电反映", "要求处理。", territory: "440781", category: "劳动和社会保障/拖欠工资"));
        Assert.Equal("440781-rsj", byCategory.LeadUnit?.Code);
        Assert.Equal(1, byCategory.Confidence);
        // A category naming only its first level takes the second from the text; co-handlers come with it.
        var construction = Route(Matter("工地拖欠农民工工资", territory: "440781001", category: "劳动和社会保障"));
        Assert.Equal("工程建设领域欠薪", construction.Subcategory);
        Assert.Equal("440781-rsj", construction.LeadUnit?.Code);
        Assert.Equal(["440781-zjj"], construction.CoUnits.Select(u => u.Code));
    }

    [Fact]
    public void Route_PotholeInChuandaoVillage_GoesToChuandaoTownGovernment()
    {
        var s = Route(Matter("略尾村村道坑洼", "村道路面坑坑洼洼，下雨全是积水。", territory: "440781115002"));
        Assert.Equal(RoutingRule.CategoryOwner, s.Rule);
        Assert.Equal("道路坑洼", s.Subcategory);
        Assert.Equal("440781115", s.LeadUnit?.Code);
        Assert.Equal("台山市川岛镇人民政府", s.LeadUnit?.Name);
    }

    [Fact]
    public void Route_CategoryWithoutOwner_CountyGovernmentTakesIt()
    {
        var other = Route(Matter("来电咨询", territory: "440781115002", category: "其他"));
        Assert.Equal(RoutingRule.CatchAll, other.Rule);
        Assert.Equal("440781", other.LeadUnit?.Code);
        Assert.Contains("兜底", other.Reason, StringComparison.Ordinal);
        var nothing = Route(Matter("要求政府出面追讨朋友借款", "朋友借钱不还。", territory: "440781"));
        Assert.Equal(RoutingRule.CatchAll, nothing.Rule);
        Assert.Null(nothing.Category);
        Assert.Equal("440781", nothing.LeadUnit?.Code);
    }

    [Fact]
    public void Route_OwnerFoundNowhereUpTheLevels_CountyGovernmentTakesIt()
    {
        // Without any ecology bureau in the units, water pollution in 大田镇 falls to 恩平市人民政府.
        var units = Units.Where(u => !u.Code.EndsWith("-sthjj", StringComparison.Ordinal));
        var s = Route(Matter("河涌大面积死鱼", "疑似工业废水排放。", territory: "440785106"), units);
        Assert.Equal(RoutingRule.CatchAll, s.Rule);
        Assert.Equal("440785", s.LeadUnit?.Code);
    }

    [Fact]
    public void Route_CountyHasNoSuchDepartment_FallsBackToTheCitysDepartment()
    {
        // Without 恩平's ecology branch, water pollution in 大田镇 goes up to the city bureau.
        var s = Route(Matter("河涌大面积死鱼", "疑似工业废水排放。", territory: "440785106"), Units.Where(u => u.Code != "440785-sthjj"));
        Assert.Equal(RoutingRule.FallbackUpward, s.Rule);
        Assert.Equal("4407-sthjj", s.LeadUnit?.Code);
        Assert.Equal(["440785106"], s.CoUnits.Select(u => u.Code)); // the town helps
        Assert.Contains("上移至市级", s.Reason, StringComparison.Ordinal);

        // The same with 台山's own bureau taken away: 市人社局.
        var wages = Route(Matter("拖欠工资", territory: "440781001"), Units.Where(u => u.Code != "440781-rsj"));
        Assert.Equal(RoutingRule.FallbackUpward, wages.Rule);
        Assert.Equal("4407-rsj", wages.LeadUnit?.Code);
    }

    [Fact]
    public void Route_TownOwnerMissing_FallsBackToTheCountyGovernment()
    {
        // The place known only down to the county: no town to send a village road to.
        var county = Route(Matter("村道坑洼", territory: "440781"));
        Assert.Equal(RoutingRule.FallbackUpward, county.Rule);
        Assert.Equal("440781", county.LeadUnit?.Code);
        // The town's government not among the units.
        var missing = Route(Matter("村道坑洼", territory: "440781115002"), Units.Where(u => u.Code != "440781115"));
        Assert.Equal(RoutingRule.FallbackUpward, missing.Rule);
        Assert.Equal("440781", missing.LeadUnit?.Code);
    }

    [Fact]
    public void Route_CityLevelCategory_GoesToTheCityWhereverItHappens()
    {
        var s = Route(Matter("快递丢件没人管", territory: "440781115002"));
        Assert.Equal(("邮政快递", "快递服务"), (s.Category, s.Subcategory));
        Assert.Equal(RoutingRule.CategoryOwner, s.Rule);
        Assert.Equal("4407-yzj", s.LeadUnit?.Code);
        var fee = Route(Matter("快递加收过海费", "每件快递要另交三元过海费。", territory: "440781115002"));
        Assert.Equal("440781-scjgj", fee.LeadUnit?.Code);
        Assert.Equal(["440781115"], fee.CoUnits.Select(u => u.Code));
    }

    [Fact]
    public void Route_ConfidentialMatterAboutAUnit_IsNeverSentToItOrBeneathIt()
    {
        var s = Route(Matter("拖欠工资", territory: "440781001", category: "劳动和社会保障/拖欠工资", subjectUnit: "440781", confidential: true));
        Assert.Equal("4407-rsj", s.LeadUnit?.Code);
        Assert.Equal(RoutingRule.FallbackUpward, s.Rule);
        var open = Route(Matter("拖欠工资", territory: "440781001", category: "劳动和社会保障/拖欠工资", subjectUnit: "440781", confidential: false));
        Assert.Equal("440781-rsj", open.LeadUnit?.Code);
    }

    [Fact]
    public void Route_PlaceOutsideTheCityOrUnknown_SaysSo()
    {
        var away = Route(Matter("拖欠工资", territory: "350404001"));
        Assert.Equal(RoutingRule.OutsideCity, away.Rule);
        Assert.Null(away.LeadUnit);
        // A department category with no place: the city's department, less sure.
        var unplaced = Route(Matter("拖欠工资", territory: null) with { TerritoryConfidence = 0 });
        Assert.Equal(RoutingRule.FallbackUpward, unplaced.Rule);
        Assert.Equal("4407-rsj", unplaced.LeadUnit?.Code);
        Assert.True(unplaced.Confidence <= 0.5);
        // A town's work with no place: nobody until the place is set.
        var road = Route(Matter("村道坑洼", territory: null));
        Assert.Equal(RoutingRule.NoTerritory, road.Rule);
        Assert.Null(road.LeadUnit);
    }

    // ---- the catalogue and the rounds as shipped ----

    [Fact]
    public void Catalogue_Shipped_HasTheFirstLevels_TheSixDisciplines_AndIsValidForTheDemoUnits()
    {
        string[] required = ["城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输",
            "公安治安", "农业农村", "自然资源", "民政", "邮政快递", "企业诉求", "纪律作风", "其他"];
        var firstLevels = Shipped.Entries.Where(e => e.Subcategory is null).Select(e => e.Category).ToList();
        Assert.All(required, name => Assert.Contains(name, firstLevels));
        Assert.Equal(["政治纪律", "组织纪律", "廉洁纪律", "群众纪律", "工作纪律", "生活纪律"], Shipped.Children("纪律作风").Select(e => e.Subcategory));
        Assert.All(Shipped.Children("纪律作风"), e => Assert.Equal(Catalogue.Discipline, e.Owner));
        Assert.Null(Catalogue.Validate(Shipped.Document, Catalogue.DepartmentKeys(Units)));
        Assert.Equal(Catalogue.Town, Shipped.Find("城乡建设/道路坑洼")!.Level);
        Assert.Equal(Catalogue.Town, Shipped.Find("交通运输/道路坑洼")!.Level);
        Assert.Equal("rsj", Shipped.Find("劳动和社会保障/拖欠工资")!.Owner);
        Assert.Null(Shipped.Find("其他")!.Owner);
        Assert.Null(Shipped.Find("不存在的分类"));
    }

    [Fact]
    public void Catalogue_Validate_RefusesUnknownOwnersDuplicatesAndContradictions()
    {
        var keys = Catalogue.DepartmentKeys(Units);
        Assert.Contains("rsj", keys);
        Assert.Contains("yzj", keys);
        Assert.DoesNotContain("jw", keys);
        CatalogueDocument Doc(params CategoryNode[] nodes) => new("测试", nodes);
        var ok = new CategoryNode("劳动和社会保障", "rsj", "county", Children: [new CategoryNode("拖欠工资")]);
        Assert.Null(Catalogue.Validate(Doc(ok), keys));
        Assert.NotNull(Catalogue.Validate(Doc(), keys));
        Assert.NotNull(Catalogue.Validate(Doc(ok with { Owner = "nosuch" }), keys));
        Assert.NotNull(Catalogue.Validate(Doc(ok with { Co = ["nosuch"] }), keys));
        Assert.NotNull(Catalogue.Validate(Doc(ok with { Level = "province" }), keys));
        Assert.NotNull(Catalogue.Validate(Doc(ok, ok), keys));
        Assert.NotNull(Catalogue.Validate(Doc(ok with { Children = [new CategoryNode("拖欠工资"), new CategoryNode(" 拖欠工资 ")] }), keys));
        Assert.NotNull(Catalogue.Validate(Doc(ok with { Name = "劳动/社保" }), keys));
        Assert.NotNull(Catalogue.Validate(Doc(ok with { Name = " " }), keys));
        Assert.NotNull(Catalogue.Validate(Doc(new CategoryNode("道路", "town", "county")), keys));
        Assert.NotNull(Catalogue.Validate(Doc(new CategoryNode("纪律", "jw", "city")), keys));
        Assert.NotNull(Catalogue.Validate(Doc(ok with { Children = [new CategoryNode("三级", Children: [new CategoryNode("四级")])] }), keys));
    }

    [Fact]
    public void Keywords_Best_WeighsTitleTwice_AndTiesHalveTheConfidence()
    {
        var wages = CatalogueKeywords.Best(Shipped, "拖欠工资", null);
        Assert.Equal(("劳动和社会保障", "拖欠工资"), (wages.Category, wages.Subcategory));
        Assert.Contains("拖欠工资", wages.Evidence, StringComparison.Ordinal);
        // 道路坑洼 is both 城乡建设's and 交通运输's: a tie, the earlier one, half sure.
        var road = CatalogueKeywords.Best(Shipped, "坑洼", null);
        Assert.Equal(("城乡建设", "道路坑洼", 0.5), (road.Category, road.Subcategory, road.Confidence));
        Assert.Equal(CategorySuggestion.None, CatalogueKeywords.Best(Shipped, "你好", "谢谢"));
    }

    [Fact]
    public void Rounds_Shipped_TheEighthRound_AgreesWithTheUnitsFile()
    {
        var round = Assert.Single(InspectionRound.Shipped);
        Assert.Equal("十四届市委第八轮巡察", round.Name);
        Assert.Equal(new DateOnly(2025, 11, 20), round.From);
        Assert.Equal(new DateOnly(2026, 1, 31), round.To);
        using var stream = typeof(ImportUnits).Assembly.GetManifestResourceStream(ImportUnits.BuiltIn)!;
        var inspects = JsonDocument.Parse(stream).RootElement.EnumerateArray()
            .Where(u => u.TryGetProperty("inspects", out _))
            .ToDictionary(u => u.GetProperty("code").GetString()!, u => u.GetProperty("inspects").EnumerateArray().Select(c => c.GetString()!).ToList());
        Assert.Equal(inspects.Keys.Order(StringComparer.Ordinal), round.Groups.Select(g => g.Code).Order(StringComparer.Ordinal));
        Assert.All(round.Groups, g => Assert.Equal(inspects[g.Code], g.Inspects));
        Assert.NotNull(typeof(InspectionRound).Assembly.GetManifestResourceInfo(InspectionRound.Resource));
    }

    [Fact]
    public void Route_GivenCategoryNotInCatalogue_FallsBackToTheText()
    {
        var s = Route(Matter("拖欠工资", territory: "440781001", category: "社会保障类"));
        Assert.Equal("440781-rsj", s.LeadUnit?.Code);
        Assert.Contains("不在目录中", s.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_UsesTheSuggesterGiven_WhenTheMatterHasNoCategory()
    {
        var router = new DispatchRouter(Shipped, InspectionRound.Shipped, Units, suggester: new Fixed(new CategorySuggestion("民政", "老年人福利", 0.9)));
        var s = router.Route(Matter("来电", territory: "440784"));
        Assert.Equal("440784-mzj", s.LeadUnit?.Code);
        Assert.Equal(0.9, s.Confidence);
        // What the suggester names must be in the catalogue.
        var unknown = new DispatchRouter(Shipped, InspectionRound.Shipped, Units, suggester: new Fixed(new CategorySuggestion("火星事务", null, 0.9)));
        Assert.Equal(RoutingRule.CatchAll, unknown.Route(Matter("来电", territory: "440784")).Rule);
    }

    private sealed class Fixed(CategorySuggestion answer) : ICategorySuggester
    {
        public CategorySuggestion Suggest(string? title, string? content) => answer;
    }

    [Fact]
    public void Reasons_AreInChineseAndEnglish()
    {
        foreach (var s in new[]
        {
            Route(Matter("反映问题", kind: "report", subjectUnit: "4407-swdx", at: DuringRound)),
            Route(Matter("拖欠工资", territory: "440781001")),
            Route(Matter("河涌死鱼", territory: "440785106")),
        })
        {
            var parts = s.Reason.Split(" / ");
            Assert.Equal(2, parts.Length);
            Assert.Contains(parts[0], c => c is >= '\u4e00' and <= '\u9fff');
            Assert.Matches("[a-z]{4,}", parts[1]);
        }
    }
}
