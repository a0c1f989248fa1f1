namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// Limited-memory BFGS (Nocedal &amp; Wright 2006, algorithm 7.4, two-loop recursion) with a backtracking line search
/// that satisfies the Armijo condition and steps back from non-finite values (a covariance that stops being positive
/// definite). Minimizes f; stops when the gradient's largest component falls below <c>gradientTolerance</c>, when the
/// relative decrease of f over an iteration is below <c>functionTolerance</c>, at <c>maxIterations</c>, or on cancellation,
/// and always returns the best point evaluated.
/// </summary>
internal static class Lbfgs
{
    public delegate double Objective(ReadOnlySpan<double> x, Span<double> gradient);

    public sealed record Result(double[] X, double Value, int Iterations, int Evaluations, string ExitCondition);

    public static Result Minimize(Objective f, double[] x0, int maxIterations = 500, double gradientTolerance = 1e-6,
        double functionTolerance = 1e-12, int memory = 10, CancellationToken cancel = default, Action<int, double>? progress = null)
    {
        int n = x0.Length;
        var x = (double[])x0.Clone();
        var g = new double[n];
        double fx = f(x, g);
        int evals = 1;
        if (!double.IsFinite(fx)) throw new InvalidOperationException("the objective is not finite at the starting point");
        var s = new List<double[]>(); var y = new List<double[]>(); var rho = new List<double>();
        var d = new double[n]; var xn = new double[n]; var gn = new double[n]; var alphaBuf = new double[memory];
        string exit = "MaxIterations";
        int it;
        for (it = 0; it < maxIterations; it++)
        {
            if (cancel.IsCancellationRequested) { exit = "Cancelled"; break; }
            if (MaxAbs(g) < gradientTolerance) { exit = "GradientTolerance"; break; }
            // d = −H g by the two-loop recursion
            for (int i = 0; i < n; i++) d[i] = -g[i];
            for (int m = s.Count - 1; m >= 0; m--) { alphaBuf[m] = rho[m] * Dot(s[m], d); Axpy(-alphaBuf[m], y[m], d); }
            double gamma = s.Count > 0 ? Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]) : 1.0 / Math.Max(1, MaxAbs(g));
            for (int i = 0; i < n; i++) d[i] *= gamma;
            for (int m = 0; m < s.Count; m++) { double b = rho[m] * Dot(y[m], d); Axpy(alphaBuf[m] - b, s[m], d); }
            double slope = Dot(g, d);
            if (!(slope < 0)) { for (int i = 0; i < n; i++) d[i] = -g[i] * gamma; slope = Dot(g, d); s.Clear(); y.Clear(); rho.Clear(); }
            double step = 1, fn = double.NaN;
            bool accepted = false;
            for (int ls = 0; ls < 40; ls++)
            {
                for (int i = 0; i < n; i++) xn[i] = x[i] + step * d[i];
                fn = f(xn, gn); evals++;
                if (double.IsFinite(fn) && fn <= fx + 1e-4 * step * slope) { accepted = true; break; }
                step *= double.IsFinite(fn) ? 0.5 : 0.1;
            }
            if (!accepted) { exit = "LineSearchFailed"; break; }
            var sk = new double[n]; var yk = new double[n];
            for (int i = 0; i < n; i++) { sk[i] = xn[i] - x[i]; yk[i] = gn[i] - g[i]; }
            double sy = Dot(sk, yk);
            if (sy > 1e-12 * Math.Sqrt(Dot(sk, sk) * Dot(yk, yk)))
            {
                if (s.Count == memory) { s.RemoveAt(0); y.RemoveAt(0); rho.RemoveAt(0); }
                s.Add(sk); y.Add(yk); rho.Add(1 / sy);
            }
            double decrease = fx - fn;
            Array.Copy(xn, x, n); Array.Copy(gn, g, n); fx = fn;
            progress?.Invoke(it + 1, fx);
            if (decrease <= functionTolerance * Math.Max(1, Math.Abs(fx))) { exit = "FunctionTolerance"; it++; break; }
        }
        return new Result(x, fx, it, evals, exit);
    }

    private static double Dot(double[] a, double[] b) { double s = 0; for (int i = 0; i < a.Length; i++) s += a[i] * b[i]; return s; }
    private static void Axpy(double a, double[] x, double[] y) { for (int i = 0; i < x.Length; i++) y[i] += a * x[i]; }
    private static double MaxAbs(double[] a) { double m = 0; foreach (var v in a) m = Math.Max(m, Math.Abs(v)); return m; }
}
