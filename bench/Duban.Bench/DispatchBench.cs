using System.Diagnostics;
using System.Globalization;
using Duban.Features.Dispatching;
using Duban.Hosting;

namespace Duban.Bench;

/// <summary>
/// `bench dispatch`: the category classifier's accuracy by stratified k-fold cross-validation
/// on a labelled CSV file (label,text), beside the plain baseline on the same folds; the time to
/// predict a message on one thread; the time to train on every row; top-1 and top-3 accuracy and a learning curve (accuracy
/// against the share of history trained on). Never run as a test.
/// </summary>
internal static class DispatchBench
{
    private const double AccuracyGoal = 0.92;
    private const double PredictGoalMs = 1;
    private const double TrainGoalSeconds = 10;
    private const string DefaultData = "../shared/data/gov-messages/train.csv";

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var path = Cli.Option(args, "--data") ?? DefaultData;
        var folds = int.Parse(Cli.Option(args, "--folds") ?? "5", CultureInfo.InvariantCulture);
        var seeds = (Cli.Option(args, "--seeds") ?? Cli.Option(args, "--seed") ?? "20261122")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        var seed = seeds[0];
        void Line(FormattableString s) => output.WriteLine(s.ToString(CultureInfo.InvariantCulture));
        if (!File.Exists(path))
        {
            await output.WriteLineAsync($"bench dispatch: no data at {path}: give a CSV file of label,text rows with --data FILE.csv");
            return 64;
        }
        ClassifierCsvResult read;
        using (var reader = new StreamReader(path))
        {
            read = ClassifierCsv.ReadExamples(reader);
        }
        if (read.Error is not null)
        {
            await output.WriteLineAsync($"bench dispatch: {path}: {read.Error}");
            return 64;
        }
        var rows = read.Rows;
        var labels = rows.Select(r => r.Label).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (labels.Length < 2 || folds < 2 || rows.Count < folds * labels.Length)
        {
            await output.WriteLineAsync("bench dispatch: too few rows or categories for the folds asked");
            return 64;
        }

        Line($"{BenchHost.Machine}");
        Line($"data: {path}: {rows.Count:N0} messages, {labels.Length} categories ({string.Join(", ", labels.Select(l => $"{l} {rows.Count(r => r.Label == l)}"))}){(read.Skipped > 0 ? $", {read.Skipped} rows skipped" : "")}");
        Line($"stratified {folds}-fold cross-validation, {(seeds.Length == 1 ? $"seed {seed}" : $"repeated with {seeds.Length} shuffles (seeds {string.Join(", ", seeds)}): the mean over shuffles, and their spread")}");
        var y = rows.Select(r => Array.IndexOf(labels, r.Label)).ToArray();

        var final = new ClassifierOptions { Seed = seed };
        var variants = new List<(string Name, ClassifierOptions Options)>
        {
            ("baseline: one linear SVM, char 1-3-grams, TF-IDF", ClassifierOptions.Baseline with { Seed = seed }),
            ("final: ensemble (defaults)", final),
        };
        if (args.Contains("--ablation")) variants.AddRange(Ablations(final));
        for (var i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] != "--variant") continue;
            var parsed = ParseVariant(final, args[i + 1]);
            if (parsed is null)
            {
                await output.WriteLineAsync($"bench dispatch: --variant {args[i + 1]}: expected Property=value,... of ClassifierOptions");
                return 64;
            }
            variants.Add(("  " + args[i + 1], parsed));
        }

        // The per-category tables and the confidences are of the first shuffle's out-of-fold predictions.
        (double[] Accuracy, int[] Predicted, double[] Confidence)? finalResult = null;
        var finalMeans = Array.Empty<double>();
        foreach (var (name, options) in variants)
        {
            var watch = Stopwatch.StartNew();
            var means = new double[seeds.Length];
            for (var s = 0; s < seeds.Length; s++)
            {
                var seeded = options with { Seed = seeds[s] };
                var fold = CategoryClassifier.StratifiedFolds(y, labels.Length, folds, seeds[s]);
                var (accuracy, predicted, confidence) = CrossValidate(rows, labels, fold, folds, seeded);
                means[s] = accuracy.Average();
                if (s == 0 && ReferenceEquals(options, final)) finalResult = (accuracy, predicted, confidence);
                if (seeds.Length == 1)
                {
                    Line($"{name}: accuracy {accuracy.Average():P2} (folds {string.Join(", ", accuracy.Select(a => a.ToString("P1", CultureInfo.InvariantCulture)))}; sd {StandardDeviation(accuracy) * 100:F2} points) [{watch.Elapsed.TotalSeconds:F1} s]");
                }
            }
            if (seeds.Length > 1)
            {
                Line($"{name}: accuracy {means.Average():P2} (shuffles {string.Join(", ", means.Select(a => a.ToString("P2", CultureInfo.InvariantCulture)))}; min {means.Min():P2}, max {means.Max():P2}, sd {StandardDeviation(means) * 100:F2} points) [{watch.Elapsed.TotalSeconds:F1} s]");
            }
            if (ReferenceEquals(options, final)) finalMeans = means;
        }

        var (_, finalPredicted, finalConfidence) = finalResult!.Value;
        {
            // Top-1 and top-3 of the final model on the first shuffle's folds: the queue shows three routes when unsure.
            var fold = CategoryClassifier.StratifiedFolds(y, labels.Length, folds, seed);
            var (top1, top3, _, _) = CrossValidate(rows, labels, fold, folds, final, 1, seed);
            output.WriteLine();
            Line($"final model, seed {seed}: top-1 accuracy {top1.Average():P2}, top-3 accuracy {top3.Average():P2} (the right category among the three shown; folds {string.Join(", ", top3.Select(a => a.ToString("P1", CultureInfo.InvariantCulture)))})");
        }
        var curve = Cli.Option(args, "--curve") ?? "0.1,0.25,0.5,0.75,1";
        if (curve != "none")
        {
            var shares = curve.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            if (shares.Length == 0 || shares.Any(x => x <= 0 || x > 1))
            {
                await output.WriteLineAsync("bench dispatch: --curve takes shares between 0 and 1, e.g. 0.1,0.5,1, or none");
                return 64;
            }
            output.WriteLine();
            LearningCurve(rows, labels, y, folds, seed, final, shares, Line);
        }
        output.WriteLine();
        Line($"final model, per category (out-of-fold predictions of all {rows.Count:N0} messages, seed {seed}):");
        Line($"{"category",-10} | {"messages",8} | {"precision",9} | {"recall",7} | commonest mistakes (true → predicted)");
        for (var c = 0; c < labels.Length; c++)
        {
            var truth = Enumerable.Range(0, rows.Count).Where(i => rows[i].Label == labels[c]).ToArray();
            var said = Enumerable.Range(0, rows.Count).Where(i => finalPredicted[i] == c).ToArray();
            var right = truth.Count(i => finalPredicted[i] == c);
            var mistakes = truth.Where(i => finalPredicted[i] != c).GroupBy(i => finalPredicted[i]).OrderByDescending(g => g.Count())
                .Take(3).Select(g => $"{labels[g.Key]} {g.Count()}");
            Line($"{labels[c],-10} | {truth.Length,8} | {(double)right / Math.Max(1, said.Length),9:P1} | {(double)right / truth.Length,7:P1} | {string.Join(", ", mistakes)}");
        }

        output.WriteLine();
        Line($"final model, confidence against accuracy (out-of-fold): mean confidence {finalConfidence.Average():P1}, accuracy {Enumerable.Range(0, rows.Count).Count(i => labels[finalPredicted[i]] == rows[i].Label) / (double)rows.Count:P1}");
        foreach (var threshold in new[] { 0.5, 0.7, 0.8, 0.9, 0.95 })
        {
            var sure = Enumerable.Range(0, rows.Count).Where(i => finalConfidence[i] >= threshold).ToArray();
            var right = sure.Count(i => labels[finalPredicted[i]] == rows[i].Label);
            Line($"  confidence ≥ {threshold:F2}: {sure.Length / (double)rows.Count,6:P1} of messages, {(sure.Length == 0 ? 0 : right / (double)sure.Length),6:P1} of them right");
        }

        var shown = int.Parse(Cli.Option(args, "--mistakes") ?? "0", CultureInfo.InvariantCulture);
        if (shown > 0)
        {
            output.WriteLine();
            Line($"the first {shown} mistakes (true → predicted: text):");
            foreach (var i in Enumerable.Range(0, rows.Count).Where(i => labels[finalPredicted[i]] != rows[i].Label).Take(shown))
            {
                var text = rows[i].Text.ReplaceLineEndings(" ");
                Line($"  {rows[i].Label} → {labels[finalPredicted[i]]}: {text[..Math.Min(100, text.Length)]}");
            }
        }

        // Speed: train on every row (and on 2,000: the rows and the first of them again), then predict each message on one thread.
        output.WriteLine();
        var all = rows.ToList();
        var trainAll = Median(3, () => CategoryClassifier.Train(all, final), out var model);
        var twoThousand = Enumerable.Range(0, 2000).Select(i => all[i % all.Count]).ToList();
        var train2000 = Median(3, () => CategoryClassifier.Train(twoThousand, final), out _);
        Line($"training on all {all.Count:N0} messages: {trainAll:F2} s; on 2,000 (the {all.Count:N0} and {2000 - all.Count} of them again): {train2000:F2} s (median of 3, {Environment.ProcessorCount} cores, one thread a category)");
        Line($"model: {model.FeatureCount:N0} n-gram features, {SavedSize(model) / 1048576.0:F1} MiB saved");
        var texts = all.Select(r => r.Text).ToArray();
        foreach (var t in texts) model.Predict(t); // warm-up
        var perMessage = new double[3];
        for (var run = 0; run < perMessage.Length; run++)
        {
            var watch = Stopwatch.StartNew();
            foreach (var t in texts) model.Predict(t);
            perMessage[run] = watch.Elapsed.TotalMilliseconds / texts.Length;
        }
        Array.Sort(perMessage);
        Line($"prediction: {perMessage[1] * 1000:F0} µs a message (median of 3 runs over the {texts.Length:N0} messages, one thread, after warm-up; mean length {texts.Average(t => t.Length):F0} characters)");

        output.WriteLine();
        var mean = finalMeans.Average();
        Line($"target ≥ {AccuracyGoal:P0} in the right category (cross-validation{(seeds.Length > 1 ? $", mean of {seeds.Length} shuffles" : "")}): {(mean >= AccuracyGoal ? "met" : "NOT met")} ({mean:P2})");
        Line($"target < {PredictGoalMs} ms a message: {(perMessage[1] < PredictGoalMs ? "met" : "NOT met")} ({perMessage[1]:F3} ms)");
        Line($"target < {TrainGoalSeconds} s to train on 2,000 messages: {(train2000 < TrainGoalSeconds ? "met" : "NOT met")} ({train2000:F2} s)");
        return 0;
    }

    private static (double[] Accuracy, int[] Predicted, double[] Confidence) CrossValidate(IReadOnlyList<(string Label, string Text)> rows, string[] labels,
        int[] fold, int folds, ClassifierOptions options)
    {
        var (accuracy, _, predicted, confidence) = CrossValidate(rows, labels, fold, folds, options, 1, 0);
        return (accuracy, predicted, confidence);
    }

    /// <summary>
    /// Out-of-fold predictions, each fold's model trained on <paramref name="share"/> of its training rows (the same share of
    /// each category, chosen by the seed: the history a deployment would have had earlier): top-1 and top-3 accuracy per fold.
    /// </summary>
    private static (double[] Top1, double[] Top3, int[] Predicted, double[] Confidence) CrossValidate(IReadOnlyList<(string Label, string Text)> rows,
        string[] labels, int[] fold, int folds, ClassifierOptions options, double share, int seed)
    {
        var top1 = new double[folds];
        var top3 = new double[folds];
        var predicted = new int[rows.Count];
        var confidence = new double[rows.Count];
        for (var f = 0; f < folds; f++)
        {
            var training = Enumerable.Range(0, rows.Count).Where(i => fold[i] != f).ToArray();
            if (share < 1)
            {
                var random = new Random(seed + f);
                training = [.. training.GroupBy(i => rows[i].Label, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .SelectMany(g => g.OrderBy(_ => random.Next()).Take(Math.Max(1, (int)Math.Ceiling(share * g.Count()))))];
            }
            var model = CategoryClassifier.Train(training.Select(i => rows[i]), options);
            var test = Enumerable.Range(0, rows.Count).Where(i => fold[i] == f).ToArray();
            var (right, inThree) = (0, 0);
            foreach (var i in test)
            {
                var p = model.Predict(rows[i].Text, 2);
                predicted[i] = Array.IndexOf(labels, p.Category);
                confidence[i] = p.Confidence;
                if (p.Category == rows[i].Label) right++;
                if (p.Category == rows[i].Label || p.Alternatives.Take(2).Any(a => a.Category == rows[i].Label)) inThree++;
            }
            top1[f] = (double)right / test.Length;
            top3[f] = (double)inThree / test.Length;
        }
        return (top1, top3, predicted, confidence);
    }

    /// <summary>
    /// `--curve 0.1,0.25,0.5,0.75,1` (the default; `--curve none` skips it): top-1 and top-3 accuracy of the final model
    /// against the amount of history, each fold's training rows cut to that share; the same folds as above (first seed).
    /// </summary>
    private static void LearningCurve(IReadOnlyList<(string Label, string Text)> rows, string[] labels, int[] y, int folds, int seed,
        ClassifierOptions final, double[] shares, Action<FormattableString> line)
    {
        var fold = CategoryClassifier.StratifiedFolds(y, labels.Length, folds, seed);
        line($"learning curve: accuracy against the amount of history (each training fold cut to a share of each category, seed {seed}; {folds} folds):");
        line($"{"share",6} | {"training messages",17} | {"top-1",7} | {"top-3",7} | seconds");
        var perFold = rows.Count * (folds - 1) / (double)folds;
        foreach (var share in shares)
        {
            var watch = Stopwatch.StartNew();
            var (top1, top3, _, _) = CrossValidate(rows, labels, fold, folds, final with { Seed = seed }, share, seed);
            line($"{share,6:P0} | {perFold * share,17:N0} | {top1.Average(),7:P1} | {top3.Average(),7:P1} | {watch.Elapsed.TotalSeconds:F1}");
        }
    }

    /// <summary>The final model with one thing changed at a time (`--ablation`): what each part is worth.</summary>
    private static IEnumerable<(string, ClassifierOptions)> Ablations(ClassifierOptions final) =>
    [
        ("  SVM only (no NB-SVM, no neighbours, no meta-learner)", final with { NbSvmCost = 0, Neighbours = 0, StackingFolds = 0 }),
        ("  NB-SVM only", final with { SvmCost = 0, Neighbours = 0, StackingFolds = 0 }),
        ("  neighbours only", final with { SvmCost = 0, NbSvmCost = 0, StackingFolds = 0 }),
        ("  without the SVM", final with { SvmCost = 0 }),
        ("  without the NB-SVM", final with { NbSvmCost = 0 }),
        ("  without the neighbours", final with { Neighbours = 0 }),
        ("  no meta-learner (scores summed at temperature 0.2)", final with { StackingFolds = 0 }),
        ("  5 stacking folds", final with { StackingFolds = 5 }),
        ("  meta-learner L2 0.001", final with { MetaRegularisation = 0.001 }),
        ("  meta-learner L2 0.1", final with { MetaRegularisation = 0.1 }),
        ("  without title features", final with { TitleMaxLength = 0 }),
        ("  title weight 1.5", final with { TitleWeight = 1.5 }),
        ("  without noise stripping", final with { StripNoise = false }),
        ("  n-grams 1-3", final with { MaxN = 3 }),
    ];

    /// <summary>`--variant SvmCost=2,MaxN=3`: the final options with those properties set (for tuning).</summary>
    private static ClassifierOptions? ParseVariant(ClassifierOptions final, string text)
    {
        var options = final with { };
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', 2);
            var property = typeof(ClassifierOptions).GetProperty(parts[0]);
            if (parts.Length != 2 || property is null || !property.CanWrite) return null;
            try
            {
                property.SetValue(options, Convert.ChangeType(parts[1], property.PropertyType, CultureInfo.InvariantCulture));
            }
            catch (FormatException)
            {
                return null;
            }
        }
        return options;
    }

    private static double Median<T>(int runs, Func<T> action, out T result)
    {
        var times = new double[runs];
        result = default!;
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            result = action();
            times[i] = watch.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[runs / 2];
    }

    private static long SavedSize(CategoryClassifier model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.Length;
    }

    private static double StandardDeviation(double[] values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, values.Length - 1));
    }
}
