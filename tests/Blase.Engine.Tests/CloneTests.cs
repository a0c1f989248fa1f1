using Blase.Engine.Fitting;
using Blase.Engine.IO;
using Blase.Engine.IO.Formats;
using Blase.Engine.Lines;
using Blase.Engine.Spectra;
using Blase.Engine.Templates;

namespace Blase.Engine.Tests;

/// <summary>Line finding, fitting and persistence against injected truth and independent formulas.</summary>
public class CloneTests
{
    // Twenty well-separated lines of known parameters on 6000–6020 Å.
    private static LineModel Truth(ProfileShape profile = ProfileShape.PseudoVoigt)
    {
        var rng = new Random(7);
        int n = 20;
        var c = Enumerable.Range(0, n).Select(i => 6000.5 + i * 0.95 + 0.1 * rng.NextDouble()).ToArray();
        var a = Enumerable.Range(0, n).Select(_ => Math.Log(0.005 + 0.02 * rng.NextDouble())).ToArray();
        var s = Enumerable.Range(0, n).Select(_ => Math.Log(0.02 + 0.02 * rng.NextDouble())).ToArray();
        var g = s.Select(ls => ls + Math.Log(0.6 + 0.6 * rng.NextDouble())).ToArray(); // γ ≈ σ, as in PHOENIX lines
        return new LineModel(c, a, s, g, profile, CombinationMode.Linear, new[] { 1.0 }, 6000, 6020);
    }

    [Fact]
    public void Finder_locates_injected_gaussian_lines_with_their_widths()
    {
        var wave = TestData.Grid(6000, 6010, 0.01);
        double[] centers = { 6002.003, 6005.5, 6008.25 }, depths = { 0.3, 0.05, 0.6 }, sigmas = { 0.05, 0.03, 0.08 };
        var flux = wave.Select(w => centers.Select((c, k) => 1 - depths[k] * Math.Exp(-0.5 * Math.Pow((w - c) / sigmas[k], 2))).Aggregate(1.0, (p, f) => p * f)).ToArray();
        var found = LineFinder.Find(wave, flux, 0.01);
        Assert.Equal(3, found.Count);
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(centers[k], found[k].Center, 2);
            Assert.Equal(depths[k], found[k].Prominence, 2);
            Assert.Equal(2.3548 * sigmas[k], found[k].FwhmAngstrom, 2);
        }
        Assert.Equal(2, LineFinder.Find(wave, flux, 0.1).Count);
        // blasé's starting values.
        var m = LineFinder.InitialModel(found, wave[0], wave[^1]);
        double w0 = found[0].FwhmAngstrom / 2.355;
        Assert.Equal(0.14 * found[0].Prominence, Math.Exp(m.LnAmplitude[0]), 12);
        Assert.Equal(1.28 * w0 / Math.Sqrt(2), Math.Exp(m.LnSigma[0]), 12);
        Assert.Equal(1.52 * w0 / Math.Sqrt(2), Math.Exp(m.LnGamma[0]), 12);
    }

    [Theory]
    [InlineData(OptimizerKind.LevenbergMarquardt, 60)]
    [InlineData(OptimizerKind.Adam, 1500)]
    public void Fitting_recovers_injected_lines(OptimizerKind optimizer, int epochs)
    {
        var wave = TestData.Grid(6000, 6020, 0.01);
        var truth = Truth();
        var target = truth.Evaluate(wave);
        var found = LineFinder.Find(wave, target, 0.002);
        Assert.Equal(truth.Count, found.Count);
        var model = LineFinder.InitialModel(found, wave[0], wave[^1]);
        var obj = new CloneObjective(model, wave, target);
        var report = Trainer.Fit(obj, new TrainingOptions { Optimizer = optimizer, Epochs = epochs, Tolerance = 0, LearningRate = 0.02 });
        Assert.True(report.Rms < (optimizer == OptimizerKind.Adam ? 2e-4 : 2e-5), $"{optimizer}: RMS {report.Rms} after {report.Epochs} iterations, {report.StopReason}; losses {string.Join(" ", report.LossHistory.Where((_, i) => i % 5 == 0).Select(l => l.ToString("G3")))}");
        Assert.True(report.Rms < report.InitialRms / 20);
        // Adam creeps (blasé runs it for 1000 epochs); LM lands on the truth.
        double centerTol = optimizer == OptimizerKind.Adam ? 1e-3 : 1e-6, ampTol = optimizer == OptimizerKind.Adam ? 0.03 : 1e-5;
        for (int j = 0; j < truth.Count; j++)
        {
            Assert.InRange(model.Center[j] - truth.Center[j], -centerTol, centerTol);
            Assert.InRange(model.LnAmplitude[j] - truth.LnAmplitude[j], -ampTol, ampTol);
        }
        // The loss history is kept and falls.
        Assert.True(report.LossHistory[^1] < report.LossHistory[0]);
    }

    [Fact]
    public void A_clone_gives_the_same_bits_on_one_two_and_three_threads()
    {
        // Blended lines (several per window) and a curved continuum, so every split of the work cuts through windows.
        var wave = TestData.Grid(6000, 6020, 0.01);
        var truth = TestData.BlendedLines(80, 6000.3, 17, 0.032, continuum: new[] { 1.0, 0.01, -0.005 }, continuumMin: 6000, continuumMax: 6020);
        var target = truth.Evaluate(wave).Select((f, i) => f + 1e-3 * Math.Sin(0.7 * i)).ToArray();
        var found = LineFinder.Find(wave, target, 0.002);
        double[] Fit(int threads)
        {
            var model = LineFinder.InitialModel(found, wave[0], wave[^1], continuumDegree: 2);
            var report = Trainer.Fit(new CloneObjective(model, wave, target, threads: threads), new TrainingOptions { Epochs = 15, Tolerance = 0, Threads = threads });
            Assert.Equal(15, report.Epochs);
            return new CloneObjective(model, wave, target).GetParameters();
        }
        var one = Fit(1);
        Assert.Equal(one, Fit(2));
        Assert.Equal(one, Fit(3));
    }

    [Fact]
    public void Discovery_adds_the_lines_the_first_fit_lacks()
    {
        var wave = TestData.Grid(6000, 6020, 0.01);
        var truth = Truth();
        var target = truth.Evaluate(wave);
        var order = new SpectralOrder(0, wave, target);
        // A first pass that sees only the deeper lines (prominence 0.1), fitted: the weak ones are missing.
        var found = LineFinder.Find(wave, target, 0.1);
        int missingCount = truth.Count - found.Count;
        Assert.InRange(missingCount, 5, 15);
        var model = LineFinder.InitialModel(found, wave[0], wave[^1]);
        var options = new CloneOptions { Training = new TrainingOptions { Epochs = 40 }, DiscoveryRounds = 2, MaxLines = truth.Count };
        var first = Trainer.Fit(new CloneObjective(model, wave, target), options.Training);
        var (final, rounds) = Cloner.Discover(model, order, options, found.Count);
        Assert.Equal(truth.Count, final.Count); // the budget, and no more than the template has
        Assert.Equal(missingCount, rounds.Sum(r => r.LinesAdded));
        foreach (double c in truth.Center) Assert.Contains(final.Center, f => Math.Abs(f - c) < 0.005);
        double rms = new CloneObjective(final, wave, target).Rms(final.Evaluate(wave));
        Assert.True(rms < first.Rms / 10, $"RMS {first.Rms} before discovery, {rms} after");
    }

    [Fact]
    public void Cancellation_stops_and_keeps_the_best_parameters()
    {
        var wave = TestData.Grid(6000, 6020, 0.01);
        var truth = Truth();
        var target = truth.Evaluate(wave);
        var model = LineFinder.InitialModel(LineFinder.Find(wave, target, 0.002), wave[0], wave[^1]);
        var obj = new CloneObjective(model, wave, target);
        using var cts = new CancellationTokenSource();
        var report = Trainer.Fit(obj, new TrainingOptions { Epochs = 1000, Tolerance = 0 }, p => { if (p.Epoch == 3) cts.Cancel(); }, cts.Token);
        Assert.StartsWith("cancelled", report.StopReason);
        Assert.Equal(3, report.Epochs);
        Assert.Equal(report.LossHistory.Min(), obj.Loss(), 9);
        Assert.Throws<OperationCanceledException>(() =>
            Trainer.Fit(obj, new TrainingOptions { ReturnBestOnCancel = false }, null, new CancellationToken(true)));
    }

    [Fact]
    public void Saved_models_reimport_to_the_identical_spectrum()
    {
        using var dir = new TempDir();
        var wave = TestData.Grid(6000, 6020, 0.01);
        var m = Truth(ProfileShape.Tch);
        m.Provenance.Add("made in a test");
        var path = dir.File("m.fits");
        LineModelFile.Save(m, path);
        var back = LineModelFile.Load(path);
        Assert.Equal(m.Center, back.Center);
        Assert.Equal(m.LnAmplitude, back.LnAmplitude);
        Assert.Equal(m.LnSigma, back.LnSigma);
        Assert.Equal(m.LnGamma, back.LnGamma);
        Assert.Equal(ProfileShape.Tch, back.Profile);
        Assert.Equal(m.Evaluate(wave), back.Evaluate(wave));
        Assert.Contains("made in a test", back.Provenance);
    }

    [Fact]
    public void A_blase_csv_evaluates_to_blase_formula()
    {
        using var dir = new TempDir();
        var csv = dir.File("blase.csv");
        // Three lines in blasé's saved-model convention, the middle two overlapping.
        File.WriteAllText(csv, "lam_center_A,ln_amplitude,ln_sigma_A,ln_gamma_A\n6001.0,-4.0,-3.5,-4.2\n6002.0,-3.2,-3.0,-3.6\n6002.1,-5.0,-3.9,-3.0\n");
        var model = LineModelFile.LoadBlaseCsv(csv);
        model.WingCut = 100000; // the whole grid, as the formula below
        var wave = TestData.Grid(6000, 6004, 0.01);
        var flux = model.Evaluate(wave);
        var lines = new[] { (6001.0, -4.0, -3.5, -4.2), (6002.0, -3.2, -3.0, -3.6), (6002.1, -5.0, -3.9, -3.0) };
        for (int i = 0; i < wave.Length; i += 7)
        {
            double s = 1;
            foreach (var (c, la, ls, lg) in lines)
            {
                double a = Math.Exp(la), sigma = Math.Exp(ls), gamma = Math.Exp(lg), d = wave[i] - c;
                double fg = 2.35482004503 * sigma, fl = 2 * gamma;
                double f = Math.Pow(Math.Pow(fg, 5) + 2.69269 * Math.Pow(fg, 4) * fl + 2.42843 * Math.Pow(fg, 3) * Math.Pow(fl, 2) + 4.47163 * Math.Pow(fg, 2) * Math.Pow(fl, 3) + 0.07842 * fg * Math.Pow(fl, 4) + Math.Pow(fl, 5), 0.2);
                double r = fl / f, eta = 1.36603 * r - 0.47719 * r * r + 0.11116 * r * r * r;
                double v = eta * gamma / Math.PI / (gamma * gamma + d * d) + (1 - eta) * Math.Exp(-d * d / (2 * sigma * sigma)) / (sigma * Math.Sqrt(2 * Math.PI));
                s *= 1 - a * v;
            }
            Assert.Equal(s, flux[i], 12);
        }
        var round = dir.File("round.csv");
        LineModelFile.SaveBlaseCsv(model, round);
        Assert.Equal(model.LnSigma, LineModelFile.LoadBlaseCsv(round).LnSigma);
        File.WriteAllText(dir.File("bad.csv"), "lam_center_A,ln_amplitude\n1,2\n");
        Assert.Contains("ln_sigma_A", Assert.Throws<BlaseDataException>(() => LineModelFile.LoadBlaseCsv(dir.File("bad.csv"))).Message);
    }

    [Fact]
    public void Line_records_give_the_equivalent_width_and_depth()
    {
        var m = Truth();
        var r = LineRecord.From(m).ToList();
        Assert.Equal(m.Count, r.Count);
        Assert.All(r, x => Assert.Equal(x.Amplitude, x.EquivalentWidthAngstrom)); // linear mode: EW = a
        Assert.Equal(Math.Exp(m.LnAmplitude[0]) * m.Shape(0).Value(0), r[0].Depth, 12);
        var log = new LineModel(m.Center, m.LnAmplitude, m.LnSigma, m.LnGamma, m.Profile, CombinationMode.Log);
        var lr = LineRecord.From(log).ToList();
        // Saturation: in log mode the EW is below a, and close to a for a weak line.
        Assert.All(lr, x => Assert.True(x.EquivalentWidthAngstrom < x.Amplitude && x.EquivalentWidthAngstrom > 0.8 * x.Amplitude));
    }

    [Fact]
    public void Preparation_flattens_a_blackbody_and_keeps_broad_lines()
    {
        var wave = TestData.Grid(6400, 6700, 0.05);
        // A 5800 K blackbody with a broad H-alpha dip (Lorentzian, 4 Å half width) and a narrow line.
        var flux = wave.Select(w => 3e5 * TemplatePreparation.Planck(w, 5800)
            * (1 - 0.5 * 16 / (16 + Math.Pow(w - 6564.6, 2)))
            * (1 - 0.4 * Math.Exp(-0.5 * Math.Pow((w - 6450) / 0.05, 2)))).ToArray();
        var s = Spectrum.FromArrays(wave, flux, metadata: new SpectrumMetadata { Teff = 5800 });
        var prepared = TemplatePreparation.Prepare(s).Spectrum;
        int at = Array.FindIndex(wave, w => w >= 6564.6);
        Assert.InRange(prepared.Flux[at], 0.45, 0.55);          // the broad line is still there
        Assert.InRange(prepared.Flux[Array.FindIndex(wave, w => w >= 6650)], 0.98, 1.02); // continuum is flat at 1
        Assert.Contains(prepared.Provenance, p => p.Contains("H alpha"));
        Assert.Contains(prepared.Provenance, p => p.Contains("Planck"));
    }

    [DataFact]
    public void Clone_of_a_real_slice_beats_blase_rms()
    {
        var s = SpectrumReader.Read(TestData.PhoenixNormalized)[0].Crop(6000, 6100);
        var model = Cloner.Clone(s, new CloneOptions { Normalized = true, Training = new TrainingOptions { Epochs = 25 } });
        Assert.InRange(model.Count, 200, 300);
        Assert.True(model.Report!.RmsNative < 0.0149, $"RMS {model.Report.RmsNative}");
        Assert.True(model.Report.RmsSmoothed < model.Report.RmsNative);
    }
}
