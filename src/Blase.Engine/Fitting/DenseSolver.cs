namespace Blase.Engine.Fitting;

/// <summary>Small dense linear systems (a few unknowns): per-line curvature blocks, continuum coefficients.</summary>
public static class DenseSolver
{
    /// <summary>Gaussian elimination with partial pivoting on a small dense system; rhs becomes the solution.</summary>
    public static bool Solve(Span<double> a, Span<double> rhs, int n)
    {
        for (int c = 0; c < n; c++)
        {
            int piv = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(a[r * n + c]) > Math.Abs(a[piv * n + c])) piv = r;
            if (!(Math.Abs(a[piv * n + c]) > 0) || !double.IsFinite(a[piv * n + c])) return false;
            if (piv != c)
            {
                for (int k = 0; k < n; k++) (a[c * n + k], a[piv * n + k]) = (a[piv * n + k], a[c * n + k]);
                (rhs[c], rhs[piv]) = (rhs[piv], rhs[c]);
            }
            for (int r = c + 1; r < n; r++)
            {
                double f = a[r * n + c] / a[c * n + c];
                for (int k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
                rhs[r] -= f * rhs[c];
            }
        }
        for (int r = n - 1; r >= 0; r--)
        {
            double s = rhs[r];
            for (int k = r + 1; k < n; k++) s -= a[r * n + k] * rhs[k];
            rhs[r] = s / a[r * n + r];
        }
        return true;
    }
}
