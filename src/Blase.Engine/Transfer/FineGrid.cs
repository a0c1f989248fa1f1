namespace Blase.Engine.Transfer;

/// <summary>
/// The grid the forward model is evaluated on before the instrument: uniform in ln λ (so rotation and a constant-R
/// line-spread function are one kernel in velocity), spanning one order's pixels plus the reach of the kernels.
/// λ_k = λ_0·exp(k·h), h = Δv/c; each point stands for a cell of width λ_k·h.
/// </summary>
public sealed class FineGrid
{
    public FineGrid(double minWavelength, double maxWavelength, double stepKms, double marginKms)
    {
        if (!(stepKms > 0)) throw new ArgumentOutOfRangeException(nameof(stepKms), "the fine-grid step must be positive");
        if (!(maxWavelength > minWavelength && minWavelength > 0)) throw new ArgumentException($"a fine grid needs 0 < min < max (got {minWavelength}..{maxWavelength})");
        StepKms = stepKms;
        LnStep = stepKms / DopplerShift.SpeedOfLightKms;
        double lnMargin = marginKms / DopplerShift.SpeedOfLightKms;
        double ln0 = Math.Log(minWavelength) - lnMargin, ln1 = Math.Log(maxWavelength) + lnMargin;
        long n = (long)Math.Ceiling((ln1 - ln0) / LnStep) + 1;
        if (n > MaxPoints)
            throw new BlaseDataException($"a fine grid of {n:N0} points at {stepKms:G3} km/s over {minWavelength:F1}–{maxWavelength:F1} Å is too large (limit {MaxPoints:N0}); the lines are too narrow or the order too wide");
        Wavelength = new double[n];
        for (int k = 0; k < n; k++) Wavelength[k] = Math.Exp(ln0 + k * LnStep);
    }

    /// <summary>Largest fine grid per order (about 40 MB of working arrays).</summary>
    public const int MaxPoints = 2_000_000;

    public double StepKms { get; }
    public double LnStep { get; }
    public double[] Wavelength { get; }
    public int Count => Wavelength.Length;

    /// <summary>
    /// The step a line model needs: a third of its narrowest line's FWHM in velocity (h ≤ 0.8σ: the midpoint rule on a
    /// Gaussian of σ sampled at h errs by about exp(−2π²σ²/h²), below 1e-6), and no coarser than a fifth of the instrument's FWHM;
    /// never below <paramref name="floorKms"/>.
    /// </summary>
    public static double ChooseStep(Lines.LineModel model, IEnumerable<int> lines, double resolvingPower, double floorKms = 0.05)
    {
        double step = DopplerShift.SpeedOfLightKms / resolvingPower / 5;
        foreach (int j in lines)
        {
            double fwhmKms = model.Shape(j).Fwhm / model.Center[j] * DopplerShift.SpeedOfLightKms;
            if (double.IsFinite(fwhmKms) && fwhmKms > 0) step = Math.Min(step, fwhmKms / 3);
        }
        return Math.Max(step, floorKms);
    }
}
