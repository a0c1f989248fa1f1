using System.Management.Automation;
using Blase.Engine.Compute;

namespace Blase.Cmdlets.Devices;

/// <summary>
/// <para type="synopsis">Lists the compute devices Blase can use and marks the one -Device Auto picks.</para>
/// <para type="description">The CPU is always listed (Blase's own parallel backend). CUDA GPUs are found through ILGPU and the
/// driver's libcuda; when none is found, -Verbose says why.</para>
/// </summary>
/// <example>
/// <code>Get-BlaseDevice</code>
/// <para>Lists the CPU and any CUDA GPUs; the Auto column marks the device -Device Auto would use.</para>
/// </example>
/// <example>
/// <code>Get-BlaseDevice -Kind Cuda -Verbose</code>
/// <para>Lists only GPUs, and says why none was found when there is none.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "BlaseDevice")]
[OutputType(typeof(ComputeDevice))]
public sealed class GetBlaseDeviceCommand : BlaseCmdlet
{
    /// <summary>Only devices of this kind.</summary>
    [Parameter(Position = 0)]
    [ValidateSet("Cpu", "Cuda")]
    public string? Kind { get; set; }

    protected override void EndProcessing()
    {
        if (DeviceCatalog.CudaProblem is { } why) WriteVerbose($"no CUDA device: {why}");
        foreach (var d in DeviceCatalog.Devices)
            if (Kind is null || d.Kind.ToString() == Kind) WriteObject(d);
    }
}
