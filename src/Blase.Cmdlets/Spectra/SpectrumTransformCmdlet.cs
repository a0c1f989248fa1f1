using System.Management.Automation;
using Blase.Engine.Spectra;

namespace Blase.Cmdlets.Spectra;

/// <summary>A cmdlet that turns each piped spectrum into a new one; a failure on one spectrum does not stop the others.</summary>
public abstract class SpectrumTransformCmdlet : BlaseCmdlet
{
    /// <summary>The spectra to work on, usually piped from Import-BlaseSpectrum.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public Spectrum InputObject { get; set; } = null!;

    protected abstract Spectrum Transform(Spectrum spectrum);

    protected override void ProcessRecord()
    {
        try
        {
            WriteObject(Transform(InputObject));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteError(ErrorFor(e, InputObject));
        }
    }
}
