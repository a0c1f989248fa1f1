using Blase.Engine.Emulators.Neural;
using Blase.Engine.Fitting;
using Blase.Engine.Spectra;

namespace Blase.Engine.Tests;

/// <summary>Training driven far too hard (an absurd learning rate) never goes on from, or returns, non-finite parameters.</summary>
public class NonFiniteTrainingTests
{
    [Fact]
    public void A_clone_driven_by_an_absurd_step_keeps_finite_parameters_and_its_best_point()
    {
        // The clone works in ln a, ln σ, ln γ: a step of 1e5 makes widths and amplitudes overflow in the kernels, which
        // then contribute nothing (no NaN reaches the loss), and the best parameters are what the fit returns.
        var truth = TestData.BlendedLines(40, 6000.5, 3, 0.03);
        var wave = TestData.Grid(6000, 6021, 0.01);
        var (target, found) = Cloner.FindLines(Spectrum.FromArrays(wave, truth.Evaluate(wave)), new CloneOptions { Normalized = true });
        var o = new CloneOptions { Normalized = true, Device = Compute.DeviceKind.Cpu, Training = new TrainingOptions { Optimizer = OptimizerKind.Adam, Epochs = 60, Tolerance = 0, LearningRate = 1e5 } };
        var model = Cloner.Fit("synthetic", target, found, o);
        var r = model.Report!.Training;
        Assert.All(model.LnAmplitude.Concat(model.LnSigma).Concat(model.LnGamma).Concat(model.Center), v => Assert.True(double.IsFinite(v)));
        Assert.All(r.LossHistory, l => Assert.True(double.IsFinite(l)));
        Assert.True(r.Rms <= r.InitialRms, $"RMS {r.InitialRms} → {r.Rms}");
    }

    [Fact]
    public void An_overflowing_epoch_in_network_training_is_taken_back_and_counted()
    {
        var rng = new Random(2);
        var labels = Enumerable.Range(0, 40).Select(_ => new[] { rng.NextDouble(), 3 + rng.NextDouble() }).ToArray();
        var fluxes = labels.Select(l => Enumerable.Range(0, 300).Select(j => 1 - 0.2 * Math.Exp(-Math.Pow(j / 10.0 - 10 - 4 * l[0], 2) / 6) * l[1] / 4).ToArray()).ToArray();
        // Steps of 1e13 in single precision overflow within three layers; halved a dozen times they no longer do.
        var options = new NeuralTrainingOptions { MaxEpochs = 30, BatchSize = 12, HiddenUnits = 40, Seed = 3, LearningRate = 1e13, Patience = 100 };
        var net = NeuralTrainer.Train(new[] { "A", "B" }, labels, fluxes, null, options);
        Assert.True(net.Training!.NonFiniteEpochs > 0, $"no epoch was taken back ({net.Training.ExitCondition})");
        Assert.All(net.Weights.Concat(net.Biases).SelectMany(a => a), v => Assert.True(double.IsFinite(v)));
        Assert.True(double.IsFinite(net.Training.ValidationLoss));
    }
}
