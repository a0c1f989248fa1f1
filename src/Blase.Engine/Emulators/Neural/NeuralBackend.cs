namespace Blase.Engine.Emulators.Neural;

/// <summary>
/// The network's parameters while training, single precision: weights transposed to [in × out] (so that a batch's forward
/// pass is X·Wᵀ = X·WT, row-major) and biases, for the three layers.
/// </summary>
internal sealed record NeuralParameters(float[][] WeightsT, float[][] Biases)
{
    /// <summary>PyTorch's default start: weights and biases uniform in ±1/√fan-in.</summary>
    public static NeuralParameters Initial(int labels, int hidden, int pixels, Random random)
    {
        int[] inputs = { labels, hidden, hidden }, outputs = { hidden, hidden, pixels };
        var w = new float[3][];
        var b = new float[3][];
        for (int l = 0; l < 3; l++)
        {
            float bound = (float)(1 / Math.Sqrt(inputs[l]));
            w[l] = Enumerable.Range(0, inputs[l] * outputs[l]).Select(_ => bound * (2 * (float)random.NextDouble() - 1)).ToArray();
            b[l] = Enumerable.Range(0, outputs[l]).Select(_ => bound * (2 * (float)random.NextDouble() - 1)).ToArray();
        }
        return new NeuralParameters(w, b);
    }

    public NeuralParameters Copy() => new(WeightsT.Select(w => (float[])w.Clone()).ToArray(), Biases.Select(b => (float[])b.Clone()).ToArray());
}

/// <summary>All a backend's training holds: the parameters and Adam's first and second moments (shaped as the parameters).</summary>
internal sealed record NeuralTrainingState(NeuralParameters Parameters, NeuralParameters First, NeuralParameters Second)
{
    /// <summary>Training restarted at <paramref name="p"/> (a copy), Adam's moments zero.</summary>
    public static NeuralTrainingState Fresh(NeuralParameters p)
    {
        NeuralParameters Zero() => new(p.WeightsT.Select(w => new float[w.Length]).ToArray(), p.Biases.Select(b => new float[b.Length]).ToArray());
        return new NeuralTrainingState(p.Copy(), Zero(), Zero());
    }

    /// <summary>The arrays in a fixed order (weights, biases, then each moment's), for a checkpoint; not copies.</summary>
    public float[][] Arrays() => new[] { Parameters, First, Second }.SelectMany(p => p.WeightsT.Concat(p.Biases)).ToArray();

    /// <summary>The state <see cref="Arrays"/> listed (three layers).</summary>
    public static NeuralTrainingState FromArrays(float[][] a)
    {
        if (a.Length != 18) throw new BlaseDataException($"the checkpoint's network state has {a.Length} arrays, not 18", null);
        NeuralParameters At(int k) => new(a[(6 * k)..(6 * k + 3)], a[(6 * k + 3)..(6 * k + 6)]);
        return new NeuralTrainingState(At(0), At(1), At(2));
    }
}

/// <summary>
/// Where a network's training steps run: the CPU (<see cref="CpuNeuralBackend"/>) or an ILGPU accelerator
/// (<see cref="GpuNeuralBackend"/>). Both hold the whole training set (scaled labels x, [rows × labels], and scaled flux y,
/// [rows × pixels]) and compute the same function; <see cref="NeuralTrainer"/> drives either.
/// </summary>
internal interface INeuralBackend : IDisposable
{
    /// <summary>One Adam step on the rows (indices into the training set); returns their mean absolute error.</summary>
    double Step(int[] rows, float learningRate, int step);
    /// <summary>The mean absolute error over the rows.</summary>
    double Loss(int[] rows);
    /// <summary>The current parameters (a copy).</summary>
    NeuralParameters Snapshot();
    /// <summary>The parameters and Adam's moments (copies): enough to go on elsewhere from here.</summary>
    NeuralTrainingState State();
    /// <summary>Puts back what <see cref="State"/> gave (a checkpoint's).</summary>
    void Restore(NeuralTrainingState state);
    /// <summary>The gradient of the mean absolute error over the rows, without a step: for holding backends to agreement.</summary>
    NeuralParameters Gradient(int[] rows);
    /// <summary>A name for messages: "CPU" or the accelerator's.</summary>
    string Device { get; }
}
