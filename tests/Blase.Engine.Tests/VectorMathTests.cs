using System.Runtime.Intrinsics;
using Blase.Engine.Lines;

namespace Blase.Engine.Tests;

/// <summary>The line kernels' vector exp and ln against the runtime's scalar Math.Exp and Math.Log.</summary>
public class VectorMathTests
{
    private static double MaxRelativeError(Func<Vector256<double>, Vector256<double>> vector, Func<double, double> scalar, IEnumerable<double> xs)
    {
        double worst = 0;
        foreach (var chunk in xs.Chunk(4).Where(c => c.Length == 4))
        {
            var got = vector(Vector256.Create(chunk));
            for (int t = 0; t < 4; t++)
            {
                double want = scalar(chunk[t]);
                worst = Math.Max(worst, want == 0 ? Math.Abs(got[t]) : Math.Abs(got[t] - want) / Math.Abs(want));
            }
        }
        return worst;
    }

    [Fact]
    public void Exp_is_within_1e14_of_Math_Exp_over_the_kernels_range()
    {
        var rng = new Random(3);
        // The kernels take e^x for x in [−700, 0]; the range test goes a little past both ends.
        var xs = Enumerable.Range(0, 200_000).Select(_ => -705 + 710 * rng.NextDouble())
            .Concat(Enumerable.Range(0, 20_000).Select(_ => -1e-3 * rng.NextDouble()))
            .Concat(new[] { 0.0, -700, -1e-300, Math.Log(2), -Math.Log(2), 0.5 * Math.Log(2) - 1e-17, -708, 1, 2, 3 });
        Assert.True(MaxRelativeError(VectorMath.Exp, Math.Exp, xs) <= 1e-14);
    }

    [Fact]
    public void Log_is_within_1e14_of_Math_Log_near_one_and_far_from_it()
    {
        var rng = new Random(5);
        // The kernels take ln(1 − u) for u in (0, 1 − 1e-9]: x in [1e-9, 1), most of it within 1e-3 of 1.
        var xs = Enumerable.Range(0, 100_000).Select(_ => 1 - Math.Pow(10, -12 * rng.NextDouble()))
            .Concat(Enumerable.Range(0, 100_000).Select(_ => Math.Pow(10, -300 + 600 * rng.NextDouble())))
            .Concat(Enumerable.Range(0, 50_000).Select(_ => 0.5 + rng.NextDouble()))
            .Concat(new[] { 1.0, 1e-9, 0.5, 2, Math.Sqrt(0.5), Math.Sqrt(2), 1 - 1e-16, 1 + 2.2e-16, double.Epsilon * 1e10 + 2.3e-308 });
        Assert.True(MaxRelativeError(VectorMath.Log, Math.Log, xs.Where(x => x != 1)) <= 1e-14);
        Assert.Equal(0.0, VectorMath.Log(Vector256<double>.One)[0]);
    }

    [Fact]
    public void Log1m_is_the_exact_ln_of_1_minus_u()
    {
        var rng = new Random(9);
        // Against ln(1 − u) written independently: its whole series, smallest terms first, where u is small; Math.Log of
        // the (exactly representable) 1 − u on a grid of u = k/2²⁰ elsewhere.
        static double Series(double u) { double sum = 0; for (int k = 40; k >= 1; k--) sum += Math.Pow(u, k) / k; return -sum; }
        var small = Enumerable.Range(0, 40_000).Select(_ => Math.Pow(10, -12 + 9 * rng.NextDouble())).Append(VectorMath.SeriesBelow * (1 - 1e-16)).ToArray();
        Assert.True(MaxRelativeError(VectorMath.Log1m, Series, small) <= 1e-15);
        var large = Enumerable.Range(1049, 1_048_576 - 1049).Where(k => k % 7 == 0).Select(k => k / 1_048_576.0).ToArray();
        Assert.True(MaxRelativeError(VectorMath.Log1m, u => Math.Log(1 - u), large) <= 1e-14);
        // Mixed lanes choose per lane.
        var mixed = VectorMath.Log1m(Vector256.Create(1e-6, 0.5, 1e-4, 0.9));
        Assert.Equal(Math.Log(0.5), mixed[1], 15);
        Assert.True(Math.Abs(mixed[2] / Series(1e-4) - 1) <= 1e-15);
    }
}
