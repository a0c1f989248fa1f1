using Blase.Engine.Lines;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Blase.Engine.Compute;

/// <summary>
/// The line kernels on an ILGPU accelerator (CUDA, or ILGPU's CPU simulator in tests). Each line is one group of
/// 32 threads (one warp) striding its window: line constants and windows are computed on the device from the parameters; the
/// forward pass adds ln(1 − a·V) into the per-pixel log-flux with double atomics; the gradient pass sums each line's
/// 4 gradient and 10 curvature terms in double and adds them once per thread. Offsets Δ = λ − λc and all sums are
/// double; the exponentials and logarithms are evaluated in float (ILGPU's double transcendentals are ~100× slower on
/// CUDA), except ln(1 − u) for u &lt; 1e-3, which uses its double series so that weak wings lose nothing.
/// Supports the pseudo-Voigt profiles (blasé mixture and TCH); the exact Voigt runs on the CPU backend.
/// <para>
/// Sharing a GPU: every GPU object of a run (these kernels, <see cref="GpuTransferKernels"/>, the neural backend) owns its
/// ILGPU context and accelerator unless handed one by the run's own objects; nothing device-side is static or shared between
/// runs, so runs in several runspaces each have their own CUDA context, which the driver time-slices on one GPU. An object is
/// used by one thread at a time (its run's), and binds its accelerator to the calling thread at each entry, since a run
/// may move between threads (pipelines, thread jobs).
/// </para>
/// </summary>
public sealed class GpuLineKernels : ILineKernels
{
    private readonly int _groupSize; // one warp on CUDA; the simulator's groups are smaller
    private const int Consts = 11; // amp, Se, Ge, Eta, dEta/dlnS, dEta/dlnG, dSe/dlnS, dSe/dlnG, dGe/dlnS, dGe/dlnG, spare

    private readonly Context? _context;
    private readonly Accelerator _acc;
    private readonly bool _owns;
    private readonly double _maxHalfWidth; // the window cap, of the whole grid when this is one chunk of it
    private readonly int _countFrom, _countTo; // the pixels whose line-pixel pairs PairCount counts
    private readonly LineModel _m;
    private readonly double[] _wave;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _dWave, _dParams, _dConsts, _dLnS, _dQ, _dH, _dGrad, _dBlocks;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _dStart, _dEnd;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, ArrayView<int>, PrepareSettings> _prepare;
    private readonly Action<KernelConfig, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, ArrayView<int>, ArrayView<double>, int> _forward;
    private readonly Action<KernelConfig, GradientViews, int> _gradient;

    public GpuLineKernels(LineModel model, double[] wavelength, DeviceKind kind = DeviceKind.Cuda)
        : this(model, wavelength, Open(kind), owns: true, LineKernels.MaxHalfWidthOn(wavelength), 0, wavelength.Length) { }

    /// <summary>
    /// On an accelerator the caller owns (<see cref="ChunkedGpuLineKernels"/>: one chunk of a larger problem at a time), with
    /// the window cap of the whole grid, counting the line-pixel pairs in [<paramref name="countFrom"/>, <paramref name="countTo"/>)
    /// only (the chunk's own pixels, not its margins).
    /// </summary>
    internal GpuLineKernels(LineModel model, double[] wavelength, Accelerator accelerator, double maxHalfWidth, int countFrom, int countTo)
        : this(model, wavelength, (null, accelerator), owns: false, maxHalfWidth, countFrom, countTo) { }

    /// <summary>A context and accelerator of their own: the first CUDA GPU, or (<see cref="DeviceKind.Cpu"/>) ILGPU's simulator.</summary>
    internal static (Context?, Accelerator) Open(DeviceKind kind)
    {
        var context = Context.Create(b => (kind == DeviceKind.Cuda ? b.Cuda() : b.CPU()).Math(MathMode.Default).EnableAlgorithms());
        try
        {
            return (context, kind == DeviceKind.Cuda ? context.CreateCudaAccelerator(0) : context.CreateCPUAccelerator(0));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private GpuLineKernels(LineModel model, double[] wavelength, (Context? Context, Accelerator Accelerator) device, bool owns,
        double maxHalfWidth, int countFrom, int countTo)
    {
        _m = model;
        _wave = wavelength;
        (_context, _acc) = device;
        _owns = owns;
        _maxHalfWidth = maxHalfWidth;
        _countFrom = countFrom;
        _countTo = countTo;
        try
        {
            if (model.Profile == ProfileShape.Voigt) throw new NotSupportedException("the exact Voigt profile runs on the CPU backend only");
            int n = wavelength.Length, lines = model.Count;
            _groupSize = Math.Min(32, _acc.MaxNumThreadsPerGroup);
            _dWave = _acc.Allocate1D(wavelength);
            _dParams = _acc.Allocate1D<double>(4L * lines);
            _dConsts = _acc.Allocate1D<double>((long)Consts * lines);
            _dStart = _acc.Allocate1D<int>(lines);
            _dEnd = _acc.Allocate1D<int>(lines);
            _dLnS = _acc.Allocate1D<double>(n);
            _dQ = _acc.Allocate1D<double>(n);
            _dH = _acc.Allocate1D<double>(n);
            _dGrad = _acc.Allocate1D<double>(4L * lines);
            _dBlocks = _acc.Allocate1D<double>(10L * lines);
            _prepare = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, ArrayView<int>, PrepareSettings>(PrepareKernel);
            _forward = _acc.LoadStreamKernel<ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, ArrayView<int>, ArrayView<double>, int>(ForwardKernel);
            _gradient = _acc.LoadStreamKernel<GradientViews, int>(GradientKernel);
            Device = _acc.AcceleratorType == AcceleratorType.Cuda ? $"CUDA ({_acc.Name})" : $"ILGPU CPU simulator ({_acc.Name})";
            Refresh();
        }
        catch
        {
            Dispose(); // what was allocated, and the accelerator when it is ours
            throw;
        }
    }

    /// <summary>Device memory the problem needs, in bytes: say it before allocating.</summary>
    public static long BytesNeeded(int lines, int pixels) => 8L * (4L * pixels + (4 + Consts + 4 + 10) * (long)lines) + 8L * lines;

    public LineModel Model => _m;
    public double[] Wavelength => _wave;
    public string Device { get; } = "";
    public long PairCount { get; private set; }
    /// <summary>A test hook: faults injected into this object's kernel launches.</summary>
    internal DeviceFaultInjector? Faults { get; init; }

    public void Refresh()
    {
        _acc.Bind();
        int lines = _m.Count;
        var p = new double[4 * lines];
        for (int j = 0; j < lines; j++)
        {
            p[4 * j] = _m.Center[j]; p[4 * j + 1] = _m.LnAmplitude[j]; p[4 * j + 2] = _m.LnSigma[j]; p[4 * j + 3] = _m.LnGamma[j];
        }
        _dParams.CopyFromCPU(p);
        Prepare(_dParams.View);
        var s = _dStart.GetAsArray1D();
        var e = _dEnd.GetAsArray1D();
        long pairs = 0;
        for (int j = 0; j < lines; j++) pairs += Math.Max(0, Math.Min(e[j], _countTo) - Math.Max(s[j], _countFrom));
        PairCount = pairs;
    }

    public double[] LogFlux()
    {
        _acc.Bind();
        Forward(_dParams.View);
        return _dLnS.GetAsArray1D();
    }

    public void Gradient(double[] q, double[]? h, double[] gradLines, double[]? blocks)
    {
        _acc.Bind();
        _dQ.CopyFromCPU(q);
        if (h is not null) _dH.CopyFromCPU(h);
        GradientOf(_dParams.View, h is not null);
        Array.Copy(_dGrad.GetAsArray1D(), gradLines, 4 * _m.Count);
        if (blocks is not null) Array.Copy(_dBlocks.GetAsArray1D(), blocks, 10 * _m.Count);
    }

    // ---- device-side steps for a training loop that stays on the device (GpuTrainer) ----

    internal Accelerator Accelerator => _acc;
    internal int GroupSize => _groupSize;
    internal ArrayView<double> WaveView => _dWave.View;
    internal ArrayView<double> LnSView => _dLnS.View;
    internal ArrayView<double> QView => _dQ.View;
    internal ArrayView<double> HView => _dH.View;
    internal ArrayView<double> GradView => _dGrad.View;
    internal ArrayView<double> BlocksView => _dBlocks.View;

    /// <summary>Line constants and windows for the line parameters in <paramref name="p"/> (4 per line), on the device.</summary>
    internal void Prepare(ArrayView<double> p)
    {
        Faults?.Launch();
        _prepare(_m.Count, p, _dWave.View, _dConsts.View, _dStart.View, _dEnd.View,
            new PrepareSettings(_wave.Length, _m.Tolerance, _m.WingCut ?? 0, _m.Profile == ProfileShape.Tch ? 1 : 0, _maxHalfWidth));
    }

    /// <summary>Log-flux of the lines in <paramref name="p"/> into the device log-flux buffer (after <see cref="Prepare"/>).</summary>
    internal void Forward(ArrayView<double> p)
    {
        _dLnS.MemSetToZero();
        Faults?.Launch();
        _forward(new KernelConfig(_m.Count, _groupSize), _dWave.View, p, _dConsts.View, _dStart.View, _dEnd.View, _dLnS.View,
            _m.Mode == CombinationMode.Linear ? 1 : 0);
    }

    /// <summary>Gradient and curvature blocks from the device q and h buffers, for the lines in <paramref name="p"/>.</summary>
    internal void GradientOnDevice(ArrayView<double> p) => GradientOf(p, blocks: true);

    private void GradientOf(ArrayView<double> p, bool blocks)
    {
        _dGrad.MemSetToZero();
        _dBlocks.MemSetToZero();
        Faults?.Launch();
        _gradient(new KernelConfig(_m.Count, _groupSize),
            new GradientViews(_dWave.View, p, _dConsts.View, _dStart.View, _dEnd.View, _dQ.View, _dH.View, _dGrad.View, _dBlocks.View),
            (_m.Mode == CombinationMode.Linear ? 1 : 0) | (blocks ? 2 : 0));
    }

    public void Dispose()
    {
        // After a failed construction some buffers were never allocated.
        foreach (var b in new MemoryBuffer?[] { _dWave, _dParams, _dConsts, _dLnS, _dQ, _dH, _dGrad, _dBlocks, _dStart, _dEnd }) b?.Dispose();
        if (!_owns) return;
        _acc.Dispose();
        _context?.Dispose();
    }

    // ---------------- kernels ----------------

    public readonly struct PrepareSettings
    {
        public PrepareSettings(int pixels, double tolerance, int wingCut, int tch, double maxHalfWidth)
        { Pixels = pixels; Tolerance = tolerance; WingCut = wingCut; Tch = tch; MaxHalfWidth = maxHalfWidth; }
        public readonly int Pixels; public readonly double Tolerance; public readonly int WingCut; public readonly int Tch; public readonly double MaxHalfWidth;
    }

    public readonly struct GradientViews
    {
        public GradientViews(ArrayView<double> wave, ArrayView<double> p, ArrayView<double> c, ArrayView<int> start, ArrayView<int> end,
            ArrayView<double> q, ArrayView<double> h, ArrayView<double> grad, ArrayView<double> blocks)
        { Wave = wave; Params = p; Consts = c; Start = start; End = end; Q = q; H = h; Grad = grad; Blocks = blocks; }
        public readonly ArrayView<double> Wave, Params, Consts; public readonly ArrayView<int> Start, End;
        public readonly ArrayView<double> Q, H, Grad, Blocks;
    }

    private static int LowerBound(ArrayView<double> x, int n, double value)
    {
        int lo = 0, hi = n;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (x[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    // The line's constants from LineShape itself (the one definition of the profile), and the window rule of LineKernels.Refresh.
    private static void PrepareKernel(Index1D j, ArrayView<double> p, ArrayView<double> wave, ArrayView<double> c, ArrayView<int> start, ArrayView<int> end, PrepareSettings s)
    {
        double center = p[4 * j], amp = XMath.Exp(p[4 * j + 1]);
        var shape = new LineShape(s.Tch == 1 ? ProfileShape.Tch : ProfileShape.PseudoVoigt, XMath.Exp(p[4 * j + 2]), XMath.Exp(p[4 * j + 3]));
        int b = Consts * j;
        c[b] = amp; c[b + 1] = shape.Se; c[b + 2] = shape.Ge; c[b + 3] = shape.Eta; c[b + 4] = shape.DEtaDLnS; c[b + 5] = shape.DEtaDLnG;
        c[b + 6] = shape.DSeDLnS; c[b + 7] = shape.DSeDLnG; c[b + 8] = shape.DGeDLnS; c[b + 9] = shape.DGeDLnG;
        int n = s.Pixels;
        if (s.WingCut > 0)
        {
            int mid = LowerBound(wave, n, center);
            start[j] = XMath.Clamp(mid - s.WingCut / 2, 0, n);
            end[j] = XMath.Clamp(mid + s.WingCut / 2, 0, n);
            return;
        }
        double hw = XMath.Min(shape.HalfWidth(amp, s.Tolerance), s.MaxHalfWidth);
        start[j] = LowerBound(wave, n, center - hw);
        end[j] = LowerBound(wave, n, center + hw);
    }

    // ln(1 − u): the double series where float would lose the small u, float log elsewhere.
    private static double Log1mu(double u) =>
        u < 1e-3 ? -u * (1 + u * (0.5 + u * (1.0 / 3 + u * 0.25))) : XMath.Log((float)(1 - u));

    private static void ForwardKernel(ArrayView<double> wave, ArrayView<double> p, ArrayView<double> c, ArrayView<int> start, ArrayView<int> end,
        ArrayView<double> lnS, int linear)
    {
        int j = Grid.IdxX;
        int b = Consts * j;
        double center = p[4 * j], amp = c[b], se = c[b + 1], ge = c[b + 2], eta = c[b + 3];
        double norm = 1 / (se * 2.5066282746310002), inv2s2 = 0.5 / (se * se), ge2 = ge * ge;
        for (int i = start[j] + Group.IdxX; i < end[j]; i += Group.DimX)
        {
            double d = wave[i] - center;
            double l = ge / (XMath.PI * (ge2 + d * d));
            double g = XMath.Exp((float)(-d * d * inv2s2)) * norm;
            double u = amp * (eta * l + (1 - eta) * g);
            double v = linear == 1 ? Log1mu(XMath.Min(u, LineKernels.MaxAbsorption)) : -u;
            Atomic.Add(ref lnS[i], v);
        }
    }

    private static void GradientKernel(GradientViews k, int flags)
    {
        int j = Grid.IdxX;
        int b = Consts * j;
        bool linear = (flags & 1) != 0, blocks = (flags & 2) != 0;
        double center = k.Params[4 * j], amp = k.Consts[b], se = k.Consts[b + 1], ge = k.Consts[b + 2], eta = k.Consts[b + 3];
        double dEtaS = k.Consts[b + 4], dEtaG = k.Consts[b + 5], dSeS = k.Consts[b + 6], dSeG = k.Consts[b + 7], dGeS = k.Consts[b + 8], dGeG = k.Consts[b + 9];
        double norm = 1 / (se * 2.5066282746310002), inv2s2 = 0.5 / (se * se), ge2 = ge * ge;
        double g0 = 0, g1 = 0, g2 = 0, g3 = 0;
        double h00 = 0, h01 = 0, h02 = 0, h03 = 0, h11 = 0, h12 = 0, h13 = 0, h22 = 0, h23 = 0, h33 = 0;
        for (int i = k.Start[j] + Group.IdxX; i < k.End[j]; i += Group.DimX)
        {
            double d = k.Wave[i] - center;
            double den = ge2 + d * d;
            double l = ge / (XMath.PI * den);
            double g = XMath.Exp((float)(-d * d * inv2s2)) * norm;
            double v = eta * l + (1 - eta) * g;
            double u = amp * v;
            if (linear && u >= LineKernels.MaxAbsorption) continue;
            double dl = -2 * d / den * l, dg = -d / (se * se) * g;
            double lGe = l * (1 / ge - 2 * ge / den), gSe = g * (d * d / (se * se * se) - 1 / se);
            double dD = eta * dl + (1 - eta) * dg;
            double dS = dEtaS * (l - g) + eta * lGe * dGeS + (1 - eta) * gSe * dSeS;
            double dG = dEtaG * (l - g) + eta * lGe * dGeG + (1 - eta) * gSe * dSeG;
            double f = linear ? -1 / (1 - u) : -1;
            double d0 = -f * amp * dD, d1 = f * u, d2 = f * amp * dS, d3 = f * amp * dG;
            double qi = k.Q[i];
            g0 += qi * d0; g1 += qi * d1; g2 += qi * d2; g3 += qi * d3;
            if (!blocks) continue;
            double hi = k.H[i];
            h00 += hi * d0 * d0; h01 += hi * d0 * d1; h02 += hi * d0 * d2; h03 += hi * d0 * d3;
            h11 += hi * d1 * d1; h12 += hi * d1 * d2; h13 += hi * d1 * d3;
            h22 += hi * d2 * d2; h23 += hi * d2 * d3; h33 += hi * d3 * d3;
        }
        Atomic.Add(ref k.Grad[4 * j], g0); Atomic.Add(ref k.Grad[4 * j + 1], g1);
        Atomic.Add(ref k.Grad[4 * j + 2], g2); Atomic.Add(ref k.Grad[4 * j + 3], g3);
        if (!blocks) return;
        int o = 10 * j;
        Atomic.Add(ref k.Blocks[o], h00); Atomic.Add(ref k.Blocks[o + 1], h01); Atomic.Add(ref k.Blocks[o + 2], h02); Atomic.Add(ref k.Blocks[o + 3], h03);
        Atomic.Add(ref k.Blocks[o + 4], h11); Atomic.Add(ref k.Blocks[o + 5], h12); Atomic.Add(ref k.Blocks[o + 6], h13);
        Atomic.Add(ref k.Blocks[o + 7], h22); Atomic.Add(ref k.Blocks[o + 8], h23); Atomic.Add(ref k.Blocks[o + 9], h33);
    }
}
