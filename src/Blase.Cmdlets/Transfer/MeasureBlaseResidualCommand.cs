using System.Management.Automation;
using Blase.Engine.Lines;
using Blase.Engine.Spectra;
using Blase.Engine.Transfer;

namespace Blase.Cmdlets.Transfer;

/// <summary>
/// <para type="synopsis">Measures how well a line model matches a spectrum: residual RMS and χ².</para>
/// <para type="description">Without -ResolvingPower the model is evaluated natively at each pixel (shifted by -RadialVelocity), as for a
/// template against the spectrum it was cloned from. With -ResolvingPower it goes through the transfer chain (rotation by -Vsini,
/// the instrument's line-spread function, integration over the pixels) with a continuum fitted per order, as for observed data.
/// The RMS is of (data − model)/continuum over the good pixels; χ² uses the spectrum's uncertainties (unit weights without them).</para>
/// </summary>
/// <example>
/// <code>$clone = Import-BlaseModel ./sun.blase.fits
/// Import-BlaseSpectrum ./sun.fits | Measure-BlaseResidual -Model $clone -Wavelength 6100, 6200</code>
/// <para>A saved clone's residual against its template between 6100 and 6200 Å.</para>
/// </example>
/// <example>
/// <code>$clone = Import-BlaseModel ./lte03900.blase.fits
/// Import-BlaseSpectrum ./hpf/WASP_69_hpf_stack.fits | Measure-BlaseResidual -Model $clone -RadialVelocity -9.6 -Vsini 3 -ResolvingPower 55000</code>
/// <para>How well the clone, shifted and broadened, matches an observed order before any line is adjusted.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Measure, "BlaseResidual")]
[OutputType(typeof(ResidualReport))]
public sealed class MeasureBlaseResidualCommand : BlaseCmdlet
{
    /// <summary>The line model to evaluate.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public LineModel Model { get; set; } = null!;

    /// <summary>The spectrum to compare with, from the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [Alias("InputObject")]
    public Spectrum Spectrum { get; set; } = null!;

    /// <summary>The RV (km/s) by which the model is shifted.</summary>
    [Parameter] public double RadialVelocity { get; set; }

    /// <summary>Only pixels between min and max (Å).</summary>
    [Parameter] [ValidateCount(2, 2)] public double[]? Wavelength { get; set; }

    /// <summary>Go through the transfer chain at this resolving power (with a fitted continuum per order).</summary>
    [Parameter] [ValidateRange(100, 10_000_000)] public double? ResolvingPower { get; set; }

    /// <summary>Rotational broadening (km/s) in the transfer chain.</summary>
    [Parameter] [ValidateRange(0, 500)] public double Vsini { get; set; }

    /// <summary>A telluric line model multiplied in the transfer chain.</summary>
    [Parameter] public LineModel? Telluric { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var s = Wavelength is null ? Spectrum : Spectrum.ToUnit(WavelengthUnit.Angstrom).Crop(Wavelength[0], Wavelength[1]);
            WriteObject(ResolvingPower is double r
                ? ResidualMeasure.Chain(s, Model, Telluric, RadialVelocity, Vsini, r)
                : ResidualMeasure.Native(s, Model, RadialVelocity));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteError(ErrorFor(e, Spectrum));
        }
    }
}
