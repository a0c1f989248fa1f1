namespace Blase.Engine.Transfer;

/// <summary>
/// An order's continuum C(x) = Σ_n c_n T_n(x), x ∈ [−1, 1] across the order's pixels. Given the model's pixel means B and the
/// data d, the best coefficients are linear least squares, min Σ w (C·B − d)²: the continuum is solved exactly at every
/// evaluation (variable projection), so the optimizer never sees it and, at that optimum, ∂χ²/∂c = 0 leaves the gradient
/// of every other parameter unchanged (the envelope theorem).
/// </summary>
public sealed class ChebyshevContinuum
{
    private readonly double[,] _basis; // T_n(x_i)

    public ChebyshevContinuum(double[] wavelength, int degree)
    {
        if (degree < 0) throw new ArgumentOutOfRangeException(nameof(degree), "the continuum degree must be ≥ 0");
        int n = wavelength.Length;
        double lo = wavelength[0], hi = wavelength[^1];
        _basis = new double[n, degree + 1];
        for (int i = 0; i < n; i++)
        {
            double x = hi > lo ? (2 * wavelength[i] - lo - hi) / (hi - lo) : 0;
            double t0 = 1, t1 = x;
            _basis[i, 0] = 1;
            for (int k = 1; k <= degree; k++) { _basis[i, k] = t1; (t0, t1) = (t1, 2 * x * t1 - t0); }
        }
        Coefficients = new double[degree + 1];
        Coefficients[0] = 1;
    }

    public double[] Coefficients { get; internal set; }
    public int Degree => Coefficients.Length - 1;

    /// <summary>T_n at a pixel.</summary>
    public double Basis(int pixel, int n) => _basis[pixel, n];

    public double At(int pixel)
    {
        double s = 0;
        for (int k = 0; k < Coefficients.Length; k++) s += Coefficients[k] * _basis[pixel, k];
        return s;
    }

    /// <summary>Solves min Σ w (C·B − d)² for the coefficients; false (coefficients unchanged) when the system is singular.</summary>
    public bool Solve(double[] model, double[] data, double[] weight)
    {
        int m = Coefficients.Length;
        var a = new double[m * m];
        var y = new double[m];
        for (int i = 0; i < model.Length; i++)
        {
            double w = weight[i];
            if (w <= 0) continue;
            double b = model[i];
            for (int k = 0; k < m; k++)
            {
                double tk = _basis[i, k] * b * w;
                y[k] += tk * data[i];
                for (int l = k; l < m; l++) a[k * m + l] += tk * _basis[i, l] * b;
            }
        }
        for (int k = 0; k < m; k++) for (int l = 0; l < k; l++) a[k * m + l] = a[l * m + k];
        var c = (double[])y.Clone();
        if (!Fitting.DenseSolver.Solve(a, c, m)) return false;
        foreach (var v in c) if (!double.IsFinite(v)) return false;
        Coefficients = c;
        return true;
    }
}
