using Blase.Engine.Lines;
using ILGPU;
using ILGPU.Runtime;

namespace Blase.Engine.Compute;

/// <summary>
/// The line kernels of a problem larger than the device memory a run may use: the pixels are cut into consecutive chunks
/// small enough for it, and each evaluation runs the chunks one after another on one accelerator, each with only the lines
/// that reach it, its buffers freed before the next chunk's are allocated. ln S at a pixel is a sum over lines and a line's
/// gradient and curvature block are sums over pixels, so the chunks' parts add up to the whole: the function of
/// <see cref="GpuLineKernels"/> on the whole grid (up to rounding where a line's window is cut by a chunk boundary: its two
/// parts are summed apart, then added). With fixed pixel windows (<see cref="LineModel.WingCut"/>) a chunk carries a margin of
/// half a window each side, so that every line's window is placed as on the whole grid; the margin is evaluated, not kept.
/// Each evaluation reads the model's current parameters (windows follow moving lines), so <see cref="Refresh"/> has nothing to do.
/// </summary>
public sealed class ChunkedGpuLineKernels : ILineKernels
{
    private readonly Context? _context;
    private readonly Accelerator _acc;
    private readonly LineModel _m;
    private readonly double[] _wave;
    private readonly int[] _bounds; // chunk c owns the pixels [_bounds[c], _bounds[c + 1])
    private readonly int _margin;
    private readonly double _maxHalfWidth;

    /// <param name="deviceBytes">The device memory one chunk may take (<see cref="GpuLineKernels.BytesNeeded"/>).</param>
    public ChunkedGpuLineKernels(LineModel model, double[] wavelength, DeviceKind kind, long deviceBytes)
    {
        if (model.Profile == ProfileShape.Voigt) throw new NotSupportedException("the exact Voigt profile runs on the CPU backend only");
        _m = model;
        _wave = wavelength;
        _margin = model.WingCut is int cut ? cut / 2 + 1 : 0;
        _maxHalfWidth = LineKernels.MaxHalfWidthOn(wavelength);
        _bounds = Plan(deviceBytes);
        (_context, _acc) = GpuLineKernels.Open(kind);
        Device = (kind == DeviceKind.Cuda ? $"CUDA ({_acc.Name})" : $"ILGPU CPU simulator ({_acc.Name})") + $" in {Chunks} chunks";
    }

    public LineModel Model => _m;
    public double[] Wavelength => _wave;
    public string Device { get; }
    /// <summary>Line-pixel pairs at the last evaluation.</summary>
    public long PairCount { get; private set; }
    public int Chunks => _bounds.Length - 1;
    /// <summary>A test hook: faults injected into the chunks' kernel launches.</summary>
    internal DeviceFaultInjector? Faults { get; init; }

    public void Refresh() { }

    public double[] LogFlux()
    {
        var lnS = new double[_wave.Length];
        long pairs = 0;
        for (int c = 0; c < Chunks; c++)
        {
            var (from, to, lo, _) = Span(c);
            using var k = Open(c, out _);
            if (k is null) continue;
            Array.Copy(k.LogFlux(), from - lo, lnS, from, to - from);
            pairs += k.PairCount;
        }
        PairCount = pairs;
        return lnS;
    }

    public void Gradient(double[] q, double[]? h, double[] gradLines, double[]? blocks)
    {
        Array.Clear(gradLines, 0, 4 * _m.Count);
        if (blocks is not null) Array.Clear(blocks, 0, 10 * _m.Count);
        for (int c = 0; c < Chunks; c++)
        {
            var (from, to, lo, hi) = Span(c);
            using var k = Open(c, out var lines);
            if (k is null) continue;
            // The margin's pixels belong to the neighbouring chunks: they add nothing here.
            var qc = new double[hi - lo];
            var hc = h is null ? null : new double[hi - lo];
            Array.Copy(q, from, qc, from - lo, to - from);
            if (h is not null) Array.Copy(h, from, hc!, from - lo, to - from);
            var g = new double[4 * lines.Length];
            var b = blocks is null ? null : new double[10 * lines.Length];
            k.Gradient(qc, hc, g, b);
            for (int i = 0; i < lines.Length; i++)
            {
                for (int e = 0; e < 4; e++) gradLines[4 * lines[i] + e] += g[4 * i + e];
                if (blocks is not null) for (int e = 0; e < 10; e++) blocks[10 * lines[i] + e] += b![10 * i + e];
            }
        }
    }

    /// <summary>Chunk <paramref name="c"/>'s own pixels [from, to) and, with its margin, the grid [lo, hi) it is evaluated on.</summary>
    private (int From, int To, int Lo, int Hi) Span(int c)
    {
        int from = _bounds[c], to = _bounds[c + 1];
        return (from, to, Math.Max(0, from - _margin), Math.Min(_wave.Length, to + _margin));
    }

    /// <summary>The kernels of chunk <paramref name="c"/> (null when no line reaches it) and the lines they hold.</summary>
    private GpuLineKernels? Open(int c, out int[] lines)
    {
        var (from, to, lo, hi) = Span(c);
        lines = LinesReaching(from, to);
        return lines.Length == 0 ? null
            : new GpuLineKernels(_m.Subset(lines), _wave[lo..hi], _acc, _maxHalfWidth, from - lo, to - lo) { Faults = Faults };
    }

    /// <summary>
    /// The lines whose windows (<see cref="LineKernels.Window"/>), at the current parameters, touch the pixels [from, to), a
    /// pixel wider each side so that the device's rounding cannot leave one out (a line that then touches only the margin
    /// adds to pixels that are not kept).
    /// </summary>
    private int[] LinesReaching(int from, int to)
    {
        var keep = new List<int>();
        for (int j = 0; j < _m.Count; j++)
        {
            var (start, end) = LineKernels.Window(_m, j, _m.Shape(j), Math.Exp(_m.LnAmplitude[j]), _wave, _maxHalfWidth);
            if (start - 1 < to && end + 1 > from) keep.Add(j);
        }
        return keep.ToArray();
    }

    /// <summary>
    /// Chunk bounds: the fewest equal chunks (doubling) whose largest need, at the current parameters, takes at most 80 % of
    /// <paramref name="deviceBytes"/> (the rest is room for lines that move or widen while fitting).
    /// </summary>
    private int[] Plan(long deviceBytes)
    {
        int n = _wave.Length;
        for (int chunks = 1; ; chunks = Math.Min(n, 2 * chunks))
        {
            var bounds = Enumerable.Range(0, chunks + 1).Select(c => (int)((long)n * c / chunks)).ToArray();
            long need = 0;
            for (int c = 0; c < chunks; c++)
            {
                int lo = Math.Max(0, bounds[c] - _margin), hi = Math.Min(n, bounds[c + 1] + _margin);
                need = Math.Max(need, GpuLineKernels.BytesNeeded(LinesReaching(bounds[c], bounds[c + 1]).Length, hi - lo));
            }
            if (need <= 0.8 * deviceBytes) return bounds;
            if (chunks == n)
                throw new InsufficientMemoryException($"the lines that reach one pixel need {need / 1e6:F1} MB of device memory, more than the {deviceBytes / 1e6:F1} MB allowed");
        }
    }

    public void Dispose()
    {
        _acc.Dispose();
        _context?.Dispose();
    }
}
