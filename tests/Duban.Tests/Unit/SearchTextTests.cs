using Duban.Features.Search;

namespace Duban.Tests.Unit;

public sealed class SearchTextTests
{
    [Fact]
    public void Tokens_ArePairsOfEachHanRunThenItsLastCharacter_AndWholeWords()
    {
        Assert.Equal(["市民", "民反", "反映", "映", "3", "号楼", "楼", "abc12"], SearchText.Tokens("市民反映：3号楼ＡＢＣ１２"));
        Assert.Equal(["路"], SearchText.Tokens("路"));
        Assert.Empty(SearchText.Tokens("，。！ "));
        Assert.Equal(64, SearchText.Tokens(new string('a', 500)).Single().Length);
    }

    [Fact]
    public void Query_IsAPhrasePerTerm_WithAPrefixWhereTheTextMayGoOn_AllAnded()
    {
        var q = SearchQuery.Parse("噪音扰民  路 JM 3号楼 号楼3 x民");
        Assert.Equal("\"噪音 音扰 扰民\" AND \"路\"* AND \"jm\"* AND \"3 号楼\" AND \"号楼 楼 3\"* AND \"x 民\"*", q.Fts5());
        Assert.Equal("('噪音' <-> '音扰' <-> '扰民') & ('路':*) & ('jm':*) & ('3' <-> '号楼') & ('号楼' <-> '楼' <-> '3':*) & ('x' <-> '民':*)", q.TsQuery());
        Assert.Equal(["噪音扰民", "路", "JM", "3号楼", "号楼3", "x民"], q.Terms);
        Assert.True(SearchQuery.Parse("%% ，").IsEmpty);
        // Quotes and operators a user types are never passed through: tokens are letters, digits and Han only.
        Assert.Equal("\"near a b\"*", SearchQuery.Parse("NEAR(a\"b)").Fts5());
    }

    [Fact]
    public void TsVector_PositionsEachColumnApart()
    {
        // 噪音 1–2, a gap (3), nothing, a gap (4), 路灯 5–6: no phrase runs from one column into the next.
        Assert.Equal("'噪音':1 '音':2 '路灯':5 '灯':6", SearchText.TsVector("噪音", null, "路灯", ""));
    }

    [Fact]
    public void Highlight_MarksEveryOccurrence_CaseInsensitive()
    {
        var parts = SearchQuery.Parse("噪音 ab").Highlight("夜间噪音，AB栋噪音");
        Assert.Equal([("夜间", false), ("噪音", true), ("，", false), ("AB", true), ("栋", false), ("噪音", true)], parts);
    }

    [Fact]
    public void Snippet_IsAWindowAroundTheFirstOccurrence_OutsideTheTitle()
    {
        var q = SearchQuery.Parse("井盖");
        Assert.Null(q.Snippet("井盖缺失", [("content", "井盖")]));
        var content = new string('前', 100) + "井盖" + new string('后', 100);
        var match = q.Snippet("路面问题", [("location", "江海区"), ("content", content)])!;
        Assert.Equal("content", match.Field);
        Assert.StartsWith("…", match.Text, StringComparison.Ordinal);
        Assert.EndsWith("…", match.Text, StringComparison.Ordinal);
        Assert.Contains("井盖", match.Text, StringComparison.Ordinal);
    }
}
