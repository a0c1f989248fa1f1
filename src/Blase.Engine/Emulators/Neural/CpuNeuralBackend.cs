namespace Blase.Engine.Emulators.Neural;

/// <summary>
/// Training steps on the CPU: forward pass, L1 gradient and backpropagation as batched single-precision matrix products on all
/// cores (<see cref="Gemm"/>), then Adam (Kingma &amp; Ba 2015) on every parameter.
/// </summary>
internal sealed class CpuNeuralBackend : INeuralBackend
{
    private readonly int _labels, _hidden, _pixels;
    private readonly float[] _x, _y;
    private readonly float[][] _wt, _b, _mw, _vw, _mb, _vb;
    private readonly Workspace _work;

    public CpuNeuralBackend(NeuralParameters start, float[] x, float[] y, int labels, int pixels, int maxRows)
    {
        _labels = labels; _hidden = start.Biases[0].Length; _pixels = pixels;
        _x = x; _y = y;
        var p = start.Copy();
        _wt = p.WeightsT; _b = p.Biases;
        _mw = _wt.Select(w => new float[w.Length]).ToArray(); _vw = _wt.Select(w => new float[w.Length]).ToArray();
        _mb = _b.Select(b => new float[b.Length]).ToArray(); _vb = _b.Select(b => new float[b.Length]).ToArray();
        _work = new Workspace(maxRows, labels, _hidden, pixels);
    }

    /// <summary>Goes on from another backend's state (parameters and Adam's moments).</summary>
    public CpuNeuralBackend(NeuralTrainingState state, float[] x, float[] y, int labels, int pixels, int maxRows)
        : this(state.Parameters, x, y, labels, pixels, maxRows)
    {
        for (int l = 0; l < 3; l++)
        {
            state.First.WeightsT[l].CopyTo(_mw[l], 0); state.Second.WeightsT[l].CopyTo(_vw[l], 0);
            state.First.Biases[l].CopyTo(_mb[l], 0); state.Second.Biases[l].CopyTo(_vb[l], 0);
        }
    }

    public string Device => "CPU";

    public NeuralParameters Snapshot() => new NeuralParameters(_wt, _b).Copy();

    public NeuralTrainingState State() => new(Snapshot(), new NeuralParameters(_mw, _mb).Copy(), new NeuralParameters(_vw, _vb).Copy());

    public void Restore(NeuralTrainingState state)
    {
        var from = state.Arrays();
        var into = new NeuralTrainingState(new NeuralParameters(_wt, _b), new NeuralParameters(_mw, _mb), new NeuralParameters(_vw, _vb)).Arrays();
        if (from.Length != into.Length || from.Where((a, i) => a.Length != into[i].Length).Any()) throw new BlaseDataException("the checkpoint's network has another shape", null);
        for (int i = 0; i < into.Length; i++) from[i].CopyTo(into[i], 0);
    }

    public void Dispose() { }

    /// <summary>Buffers for one batch: inputs, pre-activations, activations and their gradients, weight gradients.</summary>
    private sealed class Workspace
    {
        public Workspace(int rows, int labels, int hidden, int pixels)
        {
            if ((long)rows * pixels > int.MaxValue) throw new ArgumentException("the batch is too large for one array");
            X = new float[rows * labels]; Y = new float[rows * pixels];
            Z1 = new float[rows * hidden]; A1 = new float[rows * hidden]; Z2 = new float[rows * hidden]; A2 = new float[rows * hidden];
            Out = new float[rows * pixels];
            DA1 = new float[rows * hidden]; DA2 = new float[rows * hidden];
            GW = new[] { new float[labels * hidden], new float[hidden * hidden], new float[hidden * pixels] };
            GB = new[] { new float[hidden], new float[hidden], new float[pixels] };
            Rows = rows;
        }
        public readonly float[] X, Y, Z1, A1, Z2, A2, Out, DA1, DA2;
        public readonly float[][] GW, GB;
        public readonly int Rows;
    }

    private void Gather(ReadOnlySpan<int> rows)
    {
        for (int r = 0; r < rows.Length; r++)
        {
            Array.Copy(_x, rows[r] * _labels, _work.X, r * _labels, _labels);
            Array.Copy(_y, (long)rows[r] * _pixels, _work.Y, (long)r * _pixels, _pixels);
        }
    }

    /// <summary>Forward pass of <paramref name="m"/> gathered rows.</summary>
    private void Forward(int m)
    {
        var w = _work;
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

    public double Loss(int[] rows)
    {
        double sum = 0;
        int capacity = _work.Rows;
        for (int s = 0; s < rows.Length; s += capacity)
        {
            int m = Math.Min(capacity, rows.Length - s);
            Gather(rows.AsSpan(s, m));
            Forward(m);
            sum += AbsoluteError(_work.Out, _work.Y, m * _pixels, null);
        }
        return sum / ((double)rows.Length * _pixels);
    }

    /// <summary>Σ|out − y|; with <paramref name="gradient"/>, also writes sign(out − y)·g over out.</summary>
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

    /// <summary>Backpropagation of L = mean |out − y| over the batch into the workspace's gradients; returns L.</summary>
    private double Backward(int[] rows)
    {
        int m = rows.Length;
        var w = _work;
        Gather(rows);
        Forward(m);
        // ∂L/∂out = sign(out − y)/(m·pixels), written over Out.
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
        return loss;
    }

    public NeuralParameters Gradient(int[] rows)
    {
        Backward(rows);
        return new NeuralParameters(_work.GW, _work.GB).Copy();
    }

    public double Step(int[] rows, float learningRate, int step)
    {
        double loss = Backward(rows);
        for (int l = 0; l < 3; l++)
        {
            Adam(_wt[l], _work.GW[l], _mw[l], _vw[l], learningRate, step);
            Adam(_b[l], _work.GB[l], _mb[l], _vb[l], learningRate, step);
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
        var (c1, c2) = AdamSettings.Corrections(step);
        int chunks = Math.Max(1, Math.Min(16, w.Length / 32768));
        Parallel.For(0, chunks, c =>
        {
            int from = (int)((long)w.Length * c / chunks), to = (int)((long)w.Length * (c + 1) / chunks);
            for (int i = from; i < to; i++)
            {
                float gi = g[i];
                float mi = m[i] = AdamSettings.Beta1 * m[i] + (1 - AdamSettings.Beta1) * gi;
                float vi = v[i] = AdamSettings.Beta2 * v[i] + (1 - AdamSettings.Beta2) * gi * gi;
                w[i] -= lr * (mi * c1) / (MathF.Sqrt(vi * c2) + AdamSettings.Epsilon);
            }
        });
    }
}

/// <summary>Adam's constants (Kingma &amp; Ba 2015, the defaults PyTorch uses) and its bias corrections.</summary>
internal static class AdamSettings
{
    public const float Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;

    /// <summary>1/(1 − β₁ᵗ) and 1/(1 − β₂ᵗ) at step t.</summary>
    public static (float C1, float C2) Corrections(int step) =>
        ((float)(1 / (1 - Math.Pow(Beta1, step))), (float)(1 / (1 - Math.Pow(Beta2, step))));
}
