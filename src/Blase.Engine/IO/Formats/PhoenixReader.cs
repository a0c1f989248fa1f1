using System.Globalization;
using System.Text.RegularExpressions;
using Blase.Engine.IO.Fits;
using Blase.Engine.Spectra;

namespace Blase.Engine.IO.Formats;

/// <summary>
/// PHOENIX-ACES-AGSS-COND-2011 HiRes spectra (Husser et al. 2013): a primary 1-D flux image whose wavelengths live in a
/// separate WAVE file (vacuum, Å). The WAVE file is looked for beside the flux file and one folder up (the library
/// layout <c>Z-0.0/lte…fits</c> beside <c>WAVE_…fits</c>); a flux cut carries IWAVE0, its first pixel's index in the
/// full WAVE array, so the full WAVE file serves any cut.
/// </summary>
public static partial class PhoenixReader
{
    public const int FullLength = 1_569_128;

    public static Spectrum Read(string path, IReadOnlyList<FitsHdu> hdus, SpectrumReadOptions options)
    {
        if (hdus[0] is not FitsImage { Axes.Length: 1 } fluxImage)
            throw new BlaseDataException("a PHOENIX flux file has a 1-D primary image");
        var h = fluxImage.Header;
        int n = fluxImage.Data.Length;
        long offset = WaveIndex(h, path);
        var (wave, wavePath) = FindWavelengths(path, n, offset, options.WavelengthFile);

        var meta = SpectrumReader.MetadataFrom(h, path, SpectrumFormat.Phoenix);
        var fromName = ParseName(Path.GetFileName(path));
        meta.Teff = h.GetDouble("PHXTEFF") ?? fromName?.Teff;
        meta.LogG = h.GetDouble("PHXLOGG") ?? fromName?.LogG;
        meta.Metallicity = h.GetDouble("PHXM_H") ?? fromName?.Metallicity;
        meta.Alpha = h.GetDouble("PHXALPHA") ?? fromName?.Alpha ?? 0.0;
        meta.Instrument ??= "PHOENIX";
        meta.Object ??= Path.GetFileNameWithoutExtension(path);
        meta.Extra["WavelengthFile"] = wavePath;

        var order = new SpectralOrder(0, wave, fluxImage.Data);
        return new Spectrum(new[] { order }, WavelengthUnit.Angstrom, options.MediumOf(WavelengthMedium.Vacuum, "PHOENIX wavelengths are vacuum", WavelengthMedium.Vacuum), meta,
            new[] { $"read PHOENIX flux {Path.GetFileName(path)} with wavelengths from {Path.GetFileName(wavePath)}" + (offset > 0 ? $" (from index {offset})" : "") });
    }

    private static (double[] Wave, string Path) FindWavelengths(string fluxPath, int n, long offset, string? explicitFile)
    {
        var candidates = new List<string>();
        if (explicitFile is not null)
        {
            if (!File.Exists(explicitFile)) throw new FileNotFoundException($"no such wavelength file: {explicitFile}", explicitFile);
            candidates.Add(explicitFile);
        }
        else
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(fluxPath))!;
            foreach (var d in new[] { dir, Path.GetDirectoryName(dir) }.Where(d => d is not null))
                candidates.AddRange(Directory.EnumerateFiles(d!, "WAVE_PHOENIX*.fits").OrderBy(f => f.Length));
        }
        if (candidates.Count == 0)
            throw new BlaseDataException("no PHOENIX WAVE file found beside it or one folder up (give one with -WavelengthFile)", fluxPath);

        foreach (var c in candidates)
        {
            var img = FitsFile.Read(c)[0] as FitsImage;
            if (img is null || img.Axes.Length != 1) continue;
            long waveOffset = WaveIndex(img.Header, c);
            if (img.Data.Length == n && (waveOffset == offset || img.Data.Length == FullLength)) return (img.Data, c);
            // A longer WAVE array (the full file, or a wider cut) serves the flux cut by offset.
            long start = offset - waveOffset;
            if (start >= 0 && start + n <= img.Data.Length && img.Data.Length != n)
                return (img.Data.AsSpan((int)start, n).ToArray(), c);
        }
        throw new BlaseDataException(
            $"none of the WAVE files ({string.Join(", ", candidates.Select(Path.GetFileName))}) matches its {n} pixels from index {offset}", fluxPath);
    }

    /// <summary>IWAVE0, the index of a cut's first pixel in the full WAVE array: it must lie inside that array, or the
    /// offset arithmetic that follows could overflow into a slice that seems to fit.</summary>
    private static long WaveIndex(FitsHeader h, string path)
    {
        long offset = h.GetLong("IWAVE0") ?? 0;
        if (offset is < 0 or >= FullLength)
            throw new BlaseDataException($"IWAVE0 = {offset} is not an index into the {FullLength}-point PHOENIX WAVE array", path);
        return offset;
    }

    /// <summary>Teff, log g, [Fe/H] and [α/Fe] from a PHOENIX file name such as lte05800-4.50-0.0.PHOENIX-….</summary>
    public static (double Teff, double LogG, double Metallicity, double Alpha)? ParseName(string fileName)
    {
        var m = NamePattern().Match(fileName);
        if (!m.Success) return null;
        double P(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        return (P(m.Groups[1].Value), P(m.Groups[2].Value), P(m.Groups[3].Value), m.Groups[4].Success ? P(m.Groups[4].Value) : 0.0);
    }

    [GeneratedRegex(@"^lte(\d{5})-(\d\.\d\d)([+-]\d\.\d)(?:\.Alpha=([+-]\d\.\d\d))?", RegexOptions.IgnoreCase)]
    private static partial Regex NamePattern();

    /// <summary>The file stem PHOENIX uses for a parameter set, e.g. lte05800-4.50-0.0 or lte05800-4.50-0.5.Alpha=+0.20.</summary>
    public static string Stem(double teff, double logg, double metallicity, double alpha = 0)
    {
        string z = (metallicity <= 0 ? "-" : "+") + Math.Abs(metallicity).ToString("0.0", CultureInfo.InvariantCulture);
        string stem = $"lte{teff.ToString("00000", CultureInfo.InvariantCulture)}-{logg.ToString("0.00", CultureInfo.InvariantCulture)}{z}";
        if (alpha != 0) stem += ".Alpha=" + (alpha < 0 ? "-" : "+") + Math.Abs(alpha).ToString("0.00", CultureInfo.InvariantCulture);
        return stem;
    }

    /// <summary>
    /// Finds a spectrum in a PHOENIX library folder by its parameters: first the standard layout
    /// <c>Z-0.0/lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits</c>, then any <c>lte05800-4.50-0.0*.fits</c> in the folder
    /// (cuts), choosing the shortest name.
    /// </summary>
    public static string FindInLibrary(string root, double teff, double logg, double metallicity, double alpha = 0)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"no such PHOENIX library folder: {root}");
        string stem = Stem(teff, logg, metallicity, alpha);
        string z = "Z" + (metallicity <= 0 ? "-" : "+") + Math.Abs(metallicity).ToString("0.0", CultureInfo.InvariantCulture)
                   + (alpha != 0 ? ".Alpha=" + (alpha < 0 ? "-" : "+") + Math.Abs(alpha).ToString("0.00", CultureInfo.InvariantCulture) : "");
        string standard = Path.Combine(root, z, stem + ".PHOENIX-ACES-AGSS-COND-2011-HiRes.fits");
        if (File.Exists(standard)) return standard;
        var found = new[] { Path.Combine(root, z), root }.Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, stem + ".*fits"))
            .OrderBy(f => Path.GetFileName(f).Length).ToList();
        return found.Count > 0
            ? found[0]
            : throw new FileNotFoundException($"no PHOENIX spectrum {stem} in {root} (looked for {Path.Combine(z, stem)}.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits)");
    }
}
