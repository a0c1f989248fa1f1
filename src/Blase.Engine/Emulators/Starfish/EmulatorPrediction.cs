namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// What a PCA + GP emulator predicts at one set of labels: the mean and variance of each component weight (independent, so
/// the weight covariance is diagonal), the normalization factor with its log-normal uncertainty, and the flux mean with
/// its per-pixel standard deviation (the diagonal of <see cref="PcaGpEmulator.FluxCovariance"/>).
/// </summary>
public sealed class EmulatorPrediction
{
    public required double[] Labels { get; init; }
    public required double[] WeightMean { get; init; }
    public required double[] WeightVariance { get; init; }
    /// <summary>The mean-flux factor c at these labels.</summary>
    public required double Factor { get; init; }
    /// <summary>Standard deviation of ln c.</summary>
    public required double LogFactorSigma { get; init; }
    public required double[] Flux { get; init; }
    public required double[] Sigma { get; init; }
    /// <summary>True when the labels lie outside the grid and were extrapolated on request.</summary>
    public bool Extrapolated { get; init; }
}
