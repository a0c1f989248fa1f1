namespace Blase.Engine.Fitting;

/// <summary>
/// A run's checkpoints: the state to resume from (when <see cref="CheckpointOptions.Path"/> holds one of the same run), the
/// state after each whole iteration, written every <see cref="CheckpointOptions.IntervalIterations"/> and at once when the run
/// stops early (<see cref="Stopped"/>). The file format (with the best model so far) is the writer's business.
/// </summary>
public sealed class Checkpointer
{
    private readonly CheckpointOptions _o;
    private readonly string _kind, _inputs, _options;
    private readonly Action<CheckpointState> _write;
    private CheckpointState? _last;
    private int _written = -1;

    /// <summary>
    /// Opens the checkpoints of a run: <paramref name="extension"/> is that of the file format (a checkpoint is also a model file,
    /// whose extension says how to read it); <paramref name="read"/> reads a checkpoint file (null when the file is not one);
    /// <paramref name="write"/> writes a state, atomically, to <see cref="CheckpointOptions.Path"/>.
    /// </summary>
    public Checkpointer(CheckpointOptions o, string kind, string extension, string inputs, string options, Func<string, CheckpointState?> read, Action<CheckpointState> write)
    {
        if (!o.Path.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"-CheckpointPath {o.Path}: a {kind.ToLowerInvariant()}'s checkpoint is a model file that Import-BlaseModel reads; name it *{extension}");
        if (o.IntervalIterations < 1) throw new ArgumentOutOfRangeException(nameof(o), $"the checkpoint interval must be at least 1 iteration (got {o.IntervalIterations})");
        _o = o; _kind = kind; _inputs = inputs; _options = options; _write = write;
        if (o.Restart || !File.Exists(o.Path)) return;
        CheckpointState? found;
        try { found = read(o.Path); }
        catch (BlaseDataException e) { throw Refused($"cannot be read as a checkpoint ({e.Problem})"); }
        if (found is null) throw Refused("is not a Blase checkpoint");
        if (found.Kind != kind) throw Refused($"is a checkpoint of a {found.Kind.ToLowerInvariant()}, not of a {kind.ToLowerInvariant()}");
        var differ = new List<string>();
        if (found.Inputs != inputs) differ.Add("inputs (data, starting model)");
        if (found.Options != options) differ.Add("options");
        if (differ.Count > 0) throw Refused($"is a checkpoint of another {kind.ToLowerInvariant()}: its {string.Join(" and ", differ)} differ from this run's");
        Resumed = found;
        _last = found;
        _written = found.Iteration;
    }

    private ArgumentException Refused(string why) =>
        new($"-CheckpointPath {_o.Path} {why}; to start over and replace it, add -Force (or give another path)");

    /// <summary>The state to continue from, or null to start afresh.</summary>
    public CheckpointState? Resumed { get; }

    /// <summary>
    /// The run completed <paramref name="iteration"/> (0: it is about to start): keeps its state (copies, which the run will not change) and writes it when the
    /// interval says so (the start only on a stop).
    /// </summary>
    public void Reached(int iteration, IReadOnlyDictionary<string, double[]> state)
    {
        _last = new CheckpointState(_kind, _inputs, _options, iteration, state);
        if (iteration > 0 && iteration % _o.IntervalIterations == 0) Write();
    }

    /// <summary>The run stops before its end (Ctrl+C, a time limit, a failure): the last whole iteration is written now.</summary>
    public void Stopped() => Write();

    private void Write()
    {
        if (_last is null || _last.Iteration == _written) return;
        _write(_last);
        _written = _last.Iteration;
    }
}
