using Blase.Engine.Compute;

namespace Blase.Engine.Emulators.Neural;

/// <summary>
/// A GPU backend that hands over to the CPU when the device fails mid-run (a CUDA error, its memory running out). Every
/// <see cref="SnapshotEvery"/> steps it copies the device's whole training state to the host (parameters and Adam's moments:
/// a few milliseconds against the steps' seconds) and remembers the steps taken since; on a fault it builds the CPU backend
/// from that copy and replays those steps, so that training goes on as if the CPU had run from the copy on: the network
/// ends as a CPU run's does, to the agreement the two backends are held to. A failed device cannot be trusted to answer
/// for its state, hence the copies; after the hand-over nothing runs on the device again.
/// </summary>
internal sealed class FallbackNeuralBackend : INeuralBackend
{
    public const int SnapshotEvery = 16;

    private readonly Func<NeuralTrainingState, INeuralBackend> _cpu;
    private readonly Action<string>? _log;
    private readonly List<(int[] Rows, float LearningRate, int Step)> _since = new();
    private INeuralBackend _current;
    private NeuralTrainingState _saved;
    private string? _failed; // the device's name, once it failed

    /// <param name="device">The GPU backend, at the start of training.</param>
    /// <param name="cpu">Makes the CPU backend from a state.</param>
    /// <param name="log">Told of the hand-over.</param>
    public FallbackNeuralBackend(INeuralBackend device, Func<NeuralTrainingState, INeuralBackend> cpu, Action<string>? log)
    {
        _current = device;
        _cpu = cpu;
        _log = log;
        _saved = device.State();
    }

    /// <summary>The device fault training carried on from, on the CPU (null while there was none).</summary>
    public string? Fault { get; private set; }

    public string Device => _failed is null ? _current.Device : $"CPU (after {_failed} failed)";

    public double Step(int[] rows, float learningRate, int step)
    {
        if (Fault is null && _since.Count >= SnapshotEvery)
        {
            _saved = Run(b => b.State());
            _since.Clear();
        }
        double loss = Run(b => b.Step(rows, learningRate, step));
        if (Fault is null) _since.Add(((int[])rows.Clone(), learningRate, step));
        return loss;
    }

    public double Loss(int[] rows) => Run(b => b.Loss(rows));
    public NeuralParameters Snapshot() => Run(b => b.Snapshot());
    public NeuralTrainingState State() => Run(b => b.State());
    public void Restore(NeuralTrainingState state)
    {
        Run(b => { b.Restore(state); return 0; });
        if (Fault is null) { _saved = state; _since.Clear(); }
    }
    public NeuralParameters Gradient(int[] rows) => Run(b => b.Gradient(rows));

    private T Run<T>(Func<INeuralBackend, T> call)
    {
        try { return call(_current); }
        catch (Exception e) when (Fault is null && e is not OperationCanceledException)
        {
            HandOver(e);
            return call(_current);
        }
    }

    private void HandOver(Exception e)
    {
        _failed = _current.Device;
        Fault = DeviceFault.Describe(e);
        try { _current.Dispose(); }
        catch (Exception) { /* a failed device may fail to free its memory too */ }
        _current = _cpu(_saved);
        foreach (var (rows, lr, step) in _since) _current.Step(rows, lr, step);
        _since.Clear();
        _log?.Invoke($"{_failed} failed ({Fault}); training carried on on the CPU from the state {SnapshotEvery} steps or fewer before, those steps replayed");
    }

    public void Dispose() => _current.Dispose();
}
