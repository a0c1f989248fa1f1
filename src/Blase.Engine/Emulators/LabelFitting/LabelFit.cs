using System.Diagnostics;
using Blase.Engine.Spectra;
using Blase.Engine.Transfer;
using MathNet.Numerics.LinearAlgebra;

namespace Blase.Engine.Emulators.LabelFitting;

/// <summary>
/// Infers the labels of an observed spectrum with a grid emulator (either kind): minimizes −2 ln L (<see cref="LabelLikelihood"/>)
/// over the free labels, the radial velocity and v sin i, within bounds, with a Chebyshev continuum per order solved at every
/// step, by damped Newton steps on finite-difference derivatives (<see cref="FiniteDifferenceNewton"/>). Labels are handled
/// scaled to the emulator's range (x − min)/(max − min), as The Payne does, so one difference step suits them all. The starting
/// velocity, unless given, is the minimum of χ² over a ladder of velocities at the starting labels. The uncertainties are
/// Cov = 2 H⁻¹ at the optimum (H the Hessian of −2 ln L; the continuum is profiled out, which for a Gaussian likelihood linear in
/// its coefficients is the same as marginalizing it).
/// </summary>
public static class LabelFit
{
    /// <summary>Difference steps: labels in units of the emulator's range; velocity and v sin i in km/s.</summary>
    private const double LabelStep = 1e-3, VelocityStepKms = 0.05, VsiniStepKms = 0.1;
    /// <summary>A change of −2 ln L below this ends the fit: far below the 1 that marks a 1σ change of one label.</summary>
    private const double ValueTolerance = 1e-3;

    public static LabelFitResult Fit(ISpectralEmulator emulator, Spectrum spectrum, LabelFitOptions? options = null, string? emulatorName = null,
        Action<int, double>? progress = null, CancellationToken cancel = default)
    {
        options ??= new LabelFitOptions();
        var sw = Stopwatch.StartNew();
        var emuWave = emulator.PixelWavelength ?? throw new ArgumentException("the emulator has no wavelengths (for a Payne network, give its wavelength archive)");
        int dims = emulator.LabelNames.Count;
        if (options.ContinuumDegree < 0) throw new ArgumentOutOfRangeException(nameof(options), "the continuum degree must be ≥ 0");
        if (spectrum.Unit != WavelengthUnit.Angstrom) spectrum = spectrum.ToUnit(WavelengthUnit.Angstrom);
        var frame = spectrum.Medium != emulator.Medium ? spectrum.ToMedium(emulator.Medium) : spectrum;

        // The data, all orders end to end.
        var wave = frame.Wavelength;
        int n = wave.Length;
        var data = frame.Flux;
        var sigma = frame.Uncertainty;
        var baseUse = (bool[])frame.Mask.Clone();
        var order = new int[n];
        var inOrder = new int[n];
        for (int o = 0, i = 0; o < frame.OrderCount; o++)
            for (int j = 0; j < frame.Orders[o].PixelCount; j++, i++) { order[i] = o; inOrder[i] = j; }
        var variance = new double[n];
        for (int i = 0; i < n; i++)
        {
            variance[i] = sigma is null ? 1 : sigma[i] * sigma[i];
            // Exclusions are given in the spectrum's own frame (its medium), as the user sees it.
            double w = spectrum.Wavelength[i];
            if (options.Exclude.Any(r => w >= r.Min && w <= r.Max)) baseUse[i] = false;
        }
        var projection = new EmulatorProjection(emuWave, wave, options.LimbDarkening);
        var continua = frame.Orders.Select(o => new ChebyshevContinuum(o.Wavelength, options.ContinuumDegree)).ToArray();

        // Labels: start, bounds, fixed.
        var lo = options.LabelLowerBounds ?? emulator.LabelMin;
        var hi = options.LabelUpperBounds ?? emulator.LabelMax;
        if (lo.Length != dims || hi.Length != dims) throw new ArgumentException($"label bounds need {dims} values ({string.Join(", ", emulator.LabelNames)})");
        var start = options.InitialLabels ?? Enumerable.Range(0, dims).Select(d => 0.5 * (emulator.LabelMin[d] + emulator.LabelMax[d])).ToArray();
        if (start.Length != dims) throw new ArgumentException($"the starting labels need {dims} values ({string.Join(", ", emulator.LabelNames)})");
        var isFixed = new bool[dims];
        start = (double[])start.Clone();
        foreach (var (name, value) in options.FixedLabels)
        {
            int d = Enumerable.Range(0, dims).FirstOrDefault(k => string.Equals(emulator.LabelNames[k], name, StringComparison.OrdinalIgnoreCase), -1);
            if (d < 0) throw new ArgumentException($"the emulator has no label {name} (its labels are {string.Join(", ", emulator.LabelNames)})");
            isFixed[d] = true; start[d] = value;
        }
        for (int d = 0; d < dims; d++)
        {
            if (!(lo[d] <= hi[d])) throw new ArgumentException($"{emulator.LabelNames[d]}: the lower bound {lo[d]:G6} is above the upper {hi[d]:G6}");
            if (!isFixed[d]) start[d] = Math.Clamp(start[d], lo[d], hi[d]);
        }
        var range = Enumerable.Range(0, dims).Select(d => emulator.LabelMax[d] > emulator.LabelMin[d] ? emulator.LabelMax[d] - emulator.LabelMin[d] : 1).ToArray();

        LabelLikelihood Likelihood(bool[] use) => new(emulator, projection, data, variance, use, order, inOrder, continua, options.UseEmulatorCovariance);

        // The starting velocity: χ² on a ladder at the starting labels, over pixels covered at every velocity of the ladder.
        double v0 = options.RadialVelocity ?? 0;
        if (options.RadialVelocity is null && options.FitRadialVelocity)
        {
            double reach = options.RadialVelocitySearchKms, stepKms = projection.StepKms / 2;
            var cover = And(baseUse, projection.Coverage(-reach, reach, options.Vsini));
            if (cover.Count(c => c) < 10 * (options.ContinuumDegree + 1))
                throw new ArgumentException($"the spectrum and the emulator share too few pixels for a velocity search over ±{reach} km/s (give -RadialVelocity)");
            var search = Likelihood(cover);
            var flux = emulator.FluxAt(start);
            double lowest = double.PositiveInfinity;
            for (double v = -reach; v <= reach; v += stepKms)
            {
                cancel.ThrowIfCancellationRequested();
                double chi2 = search.Evaluate(start, v, options.Vsini, withCovariance: false, flux).ChiSquare;
                if (chi2 < lowest) { lowest = chi2; v0 = v; }
            }
        }
        double window = options.FitRadialVelocity ? options.RadialVelocityWindowKms : 0;
        var use = And(baseUse, projection.Coverage(v0 - window, v0 + window, options.FitVsini ? options.VsiniMaxKms : options.Vsini));
        if (emulator.PixelMask is { } emuMask)
        {
            var nearest = projection.NearestPixel(v0);
            for (int i = 0; i < n; i++) if (nearest[i] >= 0 && emuMask[nearest[i]]) use[i] = false;
        }
        int used = use.Count(u => u);
        if (used < continua.Length * (options.ContinuumDegree + 1) + dims + 2)
            throw new ArgumentException($"only {used} of the spectrum's pixels lie inside the emulator's wavelength range and are usable");
        var likelihood = Likelihood(use);

        // The free parameters: labels (scaled), velocity, v sin i.
        var names = new List<string>();
        var x0 = new List<double>(); var lower = new List<double>(); var upper = new List<double>(); var step = new List<double>();
        var labelIndex = new int[dims];
        for (int d = 0; d < dims; d++)
        {
            labelIndex[d] = -1;
            if (isFixed[d]) continue;
            labelIndex[d] = names.Count;
            names.Add(emulator.LabelNames[d]);
            x0.Add((start[d] - emulator.LabelMin[d]) / range[d]);
            lower.Add((lo[d] - emulator.LabelMin[d]) / range[d]); upper.Add((hi[d] - emulator.LabelMin[d]) / range[d]);
            step.Add(LabelStep);
        }
        int rvIndex = -1, vsiniIndex = -1;
        if (options.FitRadialVelocity)
        {
            rvIndex = names.Count; names.Add("RadialVelocity");
            x0.Add(v0); lower.Add(v0 - window); upper.Add(v0 + window); step.Add(VelocityStepKms);
        }
        if (options.FitVsini)
        {
            vsiniIndex = names.Count; names.Add("Vsini");
            x0.Add(Math.Clamp(options.Vsini, 0, options.VsiniMaxKms)); lower.Add(0); upper.Add(options.VsiniMaxKms); step.Add(VsiniStepKms);
        }
        double[] LabelsOf(double[] x) => Enumerable.Range(0, dims).Select(d => labelIndex[d] < 0 ? start[d] : emulator.LabelMin[d] + range[d] * x[labelIndex[d]]).ToArray();
        double VelocityOf(double[] x) => rvIndex < 0 ? v0 : x[rvIndex];
        double VsiniOf(double[] x) => vsiniIndex < 0 ? options.Vsini : Math.Abs(x[vsiniIndex]);
        double Objective(double[] x) => likelihood.Evaluate(LabelsOf(x), VelocityOf(x), VsiniOf(x)).MinusTwoLogLikelihood;

        var result = FiniteDifferenceNewton.Minimize(Objective, x0.ToArray(), lower.ToArray(), upper.ToArray(), step.ToArray(),
            ValueTolerance, options.MaxIterations, cancel, progress);
        var best = likelihood.Evaluate(LabelsOf(result.X), VelocityOf(result.X), VsiniOf(result.X));

        // Cov = 2 H⁻¹ over the parameters not held at a bound; scaled labels back to label units.
        int p = names.Count;
        var free = Enumerable.Range(0, p).Where(i => !result.AtBound[i]).ToArray();
        var cov = new double[p, p];
        for (int i = 0; i < p; i++) for (int j = 0; j < p; j++) cov[i, j] = double.NaN;
        if (free.Length > 0)
        {
            var h = Matrix<double>.Build.Dense(free.Length, free.Length, (a, b) => result.Hessian[free[a], free[b]]);
            var inv = h.Inverse();
            for (int a = 0; a < free.Length; a++) for (int b = 0; b < free.Length; b++) cov[free[a], free[b]] = 2 * inv[a, b];
        }
        int dof = used - p - likelihood.ContinuumParameterCount;
        double scale = sigma is null && dof > 0 ? best.ChiSquare / dof : 1;
        var unit = new double[p];
        for (int d = 0; d < dims; d++) if (labelIndex[d] >= 0) unit[labelIndex[d]] = range[d];
        if (rvIndex >= 0) unit[rvIndex] = 1;
        if (vsiniIndex >= 0) unit[vsiniIndex] = 1;
        for (int i = 0; i < p; i++) for (int j = 0; j < p; j++) cov[i, j] *= unit[i] * unit[j] * scale;
        double Error(int i) => i < 0 ? 0 : Math.Sqrt(cov[i, i]);

        var modelOrders = new List<SpectralOrder>();
        for (int o = 0, i = 0; o < spectrum.OrderCount; o++)
        {
            var src = spectrum.Orders[o];
            var flux = new double[src.PixelCount];
            for (int j = 0; j < flux.Length; j++, i++) flux[j] = best.Model[i];
            modelOrders.Add(new SpectralOrder(src.Number, src.Wavelength, flux));
        }
        var labels = LabelsOf(result.X);
        string emuName = emulatorName ?? emulator.GetType().Name;
        var meta = spectrum.Metadata.Clone();
        meta.Object = $"{spectrum.Name} model";
        var model = new Spectrum(modelOrders, spectrum.Unit, spectrum.Medium, meta,
            spectrum.Provenance.Append($"label fit with {emuName}: {string.Join(", ", emulator.LabelNames.Zip(labels, (a, b) => $"{a} {b:G6}"))}, RV {VelocityOf(result.X):F3} km/s"));
        return new LabelFitResult
        {
            SpectrumName = spectrum.Name,
            EmulatorName = emuName,
            LabelNames = emulator.LabelNames.ToArray(),
            Labels = labels,
            LabelErrors = Enumerable.Range(0, dims).Select(d => Error(labelIndex[d])).ToArray(),
            RadialVelocity = VelocityOf(result.X),
            RadialVelocityError = Error(rvIndex),
            Vsini = VsiniOf(result.X),
            VsiniError = Error(vsiniIndex),
            ParameterNames = names.ToArray(),
            Covariance = cov,
            ChiSquare = best.ChiSquare,
            DegreesOfFreedom = dof,
            PixelsUsed = used,
            ErrorsScaled = sigma is null,
            EmulatorCovarianceUsed = likelihood.UseEmulatorCovariance && emulator.CovarianceAt(labels) is not null,
            Continuum = best.Continuum,
            Model = model,
            Iterations = result.Iterations,
            Evaluations = result.Evaluations,
            Converged = result.Converged,
            Elapsed = sw.Elapsed,
        };
    }

    private static bool[] And(bool[] a, bool[] b) => a.Select((v, i) => v && b[i]).ToArray();
}
