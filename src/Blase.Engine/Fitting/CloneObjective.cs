using Blase.Engine.Lines;

namespace Blase.Engine.Fitting;

/// <summary>
/// χ² = Σ w_i (model_i − target_i)² of a line model against a spectrum on the same pixels, with its analytic gradient
/// (every line's λc, ln a, ln σ, ln γ, then the continuum coefficients) and block-diagonal Gauss–Newton curvature.
/// Weights are 1/σ² where the spectrum has uncertainties, 1 otherwise, and 0 on masked pixels.
/// </summary>
public sealed class CloneObjective
{
    private readonly ILineKernels _k;
    private readonly double[] _target, _weight;
    private readonly double[] _x; // continuum abscissa per pixel
    private readonly ParallelOptions _parallel;
    /// <summary>
    /// Pixels per work item of the per-pixel passes. Fixed, and the blocks' partial sums are added in block order, so
    /// the loss and the continuum gradient do not depend on the thread count.
    /// </summary>
    private const int PixelBlock = 16_384;

    public CloneObjective(LineModel model, double[] wavelength, double[] target, double[]? weight = null, int? threads = null)
        : this(new LineKernels(model, wavelength, threads), target, weight, threads) { }

    /// <summary>The objective on a given backend (CPU or GPU kernels); <paramref name="threads"/> bounds the per-pixel passes.</summary>
    public CloneObjective(ILineKernels kernels, double[] target, double[]? weight = null, int? threads = null)
    {
        var model = kernels.Model;
        var wavelength = kernels.Wavelength;
        if (target.Length != wavelength.Length) throw new ArgumentException("target and wavelength differ in length");
        _k = kernels;
        _target = target;
        _weight = weight ?? Enumerable.Repeat(1.0, target.Length).ToArray();
        for (int i = 0; i < _weight.Length; i++) if (!double.IsFinite(_target[i])) _weight[i] = 0;
        _x = wavelength.Select(model.ContinuumX).ToArray();
        ActivePixels = _weight.Count(w => w > 0);
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads ?? Environment.ProcessorCount) };
    }

    private int Blocks => (_target.Length + PixelBlock - 1) / PixelBlock;

    /// <summary>Σ over blocks of <paramref name="block"/>(start, end), the blocks run in parallel and added in order.</summary>
    private double BlockSum(Func<int, int, double> block)
    {
        var partial = new double[Blocks];
        Parallel.For(0, partial.Length, _parallel, b => partial[b] = block(b * PixelBlock, Math.Min(_target.Length, (b + 1) * PixelBlock)));
        double sum = 0;
        foreach (double p in partial) sum += p;
        return sum;
    }

    public LineModel Model => _k.Model;
    public ILineKernels Kernels => _k;
    public int ActivePixels { get; }
    public int ParameterCount => 4 * Model.Count + Model.Continuum.Length;

    /// <summary>The model flux at the current parameters (windows refreshed first).</summary>
    public double[] Flux()
    {
        _k.Refresh();
        return _k.FluxOf();
    }

    public double Loss() => Loss(Flux());

    public double Loss(double[] flux) => BlockSum((start, end) =>
    {
        double sum = 0;
        for (int i = start; i < end; i++)
            if (_weight[i] > 0) { double r = flux[i] - _target[i]; sum += _weight[i] * r * r; }
        return sum;
    });

    /// <summary>Root-mean-square residual over the active pixels (unweighted), optionally within [min, max].</summary>
    public double Rms(double[] flux, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        double sum = 0; long n = 0;
        var w = _k.Wavelength;
        for (int i = 0; i < flux.Length; i++)
            if (_weight[i] > 0 && w[i] >= min && w[i] <= max) { double r = flux[i] - _target[i]; sum += r * r; n++; }
        return n == 0 ? double.NaN : Math.Sqrt(sum / n);
    }

    /// <summary>
    /// The gradient at <paramref name="flux"/> (which must be this model's current flux) into <paramref name="grad"/>
    /// (length <see cref="ParameterCount"/>); with <paramref name="lineBlocks"/> and <paramref name="continuumBlock"/>,
    /// also JᵀWJ per line (10 entries each) and for the continuum (dense, row-major).
    /// </summary>
    public void Gradient(double[] flux, double[] grad, double[]? lineBlocks = null, double[]? continuumBlock = null)
    {
        int n = flux.Length, lines = Model.Count, nc = Model.Continuum.Length;
        var q = new double[n];
        var h = lineBlocks is null ? null : new double[n];
        // Continuum: ∂model/∂c_k = model · T_k(x) / C(x); each block sums its own gradient and block, added in order below.
        var partial = new double[Blocks][];
        Parallel.For(0, Blocks, _parallel, b =>
        {
            var t = new double[nc];
            var sums = partial[b] = new double[nc + (continuumBlock is null ? 0 : nc * nc)];
            for (int i = b * PixelBlock; i < Math.Min(n, (b + 1) * PixelBlock); i++)
            {
                double w = _weight[i];
                if (w <= 0) continue;
                q[i] = 2 * w * (flux[i] - _target[i]) * flux[i];
                if (h is not null) h[i] = w * flux[i] * flux[i];
                double c = Model.ContinuumAt(_k.Wavelength[i]);
                Chebyshev(_x[i], t);
                for (int k = 0; k < nc; k++)
                {
                    sums[k] += q[i] * t[k] / c;
                    if (continuumBlock is null) continue;
                    double hk = h![i] * t[k] / (c * c);
                    for (int l = 0; l < nc; l++) sums[nc + k * nc + l] += hk * t[l];
                }
            }
        });
        _k.Gradient(q, h, grad, lineBlocks);
        var gc = new double[nc];
        if (continuumBlock is not null) Array.Clear(continuumBlock);
        foreach (var sums in partial)
        {
            for (int k = 0; k < nc; k++) gc[k] += sums[k];
            if (continuumBlock is not null) for (int k = 0; k < nc * nc; k++) continuumBlock[k] += sums[nc + k];
        }
        Array.Copy(gc, 0, grad, 4 * lines, nc);
    }

    private static void Chebyshev(double x, double[] t)
    {
        t[0] = 1;
        if (t.Length > 1) t[1] = x;
        for (int k = 2; k < t.Length; k++) t[k] = 2 * x * t[k - 1] - t[k - 2];
    }

    /// <summary>The parameters as one vector, in gradient order.</summary>
    public double[] GetParameters()
    {
        var m = Model;
        var p = new double[ParameterCount];
        for (int j = 0; j < m.Count; j++)
        {
            p[4 * j] = m.Center[j]; p[4 * j + 1] = m.LnAmplitude[j]; p[4 * j + 2] = m.LnSigma[j]; p[4 * j + 3] = m.LnGamma[j];
        }
        Array.Copy(m.Continuum, 0, p, 4 * m.Count, m.Continuum.Length);
        return p;
    }

    public void SetParameters(double[] p) => Assign(Model, p);

    /// <summary>Puts a parameter vector (<see cref="GetParameters"/>' layout) into a model.</summary>
    internal static void Assign(LineModel m, double[] p)
    {
        for (int j = 0; j < m.Count; j++)
        {
            m.Center[j] = p[4 * j]; m.LnAmplitude[j] = p[4 * j + 1]; m.LnSigma[j] = p[4 * j + 2]; m.LnGamma[j] = p[4 * j + 3];
        }
        Array.Copy(p, 4 * m.Count, m.Continuum, 0, m.Continuum.Length);
    }
}
