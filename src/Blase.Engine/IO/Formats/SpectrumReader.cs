using System.Text;
using Blase.Engine.IO.Fits;
using Blase.Engine.Spectra;

namespace Blase.Engine.IO.Formats;

/// <summary>
/// Reads spectra from files, recognizing the layout from the content (not the file name). All readers return
/// wavelengths in Å: the engine works in one unit, and the conversion is recorded in each spectrum's provenance.
/// </summary>
public static class SpectrumReader
{
    private static readonly byte[] Hdf5Signature = { 0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A };

    /// <summary>Reads every spectrum in a file (a grid file holds many; other formats one).</summary>
    public static IReadOnlyList<Spectrum> Read(string path, SpectrumReadOptions? options = null)
    {
        options ??= new SpectrumReadOptions();
        if (Directory.Exists(path)) throw new BlaseDataException("is a folder; give a file, or a PHOENIX library folder with -Teff/-LogG/-Metallicity", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"no such file: {path}", path);
        try
        {
            // A FITS file is read once: the layout is recognized from the HDUs the reader then uses.
            if (options.Format is SpectrumFormat.Auto or SpectrumFormat.Phoenix or SpectrumFormat.Goldilocks or SpectrumFormat.HpfSlope
                    or SpectrumFormat.Igrins or SpectrumFormat.FitsTable && FitsFile.LooksLikeFits(path))
            {
                var hdus = FitsFile.Read(path);
                var fitsFormat = options.Format == SpectrumFormat.Auto ? DetectFits(path, hdus) : options.Format;
                return new[] { ReadFits(path, hdus, fitsFormat, options) };
            }
            var format = options.Format == SpectrumFormat.Auto ? Detect(path) : options.Format;
            RefuseFluxExtension(format, options);
            return format switch
            {
                SpectrumFormat.StarfishGrid => StarfishGridReader.Read(path, options),
                SpectrumFormat.Text => new[] { TextSpectrumReader.Read(path, options) },
                _ => throw new BlaseDataException($"is not a FITS file, so it cannot be read as {format}", path),
            };
        }
        catch (BlaseDataException e) when (e.Path is null)
        {
            throw new BlaseDataException(e.Problem, path, e);
        }
    }

    private static Spectrum ReadFits(string path, IReadOnlyList<FitsHdu> hdus, SpectrumFormat format, SpectrumReadOptions options)
    {
        // Options that do not apply to a file's format are refused, not ignored.
        RefuseFluxExtension(format, options);
        return format switch
        {
            SpectrumFormat.Phoenix => PhoenixReader.Read(path, hdus, options),
            SpectrumFormat.Goldilocks or SpectrumFormat.HpfSlope => HpfReader.Read(path, hdus, format, options),
            SpectrumFormat.Igrins => IgrinsReader.Read(path, hdus, options),
            SpectrumFormat.FitsTable => FitsTableSpectrumReader.Read(path, hdus, options),
            _ => throw new BlaseDataException($"format {format} cannot be read from a FITS file", path),
        };
    }

    private static void RefuseFluxExtension(SpectrumFormat format, SpectrumReadOptions options)
    {
        if (options.FluxExtension is not null && format != SpectrumFormat.Igrins)
            throw new ArgumentException($"-FluxExtension chooses the flux extension of an IGRINS file; this file is {format}, which has none to choose");
    }

    /// <summary>Recognizes a file's layout from its content.</summary>
    public static SpectrumFormat Detect(string path)
    {
        byte[] head = new byte[Math.Min(8, new FileInfo(path).Length)];
        using (var fs = File.OpenRead(path)) _ = fs.Read(head, 0, head.Length);
        if (head.AsSpan().SequenceEqual(Hdf5Signature)) return SpectrumFormat.StarfishGrid;
        if (head.Length >= 2 && head[0] == 'P' && head[1] == 'K')
            throw new BlaseDataException("is a zip/NumPy archive, not a spectrum (The Payne networks load with Import-BlaseModel)", path);
        if (FitsFile.LooksLikeFits(path)) return DetectFits(path, FitsFile.Read(path));
        if (LooksLikeText(path)) return SpectrumFormat.Text;
        throw new BlaseDataException("is not a spectrum format Blase knows (FITS, HDF5 grid, or delimited text)", path);
    }

    internal static SpectrumFormat DetectFits(string path, IReadOnlyList<FitsHdu> hdus)
    {
        var names = hdus.Select(h => h.Name?.Trim()).Where(n => n is not null).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (names.Contains("Sci Flux") || names.Contains("Sky Flux"))
            return names.Contains("Sci Variance") || names.Contains("Sky Variance") ? SpectrumFormat.HpfSlope : SpectrumFormat.Goldilocks;
        if (names.Contains("SPEC_DIVIDE_A0V") || (names.Contains("WAVELENGTH") && names.Contains("TGT_SPEC")))
            return SpectrumFormat.Igrins;
        var primary = hdus[0].Header;
        bool flux1D = hdus[0] is FitsImage { Axes.Length: 1, Data.Length: > 0 };
        if (flux1D && (primary.Contains("PHXTEFF") || Path.GetFileName(path).Contains("PHOENIX", StringComparison.OrdinalIgnoreCase)))
            return SpectrumFormat.Phoenix;
        if (hdus.OfType<FitsTable>().Any(t => FitsTableSpectrumReader.FindWavelengthColumn(t) is not null))
            return SpectrumFormat.FitsTable;
        throw new BlaseDataException(
            "is a FITS file but not a spectrum layout Blase knows (PHOENIX, HPF Goldilocks/Slope, IGRINS PLP, or a table with a wavelength column)", path);
    }

    private static bool LooksLikeText(string path)
    {
        var buffer = new byte[4096];
        int n;
        using (var fs = File.OpenRead(path)) n = fs.Read(buffer, 0, buffer.Length);
        if (n == 0) return false;
        for (int i = 0; i < n; i++)
        {
            byte b = buffer[i];
            if (b == 0 || (b < 32 && b is not (9 or 10 or 13))) return false;
        }
        return true;
    }

    /// <summary>Metadata common to instrument FITS files, from the primary header.</summary>
    internal static SpectrumMetadata MetadataFrom(FitsHeader h, string path, SpectrumFormat format)
    {
        var m = new SpectrumMetadata
        {
            Object = h.GetString("OBJECT")?.Trim(),
            Instrument = h.GetString("INSTRUME")?.Trim(),
            Telescope = h.GetString("TELESCOP")?.Trim(),
            ObservationDate = h.GetString("DATE-OBS")?.Trim(),
            BarycentricCorrection = h.GetDouble("BRVCORR"),
            FluxUnit = h.GetString("BUNIT")?.Trim(),
            SourcePath = Path.GetFullPath(path),
            SourceFormat = format.ToString(),
        };
        if (string.IsNullOrEmpty(m.Object)) m.Object = null;
        return m;
    }

    /// <summary>The HDU with this EXTNAME (case-insensitive), or null.</summary>
    internal static FitsHdu? Hdu(IReadOnlyList<FitsHdu> hdus, string name) =>
        hdus.FirstOrDefault(h => string.Equals(h.Name?.Trim(), name, StringComparison.OrdinalIgnoreCase));

    internal static FitsImage Image(IReadOnlyList<FitsHdu> hdus, string name, string path) =>
        Hdu(hdus, name) as FitsImage ?? throw new BlaseDataException($"has no '{name}' image extension", path);

    /// <summary>
    /// Builds orders from rows of 2-D images. Pixels whose wavelength is not finite (unsolved edges) are dropped;
    /// a row left empty is dropped too, and both are reported through <paramref name="notes"/>.
    /// </summary>
    internal static List<SpectralOrder> OrdersFromImages(FitsImage wave, FitsImage flux, double[]? sigma, double waveScale, List<string> notes)
    {
        if (wave.Data.Length != flux.Data.Length)
            throw new BlaseDataException($"the wavelength image ({string.Join("x", wave.Axes)}) and the flux image ({string.Join("x", flux.Axes)}) differ in size");
        if (flux.Data.Length == 0) throw new BlaseDataException("the flux image is empty");
        if (sigma is not null && sigma.Length != flux.Data.Length)
            throw new BlaseDataException($"the uncertainty image has {sigma.Length} values for {flux.Data.Length} pixels");
        var orders = new List<SpectralOrder>();
        int width = flux.Axes[0];
        for (int r = 0; r < flux.Rows; r++)
        {
            var keep = new List<int>();
            for (int i = 0; i < width; i++) if (double.IsFinite(wave.Data[r * width + i])) keep.Add(i);
            if (keep.Count == 0) { notes.Add($"order {r} has no valid wavelengths and was skipped"); continue; }
            if (keep.Count < width) notes.Add($"order {r}: {width - keep.Count} pixels without a wavelength were dropped");
            var wl = keep.Select(i => wave.Data[r * width + i] * waveScale).ToArray();
            var fl = keep.Select(i => flux.Data[r * width + i]).ToArray();
            var sg = sigma is null ? null : keep.Select(i => sigma[r * width + i]).ToArray();
            orders.Add(SpectralOrder.FromArrays(r, wl, fl, sg));
        }
        return orders;
    }
}
