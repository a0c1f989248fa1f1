namespace Blase.Engine.Spectra;

/// <summary>What is known about where a spectrum came from. Every field is optional.</summary>
public sealed class SpectrumMetadata
{
    public string? Object { get; set; }
    public string? Instrument { get; set; }
    public string? Telescope { get; set; }
    public string? ObservationDate { get; set; }
    /// <summary>Barycentric radial-velocity correction in m/s (HPF's BRVCORR), when the file gives one.</summary>
    public double? BarycentricCorrection { get; set; }
    /// <summary>Stellar parameters of a synthetic spectrum (PHOENIX, grid members).</summary>
    public double? Teff { get; set; }
    public double? LogG { get; set; }
    public double? Metallicity { get; set; }
    public double? Alpha { get; set; }
    public string? FluxUnit { get; set; }
    /// <summary>The file the spectrum was read from.</summary>
    public string? SourcePath { get; set; }
    /// <summary>The reader that produced it (Phoenix, Goldilocks, …).</summary>
    public string? SourceFormat { get; set; }
    /// <summary>Other header values worth keeping, by keyword.</summary>
    public Dictionary<string, object?> Extra { get; private set; } = new(StringComparer.OrdinalIgnoreCase);

    public SpectrumMetadata Clone()
    {
        var copy = (SpectrumMetadata)MemberwiseClone();
        copy.Extra = new Dictionary<string, object?>(Extra, StringComparer.OrdinalIgnoreCase);
        return copy;
    }
}
