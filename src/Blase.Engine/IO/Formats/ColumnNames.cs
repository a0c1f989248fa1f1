using Blase.Engine.Spectra;

namespace Blase.Engine.IO.Formats;

/// <summary>The column names that tables and text files use for the parts of a spectrum (read-only: shared by every reader on every thread).</summary>
internal static class ColumnNames
{
    public static readonly IReadOnlyList<string> Wavelength = Array.AsReadOnly(new[] { "wavelength", "wave", "wavl", "lambda", "lam", "wl", "wavelength_a", "wavelength_nm", "wavelength_um", "wav" });
    public static readonly IReadOnlyList<string> Flux = Array.AsReadOnly(new[] { "flux", "fl", "f", "spec", "spectrum", "intensity", "transmission", "flux_normalized" });
    public static readonly IReadOnlyList<string> Uncertainty = Array.AsReadOnly(new[] { "uncertainty", "error", "err", "sigma", "unc", "flux_err", "flux_error", "e_flux", "noise" });
    public static readonly IReadOnlyList<string> Order = Array.AsReadOnly(new[] { "order" });
    public static readonly IReadOnlyList<string> Mask = Array.AsReadOnly(new[] { "mask", "good" });

    /// <summary>Index of the first column whose name (before any unit suffix) is one of <paramref name="names"/>.</summary>
    public static int Find(IReadOnlyList<string> columns, IReadOnlyList<string> names)
    {
        for (int i = 0; i < columns.Count; i++)
        {
            string c = columns[i].Trim().ToLowerInvariant();
            if (names.Contains(c) || names.Contains(Strip(c))) return i;
        }
        return -1;
    }

    /// <summary>"wavelength_A" → "wavelength", "flux (nm)" → "flux".</summary>
    private static string Strip(string name)
    {
        int cut = name.IndexOfAny(new[] { '_', '(', '[', ' ' });
        return cut > 0 ? name[..cut] : name;
    }

    /// <summary>A unit written in a column name: wavelength_A, wave(nm), lambda [um].</summary>
    public static WavelengthUnit? UnitIn(string name)
    {
        string n = name.Trim();
        int cut = n.IndexOfAny(new[] { '_', '(', '[', ' ' });
        if (cut < 0) return null;
        string unit = n[(cut + 1)..].Trim('(', ')', '[', ']', ' ');
        return WavelengthUnits.TryParse(unit, out var u) ? u : null;
    }

    /// <summary>A column chosen by the user: a name, or a 1-based number.</summary>
    public static int Resolve(string choice, IReadOnlyList<string> columns, string what)
    {
        if (int.TryParse(choice, out int k))
        {
            if (k < 1 || k > columns.Count) throw new BlaseDataException($"{what} column {k} does not exist (the file has {columns.Count} columns)");
            return k - 1;
        }
        int i = columns.ToList().FindIndex(c => c.Trim().Equals(choice, StringComparison.OrdinalIgnoreCase));
        return i >= 0 ? i : throw new BlaseDataException($"no {what} column named '{choice}' (columns: {string.Join(", ", columns)})");
    }
}
