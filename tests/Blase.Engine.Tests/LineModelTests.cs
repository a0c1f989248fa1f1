using System.Numerics;
using Blase.Engine.Fitting;
using Blase.Engine.Lines;

namespace Blase.Engine.Tests;

public class LineModelTests
{
    [Fact]
    public void Faddeeva_matches_known_values()
    {
        Assert.Equal(1.0, Faddeeva.W(0).Real, 12);
        Assert.Equal(0.42758357615580700, Faddeeva.W(new Complex(0, 1)).Real, 12); // erfcx(1)
        // w(x) on the real axis: Re = exp(−x²), Im = 2/√π · Dawson(x); Dawson(1) = 0.5380795069127684.
        var w1 = Faddeeva.W(1);
        Assert.Equal(Math.Exp(-1), w1.Real, 12);
        Assert.Equal(2 / Math.Sqrt(Math.PI) * 0.5380795069127684, w1.Imaginary, 12);
    }

    [Theory]
    [InlineData(ProfileShape.PseudoVoigt)]
    [InlineData(ProfileShape.Tch)]
    [InlineData(ProfileShape.Voigt)]
    public void Every_profile_has_unit_area(ProfileShape kind)
    {
        var s = new LineShape(kind, 0.03, 0.02);
        // Trapezoid over ±200 Å, plus the analytic Lorentzian tail beyond (γ_L/πΔ with the profile's Lorentz weight).
        double step = 0.0005, sum = 0;
        for (double d = -200; d <= 200; d += step) sum += s.Value(d) * step;
        double tailWeight = kind == ProfileShape.Voigt ? 1 : s.Eta;
        sum += 2 * tailWeight * s.Ge / (Math.PI * 200);
        Assert.Equal(1.0, sum, 4);
    }

    [Fact]
    public void Blase_mixture_is_the_formula_of_the_design()
    {
        // Written out independently of LineShape: η from f_L/f with f the TCH width, L and G at their own widths.
        double sigma = 0.04, gamma = 0.015, d = 0.021;
        double fg = 2 * Math.Sqrt(2 * Math.Log(2)) * sigma, fl = 2 * gamma;
        double f = Math.Pow(Math.Pow(fg, 5) + 2.69269 * Math.Pow(fg, 4) * fl + 2.42843 * Math.Pow(fg, 3) * fl * fl
                            + 4.47163 * fg * fg * Math.Pow(fl, 3) + 0.07842 * fg * Math.Pow(fl, 4) + Math.Pow(fl, 5), 0.2);
        double eta = 1.36603 * (fl / f) - 0.47719 * Math.Pow(fl / f, 2) + 0.11116 * Math.Pow(fl / f, 3);
        double l = gamma / (Math.PI * (gamma * gamma + d * d));
        double g = Math.Exp(-d * d / (2 * sigma * sigma)) / (sigma * Math.Sqrt(2 * Math.PI));
        Assert.Equal(eta * l + (1 - eta) * g, new LineShape(ProfileShape.PseudoVoigt, sigma, gamma).Value(d), 12);
    }

    public static IEnumerable<object[]> Cases() =>
        from p in Enum.GetValues<ProfileShape>() from m in Enum.GetValues<CombinationMode>() select new object[] { p, m };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Analytic_gradient_matches_finite_differences(ProfileShape profile, CombinationMode mode)
    {
        var wave = TestData.Grid(6000, 6003, 0.01);
        var truth = Model(profile, mode, new[] { 6000.9, 6001.05, 6002.2 }, new[] { 0.05, 0.03, 0.08 }, new[] { 0.03, 0.02, 0.05 }, new[] { 0.02, 0.01, 0.03 }, new[] { 1.0, 0.02 });
        var target = truth.Evaluate(wave);
        var start = Model(profile, mode, new[] { 6000.92, 6001.03, 6002.18 }, new[] { 0.04, 0.035, 0.07 }, new[] { 0.035, 0.018, 0.045 }, new[] { 0.025, 0.012, 0.028 }, new[] { 0.98, 0.01 });
        var weight = wave.Select((_, i) => 1.0 + (i % 5)).ToArray();
        var obj = new CloneObjective(start, wave, target, weight);
        var p = obj.GetParameters();
        var grad = new double[p.Length];
        obj.Gradient(obj.Flux(), grad);
        for (int k = 0; k < p.Length; k++)
        {
            const double h = 1e-6;
            var pp = (double[])p.Clone(); pp[k] += h; obj.SetParameters(pp); double lp = obj.Loss();
            pp[k] -= 2 * h; obj.SetParameters(pp); double lm = obj.Loss();
            obj.SetParameters(p);
            double fd = (lp - lm) / (2 * h);
            Assert.True(Math.Abs(fd - grad[k]) <= 1e-5 * Math.Max(1, Math.Abs(fd)), $"{profile}/{mode} parameter {k}: analytic {grad[k]}, finite difference {fd}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Kernels_give_the_same_bits_on_any_thread_count(ProfileShape profile, CombinationMode mode)
    {
        var wave = TestData.Grid(6000, 6010, 0.01);
        int n = 40;
        var model = TestData.BlendedLines(n, 6000.1, 2, 0.052, profile, mode);
        var q = wave.Select((_, i) => Math.Sin(0.3 * i)).ToArray();
        var h = wave.Select((_, i) => 1 + 0.5 * Math.Cos(0.2 * i)).ToArray();
        (double[] LnS, double[] Grad, double[] Blocks) Run(int threads)
        {
            var k = new LineKernels(model, wave, threads);
            var grad = new double[4 * n];
            var blocks = new double[10 * n];
            k.Gradient(q, h, grad, blocks);
            return (k.LogFlux(), grad, blocks);
        }
        var one = Run(1);
        foreach (int threads in new[] { 2, 5 })
        {
            var other = Run(threads);
            Assert.Equal(one.LnS, other.LnS);
            Assert.Equal(one.Grad, other.Grad);
            Assert.Equal(one.Blocks, other.Blocks);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Per_line_derivatives_are_the_scalar_terms(ProfileShape profile, CombinationMode mode)
    {
        // The vector kernels' per-pixel ∂ln S/∂θ (which the transfer's Jacobian takes) against LineKernels.Terms pixel by
        // pixel, with one line saturated in its core (clamped in linear mode: zero there).
        var wave = TestData.Grid(6000, 6004, 0.01);
        var model = new LineModel(new[] { 6000.503, 6001.7, 6002.01, 6003.3 }, new[] { Math.Log(0.01), Math.Log(1.0), Math.Log(0.03), Math.Log(0.002) },
            new[] { Math.Log(0.03), Math.Log(0.01), Math.Log(0.05), Math.Log(0.02) }, new[] { Math.Log(0.02), Math.Log(0.004), Math.Log(0.01), Math.Log(0.03) }, profile, mode);
        var k = new LineKernels(model, wave);
        var d = Enumerable.Range(0, 4).Select(_ => new double[k.MaxWindow]).ToArray();
        bool linear = mode == CombinationMode.Linear;
        int clamped = 0;
        for (int j = 0; j < model.Count; j++)
        {
            var (start, end) = k.Derivatives(j, d);
            var shape = model.Shape(j);
            double a = Math.Exp(model.LnAmplitude[j]);
            var want = new double[4, end - start];
            for (int i = start; i < end; i++)
            {
                if (!LineKernels.Terms(shape, a, wave[i] - model.Center[j], linear, out want[0, i - start], out want[1, i - start], out want[2, i - start], out want[3, i - start])) clamped++;
            }
            for (int p = 0; p < 4; p++)
            {
                double scale = Enumerable.Range(0, end - start).Max(i => Math.Abs(want[p, i]));
                for (int i = 0; i < end - start; i++)
                    Assert.True(Math.Abs(d[p][i] - want[p, i]) <= 1e-12 * scale, $"line {j} parameter {p} pixel {start + i}: {d[p][i]} vs {want[p, i]}");
            }
        }
        if (linear) Assert.True(clamped > 0);
    }

    private static LineModel Model(ProfileShape p, CombinationMode m, double[] c, double[] a, double[] s, double[] g, double[] cont) =>
        new(c, a.Select(v => Math.Log(v)).ToArray(), s.Select(v => Math.Log(v)).ToArray(), g.Select(v => Math.Log(v)).ToArray(), p, m, cont, 6000, 6003) { WingCut = 100000 };

    [Fact]
    public void Models_orders_and_reports_read_well_as_text()
    {
        // What a table cell, a string or ConvertTo-Json at its depth limit shows: the figures, not the type name.
        var m = LineModelFileTests.ClonedModel();
        Assert.Equal("lte05800 σ-Ori naïve ☉: 2 lines (PseudoVoigt, Linear), RMS 0.0149", m.ToString());
        Assert.StartsWith("2 lines found in lte05800-4.50-0.0", m.Report!.ToString());
        Assert.Contains("Adam: 3 iterations in 0.12 s on CPU (2 threads), RMS 0.05 → 0.0149", m.Report.Training.ToString());
        var order = Spectra.SpectralOrder.FromArrays(5, new[] { 8600.0, 8600.5, 8601.0 }, new[] { 1.0, double.NaN, 1.0 });
        Assert.Equal("order 5: 8600–8601, 3 px (2 good)", order.ToString());
    }
}
