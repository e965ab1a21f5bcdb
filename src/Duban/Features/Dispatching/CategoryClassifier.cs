using System.Text;

namespace Duban.Features.Dispatching;

/// <summary>How a <see cref="CategoryClassifier"/> is trained. The defaults are the ones measured in docs/BENCHMARKS.md.</summary>
public sealed record ClassifierOptions
{
    /// <summary>Seeds the order the SVMs visit texts in and the calibration's folds: the same seed and data give the same model.</summary>
    public int Seed { get; init; } = 20261122;

    /// <summary>Character n-grams from <see cref="MinN"/> to <see cref="MaxN"/> characters.</summary>
    public int MinN { get; init; } = 1;

    public int MaxN { get; init; } = 4;

    /// <summary>An n-gram is a feature only when this many training texts hold it.</summary>
    public int MinDocumentFrequency { get; init; } = 2;

    /// <summary>Masked place codes (A市 → 市) and digit runs (2019 → 0) folded away.</summary>
    public bool StripNoise { get; init; } = true;

    /// <summary>The title's n-grams count again, in a name space of their own; 0: no title features.</summary>
    public int TitleMaxLength { get; init; } = 40;

    /// <summary>The title ends at its first clause or body opening (else: its first <see cref="TitleMaxLength"/> characters).</summary>
    public bool TitleByClause { get; init; } = true;

    /// <summary>Title features' values are multiplied by this before the vector is normalised.</summary>
    public double TitleWeight { get; init; } = 1.5;

    /// <summary>C of the linear SVMs (L2 loss, L2 regularisation); 0 leaves them out.</summary>
    public double SvmCost { get; init; } = 8;

    /// <summary>Softmax temperature that makes the SVMs' margins probabilities.</summary>
    public double SvmTemperature { get; init; } = 0.2;

    /// <summary>The nearest neighbours' share of the average of probabilities (the SVMs' is 1); 0 leaves them out.</summary>
    public double NeighbourShare { get; init; } = 0.3;

    /// <summary>How many nearest training texts vote.</summary>
    public int Neighbours { get; init; } = 20;

    /// <summary>A neighbour's vote is its cosine similarity to this power.</summary>
    public double NeighbourSharpness { get; init; } = 3;

    /// <summary>
    /// Inner folds on which the confidences are calibrated (a sharpness and an offset a category,
    /// fitted on out-of-fold predictions of the training set); below 2: none. Costs that many
    /// extra trainings.
    /// </summary>
    public int CalibrationFolds { get; init; } = 3;

    /// <summary>The plain baseline the issue speaks of: one linear SVM on character 1–3-grams, TF-IDF, nothing else.</summary>
    public static ClassifierOptions Baseline { get; } = new()
    {
        MaxN = 3,
        StripNoise = false,
        TitleMaxLength = 0,
        SvmCost = 1,
        NeighbourShare = 0,
        CalibrationFolds = 0,
    };
}

/// <summary>A category and how sure the classifier is of it (a probability, 0 to 1).</summary>
public sealed record CategoryScore(string Category, double Confidence);

/// <summary>The best category, its confidence, and the next best ones in decreasing order.</summary>
public sealed record CategoryPrediction(string Category, double Confidence, IReadOnlyList<CategoryScore> Alternatives);

/// <summary>
/// Learns a matter's first-level category (城乡建设, 劳动和社会保障, ...) from the texts of matters
/// dispatchers have already categorised: TF-IDF character n-grams, one-vs-rest linear SVMs and
/// nearest neighbours, their probabilities averaged and calibrated. Pure: no I/O but the streams
/// given to Save and Load. A trained classifier is immutable and predicts from many threads at once.
/// Rules: src/Duban/Features/Dispatching/README.md.
/// </summary>
public sealed class CategoryClassifier
{
    private const string Magic = "DUBAN-CATEGORY-CLASSIFIER";
    private const int FormatVersion = 1;

    private readonly FeatureSettings settings;
    private readonly string[] labels;
    private readonly Dictionary<ulong, int> vocabulary;
    private readonly float[] idf;
    private readonly LinearScorer? svm;
    private readonly NeighbourScorer? neighbours;
    private readonly float neighbourShare;
    private readonly Calibration calibration;

    private CategoryClassifier(FeatureSettings settings, string[] labels, Dictionary<ulong, int> vocabulary, float[] idf,
        LinearScorer? svm, NeighbourScorer? neighbours, float neighbourShare, Calibration calibration)
    {
        this.settings = settings;
        this.labels = labels;
        this.vocabulary = vocabulary;
        this.idf = idf;
        this.svm = svm;
        this.neighbours = neighbours;
        this.neighbourShare = neighbourShare;
        this.calibration = calibration;
    }

    /// <summary>The categories it knows, in ordinal order.</summary>
    public IReadOnlyList<string> Categories => labels;

    /// <summary>How many n-grams it weighs.</summary>
    public int FeatureCount => idf.Length;

    /// <summary>What turns a text into features: saved with the model, since its weights mean nothing without it.</summary>
    private sealed record FeatureSettings(int MinN, int MaxN, bool StripNoise, int TitleMaxLength, bool TitleByClause, float TitleWeight)
    {
        public static FeatureSettings Of(ClassifierOptions o) =>
            new(o.MinN, o.MaxN, o.StripNoise, o.TitleMaxLength, o.TitleByClause, (float)o.TitleWeight);
    }

    /// <summary>p'(c) ∝ p(c)^Sharpness · e^Offsets[c]; the identity when not calibrated.</summary>
    private sealed record Calibration(double Sharpness, double[] Offsets)
    {
        public static Calibration None(int classes) => new(1, new double[classes]);
    }

    /// <summary>
    /// Trains on labelled texts. Throws <see cref="ArgumentException"/> when fewer than two
    /// categories are given, a label is empty or the options make no model: the caller checks
    /// its input first (as <see cref="ClassifierCli"/> does).
    /// </summary>
    public static CategoryClassifier Train(IEnumerable<(string Label, string Text)> examples, ClassifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var o = options ?? new ClassifierOptions();
        if (o.MinN < 1 || o.MaxN < o.MinN) throw new ArgumentException("n-gram lengths must be 1 ≤ MinN ≤ MaxN", nameof(options));
        if (o.SvmCost <= 0 && o.NeighbourShare <= 0) throw new ArgumentException("the SVMs, the neighbours or both are needed", nameof(options));
        var rows = examples.Select(r => (Label: r.Label?.Trim() ?? "", Text: r.Text ?? "")).ToList();
        if (rows.Any(r => r.Label.Length == 0)) throw new ArgumentException("every example needs a label", nameof(examples));
        var labels = rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (labels.Length < 2) throw new ArgumentException("at least two categories are needed", nameof(examples));
        var labelIndex = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        var y = rows.Select(r => labelIndex[r.Label]).ToArray();
        var settings = FeatureSettings.Of(o);

        var counts = new Dictionary<ulong, int>[rows.Count];
        Parallel.For(0, rows.Count, i => counts[i] = Count(rows[i].Text, settings));

        // The vocabulary: n-grams in enough texts, ordered by key so the same data give the same model.
        var documentFrequency = new Dictionary<ulong, int>();
        foreach (var c in counts)
        {
            foreach (var key in c.Keys) documentFrequency[key] = documentFrequency.GetValueOrDefault(key) + 1;
        }
        var keys = documentFrequency.Where(p => p.Value >= o.MinDocumentFrequency).Select(p => p.Key).Order().ToArray();
        var vocabulary = new Dictionary<ulong, int>(keys.Length);
        var idf = new float[keys.Length];
        for (var j = 0; j < keys.Length; j++)
        {
            vocabulary[keys[j]] = j;
            idf[j] = (float)(Math.Log((1.0 + rows.Count) / (1.0 + documentFrequency[keys[j]])) + 1); // smoothed, as scikit-learn's
        }

        var vectors = new ClassifierVector[rows.Count];
        Parallel.For(0, rows.Count, i => vectors[i] = Vectorise(counts[i], vocabulary, idf, settings));
        var x = ClassifierMatrix.From(vectors, keys.Length);
        var svm = o.SvmCost > 0 ? LinearScorer.Train(x, y, labels.Length, o.SvmCost, o.SvmTemperature, o.Seed) : null;
        var neighbours = o.NeighbourShare > 0 ? NeighbourScorer.Train(x, y, labels.Length, o.Neighbours, o.NeighbourSharpness) : null;
        var calibration = o.CalibrationFolds >= 2 ? Calibrate(rows, y, labels, o) : Calibration.None(labels.Length);
        return new CategoryClassifier(settings, labels, vocabulary, idf, svm, neighbours, (float)o.NeighbourShare, calibration);
    }

    /// <summary>
    /// The sharpness and per-category offsets that make the out-of-fold predictions of inner
    /// folds of the training set likeliest, by coordinate search on a grid. Likelihood, not
    /// accuracy: it is smooth, so it does not chase a handful of texts (an offset chosen for
    /// accuracy moved the cross-validated accuracy by ±0.5 points with the seed; this does not).
    /// </summary>
    private static Calibration Calibrate(List<(string Label, string Text)> rows, int[] y, string[] labels, ClassifierOptions o)
    {
        var folds = o.CalibrationFolds;
        var fold = StratifiedFolds(y, labels.Length, folds, o.Seed + 7);
        var logs = new double[rows.Count][];
        var inner = o with { CalibrationFolds = 0 };
        for (var f = 0; f < folds; f++)
        {
            var train = Enumerable.Range(0, rows.Count).Where(i => fold[i] != f).ToArray();
            if (train.Select(i => y[i]).Distinct().Count() < 2) return Calibration.None(labels.Length);
            var model = Train(train.Select(i => rows[i]), inner);
            var map = labels.Select(l => Array.IndexOf(model.labels, l)).ToArray();
            foreach (var i in Enumerable.Range(0, rows.Count).Where(i => fold[i] == f))
            {
                var p = model.Probabilities(rows[i].Text);
                logs[i] = map.Select(m => Math.Log(m < 0 ? 1e-9 : Math.Max(p[m], 1e-9))).ToArray();
            }
        }

        double LogLikelihood(double sharpness, double[] offsets)
        {
            var sum = 0.0;
            Span<double> s = stackalloc double[offsets.Length];
            for (var i = 0; i < logs.Length; i++)
            {
                var max = double.NegativeInfinity;
                for (var c = 0; c < s.Length; c++) max = Math.Max(max, s[c] = sharpness * logs[i][c] + offsets[c]);
                var z = 0.0;
                for (var c = 0; c < s.Length; c++) z += Math.Exp(s[c] - max);
                sum += s[y[i]] - max - Math.Log(z);
            }
            return sum;
        }
        var bestSharpness = 1.0;
        var bestOffsets = new double[labels.Length];
        var best = LogLikelihood(bestSharpness, bestOffsets);
        for (var round = 0; round < 4; round++)
        {
            for (var step = 2; step <= 40; step++)
            {
                var v = LogLikelihood(step / 10.0, bestOffsets);
                if (v > best) (best, bestSharpness) = (v, step / 10.0);
            }
            for (var c = 0; c < labels.Length; c++)
            {
                for (var step = -30; step <= 30; step++)
                {
                    var trial = (double[])bestOffsets.Clone();
                    trial[c] = step / 10.0;
                    var v = LogLikelihood(bestSharpness, trial);
                    if (v > best) (best, bestOffsets) = (v, trial);
                }
            }
        }
        return new Calibration(bestSharpness, bestOffsets);
    }

    /// <summary>Each row's fold: within each category, rows shuffled by the seed and dealt round the folds.</summary>
    internal static int[] StratifiedFolds(int[] y, int classes, int folds, int seed)
    {
        var fold = new int[y.Length];
        var random = new Random(seed);
        var next = 0;
        for (var c = 0; c < classes; c++)
        {
            var members = Enumerable.Range(0, y.Length).Where(i => y[i] == c).ToArray();
            random.Shuffle(members);
            foreach (var i in members) fold[i] = next++ % folds;
        }
        return fold;
    }

    private static Dictionary<ulong, int> Count(string text, FeatureSettings s)
    {
        var normalised = ClassifierFeatures.Normalise(text, s.StripNoise);
        var title = s.TitleMaxLength <= 0 ? 0
            : s.TitleByClause ? ClassifierFeatures.TitleLength(normalised, s.TitleMaxLength)
            : Math.Min(normalised.Length, s.TitleMaxLength);
        var counts = new Dictionary<ulong, int>(normalised.Length * (s.MaxN - s.MinN + 1));
        ClassifierFeatures.Count(normalised, s.MinN, s.MaxN, title, counts);
        return counts;
    }

    /// <summary>Sublinear TF (1 + ln tf) × IDF, title features weighted, L2-normalised; n-grams not in the vocabulary dropped.</summary>
    private static ClassifierVector Vectorise(Dictionary<ulong, int> counts, Dictionary<ulong, int> vocabulary, float[] idf, FeatureSettings s)
    {
        var entries = new List<(int Index, float Value)>(counts.Count);
        var norm = 0.0;
        foreach (var (key, tf) in counts)
        {
            if (!vocabulary.TryGetValue(key, out var j)) continue;
            var v = (float)((1 + Math.Log(tf)) * idf[j]);
            if (ClassifierFeatures.IsTitleKey(key)) v *= s.TitleWeight;
            entries.Add((j, v));
            norm += (double)v * v;
        }
        entries.Sort((a, b) => a.Index.CompareTo(b.Index));
        var scale = norm > 0 ? (float)(1 / Math.Sqrt(norm)) : 0f;
        var index = new int[entries.Count];
        var value = new float[entries.Count];
        for (var k = 0; k < entries.Count; k++)
        {
            index[k] = entries[k].Index;
            value[k] = entries[k].Value * scale;
        }
        return new ClassifierVector(index, value);
    }

    /// <summary>The category of a text, its confidence, and up to <paramref name="alternatives"/> next best categories.</summary>
    public CategoryPrediction Predict(string text, int alternatives = 3)
    {
        var p = Probabilities(text);
        var order = Enumerable.Range(0, labels.Length).OrderByDescending(c => p[c]).ThenBy(c => c).ToArray();
        var rest = order.Skip(1).Take(Math.Max(0, alternatives)).Select(c => new CategoryScore(labels[c], p[c])).ToArray();
        return new CategoryPrediction(labels[order[0]], p[order[0]], rest);
    }

    /// <summary>The probability of each category (in <see cref="Categories"/>' order); they sum to 1.</summary>
    public double[] Probabilities(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var x = Vectorise(Count(text, settings), vocabulary, idf, settings);
        var p = new double[labels.Length];
        svm?.AddProbabilities(x, p, 1);
        neighbours?.AddProbabilities(x, p, neighbourShare);
        var shares = (svm is null ? 0 : 1) + (neighbours is null ? 0 : neighbourShare);
        var max = double.NegativeInfinity;
        for (var c = 0; c < p.Length; c++)
        {
            p[c] = calibration.Sharpness * Math.Log(Math.Max(p[c] / shares, 1e-9)) + calibration.Offsets[c];
            max = Math.Max(max, p[c]);
        }
        var sum = 0.0;
        for (var c = 0; c < p.Length; c++) sum += p[c] = Math.Exp(p[c] - max);
        for (var c = 0; c < p.Length; c++) p[c] /= sum;
        return p;
    }

    /// <summary>
    /// Writes the model (little-endian binary): a header, the feature settings, the categories,
    /// the vocabulary's keys and IDF, the SVMs' weights, the neighbours' index, the calibration.
    /// </summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(FormatVersion);
        w.Write(settings.MinN);
        w.Write(settings.MaxN);
        w.Write(settings.StripNoise);
        w.Write(settings.TitleMaxLength);
        w.Write(settings.TitleByClause);
        w.Write(settings.TitleWeight);
        w.Write(labels.Length);
        foreach (var label in labels) w.Write(label);
        var keys = new ulong[idf.Length];
        foreach (var (key, j) in vocabulary) keys[j] = key;
        w.Write(keys.Length);
        foreach (var key in keys) w.Write(key);
        Write(w, idf);
        w.Write(svm is not null);
        if (svm is not null)
        {
            w.Write(svm.Temperature);
            Write(w, svm.Bias);
            Write(w, svm.Weights);
        }
        w.Write(neighbours is not null);
        if (neighbours is not null)
        {
            w.Write(neighbourShare);
            w.Write(neighbours.K);
            w.Write(neighbours.Sharpness);
            w.Write(neighbours.Labels.Length);
            foreach (var label in neighbours.Labels) w.Write(label);
            foreach (var s in neighbours.Postings.Start) w.Write(s);
            foreach (var i in neighbours.Postings.Index) w.Write(i);
            Write(w, neighbours.Postings.Value);
        }
        w.Write(calibration.Sharpness);
        foreach (var offset in calibration.Offsets) w.Write(offset);
    }

    private static void Write(BinaryWriter w, float[] values)
    {
        foreach (var v in values) w.Write(v);
    }

    /// <summary>Reads a model written by <see cref="Save"/>; <see cref="InvalidDataException"/> when the stream holds none.</summary>
    public static CategoryClassifier Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadString() != Magic) throw new InvalidDataException("not a Duban category classifier");
            var version = r.ReadInt32();
            if (version != FormatVersion) throw new InvalidDataException($"category classifier format {version}, this build reads {FormatVersion}");
            var settings = new FeatureSettings(r.ReadInt32(), r.ReadInt32(), r.ReadBoolean(), r.ReadInt32(), r.ReadBoolean(), r.ReadSingle());
            if (settings.MinN < 1 || settings.MaxN < settings.MinN || settings.MaxN > 16) throw new InvalidDataException("the category classifier is damaged (n-gram lengths)");
            var classes = Checked(r.ReadInt32(), 2, 10_000);
            var labels = new string[classes];
            for (var c = 0; c < classes; c++) labels[c] = r.ReadString();
            var features = Checked(r.ReadInt32(), 0, 50_000_000);
            var vocabulary = new Dictionary<ulong, int>(features);
            for (var j = 0; j < features; j++) vocabulary.Add(r.ReadUInt64(), j);
            var idf = ReadFloats(r, features);
            LinearScorer? svm = null;
            if (r.ReadBoolean())
            {
                var temperature = r.ReadSingle();
                var bias = ReadFloats(r, classes);
                svm = new LinearScorer(classes, ReadFloats(r, checked(features * classes)), bias, temperature);
            }
            NeighbourScorer? neighbours = null;
            var neighbourShare = 0f;
            if (r.ReadBoolean())
            {
                neighbourShare = r.ReadSingle();
                var k = Checked(r.ReadInt32(), 1, 100_000);
                var sharpness = r.ReadSingle();
                var texts = Checked(r.ReadInt32(), 1, 50_000_000);
                var textLabels = new int[texts];
                for (var i = 0; i < texts; i++) textLabels[i] = Checked(r.ReadInt32(), 0, classes - 1);
                var start = new int[features + 1];
                for (var j = 0; j <= features; j++) start[j] = r.ReadInt32();
                var entries = Checked(start[^1], 0, int.MaxValue);
                var index = new int[entries];
                for (var p = 0; p < entries; p++) index[p] = Checked(r.ReadInt32(), 0, texts - 1);
                var postings = new ClassifierMatrix(start, index, ReadFloats(r, entries), texts);
                for (var j = 0; j < features; j++) if (start[j] > start[j + 1] || start[j] < 0) throw new InvalidDataException("the category classifier is damaged (index)");
                neighbours = new NeighbourScorer(postings, textLabels, classes, k, sharpness);
            }
            var sharpnessOfCalibration = r.ReadDouble();
            var offsets = new double[classes];
            for (var c = 0; c < classes; c++) offsets[c] = r.ReadDouble();
            if (svm is null && neighbours is null) throw new InvalidDataException("the category classifier holds no model");
            return new CategoryClassifier(settings, labels, vocabulary, idf, svm, neighbours, neighbourShare, new Calibration(sharpnessOfCalibration, offsets));
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("the category classifier is cut short", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException("the category classifier is damaged", e);
        }
        catch (OverflowException e)
        {
            throw new InvalidDataException("the category classifier is damaged", e);
        }
    }

    private static float[] ReadFloats(BinaryReader r, int count)
    {
        var values = new float[count];
        for (var k = 0; k < count; k++) values[k] = r.ReadSingle();
        return values;
    }

    private static int Checked(int value, int min, int max) =>
        value >= min && value <= max ? value : throw new InvalidDataException($"the category classifier is damaged ({value} out of range)");
}
