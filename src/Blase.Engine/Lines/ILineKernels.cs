namespace Blase.Engine.Lines;

/// <summary>
/// The kernels a line model runs on, whatever the device: windows, forward model, analytic gradient with per-line
/// Gauss–Newton blocks. <see cref="LineKernels"/> is the CPU backend; <see cref="Compute.GpuLineKernels"/> runs the same
/// function through ILGPU. Tests hold the two to agreement.
/// </summary>
public interface ILineKernels : IDisposable
{
    LineModel Model { get; }
    double[] Wavelength { get; }
    long PairCount { get; }
    /// <summary>Name of the device, for reports.</summary>
    string Device { get; }
    /// <summary>Takes the model's current parameters: line constants and windows (windows follow moving lines).</summary>
    void Refresh();
    /// <summary>Σ_j ln(1 − a_j V_j) (linear mode) or −Σ_j a_j V_j (log mode) at every pixel.</summary>
    double[] LogFlux();
    /// <summary>Gradient of Σ w r² per line from q_i = 2 w_i r_i·model_i; with h_i = w_i·model_i², also the 4×4 blocks (10 entries per line).</summary>
    void Gradient(double[] q, double[]? h, double[] gradLines, double[]? blocks);
}

public static class LineKernelsExtensions
{
    /// <summary>The model flux: continuum × exp(log-flux), per pixel in parallel blocks.</summary>
    public static double[] FluxOf(this ILineKernels k)
    {
        const int block = 16_384;
        var lnS = k.LogFlux();
        var f = new double[lnS.Length];
        Parallel.For(0, (f.Length + block - 1) / block, b =>
        {
            for (int i = b * block; i < Math.Min(f.Length, (b + 1) * block); i++) f[i] = k.Model.ContinuumAt(k.Wavelength[i]) * Math.Exp(lnS[i]);
        });
        return f;
    }
}
