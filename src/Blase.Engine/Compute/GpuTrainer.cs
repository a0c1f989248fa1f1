using System.Diagnostics;
using Blase.Engine.Fitting;
using Blase.Engine.Lines;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Blase.Engine.Compute;

/// <summary>
/// Levenberg–Marquardt with per-line 4×4 blocks, kept on the device: each iteration computes a trial step for every
/// line (and the continuum), evaluates the trial loss, accepts or rejects it and adapts the damping — all in kernels.
/// The host reads back one small scalar buffer (loss, damping) only every <see cref="ReportEvery"/> iterations, for
/// progress, convergence and cancellation. It is the same algorithm as <see cref="Trainer"/>'s CPU loop, except that a
/// rejected step costs one iteration instead of an inner retry.
/// </summary>
public sealed class GpuTrainer : IDisposable
{
    private const double MaxCenterStep = Trainer.MaxCenterStep, MaxLogStep = Trainer.MaxLogStep;
    private readonly GpuLineKernels _k;
    private readonly int _lines, _nc;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _target, _weight, _x, _p, _trial, _contGrad, _contBlock, _scalars;
    private readonly Action<Index1D, PixelViews, int, int> _pixel;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>> _step;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int> _contStep;
    private readonly Action<Index1D, ArrayView<double>> _decide;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>> _commit;

    public GpuTrainer(GpuLineKernels kernels, double[] target, double[]? weight = null)
    {
        _k = kernels;
        var m = kernels.Model;
        _lines = m.Count;
        _nc = m.Continuum.Length;
        var acc = kernels.Accelerator;
        var w = weight ?? Enumerable.Repeat(1.0, target.Length).ToArray();
        w = w.Select((v, i) => double.IsFinite(target[i]) ? v : 0).ToArray();
        _target = acc.Allocate1D(target.Select(t => double.IsFinite(t) ? t : 0).ToArray());
        _weight = acc.Allocate1D(w);
        _x = acc.Allocate1D(kernels.Wavelength.Select(m.ContinuumX).ToArray());
        _p = acc.Allocate1D<double>(4L * _lines + _nc);
        _trial = acc.Allocate1D<double>(4L * _lines + _nc);
        _contGrad = acc.Allocate1D<double>(_nc);
        _contBlock = acc.Allocate1D<double>((long)_nc * _nc);
        _scalars = acc.Allocate1D<double>(4); // loss, trial loss, damping λ, accepted
        ActivePixels = w.Count(v => v > 0);
        _pixel = acc.LoadAutoGroupedStreamKernel<Index1D, PixelViews, int, int>(PixelKernel);
        _step = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>>(StepKernel);
        _contStep = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int>(ContinuumStepKernel);
        _decide = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>>(DecideKernel);
        _commit = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>>(CommitKernel);
    }

    public int ActivePixels { get; }
    /// <summary>How often the host reads the loss back (iterations).</summary>
    public int ReportEvery { get; set; } = 5;

    public TrainingReport Fit(TrainingOptions o, Action<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        _k.Accelerator.Bind(); // the loop runs on this thread
        var sw = Stopwatch.StartNew();
        var report = new TrainingReport { Lines = _lines, Optimizer = OptimizerKind.LevenbergMarquardt, Device = _k.Device + ", device-resident LM" };
        try
        {
            return Run(o, report, sw, progress, cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The loss never rises on this path, so the device's current parameters are the best: keep them if it still answers.
            try { WriteBack(); } catch (Exception) { /* the device is gone; the model keeps its starting parameters */ }
            report.Seconds = sw.Elapsed.TotalSeconds;
            report.StopReason = $"failed on {report.Device} after iteration {report.Epochs}: {e.Message}";
            throw new TrainingFailedException(report, e);
        }
    }

    private void WriteBack()
    {
        var m = _k.Model;
        _k.Accelerator.Synchronize();
        var p = _p.GetAsArray1D();
        for (int j = 0; j < _lines; j++) { m.Center[j] = p[4 * j]; m.LnAmplitude[j] = p[4 * j + 1]; m.LnSigma[j] = p[4 * j + 2]; m.LnGamma[j] = p[4 * j + 3]; }
        Array.Copy(p, 4 * _lines, m.Continuum, 0, _nc);
    }

    private TrainingReport Run(TrainingOptions o, TrainingReport report, Stopwatch sw, Action<TrainingProgress>? progress, CancellationToken cancel)
    {
        var m = _k.Model;
        var p = new double[4 * _lines + _nc];
        for (int j = 0; j < _lines; j++) { p[4 * j] = m.Center[j]; p[4 * j + 1] = m.LnAmplitude[j]; p[4 * j + 2] = m.LnSigma[j]; p[4 * j + 3] = m.LnGamma[j]; }
        Array.Copy(m.Continuum, 0, p, 4 * _lines, _nc);
        _p.CopyFromCPU(p);
        _scalars.CopyFromCPU(new[] { 0.0, 0.0, 1e-2, 0.0 });
        Evaluate(_p.View, 0, withDerivatives: true);
        var first = _scalars.GetAsArray1D();
        report.InitialRms = Math.Sqrt(first[0] / Math.Max(1, ActivePixels));
        report.LossHistory.Add(first[0]);
        report.SecondsHistory.Add(0);
        report.StopReason = "reached the iteration limit";
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            _step(_lines, _p.View, _trial.View, _k.GradView, _k.BlocksView, _scalars.View);
            _contStep(1, _p.View, _trial.View, _contGrad.View, _contBlock.View, _scalars.View, _nc, 4 * _lines);
            Evaluate(_trial.View, 1, withDerivatives: false);
            _decide(1, _scalars.View);
            _commit(4 * _lines + _nc, _p.View, _trial.View, _scalars.View);
            Evaluate(_p.View, 0, withDerivatives: true);
            if (epoch % ReportEvery != 0 && epoch != o.Epochs) continue;
            var s = _scalars.GetAsArray1D(); // the only read-back in the loop
            report.Epochs = epoch;
            report.LossHistory.Add(s[0]);
            report.SecondsHistory.Add(sw.Elapsed.TotalSeconds);
            progress?.Invoke(new TrainingProgress(epoch, o.Epochs, s[0], Math.Sqrt(s[0] / Math.Max(1, ActivePixels)), sw.Elapsed,
                sw.Elapsed / epoch * (o.Epochs - epoch)));
            if (cancel.IsCancellationRequested) { report.StopReason = "cancelled; the best parameters so far were kept"; break; }
            var h = report.LossHistory;
            if (s[2] > 1e12) { report.StopReason = "no step lowers the loss (converged)"; break; }
            if (Trainer.Converged(h, o.Tolerance, o.Patience))
            { report.StopReason = $"loss changed by less than {o.Tolerance:G2} over {o.Patience} reports"; break; }
        }
        // The loss never rises on this path: the current parameters are the best.
        WriteBack();
        var last = _scalars.GetAsArray1D();
        report.Rms = Math.Sqrt(last[0] / Math.Max(1, ActivePixels));
        _k.Refresh();
        report.LinePixelPairs = _k.PairCount;
        report.Seconds = sw.Elapsed.TotalSeconds;
        return report;
    }

    // Loss (into scalars[slot]) and, with derivatives, q, h, the continuum gradient and block, then the line gradient.
    private void Evaluate(ArrayView<double> p, int slot, bool withDerivatives)
    {
        _k.Prepare(p);
        _k.Forward(p);
        _scalars.View.SubView(slot, 1).MemSetToZero();
        if (withDerivatives) { _contGrad.MemSetToZero(); _contBlock.MemSetToZero(); }
        _pixel((int)_target.Length, new PixelViews(_k.LnSView, _x.View, p.SubView(4L * _lines, _nc), _target.View, _weight.View,
            _k.QView, _k.HView, _contGrad.View, _contBlock.View, _scalars.View), slot, withDerivatives ? 1 : 0);
        if (withDerivatives) _k.GradientOnDevice(p);
    }

    public readonly struct PixelViews
    {
        public PixelViews(ArrayView<double> lnS, ArrayView<double> x, ArrayView<double> cont, ArrayView<double> target, ArrayView<double> weight,
            ArrayView<double> q, ArrayView<double> h, ArrayView<double> contGrad, ArrayView<double> contBlock, ArrayView<double> scalars)
        { LnS = lnS; X = x; Cont = cont; Target = target; Weight = weight; Q = q; H = h; ContGrad = contGrad; ContBlock = contBlock; Scalars = scalars; }
        public readonly ArrayView<double> LnS, X, Cont, Target, Weight, Q, H, ContGrad, ContBlock, Scalars;
    }

    private static void PixelKernel(Index1D i, PixelViews v, int slot, int derivatives)
    {
        double w = v.Weight[i];
        if (w <= 0) { v.Q[i] = 0; v.H[i] = 0; return; }
        int nc = (int)v.Cont.Length;
        double x = v.X[i], t0 = 1, t1 = x, c = v.Cont[0];
        for (int k = 1; k < nc; k++) { c += v.Cont[k] * t1; double t2 = 2 * x * t1 - t0; t0 = t1; t1 = t2; }
        double f = c * XMath.Exp((float)v.LnS[i]);
        double r = f - v.Target[i];
        Atomic.Add(ref v.Scalars[slot], w * r * r);
        if (derivatives == 0) return;
        double q = 2 * w * r * f, h = w * f * f;
        v.Q[i] = q; v.H[i] = h;
        // Continuum: ∂f/∂c_k = f·T_k/C.
        double ta0 = 1, ta1 = x;
        for (int k = 0; k < nc; k++)
        {
            double tk = k == 0 ? 1 : k == 1 ? x : 0;
            if (k >= 2) { tk = 2 * x * ta1 - ta0; ta0 = ta1; ta1 = tk; }
            Atomic.Add(ref v.ContGrad[k], q * tk / c);
            double tb0 = 1, tb1 = x;
            for (int l = 0; l < nc; l++)
            {
                double tl = l == 0 ? 1 : l == 1 ? x : 0;
                if (l >= 2) { tl = 2 * x * tb1 - tb0; tb0 = tb1; tb1 = tl; }
                Atomic.Add(ref v.ContBlock[k * nc + l], h * tk * tl / (c * c));
            }
        }
    }

    // (H + λ·diag H) δ = −g/2 for one line by Gaussian elimination on the 4×4 block; a singular block leaves the line still.
    private static void StepKernel(Index1D j, ArrayView<double> p, ArrayView<double> trial, ArrayView<double> grad, ArrayView<double> blocks, ArrayView<double> scalars)
    {
        double lambda = scalars[2];
        int b = 10 * j;
        double a00 = blocks[b] * (1 + lambda) + 1e-12, a01 = blocks[b + 1], a02 = blocks[b + 2], a03 = blocks[b + 3];
        double a11 = blocks[b + 4] * (1 + lambda) + 1e-12, a12 = blocks[b + 5], a13 = blocks[b + 6];
        double a22 = blocks[b + 7] * (1 + lambda) + 1e-12, a23 = blocks[b + 8];
        double a33 = blocks[b + 9] * (1 + lambda) + 1e-12;
        double r0 = -0.5 * grad[4 * j], r1 = -0.5 * grad[4 * j + 1], r2 = -0.5 * grad[4 * j + 2], r3 = -0.5 * grad[4 * j + 3];
        // Cholesky of the symmetric positive-definite damped block.
        double l00 = XMath.Sqrt(a00);
        double l10 = a01 / l00, l20 = a02 / l00, l30 = a03 / l00;
        double d11 = a11 - l10 * l10;
        double l11 = XMath.Sqrt(d11);
        double l21 = (a12 - l20 * l10) / l11, l31 = (a13 - l30 * l10) / l11;
        double d22 = a22 - l20 * l20 - l21 * l21;
        double l22 = XMath.Sqrt(d22);
        double l32 = (a23 - l30 * l20 - l31 * l21) / l22;
        double d33 = a33 - l30 * l30 - l31 * l31 - l32 * l32;
        double l33 = XMath.Sqrt(d33);
        double y0 = r0 / l00, y1 = (r1 - l10 * y0) / l11, y2 = (r2 - l20 * y0 - l21 * y1) / l22, y3 = (r3 - l30 * y0 - l31 * y1 - l32 * y2) / l33;
        double x3 = y3 / l33, x2 = (y2 - l32 * x3) / l22, x1 = (y1 - l21 * x2 - l31 * x3) / l11, x0 = (y0 - l10 * x1 - l20 * x2 - l30 * x3) / l00;
        bool ok = a00 > 0 && d11 > 0 && d22 > 0 && d33 > 0 && !double.IsNaN(x0 + x1 + x2 + x3);
        trial[4 * j] = p[4 * j] + (ok ? XMath.Clamp(x0, -MaxCenterStep, MaxCenterStep) : 0);
        trial[4 * j + 1] = p[4 * j + 1] + (ok ? XMath.Clamp(x1, -MaxLogStep, MaxLogStep) : 0);
        trial[4 * j + 2] = p[4 * j + 2] + (ok ? XMath.Clamp(x2, -MaxLogStep, MaxLogStep) : 0);
        trial[4 * j + 3] = p[4 * j + 3] + (ok ? XMath.Clamp(x3, -MaxLogStep, MaxLogStep) : 0);
    }

    // The continuum's small dense system, in one thread (nc is a handful of coefficients).
    private static void ContinuumStepKernel(Index1D _, ArrayView<double> p, ArrayView<double> trial, ArrayView<double> g, ArrayView<double> a, ArrayView<double> scalars, int nc, int offset)
    {
        double lambda = scalars[2];
        for (int k = 0; k < nc; k++) a[k * nc + k] = a[k * nc + k] * (1 + lambda) + 1e-12;
        for (int k = 0; k < nc; k++) g[k] = -0.5 * g[k];
        for (int c = 0; c < nc; c++)
        {
            double piv = a[c * nc + c];
            for (int r = c + 1; r < nc; r++)
            {
                double f = a[r * nc + c] / piv;
                for (int k = c; k < nc; k++) a[r * nc + k] -= f * a[c * nc + k];
                g[r] -= f * g[c];
            }
        }
        for (int r = nc - 1; r >= 0; r--)
        {
            double s = g[r];
            for (int k = r + 1; k < nc; k++) s -= a[r * nc + k] * g[k];
            g[r] = s / a[r * nc + r];
        }
        for (int k = 0; k < nc; k++) trial[offset + k] = p[offset + k] + (double.IsNaN(g[k]) ? 0 : g[k]);
    }

    private static void DecideKernel(Index1D _, ArrayView<double> s)
    {
        bool better = s[1] < s[0];
        s[3] = better ? 1 : 0;
        if (better) { s[0] = s[1]; s[2] = XMath.Max(s[2] / 3, 1e-6); }
        else s[2] *= 4;
    }

    private static void CommitKernel(Index1D i, ArrayView<double> p, ArrayView<double> trial, ArrayView<double> s)
    {
        if (s[3] > 0) p[i] = trial[i];
    }

    public void Dispose()
    {
        foreach (var b in new MemoryBuffer[] { _target, _weight, _x, _p, _trial, _contGrad, _contBlock, _scalars }) b.Dispose();
    }
}
