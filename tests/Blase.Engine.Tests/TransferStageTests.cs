using Blase.Engine.Lines;
using Blase.Engine.Transfer;

namespace Blase.Engine.Tests;

/// <summary>Each transfer stage against an independent truth: sums, integrals, exact identities, finite differences.</summary>
public class TransferStageTests
{
    [Theory]
    [InlineData(7.0, 0.6, 0.25)]
    [InlineData(30.0, 0.0, 0.4)]
    [InlineData(0.1, 0.6, 0.25)]
    public void Rotation_taps_integrate_the_Gray_kernel_and_their_derivative_matches_differences(double vsini, double eps, double step)
    {
        var k = new RotationalBroadening(vsini, eps, step);
        Assert.Equal(1.0, k.Taps.Sum(), 12);
        // Second moment of the Gray kernel: ⟨v²⟩ = vL²·(1 − ε·7/15... computed by quadrature of the continuous kernel.
        if (vsini > 5 * step)
        {
            double m2 = k.Taps.Select((w, i) => w * Math.Pow((i - k.Half) * step, 2)).Sum();
            double q = 0, norm = 0;
            for (int i = -20000; i <= 20000; i++)
            {
                double u = i / 20000.0, g = 2 * (1 - eps) * Math.Sqrt(1 - u * u) + Math.PI * eps / 2 * (1 - u * u);
                q += g * u * u * vsini * vsini; norm += g;
            }
            Assert.Equal(q / norm + step * step / 12, m2, 2); // cell averaging adds Δv²/12
        }
        double h = 1e-6;
        var plus = new RotationalBroadening(vsini + h, eps, step);
        var minus = new RotationalBroadening(vsini - h, eps, step);
        if (plus.Taps.Length == k.Taps.Length && minus.Taps.Length == k.Taps.Length)
            for (int t = 0; t < k.Taps.Length; t++)
                Assert.Equal((plus.Taps[t] - minus.Taps[t]) / (2 * h), k.Derivative[t], 6);
    }

    private static (FineGrid Grid, double[] Pixels) Order()
    {
        var pixels = TestData.Grid(8650, 8670, 0.06);
        return (new FineGrid(pixels[0], pixels[^1], 0.3, 60), pixels);
    }

    [Fact]
    public void Instrument_conserves_flux_and_preserves_a_line_equivalent_width()
    {
        var (grid, pixels) = Order();
        var lsf = new InstrumentProfile(grid, pixels, 55_000);
        var ones = Enumerable.Repeat(1.0, grid.Count).ToArray();
        var b = new double[pixels.Length];
        lsf.Apply(ones, b);
        Assert.All(b, v => Assert.Equal(1.0, v, 9));
        // A Gaussian absorption line: its equivalent width on the pixels equals its area on the fine grid.
        var line = grid.Wavelength.Select(w => 1 - 0.5 * Math.Exp(-0.5 * Math.Pow((w - 8660.013) / 0.03, 2))).ToArray();
        lsf.Apply(line, b);
        double ewPixels = b.Select((v, i) => (1 - v) * (i + 1 < pixels.Length ? pixels[i + 1] - pixels[i] : 0.06)).Sum();
        Assert.Equal(0.5 * 0.03 * Math.Sqrt(2 * Math.PI), ewPixels, 7);
        // Its second moment grows by the LSF's σ² and a pixel's width²/12.
        double mean = b.Select((v, i) => (1 - v) * pixels[i]).Sum() / b.Select(v => 1 - v).Sum();
        double var = b.Select((v, i) => (1 - v) * Math.Pow(pixels[i] - mean, 2)).Sum() / b.Select(v => 1 - v).Sum();
        double sLsf = 8660 / (LineShape.FwhmPerSigma * 55_000);
        Assert.Equal(0.03 * 0.03 + sLsf * sLsf + 0.06 * 0.06 / 12, var, 6); // pixel integration adds Δ²/12
    }

    [Fact]
    public void Instrument_resolution_gradient_matches_differences()
    {
        var (grid, pixels) = Order();
        var rng = new Random(3);
        var fine = grid.Wavelength.Select(w => 1 - 0.4 * Math.Exp(-0.5 * Math.Pow((w - 8660) / 0.05, 2)) - 0.2 * Math.Exp(-0.5 * Math.Pow((w - 8655.3) / 0.03, 2))).ToArray();
        var g = pixels.Select(_ => rng.NextDouble() - 0.5).ToArray();
        double Value(double r)
        {
            var lsf = new InstrumentProfile(grid, pixels, r, 0.1);
            var b = new double[pixels.Length];
            lsf.Apply(fine, b);
            return b.Select((v, i) => v * g[i]).Sum();
        }
        double R = 55_000, h = 1e-5;
        double fd = (Value(R * Math.Exp(h)) - Value(R * Math.Exp(-h))) / (2 * h);
        double analytic = new InstrumentProfile(grid, pixels, R, 0.1).LnResolvingPowerGradient(g, fine);
        Assert.Equal(fd, analytic, 1e-6 * Math.Abs(fd) + 1e-10);
    }

    [Fact]
    public void Instrument_adjoint_is_the_transpose()
    {
        var (grid, pixels) = Order();
        var lsf = new InstrumentProfile(grid, pixels, 45_000);
        var rng = new Random(1);
        var x = grid.Wavelength.Select(_ => rng.NextDouble()).ToArray();
        var y = pixels.Select(_ => rng.NextDouble()).ToArray();
        var ax = new double[pixels.Length];
        lsf.Apply(x, ax);
        var aty = new double[grid.Count];
        lsf.ApplyAdjoint(y, aty);
        Assert.Equal(ax.Zip(y, (a, b) => a * b).Sum(), aty.Zip(x, (a, b) => a * b).Sum(), 9);
    }

    [Fact]
    public void Doppler_stretch_of_the_lines_equals_the_rest_spectrum_at_lambda_over_D()
    {
        var m = ObservationSimulator.SyntheticLines(40, 8650, 8670, 5);
        var wave = TestData.Grid(8650, 8670, 0.01);
        double v = -109.7, d = DopplerShift.Factor(v);
        Assert.Equal(v, DopplerShift.Velocity(d), 9);
        Assert.Equal(Math.Log(d), DopplerShift.LnFactor(v), 14);
        var shifted = m.Clone();
        for (int j = 0; j < m.Count; j++)
        {
            shifted.Center[j] *= d; shifted.LnAmplitude[j] += Math.Log(d); shifted.LnSigma[j] += Math.Log(d); shifted.LnGamma[j] += Math.Log(d);
        }
        shifted.Tolerance = m.Tolerance = 1e-12;
        var obs = new LineKernels(shifted, wave).LogFlux();
        var rest = new LineKernels(m, wave.Select(w => w / d).ToArray()).LogFlux();
        for (int i = 0; i < wave.Length; i++) Assert.Equal(rest[i], obs[i], 8);
    }
}
