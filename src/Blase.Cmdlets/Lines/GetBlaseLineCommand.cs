using System.Management.Automation;
using Blase.Engine.Lines;

namespace Blase.Cmdlets.Lines;

/// <summary>
/// <para type="synopsis">Emits a line model's lines, or a transfer's lines before and after, as flat records.</para>
/// <para type="description">For a line model, each record holds the centre, amplitude, σ, γ, FWHM, depth and equivalent width of one
/// line (Å), plus the logarithmic parameters as stored. For a transfer result (Invoke-BlaseTransfer), each record holds one line's
/// values after the fit and before it (the clone), and its centre shift, with Fitted saying whether the data reached it.
/// Where-Object, Sort-Object, Export-BlaseLines and Excel work on them directly.</para>
/// </summary>
/// <example>
/// <code>Import-BlaseModel ./sun.blase.fits | Get-BlaseLine -Wavelength 6100, 6200 | Where-Object Depth -gt 0.1</code>
/// <para>The lines between 6100 and 6200 Å deeper than 10 % of the continuum.</para>
/// </example>
/// <example>
/// <code>$clone = Import-BlaseModel ./lte03900.blase.fits
/// $result = Import-BlaseSpectrum ./hpf/WASP_69_hpf_stack.fits | Invoke-BlaseTransfer -Model $clone -BarycentricCorrection 0
/// $result | Get-BlaseLine | Where-Object { $_.Fitted -and [math]::Abs($_.Depth - $_.DepthBefore) -gt 0.02 }</code>
/// <para>Transfers a saved clone to WASP-69 and lists the lines whose depth the transfer changed by more than 2 % of the continuum.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "BlaseLine")]
[OutputType(typeof(LineRecord), typeof(Engine.Transfer.LineChange))]
public sealed class GetBlaseLineCommand : BlaseCmdlet
{
    /// <summary>A line model, or a transfer result.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public PSObject InputObject { get; set; } = null!;

    /// <summary>Only lines with centres in min..max (Å).</summary>
    [Parameter] [ValidateCount(2, 2)] public double[]? Wavelength { get; set; }

    /// <summary>Only lines at least this deep.</summary>
    [Parameter] public double MinDepth { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject.BaseObject is Engine.Transfer.TransferResult t)
        {
            foreach (var c in t.LineChanges())
                if ((Wavelength is null || (c.CenterAngstrom >= Wavelength[0] && c.CenterAngstrom <= Wavelength[1])) && c.Depth >= MinDepth) WriteObject(c);
            return;
        }
        if (InputObject.BaseObject is not LineModel model)
        {
            WriteError(ErrorFor(new ArgumentException($"Get-BlaseLine takes a line model or a transfer result, not {InputObject.BaseObject.GetType().Name}"), InputObject));
            return;
        }
        foreach (var r in LineRecord.From(model))
        {
            if (Wavelength is not null && (r.CenterAngstrom < Wavelength[0] || r.CenterAngstrom > Wavelength[1])) continue;
            if (r.Depth < MinDepth) continue;
            WriteObject(r);
        }
    }
}
