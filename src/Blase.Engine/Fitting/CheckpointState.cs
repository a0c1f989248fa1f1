namespace Blase.Engine.Fitting;

/// <summary>
/// An optimizer's state after a whole iteration, as named arrays of doubles (parameters, damping, moments, best point, loss
/// history: whatever makes resuming exact), with the run it belongs to: its kind (Clone, Transfer, Neural) and the
/// fingerprints of its inputs and of its options (<see cref="CheckpointFingerprint"/>).
/// </summary>
public sealed class CheckpointState
{
    public CheckpointState(string kind, string inputs, string options, int iteration, IReadOnlyDictionary<string, double[]> arrays)
    {
        Kind = kind; Inputs = inputs; Options = options; Iteration = iteration; Arrays = arrays;
    }

    public string Kind { get; }
    /// <summary>SHA-256 (hex) of the data, the starting point and the model's structure.</summary>
    public string Inputs { get; }
    /// <summary>SHA-256 (hex) of the options that change the result (not the iteration limit nor the checkpoint's own).</summary>
    public string Options { get; }
    /// <summary>Iterations done.</summary>
    public int Iteration { get; }
    public IReadOnlyDictionary<string, double[]> Arrays { get; }

    public double[] Array(string name) =>
        Arrays.TryGetValue(name, out var a) ? a : throw new BlaseDataException($"the checkpoint has no '{name}' array (written by another version of Blase?)", null);

    public double Scalar(string name) => Array(name) is { Length: 1 } a ? a[0] : throw new BlaseDataException($"the checkpoint's '{name}' is not one number", null);
}
