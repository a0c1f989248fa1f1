using Blase.Engine.Fitting;
using Blase.Engine.Lines;

namespace Blase.Engine.Tests;

/// <summary>When a fit stops: the best loss must have stopped improving, not merely the latest loss risen once.</summary>
public class TrainingConvergenceTests
{
    [Fact]
    public void An_upturn_while_the_best_loss_still_falls_is_not_convergence()
    {
        // Adam's wobble: the latest loss is above the loss five epochs back, but the window reached a new best (1).
        Assert.False(Trainer.Converged(new[] { 10.0, 8, 6, 4, 3, 2, 1, 7 }, tolerance: 0, patience: 5));
        Assert.False(Trainer.Converged(new[] { 10.0, 8, 6, 4, 3, 2, 1, 7 }, tolerance: 1e-4, patience: 5));
    }

    [Fact]
    public void A_best_loss_that_stopped_improving_is_convergence()
    {
        Assert.True(Trainer.Converged(new[] { 10.0, 5, 4, 4, 4, 4, 4, 4 }, tolerance: 0, patience: 5));
        // Rising and wobbling above the best reached before the window.
        Assert.True(Trainer.Converged(new[] { 10.0, 5, 4, 4.5, 4.2, 6, 4.1, 5 }, tolerance: 0, patience: 5));
        // Improving, but by less than the tolerance (1e-3 of 4 is 0.004).
        Assert.True(Trainer.Converged(new[] { 10.0, 5, 4, 3.999, 3.998, 3.998, 3.998, 3.998 }, tolerance: 1e-3, patience: 5));
        Assert.False(Trainer.Converged(new[] { 10.0, 5, 4, 3.999, 3.998, 3.998, 3.998, 3.998 }, tolerance: 1e-4, patience: 5));
        // Too short a history to judge.
        Assert.False(Trainer.Converged(new[] { 10.0, 10, 10, 10, 10 }, tolerance: 0, patience: 5));
    }

    [Fact]
    public void Adam_with_zero_tolerance_runs_until_its_best_loss_stops_falling()
    {
        // A learning rate high enough that Adam's loss rises now and then on its way down.
        var wave = TestData.Grid(6000, 6010, 0.01);
        var rng = new Random(3);
        var c = Enumerable.Range(0, 10).Select(i => 6000.5 + i * 0.95 + 0.1 * rng.NextDouble()).ToArray();
        var a = c.Select(_ => Math.Log(0.01 + 0.02 * rng.NextDouble())).ToArray();
        var s = c.Select(_ => Math.Log(0.02 + 0.02 * rng.NextDouble())).ToArray();
        var truth = new LineModel(c, a, s, s.ToArray(), ProfileShape.PseudoVoigt, CombinationMode.Linear, new[] { 1.0 }, 6000, 6010);
        var target = truth.Evaluate(wave);
        var model = LineFinder.InitialModel(LineFinder.Find(wave, target, 0.002), wave[0], wave[^1]);
        var options = new TrainingOptions { Optimizer = OptimizerKind.Adam, Epochs = 400, Tolerance = 0, Patience = 5, LearningRate = 0.05 };
        var report = Trainer.Fit(new CloneObjective(model, wave, target), options);
        var h = report.LossHistory;
        int firstUpturn = Enumerable.Range(1, h.Count - 1).First(i => h[i] > h[i - 1]);
        Assert.True(report.Epochs > firstUpturn + options.Patience, $"stopped at epoch {report.Epochs}, first upturn at {firstUpturn}: {report.StopReason}; {string.Join(" ", h.Take(40).Select(l => l.ToString("G3")))}");
        if (report.Epochs < options.Epochs)
        {
            // It stopped on its own: no new best in the last Patience epochs.
            double bestBefore = h.Take(h.Count - options.Patience).Min(), bestRecent = h.Skip(h.Count - options.Patience).Min();
            Assert.True(bestRecent >= bestBefore, $"stopped while the best loss still fell ({bestBefore:G6} → {bestRecent:G6}): {report.StopReason}");
        }
        Assert.True(report.Rms < report.InitialRms, $"RMS {report.InitialRms:G3} → {report.Rms:G3} in {report.Epochs} epochs, upturn {firstUpturn}: {report.StopReason}");
    }
}
