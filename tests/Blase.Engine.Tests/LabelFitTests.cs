using Blase.Engine.Emulators.LabelFitting;
using Blase.Engine.Emulators.Payne;
using Blase.Engine.IO.Formats;
using Blase.Engine.Spectra;
using Blase.Engine.Transfer;
using Xunit.Abstractions;

namespace Blase.Engine.Tests;

/// <summary>Label inference with the emulators: The Payne 2018 network against its formula, and injection and recovery.</summary>
public class LabelFitTests
{
    private readonly ITestOutputHelper _out;
    public LabelFitTests(ITestOutputHelper output) => _out = output;

    private static string PayneFile => TestData.File("payne", "NN_normalized_spectra.npz");
    private static readonly Lazy<PayneNetwork> Payne = new(() => PayneNetwork.Load(PayneFile));

    [DataFact]
    public void Payne_2018_forward_pass_equals_the_readme_formula_on_every_pixel()
    {
        // The formula of ../shared/data/README.md, written out from the raw arrays (pixel-major, C order).
        var a = NpyArchive.Read(PayneFile);
        double[] w0 = a["w_array_0"].Values, b0 = a["b_array_0"].Values, w1 = a["w_array_1"].Values, b1 = a["b_array_1"].Values;
        double[] xMin = a["x_min"].Values, xMax = a["x_max"].Values;
        int pixels = a["b_array_1"].Length, hidden = a["b_array_0"].Length / pixels, labels = xMin.Length;
        var r = new Random(8);
        for (int trial = 0; trial < 3; trial++)
        {
            var x = Enumerable.Range(0, labels).Select(k => xMin[k] + r.NextDouble() * (xMax[k] - xMin[k])).ToArray();
            var flux = Payne.Value.Evaluate(x);
            double worst = 0;
            for (int p = 0; p < pixels; p++)
            {
                double f = b1[p];
                for (int h = 0; h < hidden; h++)
                {
                    double z = b0[p * hidden + h];
                    for (int k = 0; k < labels; k++) z += w0[(p * hidden + h) * labels + k] * ((x[k] - xMin[k]) / (xMax[k] - xMin[k]) - 0.5);
                    f += w1[p * hidden + h] * (1 / (1 + Math.Exp(-z)));
                }
                worst = Math.Max(worst, Math.Abs(f - flux[p]));
            }
            Assert.True(worst <= 1e-10, $"largest difference {worst:G3}");
        }
    }

    /// <summary>The network's spectrum at the labels, observed at velocity v (the wavelength axis stretched by D), at S/N 100, times a tilted continuum.</summary>
    private static Spectrum Observed(PayneNetwork net, double[] labels, double vKms, int seed)
    {
        var flux = net.Evaluate(labels);
        double d = DopplerShift.Factor(vKms);
        var wave = net.Wavelength!.Select(w => w * d).ToArray();
        var r = new Random(seed);
        double lo = wave[0], hi = wave[^1];
        var f = new double[flux.Length];
        var s = new double[flux.Length];
        for (int i = 0; i < f.Length; i++)
        {
            double cont = 1.3 * (1 + 0.03 * (2 * wave[i] - lo - hi) / (hi - lo));
            s[i] = cont * flux[i] / 100;
            double gauss = Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
            f[i] = cont * flux[i] + s[i] * gauss;
        }
        return Spectrum.FromArrays(wave, f, s, medium: WavelengthMedium.Vacuum);
    }

    [DataFact]
    public void Payne_fit_recovers_injected_labels_at_signal_to_noise_100()
    {
        var net = Payne.Value;
        _out.WriteLine($"box: {string.Join(", ", net.LabelNames.Select((n, k) => $"{n} {net.LabelMin[k]:G5}..{net.LabelMax[k]:G5}"))}");
        var truth = new[] { 5230.0, 4.42, -0.12, 0.05, 6.0 };
        var spectrum = Observed(net, truth, 12.3, seed: 1);
        var fit = LabelFit.Fit(net, spectrum);
        _out.WriteLine($"{fit}  (iterations {fit.Iterations}, evaluations {fit.Evaluations}, {fit.Elapsed.TotalSeconds:F2} s, converged {fit.Converged})");
        Assert.True(fit.Converged);
        Assert.InRange(fit.Label("Teff"), truth[0] - 20, truth[0] + 20);
        Assert.InRange(fit.Label("LogG"), truth[1] - 0.05, truth[1] + 0.05);
        Assert.InRange(fit.Label("Metallicity"), truth[2] - 0.03, truth[2] + 0.03);
        Assert.InRange(fit.RadialVelocity, 12.3 - 0.5, 12.3 + 0.5);
        // The errors are honest: the misses are within 4σ, and χ²/ν is about 1.
        for (int k = 0; k < 5; k++) Assert.True(Math.Abs(fit.Labels[k] - truth[k]) < 4 * fit.LabelErrors[k], $"{fit.LabelNames[k]} misses by {fit.Labels[k] - truth[k]:G3}, σ {fit.LabelErrors[k]:G3}");
        Assert.InRange(fit.ReducedChiSquare, 0.9, 1.1);
    }

    [DataFact]
    public void PcaGp_fit_recovers_a_held_out_grid_spectrum()
    {
        var grid = Emulators.Starfish.EmulatorGrid.Read(TestData.File("grids", "PHOENIX_IGRINS_m075.hdf5"));
        var truth = new[] { 3900.0, 3.5, 0.0 };
        int held = grid.IndexOf(truth);
        var emulator = Emulators.Starfish.PcaGpEmulator.Train(grid.Without(held), new Emulators.Starfish.PcaGpOptions { ExplainedVariance = 0.999 });
        // The held-out spectrum observed at +8 km/s (its wavelength axis stretched) with S/N 100 noise.
        double d = DopplerShift.Factor(8);
        var r = new Random(5);
        var flux = grid.Fluxes[held];
        var sigma = flux.Select(f => f / 100).ToArray();
        var noisy = flux.Select((f, i) => f + sigma[i] * Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble())).ToArray();
        var spectrum = Spectrum.FromArrays(grid.Wavelength.Select(w => w * d).ToArray(), noisy, sigma, medium: grid.Medium);
        var fit = LabelFit.Fit(emulator, spectrum);
        _out.WriteLine($"{fit}  (iterations {fit.Iterations}, evaluations {fit.Evaluations}, {fit.Elapsed.TotalSeconds:F2} s, converged {fit.Converged})");
        var plain = LabelFit.Fit(emulator, spectrum, new LabelFitOptions { UseEmulatorCovariance = false });
        _out.WriteLine($"without the emulator's covariance: {plain}");
        Assert.True(fit.Converged);
        Assert.True(fit.EmulatorCovarianceUsed);
        Assert.InRange(fit.Label("Teff"), 3850, 3950);
        Assert.InRange(fit.Label("LogG"), 3.3, 3.7);
        Assert.InRange(fit.Label("Metallicity"), -0.15, 0.15);
        Assert.InRange(fit.RadialVelocity, 7, 9);
        // The emulator's covariance widens the errors (it adds variance the data alone do not have).
        Assert.True(fit.LabelError("Teff") >= plain.LabelError("Teff"));
    }

    [DataFact]
    public void Payne_fit_across_three_orders_recovers_v_sin_i()
    {
        // The network's spectrum rotated by v sin i = 15 km/s (Gray's kernel, ε = 0.6, integrated here by the midpoint rule over
        // 2,000 steps in u = v/v sin i, the spectrum linearly interpolated in ln λ), split at the chip gaps into three orders,
        // each with its own continuum, S/N 100.
        var net = Payne.Value;
        var truth = new[] { 5600.0, 4.3, 0.1, 0.0, 5.0 };
        const double vsini = 15, eps = 0.6;
        var flux = net.Evaluate(truth);
        var ln = net.Wavelength!.Select(w => Math.Log(w)).ToArray();
        double At(double x)
        {
            int j = Array.BinarySearch(ln, x);
            if (j >= 0) return flux[j];
            j = ~j;
            if (j == 0) return flux[0];
            if (j == ln.Length) return flux[^1];
            double t = (x - ln[j - 1]) / (ln[j] - ln[j - 1]);
            return flux[j - 1] + t * (flux[j] - flux[j - 1]);
        }
        const int steps = 2000;
        var rotated = new double[flux.Length];
        for (int i = 0; i < flux.Length; i++)
        {
            double s = 0, norm = 0;
            for (int k = 0; k < steps; k++)
            {
                double u = -1 + (k + 0.5) * 2.0 / steps;
                double g = 2 * (1 - eps) * Math.Sqrt(1 - u * u) + Math.PI * eps / 2 * (1 - u * u);
                s += g * At(ln[i] - u * vsini / DopplerShift.SpeedOfLightKms);
                norm += g;
            }
            rotated[i] = s / norm;
        }
        var gaps = Enumerable.Range(1, ln.Length - 1).Where(j => ln[j] - ln[j - 1] > 1e-4).ToArray();
        Assert.Equal(2, gaps.Length);
        var bounds = new[] { 0, gaps[0], gaps[1], ln.Length };
        var r = new Random(3);
        var orders = new List<SpectralOrder>();
        for (int o = 0; o < 3; o++)
        {
            int from = bounds[o], count = bounds[o + 1] - from;
            var w = net.Wavelength[from..(from + count)];
            var f = new double[count];
            var sg = new double[count];
            for (int i = 0; i < count; i++)
            {
                double cont = (1 + 0.2 * o) * (1 + 0.02 * (o - 1) * i / count);
                sg[i] = cont * rotated[from + i] / 100;
                f[i] = cont * rotated[from + i] + sg[i] * Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
            }
            orders.Add(new SpectralOrder(o, w, f, sg));
        }
        var spectrum = new Spectrum(orders, WavelengthUnit.Angstrom, WavelengthMedium.Vacuum);
        // v_macro held at its true value: the 2018 network's v_macro and v sin i both broaden the lines.
        var fit = LabelFit.Fit(net, spectrum, new LabelFitOptions
        {
            FitVsini = true, Vsini = 5, LimbDarkening = eps, RadialVelocity = 0, FixedLabels = new Dictionary<string, double> { ["Vmacro"] = 5 },
        });
        _out.WriteLine($"{fit}; v sin i {fit.Vsini:F2} ± {fit.VsiniError:F2} km/s ({fit.Iterations} iterations, {fit.Elapsed.TotalSeconds:F1} s)");
        Assert.Equal(3, fit.Continuum.Length);
        Assert.InRange(fit.Vsini, vsini - 3 * fit.VsiniError, vsini + 3 * fit.VsiniError);
        Assert.InRange(fit.VsiniError, 0.02, 0.5);
        // Broadening washes out some of the lines' information: the labels are held to 3σ of their own errors.
        for (int k = 0; k < 4; k++)
            Assert.True(Math.Abs(fit.Labels[k] - truth[k]) < 3 * fit.LabelErrors[k], $"{fit.LabelNames[k]} misses by {fit.Labels[k] - truth[k]:G3}, σ {fit.LabelErrors[k]:G3}");
        Assert.InRange(fit.ReducedChiSquare, 0.9, 1.1);
    }
}
