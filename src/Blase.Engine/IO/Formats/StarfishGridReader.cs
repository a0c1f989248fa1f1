using System.Globalization;
using System.Text.RegularExpressions;
using Blase.Engine.Spectra;
using PureHDF;
using PureHDF.VOL.Native;

namespace Blase.Engine.IO.Formats;

/// <summary>
/// Starfish grid libraries (HDF5): a wavelength dataset <c>wl</c> and a group <c>flux</c> of one dataset per grid point,
/// named <c>t{Teff}g{logg}z{Z}[a{alpha}]</c> and carrying the PHOENIX <c>PHX*</c> values as attributes; older files also have
/// a <c>pars</c> table. Wavelengths are in air unless the <c>wl</c> dataset says otherwise (Starfish converts to air).
/// Each grid point becomes one spectrum with its parameters in the metadata.
/// </summary>
public static partial class StarfishGridReader
{
    public static IReadOnlyList<Spectrum> Read(string path, SpectrumReadOptions options)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such file: {path}", path);
        long fileLength = new FileInfo(path).Length;
        Hdf5HeapCheck.Check(path);
        using NativeFile file = Hdf(path, "opening it", () => H5File.OpenRead(path));
        if (!Hdf(path, "looking for 'wl' and 'flux'", () => file.LinkExists("wl") && file.LinkExists("flux")))
            throw new BlaseDataException("is HDF5 but not a Starfish grid (it needs a 'wl' dataset and a 'flux' group)", path);
        var wlSet = Hdf(path, "opening 'wl'", () => file.Dataset("wl"));
        double[] wl = ReadDoubles(wlSet, "wl", path, fileLength);
        bool? air = Hdf(path, "reading the 'air' attribute of 'wl'", () => wlSet.AttributeExists("air") ? ReadBool(wlSet.Attribute("air")) : (bool?)null);
        // Starfish grids are in air unless 'wl' says otherwise.
        var medium = options.MediumOf(air switch { true => WavelengthMedium.Air, false => WavelengthMedium.Vacuum, null => null },
            "the 'air' attribute of its 'wl'", WavelengthMedium.Air);
        string? gridName = Hdf(path, "reading 'grid_name'", () => file.AttributeExists("grid_name") ? file.Attribute("grid_name").Read<string>() : null);

        var children = Hdf(path, "listing the 'flux' group",
            () => file.Group("flux").Children().OfType<IH5Dataset>().OrderBy(c => c.Name, StringComparer.Ordinal).ToList());
        var spectra = new List<Spectrum>();
        foreach (var child in children)
        {
            double[] flux = ReadDoubles(child, child.Name, path, fileLength, wl.Length);
            var meta = new SpectrumMetadata
            {
                Object = child.Name,
                Instrument = gridName ?? "Starfish grid",
                SourcePath = Path.GetFullPath(path),
                SourceFormat = SpectrumFormat.StarfishGrid.ToString(),
                FluxUnit = Hdf(path, $"reading the units of '{child.Name}'", () => child.AttributeExists("units") ? child.Attribute("units").Read<string>() : null),
            };
            var fromName = ParseName(child.Name);
            meta.Teff = Attr(child, "PHXTEFF", path) ?? fromName?.Teff;
            meta.LogG = Attr(child, "PHXLOGG", path) ?? fromName?.LogG;
            meta.Metallicity = Attr(child, "PHXM_H", path) ?? fromName?.Metallicity;
            meta.Alpha = Attr(child, "PHXALPHA", path) ?? fromName?.Alpha;
            meta.Extra["GridPoint"] = child.Name;
            SpectralOrder order;
            try { order = new SpectralOrder(0, (double[])wl.Clone(), flux); }
            catch (BlaseDataException e) when (e.Path is null)
            {
                // Bad wavelengths or fluxes: say which file and which grid point.
                throw new BlaseDataException($"grid spectrum '{child.Name}': {e.Problem}", path, e);
            }
            spectra.Add(new Spectrum(new[] { order }, WavelengthUnit.Angstrom, medium, meta,
                new[] { $"read Starfish grid point {child.Name} from {Path.GetFileName(path)}" }));
        }
        if (spectra.Count == 0) throw new BlaseDataException("the 'flux' group of the grid holds no spectra", path);
        return spectra;
    }

    /// <summary>
    /// Runs a PureHDF call. PureHDF reports a damaged file with whatever exception its code happens to meet (a bare
    /// Exception, NotSupportedException, FormatException, OverflowException, an index out of range, …); for Blase all
    /// of them mean the same — this file cannot be read — so they become one BlaseDataException that names the file
    /// and what was being read. Only PureHDF calls go through here, so Blase's own mistakes are not hidden.
    /// </summary>
    private static T Hdf<T>(string path, string what, Func<T> call)
    {
        try { return call(); }
        catch (Exception e) when (e is not (BlaseDataException or OutOfMemoryException))
        {
            throw new BlaseDataException($"is a damaged or unsupported HDF5 file ({what}: {e.Message})", path, e);
        }
    }

    /// <summary>
    /// A float dataset as doubles. Its size comes from the file's dataspace, so it is checked before PureHDF
    /// allocates it: stored as it is (compact or contiguous) a dataset fits in the file; chunked, it may be deflated,
    /// and deflate expands at most 1032-fold. Grid spectra must also match the wavelengths.
    /// </summary>
    private static double[] ReadDoubles(IH5Dataset d, string name, string path, long fileLength, int? expected = null)
    {
        var (type, dims, layout) = Hdf(path, $"reading the shape of '{name}'", () => (d.Type, d.Space.Dimensions, d.Layout.Class));
        if (type.Class != H5DataTypeClass.FloatingPoint || type.Size is not (4 or 8))
            throw new BlaseDataException($"dataset '{name}' is not float32 or float64 ({type.Class}, {type.Size} bytes)", path);
        double count = dims.Aggregate(1.0, (a, b) => a * b);
        double limit = (layout == H5DataLayoutClass.Chunked ? 1032.0 : 1.0) * fileLength;
        if (count * type.Size > limit || count > Array.MaxLength)
            throw new BlaseDataException($"dataset '{name}' claims {string.Join(" × ", dims)} values, more than the file can hold", path);
        if (expected is int n && count != n)
            throw new BlaseDataException($"grid spectrum '{name}' has {count} pixels but 'wl' has {n}", path);
        return type.Size == 8
            ? Hdf(path, $"reading '{name}'", () => d.Read<double[]>())
            : Hdf(path, $"reading '{name}'", () => d.Read<float[]>()).Select(f => (double)f).ToArray();
    }

    private static bool ReadBool(IH5Attribute a)
    {
        try { return a.Read<bool>(); }
        catch (Exception) { return a.Read<byte>() != 0; }
    }

    private static double? Attr(IH5Dataset d, string name, string path) => Hdf(path, $"reading attribute {name} of '{d.Name}'", () =>
    {
        if (!d.AttributeExists(name)) return null;
        var a = d.Attribute(name);
        try { return a.Read<double>(); }
        catch (Exception)
        {
            try { return a.Read<float>(); }
            catch (Exception) { return double.TryParse(a.Read<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (double?)null; }
        }
    });

    /// <summary>Parameters from a Starfish grid key such as t5000g4.5z0.0a0.0 or t3500g3.5z-0.5.</summary>
    public static (double Teff, double LogG, double Metallicity, double? Alpha)? ParseName(string name)
    {
        var m = KeyPattern().Match(name);
        if (!m.Success) return null;
        double P(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        return (P(m.Groups[1].Value), P(m.Groups[2].Value), P(m.Groups[3].Value), m.Groups[4].Success ? P(m.Groups[4].Value) : null);
    }

    [GeneratedRegex(@"^t([0-9.]+)g([+-]?[0-9.]+)z([+-]?[0-9.]+)(?:a([+-]?[0-9.]+))?$")]
    private static partial Regex KeyPattern();
}
