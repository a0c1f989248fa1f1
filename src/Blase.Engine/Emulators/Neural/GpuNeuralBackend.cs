using Blase.Engine.Compute;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Blase.Engine.Emulators.Neural;

/// <summary>
/// Training steps on an ILGPU accelerator (CUDA, or ILGPU's CPU simulator in tests): the same function as
/// <see cref="CpuNeuralBackend"/>, with the training set, the parameters and Adam's moments kept on the device. A step gathers
/// the batch's rows, runs the forward pass (one thread per output element, z = b + a·Wᵀ, LeakyReLU fused), the L1 gradient,
/// backpropagation (weight gradients Aᵀ·δ, activation gradients δ·W with the LeakyReLU derivative fused, bias gradients as
/// column sums) and Adam, one kernel each; the host reads back only the batch's per-row absolute errors. Single precision
/// throughout, as on the CPU.
/// </summary>
public sealed class GpuNeuralBackend : INeuralBackend
{
    private readonly Context _context;
    private readonly Accelerator _acc;
    private readonly int _labels, _hidden, _pixels, _maxRows;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _x, _y, _bx, _by, _z1, _a1, _z2, _a2, _out, _d1, _d2;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>[] _wt, _b, _gw, _gb, _mw, _vw, _mb, _vb;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _rows;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _rowLoss;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int> _gather;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerShape> _affine;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<double>, int, float> _l1;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerShape> _transposedA;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerShape> _transposedB;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> _columnSums;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamStep> _adam;

    /// <summary>m × k by k × n (or its transposes), and whether LeakyReLU follows (kernel arguments: public for ILGPU).</summary>
    public readonly record struct LayerShape(int M, int K, int N, int Leaky);
    public readonly record struct AdamStep(float LearningRate, float C1, float C2);

    internal GpuNeuralBackend(NeuralParameters start, float[] x, float[] y, int labels, int pixels, int maxRows, DeviceKind kind)
    {
        _labels = labels; _hidden = start.Biases[0].Length; _pixels = pixels; _maxRows = maxRows;
        _context = Context.Create(b => (kind == DeviceKind.Cuda ? b.Cuda() : b.CPU()).Math(MathMode.Default).EnableAlgorithms());
        try
        {
            _acc = kind == DeviceKind.Cuda ? _context.CreateCudaAccelerator(0) : _context.CreateCPUAccelerator(0);
        }
        catch
        {
            _context.Dispose();
            throw;
        }
        Device = kind == DeviceKind.Cuda ? $"CUDA ({_acc.Name})" : $"ILGPU CPU simulator ({_acc.Name})";
        _x = _acc.Allocate1D(x);
        _y = _acc.Allocate1D(y);
        _bx = _acc.Allocate1D<float>((long)maxRows * labels);
        _by = _acc.Allocate1D<float>((long)maxRows * pixels);
        _z1 = _acc.Allocate1D<float>((long)maxRows * _hidden); _a1 = _acc.Allocate1D<float>((long)maxRows * _hidden);
        _z2 = _acc.Allocate1D<float>((long)maxRows * _hidden); _a2 = _acc.Allocate1D<float>((long)maxRows * _hidden);
        _d1 = _acc.Allocate1D<float>((long)maxRows * _hidden); _d2 = _acc.Allocate1D<float>((long)maxRows * _hidden);
        _out = _acc.Allocate1D<float>((long)maxRows * pixels);
        _rows = _acc.Allocate1D<int>(maxRows);
        _rowLoss = _acc.Allocate1D<double>(maxRows);
        _wt = start.WeightsT.Select(w => _acc.Allocate1D(w)).ToArray();
        _b = start.Biases.Select(b => _acc.Allocate1D(b)).ToArray();
        MemoryBuffer1D<float, Stride1D.Dense>[] Zeros(float[][] like) => like.Select(a => { var m = _acc.Allocate1D<float>(a.Length); m.MemSetToZero(); return m; }).ToArray();
        _gw = Zeros(start.WeightsT); _mw = Zeros(start.WeightsT); _vw = Zeros(start.WeightsT);
        _gb = Zeros(start.Biases); _mb = Zeros(start.Biases); _vb = Zeros(start.Biases);
        _gather = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int>(GatherKernel);
        _affine = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerShape>(AffineKernel);
        _l1 = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<double>, int, float>(L1Kernel);
        _transposedA = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerShape>(TransposedAKernel);
        _transposedB = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerShape>(TransposedBKernel);
        _columnSums = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(ColumnSumKernel);
        _adam = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamStep>(AdamKernel);
    }

    public string Device { get; }
    /// <summary>A test hook: faults injected before each batch's kernel launches (a step, a loss).</summary>
    internal DeviceFaultInjector? Faults { get; init; }

    // ---- kernels ----

    /// <summary>dst[r, c] = src[rows[r], c] for a row width w.</summary>
    private static void GatherKernel(Index1D i, ArrayView<float> src, ArrayView<float> dst, ArrayView<int> rows, int width)
    {
        int r = i / width, c = i - r * width;
        dst[i] = src[(long)rows[r] * width + c];
    }

    /// <summary>z[i, j] = b[j] + Σ_k a[i, k]·wt[k, j]; act = LeakyReLU(z) when asked, else z.</summary>
    private static void AffineKernel(Index1D idx, ArrayView<float> a, ArrayView<float> wt, ArrayView<float> b, ArrayView<float> z, ArrayView<float> act, LayerShape s)
    {
        int i = idx / s.N, j = idx - i * s.N;
        float sum = b[j];
        for (int k = 0; k < s.K; k++) sum += a[i * s.K + k] * wt[(long)k * s.N + j];
        z[idx] = sum;
        act[idx] = s.Leaky != 0 && sum < 0 ? (float)NeuralEmulator.LeakySlope * sum : sum;
    }

    /// <summary>Per row r: loss[r] = Σ_j |out − y|; out becomes sign(out − y)·g (the gradient of the mean).</summary>
    private static void L1Kernel(Index1D r, ArrayView<float> output, ArrayView<float> y, ArrayView<double> loss, int width, float g)
    {
        double s = 0;
        long o = (long)(int)r * width;
        for (int j = 0; j < width; j++)
        {
            float d = output[o + j] - y[o + j];
            s += d < 0 ? -d : d;
            output[o + j] = d > 0 ? g : d < 0 ? -g : 0;
        }
        loss[r] = s;
    }

    /// <summary>c[i, j] = Σ_k a[k, i]·b[k, j], a: K × M, b: K × N.</summary>
    private static void TransposedAKernel(Index1D idx, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, LayerShape s)
    {
        int i = idx / s.N, j = idx - i * s.N;
        float sum = 0;
        for (int k = 0; k < s.K; k++) sum += a[(long)k * s.M + i] * b[(long)k * s.N + j];
        c[idx] = sum;
    }

    /// <summary>c[i, j] = (Σ_k a[i, k]·b[j, k])·LeakyReLU′(z[i, j]), a: M × K, b: N × K.</summary>
    private static void TransposedBKernel(Index1D idx, ArrayView<float> a, ArrayView<float> b, ArrayView<float> z, ArrayView<float> c, LayerShape s)
    {
        int i = idx / s.N, j = idx - i * s.N;
        float sum = 0;
        for (int k = 0; k < s.K; k++) sum += a[(long)i * s.K + k] * b[(long)j * s.K + k];
        c[idx] = z[idx] < 0 ? (float)NeuralEmulator.LeakySlope * sum : sum;
    }

    /// <summary>sums[j] = Σ_i a[i, j] over m rows of width n.</summary>
    private static void ColumnSumKernel(Index1D j, ArrayView<float> a, ArrayView<float> sums, int m, int n)
    {
        float s = 0;
        for (int i = 0; i < m; i++) s += a[(long)i * n + j];
        sums[j] = s;
    }

    private static void AdamKernel(Index1D i, ArrayView<float> w, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamStep s)
    {
        float gi = g[i];
        float mi = AdamSettings.Beta1 * m[i] + (1 - AdamSettings.Beta1) * gi;
        float vi = AdamSettings.Beta2 * v[i] + (1 - AdamSettings.Beta2) * gi * gi;
        m[i] = mi; v[i] = vi;
        w[i] -= s.LearningRate * (mi * s.C1) / (XMath.Sqrt(vi * s.C2) + AdamSettings.Epsilon);
    }

    // ---- the steps ----

    private void Gather(ReadOnlySpan<int> rows)
    {
        int m = rows.Length;
        _rows.View.SubView(0, m).CopyFromCPU(rows.ToArray());
        _gather(m * _labels, _x.View, _bx.View, _rows.View, _labels);
        _gather(m * _pixels, _y.View, _by.View, _rows.View, _pixels);
    }

    private void Forward(int m)
    {
        _affine(m * _hidden, _bx.View, _wt[0].View, _b[0].View, _z1.View, _a1.View, new LayerShape(m, _labels, _hidden, 1));
        _affine(m * _hidden, _a1.View, _wt[1].View, _b[1].View, _z2.View, _a2.View, new LayerShape(m, _hidden, _hidden, 1));
        _affine(m * _pixels, _a2.View, _wt[2].View, _b[2].View, _out.View, _out.View, new LayerShape(m, _hidden, _pixels, 0));
    }

    /// <summary>Forward, L1 gradient and backpropagation into the gradient buffers; returns the batch's mean |out − y|.</summary>
    private double Backward(int[] rows)
    {
        Faults?.Launch();
        _acc.Bind();
        int m = rows.Length;
        Gather(rows);
        Forward(m);
        _l1(m, _out.View, _by.View, _rowLoss.View, _pixels, 1f / ((float)m * _pixels));
        var dOut = _out.View;
        _transposedA(_hidden * _pixels, _a2.View, dOut, _gw[2].View, new LayerShape(_hidden, m, _pixels, 0));
        _columnSums(_pixels, dOut, _gb[2].View, m, _pixels);
        _transposedB(m * _hidden, dOut, _wt[2].View, _z2.View, _d2.View, new LayerShape(m, _pixels, _hidden, 1));
        _transposedA(_hidden * _hidden, _a1.View, _d2.View, _gw[1].View, new LayerShape(_hidden, m, _hidden, 0));
        _columnSums(_hidden, _d2.View, _gb[1].View, m, _hidden);
        _transposedB(m * _hidden, _d2.View, _wt[1].View, _z1.View, _d1.View, new LayerShape(m, _hidden, _hidden, 1));
        _transposedA(_labels * _hidden, _bx.View, _d1.View, _gw[0].View, new LayerShape(_labels, m, _hidden, 0));
        _columnSums(_hidden, _d1.View, _gb[0].View, m, _hidden);
        var loss = _rowLoss.View.SubView(0, m).GetAsArray1D();
        return loss.Sum() / ((double)m * _pixels);
    }

    double INeuralBackend.Step(int[] rows, float learningRate, int step)
    {
        double loss = Backward(rows);
        var (c1, c2) = AdamSettings.Corrections(step);
        var s = new AdamStep(learningRate, c1, c2);
        for (int l = 0; l < 3; l++)
        {
            _adam((int)_wt[l].Length, _wt[l].View, _gw[l].View, _mw[l].View, _vw[l].View, s);
            _adam((int)_b[l].Length, _b[l].View, _gb[l].View, _mb[l].View, _vb[l].View, s);
        }
        return loss;
    }

    double INeuralBackend.Loss(int[] rows)
    {
        Faults?.Launch();
        _acc.Bind();
        double sum = 0;
        for (int s = 0; s < rows.Length; s += _maxRows)
        {
            int m = Math.Min(_maxRows, rows.Length - s);
            Gather(rows.AsSpan(s, m));
            Forward(m);
            _l1(m, _out.View, _by.View, _rowLoss.View, _pixels, 0f);
            sum += _rowLoss.View.SubView(0, m).GetAsArray1D().Sum();
        }
        return sum / ((double)rows.Length * _pixels);
    }

    NeuralParameters INeuralBackend.Gradient(int[] rows)
    {
        Backward(rows);
        return new NeuralParameters(_gw.Select(g => g.GetAsArray1D()).ToArray(), _gb.Select(g => g.GetAsArray1D()).ToArray());
    }

    NeuralParameters INeuralBackend.Snapshot() => Download(_wt, _b);

    NeuralTrainingState INeuralBackend.State() => new(Download(_wt, _b), Download(_mw, _mb), Download(_vw, _vb));

    private NeuralParameters Download(MemoryBuffer1D<float, Stride1D.Dense>[] weights, MemoryBuffer1D<float, Stride1D.Dense>[] biases)
    {
        _acc.Bind();
        return new(weights.Select(w => w.GetAsArray1D()).ToArray(), biases.Select(b => b.GetAsArray1D()).ToArray());
    }

    /// <summary>Device memory the backend takes, in bytes: the training set, one batch's activations, and the parameters with
    /// their gradients and Adam's two moments.</summary>
    public static long BytesNeeded(int rows, int labels, int hidden, int pixels, int maxRows)
    {
        long parameters = (long)labels * hidden + (long)hidden * hidden + (long)hidden * pixels + 2L * hidden + pixels;
        return 4L * ((long)rows * (labels + pixels) + (long)maxRows * (labels + 2L * pixels + 6L * hidden) + 4 * parameters) + 12L * maxRows;
    }

    void INeuralBackend.Restore(NeuralTrainingState state)
    {
        _acc.Bind();
        var from = state.Arrays();
        var into = _wt.Concat(_b).Concat(_mw).Concat(_mb).Concat(_vw).Concat(_vb).ToArray();
        if (from.Length != into.Length || from.Where((a, i) => a.Length != into[i].Length).Any()) throw new BlaseDataException("the checkpoint's network has another shape", null);
        for (int i = 0; i < into.Length; i++) into[i].CopyFromCPU(from[i]);
    }

    public void Dispose()
    {
        foreach (var buffer in new MemoryBuffer[] { _x, _y, _bx, _by, _z1, _a1, _z2, _a2, _out, _d1, _d2, _rows, _rowLoss }
                     .Concat(_wt).Concat(_b).Concat(_gw).Concat(_gb).Concat(_mw).Concat(_vw).Concat(_mb).Concat(_vb))
            buffer.Dispose();
        _acc.Dispose();
        _context.Dispose();
    }
}
