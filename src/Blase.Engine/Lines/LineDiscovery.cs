namespace Blase.Engine.Lines;

/// <summary>
/// Residual-driven line discovery: after a fit, the lines the template has and the model lacks show as absorption
/// features in target/model. They are found there with <see cref="LineFinder"/> (the same prominence and width rules) and
/// seeded with blasé's starting values, the most prominent first, so that a refit can take them up.
/// </summary>
public static class LineDiscovery
{
    /// <summary>
    /// A seed's FWHM is kept within [2 px, 0.5 Å]: residual features narrower than two pixels are noise-like and would
    /// start as spikes that saturate, and a "line" wider than 0.5 Å in target/model is continuum mismatch, where a seed
    /// only soaks up the error (one seeded at 28 Å grew to a = 2e7 on the 5800 K cut).
    /// </summary>
    public const double MaxSeedFwhmAngstrom = 0.5;
    /// <summary>Residual features deeper than this are mis-fitted lines, not missing ones; their seeds start no deeper.</summary>
    public const double MaxSeedProminence = 0.5;

    /// <summary>
    /// Up to <paramref name="maxLines"/> lines missing from the model: minima of target/model at least
    /// <paramref name="prominence"/> deep and <paramref name="minSeparation"/> px apart, more than one pixel from every
    /// line centre the model has, the most prominent first; returned in wavelength order.
    /// </summary>
    public static List<FoundLine> Missing(LineModel model, double[] wavelength, double[] modelFlux, double[] target, bool[]? mask,
        double prominence, int minSeparation, int maxLines)
    {
        if (maxLines <= 0 || wavelength.Length < 3) return new();
        var ratio = new double[target.Length];
        for (int i = 0; i < ratio.Length; i++) ratio[i] = modelFlux[i] > 0 ? target[i] / modelFlux[i] : double.NaN;
        var centers = (double[])model.Center.Clone();
        Array.Sort(centers);
        double step = (wavelength[^1] - wavelength[0]) / (wavelength.Length - 1);
        bool Known(double c)
        {
            int k = Array.BinarySearch(centers, c);
            if (k >= 0) return true;
            k = ~k;
            return (k < centers.Length && centers[k] - c <= step) || (k > 0 && c - centers[k - 1] <= step);
        }
        return LineFinder.Find(wavelength, ratio, prominence, minSeparation, mask)
            .Where(f => !Known(f.Center))
            .OrderByDescending(f => f.Prominence)
            .Take(maxLines)
            .Select(f => f with
            {
                FwhmAngstrom = Math.Clamp(f.FwhmAngstrom, 2 * step, Math.Max(2 * step, MaxSeedFwhmAngstrom)),
                Prominence = Math.Min(f.Prominence, MaxSeedProminence),
            })
            .OrderBy(f => f.Center)
            .ToList();
    }

    /// <summary>A new model with the model's lines (as fitted) and the seeds, in wavelength order; the continuum and settings carried over.</summary>
    public static LineModel With(LineModel model, IReadOnlyList<FoundLine> added)
    {
        var seeds = LineFinder.InitialModel(added, model.ContinuumMin, model.ContinuumMax, model.Profile, model.Mode);
        int n = model.Count + seeds.Count;
        double Pick(double[] fitted, double[] seeded, int j) => j < model.Count ? fitted[j] : seeded[j - model.Count];
        var order = Enumerable.Range(0, n).OrderBy(j => Pick(model.Center, seeds.Center, j)).ToArray();
        var merged = new LineModel(
            order.Select(j => Pick(model.Center, seeds.Center, j)).ToArray(),
            order.Select(j => Pick(model.LnAmplitude, seeds.LnAmplitude, j)).ToArray(),
            order.Select(j => Pick(model.LnSigma, seeds.LnSigma, j)).ToArray(),
            order.Select(j => Pick(model.LnGamma, seeds.LnGamma, j)).ToArray(),
            model.Profile, model.Mode, (double[])model.Continuum.Clone(), model.ContinuumMin, model.ContinuumMax)
        {
            Tolerance = model.Tolerance,
            WingCut = model.WingCut,
            Name = model.Name,
        };
        merged.Provenance.AddRange(model.Provenance);
        return merged;
    }
}
