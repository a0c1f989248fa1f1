using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Blase.Engine.Lines;

/// <summary>
/// The CPU kernels of a line model on a fixed wavelength grid: per-line windows, the forward model and the analytic
/// gradient (with per-line Gauss–Newton blocks). Offsets Δ = λ − λc and all sums are in double precision.
/// <para>
/// The pseudo-Voigt profiles run four pixels at a time (<see cref="Vector256{T}"/>, with <see cref="VectorMath"/>'s exp
/// and ln(1 − u)); the exact Voigt runs per pixel. The forward pass splits the grid into pixel ranges holding equal numbers of
/// line–pixel pairs, and each range adds every line's term in line order, so a pixel's sum never depends on the thread
/// count. The gradient pass splits the lines into contiguous runs of equal pairs; each line sums its window in lanes fixed
/// by the pixel's offset from the window start, so its result does not depend on the thread count either.
/// </para>
/// </summary>
public sealed class LineKernels : ILineKernels
{
    public const double MaxAbsorption = 1 - 1e-9;
    /// <summary>
    /// The Gaussian part of a pseudo-Voigt line is skipped where it is below 2⁻⁶⁰ of the smallest a·V its window keeps
    /// (the value at the window's far edge): there it cannot change a·V by an eighth of an ulp, nor (×2·<see
    /// cref="MaxGaussianExponent"/> at most) its derivatives by 1e-15. About 95 % of the pairs on a PHOENIX clone.
    /// </summary>
    internal const double GaussianNegligible = 8.673617379884035e-19; // 2⁻⁶⁰
    /// <summary>The Gaussian is never evaluated below e^−700 (≈ 1e-304): no denormals, and within <see cref="VectorMath.Exp"/>'s range.</summary>
    internal const double MaxGaussianExponent = 700;
    /// <summary>Work items per thread in each pass: a little over-partitioned, so that a core lost to other work is made up.</summary>
    private const int ChunksPerThread = 4;
    private const int Lanes = 4;
    private static readonly Vector256<double> LaneOffsets = Vector256.Create(0.0, 1, 2, 3);

    private readonly LineModel _m;
    private readonly double[] _wave;
    private readonly double[] _wavePadded; // the grid and Lanes copies of its last point, so a window's last vector may read past it
    private readonly int[] _start, _end, _gaussStart, _gaussEnd;
    private readonly LineShape[] _shape;
    private readonly double[] _amp;
    private readonly int _threads;
    private int[] _pixelChunks = { 0, 0 }, _lineChunks = { 0, 0 };

    public LineKernels(LineModel model, double[] wavelength, int? threads = null)
    {
        _m = model;
        _wave = wavelength;
        _wavePadded = new double[wavelength.Length + Lanes];
        Array.Copy(wavelength, _wavePadded, wavelength.Length);
        if (wavelength.Length > 0) Array.Fill(_wavePadded, wavelength[^1], wavelength.Length, Lanes);
        _start = new int[model.Count];
        _end = new int[model.Count];
        _gaussStart = new int[model.Count];
        _gaussEnd = new int[model.Count];
        _shape = new LineShape[model.Count];
        _amp = new double[model.Count];
        _threads = Math.Max(1, threads ?? Environment.ProcessorCount);
        Refresh();
    }

    public LineModel Model => _m;
    public double[] Wavelength => _wave;
    public string Device => $"CPU ({Compute.DeviceCatalog.Cpu.Name}, {_threads} threads)";
    public void Dispose() { }

    /// <summary>Line-pixel pairs the windows cover.</summary>
    public long PairCount { get; private set; }

    /// <summary>Line-pixel pairs that evaluate the Gaussian part (the rest take the Lorentzian alone).</summary>
    public long GaussianPairCount { get; private set; }

    private bool Vectorized => _m.Profile != ProfileShape.Voigt;

    /// <summary>The widest half-window a line may take on a grid: 2000 mean pixel steps.</summary>
    internal static double MaxHalfWidthOn(double[] wave) => 2000 * (wave.Length > 1 ? (wave[^1] - wave[0]) / (wave.Length - 1) : 1);

    /// <summary>
    /// Line <paramref name="j"/>'s window [start, end) on the grid, for its shape and amplitude a: where a·V exceeds the
    /// model's tolerance (at most <paramref name="maxHalfWidth"/> each side), or <see cref="LineModel.WingCut"/> pixels about it.
    /// </summary>
    internal static (int Start, int End) Window(LineModel m, int j, LineShape shape, double amplitude, double[] wave, double maxHalfWidth)
    {
        int n = wave.Length;
        double c = m.Center[j];
        if (m.WingCut is int cut)
        {
            int mid = Spectra.SpectralOrder.LowerBound(wave, c);
            return (Math.Clamp(mid - cut / 2, 0, n), Math.Clamp(mid + cut / 2, 0, n));
        }
        double hw = Math.Min(shape.HalfWidth(amplitude, m.Tolerance), maxHalfWidth);
        return (Spectra.SpectralOrder.LowerBound(wave, c - hw), Spectra.SpectralOrder.LowerBound(wave, c + hw));
    }

    /// <summary>Recomputes each line's constants and window from its current parameters (windows follow moving lines).</summary>
    public void Refresh()
    {
        int n = _wave.Length, lines = _m.Count;
        double maxHalfWidth = MaxHalfWidthOn(_wave);
        const int block = 256; // lines per work item: each line's constants depend on it alone
        Parallel.For(0, (lines + block - 1) / block, Parallelism, b =>
        {
            for (int j = b * block; j < Math.Min(lines, (b + 1) * block); j++)
            {
                _shape[j] = _m.Shape(j);
                _amp[j] = Math.Exp(_m.LnAmplitude[j]);
                (_start[j], _end[j]) = Window(_m, j, _shape[j], _amp[j], _wave, maxHalfWidth);
                (_gaussStart[j], _gaussEnd[j]) = GaussianRange(j);
            }
        });
        long pairs = 0, gaussPairs = 0;
        for (int j = 0; j < lines; j++)
        {
            pairs += _end[j] - _start[j];
            gaussPairs += _gaussEnd[j] - _gaussStart[j];
        }
        PairCount = pairs;
        GaussianPairCount = gaussPairs;
        _pixelChunks = PixelChunks();
        _lineChunks = LineChunks();
    }

    /// <summary>The pixels [start, end) of line j's window where its Gaussian part can matter (see <see cref="GaussianNegligible"/>).</summary>
    private (int Start, int End) GaussianRange(int j)
    {
        int s = _start[j], e = _end[j];
        if (e <= s || !Vectorized) return (s, s);
        var shape = _shape[j];
        double a = _amp[j], c = _m.Center[j];
        double peak = a * (1 - shape.Eta) / (shape.Se * Math.Sqrt(2 * Math.PI));
        double far = Math.Max(Math.Abs(_wave[s] - c), Math.Abs(_wave[e - 1] - c));
        double edge = a * shape.Value(far);
        double exponent = edge > 0 ? Math.Log(peak / (GaussianNegligible * edge)) : MaxGaussianExponent;
        if (!(exponent > 0)) return (s, s);
        double reach = shape.Se * Math.Sqrt(2 * Math.Min(exponent, MaxGaussianExponent));
        int gs = Math.Clamp(Spectra.SpectralOrder.LowerBound(_wave, c - reach), s, e);
        int ge = Math.Clamp(Spectra.SpectralOrder.LowerBound(_wave, c + reach), gs, e);
        return (gs, ge);
    }

    /// <summary>Pixel boundaries splitting the grid into ranges with about equal line–pixel pairs (at least one pixel each).</summary>
    private int[] PixelChunks()
    {
        int n = _wave.Length, chunks = Math.Max(1, Math.Min(n, ChunksPerThread * _threads));
        if (chunks == 1 || PairCount == 0) return new[] { 0, n };
        var coverage = new int[n + 1];
        for (int j = 0; j < _m.Count; j++) { coverage[_start[j]]++; coverage[_end[j]]--; }
        var bounds = new List<int> { 0 };
        long sum = 0;
        int depth = 0;
        for (int i = 0; i < n; i++)
        {
            depth += coverage[i];
            sum += depth;
            if (sum * chunks >= PairCount * bounds.Count && i + 1 < n && bounds.Count < chunks) bounds.Add(i + 1);
        }
        bounds.Add(n);
        return bounds.ToArray();
    }

    /// <summary>Line boundaries splitting the lines into contiguous runs with about equal pairs.</summary>
    private int[] LineChunks()
    {
        int lines = _m.Count, chunks = Math.Max(1, Math.Min(lines, ChunksPerThread * _threads));
        var bounds = new List<int> { 0 };
        long sum = 0;
        for (int j = 0; j < lines; j++)
        {
            sum += _end[j] - _start[j];
            if (sum * chunks >= PairCount * bounds.Count && j + 1 < lines && bounds.Count < chunks) bounds.Add(j + 1);
        }
        bounds.Add(lines);
        return bounds.ToArray();
    }

    private ParallelOptions Parallelism => new() { MaxDegreeOfParallelism = _threads };

    public double[] LogFlux()
    {
        int n = _wave.Length, lines = _m.Count;
        var lnS = new double[n + Lanes];
        bool linear = _m.Mode == CombinationMode.Linear;
        Parallel.For(0, _pixelChunks.Length - 1, Parallelism, chunk =>
        {
            int p0 = _pixelChunks[chunk], p1 = _pixelChunks[chunk + 1];
            for (int j = 0; j < lines; j++)
            {
                int s = Math.Max(_start[j], p0), e = Math.Min(_end[j], p1);
                if (s >= e) continue;
                if (Vectorized) ForwardVector(j, s, e, linear, lnS);
                else ForwardScalar(j, s, e, linear, lnS);
            }
        });
        Array.Resize(ref lnS, n);
        return lnS;
    }

    private void ForwardScalar(int j, int s, int e, bool linear, double[] lnS)
    {
        var shape = _shape[j];
        double a = _amp[j], c = _m.Center[j];
        for (int i = s; i < e; i++)
        {
            double u = a * shape.Value(_wave[i] - c);
            lnS[i] += linear ? Math.Log(1 - Math.Min(u, MaxAbsorption)) : -u;
        }
    }

    /// <summary>A pseudo-Voigt line's constants, hoisted out of the pixel loops.</summary>
    private readonly struct Constants
    {
        public readonly Vector256<double> Center, Amp, GeOverPi, Ge2, Eta, OneMinusEta, Norm, NegInv2Se2, GaussStart, GaussEnd;

        public Constants(LineKernels k, int j)
        {
            var shape = k._shape[j];
            Center = Vector256.Create(k._m.Center[j]);
            Amp = Vector256.Create(k._amp[j]);
            GeOverPi = Vector256.Create(shape.Ge / Math.PI);
            Ge2 = Vector256.Create(shape.Ge * shape.Ge);
            Eta = Vector256.Create(shape.Eta);
            OneMinusEta = Vector256.Create(1 - shape.Eta);
            Norm = Vector256.Create(1 / (shape.Se * Math.Sqrt(2 * Math.PI)));
            NegInv2Se2 = Vector256.Create(-0.5 / (shape.Se * shape.Se));
            GaussStart = Vector256.Create((double)k._gaussStart[j]);
            GaussEnd = Vector256.Create((double)k._gaussEnd[j]);
        }
    }

    /// <summary>The Gaussian part G(Δ) at pixels i..i+3, zero outside the line's Gaussian range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Gaussian(in Constants k, int i, Vector256<double> d)
    {
        var index = Vector256.Create((double)i) + LaneOffsets;
        var inside = Vector256.GreaterThanOrEqual(index, k.GaussStart) & Vector256.LessThan(index, k.GaussEnd);
        var exponent = Vector256.ConditionalSelect(inside, d * d * k.NegInv2Se2, Vector256<double>.Zero);
        return Vector256.ConditionalSelect(inside, VectorMath.Exp(exponent) * k.Norm, Vector256<double>.Zero);
    }

    private bool HasGaussian(int j, int i) => i < _gaussEnd[j] && i + Lanes > _gaussStart[j];

    private void ForwardVector(int j, int s, int e, bool linear, double[] lnS)
    {
        var k = new Constants(this, j);
        ref double wave = ref MemoryMarshal.GetArrayDataReference(_wavePadded);
        ref double sum = ref MemoryMarshal.GetArrayDataReference(lnS);
        for (int i = s; i < e; i += Lanes)
        {
            var d = Vector256.LoadUnsafe(ref wave, (nuint)i) - k.Center;
            var l = k.GeOverPi / VectorMath.Fma(d, d, k.Ge2);
            var v = k.Eta * l;
            if (HasGaussian(j, i)) v = VectorMath.Fma(k.OneMinusEta, Gaussian(k, i, d), v);
            var u = k.Amp * v;
            var term = linear ? VectorMath.Log1m(Vector256.Min(u, Vector256.Create(MaxAbsorption))) : -u;
            if (i + Lanes <= e) (Vector256.LoadUnsafe(ref sum, (nuint)i) + term).StoreUnsafe(ref sum, (nuint)i);
            else for (int t = 0; t < e - i; t++) lnS[i + t] += term[t]; // only this range's pixels: others belong to other threads
        }
    }

    public double[] Flux() => this.FluxOf();

    /// <summary>
    /// ∂ln S/∂θ at offset Δ = λ − λc for θ = λc, ln a, ln σ, ln γ of one line (∂/∂λc = −∂/∂Δ); false where the line is
    /// clamped (linear mode, a·V ≥ <see cref="MaxAbsorption"/>) and has no gradient.
    /// </summary>
    internal static bool Terms(in LineShape s, double a, double delta, bool linear, out double d0, out double d1, out double d2, out double d3)
    {
        double v = s.Value(delta, out double dD, out double dS, out double dG);
        double u = a * v;
        if (linear && u >= MaxAbsorption) { d0 = d1 = d2 = d3 = 0; return false; }
        double f = linear ? -1 / (1 - u) : -1;
        d0 = -f * a * dD; d1 = f * u; d2 = f * a * dS; d3 = f * a * dG;
        return true;
    }

    /// <summary>
    /// Line j's window [start, end) on the grid and ∂ln S/∂θ over it (four arrays of the window's length): the pseudo-Voigt
    /// profiles by the gradient pass's own vector code, the exact Voigt by <see cref="Terms"/>.
    /// </summary>
    internal (int Start, int End) Derivatives(int j, double[][] d)
    {
        bool linear = _m.Mode == CombinationMode.Linear;
        int start = _start[j], end = _end[j];
        if (Vectorized)
        {
            var k = new Constants(this, j);
            var dk = new DerivativeConstants(_shape[j], _amp[j]);
            for (int i = start; i < end; i += Lanes)
            {
                PairDerivatives(j, i, k, dk, linear, out _, out var d0, out var d1, out var d2, out var d3);
                int at = i - start, count = Math.Min(Lanes, end - i);
                for (int t = 0; t < count; t++) { d[0][at + t] = d0[t]; d[1][at + t] = d1[t]; d[2][at + t] = d2[t]; d[3][at + t] = d3[t]; }
            }
            return (start, end);
        }
        var s = _shape[j];
        double a = _amp[j], c = _m.Center[j];
        for (int i = start; i < end; i++)
        {
            Terms(s, a, _wave[i] - c, linear, out double d0, out double d1, out double d2, out double d3);
            int at = i - start;
            d[0][at] = d0; d[1][at] = d1; d[2][at] = d2; d[3][at] = d3;
        }
        return (start, end);
    }

    /// <summary>The widest window of any line, in grid points.</summary>
    internal int MaxWindow => _m.Count == 0 ? 0 : Enumerable.Range(0, _m.Count).Max(j => _end[j] - _start[j]);

    /// <summary>
    /// Gradient of Σ w_i r_i² (r = model − target) with respect to every line's (λc, ln a, ln σ, ln γ) and the continuum
    /// coefficients, from the pixel factors q_i = 2 w_i r_i·model_i. When <paramref name="h"/> (w_i·model_i²) is given,
    /// also each line's 4×4 Gauss–Newton block JᵀWJ (10 unique entries, row-major upper triangle).
    /// </summary>
    public void Gradient(double[] q, double[]? h, double[] gradLines, double[]? blocks)
    {
        bool linear = _m.Mode == CombinationMode.Linear;
        Parallel.For(0, _lineChunks.Length - 1, Parallelism, chunk =>
        {
            Span<double> sums = stackalloc double[14];
            for (int j = _lineChunks[chunk]; j < _lineChunks[chunk + 1]; j++)
            {
                if (Vectorized) GradientVector(j, linear, q, h, sums);
                else GradientScalar(j, linear, q, h, sums);
                for (int t = 0; t < 4; t++) gradLines[4 * j + t] = sums[t];
                if (blocks is not null) for (int t = 0; t < 10; t++) blocks[10 * j + t] = sums[4 + t];
            }
        });
    }

    private void GradientScalar(int j, bool linear, double[] q, double[]? h, Span<double> sums)
    {
        var s = _shape[j];
        double a = _amp[j], c = _m.Center[j];
        sums.Clear();
        for (int i = _start[j]; i < _end[j]; i++)
        {
            if (!Terms(s, a, _wave[i] - c, linear, out double d0, out double d1, out double d2, out double d3)) continue;
            double qi = q[i];
            sums[0] += qi * d0; sums[1] += qi * d1; sums[2] += qi * d2; sums[3] += qi * d3;
            if (h is null) continue;
            double hi = h[i];
            sums[4] += hi * d0 * d0; sums[5] += hi * d0 * d1; sums[6] += hi * d0 * d2; sums[7] += hi * d0 * d3;
            sums[8] += hi * d1 * d1; sums[9] += hi * d1 * d2; sums[10] += hi * d1 * d3;
            sums[11] += hi * d2 * d2; sums[12] += hi * d2 * d3; sums[13] += hi * d3 * d3;
        }
    }

    /// <summary>
    /// A pseudo-Voigt line's derivative constants. The derivatives are <see cref="LineShape.Value(double, out double, out
    /// double, out double)"/>'s, regrouped so that a, η and the width derivatives fold into per-line constants: with
    /// l = γe/(π(γe² + Δ²)), t = l/(γe² + Δ²), g the Gaussian part and x² = Δ²/σe²,
    ///   a·∂V/∂Δ = −2aη·Δ·t − a(1−η)/σe²·Δ·g,
    ///   a·∂V/∂ln σ = l·a(∂η/∂ln σ + η/γe·∂γe/∂ln σ) − t·2aηγe·∂γe/∂ln σ + g·(−a ∂η/∂ln σ + (x² − 1)·a(1−η)/σe·∂σe/∂ln σ),
    /// and the same for ln γ.
    /// </summary>
    private readonly struct DerivativeConstants
    {
        public readonly Vector256<double> CenterD, LorentzS, LorentzG, TailS, TailG, GaussD, InvSe2, GaussS0, GaussS1, GaussG0, GaussG1;

        public DerivativeConstants(in LineShape shape, double a)
        {
            double eta = shape.Eta, ge = shape.Ge, se = shape.Se, aGauss = a * (1 - eta);
            double gaussS1 = aGauss * shape.DSeDLnS / se, gaussG1 = aGauss * shape.DSeDLnG / se;
            CenterD = Vector256.Create(2 * a * eta);
            LorentzS = Vector256.Create(a * (shape.DEtaDLnS + eta * shape.DGeDLnS / ge));
            LorentzG = Vector256.Create(a * (shape.DEtaDLnG + eta * shape.DGeDLnG / ge));
            TailS = Vector256.Create(-2 * a * eta * ge * shape.DGeDLnS);
            TailG = Vector256.Create(-2 * a * eta * ge * shape.DGeDLnG);
            GaussD = Vector256.Create(aGauss / (se * se));
            InvSe2 = Vector256.Create(1 / (se * se));
            GaussS0 = Vector256.Create(-a * shape.DEtaDLnS - gaussS1);
            GaussS1 = Vector256.Create(gaussS1);
            GaussG0 = Vector256.Create(-a * shape.DEtaDLnG - gaussG1);
            GaussG1 = Vector256.Create(gaussG1);
        }
    }

    /// <summary>
    /// ∂ln S/∂(λc, ln a, ln σ, ln γ) of line j at pixels i..i+3 (as <see cref="Terms"/>), and the lanes that are open:
    /// zero where the line is clamped (linear mode, a·V ≥ <see cref="MaxAbsorption"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PairDerivatives(int j, int i, in Constants k, in DerivativeConstants c, bool linear, out Vector256<double> open,
        out Vector256<double> d0, out Vector256<double> d1, out Vector256<double> d2, out Vector256<double> d3)
    {
        var one = Vector256<double>.One;
        var d = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(_wavePadded), (nuint)i) - k.Center;
        var invDen = one / VectorMath.Fma(d, d, k.Ge2);
        var l = k.GeOverPi * invDen;
        var t = l * invDen;
        var v = k.Eta * l;
        var p0 = c.CenterD * d * t;
        var p2 = VectorMath.Fma(l, c.LorentzS, t * c.TailS);
        var p3 = VectorMath.Fma(l, c.LorentzG, t * c.TailG);
        if (HasGaussian(j, i))
        {
            var g = Gaussian(k, i, d);
            var x2 = d * d * c.InvSe2;
            v = VectorMath.Fma(k.OneMinusEta, g, v);
            p0 = VectorMath.Fma(c.GaussD * d, g, p0);
            p2 = VectorMath.Fma(g, VectorMath.Fma(x2, c.GaussS1, c.GaussS0), p2);
            p3 = VectorMath.Fma(g, VectorMath.Fma(x2, c.GaussG1, c.GaussG0), p3);
        }
        var u = k.Amp * v;
        Vector256<double> f;
        if (linear)
        {
            open = Vector256.LessThan(u, Vector256.Create(MaxAbsorption));
            f = Vector256.ConditionalSelect(open, -one / (one - u), Vector256<double>.Zero);
        }
        else
        {
            open = Vector256<double>.AllBitsSet;
            f = -one;
        }
        d0 = f * p0; d1 = f * u; d2 = f * p2; d3 = f * p3;
    }

    /// <summary>
    /// One pseudo-Voigt line's gradient and block, four pixels at a time; lane t sums the pixels start + t (mod 4), and the
    /// lanes are added in a fixed order at the end.
    /// </summary>
    private void GradientVector(int j, bool linear, double[] q, double[]? h, Span<double> sums)
    {
        var k = new Constants(this, j);
        var c = new DerivativeConstants(_shape[j], _amp[j]);
        var zero = Vector256<double>.Zero;
        Vector256<double> g0 = zero, g1 = zero, g2 = zero, g3 = zero;
        Vector256<double> h00 = zero, h01 = zero, h02 = zero, h03 = zero, h11 = zero, h12 = zero, h13 = zero, h22 = zero, h23 = zero, h33 = zero;
        Span<double> tailQ = stackalloc double[Lanes], tailH = stackalloc double[Lanes];
        int s = _start[j], e = _end[j];
        for (int i = s; i < e; i += Lanes)
        {
            PairDerivatives(j, i, k, c, linear, out var open, out var d0, out var d1, out var d2, out var d3);
            Vector256<double> qv, hv;
            if (i + Lanes <= e)
            {
                qv = Vector256.Create(q, i);
                hv = h is null ? zero : Vector256.Create(h, i);
            }
            else
            {
                // The window's last pixels: the lanes past its end take q = h = 0 and contribute nothing.
                tailQ.Clear(); tailH.Clear();
                q.AsSpan(i, e - i).CopyTo(tailQ);
                h?.AsSpan(i, e - i).CopyTo(tailH);
                qv = Vector256.Create<double>(tailQ);
                hv = Vector256.Create<double>(tailH);
            }
            // Clamped pixels have no gradient (their derivatives are zero; q and h are zeroed too, as Terms skips them).
            qv = Vector256.ConditionalSelect(open, qv, zero);
            hv = Vector256.ConditionalSelect(open, hv, zero);
            g0 = VectorMath.Fma(qv, d0, g0); g1 = VectorMath.Fma(qv, d1, g1);
            g2 = VectorMath.Fma(qv, d2, g2); g3 = VectorMath.Fma(qv, d3, g3);
            if (h is null) continue;
            var hd0 = hv * d0;
            var hd1 = hv * d1;
            var hd2 = hv * d2;
            h00 = VectorMath.Fma(hd0, d0, h00); h01 = VectorMath.Fma(hd0, d1, h01); h02 = VectorMath.Fma(hd0, d2, h02); h03 = VectorMath.Fma(hd0, d3, h03);
            h11 = VectorMath.Fma(hd1, d1, h11); h12 = VectorMath.Fma(hd1, d2, h12); h13 = VectorMath.Fma(hd1, d3, h13);
            h22 = VectorMath.Fma(hd2, d2, h22); h23 = VectorMath.Fma(hd2, d3, h23); h33 = VectorMath.Fma(hv * d3, d3, h33);
        }
        sums[0] = Lanesum(g0); sums[1] = Lanesum(g1); sums[2] = Lanesum(g2); sums[3] = Lanesum(g3);
        sums[4] = Lanesum(h00); sums[5] = Lanesum(h01); sums[6] = Lanesum(h02); sums[7] = Lanesum(h03); sums[8] = Lanesum(h11);
        sums[9] = Lanesum(h12); sums[10] = Lanesum(h13); sums[11] = Lanesum(h22); sums[12] = Lanesum(h23); sums[13] = Lanesum(h33);
    }

    /// <summary>The four lanes added in a fixed order.</summary>
    private static double Lanesum(Vector256<double> v) => (v[0] + v[1]) + (v[2] + v[3]);
}
