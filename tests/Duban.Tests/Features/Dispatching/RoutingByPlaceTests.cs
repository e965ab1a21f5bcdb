using Duban.Common;
using Duban.Features.Dispatching;
using Duban.Features.Units;

namespace Duban.Tests.Features.Dispatching;

/// <summary>
/// Key routings by place over the shipped catalogue and the demo's units: the owners the division of duties
/// (三定方案, data/dispatch/sanding.md) gives, found in the place (属地管理), the ecology bureau's branches included.
/// </summary>
public sealed class RoutingByPlaceTests
{
    private static readonly IReadOnlyList<UnitInfo> Units = ImportUnits.ReadBuiltIn()
        .Select(u => new UnitInfo(u.Code, u.Name, u.ShortName, u.Kind, u.ParentCode, u.TerritoryCode, u.Phone, u.Email)).ToList();

    private static readonly DispatchRouter Router = new(new CatalogueStore(TimeProvider.System).Shipped.Catalogue, InspectionRound.Shipped, Units,
        provinceName: "广东省");

    private static DispatchSuggestion Route(string title, string content, string territory) =>
        Router.Route(new RoutingInput("complaint", title, content, null, territory, 1, null, null, false,
            new DateTimeOffset(2026, 3, 5, 12, 0, 0, Clock.ChinaOffset)));

    [Theory]
    // Weights and measures (计量): 市场监管, 国家市场监督管理总局三定 (统一管理计量工作), in the county of the place.
    [InlineData("菜市场摊贩缺斤短两", "在台城菜市场买猪肉，回家一称少了二两，摊贩的秤有问题。", "440781001", "商贸旅游/计量", "440781-scjgj")]
    [InlineData("加油站加油机计量不准", "加油机显示加了40升，油箱根本装不下。", "440783", "商贸旅游/计量", "440783-scjgj")]
    // Special equipment (特种设备, 电梯): 市场监管.
    [InlineData("小区电梯经常困人", "电梯一个月困人三次，物业不管。", "440703002", "城乡建设/电梯安全", "440703-scjgj")]
    // Food safety: 市场监管.
    [InlineData("餐馆食品变质", "在餐馆吃饭，菜已经变质发臭。", "440704001", "商贸旅游/食品安全", "440704-scjgj")]
    // Water pollution: the city ecology bureau's branch of the place (垂直管理: no county bureau anywhere).
    [InlineData("河涌污水直排", "白沙街道河涌被排污，水体发黑发臭。", "440703002", "环境保护/水污染", "440703-sthjj")]
    [InlineData("河涌大面积死鱼", "疑似工业废水排放，水体发黑。", "440781100", "环境保护/水污染", "440781-sthjj")]
    [InlineData("工厂废气臭味扰民", "工业区工厂排放废气，异味很重。", "440705101", "环境保护/大气污染", "440705-sthjj")]
    public void Route_ByPlace_GoesToTheOwnerTheDivisionOfDutiesNames(string title, string content, string territory, string category, string lead)
    {
        var s = Route(title, content, territory);
        Assert.Equal(category, s.CategoryPath);
        Assert.Equal(RoutingRule.CategoryOwner, s.Rule);
        Assert.Equal(lead, s.LeadUnit?.Code);
    }

    [Fact]
    public void Route_WaterPollutionInADistrict_NamesTheBranch()
    {
        var s = Route("河涌污水直排", "河涌被排污。", "440703002");
        Assert.Equal("江门市生态环境局蓬江分局", s.LeadUnit?.Name);
        // The town of the place helps (co-handler), as the catalogue says for 水污染.
        Assert.Equal(["440703002"], s.CoUnits.Select(u => u.Code));
    }
}
