using System.Diagnostics;
using Blase.Engine.Lines;
using Blase.Engine.Spectra;

namespace Blase.Engine.Transfer;

/// <summary>
/// Fits a cloned line model to an observed spectrum (blasé's transfer): RV, v sin i, R, a continuum per order and every
/// line's properties at once, with a prior pulling each line toward its cloned value. All orders are fitted jointly with
/// shared RV, v sin i and lines. Stages: a χ² ladder in RV (unless a start is given); RV, R and the continua with the lines
/// frozen; then everything free; then uncertainties: with Levenberg–Marquardt, the sandwich (robust) estimate of
/// <see cref="GaussNewtonFit.BulkErrors"/>; with the other optimizers, the curvature (<see cref="Curvature"/>) scaled by √(χ²/ν).
/// </summary>
public static class Transfer
{
    public static TransferResult Fit(Spectrum spectrum, LineModel template, LineModel? telluric, TransferOptions o,
        Action<TransferProgress>? progress = null, CancellationToken cancel = default, Action<string>? note = null)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        ArgumentNullException.ThrowIfNull(template);
        if (template.Count == 0 && (telluric is null || telluric.Count == 0)) throw new ArgumentException("the line model has no lines");
        if (o.Checkpoint is not null && o.Optimizer != TransferOptimizer.LevenbergMarquardt)
            throw new ArgumentException($"-CheckpointPath covers the Levenberg–Marquardt transfer (the default optimizer), not {o.Optimizer}");
        if (!(o.ResolvingPower > 0)) throw new ArgumentOutOfRangeException(nameof(o), $"the resolving power must be positive (got {o.ResolvingPower})");
        if (o.TelluricMaskDepth is double maskDepth)
        {
            if (telluric is null) throw new ArgumentException("a telluric mask needs a telluric line model to say where the tellurics absorb");
            if (!(maskDepth > 0 && maskDepth < 1)) throw new ArgumentOutOfRangeException(nameof(o), $"the telluric mask depth must lie between 0 and 1 (got {maskDepth})");
        }
        var sw = Stopwatch.StartNew();
        var notes = new List<string>();
        void Note(string s) { notes.Add(s); note?.Invoke(s); }

        if (template.Count == 0)
        {
            // A star without lines (a hot standard, or tellurics alone): nothing moves with the star.
            o = o.Copy();
            o.Free &= ~(TransferParameters.RadialVelocity | TransferParameters.Vsini | TransferParameters.Lines | TransferParameters.Centers);
            o.RadialVelocity ??= 0;
            Note("the star model has no lines: RV and v sin i are not fitted");
        }
        var data = spectrum.ToUnit(WavelengthUnit.Angstrom);
        if (data.Medium == WavelengthMedium.Air) { data = data.ToVacuum(); Note("converted the data's air wavelengths to vacuum (line models are in vacuum)"); }
        var covering = template.Count > 0 ? template : telluric!;
        double tMin = covering.Center.Min(), tMax = covering.Center.Max();
        double reach = o.RadialVelocity is null ? o.RadialVelocitySearchKms : 50;
        double dMax = DopplerShift.Factor((o.RadialVelocity ?? 0) + reach), dMin = DopplerShift.Factor((o.RadialVelocity ?? 0) - reach);
        // Pixels the template's lines cannot reach at every RV in range would be fitted by the continuum alone: crop them.
        double lo = tMin * dMax, hi = tMax * dMin;
        var orders = CropOrders(data.Orders, lo, hi, $"the template's lines ({tMin:F1}–{tMax:F1} Å) cover", o, Note);
        if (orders.Count == 0)
            throw new BlaseDataException($"no order of {data.Name} ({data.MinWavelength:F1}–{data.MaxWavelength:F1} Å) has good pixels the template's lines ({tMin:F1}–{tMax:F1} Å) reach", spectrum.Metadata.SourcePath);

        var star0 = template;
        var star = template.Clone();
        star.WingCut = null;
        var tell0 = telluric;
        var tell = telluric?.Clone();
        if (tell is not null) tell.WingCut = null;
        IEnumerable<int> InRange(LineModel m, double d0, double d1) => Enumerable.Range(0, m.Count).Where(j =>
            orders.Any(q => m.Center[j] * d0 >= q.MinWavelength - 5 && m.Center[j] * d1 <= q.MaxWavelength + 5));
        double stepKms = o.FineStepKms ?? Math.Min(FineGrid.ChooseStep(star, InRange(star, dMax, dMin), o.ResolvingPower),
            tell is null ? double.PositiveInfinity : FineGrid.ChooseStep(tell, InRange(tell, 1, 1), o.ResolvingPower));
        if (o.TelluricMaskDepth is double depth) orders = MaskTellurics(orders, tell!, depth, o, stepKms, Note);
        if (tell is not null && o.Free.HasFlag(TransferParameters.Telluric) && Enumerable.Range(0, tell.Count).Count(j => TransferObjective.HoldsTelluric(tell, j, o)) is > 0 and int held)
            Note($"telluric lines wider than {o.TelluricMaxFreeFwhm:G3} resolution elements (pseudo-lines of the transmission's broad depressions) stay as cloned: {held} of {tell.Count}");
        var bulk = new BulkParameters { RadialVelocity = o.RadialVelocity ?? 0, VsiniParameter = o.Vsini, LnResolvingPower = Math.Log(o.ResolvingPower) };
        var weights = orders.Select(Weights).ToArray();
        if (orders.Any(q => q.Uncertainty is null)) Note("orders without uncertainties are weighted equally; errors are scaled by the residuals");

        if (o.RadialVelocity is null)
        {
            bulk.RadialVelocity = RadialVelocitySearch.Find(orders, weights, star, o, stepKms, cancel);
            Note($"RV search over ±{o.RadialVelocitySearchKms:F0} km/s: start at {bulk.RadialVelocity:F2} km/s");
        }
        const double reachKms = 30; // the lines per order are chosen for this much RV from the start, and the fit kept within it
        bulk.RadialVelocityStart = bulk.RadialVelocity;
        bulk.RadialVelocityReach = reachKms;
        (orders, weights) = DropTemplateEnds(orders, weights, template, bulk.RadialVelocity + reachKms, bulk.RadialVelocity - reachKms, o, Note);
        var models = BuildOnDevice(orders, weights, star, tell, bulk, o, stepKms, Note);
        try
        {
            int iterations = 0, evaluations = 0;
            string stop;
            void Report(string stage, int it, double f) => progress?.Invoke(new TransferProgress(stage, it, o.MaxIterations, f, sw.Elapsed));

            // Stage 1: bulk parameters with the lines frozen, from the continuum solved at the start. v sin i waits for stage 2:
            // with the template's lines frozen it would broaden them wherever the star's are wider (Barnard's star, HPF order 7:
            // 14 km/s, and a joint fit from there stayed in that basin at χ²/ν 110, against 56 when it waits).
            var bulkFree = o.Free & (TransferParameters.RadialVelocity | TransferParameters.Resolution | TransferParameters.Continuum);
            foreach (var m in models) m.Evaluate(bulk, solveContinuum: true, tellChanged: true);
            var stage1 = new TransferObjective(models.ToArray(), star, star0, tell, tell0, bulk, bulkFree, o, o.PriorStrength);
            // A handful of parameters with the continuum profiled: L-BFGS needs no Jacobian of every line here.
            var r1 = Fitting.Lbfgs.Minimize((z, g) => stage1.Value(z, g), stage1.Current(),
                new Fitting.LbfgsOptions { MaxIterations = o.MaxIterations, FunctionTolerance = 1e-9, Patience = 5, ReturnOnCancel = true }, (it, f) => Report("bulk parameters", it, f), cancel);
            stage1.Apply(r1.X);
            iterations += r1.Iterations; evaluations += stage1.Evaluations;

            // Stage 2: everything free.
            double alpha = o.PriorStrength;
            string chosenBy = "given";
            if (o.CrossValidate && (o.Free & (TransferParameters.Lines | TransferParameters.Centers | TransferParameters.Telluric)) != 0)
            {
                (alpha, var cvNote) = CrossValidation.Choose(models.ToArray(), star, star0, tell, tell0, bulk, o, cancel, (it, f) => Report("cross-validation", it, f));
                chosenBy = cvNote;
                Note($"prior strength {alpha:G3} chosen by {cvNote}");
            }
            var obj = new TransferObjective(models.ToArray(), star, star0, tell, tell0, bulk, o.Free, o, alpha);
            double lsfReach = 7 * DopplerShift.SpeedOfLightKms / (LineShape.FwhmPerSigma * bulk.ResolvingPower);
            (double, double) ReachOf(int line)
            {
                var m = line < star.Count ? star : tell!;
                int j = line < star.Count ? line : line - star.Count;
                double c = m.Center[j] * (line < star.Count ? DopplerShift.Factor(bulk.RadialVelocity) : 1);
                // The core (where a·V > 1e-3) through rotation, LSF and a pixel: far wings couple lines too weakly to matter here.
                double hw = m.Shape(j).HalfWidth(Math.Exp(m.LnAmplitude[j]), 1e-3) + c * (lsfReach + bulk.Vsini) / DopplerShift.SpeedOfLightKms + 0.1;
                return (c - hw, c + hw);
            }
            Fitting.MinimizationResult r2;
            double[] errs;
            int[] present;
            BulkUncertainty? robust = null;
            if (o.Optimizer == TransferOptimizer.LevenbergMarquardt)
            {
                var gn = new GaussNewtonFit(obj);
                r2 = gn.Minimize(o, (it, f) => Report("all parameters", it, f), cancel, o.Checkpoint);
                robust = gn.BulkErrors();
                present = robust.Coordinates;
                errs = robust.Curvature;
            }
            else
            {
                var z0 = obj.Current();
                var pre = Curvature.Measure(obj, z0, ReachOf, cancel);
                r2 = Minimize(obj, z0, o, (it, f) => Report("all parameters", it, f), cancel, pre.Precondition);
                obj.Apply(r2.X);
                obj.Value(r2.X, null);
                // Uncertainties of the bulk parameters: the curvature at the optimum, lines profiled.
                var curvature = Curvature.Measure(obj, obj.Current(), ReachOf, cancel);
                errs = curvature.BulkErrors();
                present = curvature.BulkCoordinates.ToArray();
            }
            iterations += r2.Iterations;
            stop = r2.StopReason;
            evaluations += obj.Evaluations;
            double chi2 = obj.LastChiSquare;
            int good = orders.Sum(q => q.GoodPixelCount);
            int dof = good - present.Length - (o.Free.HasFlag(TransferParameters.Continuum) ? models.Count * (o.ContinuumDegree + 1) : 0);
            double scale = dof > 0 ? Math.Max(1, Math.Sqrt(chi2 / dof)) : 1;
            double Err(TransferParameters p)
            {
                int k = Array.IndexOf(present, obj.IndexOf(p));
                if (k < 0) return double.NaN;
                // The larger of the two: on white noise the sandwich runs a little low (the free lines absorb part of the
                // noise, which the residuals then lack), and where the template does not match it is the honest one.
                return robust is { } r && double.IsFinite(r.Sandwich[k]) ? Math.Max(r.Sandwich[k], errs[k] * scale) : errs[k] * scale;
            }
            double CurvatureErr(TransferParameters p)
            {
                int k = Array.IndexOf(present, obj.IndexOf(p));
                return k < 0 ? double.NaN : errs[k];
            }

            // Results: per order, the model spectrum, the frame.
            var orderResults = new List<OrderResult>();
            var modelOrders = new List<SpectralOrder>();
            double sumSq = 0, sumNoise = 0; long nRes = 0;
            for (int q = 0; q < models.Count; q++)
            {
                var m = models[q];
                double oc = 0, os = 0, noise = 0; int on = 0;
                for (int i = 0; i < m.Model.Length; i++)
                {
                    if (m.Weight[i] <= 0) continue;
                    double r = m.Model[i] - m.Order.Flux[i];
                    oc += m.Weight[i] * r * r;
                    double c = m.Continuum.At(i);
                    double rn = r / c;
                    os += rn * rn; on++;
                    if (m.Order.Uncertainty is { } u) noise += u[i] * u[i] / (c * c);
                }
                sumSq += os; nRes += on; sumNoise += noise;
                int odof = on - (o.Free.HasFlag(TransferParameters.Continuum) ? o.ContinuumDegree + 1 : 0);
                orderResults.Add(new OrderResult(m.Order.Number, on, m.StarLineCount, oc, odof > 0 ? oc / odof : double.NaN,
                    on > 0 ? Math.Sqrt(os / on) : double.NaN, m.Order.Uncertainty is null || on == 0 ? double.NaN : Math.Sqrt(noise / on), m.Order.MinWavelength, m.Order.MaxWavelength, (double[])m.Continuum.Coefficients.Clone()));
                modelOrders.Add(new SpectralOrder(m.Order.Number, m.Order.Wavelength, (double[])m.Model.Clone()));
            }
            var (bc, bcApplied, bcSource) = Barycentric(spectrum, o);
            var fitted = obj.Lines.ToHashSet();
            int changed = fitted.Count(j =>
                Math.Abs(star.Center[j] - star0.Center[j]) > o.CenterScaleAngstrom || Math.Abs(star.LnAmplitude[j] - star0.LnAmplitude[j]) > o.LnAmplitudeScale ||
                Math.Abs(star.LnSigma[j] - star0.LnSigma[j]) > o.LnSigmaScale || Math.Abs(star.LnGamma[j] - star0.LnGamma[j]) > o.LnGammaScale);
            star.Report = null;
            star.Provenance.Add($"transferred to {spectrum.Name}: RV {bulk.RadialVelocity:F3} km/s, v sin i {bulk.Vsini:F2} km/s, R {bulk.ResolvingPower:F0}, free {o.Free}");
            var modelSpectrum = new Spectrum(modelOrders, WavelengthUnit.Angstrom, WavelengthMedium.Vacuum, spectrum.Metadata.Clone(),
                new[] { $"model of {spectrum.Name} by the transfer of {template.Name ?? "a line model"}" });
            modelSpectrum.Metadata.Object = $"model of {spectrum.Name}";
            return new TransferResult
            {
                Spectrum = spectrum.Name,
                Template = template.Name ?? "line model",
                RadialVelocity = bulk.RadialVelocity,
                RadialVelocityError = Err(TransferParameters.RadialVelocity),
                Vsini = bulk.Vsini,
                VsiniError = Err(TransferParameters.Vsini),
                ResolvingPower = bulk.ResolvingPower,
                ResolvingPowerError = Err(TransferParameters.Resolution) * bulk.ResolvingPower,
                BarycentricCorrection = bc,
                BarycentricCorrectionApplied = bcApplied,
                BarycentricCorrectionSource = bcSource,
                BarycentricRadialVelocity = bcApplied ? DopplerShift.Add(bulk.RadialVelocity, bc) : bulk.RadialVelocity,
                ResidualRms = nRes > 0 ? Math.Sqrt(sumSq / nRes) : double.NaN,
                NoiseRms = nRes > 0 && orders.All(q => q.Uncertainty is not null) ? Math.Sqrt(sumNoise / nRes) : double.NaN,
                ChiSquare = chi2,
                DegreesOfFreedom = dof,
                ErrorScale = robust is null ? scale : Err(TransferParameters.RadialVelocity) / CurvatureErr(TransferParameters.RadialVelocity),
                ErrorMethod = robust is null ? "curvature × √(χ²/ν)" : $"max(sandwich ({robust.Block}-px blocks), curvature × √(χ²/ν))",
                RadialVelocityErrorCurvature = CurvatureErr(TransferParameters.RadialVelocity),
                PriorStrength = alpha,
                PriorStrengthChosenBy = chosenBy,
                LinesFitted = fitted.Count,
                LinesChanged = changed,
                Orders = orderResults,
                Model = star,
                TemplateModel = star0,
                Telluric = tell,
                ModelSpectrum = modelSpectrum,
                Free = o.Free,
                TelluricMaskDepth = o.TelluricMaskDepth,
                Optimizer = o.Optimizer.ToString(),
                Iterations = iterations,
                Evaluations = evaluations,
                Seconds = sw.Elapsed.TotalSeconds,
                StopReason = stop,
                Converged = r2.Iterations < o.MaxIterations && !r2.Cancelled,
                StoppedOnRequest = r2.Cancelled,
                Device = models[0].Device,
                DeviceFault = models.Select(m => m.DeviceFault).FirstOrDefault(f => f is not null),
                FineStepKms = stepKms,
                FinePoints = models.Sum(m => (long)m.Grid.Count),
                LinePixelPairs = models.Sum(m => m.LinePixelPairs),
                Notes = notes,
                Fitted = fitted,
            };
        }
        finally { foreach (var m in models) m.Dispose(); }
    }

    internal static Fitting.MinimizationResult Minimize(TransferObjective obj, double[] z0, TransferOptions o, Action<int, double> progress,
        CancellationToken cancel, Action<double[]>? precondition = null) =>
        o.Optimizer switch
        {
            TransferOptimizer.Adam => Adam(obj, z0, o, progress, cancel),
            TransferOptimizer.LevenbergMarquardt => new GaussNewtonFit(obj).Minimize(o, progress, cancel),
            _ => Fitting.Lbfgs.Minimize((z, g) => obj.Value(z, g), z0,
                new Fitting.LbfgsOptions { MaxIterations = o.MaxIterations, FunctionTolerance = o.Tolerance, Patience = o.Patience, Memory = 12, ReturnOnCancel = true }, progress, cancel, precondition),
        };

    // Adam on the whitened coordinates (Kingma & Ba 2015), kept for comparison with blasé; L-BFGS is the default.
    private static Fitting.MinimizationResult Adam(TransferObjective obj, double[] z0, TransferOptions o, Action<int, double> progress, CancellationToken cancel)
    {
        const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        int n = z0.Length;
        var z = (double[])z0.Clone(); var g = new double[n]; var m = new double[n]; var v = new double[n];
        var best = (double[])z.Clone();
        double bestF = double.PositiveInfinity;
        var history = new List<double>();
        string reason = "reached the iteration limit";
        int it;
        for (it = 1; it <= o.MaxIterations; it++)
        {
            cancel.ThrowIfCancellationRequested();
            double f = obj.Value(z, g);
            if (f < bestF) { bestF = f; best = (double[])z.Clone(); }
            history.Add(f);
            progress(it, f);
            if (history.Count > o.Patience && history[^(o.Patience + 1)] - bestF <= o.Tolerance * Math.Abs(history[^(o.Patience + 1)]))
            { reason = $"the objective changed by less than {o.Tolerance:G2} over {o.Patience} epochs"; break; }
            double c1 = 1 - Math.Pow(b1, it), c2 = 1 - Math.Pow(b2, it);
            for (int k = 0; k < n; k++)
            {
                m[k] = b1 * m[k] + (1 - b1) * g[k];
                v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k];
                z[k] -= o.AdamLearningRate * (m[k] / c1) / (Math.Sqrt(v[k] / c2) + eps);
            }
        }
        return new Fitting.MinimizationResult(best, bestF, Math.Min(it, o.MaxIterations), obj.Evaluations, reason);
    }

    internal static List<OrderModel> Build(IReadOnlyList<SpectralOrder> orders, double[][] weights, LineModel star, LineModel? tell,
        BulkParameters bulk, TransferOptions o, double stepKms, double rvReachKms, Compute.DeviceKind? device = null, Action<string>? note = null,
        Compute.DeviceMemoryBudget? budget = null)
    {
        var list = new List<OrderModel>();
        try
        {
            for (int q = 0; q < orders.Count; q++) list.Add(new OrderModel(orders[q], weights[q], star, tell, bulk, o, stepKms, rvReachKms, device, note, budget));
            return list;
        }
        catch { foreach (var m in list) m.Dispose(); throw; }
    }

    /// <summary>
    /// The order models on the device asked for: Auto takes a CUDA GPU when one works (pseudo-Voigt profiles) and falls back to
    /// the CPU, saying why; Cuda insists. The forward model and its adjoint run there; the Gauss–Newton Jacobian on the CPU.
    /// </summary>
    private static List<OrderModel> BuildOnDevice(IReadOnlyList<SpectralOrder> orders, double[][] weights, LineModel star, LineModel? tell,
        BulkParameters bulk, TransferOptions o, double stepKms, Action<string> note)
    {
        Compute.DeviceKind? device = o.SimulateDevice ? Compute.DeviceKind.Cpu : null;
        long memory = o.DeviceMemoryBytes ?? long.MaxValue;
        if (!o.SimulateDevice && o.Device != Compute.DeviceKind.Cpu)
        {
            var found = Compute.DeviceCatalog.Resolve(o.Device, out var why);
            if (why is not null) note(why);
            if (found.Kind == Compute.DeviceKind.Cuda && star.Profile != ProfileShape.Voigt) device = Compute.DeviceKind.Cuda;
            else if (o.Device == Compute.DeviceKind.Cuda) throw new NotSupportedException("the exact Voigt profile runs on the CPU only; use -Device Cpu or a pseudo-Voigt model");
            memory = o.DeviceMemoryBytes ?? (long)(found.MemoryBytes * 0.9);
        }
        try { return Build(orders, weights, star, tell, bulk, o, stepKms, bulk.RadialVelocityReach, device, note, new Compute.DeviceMemoryBudget(memory)); }
        catch (Exception e) when (device == Compute.DeviceKind.Cuda && o.Device == Compute.DeviceKind.Auto && e is not OperationCanceledException)
        {
            note($"the CUDA backend could not start ({e.Message}); using the CPU");
            return Build(orders, weights, star, tell, bulk, o, stepKms, bulk.RadialVelocityReach);
        }
    }

    /// <summary>
    /// A clone knows the template's range (its continuum's). Beyond it the template had lines the model lacks, and they reach
    /// into the data through the kernels: the rotation (up to <see cref="TransferOptions.VsiniMax"/>, the reach the fine grid is
    /// built for) and the LSF (7σ, where <see cref="InstrumentProfile"/> cuts it). Pixels that close to the template's ends, at
    /// any RV the fit may reach, are dropped: the real extent of the kernels, not a fixed buffer (DESIGN §3).
    /// </summary>
    private static (List<SpectralOrder>, double[][]) DropTemplateEnds(List<SpectralOrder> orders, double[][] weights, LineModel template,
        double rvHighKms, double rvLowKms, TransferOptions o, Action<string> note)
    {
        if (template.Count == 0 || !(template.ContinuumMin > 0) || !(template.ContinuumMax > template.ContinuumMin)) return (orders, weights);
        double kernelKms = o.VsiniMax + 7 * DopplerShift.SpeedOfLightKms / (LineShape.FwhmPerSigma * o.ResolvingPower / (1 + Math.Abs(o.ResolvingPowerSlope)));
        double lo = template.ContinuumMin * DopplerShift.Factor(rvHighKms + kernelKms);
        double hi = template.ContinuumMax * DopplerShift.Factor(rvLowKms - kernelKms);
        if (orders.All(q => q.MinWavelength >= lo && q.MaxWavelength <= hi)) return (orders, weights);
        var kept = CropOrders(orders, lo, hi, $"the template ({template.ContinuumMin:F1}–{template.ContinuumMax:F1} Å) covers beyond the kernels' reach ({kernelKms:F0} km/s) from its ends", o, note);
        if (kept.Count == 0)
            throw new BlaseDataException($"every order lies within the kernels' reach ({kernelKms:F0} km/s) of the template's ends ({template.ContinuumMin:F1}–{template.ContinuumMax:F1} Å): use a template wider than the data");
        return (kept, kept.Select(Weights).ToArray());
    }

    /// <summary>The orders cropped to [lo, hi] (Å), each crop or skip noted with the reason; orders left with too few good
    /// pixels for the continuum are skipped.</summary>
    private static List<SpectralOrder> CropOrders(IEnumerable<SpectralOrder> orders, double lo, double hi, string covered, TransferOptions o, Action<string> note)
    {
        var kept = new List<SpectralOrder>();
        foreach (var whole in orders)
        {
            var ord = whole;
            if (ord.MinWavelength < lo || ord.MaxWavelength > hi)
            {
                var cropped = ord.Crop(lo, hi);
                if (cropped is null) { note($"order {ord.Number}: skipped, none of it is the part {covered}"); continue; }
                note($"order {ord.Number}: kept {cropped.MinWavelength:F1}–{cropped.MaxWavelength:F1} Å of {ord.MinWavelength:F1}–{ord.MaxWavelength:F1} Å, the part {covered}");
                ord = cropped;
            }
            if (ord.GoodPixelCount < o.ContinuumDegree + 4) { note($"order {ord.Number}: skipped, {ord.GoodPixelCount} good pixels"); continue; }
            kept.Add(ord);
        }
        return kept;
    }

    /// <summary>The orders without the pixels the telluric model absorbs in by more than <paramref name="depth"/>
    /// (<see cref="TelluricMask"/>), each noted; orders left with too few good pixels for the continuum are skipped.</summary>
    private static List<SpectralOrder> MaskTellurics(List<SpectralOrder> orders, LineModel telluric, double depth, TransferOptions o, double stepKms, Action<string> note)
    {
        var kept = new List<SpectralOrder>();
        foreach (var order in orders)
        {
            var masked = TelluricMask.Apply(order, telluric, depth, o.ResolvingPower, stepKms, out int dropped);
            note($"order {order.Number}: masked {dropped} of {order.GoodPixelCount} pixels where the tellurics absorb more than {depth:P1}");
            if (masked.GoodPixelCount < o.ContinuumDegree + 4) { note($"order {order.Number}: skipped, {masked.GoodPixelCount} good pixels outside the tellurics"); continue; }
            kept.Add(masked);
        }
        if (kept.Count == 0) throw new BlaseDataException($"the tellurics absorb more than {depth:P1} over every order; use a larger -TelluricMask");
        return kept;
    }

    /// <summary>1/σ² where the order has uncertainties (1 where it has none), 0 on masked pixels.</summary>
    internal static double[] Weights(SpectralOrder q)
    {
        var w = new double[q.PixelCount];
        for (int i = 0; i < w.Length; i++)
            w[i] = !q.Mask[i] ? 0 : q.Uncertainty is null ? 1 : 1 / (q.Uncertainty[i] * q.Uncertainty[i]);
        return w;
    }

    /// <summary>The correction to add (km/s), whether one applies, and where it came from (the parameter wins over the header).</summary>
    public static (double Kms, bool Applied, string Source) Barycentric(Spectrum spectrum, TransferOptions o)
    {
        if (o.BarycentricCorrectionKms is double given)
            return given == 0 ? (0, false, "none (-BarycentricCorrection 0)") : (given, true, "parameter");
        if (spectrum.Metadata.BarycentricCorrection is double ms) return (ms / 1000, true, "header (BRVCORR)");
        return (0, false, "none (no header value)");
    }
}
