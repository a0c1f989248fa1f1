using Blase.Engine.Lines;
using Blase.Engine.Spectra;

namespace Blase.Engine.Transfer;

/// <summary>
/// How one order fitted: χ² (with the data's uncertainties), residual RMS relative to the continuum, the RMS the noise alone
/// would give (√mean (σ/C)², from the data's uncertainties), the continuum.
/// </summary>
public sealed record OrderResult(
    int Order,
    int GoodPixels,
    int Lines,
    double ChiSquare,
    double ReducedChiSquare,
    double ResidualRms,
    double NoiseRms,
    double MinWavelength,
    double MaxWavelength,
    double[] Continuum);

/// <summary>Where a transfer stands, for progress bars.</summary>
public sealed record TransferProgress(string Stage, int Iteration, int MaxIterations, double Objective, TimeSpan Elapsed);

/// <summary>
/// A fitted transfer: the star's bulk properties with their uncertainties, the frame they are in, the updated line model,
/// the model spectrum on the data's pixels and per-order figures. Velocities in km/s.
/// </summary>
public sealed class TransferResult
{
    public required string Spectrum { get; init; }
    public required string Template { get; init; }
    /// <summary>The fitted RV in the data's frame (km/s), before any barycentric correction.</summary>
    public double RadialVelocity { get; init; }
    /// <summary>1σ of <see cref="RadialVelocity"/> with lines and continuum marginalized, by <see cref="ErrorMethod"/>: the
    /// curvature scaled by √(χ²/ν) when that exceeds 1, and after Levenberg–Marquardt the sandwich (robust to residuals that
    /// are structured, as a template mismatch leaves them) when that is larger.</summary>
    public double RadialVelocityError { get; init; }
    /// <summary>1σ of RV from the curvature alone (right only for white noise of the stated σ and a perfect template).</summary>
    public double RadialVelocityErrorCurvature { get; init; }
    public double Vsini { get; init; }
    public double VsiniError { get; init; }
    public double ResolvingPower { get; init; }
    /// <summary>1σ of R when R was free, else NaN.</summary>
    public double ResolvingPowerError { get; init; }
    /// <summary>The correction added to <see cref="RadialVelocity"/> (km/s); 0 when none was applied.</summary>
    public double BarycentricCorrection { get; init; }
    public bool BarycentricCorrectionApplied { get; init; }
    /// <summary>Where the correction came from: the header keyword, the parameter, or none.</summary>
    public required string BarycentricCorrectionSource { get; init; }
    /// <summary>RV ⊕ correction (relativistic addition), the star's velocity relative to the barycentre when a correction applies.</summary>
    public double BarycentricRadialVelocity { get; init; }
    /// <summary>RMS of (data − model)/continuum over the good pixels of all orders.</summary>
    public double ResidualRms { get; init; }
    /// <summary>The RMS the data's noise alone would give (√mean (σ/continuum)²), NaN without uncertainties.</summary>
    public double NoiseRms { get; init; }
    public double ChiSquare { get; init; }
    public int DegreesOfFreedom { get; init; }
    public double ReducedChiSquare => DegreesOfFreedom > 0 ? ChiSquare / DegreesOfFreedom : double.NaN;
    /// <summary>How far the reported RV error exceeds the curvature's: √(χ²/ν) (at least 1) for the curvature method; the
    /// sandwich's ratio when the sandwich is larger; it grows with the residuals' size and structure.</summary>
    public double ErrorScale { get; init; } = 1;
    /// <summary>How the uncertainties were estimated.</summary>
    public string ErrorMethod { get; init; } = "";
    public double PriorStrength { get; init; }
    public required string PriorStrengthChosenBy { get; init; }
    public int LinesFitted { get; init; }
    /// <summary>Lines with a parameter moved by more than its prior scale.</summary>
    public int LinesChanged { get; init; }
    public required IReadOnlyList<OrderResult> Orders { get; init; }
    /// <summary>The template with the fitted lines (rest frame); lines outside the data keep their cloned values.</summary>
    public required LineModel Model { get; init; }
    public required LineModel TemplateModel { get; init; }
    public LineModel? Telluric { get; init; }
    /// <summary>The model on the data's pixels (with continuum), one order per fitted order.</summary>
    public required Spectrum ModelSpectrum { get; init; }
    public required TransferParameters Free { get; init; }
    /// <summary>The telluric absorption beyond which pixels were dropped (0.02 = 2 %); null when none were.</summary>
    public double? TelluricMaskDepth { get; init; }
    public required string Optimizer { get; init; }
    public int Iterations { get; init; }
    public int Evaluations { get; init; }
    public double Seconds { get; init; }
    public required string StopReason { get; init; }
    /// <summary>False when the fit stopped at the iteration limit or on request: the parameters and their uncertainties are then those of an unconverged point.</summary>
    public bool Converged { get; init; }
    /// <summary>The fit was stopped on request (a time limit, Ctrl+C) and kept the best point reached.</summary>
    public bool StoppedOnRequest { get; init; }
    public required string Device { get; init; }
    /// <summary>The device fault after which the fit carried on on the CPU, when there was one (null when there was none).</summary>
    public string? DeviceFault { get; init; }
    public double FineStepKms { get; init; }
    public long FinePoints { get; init; }
    public long LinePixelPairs { get; init; }
    public int OrderCount => Orders.Count;
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

    /// <summary>Each line before and after, as flat records.</summary>
    public IEnumerable<LineChange> LineChanges() => LineChange.Compare(TemplateModel, Model, Fitted);
    internal IReadOnlySet<int> Fitted { get; init; } = new HashSet<int>();

    public override string ToString() =>
        $"RV {RadialVelocity:F3} ± {RadialVelocityError:F3} km/s, v sin i {Vsini:F2} ± {VsiniError:F2} km/s, R {ResolvingPower:F0}, χ²/ν {ReducedChiSquare:F2}";
}

/// <summary>One line before (the clone) and after (the transfer), flat for tables, CSV and Excel; Model names the transferred model.</summary>
public sealed record LineChange(
    string Model,
    int Index,
    bool Fitted,
    double CenterAngstrom,
    double CenterShiftAngstrom,
    double Amplitude,
    double AmplitudeBefore,
    double SigmaAngstrom,
    double SigmaBeforeAngstrom,
    double GammaAngstrom,
    double GammaBeforeAngstrom,
    double FwhmAngstrom,
    double FwhmBeforeAngstrom,
    double Depth,
    double DepthBefore,
    double EquivalentWidthAngstrom,
    double EquivalentWidthBeforeAngstrom)
{
    public static IEnumerable<LineChange> Compare(LineModel before, LineModel after, IReadOnlySet<int> fitted) =>
        LineRecord.From(before).Zip(LineRecord.From(after), (b, a) => new LineChange(
            a.Model, a.Index, fitted.Contains(a.Index), a.CenterAngstrom, a.CenterAngstrom - b.CenterAngstrom,
            a.Amplitude, b.Amplitude, a.SigmaAngstrom, b.SigmaAngstrom, a.GammaAngstrom, b.GammaAngstrom,
            a.FwhmAngstrom, b.FwhmAngstrom, a.Depth, b.Depth, a.EquivalentWidthAngstrom, b.EquivalentWidthAngstrom));
}
