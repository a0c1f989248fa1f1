using System.Diagnostics;
using Blase.Engine.Spectra;

namespace Blase.Engine.Emulators.Neural;

/// <summary>Progress of training: after each epoch, the mean absolute errors on the training batches and on the validation set.</summary>
public readonly record struct NeuralProgress(int Epoch, int MaxEpochs, double TrainingLoss, double ValidationLoss, double BestValidationLoss, double LearningRate, TimeSpan Elapsed);

/// <summary>
/// Trains a <see cref="NeuralEmulator"/> on labelled spectra as The Payne does (Ting et al. 2019): labels scaled to [−0.5, 0.5] by
/// the training set's min/max, an L1 loss (mean absolute error, robust to a few bad pixels), Adam (Kingma &amp; Ba 2015) on
/// mini-batches, a held-out validation set that picks the best weights and stops training when it no longer improves. Flux is
/// divided by one scale (its mean absolute value) while training, so that one learning rate suits grids in any unit, and the
/// last layer is multiplied back at the end. The hot loop is single precision (the network's own precision in PyTorch)
/// through <see cref="Gemm"/>; the result is stored in double. Weights start as PyTorch's do (uniform in ±1/√fan-in), and the
/// output bias at the mean spectrum, so that training starts from the mean and spends its steps on the variations.
/// </summary>
public sealed class NeuralTrainer
{
    private readonly int _labels, _hidden, _pixels;
    // Transposed weights [in × out] (so that a batch's forward pass is X·Wᵀ = X·WT), biases, Adam moments.
    private readonly float[][] _wt, _b, _mw, _vw, _mb, _vb;

    private NeuralTrainer(int labels, int hidden, int pixels, Random random)
    {
        _labels = labels; _hidden = hidden; _pixels = pixels;
        int[] inputs = { labels, hidden, hidden }, outputs = { hidden, hidden, pixels };
        _wt = new float[3][]; _b = new float[3][]; _mw = new float[3][]; _vw = new float[3][]; _mb = new float[3][]; _vb = new float[3][];
        for (int l = 0; l < 3; l++)
        {
            float bound = (float)(1 / Math.Sqrt(inputs[l]));
            _wt[l] = Enumerable.Range(0, inputs[l] * outputs[l]).Select(_ => bound * (2 * (float)random.NextDouble() - 1)).ToArray();
            _b[l] = Enumerable.Range(0, outputs[l]).Select(_ => bound * (2 * (float)random.NextDouble() - 1)).ToArray();
            _mw[l] = new float[_wt[l].Length]; _vw[l] = new float[_wt[l].Length];
            _mb[l] = new float[_b[l].Length]; _vb[l] = new float[_b[l].Length];
        }
    }

    /// <summary>Trains a network on spectra (rows of <paramref name="fluxes"/>) with their labels.</summary>
    public static NeuralEmulator Train(IReadOnlyList<string> labelNames, double[][] labels, double[][] fluxes, double[]? wavelength,
        NeuralTrainingOptions? options = null, Action<NeuralProgress>? progress = null, CancellationToken cancel = default,
        WavelengthMedium medium = WavelengthMedium.Vacuum, bool[]? mask = null)
    {
        options ??= new NeuralTrainingOptions();
        var sw = Stopwatch.StartNew();
        int n = labels.Length, dims = labelNames.Count;
        if (n < 2 || fluxes.Length != n) throw new ArgumentException($"training needs at least 2 spectra with one label vector each (got {fluxes.Length} spectra, {n} label vectors)");
        int pixels = fluxes[0].Length;
        if (fluxes.Any(f => f.Length != pixels)) throw new ArgumentException("every training spectrum must have the same pixels");
        if (labels.Any(x => x.Length != dims)) throw new ArgumentException($"every label vector must have {dims} values ({string.Join(", ", labelNames)})");
        if (fluxes.Any(f => f.Any(v => !double.IsFinite(v))) || labels.Any(x => x.Any(v => !double.IsFinite(v))))
            throw new ArgumentException("the training spectra and labels must be finite numbers");
        if (options.BatchSize < 1 || options.HiddenUnits < 1 || options.MaxEpochs < 1) throw new ArgumentException("batch size, hidden units and epochs must be positive");

        var min = Enumerable.Range(0, dims).Select(d => labels.Min(x => x[d])).ToArray();
        var max = Enumerable.Range(0, dims).Select(d => labels.Max(x => x[d])).ToArray();
        var flat = Enumerable.Range(0, dims).Where(d => !(max[d] > min[d])).Select(d => labelNames[d]).ToArray();
        if (flat.Length > 0) throw new ArgumentException($"{string.Join(", ", flat)} does not vary over the training set: leave it out of the labels");
        double scale = fluxes.Average(f => f.Average(Math.Abs));
        if (!(scale > 0)) throw new ArgumentException("the training spectra are all zero");

        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray();
        int validation = Math.Clamp((int)Math.Round(options.ValidationFraction * n), options.ValidationFraction > 0 ? 1 : 0, n - 1);
        var validationRows = order[..validation];
        var trainingRows = order[validation..];
        var x = new float[n * dims];
        var y = new float[n * pixels];
        for (int i = 0; i < n; i++)
        {
            for (int d = 0; d < dims; d++) x[i * dims + d] = (float)((labels[i][d] - min[d]) / (max[d] - min[d]) - 0.5);
            for (int j = 0; j < pixels; j++) y[(long)i * pixels + j] = (float)(fluxes[i][j] / scale);
        }

        var t = new NeuralTrainer(dims, options.HiddenUnits, pixels, random);
        // The output bias starts at the training set's mean spectrum.
        for (int j = 0; j < pixels; j++) t._b[2][j] = (float)trainingRows.Average(i => y[(long)i * pixels + j]);

        int batch = Math.Min(options.BatchSize, trainingRows.Length);
        var work = new Workspace(Math.Max(batch, validation), dims, options.HiddenUnits, pixels);
        var best = t.Snapshot();
        double bestLoss = double.PositiveInfinity, lr = options.LearningRate, trainLoss = double.NaN, validLoss = double.NaN;
        int bestEpoch = 0, epoch = 0, steps = 0, sinceBest = 0, sinceDecay = 0;
        string exit = "MaxEpochs";
        while (epoch < options.MaxEpochs)
        {
            if (cancel.IsCancellationRequested) { exit = "Cancelled"; break; }
            if (options.TimeLimit is { } limit && sw.Elapsed > limit) { exit = "TimeLimit"; break; }
            epoch++;
            Shuffle(trainingRows, random);
            double sum = 0;
            int batches = 0;
            for (int s = 0; s + batch <= trainingRows.Length && !cancel.IsCancellationRequested; s += batch)
            {
                sum += t.Step(x, y, trainingRows.AsSpan(s, batch), work, (float)lr, ++steps);
                batches++;
            }
            if (cancel.IsCancellationRequested) { exit = "Cancelled"; break; }
            trainLoss = sum / Math.Max(1, batches) * scale;
            validLoss = validation > 0 ? t.Loss(x, y, validationRows, work) * scale : trainLoss;
            if (validLoss < bestLoss)
            {
                bestLoss = validLoss; bestEpoch = epoch; sinceBest = 0; sinceDecay = 0;
                best = t.Snapshot();
            }
            else
            {
                sinceBest++; sinceDecay++;
                if (sinceDecay >= options.DecayPatience && lr > options.LearningRate / 64) { lr /= 2; sinceDecay = 0; }
            }
            progress?.Invoke(new NeuralProgress(epoch, options.MaxEpochs, trainLoss, validLoss, bestLoss, lr, sw.Elapsed));
            if (sinceBest >= options.Patience) { exit = "EarlyStop"; break; }
        }
        if (!double.IsFinite(bestLoss)) throw new OperationCanceledException("training was stopped before its first epoch ended");

        // Back to Payne's layout [out][in] in double, the flux scale folded into the last layer.
        var weights = new double[3][];
        var biases = new double[3][];
        int[] inputs = { dims, options.HiddenUnits, options.HiddenUnits }, outputs = { options.HiddenUnits, options.HiddenUnits, pixels };
        for (int l = 0; l < 3; l++)
        {
            double f = l == 2 ? scale : 1;
            var w = new double[inputs[l] * outputs[l]];
            for (int i = 0; i < inputs[l]; i++)
                for (int o = 0; o < outputs[l]; o++) w[o * inputs[l] + i] = f * best.Weights[l][i * outputs[l] + o];
            weights[l] = w;
            biases[l] = best.Biases[l].Select(v => f * v).ToArray();
        }
        return new NeuralEmulator(labelNames, min, max, weights, biases, wavelength, mask, medium)
        {
            Training = new NeuralTraining(epoch, steps, bestEpoch, trainLoss, bestLoss, exit, sw.Elapsed, trainingRows.Length, validation),
        };
    }

    private static void Shuffle(int[] a, Random r)
    {
        for (int i = a.Length - 1; i > 0; i--) { int j = r.Next(i + 1); (a[i], a[j]) = (a[j], a[i]); }
    }

    private sealed record Parameters(float[][] Weights, float[][] Biases);
    private Parameters Snapshot() => new(_wt.Select(w => (float[])w.Clone()).ToArray(), _b.Select(b => (float[])b.Clone()).ToArray());

    /// <summary>Buffers for one batch: inputs, pre-activations, activations and their gradients, weight gradients.</summary>
    private sealed class Workspace
    {
        public Workspace(int rows, int labels, int hidden, int pixels)
        {
            X = new float[rows * labels]; Y = new float[(long)rows * pixels > int.MaxValue ? throw new ArgumentException("batch too large") : rows * pixels];
            Z1 = new float[rows * hidden]; A1 = new float[rows * hidden]; Z2 = new float[rows * hidden]; A2 = new float[rows * hidden];
            Out = new float[rows * pixels];
            DA1 = new float[rows * hidden]; DA2 = new float[rows * hidden];
            GW = new[] { new float[labels * hidden], new float[hidden * hidden], new float[hidden * pixels] };
            GB = new[] { new float[hidden], new float[hidden], new float[pixels] };
        }
        public readonly float[] X, Y, Z1, A1, Z2, A2, Out, DA1, DA2;
        public readonly float[][] GW, GB;
    }

    private void Gather(float[] x, float[] y, ReadOnlySpan<int> rows, Workspace w)
    {
        for (int r = 0; r < rows.Length; r++)
        {
            Array.Copy(x, rows[r] * _labels, w.X, r * _labels, _labels);
            Array.Copy(y, (long)rows[r] * _pixels, w.Y, (long)r * _pixels, _pixels);
        }
    }

    /// <summary>Forward pass of <paramref name="m"/> gathered rows: Out = W₂ᵀ-layer(LeakyReLU(…)).</summary>
    private void Forward(Workspace w, int m)
    {
        Affine(w.X, 0, w.Z1, m, _labels, _hidden);
        Leaky(w.Z1, w.A1, m * _hidden);
        Affine(w.A1, 1, w.Z2, m, _hidden, _hidden);
        Leaky(w.Z2, w.A2, m * _hidden);
        Affine(w.A2, 2, w.Out, m, _hidden, _pixels);
    }

    private void Affine(float[] input, int layer, float[] output, int m, int k, int n)
    {
        var b = _b[layer];
        for (int r = 0; r < m; r++) Array.Copy(b, 0, output, r * n, n);
        Gemm.Multiply(input, _wt[layer], output, m, k, n, accumulate: true);
    }

    private static void Leaky(float[] z, float[] a, int count)
    {
        const float slope = (float)NeuralEmulator.LeakySlope;
        for (int i = 0; i < count; i++) a[i] = z[i] < 0 ? slope * z[i] : z[i];
    }

    /// <summary>Mean absolute error of the network on the rows (in scaled flux).</summary>
    private double Loss(float[] x, float[] y, int[] rows, Workspace w)
    {
        double sum = 0;
        int capacity = w.X.Length / _labels;
        for (int s = 0; s < rows.Length; s += capacity)
        {
            int m = Math.Min(capacity, rows.Length - s);
            Gather(x, y, rows.AsSpan(s, m), w);
            Forward(w, m);
            sum += AbsoluteError(w.Out, w.Y, m * _pixels, null);
        }
        return sum / ((double)rows.Length * _pixels);
    }

    /// <summary>Σ|out − y|; with <paramref name="gradient"/>, also writes sign(out − y)·g into it.</summary>
    private static double AbsoluteError(float[] output, float[] y, int count, float? gradient)
    {
        int chunks = Math.Max(1, Math.Min(64, count / 65536));
        var partial = new double[chunks];
        Parallel.For(0, chunks, c =>
        {
            int from = (int)((long)count * c / chunks), to = (int)((long)count * (c + 1) / chunks);
            double s = 0;
            for (int i = from; i < to; i++)
            {
                float d = output[i] - y[i];
                s += Math.Abs(d);
                if (gradient is { } g) output[i] = d > 0 ? g : d < 0 ? -g : 0;
            }
            partial[c] = s;
        });
        return partial.Sum();
    }

    /// <summary>One Adam step on a batch; returns the batch's mean absolute error (scaled flux).</summary>
    private double Step(float[] x, float[] y, ReadOnlySpan<int> rows, Workspace w, float lr, int step)
    {
        int m = rows.Length;
        Gather(x, y, rows, w);
        Forward(w, m);
        // L = mean |out − y| over the batch's m × pixels values: ∂L/∂out = sign(out − y)/(m·pixels), written over Out.
        double loss = AbsoluteError(w.Out, w.Y, m * _pixels, 1f / ((float)m * _pixels)) / ((double)m * _pixels);
        var dOut = w.Out;
        Gemm.MultiplyTransposedA(w.A2, dOut, w.GW[2], _hidden, m, _pixels);
        ColumnSums(dOut, w.GB[2], m, _pixels);
        Gemm.MultiplyTransposedB(dOut, _wt[2], w.DA2, m, _pixels, _hidden);
        LeakyGradient(w.Z2, w.DA2, m * _hidden);
        Gemm.MultiplyTransposedA(w.A1, w.DA2, w.GW[1], _hidden, m, _hidden);
        ColumnSums(w.DA2, w.GB[1], m, _hidden);
        Gemm.MultiplyTransposedB(w.DA2, _wt[1], w.DA1, m, _hidden, _hidden);
        LeakyGradient(w.Z1, w.DA1, m * _hidden);
        Gemm.MultiplyTransposedA(w.X, w.DA1, w.GW[0], _labels, m, _hidden);
        ColumnSums(w.DA1, w.GB[0], m, _hidden);
        for (int l = 0; l < 3; l++)
        {
            Adam(_wt[l], w.GW[l], _mw[l], _vw[l], lr, step);
            Adam(_b[l], w.GB[l], _mb[l], _vb[l], lr, step);
        }
        return loss;
    }

    private static void LeakyGradient(float[] z, float[] g, int count)
    {
        const float slope = (float)NeuralEmulator.LeakySlope;
        for (int i = 0; i < count; i++) if (z[i] < 0) g[i] *= slope;
    }

    private static void ColumnSums(float[] a, float[] sums, int m, int n)
    {
        Array.Clear(sums);
        for (int r = 0; r < m; r++)
        {
            int o = r * n;
            for (int j = 0; j < n; j++) sums[j] += a[o + j];
        }
    }

    /// <summary>Adam (Kingma &amp; Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − lr·m̂/(√v̂ + ε).</summary>
    private static void Adam(float[] w, float[] g, float[] m, float[] v, float lr, int step)
    {
        const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        float c1 = 1 / (1 - MathF.Pow(b1, step)), c2 = 1 / (1 - MathF.Pow(b2, step));
        int chunks = Math.Max(1, Math.Min(16, w.Length / 32768));
        Parallel.For(0, chunks, c =>
        {
            int from = (int)((long)w.Length * c / chunks), to = (int)((long)w.Length * (c + 1) / chunks);
            for (int i = from; i < to; i++)
            {
                float gi = g[i];
                float mi = m[i] = b1 * m[i] + (1 - b1) * gi;
                float vi = v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                w[i] -= lr * (mi * c1) / (MathF.Sqrt(vi * c2) + eps);
            }
        });
    }
}
