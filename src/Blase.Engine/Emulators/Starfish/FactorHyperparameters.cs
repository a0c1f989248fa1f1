using MathNet.Numerics.LinearAlgebra;

namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// How the mean-flux factor c (each grid spectrum's mean, divided out by the whitening) is interpolated: ln c = β₀ + Σ_d β_d θ_d
/// + g(θ), a least-squares linear trend in the labels plus a squared-exponential GP g on what the trend leaves, with its own
/// amplitude, length scales and a small noise variance that maximize g's marginal likelihood (same L-BFGS as the weights).
/// Starfish interpolates c linearly between grid points; over a 100 K step near 4000 K the curvature of ln c alone makes that
/// ~0.05–0.2 % wrong, which is as large as the whole error budget of an emulator.
/// </summary>
public sealed record FactorHyperparameters(double[] Trend, double Variance, double[] LengthScales, double Noise)
{
    /// <summary>β₀ + Σ_d β_d θ_d.</summary>
    public double TrendAt(IReadOnlyList<double> labels)
    {
        double v = Trend[0];
        for (int d = 0; d < labels.Count; d++) v += Trend[1 + d] * labels[d];
        return v;
    }

    public static FactorHyperparameters Fit(double[][] labels, double[] lnFactors, double[] min, double[] max)
    {
        int n = labels.Length, dims = labels[0].Length;
        var h = Matrix<double>.Build.Dense(n, dims + 1, (i, d) => d == 0 ? 1 : labels[i][d - 1]);
        var beta = n > dims + 1
            ? h.QR().Solve(Vector<double>.Build.DenseOfArray(lnFactors)).ToArray()
            : new[] { lnFactors.Average() }.Concat(new double[dims]).ToArray();
        var trend = new FactorHyperparameters(beta, 1, new double[dims], 0);
        var y = lnFactors.Select((v, i) => v - trend.TrendAt(labels[i])).ToArray();
        double var0 = Math.Max(y.Average(v => v * v), 1e-14);
        var like = new HabibLikelihood(labels, new[] { y }, 1, 0, includeResidual: false) { Threads = 1 };
        var theta = new double[1 + 1 + dims];
        theta[0] = Math.Log(var0 * 1e-4);
        theta[1] = Math.Log(var0);
        var l0 = PcaGpEmulator.StartingLengthScales(labels);
        for (int d = 0; d < dims; d++) theta[2 + d] = Math.Log(l0[d]);
        double scale = 1.0 / n;
        var r = Lbfgs.Minimize((x, g) =>
        {
            double v = like.Evaluate(x, g);
            for (int i = 0; i < g.Length; i++) g[i] *= -scale;
            return -v * scale;
        }, theta, 400, 1e-7);
        var t = r.X;
        // A floor on the noise keeps C well conditioned when the residual is nearly exactly smooth.
        double noise = Math.Max(Math.Exp(t[0]), 1e-10 * Math.Exp(t[1]));
        return new FactorHyperparameters(beta, Math.Exp(t[1]), Enumerable.Range(0, dims).Select(d => Math.Exp(t[2 + d])).ToArray(), noise);
    }
}
