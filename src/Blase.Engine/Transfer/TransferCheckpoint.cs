using Blase.Engine.Fitting;
using Blase.Engine.Lines;

namespace Blase.Engine.Transfer;

/// <summary>
/// Checkpoints of a transfer's joint fit (<see cref="GaussNewtonFit"/>, the Levenberg–Marquardt stage with everything free):
/// the whitened point z, the continua, the damping, the objective's history and the evaluations, in a line model file of the
/// transferred star lines at that point (<see cref="IO.LineModelCheckpointFile"/>). The stages before it (RV search, bulk
/// parameters, cross-validation) are deterministic and short, so a resumed transfer runs them again and takes up the joint fit
/// where it stopped; the checkpoint's inputs are what they hand over (the star and telluric lines, RV, v sin i, R, z, the
/// continua) with the data, so a change in them is caught too.
/// </summary>
internal static class TransferCheckpoint
{
    public const string Kind = "Transfer";

    /// <summary>The checkpointer of a joint fit, or null without <paramref name="checkpoint"/>; <paramref name="apply"/> puts a point
    /// (z, continua) into the objective's models.</summary>
    public static Checkpointer? Open(CheckpointOptions? checkpoint, TransferOptions o, TransferObjective obj, IReadOnlyList<OrderModel> orders, double[] z, double[] c,
        Action<double[], double[]> apply)
    {
        if (checkpoint is null) return null;
        using var inputs = new CheckpointFingerprint();
        foreach (var m in orders) inputs.Add(m.Order.Wavelength).Add(m.Order.Flux).Add(m.Weight);
        foreach (var lines in new[] { obj.Star, obj.Telluric }.OfType<LineModel>())
            inputs.Add(lines.Center).Add(lines.LnAmplitude).Add(lines.LnSigma).Add(lines.LnGamma);
        inputs.Add(new[] { obj.Bulk.RadialVelocity, obj.Bulk.VsiniParameter, obj.Bulk.LnResolvingPower }).Add(z).Add(c);
        using var options = new CheckpointFingerprint();
        options.AddOptions(o);
        return new Checkpointer(checkpoint, Kind, ".fits", inputs.Finish(), options.Finish(), IO.LineModelCheckpointFile.Read, state =>
        {
            apply(state.Array("z"), state.Array("continua"));
            var star = obj.Star.Clone();
            star.Report = null;
            star.Provenance.Add($"checkpoint: a transfer after {state.Iteration} iterations of the joint fit: RV {obj.Bulk.RadialVelocity:F3} km/s, " +
                                $"v sin i {obj.Bulk.Vsini:F2} km/s, R {obj.Bulk.ResolvingPower:F0} (objective {state.Array("history")[^1]:G8})");
            IO.LineModelCheckpointFile.Save(checkpoint.Path, star, state);
        });
    }

    public static Dictionary<string, double[]> Capture(double[] z, double[] c, double lambda, List<double> history, int evaluations) => new()
    {
        ["z"] = (double[])z.Clone(),
        ["continua"] = (double[])c.Clone(),
        ["lambda"] = new[] { lambda },
        ["history"] = history.ToArray(),
        ["evaluations"] = new double[] { evaluations },
    };
}
