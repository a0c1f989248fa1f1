using System.Diagnostics;
using Blase.Engine.Spectra;

namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// A Starfish-style spectral emulator (Czekala et al. 2015, §2.4 and appendix; Habib et al. 2007): the grid is whitened
/// (<see cref="Whitening"/>), decomposed into K orthonormal eigenspectra (<see cref="PrincipalComponents"/>), and each
/// component's weight is a squared-exponential Gaussian process over the labels (<see cref="SquaredExponentialGp"/>) with
/// its own amplitude a_k and length scales ℓ_kd, sharing one noise variance 1/λ_ξ. The hyperparameters maximize the
/// factorized Habib likelihood (<see cref="HabibLikelihood"/>) by L-BFGS on their logarithms with analytic gradients.
///
/// At labels θ the weights are independent normals w_k ~ N(m_k(θ), v_k(θ)); in whitened units z_j = Σ_k Φ_kj w_k + ε_j with
/// ε_j ~ N(0, 1/λ_ξ) (what the left-out components leave), and the flux is F_j = c(θ) (μ_j + σ_j z_j). The factor c (each
/// grid spectrum's mean flux) is interpolated by one more squared-exponential GP on ln c, whose uncertainty is carried as a
/// fully correlated fractional term. So
/// E F_j = c (μ_j + σ_j Σ_k Φ_kj m_k),
/// Cov(F_j, F_l) = c² σ_j σ_l (Σ_k Φ_kj Φ_kl v_k + δ_jl/λ_ξ) + E F_j E F_l s²,  s² = Var(ln c)  (first order in s).
/// Labels outside the grid's range are refused unless extrapolation is asked for.
/// </summary>
public sealed class PcaGpEmulator : ISpectralEmulator
{
    private readonly SquaredExponentialGp[] _gps;
    private readonly SquaredExponentialGp _factorGp;

    public PcaGpEmulator(IReadOnlyList<string> labelNames, double[][] gridPoints, double[] wavelength, Whitening whitening,
        double[][] eigenspectra, double[][] weights, double lambdaXi, double[] variances, double[][] lengthScales,
        double[]? pixelVariance = null, FactorHyperparameters? factor = null, WavelengthMedium medium = WavelengthMedium.Air, string? name = null,
        IReadOnlyDictionary<string, double>? fixedLabels = null)
    {
        int n = gridPoints.Length, k = eigenspectra.Length, m = wavelength.Length;
        if (weights.Length != n || weights.Any(w => w.Length != k)) throw new BlaseDataException($"weights must be {n} × {k}");
        if (eigenspectra.Any(e => e.Length != m)) throw new BlaseDataException($"eigenspectra must have {m} pixels");
        if (whitening.FluxMean.Length != m || whitening.FluxStd.Length != m) throw new BlaseDataException($"flux_mean and flux_std must have {m} pixels");
        if (whitening.Factors.Length != n) throw new BlaseDataException($"factors must have one value per grid point ({n})");
        if (variances.Length != k || lengthScales.Length != k || lengthScales.Any(l => l.Length != labelNames.Count))
            throw new BlaseDataException($"hyperparameters must be {k} variances and {k} × {labelNames.Count} length scales");
        if (!(lambdaXi > 0)) throw new BlaseDataException($"lambda_xi must be positive (got {lambdaXi})");
        if (pixelVariance is not null && pixelVariance.Length != m) throw new BlaseDataException($"the pixel variance must have {m} pixels");
        LabelNames = labelNames.ToArray();
        FixedLabels = new Dictionary<string, double>(fixedLabels ?? new Dictionary<string, double>(), StringComparer.OrdinalIgnoreCase);
        GridPoints = gridPoints; Wavelength = wavelength; Whitening = whitening; Eigenspectra = eigenspectra; Weights = weights;
        LambdaXi = lambdaXi; Variances = variances; PixelVariance = pixelVariance ?? new double[m]; LengthScales = lengthScales; Medium = medium; Name = name;
        LabelMin = Enumerable.Range(0, LabelCount).Select(d => gridPoints.Min(p => p[d])).ToArray();
        LabelMax = Enumerable.Range(0, LabelCount).Select(d => gridPoints.Max(p => p[d])).ToArray();
        _gps = new SquaredExponentialGp[k];
        for (int a = 0; a < k; a++)
        {
            var y = weights.Select(w => w[a]).ToArray();
            _gps[a] = new SquaredExponentialGp(gridPoints, y, variances[a], lengthScales[a], 1 / lambdaXi);
        }
        var lnc = whitening.Factors.Select(v => Math.Log(v)).ToArray();
        Factor = factor ?? FactorHyperparameters.Fit(gridPoints, lnc, LabelMin, LabelMax);
        _factorGp = new SquaredExponentialGp(gridPoints, lnc.Select((v, i) => v - Factor.TrendAt(gridPoints[i])).ToArray(),
            Factor.Variance, Factor.LengthScales, Factor.Noise);
    }

    public IReadOnlyList<string> LabelNames { get; }
    /// <summary>Labels the grid held at one value (α = 0, say): not inputs of the emulator, but what its spectra have.</summary>
    public IReadOnlyDictionary<string, double> FixedLabels { get; }
    /// <summary>Labels of the grid points, [point][label].</summary>
    public double[][] GridPoints { get; }
    public double[] Wavelength { get; }
    public WavelengthMedium Medium { get; }
    public Whitening Whitening { get; }
    /// <summary>Φ, [component][pixel], orthonormal.</summary>
    public double[][] Eigenspectra { get; }
    /// <summary>The grid's weights ŵ, [point][component].</summary>
    public double[][] Weights { get; }
    /// <summary>λ_ξ: the precision of the whitened-pixel noise shared by all components.</summary>
    public double LambdaXi { get; }
    /// <summary>a_k: each component GP's amplitude (variance).</summary>
    public double[] Variances { get; }
    /// <summary>ℓ_kd: each component GP's length scales, in label units, [component][label].</summary>
    public double[][] LengthScales { get; }
    /// <summary>
    /// τ_j²: the variance, in whitened units, of what the kept components cannot represent at pixel j (the truncation error a
    /// prediction carries). Zero for an emulator read from a file that does not record it (Starfish's own files).
    /// </summary>
    public double[] PixelVariance { get; }
    /// <summary>The trend and GP that interpolate ln of the mean-flux factors.</summary>
    public FactorHyperparameters Factor { get; }
    public double[] LabelMin { get; }
    public double[] LabelMax { get; }
    public string? Name { get; set; }
    /// <summary>The file the emulator was read from, when it was.</summary>
    public string? SourcePath { get; init; }
    /// <summary>How training went (null for an emulator read from a file).</summary>
    public EmulatorTraining? Training { get; internal set; }

    public int ComponentCount => Eigenspectra.Length;
    public int PixelCount => Wavelength.Length;
    public int LabelCount => LabelNames.Count;
    public int GridCount => GridPoints.Length;

    /// <summary>Builds and trains an emulator on a grid.</summary>
    public static PcaGpEmulator Train(EmulatorGrid grid, PcaGpOptions? options = null, Action<int, double>? progress = null,
        CancellationToken cancel = default)
    {
        options ??= new PcaGpOptions();
        var sw = Stopwatch.StartNew();
        var (whitening, z) = Whitening.Fit(grid.Fluxes);
        var pca = PrincipalComponents.Compute(z, options.ExplainedVariance, options.Components);
        int n = grid.Count, k = pca.Count, dims = grid.LabelCount;
        var byComponent = Enumerable.Range(0, k).Select(a => pca.Weights.Select(w => w[a]).ToArray()).ToArray();
        var likelihood = new HabibLikelihood(grid.Labels, byComponent, grid.PixelCount, pca.ResidualSumOfSquares, options.IncludeResidual)
        {
            Threads = options.Threads ?? Environment.ProcessorCount,
            MinLengthScales = LengthScaleFloor(grid.Labels),
        };
        // Start: ν from the truncation residual (or a small fraction of the weakest component's variance), a_k from the
        // weights' variance, ℓ from 3× the largest grid step (Starfish's choice).
        var theta = new double[likelihood.ParameterCount];
        double nu0 = likelihood.IncludeResidual
            ? pca.ResidualSumOfSquares / ((double)n * (grid.PixelCount - k))
            : 1e-2 * byComponent.Min(w => w.Average(v => v * v));
        theta[0] = Math.Log(Math.Max(nu0, 1e-12));
        var l0 = StartingLengthScales(grid.Labels);
        for (int a = 0; a < k; a++)
        {
            theta[1 + a * (dims + 1)] = Math.Log(Math.Max(byComponent[a].Average(v => v * v), 1e-12));
            for (int d = 0; d < dims; d++) theta[2 + a * (dims + 1) + d] = Math.Log(l0[d]);
        }
        double scale = 1.0 / (n * k);
        var result = Fitting.Lbfgs.Minimize((x, g) =>
        {
            double v = likelihood.Evaluate(x, g);
            for (int i = 0; i < g.Length; i++) g[i] *= -scale;
            return -v * scale;
        }, theta, new Fitting.LbfgsOptions { MaxIterations = options.MaxIterations, GradientTolerance = options.GradientTolerance, FunctionTolerance = 1e-13, ReturnOnCancel = true },
            progress, cancel);
        var t = result.X;
        var variances = new double[k];
        var lengths = new double[k][];
        for (int a = 0; a < k; a++)
        {
            variances[a] = Math.Exp(t[1 + a * (dims + 1)]);
            lengths[a] = Enumerable.Range(0, dims).Select(d => Math.Exp(t[2 + a * (dims + 1) + d])).ToArray();
        }
        double nu = Math.Exp(t[0]);
        var pixelVariance = new double[grid.PixelCount];
        for (int j = 0; j < grid.PixelCount; j++)
        {
            if (likelihood.IncludeResidual)
            {
                double inSpan = 0;
                for (int a = 0; a < k; a++) inSpan += pca.Eigenspectra[a][j] * pca.Eigenspectra[a][j];
                pixelVariance[j] = nu * Math.Max(0, 1 - inSpan);
            }
            else pixelVariance[j] = pca.ResidualByPixel[j] / Math.Max(1, n - 1 - k);
        }
        var emulator = new PcaGpEmulator(grid.LabelNames, grid.Labels, grid.Wavelength, whitening, pca.Eigenspectra, pca.Weights,
            1 / nu, variances, lengths, pixelVariance, null, grid.Medium, grid.Name, grid.FixedLabels);
        emulator.Training = new EmulatorTraining(result.Iterations, result.Evaluations, result.Cancelled ? "Cancelled" : result.StopReason, -result.Value / scale,
            sw.Elapsed, pca.ExplainedVarianceRatio.Sum(), likelihood.IncludeResidual);
        return emulator;
    }

    /// <summary>
    /// Half the finest step of each label over the grid (see <see cref="HabibLikelihood.MinLengthScales"/>): at that length scale
    /// neighbouring grid points already correlate by only e⁻²; the grid cannot resolve shorter scales, and the likelihood, which
    /// is flat there, would otherwise let a length scale run off towards 0.
    /// </summary>
    internal static double[] LengthScaleFloor(double[][] labels)
    {
        int dims = labels[0].Length;
        var floor = new double[dims];
        for (int d = 0; d < dims; d++)
        {
            var u = labels.Select(p => p[d]).Distinct().OrderBy(v => v).ToArray();
            double step = double.PositiveInfinity;
            for (int i = 1; i < u.Length; i++) step = Math.Min(step, u[i] - u[i - 1]);
            floor[d] = double.IsFinite(step) ? step / 2 : 1e-3;
        }
        return floor;
    }

    internal static double[] StartingLengthScales(double[][] labels)
    {
        int dims = labels[0].Length;
        var l = new double[dims];
        for (int d = 0; d < dims; d++)
        {
            var u = labels.Select(p => p[d]).Distinct().OrderBy(v => v).ToArray();
            double step = 0;
            for (int i = 1; i < u.Length; i++) step = Math.Max(step, u[i] - u[i - 1]);
            l[d] = u.Length > 1 ? 3 * step : 1;
        }
        return l;
    }

    /// <summary>True when every label lies within the grid's range.</summary>
    public bool Contains(IReadOnlyList<double> labels)
    {
        if (labels.Count != LabelCount) return false;
        for (int d = 0; d < LabelCount; d++)
        {
            double tol = 1e-9 * Math.Max(1, Math.Abs(LabelMax[d] - LabelMin[d]));
            if (!(labels[d] >= LabelMin[d] - tol && labels[d] <= LabelMax[d] + tol)) return false;
        }
        return true;
    }

    private void Check(IReadOnlyList<double> labels, bool extrapolate)
    {
        if (labels.Count != LabelCount)
            throw new ArgumentException($"the emulator takes {LabelCount} labels ({string.Join(", ", LabelNames)}), got {labels.Count}");
        if (labels.Any(v => !double.IsFinite(v))) throw new ArgumentException("labels must be finite numbers");
        if (extrapolate || Contains(labels)) return;
        var outside = Enumerable.Range(0, LabelCount).Where(d => labels[d] < LabelMin[d] || labels[d] > LabelMax[d])
            .Select(d => $"{LabelNames[d]} {labels[d]:G6} is outside {LabelMin[d]:G6}..{LabelMax[d]:G6}");
        throw new ArgumentOutOfRangeException(
            $"{string.Join("; ", outside)}: the emulator only interpolates inside its grid (ask for extrapolation to go beyond it; its uncertainty grows quickly there)",
            (Exception?)null);
    }

    /// <summary>Mean and variance of each component weight at the labels (independent components: diagonal covariance).</summary>
    public (double[] Mean, double[] Variance) PredictWeights(IReadOnlyList<double> labels, bool extrapolate = false)
    {
        Check(labels, extrapolate);
        var mean = new double[ComponentCount];
        var variance = new double[ComponentCount];
        for (int a = 0; a < ComponentCount; a++) (mean[a], variance[a]) = _gps[a].Predict(labels);
        return (mean, variance);
    }

    /// <summary>ln c and its variance at the labels.</summary>
    public (double LogFactor, double Variance) PredictLogFactor(IReadOnlyList<double> labels, bool extrapolate = false)
    {
        Check(labels, extrapolate);
        var (m, v) = _factorGp.Predict(labels);
        return (m + Factor.TrendAt(labels), v);
    }

    /// <summary>Flux mean and per-pixel σ at the labels.</summary>
    public EmulatorPrediction Predict(IReadOnlyList<double> labels, bool extrapolate = false)
    {
        var (wm, wv) = PredictWeights(labels, extrapolate);
        var (lnc, lncVar) = PredictLogFactor(labels, extrapolate);
        double c = Math.Exp(lnc), nu = 1 / LambdaXi;
        int m = PixelCount;
        var flux = new double[m];
        var sigma = new double[m];
        for (int j = 0; j < m; j++)
        {
            double z = 0, vz = PixelVariance[j];
            for (int a = 0; a < ComponentCount; a++)
            {
                double p = Eigenspectra[a][j];
                z += p * wm[a];
                vz += p * p * (wv[a] + nu);
            }
            double s = Whitening.FluxStd[j];
            flux[j] = c * (Whitening.FluxMean[j] + s * z);
            sigma[j] = Math.Sqrt(c * c * s * s * vz + flux[j] * flux[j] * lncVar);
        }
        return new EmulatorPrediction
        {
            Labels = labels.ToArray(), WeightMean = wm, WeightVariance = wv, Factor = c, LogFactorSigma = Math.Sqrt(lncVar),
            Flux = flux, Sigma = sigma, Extrapolated = !Contains(labels),
        };
    }

    /// <summary>
    /// The flux covariance at the labels as a diagonal plus K + 1 factors: u_k = c σ_j Φ_kj √(v_k + 1/λ_ξ) for each component,
    /// u_c = E F · s for the mean-flux factor, and the diagonal c² σ_j² τ_j² (the truncation error).
    /// </summary>
    public EmulatorCovariance CovarianceAt(IReadOnlyList<double> labels, bool extrapolate)
    {
        var p = Predict(labels, extrapolate);
        int m = PixelCount, k = ComponentCount;
        double c = p.Factor, nu = 1 / LambdaXi;
        var factors = new double[k + 1][];
        for (int a = 0; a < k; a++)
        {
            double sv = Math.Sqrt(p.WeightVariance[a] + nu);
            factors[a] = new double[m];
            for (int j = 0; j < m; j++) factors[a][j] = c * Whitening.FluxStd[j] * Eigenspectra[a][j] * sv;
        }
        factors[k] = p.Flux.Select(f => f * p.LogFactorSigma).ToArray();
        var diagonal = new double[m];
        for (int j = 0; j < m; j++) { double sj = c * Whitening.FluxStd[j]; diagonal[j] = sj * sj * PixelVariance[j]; }
        return new EmulatorCovariance(diagonal, factors);
    }

    /// <summary>The full M × M flux covariance at the labels (M² doubles: 32 MB for 2048 pixels).</summary>
    public double[,] FluxCovariance(IReadOnlyList<double> labels, bool extrapolate = false)
    {
        var (diagonal, factors) = CovarianceAt(labels, extrapolate);
        int m = PixelCount;
        var cov = new double[m, m];
        Parallel.For(0, m, j =>
        {
            for (int l = 0; l <= j; l++)
            {
                double v = 0;
                foreach (var u in factors) v += u[j] * u[l];
                cov[j, l] = v;
            }
            cov[j, j] += diagonal[j];
        });
        for (int j = 0; j < m; j++) for (int l = 0; l < j; l++) cov[l, j] = cov[j, l];
        return cov;
    }

    /// <summary>One flux drawn from the emulator's distribution at the labels.</summary>
    public double[] Sample(IReadOnlyList<double> labels, Random random, bool extrapolate = false)
    {
        var p = Predict(labels, extrapolate);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var w = p.WeightMean.Select((mu, a) => mu + Math.Sqrt(p.WeightVariance[a] + 1 / LambdaXi) * Normal()).ToArray();
        double c = p.Factor * Math.Exp(p.LogFactorSigma * Normal());
        var flux = new double[PixelCount];
        for (int j = 0; j < PixelCount; j++)
        {
            double z = Math.Sqrt(PixelVariance[j]) * Normal();
            for (int a = 0; a < ComponentCount; a++) z += Eigenspectra[a][j] * w[a];
            flux[j] = c * (Whitening.FluxMean[j] + Whitening.FluxStd[j] * z);
        }
        return flux;
    }

    double[]? ISpectralEmulator.PixelWavelength => Wavelength;
    bool[]? ISpectralEmulator.PixelMask => null;
    double[] ISpectralEmulator.FluxAt(IReadOnlyList<double> labels) => Predict(labels, extrapolate: true).Flux;
    EmulatorCovariance? ISpectralEmulator.CovarianceAt(IReadOnlyList<double> labels) => CovarianceAt(labels, extrapolate: true);

    public override string ToString() =>
        $"PCA-GP emulator: {GridCount} grid spectra × {PixelCount} px, {ComponentCount} components, labels {string.Join(", ", LabelNames)}";
}

/// <summary>How an emulator's training went.</summary>
public sealed record EmulatorTraining(int Iterations, int Evaluations, string ExitCondition, double LogLikelihood, TimeSpan Elapsed,
    double ExplainedVariance, bool IncludeResidual);
