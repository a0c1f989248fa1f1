using Blase.Engine.Emulators.Starfish;
using Blase.Engine.IO.Formats;
using Blase.Engine.Spectra;

namespace Blase.Engine.Emulators;

/// <summary>A box in label space: each range is inclusive, and a null end is open.</summary>
public sealed record LabelBox
{
    public (double Min, double Max)? Teff { get; init; }
    public (double Min, double Max)? LogG { get; init; }
    public (double Min, double Max)? Metallicity { get; init; }
    public (double Min, double Max)? Alpha { get; init; }

    public bool Contains(double teff, double logg, double metallicity, double alpha)
    {
        static bool In((double Min, double Max)? r, double v) => r is not { } x || (v >= x.Min - 1e-9 && v <= x.Max + 1e-9);
        return In(Teff, teff) && In(LogG, logg) && In(Metallicity, metallicity) && In(Alpha, alpha);
    }
}

/// <summary>
/// A grid from a PHOENIX library folder (Husser et al. 2013; laid out as <c>Z-0.0/lte05800-4.50-0.0.PHOENIX-….fits</c> beside
/// the WAVE file): every spectrum whose labels, read from its file name (how the library is organised), lie in a box, cut to a
/// wavelength range. Files outside the box are not read.
/// </summary>
public static class PhoenixLibraryGrid
{
    public static EmulatorGrid Read(string root, LabelBox box, double minWavelength, double maxWavelength,
        Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"no such PHOENIX library folder: {root}");
        if (!(maxWavelength > minWavelength)) throw new ArgumentException($"the wavelength range {minWavelength}..{maxWavelength} is empty");
        var files = Directory.EnumerateFiles(root, "lte*.fits", SearchOption.AllDirectories)
            .Select(f => (Path: f, Labels: PhoenixReader.ParseName(Path.GetFileName(f))))
            .Where(f => f.Labels is { } l && box.Contains(l.Teff, l.LogG, l.Metallicity, l.Alpha))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        if (files.Count < 2)
            throw new BlaseDataException($"the library holds {files.Count} PHOENIX spectra (lte*.fits) inside the box; a grid needs at least 2", root);
        var spectra = new List<Spectrum>();
        foreach (var (path, labels) in files)
        {
            cancel.ThrowIfCancellationRequested();
            progress?.Invoke(spectra.Count, files.Count);
            var s = SpectrumReader.Read(path)[0].Crop(minWavelength, maxWavelength);
            // The file name is what the library is organised by: its labels win over the header's.
            var (teff, logg, z, alpha) = labels!.Value;
            s.Metadata.Teff = teff; s.Metadata.LogG = logg; s.Metadata.Metallicity = z; s.Metadata.Alpha = alpha;
            s.Metadata.Object = Path.GetFileNameWithoutExtension(path);
            spectra.Add(s);
        }
        return EmulatorGrid.FromSpectra(spectra, root);
    }
}
