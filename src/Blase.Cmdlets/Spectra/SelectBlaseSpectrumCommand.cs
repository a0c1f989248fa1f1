using Blase.Cmdlets.Completion;
using System.Management.Automation;
using Blase.Engine.Spectra;

namespace Blase.Cmdlets.Spectra;

/// <summary>
/// <para type="synopsis">Keeps some orders and/or a wavelength range of spectra.</para>
/// <para type="description">-Order keeps the orders with those numbers (as numbered in the file, from 0); -Wavelength min,max
/// keeps the pixels in that range, in the spectrum's unit. Orders left empty are dropped.</para>
/// </summary>
/// <example>
/// <code>Import-BlaseSpectrum ./hpf/Goldilocks_*.fits | Select-BlaseSpectrum -Order 19 -Wavelength 10820, 10850</code>
/// <para>Keeps the He I 10830 Å region of order 19.</para>
/// </example>
/// <example>
/// <code>Import-BlaseSpectrum ./hpf/GJ_699_Slope-20181003T013939_R01.optimal.fits | Select-BlaseSpectrum -Order 4, 5, 6 | Format-List Name, OrderCount, MinWavelength, MaxWavelength</code>
/// <para>Keeps three orders of Barnard's star (Tab after -Order lists the file's orders with their wavelengths).</para>
/// </example>
[Cmdlet(VerbsCommon.Select, "BlaseSpectrum")]
[OutputType(typeof(Spectrum))]
public sealed class SelectBlaseSpectrumCommand : SpectrumTransformCmdlet
{
    /// <summary>The numbers of the orders to keep, as numbered in the file (from 0); Tab completes them from the spectrum on the command line. All orders by default.</summary>
    [Parameter] [ArgumentCompleter(typeof(OrderCompleter))] public int[]? Order { get; set; }

    /// <summary>The wavelength range to keep, min,max, in the spectrum's unit. The whole range by default.</summary>
    [Parameter]
    [ValidateCount(2, 2)]
    public double[]? Wavelength { get; set; }

    protected override Spectrum Transform(Spectrum s)
    {
        if (Order is int[] order) s = ForArgument(nameof(Order), () => s.SelectOrders(order));
        if (Wavelength is double[] range) s = ForArgument(nameof(Wavelength), () => s.Crop(range[0], range[1]));
        return s;
    }
}
