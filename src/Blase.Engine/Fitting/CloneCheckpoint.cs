using Blase.Engine.Lines;

namespace Blase.Engine.Fitting;

/// <summary>
/// Checkpoints of a clone's fit (<see cref="Trainer"/>): the parameters, the best point and its loss, the loss history and
/// the optimizer's own state (Levenberg–Marquardt's damping, Adam's moments), in a line model file of the best model so far
/// (<see cref="IO.LineModelCheckpointFile"/>). The run is the data (wavelengths, target, weights), the starting model and the
/// training options.
/// </summary>
public static class CloneCheckpoint
{
    public const string Kind = "Clone";

    /// <summary>The checkpointer of a fit of <paramref name="kernels"/>' model to the target, or null without a checkpoint path.</summary>
    public static Checkpointer? Open(ILineKernels kernels, double[] target, double[] weight, TrainingOptions o)
    {
        if (o.Checkpoint is not { } c) return null;
        var model = kernels.Model;
        var start = new CloneObjective(kernels, target, weight, o.Threads).GetParameters();
        using var inputs = new CheckpointFingerprint();
        inputs.Add(kernels.Wavelength).Add(target).Add(weight).Add(start)
            .Add($"{model.Profile} {model.Mode} {model.Tolerance:R} {model.WingCut} {model.ContinuumMin:R} {model.ContinuumMax:R}");
        using var options = new CheckpointFingerprint();
        options.AddOptions(o);
        var template = model.Clone();
        return new Checkpointer(c, Kind, ".fits", inputs.Finish(), options.Finish(), IO.LineModelCheckpointFile.Read, state =>
        {
            var best = template.Clone();
            CloneObjective.Assign(best, state.Array("best"));
            best.Provenance.Add($"checkpoint: the best of {state.Iteration} iterations of {o.Optimizer} (loss {state.Scalar("bestLoss"):G6})");
            IO.LineModelCheckpointFile.Save(c.Path, best, state);
        });
    }

    /// <summary>Restores the state common to both optimizers, when there is one to resume from; returns it for the rest.</summary>
    internal static CheckpointState? Resume(Checkpointer? checkpoint, CloneObjective obj, TrainingReport r, ref double[] p, ref double[] best, ref double bestLoss)
    {
        if (checkpoint?.Resumed is not { } s) return null;
        p = (double[])s.Array("p").Clone();
        if (p.Length != obj.ParameterCount) throw new BlaseDataException($"the checkpoint holds {p.Length} parameters, the model {obj.ParameterCount}", null);
        obj.SetParameters(p);
        best = (double[])s.Array("best").Clone();
        bestLoss = s.Scalar("bestLoss");
        r.LossHistory.Clear(); r.LossHistory.AddRange(s.Array("loss"));
        r.SecondsHistory.Clear(); r.SecondsHistory.AddRange(s.Array("seconds"));
        r.Trials = (int)s.Scalar("trials");
        r.Epochs = s.Iteration;
        return s;
    }

    /// <summary>Copies of everything a resumed fit needs, with the optimizer's own <paramref name="extra"/> arrays.</summary>
    internal static Dictionary<string, double[]> Capture(TrainingReport r, double[] p, double[] best, double bestLoss, params (string Name, double[] Values)[] extra)
    {
        var arrays = new Dictionary<string, double[]>
        {
            ["p"] = (double[])p.Clone(),
            ["best"] = (double[])best.Clone(),
            ["bestLoss"] = new[] { bestLoss },
            ["loss"] = r.LossHistory.ToArray(),
            ["seconds"] = r.SecondsHistory.ToArray(),
            ["trials"] = new double[] { r.Trials },
        };
        foreach (var (name, values) in extra) arrays[name] = (double[])values.Clone();
        return arrays;
    }
}
