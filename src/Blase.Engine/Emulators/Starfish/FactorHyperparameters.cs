using MathNet.Numerics.LinearAlgebra;

namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// How the mean-flux factor c (each grid spectrum's mean, divided out by the whitening) is interpolated:
/// ln c = Σ_b β_b h_b(u) + g(θ), a least-squares polynomial trend in the scaled labels u_d = (θ_d − centre_d)/scale_d — quadratic
/// (1, u_d, u_a u_b for a &lt; b, and u_d² for labels with at least three values on the grid: with two, u_d² is the constant
/// 1) when the grid has at least twice as many points as that basis, else linear — plus a
/// squared-exponential GP g on what the trend leaves, with its own amplitude, length scales and a small noise variance that
/// maximize g's marginal likelihood (same L-BFGS as the weights). Starfish interpolates c linearly between grid points, and
/// the curvature of ln c with Teff alone makes that 0.05–0.2 % wrong near 4000 K, as large as the whole error budget; the
/// trend takes up the curvature, so the GP only has to follow small, smooth departures from it.
/// </summary>
public sealed record FactorHyperparameters(double[] Trend, double[] Centre, double[] Scale, bool[] Squares, double Variance,
    double[] LengthScales, double Noise)
{
    /// <summary>Σ_b β_b h_b(u).</summary>
    public double TrendAt(IReadOnlyList<double> labels)
    {
        var h = Basis(labels, Centre, Scale, Squares, Trend.Length > labels.Count + 1);
        if (h.Length != Trend.Length) throw new BlaseDataException($"the factor trend has {Trend.Length} terms, its basis {h.Length}");
        double v = 0;
        for (int b = 0; b < h.Length; b++) v += Trend[b] * h[b];
        return v;
    }

    private static int QuadraticCount(int dims, bool[] squares) => 1 + dims + dims * (dims - 1) / 2 + squares.Count(q => q);

    private static double[] Basis(IReadOnlyList<double> labels, double[] centre, double[] scale, bool[] squares, bool quadratic)
    {
        int dims = labels.Count;
        var h = new double[quadratic ? QuadraticCount(dims, squares) : dims + 1];
        h[0] = 1;
        for (int d = 0; d < dims; d++) h[1 + d] = (labels[d] - centre[d]) / scale[d];
        if (quadratic)
        {
            int q = dims + 1;
            for (int a = 0; a < dims; a++)
                for (int b = a; b < dims; b++)
                    if (a != b || squares[a]) h[q++] = h[1 + a] * h[1 + b];
        }
        return h;
    }

    public static FactorHyperparameters Fit(double[][] labels, double[] lnFactors, double[] min, double[] max)
    {
        int n = labels.Length, dims = labels[0].Length;
        var centre = Enumerable.Range(0, dims).Select(d => 0.5 * (min[d] + max[d])).ToArray();
        var scale = Enumerable.Range(0, dims).Select(d => max[d] > min[d] ? 0.5 * (max[d] - min[d]) : 1).ToArray();
        var squares = Enumerable.Range(0, dims).Select(d => labels.Select(l => l[d]).Distinct().Count() >= 3).ToArray();
        bool quadratic = n >= 2 * QuadraticCount(dims, squares);
        var rows = labels.Select(l => Basis(l, centre, scale, squares, quadratic)).ToArray();
        int count = rows[0].Length;
        double[] beta;
        if (n > count)
        {
            var h = Matrix<double>.Build.Dense(n, count, (i, b) => rows[i][b]);
            beta = h.QR().Solve(Vector<double>.Build.DenseOfArray(lnFactors)).ToArray();
        }
        else
        {
            beta = new double[count];
            beta[0] = lnFactors.Average();
        }
        var trend = new FactorHyperparameters(beta, centre, scale, squares, 1, new double[dims], 0);
        var y = lnFactors.Select((v, i) => v - trend.TrendAt(labels[i])).ToArray();
        double var0 = Math.Max(y.Average(v => v * v), 1e-14);
        var like = new HabibLikelihood(labels, new[] { y }, 1, 0, includeResidual: false)
        {
            Threads = 1, MinLengthScales = PcaGpEmulator.LengthScaleFloor(labels),
        };
        var theta = new double[1 + 1 + dims];
        theta[0] = Math.Log(var0 * 1e-4);
        theta[1] = Math.Log(var0);
        var l0 = PcaGpEmulator.StartingLengthScales(labels);
        for (int d = 0; d < dims; d++) theta[2 + d] = Math.Log(l0[d]);
        double norm = 1.0 / n;
        var r = Fitting.Lbfgs.Minimize((x, g) =>
        {
            double v = like.Evaluate(x, g);
            for (int i = 0; i < g.Length; i++) g[i] *= -norm;
            return -v * norm;
        }, theta, new Fitting.LbfgsOptions { MaxIterations = 400, GradientTolerance = 1e-7 });
        var t = r.X;
        // A floor on the noise keeps C well conditioned when the residual is nearly exactly smooth.
        double noise = Math.Max(Math.Exp(t[0]), 1e-10 * Math.Exp(t[1]));
        return new FactorHyperparameters(beta, centre, scale, squares, Math.Exp(t[1]), Enumerable.Range(0, dims).Select(d => Math.Exp(t[2 + d])).ToArray(), noise);
    }
}
