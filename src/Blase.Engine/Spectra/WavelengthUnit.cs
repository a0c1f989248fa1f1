namespace Blase.Engine.Spectra;

/// <summary>Units a wavelength axis can be expressed in.</summary>
public enum WavelengthUnit
{
    Angstrom,
    Nanometer,
    Micrometer,
}

/// <summary>Whether wavelengths are measured in air or in vacuum.</summary>
public enum WavelengthMedium
{
    Vacuum,
    Air,
}

public static class WavelengthUnits
{
    /// <summary>How many ångström one unit holds.</summary>
    public static double AngstromsPer(WavelengthUnit unit) => unit switch
    {
        WavelengthUnit.Angstrom => 1.0,
        WavelengthUnit.Nanometer => 10.0,
        WavelengthUnit.Micrometer => 1.0e4,
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };

    public static double Convert(double value, WavelengthUnit from, WavelengthUnit to) =>
        from == to ? value : value * AngstromsPer(from) / AngstromsPer(to);

    /// <summary>Parses the unit names used in FITS headers and text files (Angstrom, A, nm, um, micron, …).</summary>
    public static bool TryParse(string? text, out WavelengthUnit unit)
    {
        unit = WavelengthUnit.Angstrom;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "a": case "aa": case "å": case "angstrom": case "angstroms": case "ang": case "0.1 nm":
                unit = WavelengthUnit.Angstrom; return true;
            case "nm": case "nanometer": case "nanometers": case "nanometre":
                unit = WavelengthUnit.Nanometer; return true;
            case "um": case "µm": case "μm": case "micron": case "microns": case "micrometer": case "micrometers":
                unit = WavelengthUnit.Micrometer; return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Guesses the unit of an optical/infrared wavelength axis from its magnitude: astronomical spectra in
    /// these units span 0.1–30 µm, i.e. values below 30 are µm, below 3000 nm, otherwise Å.
    /// </summary>
    public static WavelengthUnit Guess(double typicalValue) =>
        typicalValue < 30 ? WavelengthUnit.Micrometer : typicalValue < 3000 ? WavelengthUnit.Nanometer : WavelengthUnit.Angstrom;

    public static string Symbol(WavelengthUnit unit) => unit switch
    {
        WavelengthUnit.Angstrom => "Å",
        WavelengthUnit.Nanometer => "nm",
        WavelengthUnit.Micrometer => "µm",
        _ => unit.ToString(),
    };
}
