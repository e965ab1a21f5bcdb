namespace Duban.Features.Dispatching;

/// <summary>Sparse rows (compressed sparse row): the training set as feature vectors, or an inverted index.</summary>
internal sealed class ClassifierMatrix(int[] start, int[] index, float[] value, int columns)
{
    public int[] Start { get; } = start;
    public int[] Index { get; } = index;
    public float[] Value { get; } = value;
    public int Rows => Start.Length - 1;
    public int Columns { get; } = columns;

    public static ClassifierMatrix From(IReadOnlyList<ClassifierVector> rows, int columns)
    {
        var start = new int[rows.Count + 1];
        for (var i = 0; i < rows.Count; i++) start[i + 1] = start[i] + rows[i].Index.Length;
        var index = new int[start[^1]];
        var value = new float[start[^1]];
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].Index.CopyTo(index, start[i]);
            rows[i].Value.CopyTo(value, start[i]);
        }
        return new ClassifierMatrix(start, index, value, columns);
    }

    /// <summary>The same entries by column: for each feature, the rows holding it and their values.</summary>
    public ClassifierMatrix Transpose()
    {
        var start = new int[Columns + 1];
        foreach (var j in Index) start[j + 1]++;
        for (var j = 0; j < Columns; j++) start[j + 1] += start[j];
        var next = (int[])start.Clone();
        var index = new int[Index.Length];
        var value = new float[Index.Length];
        for (var i = 0; i < Rows; i++)
        {
            for (var p = Start[i]; p < Start[i + 1]; p++)
            {
                var at = next[Index[p]]++;
                index[at] = i;
                value[at] = Value[p];
            }
        }
        return new ClassifierMatrix(start, index, value, Rows);
    }
}

/// <summary>One text's features: vocabulary indices in increasing order and their values.</summary>
internal sealed record ClassifierVector(int[] Index, float[] Value);

/// <summary>
/// One-vs-rest linear SVMs: score(c) = bias[c] + Σ x[j]·weights[j·classes + c], made
/// probabilities by a softmax at a temperature (an SVM's margins are no probabilities).
/// </summary>
internal sealed class LinearScorer(int classes, float[] weights, float[] bias, float temperature)
{
    public int Classes { get; } = classes;
    public float[] Weights { get; } = weights; // feature-major: one text's look-ups stay in one cache line
    public float[] Bias { get; } = bias;
    public float Temperature { get; } = temperature;

    /// <summary>
    /// L2-regularised L2-loss SVMs solved in the dual by coordinate descent (Hsieh et al. 2008,
    /// LIBLINEAR's default solver), with a bias feature of 1, one class against the rest, the
    /// classes in parallel. The visiting order is shuffled from <paramref name="seed"/>.
    /// </summary>
    public static LinearScorer Train(ClassifierMatrix x, int[] y, int classes, double cost, double temperature, int seed)
    {
        var features = x.Columns;
        var weights = new float[features * classes];
        var bias = new float[classes];
        Parallel.For(0, classes, c =>
        {
            var (w, b) = BinarySvm(x, y, c, cost, seed + c);
            for (var j = 0; j < features; j++) weights[j * classes + c] = (float)w[j];
            bias[c] = (float)b;
        });
        return new LinearScorer(classes, weights, bias, (float)temperature);
    }

    private static (double[] Weights, double Bias) BinarySvm(ClassifierMatrix x, int[] y, int positive, double cost, int seed)
    {
        const int MaxIterations = 200;
        const double Epsilon = 0.05; // on the projected gradient's spread, as LIBLINEAR's eps
        var n = x.Rows;
        var w = new double[x.Columns];
        var b = 0.0;
        var alpha = new double[n];
        var sign = new double[n];
        var qii = new double[n];
        var order = new int[n];
        var diagonal = 1 / (2 * cost); // D_ii of the L2 loss
        for (var i = 0; i < n; i++)
        {
            sign[i] = y[i] == positive ? 1 : -1;
            var q = 1.0; // the bias feature
            for (var k = x.Start[i]; k < x.Start[i + 1]; k++) q += (double)x.Value[k] * x.Value[k];
            qii[i] = q + diagonal;
            order[i] = i;
        }
        var random = new Random(seed);
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            random.Shuffle(order);
            var maxGradient = double.NegativeInfinity;
            var minGradient = double.PositiveInfinity;
            foreach (var i in order)
            {
                var dot = b;
                for (var k = x.Start[i]; k < x.Start[i + 1]; k++) dot += w[x.Index[k]] * x.Value[k];
                var g = sign[i] * dot - 1 + diagonal * alpha[i];
                var projected = alpha[i] == 0 ? Math.Min(g, 0) : g;
                maxGradient = Math.Max(maxGradient, projected);
                minGradient = Math.Min(minGradient, projected);
                if (Math.Abs(projected) < 1e-12) continue;
                var old = alpha[i];
                alpha[i] = Math.Max(old - g / qii[i], 0);
                var d = (alpha[i] - old) * sign[i];
                for (var k = x.Start[i]; k < x.Start[i + 1]; k++) w[x.Index[k]] += d * x.Value[k];
                b += d;
            }
            if (maxGradient - minGradient < Epsilon) break;
        }
        return (w, b);
    }

    /// <summary>Adds share × softmax(scores / temperature) to <paramref name="probabilities"/>.</summary>
    public void AddProbabilities(ClassifierVector x, Span<double> probabilities, double share)
    {
        Span<double> s = stackalloc double[Classes];
        for (var c = 0; c < Classes; c++) s[c] = Bias[c];
        for (var k = 0; k < x.Index.Length; k++)
        {
            var row = x.Index[k] * Classes;
            var v = x.Value[k];
            for (var c = 0; c < Classes; c++) s[c] += v * Weights[row + c];
        }
        var max = double.NegativeInfinity;
        foreach (var v in s) max = Math.Max(max, v);
        var sum = 0.0;
        for (var c = 0; c < Classes; c++) sum += s[c] = Math.Exp((s[c] - max) / Temperature);
        for (var c = 0; c < Classes; c++) probabilities[c] += share * s[c] / sum;
    }
}

/// <summary>
/// k nearest training texts by cosine similarity (the vectors are L2-normalised), each voting for
/// its category with its similarity to the power <see cref="Sharpness"/>: a view unlike the
/// SVMs', which remembers the matters most like this one rather than averaging over all.
/// </summary>
internal sealed class NeighbourScorer(ClassifierMatrix postings, int[] labels, int classes, int k, float sharpness)
{
    /// <summary>The training vectors by feature (an inverted index): a text is compared only where it shares n-grams.</summary>
    public ClassifierMatrix Postings { get; } = postings;
    public int[] Labels { get; } = labels;
    public int Classes { get; } = classes;
    public int K { get; } = k;
    public float Sharpness { get; } = sharpness;

    public static NeighbourScorer Train(ClassifierMatrix x, int[] y, int classes, int k, double sharpness) =>
        new(x.Transpose(), (int[])y.Clone(), classes, k, (float)sharpness);

    public void AddProbabilities(ClassifierVector x, Span<double> probabilities, double share)
    {
        var similarity = new float[Labels.Length];
        for (var q = 0; q < x.Index.Length; q++)
        {
            var j = x.Index[q];
            var v = x.Value[q];
            for (var p = Postings.Start[j]; p < Postings.Start[j + 1]; p++) similarity[Postings.Index[p]] += v * Postings.Value[p];
        }
        // The k most similar, ties to the earlier text (deterministic).
        var nearest = new PriorityQueue<int, (float, int)>(K + 1);
        for (var i = 0; i < similarity.Length; i++)
        {
            nearest.Enqueue(i, (similarity[i], -i));
            if (nearest.Count > K) nearest.Dequeue();
        }
        Span<double> votes = stackalloc double[Classes];
        votes.Clear();
        var total = 0.0;
        while (nearest.TryDequeue(out var i, out _))
        {
            var w = Math.Pow(Math.Max(similarity[i], 0), Sharpness) + 1e-9;
            votes[Labels[i]] += w;
            total += w;
        }
        for (var c = 0; c < Classes; c++) probabilities[c] += share * votes[c] / total;
    }
}
