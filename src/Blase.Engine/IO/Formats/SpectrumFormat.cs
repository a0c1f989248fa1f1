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
    /// <summary>IGRINS: which extension holds the flux (default SPEC_DIVIDE_A0V). Other formats refuse it.</summary>
    public string? FluxExtension { get; set; }
    /// <summary>Text and table columns, by name or 1-based number.</summary>
    public string? WavelengthColumn { get; set; }
    public string? FluxColumn { get; set; }
    public string? UncertaintyColumn { get; set; }
    /// <summary>The unit of the file's wavelengths, when the file does not say it (text files).</summary>
    public WavelengthUnit? WavelengthUnit { get; set; }
    /// <summary>Air or vacuum, for a file that does not state its medium. A file that states it is never relabelled:
    /// naming the other medium is refused (converting is Spectrum.ToMedium's work).</summary>
    public WavelengthMedium? Medium { get; set; }

    /// <summary>
    /// The medium of a file's wavelengths: what the file (or its format) states, else <see cref="Medium"/>, else the
    /// format's <paramref name="fallback"/>. Relabelling vacuum wavelengths as air without converting them would move every
    /// line by λ(n − 1), about 2.4 Å at 8700 Å, so a <see cref="Medium"/> that contradicts the file is an error.
    /// </summary>
    public WavelengthMedium MediumOf(WavelengthMedium? stated, string statedBy, WavelengthMedium fallback)
    {
        if (stated is not WavelengthMedium medium) return Medium ?? fallback;
        if (Medium is WavelengthMedium asked && asked != medium)
            throw new ArgumentException($"-Medium {asked}: this file's wavelengths are {medium.ToString().ToLowerInvariant()} ({statedBy}); -Medium names " +
                                        $"the medium of a file that does not state it, and does not convert. To convert, pipe the spectrum to Convert-BlaseSpectrum -Medium {asked}.");
        return medium;
    }
}
