using System.Management.Automation;
using Blase.Engine.Lines;

namespace Blase.Cmdlets.Lines;

/// <summary>
/// <para type="synopsis">Emits a line model's lines as flat records.</para>
/// <para type="description">Each record holds the centre, amplitude, σ, γ, FWHM, depth and equivalent width of one line (Å), plus the
/// logarithmic parameters as stored, so that Where-Object, Sort-Object and Excel work on them directly.</para>
/// </summary>
/// <example>
/// <code>Import-BlaseModel ./sun.blase.fits | Get-BlaseLine -Wavelength 6100, 6200 | Where-Object Depth -gt 0.1</code>
/// <para>The lines between 6100 and 6200 Å deeper than 10 % of the continuum.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "BlaseLine")]
[OutputType(typeof(LineRecord))]
public sealed class GetBlaseLineCommand : BlaseCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public LineModel InputObject { get; set; } = null!;

    /// <summary>Only lines with centres in min..max (Å).</summary>
    [Parameter] [ValidateCount(2, 2)] public double[]? Wavelength { get; set; }

    /// <summary>Only lines at least this deep.</summary>
    [Parameter] public double MinDepth { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var r in LineRecord.From(InputObject))
        {
            if (Wavelength is not null && (r.CenterAngstrom < Wavelength[0] || r.CenterAngstrom > Wavelength[1])) continue;
            if (r.Depth < MinDepth) continue;
            WriteObject(r);
        }
    }
}
