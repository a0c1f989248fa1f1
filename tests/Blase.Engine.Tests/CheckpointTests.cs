using Blase.Engine.Fitting;
using Blase.Engine.IO;
using Blase.Engine.Lines;
using Blase.Engine.Spectra;

namespace Blase.Engine.Tests;

/// <summary>
/// Checkpoints of long fits: a run interrupted after k iterations and resumed from its checkpoint ends with the same bits
/// as a run never interrupted (clone, transfer, network training); a checkpoint of another run is refused; the best model
/// so far is in the checkpoint, where Import-BlaseModel's readers find it.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("blase-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Twenty lines on 6000–6020 Å, started from the line finder's guesses: tens of iterations to converge.
    private static (Spectrum Target, IReadOnlyList<FoundLine> Found) CloneProblem()
    {
        var truth = TestData.BlendedLines(40, 6000.5, 3, 0.03);
        var wave = TestData.Grid(6000, 6021, 0.01);
        var s = Spectrum.FromArrays(wave, truth.Evaluate(wave));
        return Cloner.FindLines(s, new CloneOptions { Normalized = true });
    }

    private static CloneOptions CloneOptionsFor(OptimizerKind optimizer, CheckpointOptions? checkpoint) => new()
    {
        Normalized = true,
        Device = Compute.DeviceKind.Cpu,
        // No early stop, so the runs go the whole way and every iteration is compared.
        Training = new TrainingOptions { Optimizer = optimizer, Epochs = 24, Tolerance = 0, Checkpoint = checkpoint },
    };

    private static LineModel Clone(OptimizerKind optimizer, CheckpointOptions? checkpoint, int stopAfter = 0)
    {
        var (target, found) = CloneProblem();
        using var cancel = new CancellationTokenSource();
        return Cloner.Fit("synthetic", target, found, CloneOptionsFor(optimizer, checkpoint),
            p => { if (p.Epoch == stopAfter) cancel.Cancel(); }, cancel.Token);
    }

    private static void SameBits(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]), $"{what}[{i}]: {expected[i]:R} uninterrupted, {actual[i]:R} resumed");
    }

    private static void SameModel(LineModel expected, LineModel actual)
    {
        SameBits(expected.Center, actual.Center, "centre");
        SameBits(expected.LnAmplitude, actual.LnAmplitude, "ln a");
        SameBits(expected.LnSigma, actual.LnSigma, "ln σ");
        SameBits(expected.LnGamma, actual.LnGamma, "ln γ");
        SameBits(expected.Continuum, actual.Continuum, "continuum");
    }

    [Theory]
    [InlineData(OptimizerKind.LevenbergMarquardt)]
    [InlineData(OptimizerKind.Adam)]
    public void A_clone_interrupted_and_resumed_ends_with_the_bits_of_an_uninterrupted_one(OptimizerKind optimizer)
    {
        var whole = Clone(optimizer, null);
        string path = Path.Combine(_dir, "clone.ckpt.fits");
        var stopped = Clone(optimizer, new CheckpointOptions(path) { IntervalIterations = 5 }, stopAfter: 7);
        Assert.StartsWith("cancelled", stopped.Report!.Training.StopReason);
        var saved = LineModelCheckpointFile.Read(path)!;
        Assert.Equal(7, saved.Iteration); // the stop wrote the last whole iteration, not the interval's 5
        // The checkpoint is a line model file of the best so far: what the stopped run returned.
        var best = LineModelFile.Load(path);
        SameModel(stopped, best);
        Assert.True(saved.Scalar("bestLoss") < saved.Array("loss")[0], "the best so far is better than the start");

        var resumed = Clone(optimizer, new CheckpointOptions(path) { IntervalIterations = 5 });
        Assert.Equal(whole.Report!.Training.Epochs, resumed.Report!.Training.Epochs);
        SameBits(whole.Report.Training.LossHistory.ToArray(), resumed.Report.Training.LossHistory.ToArray(), "loss history");
        SameModel(whole, resumed);
        Assert.Contains(resumed.Provenance, p => p.Contains("resumed from the checkpoint") && p.Contains("after 7 iterations"));
    }

    [Fact]
    public void A_checkpoint_of_other_options_or_data_is_refused_unless_restarted()
    {
        string path = Path.Combine(_dir, "other.ckpt.fits");
        Clone(OptimizerKind.LevenbergMarquardt, new CheckpointOptions(path) { IntervalIterations = 2 }, stopAfter: 3);
        var e = Assert.Throws<ArgumentException>(() => Clone(OptimizerKind.Adam, new CheckpointOptions(path)));
        Assert.Contains("options", e.Message);
        Assert.Contains("-Force", e.Message);
        Assert.DoesNotContain("inputs", e.Message);
        // A larger iteration budget is the same run: it resumes.
        var (target, found) = CloneProblem();
        var longer = CloneOptionsFor(OptimizerKind.LevenbergMarquardt, new CheckpointOptions(path));
        longer.Training.Epochs = 30;
        Assert.Contains(Cloner.Fit("synthetic", target, found, longer).Provenance, p => p.Contains("after 3 iterations"));
        // Restart replaces it.
        var fresh = Clone(OptimizerKind.Adam, new CheckpointOptions(path) { Restart = true });
        Assert.DoesNotContain(fresh.Provenance, p => p.Contains("resumed"));
        // A file that is not a checkpoint is not overwritten silently.
        string model = Path.Combine(_dir, "model.fits");
        LineModelFile.Save(fresh, model);
        Assert.Contains("not a Blase checkpoint", Assert.Throws<ArgumentException>(() => Clone(OptimizerKind.Adam, new CheckpointOptions(model))).Message);
    }

    // Sixty lines seen at RV 3.1 km/s, v sin i 6 km/s, R 50,000, S/N 150, 5 % of them 30 % deeper than the template's.
    private static (Spectrum Data, LineModel Template) TransferProblem()
    {
        var template = Blase.Engine.Transfer.ObservationSimulator.SyntheticLines(60, 8652, 8678, 11);
        var truth = template.Clone();
        for (int j = 0; j < truth.Count; j += 20) truth.LnAmplitude[j] += Math.Log(1.3);
        var data = Blase.Engine.Transfer.ObservationSimulator.Observe(truth, TestData.Grid(8650, 8680, 0.06), 3.1, 6, 0.6, 50_000, w => 1 + 1e-3 * (w - 8665), 150, 2);
        return (new Spectrum(new[] { data }), template);
    }

    private static Blase.Engine.Transfer.TransferResult FitTransfer(bool crossValidate, CheckpointOptions? checkpoint, int stopAfter = 0)
    {
        var (data, template) = TransferProblem();
        var o = new Blase.Engine.Transfer.TransferOptions
            { RadialVelocity = 0, Tolerance = 1e-9, MaxIterations = 12, Checkpoint = checkpoint, Threads = 2, CrossValidate = crossValidate };
        using var cancel = new CancellationTokenSource();
        return Blase.Engine.Transfer.Transfer.Fit(data, template, null, o,
            p => { if (p.Stage == "all parameters" && p.Iteration == stopAfter) cancel.Cancel(); }, cancel.Token);
    }

    /// <summary>With cross-validation too, whose folds run the same Levenberg–Marquardt fit: they must neither write nor resume the checkpoint.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_transfer_interrupted_and_resumed_ends_with_the_bits_of_an_uninterrupted_one(bool crossValidate)
    {
        var whole = FitTransfer(crossValidate, null);
        string path = Path.Combine(_dir, "transfer.ckpt.fits");
        var stopped = FitTransfer(crossValidate, new CheckpointOptions(path) { IntervalIterations = 2 }, stopAfter: 3);
        Assert.True(stopped.StoppedOnRequest);
        var saved = LineModelCheckpointFile.Read(path)!;
        Assert.Equal(3, saved.Iteration);
        // The checkpoint holds the transferred lines at the point the stopped fit returned.
        SameModel(stopped.Model, LineModelFile.Load(path));
        Assert.True(saved.Array("history")[^1] < saved.Array("history")[0], "the point so far is better than the start");

        var resumed = FitTransfer(crossValidate, new CheckpointOptions(path) { IntervalIterations = 2 });
        Assert.False(resumed.StoppedOnRequest);
        Assert.Equal(whole.Iterations, resumed.Iterations);
        SameBits(new[] { whole.RadialVelocity, whole.Vsini, whole.ResolvingPower, whole.ChiSquare, whole.RadialVelocityError },
            new[] { resumed.RadialVelocity, resumed.Vsini, resumed.ResolvingPower, resumed.ChiSquare, resumed.RadialVelocityError }, "RV, v sin i, R, χ², σ(RV)");
        SameModel(whole.Model, resumed.Model);
        for (int q = 0; q < whole.Orders.Count; q++) SameBits(whole.Orders[q].Continuum, resumed.Orders[q].Continuum, "continuum");
    }

    private static Emulators.Neural.NeuralEmulator Train(CheckpointOptions? checkpoint, int stopAfter = 0, List<double>? rates = null, bool simulator = false)
    {
        // Smooth functions of two labels on 31 pixels; the step size decays (patience 3) within the run, so that is resumed too.
        var r = new Random(2);
        var labels = Enumerable.Range(0, 90).Select(_ => new[] { r.NextDouble(), 3 + r.NextDouble() }).ToArray();
        var fluxes = labels.Select(l => Enumerable.Range(0, 31).Select(j => 1 - 0.2 * Math.Exp(-Math.Pow(j - 15 - 6 * l[0], 2) / 6) * l[1] / 4).ToArray()).ToArray();
        var options = new Emulators.Neural.NeuralTrainingOptions
            { MaxEpochs = simulator ? 6 : 30, BatchSize = 8, HiddenUnits = 12, DecayPatience = 3, Patience = 1000, LearningRate = 0.02, Device = Compute.DeviceKind.Cpu,
              Checkpoint = checkpoint, Simulator = simulator };
        using var cancel = new CancellationTokenSource();
        return Emulators.Neural.NeuralTrainer.Train(new[] { "A", "B" }, labels, fluxes, null, options, p => { rates?.Add(p.LearningRate); if (p.Epoch == stopAfter) cancel.Cancel(); }, cancel.Token);
    }

    private static void SameNetwork(Emulators.Neural.NeuralEmulator expected, Emulators.Neural.NeuralEmulator actual)
    {
        var a = expected.Contents().Arrays;
        var b = actual.Contents().Arrays;
        Assert.Equal(a.Select(x => x.Name), b.Select(x => x.Name));
        for (int i = 0; i < a.Count; i++) SameBits(a[i].Values, b[i].Values, a[i].Name);
    }

    [Fact]
    public void Network_training_interrupted_and_resumed_ends_with_the_bits_of_an_uninterrupted_one()
    {
        var rates = new List<double>();
        var whole = Train(null, rates: rates);
        Assert.True(rates[^1] < rates[12], "the step size decays after the interruption too");
        string path = Path.Combine(_dir, "network.ckpt.npz");
        var stopped = Train(new CheckpointOptions(path) { IntervalIterations = 4 }, stopAfter: 11);
        Assert.Equal("Cancelled", stopped.Training!.ExitCondition);
        var saved = Emulators.Neural.NeuralCheckpoint.Read(path)!;
        Assert.Equal(11, saved.Iteration);
        // The checkpoint is a Payne .npz of the best network so far: the one the stopped run returned.
        SameNetwork(stopped, Emulators.Neural.NeuralEmulator.Load(path));

        var resumed = Train(new CheckpointOptions(path) { IntervalIterations = 4 });
        Assert.Equal(whole.Training!.Epochs, resumed.Training!.Epochs);
        Assert.Equal(whole.Training.Steps, resumed.Training.Steps);
        Assert.Equal(whole.Training.BestEpoch, resumed.Training.BestEpoch);
        SameBits(new[] { whole.Training.ValidationLoss, whole.Training.TrainingLoss }, new[] { resumed.Training.ValidationLoss, resumed.Training.TrainingLoss }, "losses");
        SameNetwork(whole, resumed);
    }

    /// <summary>The GPU backend's state (weights and Adam moments in device memory) goes to the checkpoint and back: on ILGPU's
    /// CPU simulator, which runs the same kernels.</summary>
    [Fact]
    public void Network_training_on_the_device_backend_resumes_to_the_same_bits()
    {
        var whole = Train(null, simulator: true);
        string path = Path.Combine(_dir, "device.ckpt.npz");
        Train(new CheckpointOptions(path) { IntervalIterations = 2 }, stopAfter: 3, simulator: true);
        Assert.Equal(3, Emulators.Neural.NeuralCheckpoint.Read(path)!.Iteration);
        var resumed = Train(new CheckpointOptions(path) { IntervalIterations = 2 }, simulator: true);
        Assert.StartsWith("ILGPU CPU simulator", resumed.Training!.Device);
        Assert.Equal(whole.Training!.Steps, resumed.Training.Steps);
        SameNetwork(whole, resumed);
    }
}
