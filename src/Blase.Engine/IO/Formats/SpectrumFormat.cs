using Blase.Engine.Spectra;

namespace Blase.Engine.IO.Formats;

/// <summary>The spectrum file layouts Blase reads.</summary>
public enum SpectrumFormat
{
    Auto,
    Phoenix,
    Goldilocks,
    HpfSlope,
    Igrins,
    FitsTable,
    Text,
    StarfishGrid,
}

/// <summary>How to read a spectrum file; every field is optional.</summary>
public sealed class SpectrumReadOptions
{
    public SpectrumFormat Format { get; set; } = SpectrumFormat.Auto;
    /// <summary>A separate wavelength file: PHOENIX's WAVE file, or an HPF wavelength solution for Slope files without one.</summary>
    public string? WavelengthFile { get; set; }
    /// <summary>HPF fibre: Sci (default), Sky or Cal.</summary>
    public string Fiber { get; set; } = "Sci";
    /// <summary>IGRINS: which extension holds the flux (default SPEC_DIVIDE_A0V).</summary>
    public string? FluxExtension { get; set; }
    /// <summary>Text and table columns, by name or 1-based number.</summary>
    public string? WavelengthColumn { get; set; }
    public string? FluxColumn { get; set; }
    public string? UncertaintyColumn { get; set; }
    /// <summary>The unit of the file's wavelengths, when the file does not say it (text files).</summary>
    public WavelengthUnit? WavelengthUnit { get; set; }
    /// <summary>Air or vacuum, when the file does not say it.</summary>
    public WavelengthMedium? Medium { get; set; }
}
