namespace Blase.Engine.Batch;

/// <summary>What a batch did with one input this run.</summary>
public enum BatchOutcome
{
    /// <summary>Reduced now; its outputs and manifest are written.</summary>
    Reduced,
    /// <summary>Its manifest says it was reduced from the same file with the same recipe and its outputs are intact: nothing done.</summary>
    Skipped,
    /// <summary>It could not be reduced (see <see cref="BatchResult.Reason"/>); a rerun tries it again.</summary>
    Failed,
}

/// <summary>
/// One input of a batch, flat for tables, CSV and Excel: its outcome, the fitted RV and v sin i with their 1σ (km/s), the
/// fit's χ²/ν and residual RMS, or why it failed. Science values are NaN for a failed input.
/// </summary>
public sealed class BatchResult
{
    /// <summary>The input's file name.</summary>
    public required string Input { get; init; }
    /// <summary>The input's full path.</summary>
    public required string Path { get; init; }
    public BatchOutcome Outcome { get; set; }
    /// <summary>Seconds spent on it in this run (0 when skipped).</summary>
    public double Seconds { get; set; }
    public double RadialVelocityKms { get; init; } = double.NaN;
    public double RadialVelocityErrorKms { get; init; } = double.NaN;
    /// <summary>The RV relative to the barycentre when a correction applied, else the RV.</summary>
    public double BarycentricRadialVelocityKms { get; init; } = double.NaN;
    public double VsiniKms { get; init; } = double.NaN;
    public double VsiniErrorKms { get; init; } = double.NaN;
    public double ReducedChiSquare { get; init; } = double.NaN;
    public double ResidualRms { get; init; } = double.NaN;
    public bool Converged { get; init; }
    /// <summary>Why it failed (empty when it did not).</summary>
    public string Reason { get; init; } = "";
    /// <summary>The output files' names, space-separated, in the output folder.</summary>
    public string Outputs { get; init; } = "";
    public string InputSha256 { get; init; } = "";

    /// <summary>Its row in the batch's summary.csv: the state of its outputs, with nothing that differs from run to run.</summary>
    public BatchSummaryRow ToSummaryRow() => new(Input, Outcome == BatchOutcome.Failed ? "Failed" : "Reduced", RadialVelocityKms,
        RadialVelocityErrorKms, BarycentricRadialVelocityKms, VsiniKms, VsiniErrorKms, ReducedChiSquare, ResidualRms, Converged, Reason,
        Outputs, InputSha256);

    public override string ToString() => Outcome == BatchOutcome.Failed
        ? $"{Input}: failed: {Reason}"
        : $"{Input}: {Outcome}, RV {RadialVelocityKms:F3} ± {RadialVelocityErrorKms:F3} km/s";
}

/// <summary>
/// A row of summary.csv: each input's state (Reduced or Failed) and results. A run that skips everything, a parallel run and
/// a Slurm run of the same batch write the same rows.
/// </summary>
public sealed record BatchSummaryRow(
    string Input,
    string Status,
    double RadialVelocityKms,
    double RadialVelocityErrorKms,
    double BarycentricRadialVelocityKms,
    double VsiniKms,
    double VsiniErrorKms,
    double ReducedChiSquare,
    double ResidualRms,
    bool Converged,
    string Reason,
    string Outputs,
    string InputSha256);
