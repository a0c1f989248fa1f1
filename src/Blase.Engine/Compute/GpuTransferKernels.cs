using Blase.Engine.Transfer;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Blase.Engine.Compute;

/// <summary>
/// The transfer's linear stages on an ILGPU accelerator (CUDA, or ILGPU's CPU simulator in tests): the twins of
/// <see cref="RotationalBroadening"/> (convolution, its adjoint, the v sin i derivative) and <see cref="InstrumentProfile"/>
/// (W·F, Wᵀ·g, the d ln R derivative). All in double: these are multiply-adds only.
/// <para>
/// No atomics: the rotation's adjoint is written as a gather (each output m sums its taps over the k = m + t in [from, to)),
/// and Wᵀ·g as a gather over the pixel rows that touch each fine point (the range of rows per fine point is found on the host
/// from the rows' [lo, lo + len) when the weights are uploaded; rows in that range that skip the point are tested and passed).
/// Each output is summed in the CPU method's own order, starting from the value already in the output where the CPU method
/// adds into it, so the vector stages agree with the CPU to rounding (bit for bit on the simulator). The two derivatives are
/// dot products: per-element products in the CPU's order, then a fixed strided reduction (deterministic, but not the CPU's
/// sequential order; they agree to a few ulps of Σ|terms|).
/// </para>
/// <para>
/// Two ways to call: the host-array methods mirror the CPU methods' signatures and semantics (upload, run, download; for tests
/// and drop-in use), and the internal view methods run on device buffers so a caller can keep the chain on the device.
/// </para>
/// </summary>
public sealed class GpuTransferKernels : IDisposable
{
    private const int Partials = 256; // threads of the reduction's first stage (their sums are added on the host)

    private readonly Context? _context;
    private readonly Accelerator _acc;
    private readonly bool _owns;
    private readonly FineGrid _grid;
    private readonly InstrumentProfile _instrument;

    // fine-grid and pixel working buffers
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _dX, _dY, _dG, _dGx, _dProd, _dPartial, _dPix, _dGPix;
    // rotation taps
    private MemoryBuffer1D<double, Stride1D.Dense>? _dTaps, _dDTaps;
    private int _half = -1;
    // instrument rows and their transpose's coverage
    private MemoryBuffer1D<int, Stride1D.Dense>? _dLo, _dOffset, _dRowFirst, _dRowEnd;
    private MemoryBuffer1D<double, Stride1D.Dense>? _dW, _dDW;
    private double[]? _uploadedW;
    private int _kStart, _kEnd;

    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int> _convolve;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int, int> _correlate;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int> _convolveDot;
    private readonly Action<Index1D, ArrayView<double>, int, ArrayView<double>> _reduce;
    private readonly Action<Index1D, RowViews, ArrayView<double>, ArrayView<double>> _bin;
    private readonly Action<Index1D, RowViews, ArrayView<double>, ArrayView<double>, ArrayView<double>> _binDot;
    private readonly Action<Index1D, RowViews, ArrayView<double>, ArrayView<double>, int> _binAdjoint;

    /// <summary>On a context and accelerator of its own: the first CUDA GPU, or (<see cref="DeviceKind.Cpu"/>) ILGPU's simulator.</summary>
    public GpuTransferKernels(FineGrid grid, InstrumentProfile instrument, DeviceKind kind = DeviceKind.Cuda)
        : this(grid, instrument, Open(kind), owns: true) { }

    /// <summary>
    /// On an accelerator the caller owns (e.g. <see cref="GpuLineKernels"/>' own, so the star's log-flux can stay on the
    /// device): it outlives this object, which disposes only its buffers.
    /// </summary>
    internal GpuTransferKernels(FineGrid grid, InstrumentProfile instrument, Accelerator accelerator)
        : this(grid, instrument, (null, accelerator), owns: false) { }

    private static (Context?, Accelerator) Open(DeviceKind kind)
    {
        var context = Context.Create(b => (kind == DeviceKind.Cuda ? b.Cuda() : b.CPU()).Math(MathMode.Default));
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

    private GpuTransferKernels(FineGrid grid, InstrumentProfile instrument, (Context? Context, Accelerator Accelerator) device, bool owns)
    {
        _grid = grid;
        _instrument = instrument;
        (_context, _acc) = device;
        _owns = owns;
        try
        {
            int n = grid.Count, pixels = instrument.PixelCount;
            _dX = _acc.Allocate1D<double>(n);
            _dY = _acc.Allocate1D<double>(n);
            _dG = _acc.Allocate1D<double>(n);
            _dGx = _acc.Allocate1D<double>(n);
            _dProd = _acc.Allocate1D<double>(Math.Max(n, pixels));
            _dPartial = _acc.Allocate1D<double>(Partials);
            _dPix = _acc.Allocate1D<double>(pixels);
            _dGPix = _acc.Allocate1D<double>(pixels);
            _convolve = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int>(ConvolveKernel);
            _correlate = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int, int>(CorrelateKernel);
            _convolveDot = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int>(ConvolveDotKernel);
            _reduce = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, int, ArrayView<double>>(ReduceKernel);
            _bin = _acc.LoadAutoGroupedStreamKernel<Index1D, RowViews, ArrayView<double>, ArrayView<double>>(BinKernel);
            _binDot = _acc.LoadAutoGroupedStreamKernel<Index1D, RowViews, ArrayView<double>, ArrayView<double>, ArrayView<double>>(BinDotKernel);
            _binAdjoint = _acc.LoadAutoGroupedStreamKernel<Index1D, RowViews, ArrayView<double>, ArrayView<double>, int>(BinAdjointKernel);
            Device = _acc.AcceleratorType == AcceleratorType.Cuda ? $"CUDA ({_acc.Name})" : $"ILGPU CPU simulator ({_acc.Name})";
            UpdateInstrument();
        }
        catch
        {
            Dispose(); // what was allocated, and the accelerator when it is ours
            throw;
        }
    }

    /// <summary>Device memory the buffers take, in bytes, for a fine grid of n points, a pixel count, the weights' nonzeros and 2h+1 taps.</summary>
    public static long BytesNeeded(int fine, int pixels, long nonzeros, int taps) =>
        8L * (5L * fine + 2L * pixels + Partials + 2L * nonzeros + 2L * taps) + 4L * (2L * pixels + 1 + 2L * fine);

    public string Device { get; }
    public FineGrid Grid => _grid;
    /// <summary>A test hook: faults injected into this object's kernel launches.</summary>
    internal DeviceFaultInjector? Faults { get; init; }
    public InstrumentProfile Instrument => _instrument;

    /// <summary>Uploads the instrument's weights when they changed (after <see cref="InstrumentProfile.Update"/> with a new R).</summary>
    public void UpdateInstrument()
    {
        _acc.Bind();
        var (lo, offset, w, dw) = _instrument.Rows;
        if (ReferenceEquals(w, _uploadedW)) return;
        int n = lo.Length, fine = _grid.Count;
        // The transpose's coverage: for each fine point, the first pixel row that reads it and one past the last.
        var first = new int[fine];
        var end = new int[fine];
        Array.Fill(first, int.MaxValue);
        int kStart = int.MaxValue, kEnd = 0;
        for (int i = 0; i < n; i++)
        {
            int k0 = lo[i], k1 = lo[i] + offset[i + 1] - offset[i];
            for (int k = k0; k < k1; k++)
            {
                if (i < first[k]) first[k] = i;
                if (i + 1 > end[k]) end[k] = i + 1;
            }
            if (k1 > k0) { kStart = Math.Min(kStart, k0); kEnd = Math.Max(kEnd, k1); }
        }
        for (int k = 0; k < fine; k++) if (first[k] == int.MaxValue) first[k] = 0; // no row: the empty range [0, 0)
        _kStart = kEnd > 0 ? kStart : 0;
        _kEnd = kEnd;
        Replace(ref _dLo, lo);
        Replace(ref _dOffset, offset);
        Replace(ref _dRowFirst, first);
        Replace(ref _dRowEnd, end);
        Replace(ref _dW, w);
        Replace(ref _dDW, dw);
        _uploadedW = w;
    }

    /// <summary>Uploads a rotation kernel's taps and derivative taps (a no-op when it is the one already uploaded).</summary>
    public void SetRotation(RotationalBroadening rotation)
    {
        _acc.Bind();
        if (ReferenceEquals(rotation, Rotation)) return;
        Replace(ref _dTaps, rotation.Taps);
        Replace(ref _dDTaps, rotation.Derivative);
        _half = rotation.Half;
        Rotation = rotation;
    }

    public RotationalBroadening? Rotation { get; private set; }

    private void Replace<T>(ref MemoryBuffer1D<T, Stride1D.Dense>? buffer, T[] data) where T : unmanaged
    {
        if (buffer is null || buffer.Length != data.Length)
        {
            buffer?.Dispose();
            buffer = _acc.Allocate1D<T>(Math.Max(1, data.Length));
        }
        if (data.Length > 0) buffer.View.SubView(0, data.Length).CopyFromCPU(data);
    }

    // ---------------- host-array methods: the CPU methods' signatures and semantics ----------------

    /// <summary><see cref="RotationalBroadening.Apply"/>: result[k] = Σ_t w_t·x[k − t] for k in [from, to); the rest of result is kept.</summary>
    public void Rotate(double[] x, double[] result, int from, int to)
    {
        _acc.Bind();
        CheckRange(from, to);
        _dX.CopyFromCPU(x);
        Rotate(_dX.View, _dY.View, from, to);
        CopyRangeBack(_dY, result, from, to);
    }

    /// <summary><see cref="RotationalBroadening.ApplyAdjoint"/>: gx[m] += Σ_k w_{k−m}·g[k] over k in [from, to).</summary>
    public void RotateAdjoint(double[] g, double[] gx, int from, int to)
    {
        _acc.Bind();
        CheckRange(from, to);
        _dG.CopyFromCPU(g);
        _dGx.CopyFromCPU(gx);
        RotateAdjoint(_dG.View, _dGx.View, from, to);
        CopyRangeBack(_dGx, gx, from - _half, to + _half);
    }

    /// <summary><see cref="RotationalBroadening.VsiniGradient"/>: Σ_k g[k]·Σ_t (dw_t/dv)·x[k − t] over k in [from, to).</summary>
    public double VsiniGradient(double[] g, double[] x, int from, int to)
    {
        _acc.Bind();
        CheckRange(from, to);
        _dG.CopyFromCPU(g);
        _dX.CopyFromCPU(x);
        return VsiniGradient(_dG.View, _dX.View, from, to);
    }

    /// <summary><see cref="InstrumentProfile.Apply"/>: B = W·F.</summary>
    public void Bin(double[] fine, double[] pixels)
    {
        UpdateInstrument();
        _dX.CopyFromCPU(fine);
        Bin(_dX.View, _dPix.View);
        _dPix.CopyToCPU(pixels);
    }

    /// <summary><see cref="InstrumentProfile.ApplyAdjoint"/>: g_F += Wᵀ·g_B.</summary>
    public void BinAdjoint(double[] gPixels, double[] gFine)
    {
        UpdateInstrument();
        _dGPix.CopyFromCPU(gPixels);
        _dGx.CopyFromCPU(gFine);
        BinAdjoint(_dGPix.View, _dGx.View);
        CopyRangeBack(_dGx, gFine, _kStart, _kEnd);
    }

    /// <summary><see cref="InstrumentProfile.LnResolvingPowerGradient"/>: Σ_i g_B[i]·Σ_k (dW_ik/d ln R)·F_k.</summary>
    public double LnResolvingPowerGradient(double[] gPixels, double[] fine)
    {
        UpdateInstrument();
        _dGPix.CopyFromCPU(gPixels);
        _dX.CopyFromCPU(fine);
        return LnResolvingPowerGradient(_dGPix.View, _dX.View);
    }

    private void CheckRange(int from, int to)
    {
        if (Rotation is null) throw new InvalidOperationException("no rotation kernel: call SetRotation first");
        if (from - _half < 0 || to + _half > _grid.Count || from > to)
            throw new ArgumentOutOfRangeException(nameof(from), $"[{from}, {to}) ± {_half} taps leaves the fine grid of {_grid.Count}");
    }

    private static void CopyRangeBack(MemoryBuffer1D<double, Stride1D.Dense> buffer, double[] target, int from, int to)
    {
        if (to <= from) return;
        var all = buffer.GetAsArray1D();
        Array.Copy(all, from, target, from, to - from);
    }

    // ---------------- device-view methods: for a chain that stays on the device ----------------
    // The caller keeps the device copies current: UpdateInstrument after InstrumentProfile.Update, SetRotation for a new v sin i.

    internal Accelerator Accelerator => _acc;
    internal ArrayView<double> FineA => _dX.View;
    internal ArrayView<double> FineB => _dY.View;
    internal ArrayView<double> FineC => _dG.View;
    internal ArrayView<double> FineD => _dGx.View;
    internal ArrayView<double> PixelsA => _dPix.View;
    internal ArrayView<double> PixelsB => _dGPix.View;

    private RowViews Rows() => new(_dLo!.View, _dOffset!.View, _dW!.View, _dDW!.View, _dRowFirst!.View, _dRowEnd!.View);

    internal void Rotate(ArrayView<double> x, ArrayView<double> result, int from, int to)
    {
        Faults?.Launch();
        if (to > from) _convolve(to - from, _dTaps!.View, x, result, from, _half);
    }

    internal void RotateAdjoint(ArrayView<double> g, ArrayView<double> gx, int from, int to)
    {
        Faults?.Launch();
        if (to > from) _correlate(to - from + 2 * _half, _dTaps!.View, g, gx, from, to, _half);
    }

    internal double VsiniGradient(ArrayView<double> g, ArrayView<double> x, int from, int to)
    {
        if (to <= from) return 0;
        Faults?.Launch();
        _convolveDot(to - from, _dDTaps!.View, x, g, _dProd.View, from, _half);
        return Sum(to - from);
    }

    internal void Bin(ArrayView<double> fine, ArrayView<double> pixels)
    {
        Faults?.Launch();
        _bin(_instrument.PixelCount, Rows(), fine, pixels);
    }

    internal void BinAdjoint(ArrayView<double> gPixels, ArrayView<double> gFine)
    {
        Faults?.Launch();
        if (_kEnd > _kStart) _binAdjoint(_kEnd - _kStart, Rows(), gPixels, gFine, _kStart);
    }

    internal double LnResolvingPowerGradient(ArrayView<double> gPixels, ArrayView<double> fine)
    {
        Faults?.Launch();
        _binDot(_instrument.PixelCount, Rows(), gPixels, fine, _dProd.View);
        return Sum(_instrument.PixelCount);
    }

    /// <summary>Σ of the first <paramref name="count"/> products: <see cref="Partials"/> strided partial sums on the device, then their sum here.</summary>
    private double Sum(int count)
    {
        Faults?.Launch();
        _reduce(Partials, _dProd.View, count, _dPartial.View);
        var partial = _dPartial.GetAsArray1D();
        double sum = 0;
        for (int p = 0; p < partial.Length; p++) sum += partial[p];
        return sum;
    }

    public void Dispose()
    {
        foreach (var b in new MemoryBuffer?[] { _dX, _dY, _dG, _dGx, _dProd, _dPartial, _dPix, _dGPix, _dTaps, _dDTaps, _dLo, _dOffset, _dRowFirst, _dRowEnd, _dW, _dDW })
            b?.Dispose();
        if (!_owns) return;
        _acc.Dispose();
        _context?.Dispose();
    }

    // ---------------- kernels ----------------

    public readonly struct RowViews
    {
        public RowViews(ArrayView<int> lo, ArrayView<int> offset, ArrayView<double> w, ArrayView<double> dw, ArrayView<int> rowFirst, ArrayView<int> rowEnd)
        { Lo = lo; Offset = offset; W = w; DW = dw; RowFirst = rowFirst; RowEnd = rowEnd; }
        public readonly ArrayView<int> Lo, Offset;
        public readonly ArrayView<double> W, DW;
        public readonly ArrayView<int> RowFirst, RowEnd;
    }

    // result[k] = Σ_{t=−h..h} taps[t + h]·x[k − t], k = from + idx (the CPU's order of terms).
    private static void ConvolveKernel(Index1D idx, ArrayView<double> taps, ArrayView<double> x, ArrayView<double> result, int from, int half)
    {
        int k = from + idx;
        double s = 0;
        for (int t = -half; t <= half; t++) s += taps[t + half] * x[k - t];
        result[k] = s;
    }

    // The adjoint as a gather: gx[m] += Σ_t taps[t + h]·g[m + t] over the t with m + t in [from, to), m = from − h + idx,
    // t ascending (k = m + t ascending: the order in which the CPU's scatter adds into gx[m]).
    private static void CorrelateKernel(Index1D idx, ArrayView<double> taps, ArrayView<double> g, ArrayView<double> gx, int from, int to, int half)
    {
        int m = from - half + idx;
        int t0 = from - m > -half ? from - m : -half;
        int t1 = to - 1 - m < half ? to - 1 - m : half;
        double s = gx[m];
        for (int t = t0; t <= t1; t++) s += taps[t + half] * g[m + t];
        gx[m] = s;
    }

    // prod[idx] = g[k]·Σ_t dtaps[t + h]·x[k − t], k = from + idx.
    private static void ConvolveDotKernel(Index1D idx, ArrayView<double> dtaps, ArrayView<double> x, ArrayView<double> g, ArrayView<double> prod, int from, int half)
    {
        int k = from + idx;
        double s = 0;
        for (int t = -half; t <= half; t++) s += dtaps[t + half] * x[k - t];
        prod[idx] = g[k] * s;
    }

    // partial[p] = Σ prod[p + j·P] (strided, so neighbouring threads read neighbouring words).
    private static void ReduceKernel(Index1D p, ArrayView<double> prod, int count, ArrayView<double> partial)
    {
        double s = 0;
        for (int i = p; i < count; i += Partials) s += prod[i];
        partial[p] = s;
    }

    // One thread per pixel row: B_i = Σ_p W_p·F_{lo_i + p − offset_i}.
    private static void BinKernel(Index1D i, RowViews r, ArrayView<double> fine, ArrayView<double> pixels)
    {
        double s = 0;
        int k = r.Lo[i];
        int p1 = r.Offset[i + 1];
        for (int p = r.Offset[i]; p < p1; p++, k++) s += r.W[p] * fine[k];
        pixels[i] = s;
    }

    // prod[i] = g_B[i]·Σ_p dW_p·F_k.
    private static void BinDotKernel(Index1D i, RowViews r, ArrayView<double> gPixels, ArrayView<double> fine, ArrayView<double> prod)
    {
        double s = 0;
        int k = r.Lo[i];
        int p1 = r.Offset[i + 1];
        for (int p = r.Offset[i]; p < p1; p++, k++) s += r.DW[p] * fine[k];
        prod[i] = gPixels[i] * s;
    }

    // Wᵀ·g as a gather: g_F[k] += Σ_i W_ik·g_B[i] over the rows i in [RowFirst[k], RowEnd[k]) that read k, i ascending (the CPU's order).
    private static void BinAdjointKernel(Index1D idx, RowViews r, ArrayView<double> gPixels, ArrayView<double> gFine, int kStart)
    {
        int k = kStart + idx;
        double s = gFine[k];
        int i1 = r.RowEnd[k];
        for (int i = r.RowFirst[k]; i < i1; i++)
        {
            int lo = r.Lo[i];
            int len = r.Offset[i + 1] - r.Offset[i];
            if (k >= lo && k < lo + len) s += r.W[r.Offset[i] + k - lo] * gPixels[i];
        }
        gFine[k] = s;
    }
}
