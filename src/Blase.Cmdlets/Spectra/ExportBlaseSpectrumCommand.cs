using System.Management.Automation;
using Blase.Engine.IO.Formats;
using Blase.Engine.Spectra;

namespace Blase.Cmdlets.Spectra;

/// <summary>
/// <para type="synopsis">Writes spectra to FITS (binary table) or CSV files.</para>
/// <para type="description">The format follows the extension of -Path (.fits or .csv). When -Path is a folder, each spectrum is
/// written there as &lt;Name&gt;.fits (or -Extension). Files are written to a temporary name and renamed, so a failure never
/// leaves a partial file. An existing file is kept unless -Force is given.</para>
/// </summary>
/// <example>
/// <code>Import-BlaseSpectrum ./hpf/WASP_69_hpf_stack.fits | Export-BlaseSpectrum -Path ./wasp69.csv</code>
/// <para>Writes the spectrum as CSV (order, wavelength_A, flux, uncertainty, mask) for a spreadsheet.</para>
/// </example>
/// <example>
/// <code>Import-BlaseSpectrum ./grids/PHOENIX_IGRINS_m075.hdf5 | Export-BlaseSpectrum -Path ./grid-points -WhatIf</code>
/// <para>Shows which FITS files would be written into the folder ./grid-points, one per grid point, without writing them.</para>
/// </example>
[Cmdlet(VerbsData.Export, "BlaseSpectrum", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportBlaseSpectrumCommand : BlaseCmdlet
{
    /// <summary>The spectra to write, usually piped.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public Spectrum InputObject { get; set; } = null!;

    /// <summary>The file to write (.fits: a binary table; .csv: text), or a folder, where each spectrum goes to its name plus -Extension.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The extension used when -Path is a folder.</summary>
    [Parameter]
    [ValidateSet(".fits", ".csv")]
    public string Extension { get; set; } = ".fits";

    /// <summary>Overwrite an existing file. Off by default: an existing file is kept and reported.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    /// <summary>Refuse to overwrite an existing file (the default; kept for symmetry with Export-Csv).</summary>
    [Parameter] public SwitchParameter NoClobber { get; set; }

    protected override void ProcessRecord()
    {
        string target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (Directory.Exists(target))
        {
            var safe = string.Concat(InputObject.Name.Select(c => System.IO.Path.GetInvalidFileNameChars().Contains(c) || c == ' ' ? '_' : c));
            target = System.IO.Path.Combine(target, safe + Extension);
        }
        // -NoClobber wins over -Force, as in Export-Csv.
        WriteFile(target, $"Write {InputObject.PixelCount} pixels of {InputObject.Name}", Force && !NoClobber,
            t => SpectrumWriter.Write(InputObject, t, overwrite: true));
    }
}
