using Blase.Engine.Transfer;

namespace Blase.Engine.Batch;

/// <summary>
/// A transfer result as one flat record (a batch's <c>&lt;name&gt;.transfer.csv</c>): what it fitted, with units in the names.
/// Nothing that changes from run to run (seconds, device) is in it, so a rerun writes the same bytes.
/// </summary>
public sealed record TransferSummary(
    string Spectrum,
    string Template,
    string Orders,
    double RadialVelocityKms,
    double RadialVelocityErrorKms,
    double BarycentricCorrectionKms,
    string BarycentricCorrectionSource,
    double BarycentricRadialVelocityKms,
    double VsiniKms,
    double VsiniErrorKms,
    double ResolvingPower,
    double ResolvingPowerError,
    double ChiSquare,
    int DegreesOfFreedom,
    double ReducedChiSquare,
    double ResidualRms,
    double NoiseRms,
    int LinesFitted,
    int LinesChanged,
    string Free,
    string Optimizer,
    int Iterations,
    bool Converged,
    string StopReason)
{
    public static TransferSummary From(TransferResult r) => new(
        r.Spectrum, r.Template, string.Join(' ', r.Orders.Select(o => o.Order)),
        r.RadialVelocity, r.RadialVelocityError, r.BarycentricCorrection, r.BarycentricCorrectionSource, r.BarycentricRadialVelocity,
        r.Vsini, r.VsiniError, r.ResolvingPower, r.ResolvingPowerError, r.ChiSquare, r.DegreesOfFreedom, r.ReducedChiSquare,
        r.ResidualRms, r.NoiseRms, r.LinesFitted, r.LinesChanged, r.Free.ToString(), r.Optimizer, r.Iterations, r.Converged, r.StopReason);
}
