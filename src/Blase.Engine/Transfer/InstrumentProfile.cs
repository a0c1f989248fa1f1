using MathNet.Numerics;

namespace Blase.Engine.Transfer;

/// <summary>
/// The instrument: a Gaussian line-spread function of FWHM λ/R (σ = λ/(2√(2 ln 2)·R)), R optionally varying linearly across
/// the order (R(x) = R·(1 + slope·x), x ∈ [−1, 1] over the order's pixels), followed by exact integration over each data
/// pixel's edges. With the fine-grid flux F_k standing for its cell (width λ_k·h, midpoint rule), the pixel mean is
/// B_i = Σ_k W_ik F_k, W_ik = (λ_k h / ΔE_i)·[Φ((E_{i+1} − λ_k)/s_{i+1}) − Φ((E_i − λ_k)/s_i)],
/// where E are the pixel edges (midpoints between centres; the end pixels mirrored) and s the LSF σ at each edge.
/// Pixels share edges, so no flux is lost or counted twice, and no pixel is empty whatever the fine step.
/// dW/d ln R = (λ_k h / ΔE)·[φ(u_{i+1})u_{i+1} − φ(u_i)u_i] with u = (E − λ_k)/s, since ds/d ln R = −s.
/// </summary>
public sealed class InstrumentProfile
{
    private const double Reach = 7; // σ: Φ(−7) ≈ 1.3e-12
    private readonly FineGrid _grid;
    private readonly double[] _edges, _x;
    private int[] _lo = Array.Empty<int>(), _offset = Array.Empty<int>();
    private double[] _w = Array.Empty<double>(), _dw = Array.Empty<double>();

    public InstrumentProfile(FineGrid grid, double[] pixelWavelength, double resolvingPower, double slope = 0)
    {
        _grid = grid;
        int n = pixelWavelength.Length;
        _edges = new double[n + 1];
        for (int i = 1; i < n; i++) _edges[i] = 0.5 * (pixelWavelength[i - 1] + pixelWavelength[i]);
        double first = n > 1 ? pixelWavelength[1] - pixelWavelength[0] : pixelWavelength[0] * grid.LnStep;
        double last = n > 1 ? pixelWavelength[^1] - pixelWavelength[^2] : first;
        _edges[0] = pixelWavelength[0] - 0.5 * first;
        _edges[n] = pixelWavelength[^1] + 0.5 * last;
        _x = new double[n + 1];
        for (int e = 0; e <= n; e++) _x[e] = n > 1 ? (2 * _edges[e] - _edges[0] - _edges[n]) / (_edges[n] - _edges[0]) : 0;
        Slope = slope;
        Update(resolvingPower);
    }

    public double ResolvingPower { get; private set; }
    public double Slope { get; }
    public int PixelCount => _edges.Length - 1;
    /// <summary>First fine index any pixel reads, and one past the last.</summary>
    public int FirstFine { get; private set; }
    public int EndFine { get; private set; }

    /// <summary>
    /// The weights as rows for the device kernels: pixel i reads fine points [Lo[i], Lo[i] + Offset[i+1] − Offset[i]) with
    /// weights W[Offset[i]…] and dW/d ln R in DW at the same places. The live arrays (replaced, not changed, by <see cref="Update"/>).
    /// </summary>
    internal (int[] Lo, int[] Offset, double[] W, double[] DW) Rows => (_lo, _offset, _w, _dw);

    /// <summary>The LSF's σ (Å) at λ for the current R at order coordinate x.</summary>
    public double Sigma(double wavelength, double x) => wavelength / (Lines.LineShape.FwhmPerSigma * ResolvingPower * (1 + Slope * x));

    /// <summary>Rebuilds the weights for a new R (a no-op when R is unchanged).</summary>
    public void Update(double resolvingPower)
    {
        if (!(resolvingPower > 0) || !double.IsFinite(resolvingPower)) throw new ArgumentOutOfRangeException(nameof(resolvingPower), $"the resolving power must be positive (got {resolvingPower})");
        if (resolvingPower == ResolvingPower && _w.Length > 0) return;
        ResolvingPower = resolvingPower;
        var wave = _grid.Wavelength;
        int n = PixelCount;
        var s = new double[n + 1];
        for (int e = 0; e <= n; e++)
        {
            s[e] = Sigma(_edges[e], _x[e]);
            if (!(s[e] > 0)) throw new ArgumentOutOfRangeException(nameof(resolvingPower), $"R varies to a non-positive value across the order (slope {Slope})");
        }
        var lo = new int[n];
        var offset = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            lo[i] = Spectra.SpectralOrder.LowerBound(wave, _edges[i] - Reach * s[i]);
            int hi = Spectra.SpectralOrder.LowerBound(wave, _edges[i + 1] + Reach * s[i + 1]);
            if (lo[i] == 0 || hi >= wave.Length)
                throw new InvalidOperationException("the fine grid does not reach past the line-spread function; widen its margin");
            offset[i + 1] = offset[i] + (hi - lo[i]);
        }
        var w = new double[offset[n]];
        var dw = new double[offset[n]];
        Parallel.For(0, n, i =>
        {
            double width = _edges[i + 1] - _edges[i];
            for (int p = offset[i]; p < offset[i + 1]; p++)
            {
                int k = lo[i] + p - offset[i];
                double cell = wave[k] * _grid.LnStep / width;
                double ua = (_edges[i] - wave[k]) / s[i], ub = (_edges[i + 1] - wave[k]) / s[i + 1];
                w[p] = cell * (Phi(ub) - Phi(ua));
                dw[p] = cell * (Density(ub) * ub - Density(ua) * ua);
            }
        });
        _lo = lo; _offset = offset; _w = w; _dw = dw;
        FirstFine = lo[0];
        EndFine = lo[n - 1] + (offset[n] - offset[n - 1]);
    }

    private static double Phi(double u) => 0.5 * SpecialFunctions.Erfc(-u / Math.Sqrt(2));
    private static double Density(double u) => Math.Exp(-0.5 * u * u) / Math.Sqrt(2 * Math.PI);

    /// <summary>B_i = Σ_k W_ik F_k.</summary>
    public void Apply(double[] fine, double[] pixels)
    {
        for (int i = 0; i < pixels.Length; i++)
        {
            double sum = 0;
            int k = _lo[i];
            for (int p = _offset[i]; p < _offset[i + 1]; p++, k++) sum += _w[p] * fine[k];
            pixels[i] = sum;
        }
    }

    /// <summary>
    /// B_i = Σ_k W_ik F_k for a fine vector that is zero outside [kStart, kEnd): only the pixels it reaches, from the returned
    /// first pixel on, into <paramref name="pixels"/>; the count is returned. With <paramref name="derivative"/>, dW/d ln R instead of W.
    /// </summary>
    public int ApplySparse(double[] fine, int kStart, int kEnd, out int first, double[] pixels, bool derivative = false)
    {
        int n = PixelCount, lo = 0, hi = n;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (_lo[mid] + (_offset[mid + 1] - _offset[mid]) <= kStart) lo = mid + 1; else hi = mid; }
        first = lo;
        var w = derivative ? _dw : _w;
        int count = 0;
        for (int i = lo; i < n && _lo[i] < kEnd; i++, count++)
        {
            double sum = 0;
            int k0 = Math.Max(kStart, _lo[i]), k1 = Math.Min(kEnd, _lo[i] + _offset[i + 1] - _offset[i]);
            for (int k = k0; k < k1; k++) sum += w[_offset[i] + k - _lo[i]] * fine[k];
            pixels[count] = sum;
        }
        return count;
    }

    /// <summary>The adjoint: g_F[k] += Σ_i W_ik g_B[i].</summary>
    public void ApplyAdjoint(double[] gPixels, double[] gFine)
    {
        for (int i = 0; i < gPixels.Length; i++)
        {
            double g = gPixels[i];
            if (g == 0) continue;
            int k = _lo[i];
            for (int p = _offset[i]; p < _offset[i + 1]; p++, k++) gFine[k] += _w[p] * g;
        }
    }

    /// <summary>Σ_i g_B[i]·Σ_k (dW_ik/d ln R)·F_k.</summary>
    public double LnResolvingPowerGradient(double[] gPixels, double[] fine)
    {
        double total = 0;
        for (int i = 0; i < gPixels.Length; i++)
        {
            double g = gPixels[i];
            if (g == 0) continue;
            double sum = 0;
            int k = _lo[i];
            for (int p = _offset[i]; p < _offset[i + 1]; p++, k++) sum += _dw[p] * fine[k];
            total += g * sum;
        }
        return total;
    }
}
