using Blase.Engine.IO.Fits;
using Blase.Engine.Spectra;

namespace Blase.Engine.IO.Formats;

/// <summary>
/// IGRINS pipeline (PLP) <c>.spec_a0v.fits</c> files: flux in SPEC_DIVIDE_A0V (or another extension), wavelengths in
/// the WAVELENGTH extension in µm (vacuum). Uncertainties come from a companion file beside it: <c>.variance.fits</c>
/// (variance of the target spectrum TGT_SPEC) or <c>.sn.fits</c> (S/N per pixel). Either gives a relative error that is
/// carried to the chosen flux: σ = |flux| · √var / TGT_SPEC, or σ = |flux| / (S/N).
/// </summary>
public static class IgrinsReader
{
    public static Spectrum Read(string path, IReadOnlyList<FitsHdu> hdus, SpectrumReadOptions options)
    {
        string fluxName = options.FluxExtension ?? "SPEC_DIVIDE_A0V";
        var flux = fluxName.Equals(hdus[0].Name?.Trim(), StringComparison.OrdinalIgnoreCase) || (hdus[0].Name is null && fluxName == "SPEC_DIVIDE_A0V")
            ? (FitsImage)hdus[0]
            : options.FluxExtension is null || SpectrumReader.Hdu(hdus, fluxName) is FitsImage
                ? SpectrumReader.Image(hdus, fluxName, path)
                : throw new ArgumentException($"-FluxExtension {fluxName}: this IGRINS file has no such image extension; it has " +
                                              string.Join(", ", hdus.OfType<FitsImage>().Select(h => h.Name?.Trim()).Where(n => !string.IsNullOrEmpty(n))));
        var wave = SpectrumReader.Image(hdus, "WAVELENGTH", path);
        // The PLP writes µm whatever its WAT keywords say; a median above 100 would mean Å.
        double median = Statistics.Median(wave.Data.Where(double.IsFinite).Take(4096));
        var unit = WavelengthUnits.Guess(median);
        double toAngstrom = WavelengthUnits.AngstromsPer(unit);

        var steps = new List<string> { $"read IGRINS PLP flux from {fluxName}, wavelengths in {WavelengthUnits.Symbol(unit)} converted to Å" };
        double[]? sigma = Companion(path, flux, hdus, steps);
        var notes = new List<string>();
        var orders = SpectrumReader.OrdersFromImages(wave, flux, sigma, toAngstrom, notes);
        steps.AddRange(notes);
        var meta = SpectrumReader.MetadataFrom(hdus[0].Header, path, SpectrumFormat.Igrins);
        meta.Instrument ??= "IGRINS";
        meta.Extra["FluxExtension"] = fluxName;
        return new Spectrum(orders, WavelengthUnit.Angstrom, options.MediumOf(WavelengthMedium.Vacuum, "the IGRINS pipeline's wavelengths are vacuum", WavelengthMedium.Vacuum), meta, steps);
    }

    private static double[]? Companion(string path, FitsImage flux, IReadOnlyList<FitsHdu> hdus, List<string> steps)
    {
        string full = Path.GetFullPath(path);
        string stem = full.EndsWith(".spec_a0v.fits", StringComparison.OrdinalIgnoreCase)
            ? full[..^".spec_a0v.fits".Length]
            : Path.Combine(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full));
        string variance = stem + ".variance.fits", sn = stem + ".sn.fits";
        if (File.Exists(variance))
        {
            var v = (FitsImage)FitsFile.Read(variance)[0];
            var target = SpectrumReader.Image(hdus, "TGT_SPEC", path);
            Check(v, flux, variance);
            Check(target, flux, path, "its TGT_SPEC has");
            steps.Add($"uncertainty from {Path.GetFileName(variance)} relative to TGT_SPEC");
            return flux.Data.Select((f, i) => Math.Abs(f) * Math.Sqrt(v.Data[i]) / Math.Abs(target.Data[i])).ToArray();
        }
        if (File.Exists(sn))
        {
            var s = (FitsImage)FitsFile.Read(sn)[0];
            Check(s, flux, sn);
            steps.Add($"uncertainty from S/N in {Path.GetFileName(sn)}");
            return flux.Data.Select((f, i) => Math.Abs(f) / s.Data[i]).ToArray();
        }
        steps.Add("no .variance.fits or .sn.fits companion: no uncertainties");
        return null;
    }

    /// <summary>The uncertainty is computed pixel by pixel, so every image it uses must match the flux.</summary>
    private static void Check(FitsImage companion, FitsImage flux, string file, string? what = null)
    {
        if (companion.Data.Length != flux.Data.Length)
            throw new BlaseDataException($"{what ?? "has"} {string.Join("x", companion.Axes)} values but the spectrum has {string.Join("x", flux.Axes)}", file);
    }
}
