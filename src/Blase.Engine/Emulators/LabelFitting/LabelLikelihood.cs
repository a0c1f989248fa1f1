using Blase.Engine.Transfer;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace Blase.Engine.Emulators.LabelFitting;

/// <summary>
/// −2 ln L of an observed spectrum given an emulator at labels θ, velocity v and v sin i, with a Chebyshev continuum per order
/// solved exactly at every evaluation (generalized least squares: variable projection, so the optimizer never sees it and the
/// curvature it sees is already marginalized over the continuum). With d the data, X the continuum basis times the projected
/// model flux B (column n of order o: B_i T_n(x_i) on that order's pixels), and C the covariance,
/// −2 ln L = rᵀ C⁻¹ r + ln |C| + const,  r = d − X ĉ,  ĉ = (Xᵀ C⁻¹ X)⁻¹ Xᵀ C⁻¹ d.
/// C = diag(σ²) for an emulator without covariance (a neural network): then −2 ln L is χ² plus a constant. For a PCA + GP
/// emulator its covariance is ADDED to the data's (Czekala et al. 2015, eq. 25; Starfish's code inverts it instead, a defect not
/// copied): C = diag(σ² + K² τ²) + Σ_f (K u_f)(K u_f)ᵀ, its factors u_f carried to the data pixels by the same linear map as the
/// flux (<see cref="EmulatorProjection"/>) and scaled by the continuum K (taken from a first, diagonal solve, so that C does not
/// depend on the coefficients it is used to solve for). The diagonal term τ² is carried as if it were a flux (exact without
/// broadening or resampling; with them, a slight overestimate, since averaging independent pixels shrinks their variance).
/// Inverse and determinant are by the Woodbury identity: C⁻¹ = D⁻¹ − D⁻¹U S⁻¹ UᵀD⁻¹, |C| = |D| |S|, S = I + UᵀD⁻¹U.
/// </summary>
public sealed class LabelLikelihood
{
    private readonly ISpectralEmulator _emulator;
    private readonly EmulatorProjection _projection;
    private readonly double[] _data, _variance;
    private readonly bool[] _use;
    private readonly int[] _order;              // order index of each data pixel
    private readonly ChebyshevContinuum[] _continua;
    private readonly int[] _pixelInOrder;       // pixel index within its order
    private readonly int _orders, _terms;

    public LabelLikelihood(ISpectralEmulator emulator, EmulatorProjection projection, double[] data, double[] variance, bool[] use,
        int[] order, int[] pixelInOrder, ChebyshevContinuum[] continua, bool useEmulatorCovariance)
    {
        _emulator = emulator; _projection = projection; _data = data; _variance = variance; _use = use;
        _order = order; _pixelInOrder = pixelInOrder; _continua = continua;
        _orders = continua.Length; _terms = continua[0].Degree + 1;
        UseEmulatorCovariance = useEmulatorCovariance;
        UsedPixelCount = use.Count(u => u);
    }

    public bool UseEmulatorCovariance { get; }
    public int UsedPixelCount { get; }
    public int ContinuumParameterCount => _orders * _terms;

    /// <summary>One evaluation: −2 ln L (up to a constant), χ² = rᵀC⁻¹r, the model at the data pixels and the continuum coefficients.</summary>
    public sealed record Evaluation(double MinusTwoLogLikelihood, double ChiSquare, double[] Model, double[][] Continuum);

    /// <param name="flux">The emulator's flux at the labels when the caller has it already (a velocity search at fixed labels).</param>
    public Evaluation Evaluate(IReadOnlyList<double> labels, double vKms, double vsiniKms, bool withCovariance = true, double[]? flux = null)
    {
        flux ??= _emulator.FluxAt(labels);
        var b = _projection.Project(flux, vKms, vsiniKms, _use);
        var x = Basis(b);
        var d = new double[_data.Length];
        for (int i = 0; i < d.Length; i++) d[i] = _use[i] ? _variance[i] : 0;
        var first = Solve(x, d, Array.Empty<double[]>());
        var cov = withCovariance && UseEmulatorCovariance ? _emulator.CovarianceAt(labels) : null;
        if (cov is null) return first;
        var k = ContinuumAt(first.Continuum);
        var diag = _projection.Project(cov.Diagonal, vKms, vsiniKms, _use);
        for (int i = 0; i < d.Length; i++) if (_use[i]) d[i] += k[i] * k[i] * Math.Max(0, diag[i]);
        var u = cov.Factors.Select(f =>
        {
            var p = _projection.Project(f, vKms, vsiniKms, _use);
            for (int i = 0; i < p.Length; i++) p[i] = _use[i] ? p[i] * k[i] : 0;
            return p;
        }).ToArray();
        return Solve(x, d, u);
    }

    /// <summary>The continuum K_i at each data pixel for coefficients [order][n].</summary>
    private double[] ContinuumAt(double[][] c)
    {
        var k = new double[_data.Length];
        for (int i = 0; i < k.Length; i++)
        {
            if (!_use[i]) continue;
            double s = 0;
            for (int n = 0; n < _terms; n++) s += c[_order[i]][n] * _continua[_order[i]].Basis(_pixelInOrder[i], n);
            k[i] = s;
        }
        return k;
    }

    /// <summary>Column j = (order o, term n) of X at pixel i (non-zero only on order o): B_i T_n(x_i).</summary>
    private double[] Basis(double[] b)
    {
        var x = new double[_data.Length * _terms];
        for (int i = 0; i < _data.Length; i++)
        {
            if (!_use[i]) continue;
            for (int n = 0; n < _terms; n++) x[i * _terms + n] = b[i] * _continua[_order[i]].Basis(_pixelInOrder[i], n);
        }
        return x;
    }

    private Evaluation Solve(double[] x, double[] d, double[][] u)
    {
        int n = _data.Length, r = u.Length, p = ContinuumParameterCount, t = _terms;
        // S = I + UᵀD⁻¹U and its Cholesky factor; W = UᵀD⁻¹X (r × p), z = UᵀD⁻¹d.
        var s = new double[r * r];
        var w = new double[r * p];
        var z = new double[r];
        var a = new double[p * p];
        var rhs = new double[p];
        double logDetD = 0;
        for (int i = 0; i < n; i++)
        {
            if (!_use[i]) continue;
            double inv = 1 / d[i];
            logDetD += Math.Log(d[i]);
            int o = _order[i] * t;
            for (int k = 0; k < t; k++)
            {
                double xk = x[i * t + k] * inv;
                rhs[o + k] += xk * _data[i];
                for (int l = 0; l < t; l++) a[(o + k) * p + o + l] += xk * x[i * t + l];
            }
            for (int f = 0; f < r; f++)
            {
                double uf = u[f][i] * inv;
                if (uf == 0) continue;
                z[f] += uf * _data[i];
                for (int k = 0; k < t; k++) w[f * p + o + k] += uf * x[i * t + k];
                for (int g = 0; g <= f; g++) s[f * r + g] += uf * u[g][i];
            }
        }
        for (int f = 0; f < r; f++) { s[f * r + f] += 1; for (int g = 0; g < f; g++) s[g * r + f] = s[f * r + g]; }
        double logDetS = 0;
        Cholesky<double>? chol = null;
        if (r > 0)
        {
            try { chol = Matrix<double>.Build.Dense(r, r, (f, g) => s[f * r + g]).Cholesky(); }
            catch (ArgumentException) { throw new BlaseDataException("the emulator's covariance is not positive definite at these labels"); }
            logDetS = chol.DeterminantLn;
            // a −= Wᵀ S⁻¹ W, rhs −= Wᵀ S⁻¹ z
            var wm = Matrix<double>.Build.Dense(r, p, (f, j) => w[f * p + j]);
            var sw = chol.Solve(wm);
            var sz = chol.Solve(Vector<double>.Build.DenseOfArray(z));
            for (int j = 0; j < p; j++)
            {
                for (int f = 0; f < r; f++) rhs[j] -= wm[f, j] * sz[f];
                for (int l = 0; l < p; l++)
                {
                    double v = 0;
                    for (int f = 0; f < r; f++) v += wm[f, j] * sw[f, l];
                    a[j * p + l] -= v;
                }
            }
        }
        var c = (double[])rhs.Clone();
        if (!Fitting.DenseSolver.Solve(a, c, p) || c.Any(v => !double.IsFinite(v)))
            throw new BlaseDataException("the continuum is not determined by the spectrum's good pixels (too few of them in an order?)");
        // r = d − X c; χ² = rᵀD⁻¹r − (UᵀD⁻¹r)ᵀ S⁻¹ (UᵀD⁻¹r)
        var model = new double[n];
        var ur = new double[r];
        double chi2 = 0;
        for (int i = 0; i < n; i++)
        {
            if (!_use[i]) { model[i] = double.NaN; continue; }
            int o = _order[i] * t;
            double m = 0;
            for (int k = 0; k < t; k++) m += x[i * t + k] * c[o + k];
            model[i] = m;
            double res = (_data[i] - m) / d[i];
            chi2 += res * (_data[i] - m);
            for (int f = 0; f < r; f++) ur[f] += u[f][i] * res;
        }
        if (chol is not null)
        {
            var sur = chol.Solve(Vector<double>.Build.DenseOfArray(ur));
            for (int f = 0; f < r; f++) chi2 -= ur[f] * sur[f];
        }
        var coefficients = Enumerable.Range(0, _orders).Select(o => c[(o * t)..(o * t + t)]).ToArray();
        return new Evaluation(chi2 + logDetD + logDetS, chi2, model, coefficients);
    }
}
