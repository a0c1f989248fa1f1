using Blase.Engine.Spectra;

namespace Blase.Engine.Emulators.LabelFitting;

/// <summary>
/// The labels of an observed spectrum from an emulator: best labels in the emulator's order with 1σ errors from the curvature of
/// −2 ln L (Cov = 2 H⁻¹ over the free labels, velocity and v sin i, the continuum marginalized), the radial velocity and v sin i,
/// χ² and the model at the data's pixels.
/// </summary>
public sealed class LabelFitResult
{
    public required string SpectrumName { get; init; }
    public required string EmulatorName { get; init; }
    public required string[] LabelNames { get; init; }
    public required double[] Labels { get; init; }
    /// <summary>1σ of each label; 0 for a label held fixed, NaN for one that ended on its bound.</summary>
    public required double[] LabelErrors { get; init; }
    /// <summary>Radial velocity (km/s), positive receding.</summary>
    public required double RadialVelocity { get; init; }
    public required double RadialVelocityError { get; init; }
    /// <summary>v sin i (km/s).</summary>
    public required double Vsini { get; init; }
    public required double VsiniError { get; init; }
    /// <summary>The names of the fitted parameters, the rows and columns of <see cref="Covariance"/>.</summary>
    public required string[] ParameterNames { get; init; }
    public required double[,] Covariance { get; init; }
    /// <summary>rᵀC⁻¹r at the optimum (C the data's covariance, plus the emulator's for a PCA + GP emulator).</summary>
    public required double ChiSquare { get; init; }
    public required int DegreesOfFreedom { get; init; }
    public double ReducedChiSquare => DegreesOfFreedom > 0 ? ChiSquare / DegreesOfFreedom : double.NaN;
    public required int PixelsUsed { get; init; }
    /// <summary>True when the errors were scaled by √(χ²/ν) because the spectrum carried no uncertainties.</summary>
    public required bool ErrorsScaled { get; init; }
    public required bool EmulatorCovarianceUsed { get; init; }
    /// <summary>Chebyshev continuum coefficients, [order][term].</summary>
    public required double[][] Continuum { get; init; }
    /// <summary>The fitted model on the spectrum's pixels (NaN where not fitted).</summary>
    public required Spectrum Model { get; init; }
    public required int Iterations { get; init; }
    public required int Evaluations { get; init; }
    public required bool Converged { get; init; }
    public required TimeSpan Elapsed { get; init; }

    /// <summary>The value of a label by name (case-insensitive).</summary>
    public double Label(string name) => Labels[Index(name)];
    public double LabelError(string name) => LabelErrors[Index(name)];

    private int Index(string name)
    {
        int i = Array.FindIndex(LabelNames, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        return i >= 0 ? i : throw new ArgumentException($"no label {name} (the labels are {string.Join(", ", LabelNames)})");
    }

    /// <summary>The labels as "name value ± error" in one line.</summary>
    public string Summary => string.Join(", ", LabelNames.Select((n, i) =>
        LabelErrors[i] == 0 ? $"{n} {Labels[i]:G5} (fixed)" : $"{n} {Labels[i]:G5}±{LabelErrors[i]:G2}"));

    public override string ToString() => $"{SpectrumName}: {Summary}; RV {RadialVelocity:F2}±{RadialVelocityError:F2} km/s, χ²/ν {ReducedChiSquare:F2}";
}
