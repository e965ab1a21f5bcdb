using System.Globalization;
using Duban.Web;

namespace Duban.Tests.Unit;

/// <summary>The half of a bilingual domain message a page shows (WebActor.Localize).</summary>
public sealed class LocalizeTests
{
    private static string In(string culture, string message)
    {
        var before = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            return WebActor.Localize(message);
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public void OnePair_WhoseHalvesListParts_ShowsOneWholeHalf()
    {
        // A routing reason: the Chinese half's parts joined by "；", the English half's by "; ".
        const string reason = "分类建议为「劳动和社会保障/拖欠工资」（关键词：工资）；属地为台山市 → 台山市人社局 / category 劳动和社会保障/拖欠工资 suggested from the text (keywords: 工资); the place is 440781 → 440781-rsj";
        Assert.Equal("分类建议为「劳动和社会保障/拖欠工资」（关键词：工资）；属地为台山市 → 台山市人社局", In("zh-CN", reason));
        Assert.Equal("category 劳动和社会保障/拖欠工资 suggested from the text (keywords: 工资); the place is 440781 → 440781-rsj", In("en-US", reason));
    }

    [Fact]
    public void ListOfPairs_ShowsEachPairsHalf_JoinedInTheLanguagesWay()
    {
        const string problems = "请填写标题 / title is required; 内容过长 / content is at most 5000 characters";
        Assert.Equal("请填写标题；内容过长", In("zh-CN", problems));
        Assert.Equal("title is required; content is at most 5000 characters", In("en-US", problems));
    }

    [Fact]
    public void EnglishFirstPairs_AndPlainText_AreReadToo()
    {
        Assert.Equal("版本已变化", In("zh-CN", "the version changed / 版本已变化"));
        Assert.Equal("the version changed", In("en-US", "the version changed / 版本已变化"));
        Assert.Equal("no halves here", In("zh-CN", "no halves here"));
    }
}
