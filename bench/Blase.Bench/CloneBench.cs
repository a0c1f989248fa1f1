using System.Diagnostics;
using Blase.Engine.Compute;
using Blase.Engine.Fitting;
using Blase.Engine.IO.Formats;
using Blase.Engine.Lines;
using Blase.Engine.Templates;

/// <summary>
/// Clones a PHOENIX template and prints one JSON line: n_pix, n_lines, epochs, seconds (training), seconds_per_epoch,
/// rms (over pixels more than 60 Å from either end), device, and the training time at which the RMS over all pixels first
/// reached blasé's 0.0149; trial steps per iteration; and for the CPU kernels the best of five forward and five gradient
/// passes at the fitted model with the pair evaluations per second per core they make.
/// </summary>
internal static class CloneBench
{
    public static int Run(Options o)
    {
        string flux = o.Get("flux") ?? throw new ArgumentException("--flux is required");
        var spectrum = SpectrumReader.Read(flux, new SpectrumReadOptions { Format = SpectrumFormat.Phoenix, WavelengthFile = o.Get("wave") })[0];
        if (o.Get("min") is not null || o.Get("max") is not null)
            spectrum = spectrum.Crop(o.Number("min", spectrum.MinWavelength), o.Number("max", spectrum.MaxWavelength));
        var device = (o.Get("device") ?? "cpu") switch
        {
            "cpu" => DeviceKind.Cpu,
            "cuda" => DeviceKind.Cuda,
            "auto" => DeviceKind.Auto,
            var d => throw new ArgumentException($"--device must be cpu, cuda or auto (got '{d}')"),
        };

        var prepSw = Stopwatch.StartNew();
        var template = o.Flags.Contains("normalized") ? spectrum : TemplatePreparation.Prepare(spectrum).Spectrum;
        var wave = template.Wavelength;
        var target = template.Flux;
        var found = LineFinder.Find(wave, target, o.Number("prominence", 0.01));
        var model = LineFinder.InitialModel(found, wave[0], wave[^1]);
        double prepSeconds = prepSw.Elapsed.TotalSeconds;

        var options = new TrainingOptions
        {
            Optimizer = (o.Get("optimizer") ?? "lm") == "adam" ? OptimizerKind.Adam : OptimizerKind.LevenbergMarquardt,
            Epochs = (int)o.Number("epochs", 100),
            Tolerance = o.Number("tolerance", 1e-4),
            LearningRate = o.Number("lr", 0.05),
            Threads = o.Get("threads") is { } t ? int.Parse(t) : null,
        };
        var notes = new List<string>();
        using var kernels = Cloner.Backend(model, wave, new CloneOptions { Device = device, Training = options }, notes.Add);
        var objective = new CloneObjective(model, wave, target, threads: options.Threads); // the final RMS, on the CPU backend
        double lo = wave[0] + 60, hi = wave[^1] - 60;
        double? secondsToBar = null;
        int? epochsToBar = null;
        // Timestamped from the loss (RMS over all pixels, which the edges only raise), so that no check runs inside the loop.
        var report = Cloner.Train(kernels, target, Enumerable.Repeat(1.0, target.Length).ToArray(), options, p =>
        {
            if (secondsToBar is null && p.Rms <= 0.0149) { secondsToBar = p.Elapsed.TotalSeconds; epochsToBar = p.Epoch; }
        }, default, notes.Add);
        var fluxOut = objective.Model.Evaluate(wave);
        // Fidelity mode: residual-driven discovery rounds after the first fit (--discover N), timed with their own refits.
        int discoverRounds = (int)o.Number("discover", 0);
        object? discovery = null;
        if (discoverRounds > 0)
        {
            var cloneOptions = new CloneOptions
            {
                Training = options,
                DiscoveryRounds = discoverRounds,
                DiscoveryProminence = o.Number("discover-prominence", 0.002),
                MaxLines = o.Get("max-lines") is { } ml ? int.Parse(ml) : null,
                Device = device,
            };
            var discoverSw = Stopwatch.StartNew();
            var (final, rounds) = Cloner.Discover(model, template.Orders[0], cloneOptions, found.Count);
            double discoverSeconds = discoverSw.Elapsed.TotalSeconds;
            var finalFlux = final.Evaluate(wave);
            var finalObjective = new CloneObjective(final, wave, target);
            discovery = new
            {
                rounds = rounds.Select(r => new { r.Round, r.LinesAdded, r.Lines, r.Training.Epochs, r.Training.Seconds, r.Training.Trials, r.RmsNative }),
                lines = final.Count,
                rms = finalObjective.Rms(finalFlux, lo, hi),
                rms_smoothed = Smoothing.Rms(wave, finalFlux, target, template.Orders[0].Mask, 55_000),
                seconds_discovery = discoverSeconds,
                seconds_total = report.Seconds + discoverSeconds,
            };
        }
        var rates = kernels is LineKernels cpu ? PairRates(cpu, target, options.Threads ?? Environment.ProcessorCount) : null;
        Json.Emit(new
        {
            bench = "clone",
            n_pix = wave.Length,
            n_lines = model.Count,
            epochs = report.Epochs,
            seconds = report.Seconds,
            seconds_per_epoch = report.Seconds / Math.Max(1, report.Epochs),
            rms = objective.Rms(fluxOut, lo, hi),
            rms_initial = report.InitialRms,
            seconds_to_rms_0_0149 = secondsToBar,
            epochs_to_rms_0_0149 = epochsToBar,
            optimizer = report.Optimizer.ToString(),
            line_pixel_pairs = report.LinePixelPairs,
            prepare_and_find_seconds = prepSeconds,
            normalized_input = o.Flags.Contains("normalized"),
            stop = report.StopReason,
            trials = report.Trials,
            trials_per_iteration = (double)report.Trials / Math.Max(1, report.Epochs),
            threads = options.Threads ?? Environment.ProcessorCount,
            gaussian_pairs = (kernels as LineKernels)?.GaussianPairCount,
            forward_seconds = rates?.Forward,
            gradient_seconds = rates?.Gradient,
            forward_pairs_per_second_per_core = rates is null ? (double?)null : report.LinePixelPairs / rates.Value.Forward / rates.Value.Threads,
            gradient_pairs_per_second_per_core = rates is null ? (double?)null : report.LinePixelPairs / rates.Value.Gradient / rates.Value.Threads,
            forward_pairs_per_cpu_second = report.LinePixelPairs / rates?.ForwardCpu,
            gradient_pairs_per_cpu_second = report.LinePixelPairs / rates?.GradientCpu,
            // The estimate of this CPU's limit for the forward pass: ~850 M pairs per second per core.
            forward_fraction_of_cpu_limit = report.LinePixelPairs / rates?.ForwardCpu / 850e6,
            rms_smoothed_55000 = Smoothing.Rms(wave, fluxOut, target, template.Orders[0].Mask, 55_000),
            discovery,
            device = report.Device,
            notes,
        });
        return 0;
    }

    /// <summary>
    /// The fastest of five forward passes and of five gradient passes (with the 4×4 blocks) at the fitted model, in
    /// seconds: the kernels alone, for pair evaluations per second per core. Also the same passes on one thread timed by
    /// that thread's CPU clock (Linux), which other jobs on a shared machine do not inflate: pairs per CPU-second.
    /// </summary>
    private static (double Forward, double Gradient, int Threads, double? ForwardCpu, double? GradientCpu)? PairRates(LineKernels k, double[] target, int threads)
    {
        k.Refresh();
        var flux = k.FluxOf();
        var q = flux.Select((f, i) => 2 * (f - target[i]) * f).ToArray();
        var h = flux.Select(f => f * f).ToArray();
        var grad = new double[4 * k.Model.Count];
        var blocks = new double[10 * k.Model.Count];
        double forward = double.MaxValue, gradient = double.MaxValue;
        for (int r = 0; r < 5; r++)
        {
            var sw = Stopwatch.StartNew();
            k.LogFlux();
            forward = Math.Min(forward, sw.Elapsed.TotalSeconds);
            sw.Restart();
            k.Gradient(q, h, grad, blocks);
            gradient = Math.Min(gradient, sw.Elapsed.TotalSeconds);
        }
        if (!OperatingSystem.IsLinux()) return (forward, gradient, threads, null, null);
        var single = new LineKernels(k.Model, k.Wavelength, threads: 1);
        double forwardCpu = double.MaxValue, gradientCpu = double.MaxValue;
        for (int r = 0; r < 5; r++)
        {
            double t0 = ThreadCpuSeconds();
            single.LogFlux();
            double t1 = ThreadCpuSeconds();
            single.Gradient(q, h, grad, blocks);
            double t2 = ThreadCpuSeconds();
            forwardCpu = Math.Min(forwardCpu, t1 - t0);
            gradientCpu = Math.Min(gradientCpu, t2 - t1);
        }
        return (forward, gradient, threads, forwardCpu, gradientCpu);
    }

    private struct TimeSpec { public long Seconds, Nanoseconds; }
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    private static double ThreadCpuSeconds() => ClockGetTime(ClockThreadCpuTime, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : double.NaN;
}
