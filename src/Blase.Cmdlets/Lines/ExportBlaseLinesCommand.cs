using System.Management.Automation;
using Blase.Engine.IO;
using Blase.Engine.Lines;

namespace Blase.Cmdlets.Lines;

/// <summary>What Export-BlaseLines writes in a CSV.</summary>
public enum LineListConvention
{
    /// <summary>One flat record per line (Get-BlaseLine's columns).</summary>
    Records,
    /// <summary>blasé's saved-model columns: lam_center_A, ln_amplitude, ln_sigma_A, ln_gamma_A.</summary>
    Blase,
}

/// <summary>
/// <para type="synopsis">Writes a line model's lines to CSV, Excel (.xlsx) or FITS, by the extension of -Path.</para>
/// <para type="description">CSV and Excel hold one row per line with Get-BlaseLine's columns; FITS holds them as a binary table.
/// -Convention Blase writes blasé's CSV (lam_center_A, ln_amplitude, ln_sigma_A, ln_gamma_A), which Import-BlaseModel reads
/// back. Files are written to a temporary name and renamed; an existing file is kept unless -Force is given.</para>
/// </summary>
/// <example>
/// <code>Import-BlaseSpectrum ./phoenix.fits | Invoke-BlaseClone | Export-BlaseLines -Path lines.xlsx</code>
/// <para>Clones a template and opens its line list in Excel.</para>
/// </example>
/// <example>
/// <code>$model | Export-BlaseLines -Path clone.csv -Convention Blase</code>
/// <para>Writes the line list in the layout blasé saves and loads.</para>
/// </example>
[Cmdlet(VerbsData.Export, "BlaseLines", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportBlaseLinesCommand : BlaseCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public LineModel InputObject { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter] public LineListConvention Convention { get; set; } = LineListConvention.Records;

    [Parameter] public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() =>
        WriteFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path), $"Write {InputObject.Count} lines", Force, target =>
        {
            if (Convention == LineListConvention.Blase) LineModelFile.SaveBlaseCsv(InputObject, target);
            else LineListWriter.Write(LineRecord.From(InputObject).ToList(), target);
        });
}
