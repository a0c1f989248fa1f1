using Blase.Engine.IO.Formats;
using Blase.Engine.Spectra;

namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// A library of synthetic spectra for an emulator: N grid points, each with D labels (Teff, logg, [Fe/H], …) and a flux on
/// one common wavelength grid of M pixels. Labels that take a single value over the whole library (α = 0 in most PHOENIX
/// grids) are dropped: a Gaussian process cannot learn a length scale along a direction the grid does not vary in.
/// </summary>
public sealed class EmulatorGrid
{
    public EmulatorGrid(IReadOnlyList<string> labelNames, double[][] labels, double[] wavelength, double[][] fluxes,
        WavelengthMedium medium = WavelengthMedium.Air, string? name = null, string? sourcePath = null,
        IReadOnlyDictionary<string, double>? fixedLabels = null)
    {
        if (labels.Length != fluxes.Length) throw new ArgumentException($"{labels.Length} label rows for {fluxes.Length} spectra");
        if (labels.Length < 2) throw new BlaseDataException($"an emulator needs at least 2 grid spectra (got {labels.Length})", sourcePath);
        if (labels.Any(l => l.Length != labelNames.Count)) throw new ArgumentException($"every grid point needs {labelNames.Count} labels");
        for (int i = 0; i < fluxes.Length; i++)
        {
            if (fluxes[i].Length != wavelength.Length)
                throw new BlaseDataException($"grid spectrum {i} has {fluxes[i].Length} pixels but the wavelength grid has {wavelength.Length}", sourcePath);
            for (int j = 0; j < fluxes[i].Length; j++)
                if (!double.IsFinite(fluxes[i][j]))
                    throw new BlaseDataException($"grid spectrum {i} ({Describe(labelNames, labels[i])}) has a non-finite flux at pixel {j}", sourcePath);
        }
        LabelNames = labelNames.ToArray();
        Labels = labels;
        Wavelength = wavelength;
        Fluxes = fluxes;
        Medium = medium;
        Name = name;
        SourcePath = sourcePath;
        FixedLabels = new Dictionary<string, double>(fixedLabels ?? new Dictionary<string, double>(), StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<string> LabelNames { get; }
    /// <summary>Labels of each grid point, [point][label].</summary>
    public double[][] Labels { get; }
    /// <summary>Wavelength of each pixel (Å).</summary>
    public double[] Wavelength { get; }
    /// <summary>Flux of each grid point, [point][pixel].</summary>
    public double[][] Fluxes { get; }
    public WavelengthMedium Medium { get; }
    public string? Name { get; }
    public string? SourcePath { get; }
    /// <summary>Labels that take one value over the whole grid (dropped as dimensions), by name.</summary>
    public IReadOnlyDictionary<string, double> FixedLabels { get; }
    public int Count => Labels.Length;
    public int PixelCount => Wavelength.Length;
    public int LabelCount => LabelNames.Count;

    /// <summary>Reads a Starfish grid library (either HDF5 layout) with <see cref="StarfishGridReader"/>.</summary>
    public static EmulatorGrid Read(string path) =>
        FromSpectra(StarfishGridReader.Read(path, new SpectrumReadOptions()), path);

    /// <summary>
    /// A grid from spectra that carry Teff, logg, [Fe/H] (and α) in their metadata and share one wavelength grid.
    /// </summary>
    public static EmulatorGrid FromSpectra(IReadOnlyList<Spectrum> spectra, string? sourcePath = null)
    {
        if (spectra.Count == 0) throw new BlaseDataException("no spectra to build a grid from", sourcePath);
        var all = new (string Name, Func<SpectrumMetadata, double?> Get)[]
        {
            ("Teff", m => m.Teff), ("LogG", m => m.LogG), ("Metallicity", m => m.Metallicity), ("Alpha", m => m.Alpha),
        };
        var wl = spectra[0].Wavelength;
        var names = new List<string>();
        var columns = new List<double[]>();
        var fixedLabels = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, get) in all)
        {
            var values = spectra.Select(s => get(s.Metadata)).ToArray();
            if (values.All(v => v is null)) continue;
            int missing = Array.FindIndex(values, v => v is null);
            if (missing >= 0) throw new BlaseDataException($"grid spectrum '{spectra[missing].Name}' has no {name} while others have one", sourcePath);
            var col = values.Select(v => v!.Value).ToArray();
            if (col.Max() - col.Min() == 0) { fixedLabels[name] = col[0]; continue; } // constant over the grid: not a dimension of it
            names.Add(name);
            columns.Add(col);
        }
        if (names.Count == 0) throw new BlaseDataException("the grid spectra carry no labels that vary (Teff, logg, [Fe/H], alpha)", sourcePath);
        var labels = Enumerable.Range(0, spectra.Count).Select(i => columns.Select(c => c[i]).ToArray()).ToArray();
        var fluxes = new double[spectra.Count][];
        for (int i = 0; i < spectra.Count; i++)
        {
            var w = spectra[i].Wavelength;
            if (w.Length != wl.Length || w.Where((x, j) => x != wl[j]).Any())
                throw new BlaseDataException($"grid spectrum '{spectra[i].Name}' is not on the wavelength grid of the first; resample the spectra to one grid first", sourcePath);
            fluxes[i] = (double[])spectra[i].Flux.Clone();
        }
        var dup = labels.Select((l, i) => (Key: string.Join(",", l), i)).GroupBy(t => t.Key).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new BlaseDataException($"two grid spectra have the same labels ({dup.Key})", sourcePath);
        return new EmulatorGrid(names, labels, (double[])wl.Clone(), fluxes, spectra[0].Medium,
            spectra[0].Metadata.Instrument, sourcePath is null ? null : Path.GetFullPath(sourcePath), fixedLabels);
    }

    /// <summary>The index of the grid point with exactly these labels, or −1.</summary>
    public int IndexOf(IReadOnlyList<double> labels)
    {
        for (int i = 0; i < Count; i++)
            if (Labels[i].Select((v, d) => Math.Abs(v - labels[d]) <= 1e-9 * Math.Max(1, Math.Abs(v))).All(b => b)) return i;
        return -1;
    }

    /// <summary>The same grid without the listed points (for leave-one-out tests).</summary>
    public EmulatorGrid Without(params int[] indices)
    {
        var drop = new HashSet<int>(indices);
        var keep = Enumerable.Range(0, Count).Where(i => !drop.Contains(i)).ToArray();
        return new EmulatorGrid(LabelNames, keep.Select(i => Labels[i]).ToArray(), Wavelength, keep.Select(i => Fluxes[i]).ToArray(),
            Medium, Name, SourcePath, FixedLabels);
    }

    internal static string Describe(IReadOnlyList<string> names, IReadOnlyList<double> values) =>
        string.Join(", ", names.Select((n, d) => $"{n} {values[d]:G6}"));
}
