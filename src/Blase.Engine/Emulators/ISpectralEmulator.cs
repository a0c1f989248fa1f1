using Blase.Engine.Spectra;

namespace Blase.Engine.Emulators;

/// <summary>
/// What label inference needs from a grid emulator, whatever its kind: its labels and their range, its wavelength grid, the
/// pixels it should not be trusted on, the flux at any labels, and (for emulators that know it) the covariance of that flux.
/// </summary>
public interface ISpectralEmulator
{
    /// <summary>The labels the emulator takes, in its own order.</summary>
    IReadOnlyList<string> LabelNames { get; }
    /// <summary>The lower edge of the labels' range (the grid's or the training set's).</summary>
    double[] LabelMin { get; }
    /// <summary>The upper edge of the labels' range.</summary>
    double[] LabelMax { get; }
    /// <summary>The wavelength of each pixel (Å), increasing; null when the emulator was read without one.</summary>
    double[]? PixelWavelength { get; }
    /// <summary>The medium of <see cref="PixelWavelength"/> (a spectrum in the other is converted before a fit).</summary>
    WavelengthMedium Medium { get; }
    /// <summary>True for pixels a fit should ignore; null when none is known.</summary>
    bool[]? PixelMask { get; }
    /// <summary>The flux at the labels (no range check: a fit keeps its labels in bounds itself).</summary>
    double[] FluxAt(IReadOnlyList<double> labels);
    /// <summary>The flux's covariance at the labels, as a diagonal plus low-rank factors; null when the emulator has none.</summary>
    EmulatorCovariance? CovarianceAt(IReadOnlyList<double> labels);
}
