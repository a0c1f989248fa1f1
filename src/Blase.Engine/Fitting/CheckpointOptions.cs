namespace Blase.Engine.Fitting;

/// <summary>
/// Where and how often a long fit saves its state, so that it can be resumed after a crash, a kill or Ctrl+C. The defaults
/// live here. A run given a <see cref="Path"/> that holds a checkpoint of the same inputs and options resumes from it and
/// reaches the same result, bit for bit on the CPU, as a run never interrupted; one of other inputs or options is refused
/// unless <see cref="Restart"/> is set. On a stop (Ctrl+C, a time limit, a failure) the state of the last whole iteration is
/// written at once, with the best model so far, which <c>Import-BlaseModel</c> reads from the checkpoint itself.
/// </summary>
public sealed class CheckpointOptions
{
    public CheckpointOptions(string path) => Path = path;

    /// <summary>The checkpoint file (written atomically: it holds a whole state or the one before).</summary>
    public string Path { get; }

    /// <summary>Iterations (epochs, for a network) between two checkpoints. Counted in iterations, not seconds, so that
    /// where a run saves does not depend on the machine's speed; one write costs about one model file.</summary>
    public int IntervalIterations { get; set; } = 10;

    /// <summary>Start over, replacing whatever <see cref="Path"/> holds, instead of resuming from it.</summary>
    public bool Restart { get; set; }
}
