namespace Blase.Engine.Fitting;

/// <summary>What a minimization did.</summary>
public sealed record MinimizationResult(double[] X, double Value, int Iterations, int Evaluations, string StopReason);

/// <summary>
/// Limited-memory BFGS (Nocedal &amp; Wright, Numerical Optimization, 2nd ed., Alg. 7.4 and 7.5) with a backtracking line
/// search on the Armijo condition (c₁ = 1e-4) and curvature pairs kept only when sᵀy &gt; 0. An optional preconditioner
/// supplies H₀ (Nocedal &amp; Wright §7.2); without one, H₀ = γI on well-scaled (whitened) coordinates.
/// </summary>
public static class Lbfgs
{
    public static MinimizationResult Minimize(Func<double[], double[], double> f, double[] x0, int maxIterations, double tolerance,
        int patience, int memory = 12, Action<int, double>? progress = null, CancellationToken cancel = default,
        Action<double[]>? precondition = null)
    {
        int n = x0.Length;
        var x = (double[])x0.Clone();
        var g = new double[n];
        double fx = f(x, g);
        int evals = 1;
        if (!double.IsFinite(fx)) throw new ArithmeticException($"the objective is {fx} at the starting point");
        var s = new List<double[]>(); var y = new List<double[]>(); var rho = new List<double>();
        var history = new List<double> { fx };
        var alpha = new double[memory];
        string reason = "reached the iteration limit";
        int it = 0;
        if (n == 0) return new MinimizationResult(x, fx, 0, 1, "nothing to fit");
        for (it = 1; it <= maxIterations; it++)
        {
            cancel.ThrowIfCancellationRequested();
            // Two-loop recursion: d = −H·g.
            var d = g.Select(v => -v).ToArray();
            for (int k = s.Count - 1; k >= 0; k--) { alpha[k] = rho[k] * Dot(s[k], d); Axpy(-alpha[k], y[k], d); }
            // H₀: the caller's preconditioner (an approximate inverse Hessian), else the usual scaled identity.
            if (precondition is not null) precondition(d);
            else
            {
                double gamma = s.Count > 0 ? Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]) : Math.Min(1, 1 / Math.Sqrt(Dot(g, g) + 1e-300));
                for (int i = 0; i < n; i++) d[i] *= gamma;
            }
            for (int k = 0; k < s.Count; k++) { double b = rho[k] * Dot(y[k], d); Axpy(alpha[k] - b, s[k], d); }
            double slope = Dot(g, d);
            if (!(slope < 0)) { s.Clear(); y.Clear(); rho.Clear(); d = g.Select(v => -v / Math.Sqrt(Dot(g, g) + 1e-300)).ToArray(); slope = Dot(g, d); }
            if (!(slope < 0)) { reason = "the gradient vanished"; break; }

            double step = 1, fNew = double.NaN;
            var xNew = new double[n]; var gNew = new double[n];
            bool ok = false;
            for (int ls = 0; ls < 30; ls++)
            {
                for (int i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
                fNew = f(xNew, gNew); evals++;
                if (double.IsFinite(fNew) && fNew <= fx + 1e-4 * step * slope) { ok = true; break; }
                // Quadratic interpolation of the step, kept within [0.1, 0.5] of the last.
                double q = double.IsFinite(fNew) ? -slope * step * step / (2 * (fNew - fx - slope * step)) : 0.1 * step;
                step = Math.Clamp(q, 0.1 * step, 0.5 * step);
            }
            if (!ok) { reason = "no step lowers the objective (converged)"; break; }
            var sk = new double[n]; var yk = new double[n];
            for (int i = 0; i < n; i++) { sk[i] = xNew[i] - x[i]; yk[i] = gNew[i] - g[i]; }
            double sy = Dot(sk, yk);
            if (sy > 1e-12 * Math.Sqrt(Dot(sk, sk) * Dot(yk, yk)))
            {
                if (s.Count == memory) { s.RemoveAt(0); y.RemoveAt(0); rho.RemoveAt(0); }
                s.Add(sk); y.Add(yk); rho.Add(1 / sy);
            }
            x = xNew; g = gNew; fx = fNew;
            history.Add(fx);
            progress?.Invoke(it, fx);
            if (history.Count > patience && history[^(patience + 1)] - fx <= tolerance * Math.Abs(history[^(patience + 1)]))
            {
                reason = $"the objective changed by less than {tolerance:G2} over {patience} iterations";
                break;
            }
        }
        return new MinimizationResult(x, fx, Math.Min(it, maxIterations), evals, reason);
    }

    internal static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < y.Length; i++) y[i] += a * x[i];
    }
}
