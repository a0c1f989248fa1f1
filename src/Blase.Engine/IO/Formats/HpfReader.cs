using Blase.Engine.IO.Fits;
using Blase.Engine.Spectra;

namespace Blase.Engine.IO.Formats;

/// <summary>
/// Habitable-zone Planet Finder spectra, 28 orders × 2048 pixels, vacuum Å. Goldilocks files carry
/// "<c>Sci Error</c>" (1σ); the older Slope pipeline carries "<c>Sci Variance</c>". Both usually carry
/// "<c>Sci Wavl</c>"; a Slope file without it takes its wavelengths from a separate solution file (an HPF file with a
/// Wavl extension, or a FITS image of the same shape).
/// </summary>
public static class HpfReader
{
    public static Spectrum Read(string path, IReadOnlyList<FitsHdu> hdus, SpectrumFormat format, SpectrumReadOptions options)
    {
        string fiber = options.Fiber;
        if (fiber is not ("Sci" or "Sky" or "Cal")) throw new ArgumentException($"HPF fiber must be Sci, Sky or Cal (got '{fiber}')");
        var flux = SpectrumReader.Image(hdus, $"{fiber} Flux", path);
        double[] sigma;
        if (format == SpectrumFormat.HpfSlope)
            sigma = SpectrumReader.Image(hdus, $"{fiber} Variance", path).Data.Select(v => v >= 0 ? Math.Sqrt(v) : double.NaN).ToArray();
        else
            sigma = SpectrumReader.Image(hdus, $"{fiber} Error", path).Data;

        var notes = new List<string>();
        FitsImage wave;
        string waveSource;
        if (options.WavelengthFile is not null)
        {
            wave = ExternalSolution(options.WavelengthFile, fiber);
            waveSource = Path.GetFileName(options.WavelengthFile);
        }
        else
        {
            wave = SpectrumReader.Hdu(hdus, $"{fiber} Wavl") as FitsImage
                   ?? throw new BlaseDataException($"has no '{fiber} Wavl' extension; give a wavelength solution with -WavelengthFile");
            waveSource = $"its '{fiber} Wavl' extension";
        }
        if (wave.Data.Length != flux.Data.Length)
            throw new BlaseDataException($"the wavelength solution has {wave.Data.Length} values for {flux.Data.Length} pixels");

        var orders = SpectrumReader.OrdersFromImages(wave, flux, sigma, 1.0, notes);
        var meta = SpectrumReader.MetadataFrom(hdus[0].Header, path, format);
        meta.Instrument ??= "HPF";
        meta.Extra["Fiber"] = fiber;
        var steps = new List<string> { $"read HPF {(format == SpectrumFormat.HpfSlope ? "Slope" : "Goldilocks")} {fiber} fiber, wavelengths from {waveSource}" };
        steps.AddRange(notes);
        return new Spectrum(orders, WavelengthUnit.Angstrom, options.MediumOf(WavelengthMedium.Vacuum, "the HPF pipeline's wavelengths are vacuum", WavelengthMedium.Vacuum), meta, steps);
    }

    private static FitsImage ExternalSolution(string file, string fiber)
    {
        var hdus = FitsFile.Read(file);
        return SpectrumReader.Hdu(hdus, $"{fiber} Wavl") as FitsImage
               ?? hdus.OfType<FitsImage>().FirstOrDefault(i => i.Axes.Length == 2)
               ?? throw new BlaseDataException($"has no '{fiber} Wavl' extension nor a 2-D wavelength image", file);
    }
}
