using System.Management.Automation;
using Blase.Engine.Spectra;

namespace Blase.Cmdlets.Spectra;

/// <summary>
/// <para type="synopsis">Converts spectra between air and vacuum wavelengths and between Å, nm and µm, and normalizes them by their median.</para>
/// <para type="description">Air ↔ vacuum uses the IAU standard air of Morton (2000, ApJS 130, 403):
/// n − 1 = 8.34254e-5 + 2.406147e-2/(130 − s²) + 1.5998e-4/(38.9 − s²), s = 10⁴/λ_vac in Å; the inverse is solved
/// iteratively so a round trip is exact to 1e-12. Each step is recorded in the spectrum's Provenance.</para>
/// </summary>
/// <example>
/// <code>Import-BlaseSpectrum ./sun.fits -Wavelength 6000, 6100 | Convert-BlaseSpectrum -Medium Air -Unit Nanometer</code>
/// <para>Converts a piece of a vacuum PHOENIX spectrum to air wavelengths in nm.</para>
/// </example>
/// <example>
/// <code>Import-BlaseSpectrum ./hpf/WASP_69_hpf_stack.fits | Convert-BlaseSpectrum -NormalizeByMedian | ForEach-Object { $_.Provenance }</code>
/// <para>Divides each order by its median and lists the steps the spectrum has been through.</para>
/// </example>
[Cmdlet(VerbsData.Convert, "BlaseSpectrum")]
[OutputType(typeof(Spectrum))]
public sealed class ConvertBlaseSpectrumCommand : SpectrumTransformCmdlet
{
    /// <summary>Air or Vacuum: convert the wavelengths to this medium (IAU standard air, Morton 2000). Unchanged by default.</summary>
    [Parameter] public WavelengthMedium? Medium { get; set; }

    /// <summary>Angstrom, Nanometer or Micrometer: convert the wavelengths to this unit. Unchanged by default.</summary>
    [Parameter] public WavelengthUnit? Unit { get; set; }

    /// <summary>Divide each order by the median of its good pixels.</summary>
    [Parameter] public SwitchParameter NormalizeByMedian { get; set; }

    protected override Spectrum Transform(Spectrum s)
    {
        if (Medium is { } m) s = s.ToMedium(m);
        if (Unit is { } u) s = s.ToUnit(u);
        if (NormalizeByMedian) s = s.NormalizeByMedian();
        return s;
    }
}
