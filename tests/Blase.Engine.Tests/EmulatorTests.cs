using Blase.Engine.Emulators.Starfish;

namespace Blase.Engine.Tests;

/// <summary>The Starfish-style PCA + GP emulator: its pieces against independent truth, and the DESIGN §5 bar on the real grid.</summary>
public class EmulatorTests
{
    private static string IgrinsGrid => TestData.File("grids", "PHOENIX_IGRINS_m075.hdf5");
    private static string StarfishTestGrid => TestData.File("grids", "starfish_test_PHOENIX_grid.hdf5");

    private static readonly Lazy<EmulatorGrid> Igrins = new(() => EmulatorGrid.Read(IgrinsGrid));

    private static (double[][] X, double[] Y) Synthetic(int n, int dims, int seed)
    {
        var r = new Random(seed);
        var x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, dims).Select(d => r.NextDouble() * (d + 1)).ToArray()).ToArray();
        var y = x.Select(p => Math.Sin(2 * p[0]) + 0.3 * p[^1] + 0.05 * (r.NextDouble() - 0.5)).ToArray();
        return (x, y);
    }

    [Fact]
    public void GpGradientMatchesFiniteDifferences()
    {
        var (x, y) = Synthetic(25, 3, 1);
        double[] theta = { Math.Log(0.8), Math.Log(0.7), Math.Log(1.3), Math.Log(2.1), Math.Log(0.02) };
        var work = new double[4 * x.Length * x.Length + x.Length];
        var g = new double[theta.Length];
        double f(double[] t) => SquaredExponentialGp.LogLikelihood(x, y, t[0], t.AsSpan(1, 3), t[4], new double[t.Length], work);
        SquaredExponentialGp.LogLikelihood(x, y, theta[0], theta.AsSpan(1, 3), theta[4], g, work);
        for (int i = 0; i < theta.Length; i++)
        {
            double h = 1e-5;
            var p = (double[])theta.Clone(); p[i] += h;
            var m = (double[])theta.Clone(); m[i] -= h;
            double fd = (f(p) - f(m)) / (2 * h);
            Assert.True(Math.Abs(fd - g[i]) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"parameter {i}: analytic {g[i]}, finite difference {fd}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void HabibLikelihoodGradientMatchesFiniteDifferences(bool includeResidual)
    {
        var (x, y0) = Synthetic(20, 2, 2);
        var r = new Random(3);
        var weights = new[] { y0, y0.Select(v => 0.5 * v * v + 0.1 * r.NextDouble()).ToArray(), y0.Select(_ => r.NextDouble() - 0.5).ToArray() };
        // The floor is active on some length scales (ln ℓ = 0.3 sin(i + 1) crosses ln 0.9), so its penalty is checked too.
        var like = new HabibLikelihood(x, weights, pixelCount: 200, residualSumOfSquares: 3.7, includeResidual) { Threads = 2, MinLengthScales = new[] { 0.9, 0.9 } };
        var theta = Enumerable.Range(0, like.ParameterCount).Select(i => 0.3 * Math.Sin(i + 1)).ToArray();
        theta[0] = Math.Log(0.05);
        var g = new double[theta.Length];
        like.Evaluate(theta, g);
        for (int i = 0; i < theta.Length; i++)
        {
            double h = 1e-5;
            var p = (double[])theta.Clone(); p[i] += h;
            var m = (double[])theta.Clone(); m[i] -= h;
            double fd = (like.Evaluate(p, new double[theta.Length]) - like.Evaluate(m, new double[theta.Length])) / (2 * h);
            Assert.True(Math.Abs(fd - g[i]) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"parameter {i}: analytic {g[i]}, finite difference {fd}");
        }
    }

    [Fact]
    public void GpPredictionInterpolatesAndMatchesTheTextbookFormula()
    {
        var (x, y) = Synthetic(12, 2, 4);
        double a = 1.3, nu = 1e-3;
        double[] l = { 0.6, 1.1 };
        var gp = new SquaredExponentialGp(x, y, a, l, nu);
        // Independent: solve (K + νI) α = y with MathNet, then k*ᵀα and a − k*ᵀ(K+νI)⁻¹k*.
        double K(double[] p, IReadOnlyList<double> q) => a * Math.Exp(-0.5 * (Math.Pow((p[0] - q[0]) / l[0], 2) + Math.Pow((p[1] - q[1]) / l[1], 2)));
        var c = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(12, 12, (i, j) => K(x[i], x[j]) + (i == j ? nu : 0));
        var xs = new[] { 0.4, 0.9 };
        var ks = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(12, i => K(x[i], xs));
        var alpha = c.Solve(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(y));
        var (mean, variance) = gp.Predict(xs);
        Assert.Equal(ks * alpha, mean, 10);
        Assert.Equal(a - ks * c.Solve(ks), variance, 10);
    }

    [Fact]
    public void WhiteningAndPcaGiveOrthonormalEigenspectraThatRebuildTheGrid()
    {
        var r = new Random(5);
        var fluxes = Enumerable.Range(0, 15).Select(i => Enumerable.Range(0, 300)
            .Select(j => (1 + 0.1 * i) * (1 - 0.3 * Math.Exp(-Math.Pow(j - 100 - i, 2) / 20)) + 0.001 * r.NextDouble()).ToArray()).ToArray();
        var (w, z) = Whitening.Fit(fluxes);
        for (int j = 0; j < 300; j++)
        {
            Assert.Equal(0, z.Average(row => row[j]), 10);
            Assert.Equal(1, Math.Sqrt(z.Average(row => row[j] * row[j])), 10);
        }
        var back = w.Unwhiten(z[3], w.Factors[3]);
        for (int j = 0; j < 300; j++) Assert.Equal(fluxes[3][j], back[j], 1e-12);
        var all = PrincipalComponents.Compute(z, components: 14);
        for (int a = 0; a < 14; a++)
            for (int b = 0; b < 14; b++)
                Assert.Equal(a == b ? 1 : 0, all.Eigenspectra[a].Select((v, j) => v * all.Eigenspectra[b][j]).Sum(), 10);
        Assert.True(all.ResidualSumOfSquares < 1e-16 * z.Sum(row => row.Sum(v => v * v)) + 1e-18, $"a full decomposition leaves {all.ResidualSumOfSquares}");
        var some = PrincipalComponents.Compute(z, 0.99);
        Assert.True(some.ExplainedVarianceRatio.Sum() >= 0.99);
        Assert.True(some.Count == 1 || some.ExplainedVarianceRatio.Take(some.Count - 1).Sum() < 0.99, "more components than needed");
        Assert.Throws<ArgumentOutOfRangeException>(() => PrincipalComponents.Compute(z, components: 15));
    }

    [DataFact]
    public void TheGridReadsWithItsThreeLabelsAndDropsConstantAlpha()
    {
        var grid = Igrins.Value;
        Assert.Equal(54, grid.Count);
        Assert.Equal(2048, grid.PixelCount);
        Assert.Equal(new[] { "Teff", "LogG", "Metallicity" }, grid.LabelNames);
        var test = EmulatorGrid.Read(StarfishTestGrid);
        Assert.Equal(new[] { "Teff", "LogG" }, test.LabelNames); // [Fe/H] and alpha do not vary there
    }

    /// <summary>
    /// DESIGN §5 / issue 8: leave-one-out at Teff 3700/3900/4100 × logg 3.5/4.0, [Fe/H] 0, training on the other 53. Starfish
    /// gets 0.220 %, the average of the two neighbouring Teff spectra 0.147 %; Blase must reach 0.147 % with a predicted σ within
    /// a factor 1.5 of the real error. With 99.9 % explained variance (9 components).
    /// </summary>
    [DataFact]
    public void LeaveOneOutBeatsTheNeighbourAverageWithAnHonestSigma()
    {
        var grid = Igrins.Value;
        var options = new PcaGpOptions(); // the default: 99.9 %
        var cases = EmulatorValidation.IgrinsBenchmarkCases(grid).Select(i => EmulatorValidation.LeaveOneOut(grid, i, options)).ToArray();
        double error = cases.Average(c => c.ErrorPercent);
        double neighbour = cases.Average(c => c.NeighbourAverageErrorPercent!.Value);
        double sigma = cases.Average(c => c.SigmaPercent);
        Assert.Equal(0.147, neighbour, 3); // the baseline, reproduced
        Assert.True(error <= 0.147, $"leave-one-out error {error:F4} % (bar 0.147 %)");
        Assert.True(sigma / error is >= 1 / 1.5 and <= 1.5, $"predicted σ {sigma:F4} % against a real error of {error:F4} %");
    }

    [DataFact]
    public void StarfishsNinetyNinePercentEmulatorIsHonestAboutItsLargerError()
    {
        var grid = Igrins.Value;
        var cases = EmulatorValidation.IgrinsBenchmarkCases(grid).Select(i => EmulatorValidation.LeaveOneOut(grid, i, new PcaGpOptions { ExplainedVariance = 0.99 })).ToArray();
        Assert.All(cases, c => Assert.Equal(5, c.Components));
        double error = cases.Average(c => c.ErrorPercent), sigma = cases.Average(c => c.SigmaPercent);
        Assert.True(error < 0.220, $"worse than Starfish: {error:F4} %");
        Assert.True(sigma / error is >= 1 / 1.5 and <= 1.5, $"predicted σ {sigma:F4} % against a real error of {error:F4} %");
    }

    [Fact]
    public void An_observed_grid_is_the_analytic_convolution_of_its_lines_integrated_over_each_pixel()
    {
        // Two grid spectra of one Gaussian absorption line (depth d, σ_line) on a fine native grid: through a Gaussian LSF of
        // R = 20,000 the line stays Gaussian with σ² = σ_line² + σ_LSF² and its area kept; each pixel holds the mean over its
        // edges, which for a Gaussian is a difference of error functions (computed here independently).
        double[] wave = Enumerable.Range(0, 40_001).Select(i => 6000 + 0.0025 * i).ToArray();
        double[] Line(double depth, double sigma) => wave.Select(x => 1 - depth * Math.Exp(-0.5 * Math.Pow((x - 6050) / sigma, 2))).ToArray();
        var grid = new EmulatorGrid(new[] { "Teff", "logg" }, new[] { new[] { 5000.0, 4.0 }, new[] { 5100.0, 4.5 } }, wave,
            new[] { Line(0.5, 0.05), Line(0.3, 0.08) });
        const double r = 20_000;
        var seen = GridObservation.Observe(grid, r);
        double kms = Blase.Engine.Transfer.DopplerShift.SpeedOfLightKms;
        Assert.InRange(seen.PixelCount, 950, 990); // 100 Å (4,955 km/s) less the LSF's reach, at a third of its FWHM (5 km/s)
        for (int s = 0; s < 2; s++)
        {
            double depth = s == 0 ? 0.5 : 0.3, sigmaLine = s == 0 ? 0.05 : 0.08;
            double worst = 0;
            for (int i = 1; i < seen.PixelCount - 1; i++)
            {
                double lo = 0.5 * (seen.Wavelength[i - 1] + seen.Wavelength[i]), hi = 0.5 * (seen.Wavelength[i] + seen.Wavelength[i + 1]);
                double sigmaLsf = 6050 / (r * 2 * Math.Sqrt(2 * Math.Log(2)));
                double sig = Math.Sqrt(sigmaLine * sigmaLine + sigmaLsf * sigmaLsf), amp = depth * sigmaLine / sig;
                double cdf(double x) => 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-(x - 6050) / (sig * Math.Sqrt(2)));
                double expected = 1 - amp * sig * Math.Sqrt(2 * Math.PI) * (cdf(hi) - cdf(lo)) / (hi - lo);
                worst = Math.Max(worst, Math.Abs(seen.Fluxes[s][i] - expected));
            }
            Assert.True(worst < 2e-4, $"spectrum {s}: largest difference from the analytic pixel means {worst:G3}");
        }
        Assert.Equal(grid.Labels, seen.Labels);
        Assert.Throws<ArgumentOutOfRangeException>(() => GridObservation.Observe(grid, -5));
        Assert.True(Math.Log(seen.Wavelength[1] / seen.Wavelength[0]) * kms is > 4.99 and < 5.01);
    }

    [DataFact]
    public void PredictionsReproduceGridPointsAndRefuseLabelsOutsideTheGrid()
    {
        var grid = Igrins.Value;
        var e = PcaGpEmulator.Train(grid, new PcaGpOptions { ExplainedVariance = 0.999 });
        int i = grid.IndexOf(new[] { 3900.0, 4.0, 0.0 });
        var p = e.Predict(grid.Labels[i]);
        Assert.True(EmulatorValidation.FractionalRms(p.Flux, grid.Fluxes[i]) < 0.001);
        // Between grid points in every label: finite, close to the mean of the eight corners, and less certain than at a grid point.
        var mid = e.Predict(new[] { 3850.0, 3.75, 0.25 });
        Assert.All(mid.Flux.Concat(mid.Sigma), v => Assert.True(double.IsFinite(v)));
        var corners = (from t in new[] { 3800.0, 3900.0 } from g in new[] { 3.5, 4.0 } from z in new[] { 0.0, 0.5 } select grid.Fluxes[grid.IndexOf(new[] { t, g, z })]).ToArray();
        var cornerMean = Enumerable.Range(0, grid.PixelCount).Select(j => corners.Average(f => f[j])).ToArray();
        Assert.True(EmulatorValidation.FractionalRms(mid.Flux, cornerMean) < 0.03, "between the grid points the emulator strays from them");
        Assert.True(mid.Sigma.Average() > p.Sigma.Average());
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => e.Predict(new[] { 4500.0, 4.0, 0.0 }));
        Assert.Contains("Teff 4500 is outside 3500..4300", outside.Message);
        var far = e.Predict(new[] { 4500.0, 4.0, 0.0 }, extrapolate: true);
        Assert.True(far.Extrapolated);
        Assert.True(far.Sigma.Average() > p.Sigma.Average(), "the uncertainty grows outside the grid");
        Assert.Throws<ArgumentException>(() => e.Predict(new[] { 3900.0, 4.0 }));
    }

    [DataFact]
    public void CovarianceDiagonalIsSigmaSquaredAndSamplesScatterBySigma()
    {
        var grid = Igrins.Value;
        var e = PcaGpEmulator.Train(grid.Without(grid.IndexOf(new[] { 3900.0, 3.5, 0.0 })));
        var labels = new[] { 3900.0, 3.5, 0.0 };
        var p = e.Predict(labels);
        var cov = e.FluxCovariance(labels);
        for (int j = 0; j < e.PixelCount; j += 97)
        {
            Assert.Equal(p.Sigma[j] * p.Sigma[j], cov[j, j], p.Sigma[j] * p.Sigma[j] * 1e-10);
            Assert.Equal(cov[j, 5], cov[5, j]);
        }
        var random = new Random(7);
        int draws = 400;
        var sum = new double[e.PixelCount]; var sq = new double[e.PixelCount];
        for (int s = 0; s < draws; s++)
        {
            var f = e.Sample(labels, random);
            for (int j = 0; j < f.Length; j++) { double d = f[j] - p.Flux[j]; sum[j] += d; sq[j] += d * d; }
        }
        double ratio = Enumerable.Range(0, e.PixelCount).Average(j => Math.Sqrt(sq[j] / draws) / p.Sigma[j]);
        Assert.InRange(ratio, 0.9, 1.1);
        double bias = Enumerable.Range(0, e.PixelCount).Average(j => Math.Abs(sum[j] / draws) / p.Sigma[j]);
        Assert.True(bias < 0.2, $"samples are off the mean by {bias} σ on average");
    }

    [DataFact]
    public void SaveAndLoadRoundTripEveryNumberExactly()
    {
        using var dir = new TempDir();
        var e = PcaGpEmulator.Train(Igrins.Value);
        var path = dir.File("emu.hdf5");
        StarfishEmulatorFile.Save(e, path);
        Assert.True(StarfishEmulatorFile.IsEmulator(path));
        Assert.False(StarfishEmulatorFile.IsEmulator(IgrinsGrid));
        var back = StarfishEmulatorFile.Load(path);
        Assert.Equal(e.LabelNames, back.LabelNames);
        Assert.Equal(e.Wavelength, back.Wavelength);
        Assert.Equal(e.GridPoints, back.GridPoints);
        Assert.Equal(e.Eigenspectra, back.Eigenspectra);
        Assert.Equal(e.Weights, back.Weights);
        Assert.Equal(e.Whitening.FluxMean, back.Whitening.FluxMean);
        Assert.Equal(e.Whitening.FluxStd, back.Whitening.FluxStd);
        Assert.Equal(e.Whitening.Factors, back.Whitening.Factors);
        Assert.Equal(e.PixelVariance, back.PixelVariance);
        Assert.Equal(e.LambdaXi, back.LambdaXi);
        Assert.Equal(e.Variances, back.Variances);
        Assert.Equal(e.LengthScales, back.LengthScales);
        Assert.Equal(e.Factor.Trend, back.Factor.Trend);
        Assert.Equal(e.Factor.Centre, back.Factor.Centre);
        Assert.Equal(e.Factor.Scale, back.Factor.Scale);
        Assert.Equal(e.Factor.Squares, back.Factor.Squares);
        Assert.Equal(e.Factor.LengthScales, back.Factor.LengthScales);
        Assert.Equal(e.Factor.Variance, back.Factor.Variance);
        Assert.Equal(e.Factor.Noise, back.Factor.Noise);
        Assert.Equal(e.Medium, back.Medium);
        var labels = new[] { 3850.0, 3.7, 0.2 };
        Assert.Equal(e.Predict(labels).Flux, back.Predict(labels).Flux);
        Assert.Equal(e.Predict(labels).Sigma, back.Predict(labels).Sigma);
        Assert.Throws<IOException>(() => StarfishEmulatorFile.Save(e, path, overwrite: false));
        Assert.Single(Directory.GetFiles(dir.Path)); // no temporary left behind
    }

    [DataFact]
    public void AFileWithoutBlaseExtrasLoadsLikeStarfishWouldWriteIt()
    {
        using var dir = new TempDir();
        var e = PcaGpEmulator.Train(Igrins.Value);
        var path = dir.File("starfish.hdf5");
        // The Starfish 0.4 layout only: what Emulator.save writes.
        int n = e.GridCount, k = e.ComponentCount;
        var file = new PureHDF.H5File
        {
            ["grid_points"] = new PureHDF.H5Dataset(To2D(e.GridPoints)) { Attributes = { ["names"] = e.LabelNames.ToArray() } },
            ["wavelength"] = e.Wavelength,
            ["weights"] = To2D(e.Weights),
            ["eigenspectra"] = To2D(e.Eigenspectra),
            ["flux_mean"] = e.Whitening.FluxMean,
            ["flux_std"] = e.Whitening.FluxStd,
            ["w_hat"] = Enumerable.Range(0, k * n).Select(q => e.Weights[q % n][q / n]).ToArray(),
            ["factors"] = e.Whitening.Factors,
            ["hyperparameters"] = new PureHDF.H5Group
            {
                ["lambda_xi"] = e.LambdaXi, ["variances"] = e.Variances, ["lengthscales"] = To2D(e.LengthScales),
            },
        };
        file.Attributes["trained"] = (byte)1;
        file.Write(path);
        var back = StarfishEmulatorFile.Load(path);
        Assert.All(back.PixelVariance, v => Assert.Equal(0, v));
        var labels = new[] { 3850.0, 3.7, 0.2 };
        Assert.Equal(e.Predict(labels).WeightMean, back.Predict(labels).WeightMean); // the same GPs
        double diff = EmulatorValidation.FractionalRms(back.Predict(labels).Flux, e.Predict(labels).Flux);
        Assert.True(diff < 1e-12, $"the refitted factor GP changes the flux by {diff}");
    }

    [DataFact]
    public void TheStarfishTestGridEmulatesInsideItsBox()
    {
        var grid = EmulatorGrid.Read(StarfishTestGrid);
        var e = PcaGpEmulator.Train(grid);
        var p = e.Predict(new[] { 5150.0, 4.25 });
        Assert.Equal(grid.PixelCount, p.Flux.Length);
        Assert.All(p.Flux, f => Assert.True(f > 0 && double.IsFinite(f)));
        // Between its four neighbours, within the spread of the grid there.
        var lo = grid.Fluxes[grid.IndexOf(new[] { 5100.0, 4.0 })];
        var hi = grid.Fluxes[grid.IndexOf(new[] { 5200.0, 4.5 })];
        Assert.True(EmulatorValidation.FractionalRms(p.Flux, lo) < 0.1 && EmulatorValidation.FractionalRms(p.Flux, hi) < 0.1);
    }

    [DataFact]
    public void CancelledTrainingKeepsTheBestHyperparametersSoFar()
    {
        var grid = Igrins.Value;
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        var e = PcaGpEmulator.Train(grid, null, (iteration, _) => { seen = iteration; if (iteration == 3) cancel.Cancel(); }, cancel.Token);
        Assert.Equal("Cancelled", e.Training!.ExitCondition);
        Assert.Equal(3, seen);
        Assert.Equal(3, e.Training.Iterations);
        var full = PcaGpEmulator.Train(grid);
        Assert.True(e.Training.LogLikelihood < full.Training!.LogLikelihood, "three iterations should not reach the optimum");
        Assert.All(e.Predict(new[] { 3850.0, 3.75, 0.25 }).Flux, f => Assert.True(double.IsFinite(f)));
    }

    [DataFact]
    public void TemplatesTakeLabelsByNameAndCarryThemAsMetadata()
    {
        var grid = EmulatorGrid.Read(StarfishTestGrid);
        var e = PcaGpEmulator.Train(grid);
        Assert.Equal(0, e.FixedLabels["Metallicity"]);
        var labels = EmulatorTemplate.Labels(e, new Dictionary<string, double> { ["logg"] = 4.25, ["T"] = 5150, ["Metallicity"] = 0 });
        Assert.Equal(new[] { 5150.0, 4.25 }, labels);
        Assert.Throws<ArgumentOutOfRangeException>(() => EmulatorTemplate.Labels(e, new Dictionary<string, double> { ["Teff"] = 5150, ["LogG"] = 4.25, ["Metallicity"] = 0.5 }));
        Assert.Throws<ArgumentException>(() => EmulatorTemplate.Labels(e, new Dictionary<string, double> { ["Teff"] = 5150 }));
        var s = EmulatorTemplate.ToSpectrum(e, labels);
        Assert.Equal(5150, s.Metadata.Teff);
        Assert.Equal(0, s.Metadata.Metallicity);
        Assert.Equal(e.Predict(labels).Flux, s.Flux);
        Assert.Equal(e.Predict(labels).Sigma, s.Uncertainty);
        Assert.Equal(e.Medium, s.Medium);
        var drawn = EmulatorTemplate.ToSpectrum(e, labels, new Random(1));
        Assert.NotEqual(s.Flux, drawn.Flux);
        Assert.Equal(drawn.Flux, EmulatorTemplate.ToSpectrum(e, labels, new Random(1)).Flux);
    }

    private static double[,] To2D(double[][] rows)
    {
        var a = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++) for (int j = 0; j < rows[0].Length; j++) a[i, j] = rows[i][j];
        return a;
    }
}
