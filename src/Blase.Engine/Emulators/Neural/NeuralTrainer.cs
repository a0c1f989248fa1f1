using System.Diagnostics;
using Blase.Engine.Compute;
using Blase.Engine.Spectra;

namespace Blase.Engine.Emulators.Neural;

/// <summary>Progress of training: after each epoch, the mean absolute errors on the training batches and on the validation set.</summary>
public readonly record struct NeuralProgress(int Epoch, int MaxEpochs, double TrainingLoss, double ValidationLoss, double BestValidationLoss, double LearningRate, TimeSpan Elapsed);

/// <summary>
/// Trains a <see cref="NeuralEmulator"/> on labelled spectra as The Payne does (Ting et al. 2019): labels scaled to [−0.5, 0.5] by
/// the training set's min/max, an L1 loss (mean absolute error, robust to a few bad pixels), Adam (Kingma &amp; Ba 2015) on
/// mini-batches, a held-out validation set that picks the best weights and stops training when it no longer improves (the step
/// size is halved when it stalls). Flux is divided by one scale (its mean absolute value) while training, so that one learning
/// rate suits grids in any unit, and the last layer is multiplied back at the end. The steps run in single precision (the
/// network's own precision in PyTorch) on the CPU (<see cref="CpuNeuralBackend"/>) or a GPU (<see cref="GpuNeuralBackend"/>);
/// the result is stored in double. Weights start as PyTorch's do, and the output bias at the mean spectrum, so that training
/// starts from the mean and spends its steps on the variations.
/// </summary>
public static class NeuralTrainer
{
    /// <summary>Trains a network on spectra (rows of <paramref name="fluxes"/>) with their labels.</summary>
    public static NeuralEmulator Train(IReadOnlyList<string> labelNames, double[][] labels, double[][] fluxes, double[]? wavelength,
        NeuralTrainingOptions? options = null, Action<NeuralProgress>? progress = null, CancellationToken cancel = default,
        WavelengthMedium medium = WavelengthMedium.Vacuum, bool[]? mask = null, Action<string>? log = null)
    {
        options ??= new NeuralTrainingOptions();
        var sw = Stopwatch.StartNew();
        int n = labels.Length, dims = labelNames.Count;
        if (n < 2 || fluxes.Length != n) throw new ArgumentException($"training needs at least 2 spectra with one label vector each (got {fluxes.Length} spectra, {n} label vectors)");
        int pixels = fluxes[0].Length;
        if (fluxes.Any(f => f.Length != pixels)) throw new ArgumentException("every training spectrum must have the same pixels");
        if (labels.Any(x => x.Length != dims)) throw new ArgumentException($"every label vector must have {dims} values ({string.Join(", ", labelNames)})");
        if (fluxes.Any(f => f.Any(v => !double.IsFinite(v))) || labels.Any(x => x.Any(v => !double.IsFinite(v))))
            throw new ArgumentException("the training spectra and labels must be finite numbers");
        if (options.BatchSize < 1 || options.HiddenUnits < 1 || options.MaxEpochs < 1) throw new ArgumentException("batch size, hidden units and epochs must be positive");

        var min = Enumerable.Range(0, dims).Select(d => labels.Min(x => x[d])).ToArray();
        var max = Enumerable.Range(0, dims).Select(d => labels.Max(x => x[d])).ToArray();
        var flat = Enumerable.Range(0, dims).Where(d => !(max[d] > min[d])).Select(d => labelNames[d]).ToArray();
        if (flat.Length > 0) throw new ArgumentException($"{string.Join(", ", flat)} does not vary over the training set: leave it out of the labels");
        double scale = fluxes.Average(f => f.Average(Math.Abs));
        if (!(scale > 0)) throw new ArgumentException("the training spectra are all zero");

        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray();
        int validation = Math.Clamp((int)Math.Round(options.ValidationFraction * n), options.ValidationFraction > 0 ? 1 : 0, n - 1);
        var validationRows = order[..validation];
        var trainingRows = order[validation..];
        var x = new float[n * dims];
        var y = new float[(long)n * pixels];
        for (int i = 0; i < n; i++)
        {
            for (int d = 0; d < dims; d++) x[i * dims + d] = (float)((labels[i][d] - min[d]) / (max[d] - min[d]) - 0.5);
            for (int j = 0; j < pixels; j++) y[(long)i * pixels + j] = (float)(fluxes[i][j] / scale);
        }

        var start = NeuralParameters.Initial(dims, options.HiddenUnits, pixels, random);
        // The output bias starts at the training set's mean spectrum.
        for (int j = 0; j < pixels; j++) start.Biases[2][j] = (float)trainingRows.Average(i => y[(long)i * pixels + j]);

        int batch = Math.Min(options.BatchSize, trainingRows.Length);
        using var backend = Backend(options, start, x, y, dims, pixels, Math.Max(batch, Math.Min(validation, 1024)), log);
        var best = start;
        double bestLoss = double.PositiveInfinity, lr = options.LearningRate, trainLoss = double.NaN, validLoss = double.NaN;
        int bestEpoch = 0, epoch = 0, steps = 0, sinceBest = 0, sinceDecay = 0, nonFinite = 0;
        NeuralEmulator EmulatorOf(NeuralParameters p, NeuralTraining? training = null) =>
            ToEmulator(p, scale, labelNames, min, max, options.HiddenUnits, pixels, wavelength, mask, medium, training);
        var checkpoint = NeuralCheckpoint.Open(options, labelNames, labels, fluxes, p => EmulatorOf(p));
        if (checkpoint?.Resumed is { } s0)
        {
            epoch = s0.Iteration;
            // Replaying the epochs' shuffles leaves the random stream and the batch order where the interrupted run had them.
            for (int e = 0; e < epoch; e++) Shuffle(trainingRows, random);
            backend.Restore(NeuralCheckpoint.BackendState(s0));
            best = NeuralCheckpoint.Parameters(s0, "best");
            (bestLoss, lr, trainLoss, validLoss) = (s0.Scalar("bestLoss"), s0.Scalar("learningRate"), s0.Scalar("trainingLoss"), s0.Scalar("validationLoss"));
            (bestEpoch, steps, sinceBest, sinceDecay, nonFinite) = ((int)s0.Scalar("bestEpoch"), (int)s0.Scalar("steps"), (int)s0.Scalar("sinceBest"), (int)s0.Scalar("sinceDecay"), (int)s0.Scalar("nonFinite"));
            log?.Invoke($"resumed from the checkpoint {options.Checkpoint!.Path} after {epoch} epochs");
        }
        string exit = "MaxEpochs";
        var rows = new int[batch];
        try
        {
            while (epoch < options.MaxEpochs)
            {
                if (cancel.IsCancellationRequested) { exit = "Cancelled"; break; }
                if (options.TimeLimit is { } limit && sw.Elapsed > limit) { exit = "TimeLimit"; break; }
                epoch++;
                Shuffle(trainingRows, random);
                double sum = 0;
                int batches = 0;
                for (int s = 0; s + batch <= trainingRows.Length && !cancel.IsCancellationRequested; s += batch)
                {
                    Array.Copy(trainingRows, s, rows, 0, batch);
                    sum += backend.Step(rows, (float)lr, ++steps);
                    batches++;
                }
                if (cancel.IsCancellationRequested) { exit = "Cancelled"; break; }
                trainLoss = sum / Math.Max(1, batches) * scale;
                validLoss = validation > 0 ? backend.Loss(validationRows) * scale : trainLoss;
                if (!double.IsFinite(trainLoss) || !double.IsFinite(validLoss))
                {
                    // A step too far (weights overflowing single precision): back to the best network with Adam's moments
                    // cleared and half the rate. Training never goes on from, or returns, non-finite weights.
                    if (++nonFinite > MaxStepBacks) { exit = "NonFinite"; break; }
                    backend.Restore(NeuralTrainingState.Fresh(best));
                    lr /= 2;
                    log?.Invoke($"epoch {epoch}: the loss turned non-finite; back to the best network (epoch {bestEpoch}) at learning rate {lr:G3}");
                    (trainLoss, validLoss) = (double.NaN, double.NaN);
                    continue;
                }
                if (validLoss < bestLoss)
                {
                    bestLoss = validLoss; bestEpoch = epoch; sinceBest = 0; sinceDecay = 0;
                    best = backend.Snapshot();
                }
                else
                {
                    sinceBest++; sinceDecay++;
                    if (sinceDecay >= options.DecayPatience && lr > options.LearningRate / 64) { lr /= 2; sinceDecay = 0; }
                }
                progress?.Invoke(new NeuralProgress(epoch, options.MaxEpochs, trainLoss, validLoss, bestLoss, lr, sw.Elapsed));
                if (sinceBest >= options.Patience) { exit = "EarlyStop"; break; }
                checkpoint?.Reached(epoch, NeuralCheckpoint.Capture(backend.State(), best, ("bestLoss", bestLoss), ("learningRate", lr), ("trainingLoss", trainLoss),
                    ("validationLoss", validLoss), ("bestEpoch", bestEpoch), ("steps", steps), ("sinceBest", sinceBest), ("sinceDecay", sinceDecay), ("nonFinite", nonFinite)));
            }
        }
        catch
        {
            // A failure, or a progress report refused by a stopped pipeline: the last whole epoch is kept.
            checkpoint?.Stopped();
            throw;
        }
        if (exit is "Cancelled" or "TimeLimit") checkpoint?.Stopped();
        if (!double.IsFinite(bestLoss) && exit == "NonFinite") throw new ArithmeticException($"the training loss was non-finite in every epoch, even at {lr:G3}: check the fluxes' scale and lower the learning rate");
        if (!double.IsFinite(bestLoss)) throw new OperationCanceledException("training was stopped before its first epoch ended");

        return EmulatorOf(best, new NeuralTraining(epoch, steps, bestEpoch, trainLoss, bestLoss, exit, sw.Elapsed, trainingRows.Length, validation, backend.Device)
        {
            DeviceFault = (backend as FallbackNeuralBackend)?.Fault,
            NonFiniteEpochs = nonFinite,
        });
    }

    /// <summary>Step-backs from a non-finite loss before training gives up (at the best network).</summary>
    private const int MaxStepBacks = 20;

    /// <summary>The network of training parameters: back to Payne's layout [out][in] in double, the flux scale folded into the last layer.</summary>
    private static NeuralEmulator ToEmulator(NeuralParameters best, double scale, IReadOnlyList<string> labelNames, double[] min, double[] max, int hidden, int pixels,
        double[]? wavelength, bool[]? mask, WavelengthMedium medium, NeuralTraining? training)
    {
        var weights = new double[3][];
        var biases = new double[3][];
        int[] inputs = { min.Length, hidden, hidden }, outputs = { hidden, hidden, pixels };
        for (int l = 0; l < 3; l++)
        {
            double f = l == 2 ? scale : 1;
            var w = new double[inputs[l] * outputs[l]];
            for (int i = 0; i < inputs[l]; i++)
                for (int o = 0; o < outputs[l]; o++) w[o * inputs[l] + i] = f * best.WeightsT[l][i * outputs[l] + o];
            weights[l] = w;
            biases[l] = best.Biases[l].Select(v => f * v).ToArray();
        }
        return new NeuralEmulator(labelNames, min, max, weights, biases, wavelength, mask, medium) { Training = training };
    }

    /// <summary>
    /// The backend the options ask for; Auto takes a CUDA GPU when one works, else the CPU (saying so). A training set too large
    /// for the GPU's memory trains on the CPU (saying so); a GPU that fails mid-run hands over to the CPU
    /// (<see cref="FallbackNeuralBackend"/>).
    /// </summary>
    internal static INeuralBackend Backend(NeuralTrainingOptions options, NeuralParameters start, float[] x, float[] y, int labels, int pixels, int maxRows, Action<string>? log)
    {
        INeuralBackend Guarded(DeviceKind kind) => new FallbackNeuralBackend(
            new GpuNeuralBackend(start, x, y, labels, pixels, maxRows, kind) { Faults = options.DeviceFaults },
            state => new CpuNeuralBackend(state, x, y, labels, pixels, maxRows), log);
        if (options.Simulator) return Guarded(DeviceKind.Cpu);
        var device = DeviceCatalog.Resolve(options.Device, out var note);
        if (note is not null) log?.Invoke(note);
        if (device.Kind != DeviceKind.Cuda) return new CpuNeuralBackend(start, x, y, labels, pixels, maxRows);
        long bytes = GpuNeuralBackend.BytesNeeded(x.Length / labels, labels, start.Biases[0].Length, pixels, maxRows);
        if (bytes <= device.MemoryBytes * 0.9) return Guarded(DeviceKind.Cuda);
        log?.Invoke($"training needs {bytes / 1e9:F2} GB of device memory, more than {device.Name}'s {device.MemoryGiB} GiB allows: training on the CPU");
        return new CpuNeuralBackend(start, x, y, labels, pixels, maxRows);
    }

    private static void Shuffle(int[] a, Random r)
    {
        for (int i = a.Length - 1; i > 0; i--) { int j = r.Next(i + 1); (a[i], a[j]) = (a[j], a[i]); }
    }
}
