using System.Management.Automation;
using Blase.Engine.Compute;
using Blase.Engine.Emulators;
using Blase.Engine.Emulators.Neural;
using Blase.Engine.Emulators.Starfish;
using Blase.Engine.Spectra;

namespace Blase.Cmdlets.Emulators;

/// <summary>
/// <para type="synopsis">Builds a grid emulator: a model that gives a spectrum, with its uncertainty, at any labels inside a grid of synthetic spectra.</para>
/// <para type="description">New-BlaseEmulator reads a Starfish grid library (HDF5, either layout) named by -Path, or the spectra of a PHOENIX
/// library folder inside a box (-Teff, -LogG, -Metallicity, -Alpha ranges) cut to -Wavelength, or collects spectra piped in that carry Teff, logg, [Fe/H] (and alpha) and share one wavelength grid, and builds a PCA + Gaussian-process emulator
/// (Starfish, Czekala et al. 2015): each spectrum is divided by its mean, each pixel centred and scaled, the fewest principal
/// components that explain -ExplainedVariance of the grid are kept (or -Components of them), and each component's weight
/// becomes a squared-exponential Gaussian process over the labels, trained by maximizing the factorized likelihood of Habib et
/// al. (2007) with analytic gradients. With -Kind Neural it trains instead a fully connected network in the layout of The Payne
/// (Ting et al. 2019): labels scaled to [-0.5, 0.5] by the grid's range, two hidden layers of -HiddenUnits (300) with LeakyReLU,
/// one output per pixel; an L1 loss minimized by Adam in mini-batches of -BatchSize, a -ValidationFraction of the spectra held
/// out to keep the best weights and to stop after -Patience epochs without improvement (or at -MaxEpochs). Labels that do not
/// vary over the grid are not dimensions of the emulator. Training shows its progress; Ctrl+C stops it (PowerShell then takes no more output: with
/// -CheckpointPath, which saves a network's training every -CheckpointInterval epochs and resumes it, the best network so far is
/// in the checkpoint, where Import-BlaseModel reads it). Get-BlaseTemplate draws spectra from the result and Invoke-BlaseLabelFit fits it to spectra; Save-BlaseModel
/// writes it (Starfish's emulator layout, or The Payne's .npz for a network).</para>
/// </summary>
/// <example>
/// <code>$e = New-BlaseEmulator -Path ./grids/PHOENIX_IGRINS_m075.hdf5 -ExplainedVariance 0.999; $e</code>
/// <para>Builds an emulator of the IGRINS K-band grid with the components that explain 99.9 % of its variance and shows it.</para>
/// </example>
/// <example>
/// <code>New-BlaseEmulator ./grids/starfish_test_PHOENIX_grid.hdf5 -Components 4 | Save-BlaseModel -Path ./starfish-emulator.hdf5</code>
/// <para>Builds a four-component emulator of the Starfish test grid and saves it in Starfish's emulator layout.</para>
/// </example>
/// <example>
/// <code>Import-BlaseSpectrum ./grids/PHOENIX_IGRINS_m075.hdf5 | Where-Object { $_.Metadata.Metallicity -eq 0 } | New-BlaseEmulator</code>
/// <para>Builds an emulator of the solar-metallicity part of a grid only, from the spectra piped in.</para>
/// </example>
/// <example>
/// <code>New-BlaseEmulator ./grids/PHOENIX_IGRINS_m075.hdf5 -ResolvingPower 45000 -PixelKms 2.2 -Verbose</code>
/// <para>Builds an emulator of the grid as IGRINS sees it: each spectrum convolved with a Gaussian line-spread function of R = 45,000
/// and integrated over 2.2 km/s log-λ pixels before the PCA, so templates drawn from it match the data's resolution.</para>
/// </example>
/// <example>
/// <code>$net = New-BlaseEmulator ./grids/PHOENIX_IGRINS_m075.hdf5 -Kind Neural -MaxEpochs 30 -Verbose; $net.Training</code>
/// <para>Trains a The-Payne-style network on the IGRINS grid and shows how its training went (epochs, best validation loss, time).</para>
/// </example>
/// <example>
/// <code>New-BlaseEmulator ./grids/PHOENIX_IGRINS_m075.hdf5 -Kind Neural -MaxEpochs 30 -CheckpointPath ./igrins.ckpt.npz -CheckpointInterval 10</code>
/// <para>Trains a network with a checkpoint every 10 epochs. After Ctrl+C (or a crash) `Import-BlaseModel ./igrins.ckpt.npz` gives
/// the best network so far, and the same command resumes the training where it stopped.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "BlaseEmulator")]
[OutputType(typeof(PcaGpEmulator), typeof(NeuralEmulator))]
public sealed class NewBlaseEmulatorCommand : CheckpointedCmdlet
{
    private CancellationTokenSource? _cancel;
    private readonly List<Spectrum> _spectra = new();

    /// <summary>Grid files (Starfish HDF5 libraries) or PHOENIX library folders (with -Wavelength and a box in -Teff, -LogG, -Metallicity, -Alpha); wildcards allowed. Each gives one emulator.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path", ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [LiteralFile]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Grid spectra piped in, each with its labels in its metadata and all on one wavelength grid; together they give one emulator.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "Spectra")]
    public Spectrum[] InputObject { get; set; } = Array.Empty<Spectrum>();

    /// <summary>PHOENIX library folder: the Teff range (K) of the spectra to use, minimum and maximum; default all.</summary>
    [Parameter] [ValidateCount(2, 2)] public double[]? Teff { get; set; }

    /// <summary>PHOENIX library folder: the log g range, minimum and maximum; default all.</summary>
    [Parameter] [ValidateCount(2, 2)] public double[]? LogG { get; set; }

    /// <summary>PHOENIX library folder: the [Fe/H] range, minimum and maximum; default all.</summary>
    [Parameter] [ValidateCount(2, 2)] [Alias("FeH")] public double[]? Metallicity { get; set; }

    /// <summary>PHOENIX library folder: the [alpha/Fe] range, minimum and maximum; default all.</summary>
    [Parameter] [ValidateCount(2, 2)] public double[]? Alpha { get; set; }

    /// <summary>PHOENIX library folder: the wavelength range to emulate (Angstrom, vacuum), minimum and maximum; required (a whole PHOENIX spectrum has 1.5 million pixels).</summary>
    [Parameter] [ValidateCount(2, 2)] public double[]? Wavelength { get; set; }

    /// <summary>The kind of emulator: PcaGp (PCA + Gaussian processes, Starfish's method) or Neural (a fully connected network, The Payne's).</summary>
    [Parameter] public EmulatorKind Kind { get; set; } = EmulatorKind.PcaGp;

    /// <summary>Keep the fewest principal components that explain this fraction of the whitened grid's variance (default 0.999).</summary>
    [Parameter] [ValidateRange(1e-6, 1.0)] public double ExplainedVariance { get; set; }

    /// <summary>Keep exactly this many principal components instead (at most one fewer than the grid's spectra).</summary>
    [Parameter] [ValidateRange(1, 100_000)] public int? Components { get; set; }

    /// <summary>Most L-BFGS iterations when training the Gaussian processes' hyperparameters (default 400).</summary>
    [Parameter] [ValidateRange(1, 1_000_000)] public int MaxIterations { get; set; }

    /// <summary>Neural: units in each of the two hidden layers (default 300, The Payne's).</summary>
    [Parameter] [ValidateRange(1, 100_000)] public int HiddenUnits { get; set; }

    /// <summary>Neural: most passes over the training spectra (default 1000).</summary>
    [Parameter] [ValidateRange(1, 10_000_000)] public int MaxEpochs { get; set; }

    /// <summary>Neural: spectra per Adam step (default 128).</summary>
    [Parameter] [ValidateRange(1, 1_000_000)] public int BatchSize { get; set; }

    /// <summary>Neural: Adam's initial step size (default 0.001; halved after 20 epochs without improvement, down to 1/64 of it).</summary>
    [Parameter] [ValidateRange(1e-9, 1.0)] public double LearningRate { get; set; }

    /// <summary>Neural: the fraction of the spectra held out for validation (default 0.1).</summary>
    [Parameter] [ValidateRange(0.0, 0.9)] public double ValidationFraction { get; set; }

    /// <summary>Neural: stop after this many epochs without a better validation loss (default 50).</summary>
    [Parameter] [ValidateRange(1, 1_000_000)] public int Patience { get; set; }

    /// <summary>Neural: where training runs: Auto takes a CUDA GPU when one works (falling back to the CPU, with a verbose message); Cpu or Cuda force one.</summary>
    [Parameter] public DeviceKind Device { get; set; } = DeviceKind.Auto;

    /// <summary>Neural: seed of the initial weights, the validation split and the batches (default 1).</summary>
    [Parameter] public int Seed { get; set; }

    /// <summary>Convolve every grid spectrum with a Gaussian line-spread function of this resolving power and integrate it over
    /// common log-λ pixels (-PixelKms) before training, as an instrument would see it (default: the grid as it is). The ends lose
    /// the line-spread function's reach.</summary>
    [Parameter] [ValidateRange(100, 10_000_000)] public double? ResolvingPower { get; set; }

    /// <summary>With -ResolvingPower: the width of the common log-λ pixels in km/s (default: a third of the line-spread function's FWHM).</summary>
    [Parameter] [ValidateRange(1e-4, 1e5)] public double? PixelKms { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == "Spectra")
        {
            _spectra.AddRange(InputObject);
            return;
        }
        foreach (var path in ResolvePaths(Path, false))
        {
            try
            {
                WriteVerbose($"reading the grid {path}");
                Build(Directory.Exists(path) ? Library(path) : EmulatorGrid.Read(path), path);
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                WriteError(ErrorFor(e, path));
            }
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName != "Spectra") return;
        try
        {
            Build(EmulatorGrid.FromSpectra(_spectra), $"{_spectra.Count} spectra");
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteError(ErrorFor(e, _spectra));
        }
    }

    private void Build(EmulatorGrid grid, string source)
    {
        if (ResolvingPower is double r)
        {
            grid = GridObservation.Observe(grid, r, PixelKms);
            WriteVerbose($"{source}: convolved to R = {r:G6} and integrated over {grid.PixelCount} log-λ pixels of {Math.Log(grid.Wavelength[1] / grid.Wavelength[0]) * Engine.Transfer.DopplerShift.SpeedOfLightKms:G4} km/s ({grid.Wavelength[0]:F2}–{grid.Wavelength[^1]:F2} Å)");
        }
        else if (PixelKms is not null) throw new ArgumentException("-PixelKms needs -ResolvingPower (the pixels are those of the convolved grid)");
        BuildFrom(grid, source);
    }

    private void BuildFrom(EmulatorGrid grid, string source) => Train(grid, source, (progress, cancel) =>
    {
        if (Kind == EmulatorKind.Neural) return Network(grid, source, progress, cancel);
        if (CheckpointPath is not null) throw new ArgumentException("-CheckpointPath covers the network's training (-Kind Neural); the PCA + GP training takes seconds and is not checkpointed");
        // The defaults live in PcaGpOptions; only what the user bound is copied.
        var options = new PcaGpOptions { Components = Components };
        if (MyInvocation.BoundParameters.ContainsKey(nameof(ExplainedVariance))) options.ExplainedVariance = ExplainedVariance;
        if (MyInvocation.BoundParameters.ContainsKey(nameof(MaxIterations))) options.MaxIterations = MaxIterations;
        var emulator = PcaGpEmulator.Train(grid, options, (iteration, loss) =>
        {
            progress.StatusDescription = $"iteration {iteration}/{options.MaxIterations}, -ln L per weight {loss:G6}";
            progress.PercentComplete = Math.Min(99, 100 * iteration / options.MaxIterations);
            WriteProgress(progress);
        }, cancel);
        var t = emulator.Training!;
        WriteVerbose($"{source}: {emulator.ComponentCount} components ({100 * t.ExplainedVariance:F3} % of the variance), trained in " +
                     $"{t.Iterations} iterations, {t.Elapsed.TotalSeconds:F2} s ({t.ExitCondition}); ln L = {t.LogLikelihood:G8}, lambda_xi = {emulator.LambdaXi:G4}");
        if (t.ExitCondition == "Cancelled") WriteWarning($"{source}: training was stopped; the emulator has the best hyperparameters found so far");
        return emulator;
    });

    /// <summary>What every kind's training shares: a progress record, a cancellation StopProcessing can trigger, the result down the pipeline.</summary>
    private void Train(EmulatorGrid grid, string source, Func<ProgressRecord, CancellationToken, object> train)
    {
        _cancel = new CancellationTokenSource();
        var progress = new ProgressRecord(3, $"New-BlaseEmulator {System.IO.Path.GetFileName(source)}",
            $"{grid.Count} spectra x {grid.PixelCount} px, labels {string.Join(", ", grid.LabelNames)}");
        WriteProgress(progress);
        try
        {
            WriteObject(train(progress, _cancel.Token));
        }
        finally
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            _cancel.Dispose();
            _cancel = null;
        }
    }

    /// <summary>The spectra of a PHOENIX library folder inside the box, cut to -Wavelength.</summary>
    private EmulatorGrid Library(string folder)
    {
        if (Wavelength is null)
            throw new ArgumentException($"{folder} is a folder: give -Wavelength min, max to build an emulator from a PHOENIX library (and -Teff, -LogG, -Metallicity ranges to choose its spectra)");
        static (double, double)? Range(double[]? r) => r is null ? null : (Math.Min(r[0], r[1]), Math.Max(r[0], r[1]));
        var box = new LabelBox { Teff = Range(Teff), LogG = Range(LogG), Metallicity = Range(Metallicity), Alpha = Range(Alpha) };
        var progress = new ProgressRecord(2, $"New-BlaseEmulator {folder}", "reading the PHOENIX library");
        var grid = PhoenixLibraryGrid.Read(folder, box, Math.Min(Wavelength[0], Wavelength[1]), Math.Max(Wavelength[0], Wavelength[1]), (done, all) =>
        {
            progress.StatusDescription = $"reading spectrum {done + 1} of {all}";
            progress.PercentComplete = 100 * done / all;
            WriteProgress(progress);
        });
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
        WriteVerbose($"{folder}: {grid.Count} PHOENIX spectra x {grid.PixelCount} px, labels {string.Join(", ", grid.LabelNames)}");
        return grid;
    }

    /// <summary>The defaults live in NeuralTrainingOptions; only what the user bound is copied.</summary>
    private NeuralTrainingOptions NetworkOptions()
    {
        // The device policy is the cmdlets': Auto.
        var o = new NeuralTrainingOptions { Device = Device };
        var bound = MyInvocation.BoundParameters;
        if (bound.ContainsKey(nameof(HiddenUnits))) o = o with { HiddenUnits = HiddenUnits };
        if (bound.ContainsKey(nameof(MaxEpochs))) o = o with { MaxEpochs = MaxEpochs };
        if (bound.ContainsKey(nameof(BatchSize))) o = o with { BatchSize = BatchSize };
        if (bound.ContainsKey(nameof(LearningRate))) o = o with { LearningRate = LearningRate };
        if (bound.ContainsKey(nameof(ValidationFraction))) o = o with { ValidationFraction = ValidationFraction };
        if (bound.ContainsKey(nameof(Patience))) o = o with { Patience = Patience };
        if (bound.ContainsKey(nameof(Seed))) o = o with { Seed = Seed };
        return o with { Checkpoint = Checkpoint() };
    }

    private NeuralEmulator Network(EmulatorGrid grid, string source, ProgressRecord progress, CancellationToken cancel)
    {
        var network = NeuralTrainer.Train(grid.LabelNames, grid.Labels, grid.Fluxes, grid.Wavelength, NetworkOptions(), p =>
        {
            double eta = p.Elapsed.TotalSeconds / p.Epoch * (p.MaxEpochs - p.Epoch);
            progress.StatusDescription = $"epoch {p.Epoch}/{p.MaxEpochs}: L1 {p.TrainingLoss:G4}, validation {p.ValidationLoss:G4} (best {p.BestValidationLoss:G4}), step {p.LearningRate:G3}";
            progress.PercentComplete = Math.Min(99, 100 * p.Epoch / p.MaxEpochs);
            progress.SecondsRemaining = (int)Math.Min(int.MaxValue, eta);
            WriteProgress(progress);
        }, cancel, grid.Medium, log: WriteVerbose);
        var t = network.Training!;
        WriteVerbose($"{source}: {t.Epochs} epochs ({t.Steps} steps) on {t.Device} in {t.Elapsed.TotalSeconds:F1} s ({t.ExitCondition}); best validation L1 {t.ValidationLoss:G4} at epoch {t.BestEpoch}");
        if (t.DeviceFault is { } fault) WriteWarning($"{source}: the GPU failed mid-training ({fault}); training carried on and finished on the CPU");
        if (t.NonFiniteEpochs > 0) WriteWarning($"{source}: {t.NonFiniteEpochs} epochs gave a non-finite loss and were taken back to the best network with a halved learning rate; consider a smaller -LearningRate");
        if (t.ExitCondition == "Cancelled") WriteWarning($"{source}: training was stopped; the network has the best weights found so far (epoch {t.BestEpoch})");
        return network;
    }

    protected override void StopProcessing() => _cancel?.Cancel();
}
