using System.Management.Automation;
using Blase.Engine.Fitting;
using Blase.Engine.Lines;
using Blase.Engine.Spectra;

namespace Blase.Cmdlets.Lines;

/// <summary>
/// <para type="synopsis">Finds the lines Invoke-BlaseClone would fit, without fitting them.</para>
/// <para type="description">Prepares the template like Invoke-BlaseClone (unless -Normalized) and emits one record per line found:
/// pixel, centre, depth, prominence and FWHM (Å), so the count and the positions can be checked before training.</para>
/// </summary>
/// <example>
/// <code>Import-BlaseSpectrum ./sun.fits -Wavelength 6000, 6100 | Find-BlaseLine -Prominence 0.05 | Where-Object FwhmAngstrom -gt 0.5</code>
/// <para>Lists the broad lines of a 5800 K PHOENIX spectrum between 6000 and 6100 Å deeper than 5 % of the continuum.</para>
/// </example>
/// <example>
/// <code>Import-BlaseSpectrum ./lte03900.dat | Find-BlaseLine -Teff 3900 | Sort-Object Prominence -Descending | Select-Object -First 10</code>
/// <para>The ten most prominent lines of a 3900 K PHOENIX cut: the lines a clone would start from.</para>
/// </example>
[Cmdlet(VerbsCommon.Find, "BlaseLine")]
[OutputType(typeof(FoundLine))]
public sealed class FindBlaseLineCommand : BlaseCmdlet
{
    /// <summary>The template spectrum to search, usually piped from Import-BlaseSpectrum.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public Spectrum InputObject { get; set; } = null!;

    /// <summary>The spectrum is already normalized to a continuum of 1: skip the Planck, median and continuum division. Off by default.</summary>
    [Parameter] public SwitchParameter Normalized { get; set; }

    /// <summary>The least prominence (depth below the neighbouring maxima, in continuum units) of a line. Default 0.01.</summary>
    [Parameter] [ValidateRange(1e-6, 1)] public double Prominence { get; set; } = 0.01;

    /// <summary>The least distance between two lines, in pixels. Default 4.</summary>
    [Parameter] [ValidateRange(1, 1000)] public int MinSeparation { get; set; } = 4;

    /// <summary>The template's effective temperature in K, for the Planck division. Default: from the file's header (PHOENIX), else none.</summary>
    [Parameter] public double? Teff { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var (_, found) = Cloner.FindLines(InputObject, new CloneOptions { Normalized = Normalized, Prominence = Prominence, MinSeparation = MinSeparation, Teff = Teff });
            WriteVerbose($"{InputObject.Name}: {found.Count} lines");
            foreach (var l in found) WriteObject(l);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteError(ErrorFor(e, InputObject));
        }
    }
}
