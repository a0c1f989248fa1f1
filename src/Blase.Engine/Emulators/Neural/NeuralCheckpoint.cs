using System.IO.Compression;
using Blase.Engine.Fitting;
using Blase.Engine.IO.Formats;

namespace Blase.Engine.Emulators.Neural;

/// <summary>
/// Checkpoints of a network's training (<see cref="NeuralTrainer"/>): weights, biases and Adam's moments, the best weights and
/// their validation loss, the step size and the counters of decay and early stop, after a whole epoch. The random stream is
/// not stored: a resumed run replays the shuffles of the epochs done, which leaves the generator and the batch order where the
/// interrupted run had them. The file is the best network so far in The Payne's .npz layout (<see cref="NeuralEmulator.Save"/>,
/// so <c>Import-BlaseModel</c> reads it as that network) with the state as extra arrays <c>checkpoint.*</c> and the run's kind,
/// fingerprints and epoch in the text entry <c>checkpoint.txt</c>.
/// </summary>
internal static class NeuralCheckpoint
{
    public const string Kind = "Neural";
    private const string Prefix = "checkpoint.", Entry = "checkpoint.txt";

    /// <summary>The checkpointer of a training, or null without a checkpoint path; <paramref name="emulator"/> gives the network a set
    /// of training parameters stands for (labels scaled back, flux scale folded in).</summary>
    public static Checkpointer? Open(NeuralTrainingOptions o, IReadOnlyList<string> labelNames, double[][] labels, double[][] fluxes,
        Func<NeuralParameters, NeuralEmulator> emulator)
    {
        if (o.Checkpoint is not { } checkpoint) return null;
        using var inputs = new CheckpointFingerprint();
        inputs.Add(string.Join("\n", labelNames));
        foreach (var row in labels) inputs.Add(row);
        foreach (var row in fluxes) inputs.Add(row);
        using var options = new CheckpointFingerprint();
        options.AddOptions(o);
        return new Checkpointer(checkpoint, Kind, ".npz", inputs.Finish(), options.Finish(), Read, state => Save(checkpoint.Path, emulator(Parameters(state, "best")), state));
    }

    public static Dictionary<string, double[]> Capture(NeuralTrainingState backend, NeuralParameters best, params (string Name, double Value)[] scalars)
    {
        var arrays = new Dictionary<string, double[]>();
        var backendState = backend.Arrays();
        for (int i = 0; i < backendState.Length; i++) arrays[$"state.{i}"] = Doubles(backendState[i]);
        for (int l = 0; l < best.WeightsT.Length; l++) { arrays[$"best.w{l}"] = Doubles(best.WeightsT[l]); arrays[$"best.b{l}"] = Doubles(best.Biases[l]); }
        foreach (var (name, value) in scalars) arrays[name] = new[] { value };
        return arrays;
    }

    /// <summary>The backend's state as <see cref="Capture"/> stored it.</summary>
    public static NeuralTrainingState BackendState(CheckpointState s) => NeuralTrainingState.FromArrays(
        Enumerable.Range(0, s.Arrays.Keys.Count(k => k.StartsWith("state.", StringComparison.Ordinal))).Select(i => Floats(s.Array($"state.{i}"))).ToArray());

    public static NeuralParameters Parameters(CheckpointState s, string name) => new(
        Enumerable.Range(0, 3).Select(l => Floats(s.Array($"{name}.w{l}"))).ToArray(),
        Enumerable.Range(0, 3).Select(l => Floats(s.Array($"{name}.b{l}"))).ToArray());

    // Single-precision values are exact in double, and back.
    private static double[] Doubles(float[] a) => Array.ConvertAll(a, v => (double)v);
    private static float[] Floats(double[] a) => Array.ConvertAll(a, v => (float)v);

    private static void Save(string path, NeuralEmulator best, CheckpointState state)
    {
        var (arrays, text) = best.Contents();
        foreach (var (name, values) in state.Arrays) arrays.Add((Prefix + name, new[] { values.Length }, values));
        text[Entry] = string.Join("\n", state.Kind, state.Inputs, state.Options, state.Iteration);
        NpzWriter.Write(path, arrays, text);
    }

    /// <summary>The state in a network checkpoint; null when the file is not one.</summary>
    public static CheckpointState? Read(string path)
    {
        string[] head;
        try
        {
            using var zip = ZipFile.OpenRead(path);
            if (zip.GetEntry(Entry) is not { } entry) return null;
            using var reader = new StreamReader(entry.Open());
            head = reader.ReadToEnd().Split('\n');
        }
        catch (InvalidDataException) { return null; } // not a zip archive
        if (head.Length != 4 || !int.TryParse(head[3], out int iteration) || iteration < 0)
            throw new BlaseDataException($"its {Entry} is not a checkpoint's kind, fingerprints and epoch", path);
        var arrays = NpyArchive.Read(path).Where(a => a.Key.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(a => a.Key[Prefix.Length..], a => a.Value.Values);
        return new CheckpointState(head[0], head[1], head[2], iteration, arrays);
    }
}
