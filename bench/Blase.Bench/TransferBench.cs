using System.Diagnostics;
using Blase.Engine.Fitting;
using Blase.Engine.IO.Formats;
using Blase.Engine.Lines;
using Blase.Engine.Spectra;
using Blase.Engine.Transfer;

/// <summary>
/// Clones a template over the data's range (±15 Å) and transfers it to the data: one JSON line with seconds (the whole fit,
/// clone excluded; min and median over --repeat runs), clone_seconds, iterations, rv, rv_sigma, rv_barycentric, vsini,
/// resolving_power, rms, lines, device; --telluric FILE fits a telluric line model cloned from FILE with the star (--telluric-mask DEPTH: and drops the pixels it absorbs in by more than DEPTH); with --per-order, also one fit per order (order, rv, rv_sigma) and the reduced χ² of
/// the per-order RVs about the joint one.
/// </summary>
internal static class TransferBench
{
    public static int Run(Options o)
    {
        string templatePath = o.Get("template") ?? throw new ArgumentException("--template is required");
        string dataPath = o.Get("data") ?? throw new ArgumentException("--data is required");
        var data = SpectrumReader.Read(dataPath)[0];
        if (o.Get("order") is { } orders) data = data.SelectOrders(orders.Split(',').Select(int.Parse));
        var template = SpectrumReader.Read(templatePath)[0].ToUnit(WavelengthUnit.Angstrom);
        double reach = 15 + data.MaxWavelength * o.Number("rv-reach", 300) / DopplerShift.SpeedOfLightKms;
        template = template.Crop(Math.Max(template.MinWavelength, data.MinWavelength - reach), Math.Min(template.MaxWavelength, data.MaxWavelength + reach));

        var sw = Stopwatch.StartNew();
        var clone = Cloner.Clone(template, new CloneOptions { Teff = o.Get("teff") is { } t ? double.Parse(t) : null, Normalized = o.Flags.Contains("normalized") });
        double cloneSeconds = sw.Elapsed.TotalSeconds;
        // --telluric: a transmission spectrum (e.g. the TelFit HPF template) cloned in log (opacity) mode over the data's
        // range, fitted with the star (its lines free), as the Goldilocks telluric test does.
        LineModel? telluric = null;
        if (o.Get("telluric") is { } tellPath)
        {
            var transmission = SpectrumReader.Read(tellPath)[0].ToUnit(WavelengthUnit.Angstrom);
            telluric = Cloner.Clone(transmission.Crop(Math.Max(transmission.MinWavelength, data.MinWavelength - 2), Math.Min(transmission.MaxWavelength, data.MaxWavelength + 2)),
                new CloneOptions { Normalized = true, Mode = CombinationMode.Log, Prominence = o.Number("telluric-prominence", 0.005) });
        }

        var options = new TransferOptions
        {
            BarycentricCorrectionKms = o.Get("bc") is { } bc ? double.Parse(bc) : null,
            ResolvingPower = o.Number("r", 55_000),
            Optimizer = Enum.Parse<TransferOptimizer>(o.Get("optimizer") ?? "LevenbergMarquardt", ignoreCase: true),
            Threads = o.Get("threads") is { } th ? int.Parse(th) : null,
            RadialVelocity = o.Get("rv") is { } rv ? double.Parse(rv) : null,
        };
        if (o.Get("free") is { } free) options.Free = Enum.Parse<TransferParameters>(free, ignoreCase: true);
        if (o.Get("prior") is { } prior) options.Prior = Enum.Parse<PriorKind>(prior, ignoreCase: true);
        if (o.Get("prior-strength") is { } ps) options.PriorStrength = double.Parse(ps);
        if (o.Get("telluric-mask") is { } tm) options.TelluricMaskDepth = double.Parse(tm);
        if (telluric is not null) options.Free |= TransferParameters.Telluric;
        if (o.Get("max-iterations") is { } mi) options.MaxIterations = int.Parse(mi);
        if (o.Get("tolerance") is { } tol) options.Tolerance = double.Parse(tol);
        options.Device = (o.Get("device") ?? "cpu") switch
        {
            "cpu" => Blase.Engine.Compute.DeviceKind.Cpu,
            "cuda" => Blase.Engine.Compute.DeviceKind.Cuda,
            "auto" => Blase.Engine.Compute.DeviceKind.Auto,
            var d => throw new ArgumentException($"--device must be cpu, cuda or auto (got '{d}')"),
        };
        int repeat = (int)o.Number("repeat", 1);
        var times = new List<double>();
        TransferResult r = null!;
        for (int k = 0; k < repeat; k++)
        {
            sw.Restart();
            r = Transfer.Fit(data, clone, telluric, options, o.Flags.Contains("trace") ? p => Console.Error.WriteLine($"{p.Stage} {p.Iteration} {p.Objective:R} {p.Elapsed.TotalSeconds:F2}") : null);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        object? perOrder = null;
        double? scatterChi2 = null;
        if (o.Flags.Contains("per-order") && data.OrderCount > 1)
        {
            // The orders the joint fit used (those the template covers), each alone, started from the joint RV: one order's own
            // χ² ladder can lock onto a neighbouring minimum where tellurics or template mismatch dominate (seen in HPF orders 7–9).
            var alone = options.Copy();
            alone.RadialVelocity ??= r.RadialVelocity;
            var fits = r.Orders.Select(q => (Number: q.Order, Fit: Transfer.Fit(data.SelectOrders(new[] { q.Order }), clone, telluric, alone))).ToList();
            perOrder = fits.Select(f => new { order = f.Number, rv = f.Fit.RadialVelocity, rv_sigma = f.Fit.RadialVelocityError, rv_sigma_curvature = f.Fit.RadialVelocityErrorCurvature, vsini = f.Fit.Vsini, rms = f.Fit.ResidualRms, reduced_chi2 = f.Fit.ReducedChiSquare, seconds = f.Fit.Seconds }).ToList();
            scatterChi2 = fits.Sum(f => Math.Pow((f.Fit.RadialVelocity - r.RadialVelocity) / f.Fit.RadialVelocityError, 2)) / Math.Max(1, fits.Count - 1);
        }
        Json.Emit(new
        {
            bench = "transfer",
            data = Path.GetFileName(dataPath),
            template = Path.GetFileName(templatePath),
            orders = r.OrderCount,
            seconds = times[0],
            seconds_median = times[times.Count / 2],
            repeat,
            clone_seconds = cloneSeconds,
            iterations = r.Iterations,
            evaluations = r.Evaluations,
            rv = r.RadialVelocity,
            rv_sigma = r.RadialVelocityError,
            rv_sigma_curvature = r.RadialVelocityErrorCurvature,
            error_scale = r.ErrorScale,
            error_method = r.ErrorMethod,
            rv_barycentric = r.BarycentricRadialVelocity,
            barycentric_correction = r.BarycentricCorrection,
            barycentric_source = r.BarycentricCorrectionSource,
            vsini = r.Vsini,
            vsini_sigma = r.VsiniError,
            resolving_power = r.ResolvingPower,
            rms = r.ResidualRms,
            reduced_chi2 = r.ReducedChiSquare,
            lines = r.LinesFitted,
            telluric_lines = telluric?.Count ?? 0,
            lines_changed = r.LinesChanged,
            fine_step_kms = r.FineStepKms,
            fine_points = r.FinePoints,
            line_pixel_pairs = r.LinePixelPairs,
            optimizer = r.Optimizer,
            stop = r.StopReason,
            converged = r.Converged,
            device = r.Device,
            per_order = perOrder,
            per_order_reduced_chi2 = scatterChi2,
        });
        return 0;
    }
}
