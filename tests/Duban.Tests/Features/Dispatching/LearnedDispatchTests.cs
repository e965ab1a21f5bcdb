using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Duban.Features.Dispatching;
using Duban.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Dispatching;

/// <summary>
/// The category model learned from a deployment's history, and auto-dispatch above the configured
/// confidence: each test runs its own deployment, trained on a small history file.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class LearnedDispatchTests
{
    private static readonly Dictionary<string, string[]> Topics = new()
    {
        ["劳动和社会保障"] = ["某工厂拖欠工资三个月不发", "公司不给员工缴纳社保", "老板欠薪跑路工人讨薪无门", "单位不签劳动合同克扣加班费", "养老保险转移接续办理困难", "工伤认定迟迟没有结果"],
        ["城乡建设"] = ["小区路灯坏了没人修", "道路坑洼积水严重", "人行道井盖缺失很危险", "违章建筑占用消防通道", "小区物业管理混乱", "市政供水管道破裂"],
        ["环境保护"] = ["工厂排放废气刺鼻", "河道污水直排发黑发臭", "养殖场粪便污染水源", "露天焚烧垃圾冒黑烟", "化工厂偷排废水", "采石场粉尘污染严重"],
    };

    private static readonly string[] Openings = ["反映", "投诉", "求助", "我要反映", "市民来电"];
    private static readonly string[] Endings = ["请尽快处理。", "希望有关部门管一管。", "已经很久了。", "多次反映无果。", "谢谢！"];

    /// <summary>A history file: each topic with each opening and ending, 150 lines in three categories.</summary>
    private static string HistoryFile()
    {
        var csv = new StringBuilder("label,text\n");
        foreach (var (label, topics) in Topics)
        {
            foreach (var topic in topics)
            {
                for (var i = 0; i < Openings.Length; i++) csv.Append(label).Append(',').Append(Openings[i]).Append(topic).Append(Endings[(i * 2) % Endings.Length]).Append('\n');
            }
        }
        var path = Path.Combine(Path.GetTempPath(), "duban-history-" + Guid.NewGuid().ToString("N")[..8] + ".csv");
        File.WriteAllText(path, csv.ToString());
        return path;
    }

    private static async Task<DubanFactory> DeploymentAsync(string file, double threshold)
    {
        var factory = new DubanFactory();
        factory.Settings["Duban:Dispatch:AutoDispatch"] = "true";
        factory.Settings["Duban:Dispatch:AutoConfidence"] = threshold.ToString(System.Globalization.CultureInfo.InvariantCulture);
        factory.Settings["Duban:Dispatch:Learning:MinExamples"] = "50";
        factory.Settings["Duban:Dispatch:Learning:TrainingFile"] = file;
        await factory.InitializeAsync();
        // The trainer starts with the node; train now rather than wait for it (either way a model is in use after).
        await factory.Services.GetRequiredService<ClassifierTrainer>().TrainIfGrownAsync(CancellationToken.None);
        Assert.NotNull(factory.Services.GetRequiredService<LearnedSuggester>().Model);
        return factory;
    }

    private static async Task<JsonNode> Report(HttpClient portal, string title, string content, string? location, object? extra = null)
    {
        var body = JsonSerializer(new { kind = "complaint", title, content, location, anonymous = true });
        if (extra is not null) foreach (var (k, v) in JsonSerializer(extra)) body[k] = v?.DeepClone();
        return await portal.File(body);
    }

    private static JsonObject JsonSerializer(object o) => System.Text.Json.JsonSerializer.SerializeToNode(o)!.AsObject();

    private static async Task<JsonNode> ByNumber(HttpClient staff, string number) =>
        await staff.Get(await staff.IdOf(number));

    [Fact]
    public async Task AutoDispatch_ASureLearnedCategoryWithAPlace_GoesStraightToTheOwner_OthersWaitInTheQueue()
    {
        var file = HistoryFile();
        try
        {
            await using var factory = await DeploymentAsync(file, threshold: 0.5);
            var portal = factory.CreateClient();
            var dispatcher = await factory.As("dispatcher");

            // Words the keywords of the catalogue would also know, but the model says it from history.
            var wages = await ByNumber(dispatcher, (string)(await Report(portal, "拖欠工资", "反映台城某工厂拖欠工资三个月不发，请尽快处理。", "台山市台城街道"))["receipt"]!);
            Assert.Equal("dispatched", (string?)wages["status"]);
            Assert.Equal("440781-rsj", (string?)wages["leadUnit"]!["code"]);
            Assert.StartsWith("劳动和社会保障", (string?)wages["category"], StringComparison.Ordinal);
            var dispatched = wages["events"]!.AsArray().Last(e => (string?)e!["action"] == "dispatch")!;
            Assert.Equal("自动派单", (string?)dispatched["actor"]);
            Assert.Equal("learned", (string?)dispatched["data"]!["suggestion"]!["categorySource"]);
            Assert.True((double)dispatched["data"]!["suggestion"]!["confidence"]! >= 0.5);

            // No place: the owner cannot be found, so it waits, with the learned category among its suggestions.
            var nowhere = await ByNumber(dispatcher, (string)(await Report(portal, "工厂欠薪", "老板欠薪跑路工人讨薪无门。", null))["receipt"]!);
            Assert.Equal("received", (string?)nowhere["status"]);

            // A complaint that names a unit, or points at officials, may accuse the unit it would go to: a person dispatches it.
            foreach (var accusing in (string[])["反映台城某工厂拖欠工资三个月不发，台山市人力资源和社会保障局不管。", "反映台城某工厂拖欠工资三个月不发，劳动监察的工作人员不管。"])
            {
                var held = await ByNumber(dispatcher, (string)(await Report(portal, "拖欠工资", accusing, "台山市台城街道"))["receipt"]!);
                Assert.Equal("received", (string?)held["status"]);
            }
            // So does a report (举报), confidential or not, with a subject or without.
            var report = await dispatcher.Register(NewMatter.Wages("拖欠工资", "反映台城某工厂拖欠工资三个月不发，请尽快处理。").OfKind("report").Marked(confidential: false));
            Assert.Equal("received", (string?)(await dispatcher.Get(report))["status"]);

            // A history the model learned from is no reason to dispatch a report about a unit by itself.
            var staff = await dispatcher.Register(NewMatter.Wages("拖欠工资", "台城某工厂拖欠工资三个月不发，劳动监察不管。").OfKind("report").About("440781-rsj").Marked(confidential: true));
            Assert.Equal("received", (string?)(await dispatcher.Get(staff))["status"]);

            // What the auto-dispatcher categorised is not learned from until a person confirms it.
            var trainer = factory.Services.GetRequiredService<ClassifierTrainer>();
            await using (var scope = factory.Scope())
            {
                var examples = await trainer.ExamplesAsync(factory.Db(scope), CancellationToken.None);
                Assert.Equal(Topics.Values.Sum(t => t.Length) * Openings.Length, examples.Count(e => e.MatterId == 0));
                Assert.DoesNotContain(examples, e => e.MatterId > 0 && e.Text.Contains("台城某工厂拖欠工资三个月不发，请尽快处理", StringComparison.Ordinal));
            }
            var handler = await factory.As("h-440781-rsj");
            var wagesId = (long)wages["id"]!;
            await handler.Do(wagesId, "return", new { reason = "应由台城街道先行调解" }, reader: dispatcher);
            await dispatcher.Do(wagesId, "dispatch", new { leadUnitCode = "440781-rsj", category = "劳动和社会保障" });
            await using (var scope = factory.Scope())
            {
                var examples = await trainer.ExamplesAsync(factory.Db(scope), CancellationToken.None);
                Assert.Contains(examples, e => e.MatterId > 0 && e.Label == "劳动和社会保障" && e.Text.Contains("台城某工厂拖欠工资三个月不发", StringComparison.Ordinal));
            }
            // Two matters more are not growth enough to train again.
            Assert.False(await trainer.TrainIfGrownAsync(CancellationToken.None));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task AutoDispatch_WithoutAModel_TheKeywordsNeverDispatch_AndAMissingHistoryFileLeavesTheDatabasesHistory()
    {
        // Any confidence would do, but there is not history enough for a model: the keywords suggest, a person dispatches.
        await using (var factory = new DubanFactory())
        {
            factory.Settings["Duban:Dispatch:AutoDispatch"] = "true";
            factory.Settings["Duban:Dispatch:AutoConfidence"] = "0";
            factory.Settings["Duban:Dispatch:Learning:MinExamples"] = "100000";
            await factory.InitializeAsync();
            var dispatcher = await factory.As("dispatcher");
            var number = (string)(await Report(factory.CreateClient(), "拖欠工资", "反映台城某工厂拖欠工资三个月不发，请尽快处理。", "台山市台城街道"))["receipt"]!;
            var m = await ByNumber(dispatcher, number);
            Assert.Equal("received", (string?)m["status"]);
            Assert.Equal("keywords", (string?)(await dispatcher.GetAsync($"/api/v1/matters/{(long)m["id"]!}/suggestion").Ok())["categorySource"]);
        }
        await using (var factory = new DubanFactory())
        {
            factory.Settings["Duban:Dispatch:Learning:MinExamples"] = "10";
            factory.Settings["Duban:Dispatch:Learning:TrainingFile"] = Path.Combine(Path.GetTempPath(), "no-such-history.csv");
            await factory.InitializeAsync();
            await factory.Services.GetRequiredService<ClassifierTrainer>().TrainIfGrownAsync(CancellationToken.None);
            var model = factory.Services.GetRequiredService<LearnedSuggester>().Model;
            Assert.NotNull(model);
            Assert.Equal(model.Examples, model.FromHistory);
        }
    }

    [Fact]
    public async Task AutoDispatch_BelowTheConfidence_Waits_WithTheTopThreeInTheQueue()
    {
        var file = HistoryFile();
        try
        {
            // A threshold no route reaches (confidence is at most 1).
            await using var factory = await DeploymentAsync(file, threshold: 1.01);
            var dispatcher = await factory.As("dispatcher");
            var number = (string)(await Report(factory.CreateClient(), "拖欠工资", "反映台城某工厂拖欠工资三个月不发，请尽快处理。", "台山市台城街道"))["receipt"]!;
            var m = await ByNumber(dispatcher, number);
            Assert.Equal("received", (string?)m["status"]);

            var queue = await dispatcher.GetAsync("/api/v1/dispatch/queue?pageSize=50").Ok();
            var item = queue["items"]!.AsArray().Single(i => (string?)i!["number"] == number)!;
            var suggestions = item["suggestions"]!.AsArray();
            Assert.Equal(3, suggestions.Count);
            Assert.Equal(("劳动和社会保障", "learned", "440781-rsj"),
                ((string?)suggestions[0]!["category"], (string?)suggestions[0]!["categorySource"], (string?)suggestions[0]!["leadUnit"]!["code"]));
            // The next likeliest categories (the demo's categorised matters are history too), each routed with its reason.
            Assert.Equal(3, suggestions.Select(s => (string?)s!["category"]).Distinct().Count());
            Assert.All(suggestions, s => Assert.Equal("learned", (string?)s!["categorySource"]));
            Assert.All(suggestions, s => Assert.Contains((string)s!["category"]!, (string?)s["reason"], StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
