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
        NativeFile file;
        try { file = H5File.OpenRead(path); }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new BlaseDataException($"cannot be read as HDF5: {e.Message}", path, e);
        }
        using (file)
        {
            if (!file.LinkExists("wl") || !file.LinkExists("flux"))
                throw new BlaseDataException("is HDF5 but not a Starfish grid (it needs a 'wl' dataset and a 'flux' group)", path);
            var wlSet = file.Dataset("wl");
            double[] wl = ReadDoubles(wlSet);
            var medium = options.Medium ?? (wlSet.AttributeExists("air") && !ReadBool(wlSet.Attribute("air")) ? WavelengthMedium.Vacuum : WavelengthMedium.Air);
            string? gridName = file.AttributeExists("grid_name") ? file.Attribute("grid_name").Read<string>() : null;

            var spectra = new List<Spectrum>();
            foreach (var child in file.Group("flux").Children().OfType<IH5Dataset>().OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                double[] flux = ReadDoubles(child);
                if (flux.Length != wl.Length)
                    throw new BlaseDataException($"grid spectrum '{child.Name}' has {flux.Length} pixels but 'wl' has {wl.Length}", path);
                var meta = new SpectrumMetadata
                {
                    Object = child.Name,
                    Instrument = gridName ?? "Starfish grid",
                    SourcePath = Path.GetFullPath(path),
                    SourceFormat = SpectrumFormat.StarfishGrid.ToString(),
                    FluxUnit = child.AttributeExists("units") ? child.Attribute("units").Read<string>() : null,
                };
                var fromName = ParseName(child.Name);
                meta.Teff = Attr(child, "PHXTEFF") ?? fromName?.Teff;
                meta.LogG = Attr(child, "PHXLOGG") ?? fromName?.LogG;
                meta.Metallicity = Attr(child, "PHXM_H") ?? fromName?.Metallicity;
                meta.Alpha = Attr(child, "PHXALPHA") ?? fromName?.Alpha;
                meta.Extra["GridPoint"] = child.Name;
                var order = new SpectralOrder(0, (double[])wl.Clone(), flux);
                spectra.Add(new Spectrum(new[] { order }, WavelengthUnit.Angstrom, medium, meta,
                    new[] { $"read Starfish grid point {child.Name} from {Path.GetFileName(path)}" }));
            }
            if (spectra.Count == 0) throw new BlaseDataException("the 'flux' group of the grid holds no spectra", path);
            return spectra;
        }
    }

    private static double[] ReadDoubles(IH5Dataset d)
    {
        try { return d.Read<double[]>(); }
        catch (Exception)
        {
            return d.Read<float[]>().Select(f => (double)f).ToArray();
        }
    }

    private static bool ReadBool(IH5Attribute a)
    {
        try { return a.Read<bool>(); }
        catch (Exception) { return a.Read<byte>() != 0; }
    }

    private static double? Attr(IH5Dataset d, string name)
    {
        if (!d.AttributeExists(name)) return null;
        var a = d.Attribute(name);
        try { return a.Read<double>(); }
        catch (Exception)
        {
            try { return a.Read<float>(); }
            catch (Exception) { return double.TryParse(a.Read<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null; }
        }
    }

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
