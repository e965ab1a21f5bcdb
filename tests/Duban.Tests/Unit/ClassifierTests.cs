using System.Text.Json;
using Duban.Features.Dispatching;

namespace Duban.Tests.Unit;

public sealed class ClassifierTests
{
    // Hand-written, short complaints of four categories; the held-out ones share words with their category's.
    private static readonly (string Label, string Text)[] Training =
    [
        ("教育文体", "学校乱收补课费，老师周末在培训机构上课"),
        ("教育文体", "小学学位不够，孩子入学难，希望教育局解决"),
        ("教育文体", "中学食堂饭菜差，学生家长意见很大"),
        ("教育文体", "幼儿园收费太高，请教育部门查一查"),
        ("教育文体", "老师体罚学生，学校不处理"),
        ("教育文体", "学校强制学生购买教辅资料"),
        ("教育文体", "高中补课收费，学生周末不能休息"),
        ("教育文体", "民办学校招生虚假宣传，家长被骗"),
        ("教育文体", "教育局对学校划片入学不公平"),
        ("教育文体", "小学老师在家办补习班收费"),
        ("环境保护", "化工厂排放废水，河水发黑发臭"),
        ("环境保护", "工厂夜间偷排废气，空气刺鼻"),
        ("环境保护", "养猪场污水直排，污染环境"),
        ("环境保护", "砂石厂粉尘污染严重，居民无法开窗"),
        ("环境保护", "造纸厂污水流进小溪，鱼虾死光"),
        ("环境保护", "垃圾焚烧冒黑烟，气味难闻"),
        ("环境保护", "搅拌站噪音和粉尘污染，环保局不管"),
        ("环境保护", "河道被倒满垃圾，水质污染"),
        ("环境保护", "冶炼厂废气超标排放，请环保部门查处"),
        ("环境保护", "工业园区排污，地下水被污染"),
        ("交通运输", "公交车司机开车打电话，乘客不安全"),
        ("交通运输", "客运班车严重超载，没人管"),
        ("交通运输", "出租车拒载，还乱收费"),
        ("交通运输", "乡村公路坑洼不平，车辆无法通行"),
        ("交通运输", "驾校考试收费不合理，学员意见大"),
        ("交通运输", "高速公路收费站排长队"),
        ("交通运输", "黑车非法营运，抢公交车乘客"),
        ("交通运输", "货车超载压坏公路，交通局不管"),
        ("交通运输", "公交线路太少，出行不便"),
        ("交通运输", "客运站班车不按时发车"),
        ("劳动和社会保障", "公司拖欠工资三个月，工人讨薪无门"),
        ("劳动和社会保障", "单位不给员工买社保"),
        ("劳动和社会保障", "退休工资迟迟不发，养老金怎么算"),
        ("劳动和社会保障", "老板不签劳动合同，辞退员工不给补偿"),
        ("劳动和社会保障", "医保报销比例太低，社保局不解释"),
        ("劳动和社会保障", "农民工工资被包工头拖欠"),
        ("劳动和社会保障", "失业保险金怎么领取"),
        ("劳动和社会保障", "企业不缴养老保险，员工退休没有养老金"),
        ("劳动和社会保障", "人社局不受理工伤认定"),
        ("劳动和社会保障", "工厂加班不给加班工资"),
    ];

    private static readonly (string Label, string Text)[] HeldOut =
    [
        ("教育文体", "学校老师违规补课，收取学生补课费"),
        ("教育文体", "孩子上小学入学难，教育局不管"),
        ("环境保护", "工厂排放废水，污染河水"),
        ("环境保护", "养殖场粉尘和废气污染，环保局不查"),
        ("交通运输", "班车超载，客运没人管"),
        ("交通运输", "公交车司机乱收费，乘客投诉"),
        ("劳动和社会保障", "公司不买社保，还拖欠工资"),
        ("劳动和社会保障", "退休养老金太低，社保局不回复"),
    ];

    // Small data: every n-gram counts (none is in two texts often enough), two stacking folds.
    private static readonly ClassifierOptions Small = new() { MinDocumentFrequency = 1, StackingFolds = 2 };

    private static byte[] Bytes(CategoryClassifier model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    [Fact]
    public void Train_SyntheticComplaints_PredictsHeldOutExamples()
    {
        var model = CategoryClassifier.Train(Training, Small);

        Assert.Equal(["交通运输", "劳动和社会保障", "教育文体", "环境保护"], model.Categories);
        var right = HeldOut.Count(e => model.Predict(e.Text).Category == e.Label);
        Assert.True(right >= HeldOut.Length - 1, $"{right} of {HeldOut.Length} held-out texts right");
    }

    [Fact]
    public void Train_Baseline_AlsoLearns()
    {
        var model = CategoryClassifier.Train(Training, ClassifierOptions.Baseline with { MinDocumentFrequency = 1 });

        Assert.True(HeldOut.Count(e => model.Predict(e.Text).Category == e.Label) >= HeldOut.Length - 2);
    }

    [Fact]
    public void Train_SameSeedAndData_SameModel()
    {
        var first = CategoryClassifier.Train(Training, Small);
        var second = CategoryClassifier.Train(Training, Small);

        Assert.Equal(Bytes(first), Bytes(second));
    }

    [Fact]
    public void SaveLoad_RoundTrip_IdenticalPredictions()
    {
        var model = CategoryClassifier.Train(Training, Small);
        using var stream = new MemoryStream(Bytes(model));

        var loaded = CategoryClassifier.Load(stream);

        Assert.Equal(model.Categories, loaded.Categories);
        foreach (var (_, text) in HeldOut.Concat(Training))
        {
            Assert.Equal(model.Probabilities(text), loaded.Probabilities(text));
            Assert.Equal(model.Predict(text), loaded.Predict(text), (a, b) => a.Category == b.Category && a.Confidence == b.Confidence && a.Alternatives.SequenceEqual(b.Alternatives));
        }
        Assert.Equal(Bytes(model), Bytes(loaded));
    }

    [Fact]
    public void Load_NotAModel_ThrowsInvalidData()
    {
        using var garbage = new MemoryStream([1, 2, 3, 4, 5]);
        Assert.Throws<InvalidDataException>(() => CategoryClassifier.Load(garbage));

        var bytes = Bytes(CategoryClassifier.Train(Training, Small));
        using var cut = new MemoryStream(bytes[..(bytes.Length / 2)]);
        Assert.Throws<InvalidDataException>(() => CategoryClassifier.Load(cut));
    }

    [Fact]
    public void Predict_Confidences_OrderedAndSumAtMostOne()
    {
        var model = CategoryClassifier.Train(Training, Small);

        foreach (var text in HeldOut.Select(e => e.Text).Append("").Append("完全无关的一句话"))
        {
            var p = model.Predict(text);
            var all = new[] { p.Confidence }.Concat(p.Alternatives.Select(a => a.Confidence)).ToArray();
            Assert.Equal(3, p.Alternatives.Count);
            Assert.All(all, c => Assert.InRange(c, 0, 1));
            Assert.True(all.Sum() <= 1 + 1e-9);
            Assert.Equal(all.OrderByDescending(c => c), all);
            Assert.DoesNotContain(p.Category, p.Alternatives.Select(a => a.Category));
            Assert.Equal(1, model.Probabilities(text).Sum(), 9);
        }
    }

    [Fact]
    public void Predict_FromManyThreads_SameAnswers()
    {
        var model = CategoryClassifier.Train(Training, Small);
        var expected = HeldOut.Select(e => model.Predict(e.Text)).ToArray();

        Parallel.For(0, 200, i => Assert.Equal(expected[i % expected.Length].Confidence, model.Predict(HeldOut[i % HeldOut.Length].Text).Confidence));
    }

    [Theory]
    [InlineData(2, 30)]
    [InlineData(4, 30)]
    [InlineData(15, 30)]
    [InlineData(15, 16)]
    [InlineData(3, 4)]
    public void Train_SmallUnbalancedData_DefaultOptions_Learns(int categories, int texts)
    {
        // The deployment's own history, early on: few texts, many categories, the last with a single text.
        var examples = Enumerable.Range(0, texts)
            .Select(i => i < texts - 1 ? i % (categories - 1) : categories - 1)
            .Select((c, i) => ($"类别{c:D2}", $"{Training[c % Training.Length].Text}第{i}条{(char)('甲' + c)}"))
            .ToArray();

        var model = CategoryClassifier.Train(examples);

        Assert.Equal(categories, model.Categories.Count);
        foreach (var (_, text) in examples.Append(("", "")).Append(("", "完全无关的一句话")))
        {
            var p = model.Probabilities(text);
            Assert.Equal(1, p.Sum(), 9);
            Assert.All(p, v => Assert.True(double.IsFinite(v) && v >= 0));
        }
        using var stream = new MemoryStream(Bytes(model));
        var loaded = CategoryClassifier.Load(stream);
        Assert.Equal(model.Probabilities(examples[0].Item2), loaded.Probabilities(examples[0].Item2));
    }

    [Fact]
    public void Train_EachBaseModelAlone_Learns()
    {
        foreach (var options in new[]
        {
            Small with { NbSvmCost = 0, Neighbours = 0 },
            Small with { SvmCost = 0, Neighbours = 0 },
            Small with { SvmCost = 0, NbSvmCost = 0 },
            Small with { StackingFolds = 0 },
        })
        {
            var model = CategoryClassifier.Train(Training, options);

            Assert.True(HeldOut.Count(e => model.Predict(e.Text).Category == e.Label) >= HeldOut.Length - 2, options.ToString());
            using var stream = new MemoryStream(Bytes(model));
            Assert.Equal(model.Probabilities(HeldOut[0].Text), CategoryClassifier.Load(stream).Probabilities(HeldOut[0].Text));
        }
    }

    [Fact]
    public void Train_NoBaseModel_Throws()
    {
        Assert.Throws<ArgumentException>(() => CategoryClassifier.Train(Training, new ClassifierOptions { SvmCost = 0, NbSvmCost = 0, Neighbours = 0 }));
    }

    [Fact]
    public void Train_OneCategory_Throws()
    {
        Assert.Throws<ArgumentException>(() => CategoryClassifier.Train([("教育文体", "学校"), ("教育文体", "老师")]));
    }

    [Theory]
    [InlineData("A市A5区鑫天御景湾", "市区鑫天御景湾")]
    [InlineData("B6县2019年12月", "县0年0月")]
    [InlineData("ＫＴＶ噪音　扰民", "ktv噪音扰民")]
    [InlineData("4S店和PM2.5", "0s店和pm0.0")]
    public void Normalise_MaskedPlacesDigitsWidth_Folded(string text, string expected)
    {
        Assert.Equal(expected, ClassifierFeatures.Normalise(text, stripNoise: true));
    }

    [Fact]
    public void TitleLength_StopsAtGreetingOrClause()
    {
        Assert.Equal("市化工厂排放废水".Length, ClassifierFeatures.TitleLength("市化工厂排放废水尊敬的领导：您好", 40));
        Assert.Equal("公交车乱收费".Length, ClassifierFeatures.TitleLength("公交车乱收费,司机态度差", 40));
        Assert.Equal(10, ClassifierFeatures.TitleLength("一二三四五六七八九十甲乙丙丁戊己庚辛", 10));
        Assert.Equal(7, ClassifierFeatures.TitleLength("公交乱收费问题公交乱收费问题", 40)); // the body repeats the title
    }

    [Fact]
    public void ReadExamples_QuotedFields_CommasQuotesAndNewlines()
    {
        var csv = "\uFEFFid,Text,LABEL\r\n"
            + "1,\"学校收费, 太高\",教育文体\r\n"
            + "2,\"他说\"\"不管\"\"\",环境保护\n"
            + "3,\"第一行\n第二行\r\n第三行\",交通运输\n"
            + "\n"
            + "4,,教育文体\n"
            + "5,没有标签,\n"
            + "6,最后一行无换行,劳动和社会保障";

        var result = ClassifierCsv.ReadExamples(new StringReader(csv));

        Assert.Null(result.Error);
        Assert.Equal(
            [("教育文体", "学校收费, 太高"), ("环境保护", "他说\"不管\""), ("交通运输", "第一行\n第二行\r\n第三行"), ("劳动和社会保障", "最后一行无换行")],
            result.Rows);
        Assert.Equal(2, result.Skipped);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("label,content\n教育文体,学校\n", "label and text")]
    [InlineData("label,text\n教育文体,\"学校\n", "never closed")]
    [InlineData("label,text,id\n教育文体\n", "line 2")]
    public void ReadExamples_BadFile_Error(string csv, string expected)
    {
        var result = ClassifierCsv.ReadExamples(new StringReader(csv));

        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Rows);
    }

    [Fact]
    public async Task ClassifierCli_TrainsAndAnswersJsonLines()
    {
        var path = Path.Combine(Path.GetTempPath(), $"duban-classifier-{Guid.NewGuid():N}.csv");
        await File.WriteAllLinesAsync(path, Training.Select(e => $"{e.Label},\"{e.Text}\"").Prepend("label,text"));
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();

            var code = await ClassifierCli.RunAsync(["--train", path], new StringReader("工厂排放废水，污染河水\n\n公司拖欠工资\n"), output, error);

            Assert.Equal(0, code);
            var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Length);
            Assert.Contains("\"category\":\"环境保护\"", lines[0], StringComparison.Ordinal); // Chinese kept readable, not \u escaped
            using var first = JsonDocument.Parse(lines[0]);
            Assert.Equal(3, first.RootElement.GetProperty("alternatives").GetArrayLength());
            Assert.True(first.RootElement.GetProperty("confidence").GetDouble() > first.RootElement.GetProperty("alternatives")[0].GetProperty("confidence").GetDouble());
            Assert.Equal("""{"category":null,"confidence":0,"alternatives":[]}""", lines[1]);
            Assert.Equal("劳动和社会保障", JsonDocument.Parse(lines[2]).RootElement.GetProperty("category").GetString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("label,text\n教育文体,学校\n环境保护,污水\n", "--train", "/nonexistent/duban/train.csv", "cannot read")]
    [InlineData("label,content\n教育文体,学校\n", "--train", null, "label and text")]
    [InlineData("label,text\n教育文体,学校\n教育文体,老师\n", "--train", null, "two categories")]
    [InlineData("label,text\n", "--data", null, "usage")]
    public async Task ClassifierCli_BadInput_Exit64(string csv, string flag, string? givenPath, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"duban-classifier-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(path, csv);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();

            var code = await ClassifierCli.RunAsync([flag, givenPath ?? path], new StringReader("学校\n"), output, error);

            Assert.Equal(64, code);
            Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
            Assert.Equal("", output.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
