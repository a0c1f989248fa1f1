using System.Diagnostics;
using Blase.Engine.Lines;

namespace Blase.Engine.Fitting;

public enum OptimizerKind
{
    /// <summary>Damped Gauss–Newton with per-line 4×4 curvature blocks: lines barely interact, so it converges in tens of steps.</summary>
    LevenbergMarquardt,
    /// <summary>Adam (AMSGrad optional), as blasé trains.</summary>
    Adam,
}

public sealed class TrainingOptions
{
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.LevenbergMarquardt;
    /// <summary>Most iterations (epochs).</summary>
    public int Epochs { get; set; } = 100;
    /// <summary>Adam's step for ln a, ln σ, ln γ and the continuum; line centres move at this × <see cref="CenterStepScale"/> Å.</summary>
    public double LearningRate { get; set; } = 0.05;
    public double CenterStepScale { get; set; } = 0.01;
    public bool AmsGrad { get; set; }
    /// <summary>Stop when the best loss improved by less than this fraction over the last <see cref="Patience"/> iterations.</summary>
    public double Tolerance { get; set; } = 1e-4;
    public int Patience { get; set; } = 5;
    /// <summary>On cancellation, return the best parameters so far instead of throwing.</summary>
    public bool ReturnBestOnCancel { get; set; } = true;
    public int? Threads { get; set; }
    /// <summary>Save the optimizer's state there every so many iterations, and resume from it (<see cref="CheckpointOptions"/>); none by default.</summary>
    public CheckpointOptions? Checkpoint { get; set; }

    /// <summary>The same options with another iteration limit.</summary>
    public TrainingOptions WithEpochs(int epochs)
    {
        var copy = (TrainingOptions)MemberwiseClone();
        copy.Epochs = epochs;
        return copy;
    }
}

/// <summary>Where a fit stands, for progress bars: iteration, loss, RMS, time so far and a rough time left.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, double Loss, double Rms, TimeSpan Elapsed, TimeSpan Remaining);

/// <summary>What a fit did: how long, how far, and the loss after each iteration.</summary>
public sealed class TrainingReport
{
    public int Lines { get; init; }
    public int Epochs { get; set; }
    public double Seconds { get; set; }
    public string Device { get; init; } = "";
    public OptimizerKind Optimizer { get; init; }
    public double InitialRms { get; set; }
    public double Rms { get; set; }
    public long LinePixelPairs { get; set; }
    /// <summary>Trial steps evaluated (Levenberg–Marquardt: one forward pass each; those rejected are wasted work).</summary>
    public int Trials { get; set; }
    public string StopReason { get; set; } = "";
    /// <summary>The device fault the fit carried on from, on the CPU, when there was one (null when there was none).</summary>
    public string? DeviceFault { get; set; }
    public List<double> LossHistory { get; } = new();
    public List<double> SecondsHistory { get; } = new();

    public override string ToString() => $"{Optimizer}: {Epochs} iterations in {Seconds:F2} s on {Device}, RMS {InitialRms:G3} → {Rms:G3} ({StopReason})";
}

/// <summary>A fit that broke (a device failure); the model holds the best parameters reached, the report says how far it got.</summary>
public sealed class TrainingFailedException : Exception
{
    public TrainingFailedException(TrainingReport report, Exception inner) : base(report.StopReason, inner) => Report = report;
    public TrainingReport Report { get; }
}

/// <summary>Fits a line model's parameters (in place) to a target spectrum, on whichever backend the objective runs.</summary>
public static class Trainer
{
    /// <summary>Fits the objective's model in place; a <paramref name="checkpoint"/> gives the state to resume from, if it has one,
    /// and is told of each whole iteration (<see cref="CloneCheckpoint"/>).</summary>
    public static TrainingReport Fit(CloneObjective objective, TrainingOptions options, Action<TrainingProgress>? progress = null, CancellationToken cancel = default,
        Checkpointer? checkpoint = null)
    {
        var sw = Stopwatch.StartNew();
        var report = new TrainingReport
        {
            Lines = objective.Model.Count,
            Optimizer = options.Optimizer,
            Device = objective.Kernels.Device,
        };
        var flux = objective.Flux();
        double loss = objective.Loss(flux);
        report.InitialRms = objective.Rms(flux);
        report.LossHistory.Add(loss);
        report.SecondsHistory.Add(0);
        var best = objective.GetParameters();
        double bestLoss = loss;
        try
        {
            if (options.Optimizer == OptimizerKind.Adam) RunAdam(objective, options, report, ref best, ref bestLoss, sw, progress, cancel, checkpoint);
            else RunLm(objective, options, report, ref best, ref bestLoss, sw, progress, cancel, checkpoint);
        }
        catch (OperationCanceledException) when (options.ReturnBestOnCancel)
        {
            checkpoint?.Stopped();
            report.StopReason = "cancelled; the best parameters so far were kept";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            checkpoint?.Stopped();
            // A device that fails mid-run must not lose the model: leave the best parameters in it and say where it stopped.
            objective.SetParameters(best);
            report.Seconds = sw.Elapsed.TotalSeconds;
            report.StopReason = $"failed on {report.Device} at iteration {report.Epochs + 1}: {e.Message}";
            throw new TrainingFailedException(report, e);
        }
        objective.SetParameters(best);
        flux = objective.Flux();
        report.Rms = objective.Rms(flux);
        report.LinePixelPairs = objective.Kernels.PairCount;
        report.Seconds = sw.Elapsed.TotalSeconds;
        return report;
    }

    private static bool Converged(TrainingReport r, TrainingOptions o) => Converged(r.LossHistory, o.Tolerance, o.Patience);

    /// <summary>
    /// Converged when the best loss of the last <paramref name="patience"/> iterations improves on the best loss before
    /// them by less than <paramref name="tolerance"/> of it. The best, not the latest: Adam's loss wobbles, and a single
    /// upturn (latest above an earlier value) is no sign of convergence while the best still falls.
    /// </summary>
    internal static bool Converged(IReadOnlyList<double> history, double tolerance, int patience)
    {
        if (history.Count <= patience) return false;
        double bestBefore = double.PositiveInfinity, bestRecent = double.PositiveInfinity;
        for (int i = 0; i < history.Count; i++)
        {
            if (i < history.Count - patience) bestBefore = Math.Min(bestBefore, history[i]);
            else bestRecent = Math.Min(bestRecent, history[i]);
        }
        return bestBefore - bestRecent <= tolerance * bestBefore;
    }

    private static void Report(CloneObjective obj, TrainingOptions o, TrainingReport r, int epoch, double loss, Stopwatch sw, Action<TrainingProgress>? progress)
    {
        r.Epochs = epoch;
        r.LossHistory.Add(loss);
        r.SecondsHistory.Add(sw.Elapsed.TotalSeconds);
        if (progress is null) return;
        var perEpoch = sw.Elapsed / Math.Max(1, epoch);
        progress(new TrainingProgress(epoch, o.Epochs, loss, Math.Sqrt(loss / Math.Max(1, obj.ActivePixels)), sw.Elapsed, perEpoch * (o.Epochs - epoch)));
    }

    private static void RunLm(CloneObjective obj, TrainingOptions o, TrainingReport r, ref double[] best, ref double bestLoss,
        Stopwatch sw, Action<TrainingProgress>? progress, CancellationToken cancel, Checkpointer? checkpoint)
    {
        int lines = obj.Model.Count, nc = obj.Model.Continuum.Length;
        var p = obj.GetParameters();
        var grad = new double[p.Length];
        var blocks = new double[10 * lines];
        var cblock = new double[nc * nc];
        double lambda = 1e-2, growth = 2;
        int start = 0;
        if (CloneCheckpoint.Resume(checkpoint, obj, r, ref p, ref best, ref bestLoss) is { } resumed)
            (start, lambda, growth) = (resumed.Iteration, resumed.Scalar("lambda"), resumed.Scalar("growth"));
        var flux = obj.Flux();
        double loss = obj.Loss(flux);
        var predicted = new double[lines];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.Threads ?? Environment.ProcessorCount) };
        obj.Gradient(flux, grad, blocks, cblock);
        for (int epoch = start + 1; epoch <= o.Epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            bool accepted = false;
            for (int attempt = 0; attempt < 12 && !accepted; attempt++)
            {
                var trial = (double[])p.Clone();
                double damping = lambda;
                Parallel.For(0, lines, parallel, j => predicted[j] = LineStep(blocks, grad, j, damping, trial));
                double gain = ContinuumStep(cblock, grad, 4 * lines, nc, lambda, trial);
                foreach (double g in predicted) gain += g;
                obj.SetParameters(trial);
                var f = obj.Flux();
                double l = obj.Loss(f);
                r.Trials++;
                if (l < loss)
                {
                    // Nielsen's rule (Nielsen 1999, IMM-REP-1999-05): shrink λ by up to 3 as the quadratic model's
                    // prediction of the decrease comes true (ρ → 1), keep it at ρ = ½, grow it below.
                    double rho = gain > 0 ? (loss - l) / gain : 0;
                    lambda = Math.Max(lambda * Math.Max(1.0 / 3, 1 - Math.Pow(2 * rho - 1, 3)), 1e-6);
                    growth = 2;
                    p = trial; flux = f; loss = l; accepted = true;
                }
                else
                {
                    lambda *= growth;
                    growth *= 2;
                    cancel.ThrowIfCancellationRequested();
                }
            }
            obj.SetParameters(p);
            if (loss < bestLoss) { bestLoss = loss; best = (double[])p.Clone(); }
            Report(obj, o, r, epoch, loss, sw, progress);
            if (!accepted) { r.StopReason = "no step lowers the loss (converged)"; return; }
            if (Converged(r, o)) { r.StopReason = $"loss changed by less than {o.Tolerance:G2} over {o.Patience} iterations"; return; }
            checkpoint?.Reached(epoch, CloneCheckpoint.Capture(r, p, best, bestLoss, ("lambda", new[] { lambda }), ("growth", new[] { growth })));
            obj.Gradient(flux, grad, blocks, cblock);
        }
        r.StopReason = "reached the iteration limit";
    }

    // Solves (H + λ·diag H) δ = −g/2 for one line (H = JᵀWJ, g = ∇χ² = 2JᵀWr), with the step kept within reason.
    /// <summary>Largest move of a line per LM step: 0.05 Å in centre, 0.25 in a log parameter (keeps lines in their basin).</summary>
    internal const double MaxCenterStep = 0.05, MaxLogStep = 0.25;

    /// <summary>
    /// Line j's damped step into <paramref name="p"/>; returns the decrease of χ² the quadratic model predicts for the
    /// step taken (after clamping): −(gᵀδ + δᵀHδ).
    /// </summary>
    private static double LineStep(double[] blocks, double[] grad, int j, double lambda, double[] p)
    {
        int b = 10 * j;
        Span<double> h = stackalloc double[16];
        Span<double> rhs = stackalloc double[4];
        for (int k = 0; k < 16; k++) h[k] = blocks[b + BlockIndex[k]];
        for (int k = 0; k < 4; k++) h[5 * k] = h[5 * k] * (1 + lambda) + 1e-12;
        for (int k = 0; k < 4; k++) rhs[k] = -0.5 * grad[4 * j + k];
        if (!DenseSolver.Solve(h, rhs, 4)) return 0;
        rhs[0] = Math.Clamp(rhs[0], -MaxCenterStep, MaxCenterStep);
        for (int k = 1; k < 4; k++) rhs[k] = Math.Clamp(rhs[k], -MaxLogStep, MaxLogStep);
        double gain = 0;
        for (int r = 0; r < 4; r++)
        {
            p[4 * j + r] += rhs[r];
            gain -= grad[4 * j + r] * rhs[r];
            for (int c = 0; c < 4; c++) gain -= rhs[r] * blocks[b + BlockIndex[4 * r + c]] * rhs[c];
        }
        return gain;
    }

    /// <summary>Where entry (r, c) of a 4×4 block sits among its 10 stored upper-triangle entries.</summary>
    private static readonly int[] BlockIndex = { 0, 1, 2, 3, 1, 4, 5, 6, 2, 5, 7, 8, 3, 6, 8, 9 };

    private static double ContinuumStep(double[] cblock, double[] grad, int offset, int nc, double lambda, double[] p)
    {
        var h = (double[])cblock.Clone();
        var rhs = new double[nc];
        for (int k = 0; k < nc; k++) { h[k * nc + k] = h[k * nc + k] * (1 + lambda) + 1e-12; rhs[k] = -0.5 * grad[offset + k]; }
        if (!DenseSolver.Solve(h, rhs, nc)) return 0;
        double gain = 0;
        for (int k = 0; k < nc; k++)
        {
            p[offset + k] += rhs[k];
            gain -= grad[offset + k] * rhs[k];
            for (int l = 0; l < nc; l++) gain -= rhs[k] * cblock[k * nc + l] * rhs[l];
        }
        return gain;
    }

    private static void RunAdam(CloneObjective obj, TrainingOptions o, TrainingReport r, ref double[] best, ref double bestLoss,
        Stopwatch sw, Action<TrainingProgress>? progress, CancellationToken cancel, Checkpointer? checkpoint)
    {
        const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        int lines = obj.Model.Count;
        var p = obj.GetParameters();
        var grad = new double[p.Length];
        var m = new double[p.Length];
        var v = new double[p.Length];
        var vMax = new double[p.Length];
        int start = 0;
        if (CloneCheckpoint.Resume(checkpoint, obj, r, ref p, ref best, ref bestLoss) is { } resumed)
        {
            start = resumed.Iteration;
            resumed.Array("m").CopyTo(m, 0); resumed.Array("v").CopyTo(v, 0); resumed.Array("vMax").CopyTo(vMax, 0);
        }
        var flux = obj.Flux();
        for (int epoch = start + 1; epoch <= o.Epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            obj.Gradient(flux, grad);
            double c1 = 1 - Math.Pow(b1, epoch), c2 = 1 - Math.Pow(b2, epoch);
            for (int k = 0; k < p.Length; k++)
            {
                m[k] = b1 * m[k] + (1 - b1) * grad[k];
                v[k] = b2 * v[k] + (1 - b2) * grad[k] * grad[k];
                double vk = v[k];
                if (o.AmsGrad) { vMax[k] = Math.Max(vMax[k], vk); vk = vMax[k]; }
                double lr = k < 4 * lines && k % 4 == 0 ? o.LearningRate * o.CenterStepScale : o.LearningRate;
                p[k] -= lr * (m[k] / c1) / (Math.Sqrt(vk / c2) + eps);
            }
            obj.SetParameters(p);
            flux = obj.Flux();
            double loss = obj.Loss(flux);
            if (loss < bestLoss) { bestLoss = loss; best = (double[])p.Clone(); }
            Report(obj, o, r, epoch, loss, sw, progress);
            if (Converged(r, o)) { r.StopReason = $"loss changed by less than {o.Tolerance:G2} over {o.Patience} epochs"; return; }
            checkpoint?.Reached(epoch, CloneCheckpoint.Capture(r, p, best, bestLoss, ("m", m), ("v", v), ("vMax", vMax)));
        }
        r.StopReason = "reached the epoch limit";
    }
}
