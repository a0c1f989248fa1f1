using System.Management.Automation;
using Blase.Engine.IO;
using Blase.Engine.Lines;

namespace Blase.Cmdlets.Lines;

/// <summary>
/// <para type="synopsis">Saves a line model to a versioned FITS file that round-trips every number exactly.</para>
/// <para type="description">The file has a primary header (format version, profile, combination mode, window settings, continuum,
/// provenance as HISTORY) and a binary table LINES with blasé's columns lam_center_A, ln_amplitude, ln_sigma_A, ln_gamma_A
/// as 64-bit floats. Python reads it with astropy.io.fits. Import-BlaseModel reads it back.</para>
/// </summary>
/// <example>
/// <code>Import-BlaseSpectrum ./phoenix.fits | Invoke-BlaseClone | Save-BlaseModel -Path sun.blase.fits</code>
/// <para>Clones a template and keeps the model for later transfers.</para>
/// </example>
[Cmdlet(VerbsData.Save, "BlaseModel", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class SaveBlaseModelCommand : BlaseCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public LineModel InputObject { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter] public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() =>
        WriteFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path), $"Save a model of {InputObject.Count} lines", Force,
            target => LineModelFile.Save(InputObject, target));
}
