namespace Blase.Engine.Fitting;

/// <summary>What a minimization did: the best point, its value, and why it stopped.</summary>
public sealed record MinimizationResult(double[] X, double Value, int Iterations, int Evaluations, string StopReason)
{
    /// <summary>Stopped by cancellation (with <see cref="LbfgsOptions.ReturnOnCancel"/>), keeping the best point so far.</summary>
    public bool Cancelled { get; init; }
}

/// <summary>When L-BFGS stops, and with how much memory.</summary>
public sealed record LbfgsOptions
{
    public int MaxIterations { get; init; } = 500;
    /// <summary>Stop when the gradient's largest component falls below this (0: never).</summary>
    public double GradientTolerance { get; init; }
    /// <summary>Stop when f decreased by at most this × max(1, |f|) over <see cref="Patience"/> iterations.</summary>
    public double FunctionTolerance { get; init; } = 1e-12;
    public int Patience { get; init; } = 1;
    public int Memory { get; init; } = 10;
    /// <summary>On cancellation, return the best point so far instead of throwing.</summary>
    public bool ReturnOnCancel { get; init; }
}

/// <summary>
/// Limited-memory BFGS (Nocedal &amp; Wright, Numerical Optimization, 2nd ed., Alg. 7.4 and 7.5) with a backtracking line
/// search on the Armijo condition (c₁ = 1e-4; quadratic interpolation, a tenth of the step back from a non-finite value, as
/// where a covariance stops being positive definite) and curvature pairs kept only when sᵀy &gt; 0. An optional
/// preconditioner supplies H₀ (§7.2); without one, H₀ = γI, which suits well-scaled (whitened) coordinates. One
/// implementation for the transfer and the emulators' hyperparameters.
/// </summary>
public static class Lbfgs
{
    public static MinimizationResult Minimize(Func<double[], double[], double> f, double[] x0, LbfgsOptions o,
        Action<int, double>? progress = null, CancellationToken cancel = default, Action<double[]>? precondition = null)
    {
        int n = x0.Length;
        var x = (double[])x0.Clone();
        var g = new double[n];
        double fx = f(x, g);
        int evals = 1;
        if (!double.IsFinite(fx)) throw new ArithmeticException($"the objective is {fx} at the starting point");
        if (n == 0) return new MinimizationResult(x, fx, 0, 1, "nothing to fit");
        var s = new List<double[]>(); var y = new List<double[]>(); var rho = new List<double>();
        var history = new List<double> { fx };
        var alpha = new double[o.Memory];
        string reason = "reached the iteration limit";
        int it;
        bool cancelled = false;
        for (it = 1; it <= o.MaxIterations; it++)
        {
            if (cancel.IsCancellationRequested)
            {
                if (!o.ReturnOnCancel) cancel.ThrowIfCancellationRequested();
                reason = "cancelled; the best point so far was kept";
                cancelled = true;
                it--;
                break;
            }
            if (o.GradientTolerance > 0 && MaxAbs(g) < o.GradientTolerance) { reason = "the gradient vanished"; break; }
            // Two-loop recursion: d = −H·g.
            var d = g.Select(v => -v).ToArray();
            for (int k = s.Count - 1; k >= 0; k--) { alpha[k] = rho[k] * Dot(s[k], d); Axpy(-alpha[k], y[k], d); }
            if (precondition is not null) precondition(d);
            else
            {
                double gamma = s.Count > 0 ? Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]) : 1 / Math.Max(1, MaxAbs(g));
                for (int i = 0; i < n; i++) d[i] *= gamma;
            }
            for (int k = 0; k < s.Count; k++) { double b = rho[k] * Dot(y[k], d); Axpy(alpha[k] - b, s[k], d); }
            double slope = Dot(g, d);
            if (!(slope < 0)) { s.Clear(); y.Clear(); rho.Clear(); d = g.Select(v => -v / Math.Max(1, MaxAbs(g))).ToArray(); slope = Dot(g, d); }
            if (!(slope < 0)) { reason = "the gradient vanished"; break; }

            double step = 1, fNew = double.NaN;
            var xNew = new double[n]; var gNew = new double[n];
            bool ok = false;
            for (int ls = 0; ls < 40; ls++)
            {
                for (int i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
                fNew = f(xNew, gNew); evals++;
                if (double.IsFinite(fNew) && fNew <= fx + 1e-4 * step * slope) { ok = true; break; }
                double q = double.IsFinite(fNew) ? -slope * step * step / (2 * (fNew - fx - slope * step)) : 0.1 * step;
                step = Math.Clamp(q, 0.1 * step, 0.5 * step);
            }
            if (!ok) { reason = "no step lowers the objective (converged)"; break; }
            var sk = new double[n]; var yk = new double[n];
            for (int i = 0; i < n; i++) { sk[i] = xNew[i] - x[i]; yk[i] = gNew[i] - g[i]; }
            double sy = Dot(sk, yk);
            if (sy > 1e-12 * Math.Sqrt(Dot(sk, sk) * Dot(yk, yk)))
            {
                if (s.Count == o.Memory) { s.RemoveAt(0); y.RemoveAt(0); rho.RemoveAt(0); }
                s.Add(sk); y.Add(yk); rho.Add(1 / sy);
            }
            x = xNew; g = gNew; fx = fNew;
            history.Add(fx);
            progress?.Invoke(it, fx);
            if (history.Count > o.Patience && history[^(o.Patience + 1)] - fx <= o.FunctionTolerance * Math.Max(1, Math.Abs(history[^(o.Patience + 1)])))
            {
                reason = $"the objective changed by less than {o.FunctionTolerance:G2} over {o.Patience} iteration(s)";
                break;
            }
        }
        return new MinimizationResult(x, fx, Math.Min(it, o.MaxIterations), evals, reason) { Cancelled = cancelled };
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < y.Length; i++) y[i] += a * x[i];
    }

    private static double MaxAbs(double[] a)
    {
        double m = 0;
        foreach (var v in a) m = Math.Max(m, Math.Abs(v));
        return m;
    }
}
