namespace Blase.Engine.Batch;

/// <summary>The files a batch can write for each input (a recipe's Outputs); the default is Result and Lines.</summary>
[Flags]
public enum BatchOutput
{
    None = 0,
    /// <summary><c>&lt;name&gt;.transfer.csv</c>: one row, the transfer's RV, v sin i, R with their σ, χ², RMS (<see cref="TransferSummary"/>).</summary>
    Result = 1,
    /// <summary><c>&lt;name&gt;.lines.csv</c>: every line before and after the transfer (as Export-BlaseLines writes a transfer result).</summary>
    Lines = 2,
    /// <summary><c>&lt;name&gt;.model.fits</c>: the fitted line model (as Save-BlaseModel writes it; Import-BlaseModel reads it).</summary>
    Model = 4,
    Default = Result | Lines,
}
