using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Blase.Engine.Compute;

/// <summary>Where compute runs: Auto takes a CUDA GPU when one works, else the CPU.</summary>
public enum DeviceKind
{
    Auto,
    Cpu,
    Cuda,
}

/// <summary>A compute device as a user sees it.</summary>
public sealed record ComputeDevice(
    DeviceKind Kind,
    string Name,
    int Index,
    long MemoryBytes,
    string? ComputeCapability,
    int Cores,
    bool IsDefault)
{
    public double MemoryGiB => Math.Round(MemoryBytes / (double)(1L << 30), 1);
}

/// <summary>
/// Lists the devices this machine offers. CUDA devices are found through ILGPU (which loads the driver's libcuda);
/// a machine without the driver simply has none. ILGPU's CPU accelerator is a kernel simulator for tests and is not
/// listed: the CPU device is the engine's own parallel C# backend.
/// </summary>
public static class DeviceCatalog
{
    private static readonly Lazy<(IReadOnlyList<ComputeDevice> Devices, string? CudaProblem)> Found = new(Probe);

    public static IReadOnlyList<ComputeDevice> Devices => Found.Value.Devices;

    /// <summary>Why no CUDA device is listed (no driver, no GPU, an error), or null when one is.</summary>
    public static string? CudaProblem => Found.Value.CudaProblem;

    public static ComputeDevice Cpu => Devices.First(d => d.Kind == DeviceKind.Cpu);

    /// <summary>The device a request resolves to. Auto picks the first CUDA GPU when present; Cuda without one is an error.</summary>
    public static ComputeDevice Resolve(DeviceKind kind, out string? note)
    {
        note = null;
        var cuda = Devices.FirstOrDefault(d => d.Kind == DeviceKind.Cuda);
        switch (kind)
        {
            case DeviceKind.Cpu:
                return Cpu;
            case DeviceKind.Cuda:
                return cuda ?? throw new DeviceUnavailableException($"no CUDA device is available: {CudaProblem}");
            default:
                if (cuda is not null) return cuda;
                note = $"no CUDA device ({CudaProblem}); using the CPU";
                return Cpu;
        }
    }

    private static (IReadOnlyList<ComputeDevice>, string?) Probe()
    {
        var list = new List<ComputeDevice>();
        string? problem = null;
        try
        {
            using var context = Context.Create(b => b.Cuda());
            foreach (var d in context.GetCudaDevices())
                list.Add(new ComputeDevice(DeviceKind.Cuda, d.Name, list.Count, d.MemorySize,
                    $"{d.Architecture?.Major}.{d.Architecture?.Minor}", d.NumMultiprocessors, false));
            if (list.Count == 0) problem = "the CUDA driver reports no GPU, or no driver is installed";
        }
        catch (Exception e)
        {
            problem = $"CUDA could not be initialised: {e.Message}";
        }
        var cpu = new ComputeDevice(DeviceKind.Cpu, CpuName(), 0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, null,
            Environment.ProcessorCount, list.Count == 0);
        if (list.Count > 0) list[0] = list[0] with { IsDefault = true };
        list.Insert(0, cpu);
        return (list, problem);
    }

    private static string CpuName()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"));
                if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
            }
        }
        catch (IOException) { }
        return $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture} CPU";
    }
}
