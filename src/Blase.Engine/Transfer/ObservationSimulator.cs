using Blase.Engine.Lines;
using Blase.Engine.Spectra;

namespace Blase.Engine.Transfer;

/// <summary>
/// Simulates an observation of a line model by brute force, independently of the transfer's stages (for injection tests
/// and the quickstart): the rest-frame lines evaluated at λ/D on a log grid of 0.05 km/s, rotation and LSF as point-sampled
/// kernels normalized to unit sum, each pixel the mean of 16 sub-samples across its edges, times a continuum, plus Gaussian
/// noise of σ = continuum/SNR. An optional telluric line model multiplies the rotated star, unshifted, before the LSF.
/// </summary>
public static class ObservationSimulator
{
    public static SpectralOrder Observe(LineModel star, double[] pixelWavelength, double radialVelocityKms, double vsiniKms,
        double limbDarkening, double resolvingPower, Func<double, double> continuum, double snr, int seed, int order = 0, LineModel? telluric = null)
    {
        const double stepKms = 0.05;
        double c = DopplerShift.SpeedOfLightKms, sigmaV = c / (LineShape.FwhmPerSigma * resolvingPower);
        double margin = vsiniKms + 8 * sigmaV + 10;
        var grid = new FineGrid(pixelWavelength[0], pixelWavelength[^1], stepKms, margin).Wavelength;
        double d = DopplerShift.Factor(radialVelocityKms);
        var rest = grid.Select(w => w / d).ToArray();
        var model = star.Clone();
        model.WingCut = null;
        using var k = new LineKernels(model, rest);
        var s = k.LogFlux().Select(Math.Exp).ToArray();

        double[] Kernel(Func<double, double> f, int half)
        {
            var taps = Enumerable.Range(-half, 2 * half + 1).Select(t => f(t * stepKms)).ToArray();
            double sum = taps.Sum();
            return taps.Select(t => t / sum).ToArray();
        }
        double eps = limbDarkening;
        var rot = vsiniKms <= stepKms ? new[] { 1.0 } : Kernel(v =>
        {
            double u = v / vsiniKms;
            return Math.Abs(u) >= 1 ? 0 : 2 * (1 - eps) * Math.Sqrt(1 - u * u) + Math.PI * eps / 2 * (1 - u * u);
        }, (int)Math.Ceiling(vsiniKms / stepKms));
        var lsf = Kernel(v => Math.Exp(-0.5 * v * v / (sigmaV * sigmaV)), (int)Math.Ceiling(7 * sigmaV / stepKms));
        var rotated = Convolve(s, rot);
        if (telluric is not null)
        {
            var t = telluric.Clone();
            t.WingCut = null;
            using var tk = new LineKernels(t, grid);
            var lnT = tk.LogFlux();
            for (int j = 0; j < rotated.Length; j++) rotated[j] *= Math.Exp(lnT[j]);
        }
        var smooth = Convolve(rotated, lsf);

        int n = pixelWavelength.Length;
        var flux = new double[n];
        var err = new double[n];
        var rng = new Random(seed);
        double lnStep = stepKms / c, ln0 = Math.Log(grid[0]);
        for (int i = 0; i < n; i++)
        {
            double lo = i > 0 ? 0.5 * (pixelWavelength[i - 1] + pixelWavelength[i]) : pixelWavelength[0] - 0.5 * (pixelWavelength[1] - pixelWavelength[0]);
            double hi = i < n - 1 ? 0.5 * (pixelWavelength[i] + pixelWavelength[i + 1]) : pixelWavelength[i] + 0.5 * (pixelWavelength[i] - pixelWavelength[i - 1]);
            double mean = 0;
            for (int q = 0; q < 16; q++)
            {
                double x = (Math.Log(lo + (q + 0.5) / 16 * (hi - lo)) - ln0) / lnStep;
                int k0 = (int)Math.Floor(x);
                double f = x - k0;
                mean += (smooth[k0] * (1 - f) + smooth[k0 + 1] * f) / 16;
            }
            double cont = continuum(pixelWavelength[i]);
            err[i] = snr > 0 ? cont / snr : 1;
            flux[i] = cont * mean + (snr > 0 ? err[i] * Gaussian(rng) : 0);
        }
        return new SpectralOrder(order, pixelWavelength, flux, err);
    }

    private static double[] Convolve(double[] x, double[] taps)
    {
        int h = taps.Length / 2;
        var y = new double[x.Length];
        Parallel.For(0, x.Length, k =>
        {
            double s = 0;
            for (int t = -h; t <= h; t++) { int m = Math.Clamp(k - t, 0, x.Length - 1); s += taps[t + h] * x[m]; }
            y[k] = s;
        });
        return y;
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    /// <summary>
    /// A synthetic line list standing in for a cloned template: <paramref name="count"/> lines over [min, max] Å with
    /// depths from 1 % to 60 % (most weak, as in real spectra) and PHOENIX-like widths (σ ≈ γ ≈ 0.02–0.05 Å).
    /// </summary>
    public static LineModel SyntheticLines(int count, double min, double max, int seed)
    {
        var rng = new Random(seed);
        var centers = Enumerable.Range(0, count).Select(_ => min + (max - min) * rng.NextDouble()).Order().ToArray();
        var lnSigma = centers.Select(_ => Math.Log(0.02 + 0.03 * rng.NextDouble())).ToArray();
        var lnGamma = lnSigma.Select(s => s + Math.Log(0.5 + rng.NextDouble())).ToArray();
        // Depth ≈ a·V(0); a from the depth and the line's peak V(0).
        var lnA = centers.Select((_, j) =>
        {
            double depth = 0.01 + 0.59 * Math.Pow(rng.NextDouble(), 3);
            double peak = new LineShape(ProfileShape.PseudoVoigt, Math.Exp(lnSigma[j]), Math.Exp(lnGamma[j])).Value(0);
            return Math.Log(depth / peak);
        }).ToArray();
        // A line list, not a clone: no template range (the simulated star has no lines beyond [min, max] either).
        return new LineModel(centers, lnA, lnSigma, lnGamma, ProfileShape.PseudoVoigt, CombinationMode.Linear) { Name = "synthetic lines" };
    }
}
