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

    /// <summary>The given rows, in the given order.</summary>
    public ClassifierMatrix Subset(IReadOnlyList<int> rows)
    {
        var start = new int[rows.Count + 1];
        for (var k = 0; k < rows.Count; k++) start[k + 1] = start[k] + Start[rows[k] + 1] - Start[rows[k]];
        var index = new int[start[^1]];
        var value = new float[start[^1]];
        for (var k = 0; k < rows.Count; k++)
        {
            var from = Start[rows[k]];
            var length = Start[rows[k] + 1] - from;
            Array.Copy(Index, from, index, start[k], length);
            Array.Copy(Value, from, value, start[k], length);
        }
        return new ClassifierMatrix(start, index, value, Columns);
    }

    /// <summary>Row <paramref name="i"/> as a vector (sharing nothing with the matrix).</summary>
    public ClassifierVector Row(int i) => new(Index[Start[i]..Start[i + 1]], Value[Start[i]..Start[i + 1]]);

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
/// One-vs-rest linear SVMs: score(c) = bias[c] + Σ x[j]·weights[j·classes + c], a margin (no
/// probability: the stacking's meta-learner makes the scores of all the models one).
/// </summary>
internal sealed class LinearScorer(int classes, float[] weights, float[] bias)
{
    public int Classes { get; } = classes;
    public float[] Weights { get; } = weights; // feature-major: one text's look-ups stay in one cache line
    public float[] Bias { get; } = bias;

    /// <summary>
    /// L2-regularised L2-loss SVMs solved in the dual by coordinate descent (Hsieh et al. 2008,
    /// LIBLINEAR's default solver), with a bias feature of 1, one class against the rest, the
    /// classes in parallel. The visiting order is shuffled from <paramref name="seed"/>.
    /// </summary>
    public static LinearScorer Train(ClassifierMatrix x, int[] y, int classes, double cost, int seed)
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
        return new LinearScorer(classes, weights, bias);
    }

    /// <summary>
    /// One class (<paramref name="positive"/>) against the rest. A class without a text in
    /// <paramref name="x"/> is learnt as never (all its margins negative), which the folds of
    /// small data need.
    /// </summary>
    internal static (double[] Weights, double Bias) BinarySvm(ClassifierMatrix x, int[] y, int positive, double cost, int seed)
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
        // Shrinking, as LIBLINEAR's: a text at α = 0 whose gradient says it will stay there is left
        // out of the next passes, until the rest have converged; then all are checked again.
        var random = new Random(seed);
        var active = n;
        var maxOld = double.PositiveInfinity;
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            random.Shuffle(order.AsSpan(0, active));
            var maxGradient = double.NegativeInfinity;
            var minGradient = double.PositiveInfinity;
            for (var s = 0; s < active; s++)
            {
                var i = order[s];
                var dot = b;
                for (var k = x.Start[i]; k < x.Start[i + 1]; k++) dot += w[x.Index[k]] * x.Value[k];
                var g = sign[i] * dot - 1 + diagonal * alpha[i];
                var projected = g;
                if (alpha[i] == 0)
                {
                    if (g > maxOld)
                    {
                        active--;
                        (order[s], order[active]) = (order[active], order[s]);
                        s--;
                        continue;
                    }
                    projected = Math.Min(g, 0);
                }
                maxGradient = Math.Max(maxGradient, projected);
                minGradient = Math.Min(minGradient, projected);
                if (Math.Abs(projected) < 1e-12) continue;
                var old = alpha[i];
                alpha[i] = Math.Max(old - g / qii[i], 0);
                var d = (alpha[i] - old) * sign[i];
                for (var k = x.Start[i]; k < x.Start[i + 1]; k++) w[x.Index[k]] += d * x.Value[k];
                b += d;
            }
            if (maxGradient - minGradient < Epsilon)
            {
                if (active == n) break;
                active = n; // converged on the active set: check every text once more
                maxOld = double.PositiveInfinity;
                continue;
            }
            maxOld = maxGradient <= 0 ? double.PositiveInfinity : maxGradient;
        }
        return (w, b);
    }

    /// <summary>Writes each category's margin into <paramref name="scores"/>.</summary>
    public void Scores(ClassifierVector x, Span<double> scores)
    {
        for (var c = 0; c < Classes; c++) scores[c] = Bias[c];
        for (var k = 0; k < x.Index.Length; k++)
        {
            var row = x.Index[k] * Classes;
            var v = x.Value[k];
            for (var c = 0; c < Classes; c++) scores[c] += v * Weights[row + c];
        }
    }
}

/// <summary>
/// NB-SVM (Wang and Manning 2012, "Baselines and bigrams"), one category against the rest: each
/// feature is scaled by its log-count ratio r[j] = log((p[j]/|p|) / (q[j]/|q|)), p and q its
/// smoothed sums of TF-IDF over the category's texts and over the others', the scaled vector is
/// L2-normalised again, and a linear SVM learns on that. The ratio says at once which n-grams tell
/// the category, so the SVM needs less data to find them; its mistakes are not the plain SVM's.
/// </summary>
internal sealed class NbSvmScorer(int classes, float[] ratios, float[] weights, float[] bias)
{
    public int Classes { get; } = classes;
    public float[] Ratios { get; } = ratios; // feature-major, as LinearScorer's weights
    public float[] Weights { get; } = weights; // r[j]·w[j], feature-major
    public float[] Bias { get; } = bias;

    public static NbSvmScorer Train(ClassifierMatrix x, int[] y, int classes, double cost, double smoothing, int seed)
    {
        var features = x.Columns;
        var ratios = new float[features * classes];
        var weights = new float[features * classes];
        var bias = new float[classes];
        Parallel.For(0, classes, c =>
        {
            var p = new double[features];
            var q = new double[features];
            for (var i = 0; i < x.Rows; i++)
            {
                var sums = y[i] == c ? p : q;
                for (var k = x.Start[i]; k < x.Start[i + 1]; k++) sums[x.Index[k]] += x.Value[k];
            }
            var pTotal = 0.0;
            var qTotal = 0.0;
            for (var j = 0; j < features; j++)
            {
                pTotal += p[j] += smoothing;
                qTotal += q[j] += smoothing;
            }
            var r = new float[features];
            for (var j = 0; j < features; j++) r[j] = (float)Math.Log(p[j] / pTotal / (q[j] / qTotal));
            var scaled = new float[x.Value.Length];
            for (var i = 0; i < x.Rows; i++)
            {
                var norm = 0.0;
                for (var k = x.Start[i]; k < x.Start[i + 1]; k++)
                {
                    scaled[k] = x.Value[k] * r[x.Index[k]];
                    norm += (double)scaled[k] * scaled[k];
                }
                var scale = norm > 0 ? (float)(1 / Math.Sqrt(norm)) : 0f;
                for (var k = x.Start[i]; k < x.Start[i + 1]; k++) scaled[k] *= scale;
            }
            var (w, b) = LinearScorer.BinarySvm(new ClassifierMatrix(x.Start, x.Index, scaled, features), y, c, cost, seed + c);
            for (var j = 0; j < features; j++)
            {
                ratios[j * classes + c] = r[j];
                weights[j * classes + c] = (float)(r[j] * w[j]);
            }
            bias[c] = (float)b;
        });
        return new NbSvmScorer(classes, ratios, weights, bias);
    }

    /// <summary>Writes each category's margin into <paramref name="scores"/>: bias + (x∘r)·w / |x∘r|.</summary>
    public void Scores(ClassifierVector x, Span<double> scores)
    {
        Span<double> norm = stackalloc double[Classes];
        norm.Clear();
        scores.Clear();
        for (var k = 0; k < x.Index.Length; k++)
        {
            var row = x.Index[k] * Classes;
            var v = x.Value[k];
            for (var c = 0; c < Classes; c++)
            {
                var a = v * Ratios[row + c];
                norm[c] += a * a;
                scores[c] += v * Weights[row + c];
            }
        }
        for (var c = 0; c < Classes; c++) scores[c] = Bias[c] + (norm[c] > 0 ? scores[c] / Math.Sqrt(norm[c]) : 0);
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

    /// <summary>Writes each category's share of the neighbours' votes into <paramref name="scores"/> (they sum to 1).</summary>
    public void Scores(ClassifierVector x, Span<double> scores)
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
        for (var c = 0; c < Classes; c++) scores[c] = votes[c] / total;
    }
}

/// <summary>
/// The stacking's meta-learner: multinomial logistic regression on the base models' scores
/// (each standardised by its mean and spread), p(c) ∝ exp(bias[c] + Σ weights[c·inputs + k]·z[k]),
/// fitted on out-of-fold scores so that it learns how far to trust each model, category by
/// category, on texts none of them has seen. Its output is a probability by construction.
/// </summary>
internal sealed class MetaLearner(int classes, float[] mean, float[] spread, float[] weights, float[] bias)
{
    public int Classes { get; } = classes;
    public int Inputs => Mean.Length;
    public float[] Mean { get; } = mean;
    public float[] Spread { get; } = spread;
    public float[] Weights { get; } = weights; // class-major: weights[c·inputs + k]
    public float[] Bias { get; } = bias;

    /// <summary>
    /// Without data to learn from: each model's scores count as they are, times
    /// <paramref name="scale"/>[model] (a softmax at a temperature), summed.
    /// </summary>
    public static MetaLearner Fixed(int classes, IReadOnlyList<double> scale)
    {
        var inputs = scale.Count * classes;
        var weights = new float[classes * inputs];
        for (var m = 0; m < scale.Count; m++)
        {
            for (var c = 0; c < classes; c++) weights[c * inputs + m * classes + c] = (float)scale[m];
        }
        return new MetaLearner(classes, new float[inputs], Enumerable.Repeat(1f, inputs).ToArray(), weights, new float[classes]);
    }

    /// <summary>
    /// L2-regularised (<paramref name="lambda"/>, on the weights, not the biases) cross-entropy,
    /// minimised by full-batch Adam: a few hundred steps over a few thousand rows of a few dozen
    /// inputs, deterministic.
    /// </summary>
    public static MetaLearner Train(double[][] z, int[] y, int classes, double lambda, int steps = 400)
    {
        var n = z.Length;
        var inputs = z[0].Length;
        var mean = new float[inputs];
        var spread = new float[inputs];
        for (var k = 0; k < inputs; k++)
        {
            var m = 0.0;
            for (var i = 0; i < n; i++) m += z[i][k];
            m /= n;
            var v = 0.0;
            for (var i = 0; i < n; i++) v += (z[i][k] - m) * (z[i][k] - m);
            mean[k] = (float)m;
            spread[k] = (float)Math.Max(Math.Sqrt(v / n), 1e-6);
        }
        var x = new double[n * inputs];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < inputs; k++) x[i * inputs + k] = (z[i][k] - mean[k]) / spread[k];
        }
        var width = inputs + 1; // the bias last
        var w = new double[classes * width];
        var m1 = new double[w.Length];
        var m2 = new double[w.Length];
        var gradient = new double[w.Length];
        var p = new double[classes];
        const double Rate = 0.05, Beta1 = 0.9, Beta2 = 0.999;
        for (var t = 1; t <= steps; t++)
        {
            Array.Clear(gradient);
            for (var i = 0; i < n; i++)
            {
                var row = x.AsSpan(i * inputs, inputs);
                var max = double.NegativeInfinity;
                for (var c = 0; c < classes; c++)
                {
                    var s = w[c * width + inputs];
                    for (var k = 0; k < inputs; k++) s += w[c * width + k] * row[k];
                    p[c] = s;
                    max = Math.Max(max, s);
                }
                var sum = 0.0;
                for (var c = 0; c < classes; c++) sum += p[c] = Math.Exp(p[c] - max);
                for (var c = 0; c < classes; c++)
                {
                    var e = p[c] / sum - (y[i] == c ? 1 : 0);
                    for (var k = 0; k < inputs; k++) gradient[c * width + k] += e * row[k];
                    gradient[c * width + inputs] += e;
                }
            }
            var correction1 = 1 - Math.Pow(Beta1, t);
            var correction2 = 1 - Math.Pow(Beta2, t);
            for (var j = 0; j < w.Length; j++)
            {
                var g = gradient[j] / n + (j % width == inputs ? 0 : lambda * w[j]);
                m1[j] = Beta1 * m1[j] + (1 - Beta1) * g;
                m2[j] = Beta2 * m2[j] + (1 - Beta2) * g * g;
                w[j] -= Rate * (m1[j] / correction1) / (Math.Sqrt(m2[j] / correction2) + 1e-8);
            }
        }
        var weights = new float[classes * inputs];
        var bias = new float[classes];
        for (var c = 0; c < classes; c++)
        {
            for (var k = 0; k < inputs; k++) weights[c * inputs + k] = (float)w[c * width + k];
            bias[c] = (float)w[c * width + inputs];
        }
        return new MetaLearner(classes, mean, spread, weights, bias);
    }

    /// <summary>Each category's probability from the base models' scores <paramref name="z"/>.</summary>
    public double[] Probabilities(ReadOnlySpan<double> z)
    {
        var p = new double[Classes];
        var max = double.NegativeInfinity;
        for (var c = 0; c < Classes; c++)
        {
            double s = Bias[c];
            for (var k = 0; k < Inputs; k++) s += Weights[c * Inputs + k] * ((z[k] - Mean[k]) / Spread[k]);
            p[c] = s;
            max = Math.Max(max, s);
        }
        var sum = 0.0;
        for (var c = 0; c < Classes; c++) sum += p[c] = Math.Exp(p[c] - max);
        for (var c = 0; c < Classes; c++) p[c] /= sum;
        return p;
    }
}
