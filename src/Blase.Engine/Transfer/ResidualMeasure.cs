using Blase.Engine.Lines;
using Blase.Engine.Spectra;

namespace Blase.Engine.Transfer;

/// <summary>How well a model matches a spectrum: RMS of (data − model)/continuum and χ² over the good pixels.</summary>
public sealed record ResidualReport(string Spectrum, string Model, string Method, int Orders, int Pixels, double RadialVelocity, double ResidualRms, double ChiSquare, double ReducedChiSquare);

/// <summary>
/// Evaluates a line model on a spectrum's pixels and measures the residual, natively (the lines at each pixel centre,
/// shifted by the RV, times the model's own continuum: for a template against the spectrum it was cloned from) or through the
/// transfer chain (rotation, LSF, pixel integration and a fitted per-order continuum: for observed data).
/// </summary>
public static class ResidualMeasure
{
    public static ResidualReport Native(Spectrum spectrum, LineModel model, double radialVelocityKms)
    {
        var data = spectrum.ToUnit(WavelengthUnit.Angstrom);
        double d = DopplerShift.Factor(radialVelocityKms), sumSq = 0, chi2 = 0;
        int n = 0;
        foreach (var o in data.Orders)
        {
            var flux = model.Evaluate(o.Wavelength.Select(w => w / d).ToArray());
            for (int i = 0; i < flux.Length; i++)
            {
                if (!o.Mask[i]) continue;
                double r = o.Flux[i] - flux[i];
                sumSq += r * r; n++;
                chi2 += o.Uncertainty is null ? r * r : r * r / (o.Uncertainty[i] * o.Uncertainty[i]);
            }
        }
        if (n == 0) throw new BlaseDataException($"{spectrum.Name} has no good pixels to compare", spectrum.Metadata.SourcePath);
        return new ResidualReport(spectrum.Name, model.Name ?? "line model", "native", data.OrderCount, n, radialVelocityKms, Math.Sqrt(sumSq / n), chi2, chi2 / n);
    }

    public static ResidualReport Chain(Spectrum spectrum, LineModel model, LineModel? telluric, double radialVelocityKms, double vsiniKms, double resolvingPower)
    {
        var r = Transfer.Fit(spectrum, model, telluric, new TransferOptions
        {
            Free = TransferParameters.Continuum, RadialVelocity = radialVelocityKms, Vsini = vsiniKms, ResolvingPower = resolvingPower, BarycentricCorrectionKms = 0,
        });
        int pixels = r.Orders.Sum(o => o.GoodPixels);
        return new ResidualReport(spectrum.Name, model.Name ?? "line model", $"transfer chain (v sin i {vsiniKms:G3} km/s, R {resolvingPower:G6}, fitted continuum)",
            r.OrderCount, pixels, radialVelocityKms, r.ResidualRms, r.ChiSquare, r.ReducedChiSquare);
    }
}
