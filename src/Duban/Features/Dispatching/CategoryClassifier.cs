using System.Text;

namespace Duban.Features.Dispatching;

/// <summary>How a <see cref="CategoryClassifier"/> is trained. The defaults are the ones measured in docs/BENCHMARKS.md.</summary>
public sealed record ClassifierOptions
{
    /// <summary>Seeds the order the SVMs visit texts in and the stacking's folds: the same seed and data give the same model.</summary>
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
    public double TitleWeight { get; init; } = 1;

    /// <summary>C of the one-vs-rest linear SVMs on TF-IDF (L2 loss, L2 regularisation); 0 leaves them out.</summary>
    public double SvmCost { get; init; } = 8;

    /// <summary>C of the NB-SVMs (the same SVMs on features scaled by their log-count ratios); 0 leaves them out.</summary>
    public double NbSvmCost { get; init; } = 8;

    /// <summary>Added to each feature's sum of TF-IDF in and out of a category before the NB-SVM's ratio is taken.</summary>
    public double NbSmoothing { get; init; } = 0.01;

    /// <summary>How many nearest training texts vote (cosine similarity); 0 leaves the vote out.</summary>
    public int Neighbours { get; init; } = 20;

    /// <summary>A neighbour's vote is its cosine similarity to this power.</summary>
    public double NeighbourSharpness { get; init; } = 3;

    /// <summary>
    /// Inner folds on which the meta-learner is fitted: each base model is trained on all folds
    /// but one and scores the texts of that one, so the meta-learner sees scores of texts the
    /// models have not learnt (and learns how far to trust each); costs that many extra trainings.
    /// Below 2, or too few texts: no meta-learner, the models' scores summed at fixed temperatures.
    /// </summary>
    public int StackingFolds { get; init; } = 3;

    /// <summary>L2 penalty on the meta-learner's weights.</summary>
    public double MetaRegularisation { get; init; } = 0.01;

    /// <summary>The plain baseline the issue speaks of: one linear SVM on character 1–3-grams, TF-IDF, nothing else.</summary>
    public static ClassifierOptions Baseline { get; } = new()
    {
        MaxN = 3,
        StripNoise = false,
        TitleMaxLength = 0,
        SvmCost = 1,
        NbSvmCost = 0,
        Neighbours = 0,
        StackingFolds = 0,
    };
}

/// <summary>A category and how sure the classifier is of it (a probability, 0 to 1).</summary>
public sealed record CategoryScore(string Category, double Confidence);

/// <summary>The best category, its confidence, and the next best ones in decreasing order.</summary>
public sealed record CategoryPrediction(string Category, double Confidence, IReadOnlyList<CategoryScore> Alternatives);

/// <summary>
/// Learns a matter's first-level category (城乡建设, 劳动和社会保障, ...) from the texts of matters
/// dispatchers have already categorised: TF-IDF character n-grams, three base models (one-vs-rest
/// linear SVMs, NB-SVMs, nearest neighbours) and a stacked meta-learner (multinomial logistic
/// regression fitted on the base models' out-of-fold scores) that turns their scores into
/// probabilities. Pure: no I/O but the streams given to Save and Load. A trained classifier is
/// immutable and predicts from many threads at once. Rules: src/Duban/Features/Dispatching/README.md.
/// </summary>
public sealed class CategoryClassifier
{
    private const string Magic = "DUBAN-CATEGORY-CLASSIFIER";
    private const int FormatVersion = 2;

    // Without a meta-learner, a model's scores are multiplied by this before the softmax: a temperature of 0.2 for margins and votes.
    private const double FixedScale = 5;

    private readonly FeatureSettings settings;
    private readonly string[] labels;
    private readonly Dictionary<ulong, int> vocabulary;
    private readonly float[] idf;
    private readonly BaseModels models;
    private readonly MetaLearner meta;

    private CategoryClassifier(FeatureSettings settings, string[] labels, Dictionary<ulong, int> vocabulary, float[] idf, BaseModels models, MetaLearner meta)
    {
        this.settings = settings;
        this.labels = labels;
        this.vocabulary = vocabulary;
        this.idf = idf;
        this.models = models;
        this.meta = meta;
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

    /// <summary>The base models, each optional; their scores, concatenated in this order, are the meta-learner's input.</summary>
    private sealed record BaseModels(LinearScorer? Svm, NbSvmScorer? NbSvm, NeighbourScorer? Neighbours)
    {
        public int Count => (Svm is null ? 0 : 1) + (NbSvm is null ? 0 : 1) + (Neighbours is null ? 0 : 1);

        public static BaseModels Train(ClassifierMatrix x, int[] y, int classes, ClassifierOptions o) => new(
            o.SvmCost > 0 ? LinearScorer.Train(x, y, classes, o.SvmCost, o.Seed) : null,
            o.NbSvmCost > 0 ? NbSvmScorer.Train(x, y, classes, o.NbSvmCost, o.NbSmoothing, o.Seed + 101) : null,
            o.Neighbours > 0 ? NeighbourScorer.Train(x, y, classes, o.Neighbours, o.NeighbourSharpness) : null);

        public double[] Scores(ClassifierVector x, int classes)
        {
            var z = new double[Count * classes];
            var at = 0;
            Svm?.Scores(x, z.AsSpan(at++ * classes, classes));
            NbSvm?.Scores(x, z.AsSpan(at++ * classes, classes));
            Neighbours?.Scores(x, z.AsSpan(at * classes, classes));
            return z;
        }
    }

    /// <summary>
    /// Trains on labelled texts. Throws <see cref="ArgumentException"/> when fewer than two
    /// categories are given, a label is empty or the options make no model: the caller checks
    /// its input first (as <see cref="ClassifierCli"/> does). Small or unbalanced data (a category
    /// with one text) train without complaint.
    /// </summary>
    public static CategoryClassifier Train(IEnumerable<(string Label, string Text)> examples, ClassifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var o = options ?? new ClassifierOptions();
        if (o.MinN < 1 || o.MaxN < o.MinN) throw new ArgumentException("n-gram lengths must be 1 ≤ MinN ≤ MaxN", nameof(options));
        if (o.SvmCost <= 0 && o.NbSvmCost <= 0 && o.Neighbours <= 0) throw new ArgumentException("the SVMs, the NB-SVMs, the neighbours or some of them are needed", nameof(options));
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
        var models = BaseModels.Train(x, y, labels.Length, o);
        var meta = o.StackingFolds >= 2 && rows.Count >= 2 * o.StackingFolds
            ? Stack(x, y, labels.Length, o)
            : MetaLearner.Fixed(labels.Length, Enumerable.Repeat(FixedScale, models.Count).ToArray());
        return new CategoryClassifier(settings, labels, vocabulary, idf, models, meta);
    }

    /// <summary>
    /// The meta-learner, fitted on out-of-fold scores: the training texts are dealt into
    /// <see cref="ClassifierOptions.StackingFolds"/> stratified folds, the base models are trained on
    /// all folds but one and score the texts of that one. The vocabulary and IDF are the whole
    /// training set's (they know no labels); everything that learns from labels sees only its folds.
    /// A category missing from some folds' training texts is learnt there as never, as it would be.
    /// </summary>
    private static MetaLearner Stack(ClassifierMatrix x, int[] y, int classes, ClassifierOptions o)
    {
        var folds = o.StackingFolds;
        var fold = StratifiedFolds(y, classes, folds, o.Seed + 7);
        var z = new double[y.Length][];
        for (var f = 0; f < folds; f++)
        {
            var train = Enumerable.Range(0, y.Length).Where(i => fold[i] != f).ToArray();
            var test = Enumerable.Range(0, y.Length).Where(i => fold[i] == f).ToArray();
            var models = BaseModels.Train(x.Subset(train), train.Select(i => y[i]).ToArray(), classes, o);
            foreach (var i in test) z[i] = models.Scores(x.Row(i), classes);
        }
        return MetaLearner.Train(z, y, classes, o.MetaRegularisation);
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
        return meta.Probabilities(models.Scores(x, labels.Length));
    }

    /// <summary>
    /// Writes the model (little-endian binary): a header, the feature settings, the categories,
    /// the vocabulary's keys and IDF, each base model (the SVMs' weights, the NB-SVMs' ratios and
    /// weights, the neighbours' index) behind a flag, the meta-learner.
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
        var svm = models.Svm;
        w.Write(svm is not null);
        if (svm is not null)
        {
            Write(w, svm.Bias);
            Write(w, svm.Weights);
        }
        var nb = models.NbSvm;
        w.Write(nb is not null);
        if (nb is not null)
        {
            Write(w, nb.Bias);
            Write(w, nb.Ratios);
            Write(w, nb.Weights);
        }
        var neighbours = models.Neighbours;
        w.Write(neighbours is not null);
        if (neighbours is not null)
        {
            w.Write(neighbours.K);
            w.Write(neighbours.Sharpness);
            w.Write(neighbours.Labels.Length);
            foreach (var label in neighbours.Labels) w.Write(label);
            foreach (var s in neighbours.Postings.Start) w.Write(s);
            foreach (var i in neighbours.Postings.Index) w.Write(i);
            Write(w, neighbours.Postings.Value);
        }
        Write(w, meta.Mean);
        Write(w, meta.Spread);
        Write(w, meta.Weights);
        Write(w, meta.Bias);
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
                var bias = ReadFloats(r, classes);
                svm = new LinearScorer(classes, ReadFloats(r, checked(features * classes)), bias);
            }
            NbSvmScorer? nb = null;
            if (r.ReadBoolean())
            {
                var bias = ReadFloats(r, classes);
                var ratios = ReadFloats(r, checked(features * classes));
                nb = new NbSvmScorer(classes, ratios, ReadFloats(r, checked(features * classes)), bias);
            }
            NeighbourScorer? neighbours = null;
            if (r.ReadBoolean())
            {
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
            var models = new BaseModels(svm, nb, neighbours);
            if (models.Count == 0) throw new InvalidDataException("the category classifier holds no model");
            var inputs = models.Count * classes;
            var meta = new MetaLearner(classes, ReadFloats(r, inputs), ReadFloats(r, inputs), ReadFloats(r, classes * inputs), ReadFloats(r, classes));
            return new CategoryClassifier(settings, labels, vocabulary, idf, models, meta);
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
