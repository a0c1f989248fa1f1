using System.Globalization;

namespace Blase.Engine.IO.Fits;

/// <summary>
/// A unit string in the form the FITS standard defines (FITS 4.0 §4.3): symbols from its tables, SI prefixes where it
/// allows them, products separated by blanks and integer powers written after the symbol ("erg s-1 cm-2 cm-1"). Sources
/// write units as they please ("erg/s/cm^2/cm", PHOENIX's BUNIT, with several slashes and carets, which astropy reads
/// only with a warning); <see cref="Standardize"/> rewrites such a string, or returns null when it holds anything
/// the standard does not define, so that a writer puts no unit rather than one readers cannot parse.
/// </summary>
public static class FitsUnit
{
    // FITS 4.0 Table 4 (SI, prefixes allowed) and the astronomy units of Tables 5-6 that take prefixes.
    private static readonly HashSet<string> Prefixable = new(StringComparer.Ordinal)
    {
        "m", "g", "s", "rad", "sr", "K", "A", "mol", "cd", "Hz", "J", "W", "V", "N", "Pa", "C", "Ohm", "S", "F", "Wb", "T",
        "H", "lm", "lx", "eV", "Jy", "R", "G", "barn", "D", "pc", "a", "yr", "erg", "mag", "bit", "byte",
    };

    // Tables 5-6 units that take no prefix.
    private static readonly HashSet<string> Plain = new(StringComparer.Ordinal)
    {
        "deg", "arcmin", "arcsec", "mas", "min", "h", "d", "Angstrom", "AU", "lyr", "solMass", "solLum", "solRad", "u",
        "Ry", "Sun", "count", "ct", "photon", "ph", "chan", "bin", "voxel", "adu", "beam", "pixel", "pix",
    };

    private static readonly string[] Prefixes = { "da", "y", "z", "a", "f", "p", "n", "u", "m", "c", "d", "h", "k", "M", "G", "T", "P", "E", "Z", "Y" };

    // Spellings of the ångström seen in spectra. A bare "A" is the ampere in FITS, but a flux per ampere means nothing:
    // in a spectrum's units it is the ångström.
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["A"] = "Angstrom", ["AA"] = "Angstrom", ["Å"] = "Angstrom", ["angstrom"] = "Angstrom", ["Angstroms"] = "Angstrom",
        ["angstroms"] = "Angstrom", ["micron"] = "um", ["microns"] = "um", ["counts"] = "count",
    };

    /// <summary>The unit in FITS form, or null when it is empty or holds what FITS does not define.</summary>
    public static string? Standardize(string? unit)
    {
        if (string.IsNullOrWhiteSpace(unit)) return null;
        var factors = new List<string>();
        var parts = unit.Trim().Split('/');
        for (int p = 0; p < parts.Length; p++)
        {
            // cm^2, cm**2 and cm2 are the same factor: the power follows the symbol.
            var tokens = parts[p].Replace("**", "").Replace("^", "").Split(new[] { ' ', '*', '.' }, StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0) return null;
            foreach (var token in tokens)
            {
                int split = token.Length;
                while (split > 0 && (char.IsAsciiDigit(token[split - 1]) || token[split - 1] is '-' or '+')) split--;
                string symbol = token[..split], power = token[split..];
                if (symbol.Length == 0) return null;
                if (Aliases.TryGetValue(symbol, out var alias)) symbol = alias;
                if (!Known(symbol)) return null;
                int n = 1;
                if (power.Length > 0 && !TryPower(power, out n)) return null;
                if (p > 0) n = -n;
                factors.Add(n == 1 ? symbol : symbol + n.ToString(CultureInfo.InvariantCulture));
            }
        }
        return string.Join(' ', factors);
    }

    private static bool TryPower(string text, out int n) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n) && n != 0;

    private static bool Known(string symbol) =>
        Plain.Contains(symbol) || Prefixable.Contains(symbol)
        || Prefixes.Any(p => symbol.Length > p.Length && symbol.StartsWith(p, StringComparison.Ordinal) && Prefixable.Contains(symbol[p.Length..]));
}
