using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Duban.Tests.Unit;

/// <summary>
/// The pages' text (src/Duban/Web/README.md): every key in both languages with a value, and no
/// Chinese written into a .razor file outside its comments (it would show in English too).
/// </summary>
public sealed partial class UiTextTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Duban.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("the repository's root (Duban.slnx) is not above the tests");
    }

    private static Dictionary<string, string> Resources(string file)
    {
        var entries = XDocument.Load(Path.Combine(Root(), "src", "Duban", "Web", file)).Root!.Elements("data")
            .Select(d => (Name: (string)d.Attribute("name")!, Value: (string?)d.Element("value") ?? "")).ToList();
        var repeated = entries.GroupBy(e => e.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(repeated.Count == 0, $"{file}: keys given twice (the last one wins silently): {string.Join(", ", repeated)}");
        return entries.ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);
    }

    [Fact]
    public void Resources_BothLanguagesHaveTheSameKeys_NoneEmpty()
    {
        var chinese = Resources("UiText.resx");
        var english = Resources("UiText.en-US.resx");
        Assert.Equal([], chinese.Keys.Except(english.Keys).Order(StringComparer.Ordinal));
        Assert.Equal([], english.Keys.Except(chinese.Keys).Order(StringComparer.Ordinal));
        Assert.Equal([], chinese.Where(e => string.IsNullOrWhiteSpace(e.Value)).Select(e => "zh-CN " + e.Key)
            .Concat(english.Where(e => string.IsNullOrWhiteSpace(e.Value)).Select(e => "en-US " + e.Key)));
    }

    /// <summary>English values whose Chinese is data, not text to translate.</summary>
    private static readonly Dictionary<string, string> ChineseData = new(StringComparer.Ordinal)
    {
        ["PlaceFilterHint"] = "a town's name as people type it (川岛镇)",
        ["Queue_PlaceHint"] = "an address as people type it (台山市川岛镇)",
        ["AdminCalendar_NameHint"] = "the names of days as the calendar holds them (台风停工, 国庆节)",
        ["AdminCalendar_LinesHint"] = "a line of the calendar's file as it is written (元旦)",
        ["Queue_NoSuchMatter"] = "an error in the domain's \"field: 中文 / English\" form, so FieldErrors places it and Localize picks the half",
    };

    [Fact]
    public void Resources_EnglishHasNoChinese_ButData()
    {
        // An English value in Chinese is a value not translated.
        var untranslated = Resources("UiText.en-US.resx").Where(e => Han().IsMatch(e.Value) && !ChineseData.ContainsKey(e.Key)).Select(e => e.Key);
        Assert.Equal([], untranslated);
    }

    /// <summary>Chinese a .razor file may hold, each for a reason: the fragment as written, and the file it is in.</summary>
    private static readonly (string File, string Fragment, string Why)[] AllowedChinese =
    [
        ("MainLayout.razor", "aria-hidden=\"true\">督</span>", "the brand's mark, a picture of a character hidden from screen readers"),
        ("MainLayout.razor", "\"中文\"", "the language switch names each language in its own script, marked with lang"),
    ];

    [Fact]
    public void RazorFiles_HaveNoChineseOutsideComments()
    {
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root(), "src", "Duban"), "*.razor", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
            var lines = WithoutComments(File.ReadAllText(file)).Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                foreach (var (name, fragment, _) in AllowedChinese)
                {
                    if (Path.GetFileName(file) == name) line = line.Replace(fragment, "", StringComparison.Ordinal);
                }
                if (Han().IsMatch(line)) found.Add($"{Path.GetRelativePath(Root(), file)}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(found.Count == 0, "Chinese in .razor files (put it in UiText.resx):\n" + string.Join("\n", found));
    }

    [Fact]
    public void WithoutComments_KeepsLines_DropsRazorHtmlAndCSharpComments()
    {
        var text = "a @* 注释 *@ b\n<!-- 注释\n-->c // 注释\nd /* 注释 */ \"http://x\" 中";
        var lines = WithoutComments(text).Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.DoesNotMatch(Han(), string.Join("\n", lines.Take(3)));
        Assert.Contains("\"http://x\"", lines[3], StringComparison.Ordinal);
        Assert.Matches(Han(), lines[3]);
    }

    /// <summary>
    /// The text with Razor (@* *@), HTML (&lt;!-- --&gt;) and C# (/* */, // to the end of a line, outside a
    /// string) comments blanked, newlines kept so that line numbers still point at the file.
    /// </summary>
    internal static string WithoutComments(string text)
    {
        static string Blank(Match m) => Regex.Replace(m.Value, "[^\n]", " ");
        text = Regex.Replace(text, @"@\*.*?\*@", Blank, RegexOptions.Singleline);
        text = Regex.Replace(text, "<!--.*?-->", Blank, RegexOptions.Singleline);
        text = Regex.Replace(text, @"/\*.*?\*/", Blank, RegexOptions.Singleline);
        // A // comment: not inside a string literal on that line (an address such as "http://" is not one).
        return string.Join('\n', text.Split('\n').Select(line =>
        {
            var inString = false;
            for (var i = 0; i < line.Length - 1; i++)
            {
                if (line[i] == '"' && (i == 0 || line[i - 1] != '\\')) inString = !inString;
                else if (!inString && line[i] == '/' && line[i + 1] == '/') return line[..i];
            }
            return line;
        }));
    }

    /// <summary>A Han character (CJK unified ideographs and extension A).</summary>
    [GeneratedRegex(@"[\u3400-\u4DBF\u4E00-\u9FFF]")]
    internal static partial Regex Han();
}
