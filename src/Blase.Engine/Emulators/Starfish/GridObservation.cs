using Blase.Engine.Transfer;

namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// A grid as an instrument would see it, before an emulator learns it: each spectrum convolved with a Gaussian line-spread
/// function of resolving power R and integrated over the pixels of one common log-λ grid (the transfer's own
/// <see cref="InstrumentProfile"/>: the same LSF and exact pixel integration), so the emulator works at the data's resolution
/// with ~5× fewer pixels than a native PHOENIX grid, and its principal components describe what an observation can show.
/// </summary>
public static class GridObservation
{
    /// <summary>
    /// The grid at resolving power <paramref name="resolvingPower"/> on log-λ pixels of <paramref name="pixelKms"/> (default: a
    /// third of the LSF's FWHM). The ends lose 8σ of the LSF (where the convolution would reach past the grid).
    /// </summary>
    public static EmulatorGrid Observe(EmulatorGrid grid, double resolvingPower, double? pixelKms = null)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (!(resolvingPower > 0) || double.IsInfinity(resolvingPower))
            throw new ArgumentOutOfRangeException(nameof(resolvingPower), $"the resolving power must be positive and finite (got {resolvingPower})");
        double c = DopplerShift.SpeedOfLightKms;
        double fwhmKms = c / resolvingPower;
        double pixel = pixelKms ?? fwhmKms / 3;
        if (!(pixel > 0)) throw new ArgumentOutOfRangeException(nameof(pixelKms), $"the pixel size must be positive (got {pixelKms})");

        var w = grid.Wavelength;
        // The fine grid: at least 5 points per output pixel and per LSF σ, and as fine as the grid's own sampling (median).
        var nativeKms = new double[w.Length - 1];
        for (int i = 0; i < nativeKms.Length; i++) nativeKms[i] = (w[i + 1] - w[i]) / w[i] * c;
        Array.Sort(nativeKms);
        double sigmaKms = fwhmKms / Lines.LineShape.FwhmPerSigma;
        double fineKms = Math.Min(Math.Min(pixel, sigmaKms) / 5, nativeKms[nativeKms.Length / 2]);
        double reach = (8 * sigmaKms + 2 * pixel) / c; // the profile reaches 7σ past each pixel edge
        double lo = w[0] * Math.Exp(reach), hi = w[^1] * Math.Exp(-reach);
        if (!(hi > lo)) throw new ArgumentException($"the grid ({w[0]:F1}–{w[^1]:F1} Å) is narrower than the line-spread function's reach at R = {resolvingPower:G4}");
        int n = (int)Math.Floor(Math.Log(hi / lo) / (pixel / c)) + 1;
        if (n < 2) throw new ArgumentException($"{pixel:G3} km/s pixels leave fewer than 2 over {lo:F1}–{hi:F1} Å");
        var pixels = new double[n];
        for (int i = 0; i < n; i++) pixels[i] = lo * Math.Exp(i * pixel / c);

        var fine = new FineGrid(pixels[0], pixels[^1], fineKms, 8 * sigmaKms + pixel);
        var profile = new InstrumentProfile(fine, pixels, resolvingPower);
        var fluxes = new double[grid.Count][];
        Parallel.For(0, grid.Count, s =>
        {
            var f = Interpolate(w, grid.Fluxes[s], fine.Wavelength);
            fluxes[s] = new double[n];
            profile.Apply(f, fluxes[s]);
        });
        return new EmulatorGrid(grid.LabelNames, grid.Labels, pixels, fluxes, grid.Medium,
            grid.Name is null ? null : $"{grid.Name} at R {resolvingPower:G4}", grid.SourcePath, grid.FixedLabels);
    }

    /// <summary>Linear interpolation of (x, y) at sorted points t (held at the ends).</summary>
    private static double[] Interpolate(double[] x, double[] y, double[] t)
    {
        var r = new double[t.Length];
        int j = 0;
        for (int k = 0; k < t.Length; k++)
        {
            while (j < x.Length - 2 && x[j + 1] < t[k]) j++;
            double f = Math.Clamp((t[k] - x[j]) / (x[j + 1] - x[j]), 0, 1);
            r[k] = y[j] + f * (y[j + 1] - y[j]);
        }
        return r;
    }
}
