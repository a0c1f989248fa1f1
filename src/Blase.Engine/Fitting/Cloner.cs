using Blase.Engine.Lines;
using Blase.Engine.Spectra;
using Blase.Engine.Templates;

namespace Blase.Engine.Fitting;

/// <summary>Everything a clone can be asked to do differently.</summary>
public sealed class CloneOptions
{
    /// <summary>The template is already continuum-normalized: skip the preparation.</summary>
    public bool Normalized { get; set; }
    /// <summary>Teff for the Planck division, when the template's metadata has none.</summary>
    public double? Teff { get; set; }
    public double Prominence { get; set; } = 0.01;
    public int MinSeparation { get; set; } = 4;
    public ProfileShape Profile { get; set; } = ProfileShape.PseudoVoigt;
    public CombinationMode Mode { get; set; } = CombinationMode.Linear;
    public int ContinuumDegree { get; set; }
    public double WindowTolerance { get; set; } = 1e-5;
    public int? WingCut { get; set; }
    /// <summary>The resolving power at which the report also gives the RMS residual after smoothing both model and template.</summary>
    public double ResolvingPower { get; set; } = 55_000;
    public TrainingOptions Training { get; set; } = new();
    /// <summary>
    /// Fidelity: after the first fit, this many rounds of residual-driven line discovery (<see cref="LineDiscovery"/>),
    /// each adding lines where target/model shows them missing and refitting all. 0 (the default) fits the lines found only.
    /// </summary>
    public int DiscoveryRounds { get; set; }
    /// <summary>The least prominence, in target/model, of a line discovery adds.</summary>
    public double DiscoveryProminence { get; set; } = 0.002;
    /// <summary>The most lines discovery may bring the model to; by default 1.5 × the lines found.</summary>
    public int? MaxLines { get; set; }
    /// <summary>Auto takes a CUDA GPU when one works (pseudo-Voigt profiles), else the CPU.</summary>
    public Compute.DeviceKind Device { get; set; } = Compute.DeviceKind.Auto;
    /// <summary>
    /// The device memory a clone may take, in bytes (null: 90 % of the GPU's). A problem that needs more is split into
    /// wavelength chunks evaluated one after another (<see cref="Compute.ChunkedGpuLineKernels"/>), not refused; set it lower
    /// to leave room for other runs on a shared GPU.
    /// </summary>
    public long? DeviceMemoryBytes { get; set; }
}

/// <summary>What a clone produced: the model and its report.</summary>
public sealed class CloneReport
{
    public required TrainingReport Training { get; init; }
    public required int LinesFound { get; init; }
    public required double RmsNative { get; init; }
    public required double RmsSmoothed { get; init; }
    public required double ResolvingPower { get; init; }
    public required string Template { get; init; }
    /// <summary>The discovery rounds after the first fit, if any were asked for.</summary>
    public IReadOnlyList<DiscoveryRound> Discovery { get; init; } = Array.Empty<DiscoveryRound>();

    public override string ToString() => $"{LinesFound} lines found in {Template}; RMS {RmsNative:G3} native, {RmsSmoothed:G3} at R {ResolvingPower:G6}; {Training}";
}

/// <summary>One round of residual-driven discovery: lines added, lines in all after it, its refit and the RMS it reached.</summary>
public sealed record DiscoveryRound(int Round, int LinesAdded, int Lines, double RmsNative, TrainingReport Training);

/// <summary>Clones a synthetic template into a line model: prepare, find lines, fit.</summary>
public static partial class Cloner
{
    /// <summary>Prepares the template (unless it is normalized already) and finds its lines, without fitting.</summary>
    public static (Spectrum Target, IReadOnlyList<FoundLine> Lines) FindLines(Spectrum template, CloneOptions o)
    {
        if (template.OrderCount != 1) throw new ArgumentException($"a template to clone has one order; this one has {template.OrderCount} (select one with Select-BlaseSpectrum)");
        var target = o.Normalized ? template.ToUnit(WavelengthUnit.Angstrom) : TemplatePreparation.Prepare(template, o.Teff).Spectrum;
        var order = target.Orders[0];
        var found = LineFinder.Find(order.Wavelength, order.Flux, o.Prominence, o.MinSeparation, order.Mask);
        if (found.Count == 0) throw new BlaseDataException($"no line is deeper than the prominence {o.Prominence}", template.Metadata.SourcePath);
        return (target, found);
    }

    public static LineModel Clone(Spectrum template, CloneOptions o, Action<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        var (target, found) = FindLines(template, o);
        return Fit(template.Name, target, found, o, progress, cancel);
    }

    /// <summary>Fits the lines found in a prepared template (the two results of <see cref="FindLines"/>).</summary>
    public static LineModel Fit(string name, Spectrum target, IReadOnlyList<FoundLine> found, CloneOptions o,
        Action<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        if (o.Training.Checkpoint is not null && o.DiscoveryRounds > 0)
            throw new ArgumentException("-CheckpointPath covers a clone without discovery rounds (each round refits a larger model); leave out -DiscoveryRounds or -CheckpointPath");
        var order = target.Orders[0];
        var wave = order.Wavelength;
        var model = LineFinder.InitialModel(found, wave[0], wave[^1], o.Profile, o.Mode, o.ContinuumDegree);
        model.Tolerance = o.WindowTolerance;
        model.WingCut = o.WingCut;
        model.Name = name;
        model.Provenance.AddRange(target.Provenance);
        model.Provenance.Add($"found {found.Count} lines with prominence >= {o.Prominence}, at least {o.MinSeparation} px apart");

        var weight = order.Mask.Select(m => m ? 1.0 : 0.0).ToArray();
        TrainingReport training;
        using (var kernels = Backend(model, wave, o, note => model.Provenance.Add(note)))
            training = Train(kernels, order.Flux, weight, o.Training, progress, cancel, note => model.Provenance.Add(note));
        model.Provenance.Add($"fitted with {training.Optimizer}: {training.Epochs} iterations, {training.Seconds:F1} s ({training.StopReason})");
        var (discovered, rounds) = Discover(model, order, o, found.Count, progress, cancel);
        model = discovered;
        var objective = new CloneObjective(model, wave, order.Flux, weight, o.Training.Threads);
        var flux = objective.Flux();
        var report = new CloneReport
        {
            Training = training,
            LinesFound = found.Count,
            RmsNative = objective.Rms(flux),
            RmsSmoothed = Smoothing.Rms(wave, flux, order.Flux, order.Mask, o.ResolvingPower),
            ResolvingPower = o.ResolvingPower,
            Template = name,
            Discovery = rounds,
        };
        model.Report = report;
        model.Provenance.Add($"RMS {report.RmsNative:G4} with {model.Count} lines");
        return model;
    }

    /// <summary>
    /// <see cref="CloneOptions.DiscoveryRounds"/> rounds of residual-driven discovery on a fitted model: each adds up to
    /// an equal share of the lines left in the budget (<see cref="CloneOptions.MaxLines"/>, else 1.5 × <paramref
    /// name="linesFound"/>) where target/model shows them missing, and refits every line. Stops early when none is missing.
    /// </summary>
    public static (LineModel Model, List<DiscoveryRound> Rounds) Discover(LineModel model, SpectralOrder order, CloneOptions o, int linesFound,
        Action<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        var rounds = new List<DiscoveryRound>();
        var wave = order.Wavelength;
        var weight = order.Mask.Select(m => m ? 1.0 : 0.0).ToArray();
        int budget = o.MaxLines ?? (int)(1.5 * linesFound);
        for (int r = 1; r <= o.DiscoveryRounds; r++)
        {
            cancel.ThrowIfCancellationRequested();
            int room = (budget - model.Count) / (o.DiscoveryRounds - r + 1);
            var missing = LineDiscovery.Missing(model, wave, model.Evaluate(wave), order.Flux, order.Mask, o.DiscoveryProminence, o.MinSeparation, room);
            if (missing.Count == 0) break;
            var next = LineDiscovery.With(model, missing);
            next.Provenance.Add($"discovery round {r}: added {missing.Count} lines missing from target/model (prominence >= {o.DiscoveryProminence})");
            TrainingReport training;
            using (var kernels = Backend(next, wave, o, note => next.Provenance.Add(note)))
                training = Train(kernels, order.Flux, weight, o.Training, progress, cancel, note => next.Provenance.Add(note));
            next.Provenance.Add($"refitted with {training.Optimizer}: {training.Epochs} iterations, {training.Seconds:F1} s ({training.StopReason})");
            model = next;
            rounds.Add(new DiscoveryRound(r, missing.Count, model.Count, training.Rms, training));
        }
        return (model, rounds);
    }
}

public static partial class Cloner
{
    /// <summary>
    /// Fits the model behind <paramref name="kernels"/> to the target: on a GPU with Levenberg–Marquardt, by the
    /// device-resident loop (<see cref="Compute.GpuTrainer"/>); otherwise by <see cref="Trainer"/>. A GPU that fails
    /// mid-run hands over to the CPU, from the best parameters reached where the loop can say, and the report says so.
    /// </summary>
    public static TrainingReport Train(ILineKernels kernels, double[] target, double[] weight, TrainingOptions o,
        Action<TrainingProgress>? progress, CancellationToken cancel, Action<string> note)
    {
        var model = kernels.Model;
        try
        {
            // The device-resident loop keeps its state on the GPU: with a checkpoint, the host drives the steps instead.
            if (kernels is Compute.GpuLineKernels gpu && o.Optimizer == OptimizerKind.LevenbergMarquardt && o.Checkpoint is null)
            {
                using var trainer = new Compute.GpuTrainer(gpu, target, weight);
                return trainer.Fit(o, progress, cancel);
            }
            var checkpoint = CloneCheckpoint.Open(kernels, target, weight, o);
            if (checkpoint?.Resumed is { } resumed) note($"resumed from the checkpoint {o.Checkpoint!.Path} after {resumed.Iteration} iterations");
            return Trainer.Fit(new CloneObjective(kernels, target, weight, o.Threads), o, progress, cancel, checkpoint);
        }
        catch (Exception e) when (kernels is not LineKernels && e is not OperationCanceledException)
        {
            // Any failure on the device: the CPU twin computes the same function, so a fault of the device goes away there and
            // a fault of the problem comes back as it would have on the CPU.
            var fault = Compute.DeviceFault.Describe(e is TrainingFailedException { InnerException: { } inner } ? inner : e);
            int done = (e as TrainingFailedException)?.Report.Epochs ?? 0;
            note($"the device failed after {done} iterations ({fault}); continued on the CPU from the best parameters reached");
            var rest = Trainer.Fit(new CloneObjective(new LineKernels(model, kernels.Wavelength, o.Threads), target, weight, o.Threads),
                o.WithEpochs(Math.Max(1, o.Epochs - done)), progress, cancel);
            rest.StopReason = $"the device failed after {done} iterations; then on the CPU: {rest.StopReason}";
            rest.DeviceFault = fault;
            rest.Epochs += done;
            return rest;
        }
    }

    /// <summary>
    /// The kernels for a device request: CUDA when asked for (or on Auto when a GPU is present and the profile is a
    /// pseudo-Voigt), else the CPU. Auto falls back to the CPU when the GPU cannot be started; each choice is noted.
    /// </summary>
    public static ILineKernels Backend(LineModel model, double[] wave, CloneOptions o, Action<string> note)
    {
        var device = Compute.DeviceCatalog.Resolve(o.Device, out var why);
        if (why is not null) note(why);
        if (device.Kind == Compute.DeviceKind.Cuda)
        {
            if (model.Profile == ProfileShape.Voigt)
            {
                if (o.Device == Compute.DeviceKind.Cuda) throw new NotSupportedException("the exact Voigt profile runs on the CPU only; use -Device Cpu or a pseudo-Voigt profile");
                note("the exact Voigt profile runs on the CPU backend");
            }
            else
            {
                long bytes = Compute.GpuLineKernels.BytesNeeded(model.Count, wave.Length);
                long allowed = o.DeviceMemoryBytes ?? (long)(device.MemoryBytes * 0.9);
                note($"CUDA backend on {device.Name}: {bytes / 1e6:F1} MB of device memory");
                try
                {
                    if (bytes <= allowed) return new Compute.GpuLineKernels(model, wave, Compute.DeviceKind.Cuda);
                    var chunked = new Compute.ChunkedGpuLineKernels(model, wave, Compute.DeviceKind.Cuda, allowed);
                    note($"the problem needs {bytes / 1e6:F1} MB, more than the {allowed / 1e6:F1} MB allowed on the device: evaluated in {chunked.Chunks} wavelength chunks");
                    return chunked;
                }
                catch (Exception e) when (o.Device == Compute.DeviceKind.Auto && e is not OperationCanceledException)
                {
                    note($"the CUDA backend could not start ({e.Message}); using the CPU");
                }
            }
        }
        return new LineKernels(model, wave, o.Training.Threads);
    }
}

/// <summary>Gaussian smoothing to a resolving power, on any increasing grid.</summary>
public static class Smoothing
{
    /// <summary>Convolves with a Gaussian of FWHM λ/R (truncated at 4σ), per pixel on the pixel's own neighbourhood.</summary>
    public static double[] ToResolvingPower(double[] wave, double[] values, double resolvingPower)
    {
        var result = new double[values.Length];
        Parallel.For(0, values.Length, i =>
        {
            double sigma = wave[i] / (resolvingPower * LineShape.FwhmPerSigma);
            double sum = 0, norm = 0;
            for (int k = i; k >= 0 && wave[i] - wave[k] <= 4 * sigma; k--) { double w = Math.Exp(-0.5 * Math.Pow((wave[k] - wave[i]) / sigma, 2)); sum += w * values[k]; norm += w; }
            for (int k = i + 1; k < values.Length && wave[k] - wave[i] <= 4 * sigma; k++) { double w = Math.Exp(-0.5 * Math.Pow((wave[k] - wave[i]) / sigma, 2)); sum += w * values[k]; norm += w; }
            result[i] = sum / norm;
        });
        return result;
    }

    /// <summary>RMS of model − target after both are smoothed to R, over unmasked pixels with finite values.</summary>
    public static double Rms(double[] wave, double[] model, double[] target, bool[] mask, double resolvingPower)
    {
        var diff = new double[model.Length];
        for (int i = 0; i < diff.Length; i++) diff[i] = mask[i] && double.IsFinite(target[i]) ? model[i] - target[i] : 0;
        var smooth = ToResolvingPower(wave, diff, resolvingPower);
        double sum = 0; long n = 0;
        for (int i = 0; i < smooth.Length; i++) if (mask[i] && double.IsFinite(target[i])) { sum += smooth[i] * smooth[i]; n++; }
        return n == 0 ? double.NaN : Math.Sqrt(sum / n);
    }
}
