using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Dispatching;

/// <summary>The settings of dispatch (Duban:Dispatch), checked at start-up (Return, AutoDispatcher).</summary>
public sealed class DispatchOptions
{
    public const string Section = "Duban:Dispatch";

    [System.ComponentModel.DataAnnotations.Range(0, 30)]
    public int ReturnWorkingDays { get; set; } = 2;

    public bool AutoDispatch { get; set; } = true;

    /// <summary>Above 1: never (a route's confidence is at most 1).</summary>
    [System.ComponentModel.DataAnnotations.Range(0.0, 2.0)]
    public double AutoConfidence { get; set; } = 0.9;
}

/// <summary>Settings of the learned category suggestion (Duban:Dispatch:Learning).</summary>
public sealed class LearningOptions
{
    /// <summary>Fewer categorised matters than this: the catalogue's keywords suggest instead.</summary>
    public int MinExamples { get; set; } = 200;

    /// <summary>The most recent categorised matters the model learns from.</summary>
    public int MaxExamples { get; set; } = 20_000;

    /// <summary>How often a node looks whether history has grown enough to train again.</summary>
    public int IntervalMinutes { get; set; } = 15;

    /// <summary>Train again when the history has grown by this share since the last model (0.1: 10 %)…</summary>
    public double Growth { get; set; } = 0.1;

    /// <summary>…or by this many matters, whichever comes first.</summary>
    public int GrowthCount { get; set; } = 200;

    /// <summary>An optional CSV (label,text) of categorised history from a former system, learned beside the database's.</summary>
    public string? TrainingFile { get; set; }
}

/// <summary>A trained model and what it learned from: how many texts, the newest matter, the catalogue version.</summary>
public sealed record LearnedModel(CategoryClassifier Classifier, int Examples, int FromHistory, DateTimeOffset TrainedAt)
{
    public long NewestMatterId { get; init; }
    public int CatalogueVersion { get; init; }
}

/// <summary>
/// The category suggester of a deployment: the classifier trained on its own categorised history
/// (<see cref="ClassifierTrainer"/>), and the catalogue's keywords until there is enough history.
/// A model's answer outside the catalogue in force (a category since removed) is not used.
/// </summary>
public sealed class LearnedSuggester(CatalogueStore store) : ICategorySuggester
{
    private volatile LearnedModel? model;

    public LearnedModel? Model => model;

    public void Use(LearnedModel? trained) => model = trained;

    public CategorySuggestion Suggest(string? title, string? content)
    {
        var catalogue = store.Latest;
        if (model is { } m)
        {
            var prediction = m.Classifier.Predict(ClassifierTrainer.TextOf(title, content), alternatives: 3);
            if (catalogue.Find(prediction.Category) is { Subcategory: null })
            {
                return new CategorySuggestion(prediction.Category, null, Math.Round(prediction.Confidence, 2))
                {
                    Evidence = $"模型：{m.Examples} 条已分类事项",
                    EvidenceEn = $"model: {m.Examples} categorised matters",
                    Learned = true,
                    Alternatives = prediction.Alternatives.Where(a => catalogue.Find(a.Category) is { Subcategory: null })
                        .Select(a => a with { Confidence = Math.Round(a.Confidence, 2) }).ToList(),
                };
            }
        }
        return CatalogueKeywords.Best(catalogue, title, content);
    }
}

/// <summary>
/// Trains the category model in the background from the matters dispatchers have categorised, and
/// again as that history grows. Each node trains its own from the shared database (training is
/// deterministic), so nodes agree and nothing is downloaded or shared but the data. A category the
/// auto-dispatcher set and no person has confirmed since is not learned from: the model would
/// learn its own mistakes.
/// </summary>
public sealed class ClassifierTrainer(IServiceScopeFactory scopes, LearnedSuggester suggester, CatalogueStore store, TimeProvider time,
    IConfiguration configuration, ILogger<ClassifierTrainer> logger) : BackgroundService
{
    private readonly LearningOptions options = configuration.GetSection("Duban:Dispatch:Learning").Get<LearningOptions>() ?? new();
    private IReadOnlyList<(string Label, string Text)>? fileRows;

    /// <summary>The text the model reads: the title, then the content, as in the training file.</summary>
    public static string TextOf(string? title, string? content) => (title ?? "") + (content ?? "");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(Math.Max(1, options.IntervalMinutes)), time);
        do
        {
            try
            {
                await TrainIfGrownAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The suggester keeps its model (or the keywords); try again next time.
                logger.LogWarning(e, "Could not train the category model");
            }
        }
        while (await timer.NextTickAsync(stoppingToken));
    }

    /// <summary>
    /// Trains when there is enough history and, since the model in use, the catalogue changed or
    /// enough matters were categorised (newer than its newest); true when a model was trained.
    /// </summary>
    public async Task<bool> TrainIfGrownAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var catalogueVersion = (await store.CurrentAsync(ct))?.Version ?? 0;
        var examples = await ExamplesAsync(db, ct);
        var current = suggester.Model;
        if (examples.Count < options.MinExamples) return false;
        if (current is not null && current.CatalogueVersion == catalogueVersion)
        {
            var added = examples.Count(e => e.MatterId > current.NewestMatterId);
            if (added < Math.Min(options.GrowthCount, Math.Max(1, (int)(current.Examples * options.Growth)))) return false;
        }
        var classifier = await Task.Run(() => CategoryClassifier.Train(examples.Select(e => (e.Label, e.Text))), ct);
        if (classifier.Categories.Count < 2) return false;
        suggester.Use(new LearnedModel(classifier, examples.Count, examples.Count(e => e.MatterId > 0), time.GetUtcNow())
        {
            NewestMatterId = examples.Max(e => e.MatterId),
            CatalogueVersion = catalogueVersion,
        });
        logger.LogInformation("Category model trained on {Examples} texts ({Categories} categories)", examples.Count, classifier.Categories.Count);
        return true;
    }

    /// <summary>
    /// The labelled texts: first levels of the catalogue in force, from the file (matter id 0) and
    /// the newest categorised matters.
    /// </summary>
    public async Task<List<(string Label, string Text, long MatterId)>> ExamplesAsync(DubanDb db, CancellationToken ct)
    {
        var catalogue = (await store.CurrentAsync(ct))?.Catalogue ?? store.Latest;
        var examples = new List<(string Label, string Text, long MatterId)>();
        foreach (var (label, text) in fileRows ??= FileExamples())
        {
            if (catalogue.Find(label)?.Category is { } first) examples.Add((first, text, 0));
        }

        var rows = await db.Matters.AsNoTracking()
            .Where(m => m.Category != null && m.Status != Status.Merged && m.ParentId == null)
            .OrderByDescending(m => m.Id).Take(options.MaxExamples)
            .Select(m => new { m.Id, m.Category, m.Title, m.Content }).ToListAsync(ct);
        if (rows.Count == 0) return examples;
        // Only the events of the matters read (ids from the oldest of them up), never the whole events table.
        var unconfirmed = await UnconfirmedAutoCategoriesAsync(db, rows[^1].Id, ct);
        foreach (var row in rows)
        {
            if (unconfirmed.Contains(row.Id)) continue;
            if (catalogue.Find(row.Category)?.Category is { } first) examples.Add((first, TextOf(row.Title, row.Content), row.Id));
        }
        return examples;
    }

    /// <summary>The training file's rows, read once; a missing or malformed file is logged and the database's history serves alone.</summary>
    private IReadOnlyList<(string Label, string Text)> FileExamples()
    {
        if (string.IsNullOrWhiteSpace(options.TrainingFile)) return [];
        try
        {
            using var reader = new StreamReader(options.TrainingFile);
            var read = ClassifierCsv.ReadExamples(reader);
            if (read.Error is null) return read.Rows;
            logger.LogError("Duban:Dispatch:Learning:TrainingFile {File} is not used: {Problem}", options.TrainingFile, read.Error);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError("Duban:Dispatch:Learning:TrainingFile {File} is not used: {Problem}", options.TrainingFile, e.Message);
        }
        return [];
    }

    /// <summary>
    /// Matters whose category the auto-dispatcher set, with no person's confirmation after it: a
    /// classify that sent a category, or a dispatch that sent or accepted one (categoryConfirmed).
    /// </summary>
    private static async Task<HashSet<long>> UnconfirmedAutoCategoriesAsync(DubanDb db, long fromMatterId, CancellationToken ct)
    {
        var auto = await db.Events.AsNoTracking()
            .Where(e => e.MatterId >= fromMatterId && e.ActorId == null && e.ActorName == AutoDispatcher.ActorName && e.Action == Dispatch.Name)
            .GroupBy(e => e.MatterId).Select(g => new { Id = g.Key!.Value, Seq = g.Max(e => e.Seq) }).ToListAsync(ct);
        if (auto.Count == 0) return [];
        var ids = auto.Select(a => a.Id).ToList();
        var later = await db.Events.AsNoTracking()
            .Where(e => e.MatterId >= fromMatterId && ids.Contains(e.MatterId!.Value) && e.ActorId != null && (e.Action == Classify.Name || e.Action == Dispatch.Name))
            .Select(e => new { Id = e.MatterId!.Value, e.Seq, e.Data }).ToListAsync(ct);
        var confirmed = later
            .Where(e => System.Text.Json.Nodes.JsonNode.Parse(e.Data)?["categoryConfirmed"]?.GetValue<bool>() == true)
            .GroupBy(e => e.Id).ToDictionary(g => g.Key, g => g.Max(e => e.Seq));
        return auto.Where(a => !confirmed.TryGetValue(a.Id, out var seq) || seq < a.Seq).Select(a => a.Id).ToHashSet();
    }
}
