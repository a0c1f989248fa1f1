namespace Blase.Engine.Lines;

/// <summary>
/// The CPU kernels of a line model on a fixed wavelength grid: per-line windows, the forward model and the analytic
/// gradient (with per-line Gauss–Newton blocks). Offsets Δ = λ − λc and all sums are in double precision.
/// The forward pass runs over contiguous groups of lines in parallel, each into its own log-flux buffer; the gradient
/// pass runs over lines in parallel, each reading the per-pixel residual.
/// </summary>
public sealed class LineKernels : ILineKernels
{
    public const double MaxAbsorption = 1 - 1e-9;

    private readonly LineModel _m;
    private readonly double[] _wave;
    private readonly int[] _start, _end;
    private readonly LineShape[] _shape;
    private readonly double[] _amp;
    private readonly int _threads;

    public LineKernels(LineModel model, double[] wavelength, int? threads = null)
    {
        _m = model;
        _wave = wavelength;
        _start = new int[model.Count];
        _end = new int[model.Count];
        _shape = new LineShape[model.Count];
        _amp = new double[model.Count];
        _threads = Math.Max(1, threads ?? Environment.ProcessorCount);
        Refresh();
    }

    public LineModel Model => _m;
    public double[] Wavelength => _wave;
    public string Device => $"CPU ({Compute.DeviceCatalog.Cpu.Name}, {_threads} threads)";
    public void Dispose() { }

    /// <summary>Line-pixel pairs the windows cover.</summary>
    public long PairCount { get; private set; }

    /// <summary>Recomputes each line's constants and window from its current parameters (windows follow moving lines).</summary>
    public void Refresh()
    {
        long pairs = 0;
        int n = _wave.Length;
        double step = n > 1 ? (_wave[^1] - _wave[0]) / (n - 1) : 1;
        for (int j = 0; j < _m.Count; j++)
        {
            _shape[j] = _m.Shape(j);
            _amp[j] = Math.Exp(_m.LnAmplitude[j]);
            double c = _m.Center[j];
            if (_m.WingCut is int cut)
            {
                int mid = Spectra.SpectralOrder.LowerBound(_wave, c);
                _start[j] = Math.Clamp(mid - cut / 2, 0, n);
                _end[j] = Math.Clamp(mid + cut / 2, 0, n);
            }
            else
            {
                double hw = Math.Min(_shape[j].HalfWidth(_amp[j], _m.Tolerance), 2000 * step);
                _start[j] = Spectra.SpectralOrder.LowerBound(_wave, c - hw);
                _end[j] = Spectra.SpectralOrder.LowerBound(_wave, c + hw);
            }
            pairs += _end[j] - _start[j];
        }
        PairCount = pairs;
    }

    public double[] LogFlux()
    {
        int n = _wave.Length, lines = _m.Count;
        int groups = Math.Min(_threads, Math.Max(1, lines));
        var buffers = new double[groups][];
        bool linear = _m.Mode == CombinationMode.Linear;
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = _threads }, g =>
        {
            var buf = new double[n];
            int j0 = (int)((long)lines * g / groups), j1 = (int)((long)lines * (g + 1) / groups);
            for (int j = j0; j < j1; j++)
            {
                var s = _shape[j];
                double a = _amp[j], c = _m.Center[j];
                for (int i = _start[j]; i < _end[j]; i++)
                {
                    double u = a * s.Value(_wave[i] - c);
                    buf[i] += linear ? Math.Log(1 - Math.Min(u, MaxAbsorption)) : -u;
                }
            }
            buffers[g] = buf;
        });
        var total = buffers[0];
        for (int g = 1; g < groups; g++)
        {
            var b = buffers[g];
            for (int i = 0; i < n; i++) total[i] += b[i];
        }
        return total;
    }

    public double[] Flux() => this.FluxOf();

    /// <summary>
    /// ∂ln S/∂θ at offset Δ = λ − λc for θ = λc, ln a, ln σ, ln γ of one line (∂/∂λc = −∂/∂Δ); false where the line is
    /// clamped (linear mode, a·V ≥ <see cref="MaxAbsorption"/>) and has no gradient.
    /// </summary>
    internal static bool Terms(in LineShape s, double a, double delta, bool linear, out double d0, out double d1, out double d2, out double d3)
    {
        double v = s.Value(delta, out double dD, out double dS, out double dG);
        double u = a * v;
        if (linear && u >= MaxAbsorption) { d0 = d1 = d2 = d3 = 0; return false; }
        double f = linear ? -1 / (1 - u) : -1;
        d0 = -f * a * dD; d1 = f * u; d2 = f * a * dS; d3 = f * a * dG;
        return true;
    }

    /// <summary>Line j's window [start, end) on the grid and ∂ln S/∂θ over it (four arrays of the window's length).</summary>
    internal (int Start, int End) Derivatives(int j, double[][] d)
    {
        var s = _shape[j];
        double a = _amp[j], c = _m.Center[j];
        bool linear = _m.Mode == CombinationMode.Linear;
        for (int i = _start[j]; i < _end[j]; i++)
        {
            Terms(s, a, _wave[i] - c, linear, out double d0, out double d1, out double d2, out double d3);
            int k = i - _start[j];
            d[0][k] = d0; d[1][k] = d1; d[2][k] = d2; d[3][k] = d3;
        }
        return (_start[j], _end[j]);
    }

    /// <summary>The widest window of any line, in grid points.</summary>
    internal int MaxWindow => _m.Count == 0 ? 0 : Enumerable.Range(0, _m.Count).Max(j => _end[j] - _start[j]);

    /// <summary>
    /// Gradient of Σ w_i r_i² (r = model − target) with respect to every line's (λc, ln a, ln σ, ln γ) and the continuum
    /// coefficients, from the pixel factors q_i = 2 w_i r_i·model_i. When <paramref name="h"/> (w_i·model_i²) is given,
    /// also each line's 4×4 Gauss–Newton block JᵀWJ (10 unique entries, row-major upper triangle).
    /// </summary>
    public void Gradient(double[] q, double[]? h, double[] gradLines, double[]? blocks)
    {
        bool linear = _m.Mode == CombinationMode.Linear;
        Parallel.For(0, _m.Count, new ParallelOptions { MaxDegreeOfParallelism = _threads }, j =>
        {
            var s = _shape[j];
            double a = _amp[j], c = _m.Center[j];
            double g0 = 0, g1 = 0, g2 = 0, g3 = 0;
            double h00 = 0, h01 = 0, h02 = 0, h03 = 0, h11 = 0, h12 = 0, h13 = 0, h22 = 0, h23 = 0, h33 = 0;
            for (int i = _start[j]; i < _end[j]; i++)
            {
                if (!Terms(s, a, _wave[i] - c, linear, out double d0, out double d1, out double d2, out double d3)) continue;
                double qi = q[i];
                g0 += qi * d0; g1 += qi * d1; g2 += qi * d2; g3 += qi * d3;
                if (h is null) continue;
                double hi = h[i];
                h00 += hi * d0 * d0; h01 += hi * d0 * d1; h02 += hi * d0 * d2; h03 += hi * d0 * d3;
                h11 += hi * d1 * d1; h12 += hi * d1 * d2; h13 += hi * d1 * d3;
                h22 += hi * d2 * d2; h23 += hi * d2 * d3; h33 += hi * d3 * d3;
            }
            gradLines[4 * j] = g0; gradLines[4 * j + 1] = g1; gradLines[4 * j + 2] = g2; gradLines[4 * j + 3] = g3;
            if (blocks is null) return;
            int b = 10 * j;
            blocks[b] = h00; blocks[b + 1] = h01; blocks[b + 2] = h02; blocks[b + 3] = h03; blocks[b + 4] = h11;
            blocks[b + 5] = h12; blocks[b + 6] = h13; blocks[b + 7] = h22; blocks[b + 8] = h23; blocks[b + 9] = h33;
        });
    }
}
