using MathNet.Numerics.LinearAlgebra;

namespace Blase.Engine.Emulators.LabelFitting;

/// <summary>
/// Minimizes a smooth function of a few bounded parameters (a label fit's labels, velocity and v sin i) by damped Newton steps
/// on its central finite-difference gradient and Hessian (Levenberg–Marquardt damping on the Hessian's diagonal; parameters at
/// a bound that the gradient pushes outward are held there for the step). With p parameters each iteration costs 2p² + 1
/// evaluations, which is cheap for p ≤ 10 and an emulator evaluated in a millisecond, and the Hessian it ends with is the
/// curvature the uncertainties come from: for f = −2 ln L, Cov = 2 H⁻¹.
/// The parameters should be scaled so that the difference steps are small against their scale of variation.
/// </summary>
public static class FiniteDifferenceNewton
{
    public sealed record Result(double[] X, double Value, double[,] Hessian, bool[] AtBound, int Iterations, int Evaluations, bool Converged);

    public static Result Minimize(Func<double[], double> f, double[] x0, double[] lower, double[] upper, double[] step,
        double valueTolerance, int maxIterations, CancellationToken cancel = default, Action<int, double>? progress = null)
    {
        int p = x0.Length, evaluations = 0;
        double F(double[] x) { evaluations++; return f(x); }
        var x = x0.Select((v, i) => Math.Clamp(v, lower[i], upper[i])).ToArray();
        double fx = F(x), lambda = 1e-3;
        var (g, h) = Derivatives(F, x, fx, step);
        bool converged = false;
        int iteration = 0;
        var atBound = new bool[p];
        while (iteration < maxIterations && !converged)
        {
            cancel.ThrowIfCancellationRequested();
            iteration++;
            for (int i = 0; i < p; i++)
                atBound[i] = (x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0);
            var free = Enumerable.Range(0, p).Where(i => !atBound[i]).ToArray();
            bool accepted = false;
            for (int attempt = 0; attempt < 30 && !accepted; attempt++)
            {
                int n = free.Length;
                var a = new double[n * n];
                var b = new double[n];
                for (int r = 0; r < n; r++)
                {
                    b[r] = -g[free[r]];
                    for (int c = 0; c < n; c++) a[r * n + c] = h[free[r], free[c]];
                    a[r * n + r] += lambda * Math.Max(Math.Abs(h[free[r], free[r]]), 1e-12);
                }
                if (n == 0) { converged = true; break; }
                var delta = SolvePositiveDefinite(a, b, n);
                if (delta is null) { lambda *= 10; continue; }
                var trial = (double[])x.Clone();
                for (int r = 0; r < n; r++) trial[free[r]] = Math.Clamp(x[free[r]] + delta[r], lower[free[r]], upper[free[r]]);
                double ft = F(trial);
                if (ft < fx)
                {
                    accepted = true;
                    double gain = fx - ft;
                    x = trial; fx = ft;
                    lambda = Math.Max(lambda / 10, 1e-9);
                    converged = gain < valueTolerance;
                }
                else lambda *= 10;
            }
            progress?.Invoke(iteration, fx);
            // No step lowers f even with heavy damping: a minimum to within the precision of the differences.
            if (!accepted) { converged = true; break; }
            (g, h) = Derivatives(F, x, fx, step);
        }
        for (int i = 0; i < p; i++) atBound[i] = (x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0);
        return new Result(x, fx, h, atBound, iteration, evaluations, converged);
    }

    /// <summary>The solution of A x = b by Cholesky, or null when A is not positive definite (the damping must grow).</summary>
    private static double[]? SolvePositiveDefinite(double[] a, double[] b, int n)
    {
        var m = Matrix<double>.Build.Dense(n, n, (r, c) => a[r * n + c]);
        try
        {
            var x = m.Cholesky().Solve(Vector<double>.Build.DenseOfArray(b)).ToArray();
            return x.All(double.IsFinite) ? x : null;
        }
        catch (ArgumentException) { return null; }
    }

    /// <summary>Central differences: g_i = (f₊ − f₋)/2h_i, H_ii = (f₊ − 2f + f₋)/h_i², H_ij from the four corners.</summary>
    private static (double[] G, double[,] H) Derivatives(Func<double[], double> f, double[] x, double fx, double[] step)
    {
        int p = x.Length;
        var g = new double[p];
        var h = new double[p, p];
        double At(int i, double si, int j = -1, double sj = 0)
        {
            var y = (double[])x.Clone();
            y[i] += si;
            if (j >= 0) y[j] += sj;
            return f(y);
        }
        for (int i = 0; i < p; i++)
        {
            double fp = At(i, step[i]), fm = At(i, -step[i]);
            g[i] = (fp - fm) / (2 * step[i]);
            h[i, i] = (fp - 2 * fx + fm) / (step[i] * step[i]);
            for (int j = 0; j < i; j++)
            {
                double fpp = At(i, step[i], j, step[j]), fpm = At(i, step[i], j, -step[j]);
                double fmp = At(i, -step[i], j, step[j]), fmm = At(i, -step[i], j, -step[j]);
                h[i, j] = h[j, i] = (fpp - fpm - fmp + fmm) / (4 * step[i] * step[j]);
            }
        }
        return (g, h);
    }
}
