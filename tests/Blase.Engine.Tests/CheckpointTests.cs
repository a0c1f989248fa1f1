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

    private static Blase.Engine.Transfer.TransferResult FitTransfer(CheckpointOptions? checkpoint, int stopAfter = 0)
    {
        var (data, template) = TransferProblem();
        var o = new Blase.Engine.Transfer.TransferOptions { RadialVelocity = 0, Tolerance = 1e-9, MaxIterations = 12, Checkpoint = checkpoint, Threads = 2 };
        using var cancel = new CancellationTokenSource();
        return Blase.Engine.Transfer.Transfer.Fit(data, template, null, o,
            p => { if (p.Stage == "all parameters" && p.Iteration == stopAfter) cancel.Cancel(); }, cancel.Token);
    }

    [Fact]
    public void A_transfer_interrupted_and_resumed_ends_with_the_bits_of_an_uninterrupted_one()
    {
        var whole = FitTransfer(null);
        string path = Path.Combine(_dir, "transfer.ckpt.fits");
        var stopped = FitTransfer(new CheckpointOptions(path) { IntervalIterations = 2 }, stopAfter: 3);
        Assert.True(stopped.StoppedOnRequest);
        var saved = LineModelCheckpointFile.Read(path)!;
        Assert.Equal(3, saved.Iteration);
        // The checkpoint holds the transferred lines at the point the stopped fit returned.
        SameModel(stopped.Model, LineModelFile.Load(path));
        Assert.True(saved.Array("history")[^1] < saved.Array("history")[0], "the point so far is better than the start");

        var resumed = FitTransfer(new CheckpointOptions(path) { IntervalIterations = 2 });
        Assert.False(resumed.StoppedOnRequest);
        Assert.Equal(whole.Iterations, resumed.Iterations);
        SameBits(new[] { whole.RadialVelocity, whole.Vsini, whole.ResolvingPower, whole.ChiSquare, whole.RadialVelocityError },
            new[] { resumed.RadialVelocity, resumed.Vsini, resumed.ResolvingPower, resumed.ChiSquare, resumed.RadialVelocityError }, "RV, v sin i, R, χ², σ(RV)");
        SameModel(whole.Model, resumed.Model);
        for (int q = 0; q < whole.Orders.Count; q++) SameBits(whole.Orders[q].Continuum, resumed.Orders[q].Continuum, "continuum");
    }
}
