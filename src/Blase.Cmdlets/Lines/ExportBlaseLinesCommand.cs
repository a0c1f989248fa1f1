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
/// <code>Import-BlaseSpectrum ./sun.fits -Wavelength 6100, 6150 | Invoke-BlaseClone | Export-BlaseLines -Path lines.xlsx</code>
/// <para>Clones 50 Å of a template and writes its line list in Excel.</para>
/// </example>
/// <example>
/// <code>Import-BlaseModel ./sun.blase.fits | Export-BlaseLines -Path clone.csv -Convention Blase</code>
/// <para>Writes a saved clone's line list in the layout blasé saves and loads.</para>
/// </example>
[Cmdlet(VerbsData.Export, "BlaseLines", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportBlaseLinesCommand : BlaseCmdlet
{
    /// <summary>A line model, a transfer result, or line records from Get-BlaseLine.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public PSObject InputObject { get; set; } = null!;

    /// <summary>The file to write; its extension sets the format: .csv, .xlsx (sheets "lines" and "summary") or .fits (a binary table).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Records (the default: Get-BlaseLine's columns) or Blase (blasé's lam_center_A, ln_amplitude, ln_sigma_A, ln_gamma_A; .csv only).</summary>
    [Parameter] public LineListConvention Convention { get; set; } = LineListConvention.Records;

    /// <summary>Overwrite an existing file. Off by default: an existing file is kept and reported.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    private readonly List<Engine.Transfer.LineChange> _changes = new();
    private readonly List<LineRecord> _records = new();

    // A blasé CSV is CSV whatever the name says: only .csv takes it. Line records go to .csv, .xlsx or .fits.
    private bool CheckTarget(string target) => Convention == LineListConvention.Blase
        ? CheckExtension(target, "Export-BlaseLines -Convention Blase", (".csv", "blasé's CSV"))
        : CheckExtension(target, "Export-BlaseLines", (".csv", "CSV"), (".xlsx", "Excel"), (".fits", "FITS table"), (".fit", "FITS table"));

    private bool _refused;

    protected override void ProcessRecord()
    {
        if (_refused) return;
        if (!CheckTarget(SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path))) { _refused = true; return; }
        switch (InputObject.BaseObject)
        {
            case LineModel model:
                WriteFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path), $"Write {model.Count} lines", Force, target =>
                {
                    if (Convention == LineListConvention.Blase) LineModelFile.SaveBlaseCsv(model, target);
                    else LineListWriter.Write(LineRecord.From(model).ToList(), target, LineListSummary.Of(model));
                });
                break;
            case Engine.Transfer.TransferResult result:
                WriteFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path), $"Write {result.Model.Count} lines before and after", Force, target =>
                {
                    if (Convention == LineListConvention.Blase) LineModelFile.SaveBlaseCsv(result.Model, target);
                    else LineListWriter.Write(result.LineChanges().ToList(), target, LineListSummary.Of(result));
                });
                break;
            // Records piped one by one (Get-BlaseLine | Where-Object … | Export-BlaseLines) are gathered and written at the end.
            case Engine.Transfer.LineChange c: _changes.Add(c); break;
            case LineRecord r: _records.Add(r); break;
            default:
                WriteError(ErrorFor(new ArgumentException($"Export-BlaseLines takes a line model, a transfer result or line records, not {InputObject.BaseObject.GetType().Name}"), InputObject));
                break;
        }
    }

    protected override void EndProcessing()
    {
        if (_changes.Count > 0)
            WriteFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path), $"Write {_changes.Count} lines before and after", Force, t => LineListWriter.Write(_changes, t, LineListSummary.Of(_changes.Select(c => c.Model))));
        if (_records.Count > 0)
            WriteFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path), $"Write {_records.Count} lines", Force, t => LineListWriter.Write(_records, t, LineListSummary.Of(_records.Select(r => r.Model))));
    }
}
