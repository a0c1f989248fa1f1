using System.Globalization;
using System.Text;
using Blase.Engine.Emulators.Payne;
using Blase.Engine.IO;
using Blase.Engine.IO.Fits;
using Blase.Engine.IO.Formats;
using Blase.Engine.Lines;
using Blase.Engine.Spectra;
using Blase.Engine.Tests.Fuzz;
using Xunit.Abstractions;

namespace Blase.Engine.Tests;

/// <summary>
/// Seeded fuzzing of every reader with damaged copies of the real files in ../shared/data (issue 11): each case must
/// end in a read or a clear error (<see cref="BlaseDataException"/>, or an ArgumentException naming the file) — never
/// another exception, a hang, or an allocation sized by a header value. Each test prints
/// <c>fuzz: N inputs, U unhandled</c> per reader and fails listing the distinct failure sites.
/// The seed and the number of cases can be changed with BLASE_FUZZ_SEED and BLASE_FUZZ_SCALE (a factor on the counts)
/// to search longer; the defaults (about 2,700 damaged files, 6,000 reader calls) need about a minute of CPU time,
/// spread over the cores.
/// When hunting with a larger scale, run with DOTNET_GCHeapHardLimit set (say 0xC0000000) so that an allocation sized
/// by a corrupt header fails fast instead of taking the machine's memory.
/// </summary>
public sealed class ReaderFuzzTests
{
    private readonly ITestOutputHelper _output;

    public ReaderFuzzTests(ITestOutputHelper output) => _output = output;

    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("BLASE_FUZZ_SEED"), out int s) ? s : 20261202;

    private static int Count(int n) =>
        double.TryParse(Environment.GetEnvironmentVariable("BLASE_FUZZ_SCALE"), NumberStyles.Float, CultureInfo.InvariantCulture, out double k) && k > 0
            ? Math.Max(1, (int)Math.Round(n * k)) : n;

    private static string Data(params string[] parts) => TestData.File(parts);

    private static void CheckSpectra(object? result)
    {
        foreach (var s in (IEnumerable<Spectrum>)result!)
            foreach (var o in s.Orders)
                if (o.Flux.Length != o.Wavelength.Length || o.Wavelength.Length == 0)
                    throw new InvalidOperationException($"order {o.Number}: {o.Wavelength.Length} wavelengths, {o.Flux.Length} fluxes");
    }

    private static IReadOnlyList<Spectrum> Read(string path, SpectrumFormat format = SpectrumFormat.Auto) =>
        SpectrumReader.Read(path, new SpectrumReadOptions { Format = format });

    /// <summary>
    /// One file to damage: it is set out in a folder of its own with its companions (WAVE file, .sn/.variance file,
    /// the network beside a wavelength archive), and each mutant is written in its place and fed to the readers.
    /// Jobs share nothing, and each has its own mutator seeded from the test's seed and the job's position, so the
    /// cases are the same whichever order the jobs run in.
    /// </summary>
    private sealed record Job(string Source, byte[] Original, int Count, Func<FuzzMutator, byte[], Mutant> Mutate,
        (string Reader, Func<string, object?> Read, Action<object?>? Check)[] Readers, params string[] Companions);

    private static Job Fuzz(string source, int count, Func<FuzzMutator, byte[], Mutant> mutate,
        (string, Func<string, object?>, Action<object?>?)[] readers, params string[] companions) =>
        new(source, File.ReadAllBytes(source), Count(count), mutate, readers, companions);

    private static (string, Func<string, object?>, Action<object?>?) Reader(string name, Func<string, object?> read, Action<object?>? check = null) => (name, read, check);

    /// <summary>Runs the jobs on all cores (the mutants are independent) and fails listing the distinct failure sites.</summary>
    private void Run(int testSeed, params Job[] jobs)
    {
        using var tmp = new TempDir();
        var runner = new FuzzRunner();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Parallel.For(0, jobs.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, j =>
        {
            var job = jobs[j];
            string dir = Directory.CreateDirectory(Path.Combine(tmp.Path, $"job{j}")).FullName;
            foreach (var c in job.Companions) File.Copy(c, Path.Combine(dir, Path.GetFileName(c)));
            string path = Path.Combine(dir, Path.GetFileName(job.Source));
            var mutator = new FuzzMutator(unchecked(testSeed * 7919 + j));
            for (int i = 0; i < job.Count; i++)
            {
                var m = job.Mutate(mutator, job.Original);
                File.WriteAllBytes(path, m.Bytes);
                foreach (var (name, read, check) in job.Readers)
                    runner.Run(name, m, path, Math.Max(m.Bytes.Length, job.Original.Length), read, check);
            }
        });
        var failures = runner.Report(_output);
        string took = $"fuzz: seed {testSeed}, {sw.Elapsed.TotalSeconds:F1} s on {Environment.ProcessorCount} cores";
        _output.WriteLine(took);
        Console.WriteLine(took);
        Assert.True(failures.Count == 0, $"seed {testSeed}: {failures.Count} distinct failure sites:\n{string.Join("\n", failures)}");
    }

    /// <summary>The same folder as the mutant: readers that start from a companion find the damaged file beside it.</summary>
    private static string Beside(string mutant, string name) => Path.Combine(Path.GetDirectoryName(mutant)!, name);

    [DataFact]
    public void Fits_spectrum_readers_end_in_a_read_or_a_clear_error()
    {
        var fitsFile = Reader("FitsFile.Read", p => FitsFile.Read(p));
        var auto = Reader("SpectrumReader.Read (auto)", p => Read(p), CheckSpectra);
        var phx = Reader("PhoenixReader", p => Read(p, SpectrumFormat.Phoenix), CheckSpectra);
        Func<FuzzMutator, byte[], Mutant> fits = (m, b) => m.Fits(b);
        string fluxName = Path.GetFileName(TestData.PhoenixCut);
        var jobs = new List<Job>
        {
            // PHOENIX flux cuts beside their WAVE file, and the WAVE file damaged beside an intact cut.
            Fuzz(TestData.PhoenixCut, 50, fits, new[] { fitsFile, auto, phx }, TestData.PhoenixWaveCut),
            Fuzz(TestData.PhoenixNormalized, 20, fits, new[] { auto, phx }, TestData.PhoenixWaveCut),
            Fuzz(TestData.PhoenixWaveCut, 30, fits, new[] { fitsFile,
                Reader("PhoenixReader (damaged WAVE file)", p => Read(Beside(p, fluxName), SpectrumFormat.Phoenix), CheckSpectra) }, TestData.PhoenixCut),
            // HPF Goldilocks and Slope images, and the WASP-69 table.
            Fuzz(TestData.Goldilocks, 40, fits, new[] { fitsFile, auto, Reader("HpfReader", p => Read(p, SpectrumFormat.Goldilocks), CheckSpectra) }),
            Fuzz(TestData.Slope, 30, fits, new[] { fitsFile, auto, Reader("HpfReader", p => Read(p, SpectrumFormat.HpfSlope), CheckSpectra) }),
            Fuzz(TestData.Wasp69, 200, fits, new[] { fitsFile, auto, Reader("FitsTableSpectrumReader", p => Read(p, SpectrumFormat.FitsTable), CheckSpectra) }),
        };
        // IGRINS: each spectrum beside its companion (.sn / .variance), both damaged in turn.
        foreach (var (spec, companion) in new[] { ("SDCK_20141125_0127.spec_a0v.fits", "SDCK_20141125_0127.sn.fits"), ("SDCH_20201202_0059.spec_a0v.fits", "SDCH_20201202_0059.variance.fits") })
        {
            jobs.Add(Fuzz(Data("igrins", spec), 40, fits, new[] { fitsFile, auto, Reader("IgrinsReader", p => Read(p, SpectrumFormat.Igrins), CheckSpectra) }, Data("igrins", companion)));
            jobs.Add(Fuzz(Data("igrins", companion), 25, fits, new[] { fitsFile,
                Reader("IgrinsReader (damaged companion)", p => Read(Beside(p, spec), SpectrumFormat.Igrins), CheckSpectra) }, Data("igrins", spec)));
        }
        Run(Seed, jobs.ToArray());
    }

    /// <summary>A line model as Save-BlaseModel writes it, with lines placed like a clone of the WASP-69 order.</summary>
    private static LineModel SampleModel()
    {
        var r = new Random(7);
        int n = 60;
        var center = Enumerable.Range(0, n).Select(i => 8660 + i * 1.8 + r.NextDouble()).ToArray();
        var m = new LineModel(center, center.Select(_ => Math.Log(0.01 + 0.2 * r.NextDouble())).ToArray(),
            center.Select(_ => Math.Log(0.05 + 0.05 * r.NextDouble())).ToArray(), center.Select(_ => Math.Log(0.02 + 0.05 * r.NextDouble())).ToArray(),
            ProfileShape.PseudoVoigt, CombinationMode.Linear, new[] { 1.0, 0.01, -0.002 }, 8656, 8768) { Name = "WASP-69 sample", WingCut = 80 };
        m.Provenance.Add("fuzz test sample");
        return m;
    }

    [Fact]
    public void Line_model_loader_ends_in_a_load_or_a_clear_error()
    {
        // The line model files are Blase's own output, so this needs no shared data.
        using var tmp = new TempDir();
        var model = SampleModel();
        string fits = tmp.File("sample.blase.fits"), csv = tmp.File("sample.csv");
        LineModelFile.Save(model, fits);
        LineModelFile.SaveBlaseCsv(model, csv);
        void CheckModel(object? o)
        {
            var m = (LineModel)o!;
            if (m.LnAmplitude.Length != m.Center.Length || m.Continuum.Length == 0) throw new InvalidOperationException("inconsistent model");
        }
        var load = Reader("LineModelFile.Load (Import-BlaseModel)", p => LineModelFile.Load(p), CheckModel);
        Run(Seed + 1,
            Fuzz(fits, 600, (m, b) => m.Fits(b), new[] { load, Reader("SpectrumReader.Read (auto)", p => Read(p), CheckSpectra) }),
            Fuzz(csv, 300, (m, b) => m.Text(b), new[] { load }));
    }

    [DataFact]
    public void Text_reader_ends_in_a_read_or_a_clear_error()
    {
        using var tmp = new TempDir();
        // The text reader is reached through its entry point, which adds the file to its errors.
        var text = Reader("TextSpectrumReader (-Format Text)", p => Read(p, SpectrumFormat.Text), CheckSpectra);
        var auto = Reader("SpectrumReader.Read (auto)", p => Read(p), CheckSpectra);
        var jobs = new List<Job>();
        foreach (var (folder, name, lines) in new[]
                 {
                     ("telluric", "telfit_HPFtemplate_temp286_hum050.csv", 3000), ("telluric", "telfit_example_Model.dat", 0),
                     ("telluric", "telfit_example_Spectrum.dat", 0), ("phoenix", "Z_band_test_sample_lte03900-PHOENIX-ACES.dat", 3000),
                 })
        {
            // The long files are cut to their first few thousand lines: the damage is per line, and whole files
            // would only make each case slower.
            string source = Data(folder, name);
            if (lines > 0)
            {
                source = tmp.File(name);
                File.WriteAllLines(source, File.ReadLines(Data(folder, name)).Take(lines + 1));
            }
            jobs.Add(Fuzz(source, 200, (m, b) => m.Text(b), new[] { text, auto }));
        }
        Run(Seed + 2, jobs.ToArray());
    }

    [DataFact]
    public void Hdf5_grid_reader_ends_in_a_read_or_a_clear_error()
    {
        var grid = Reader("StarfishGridReader", p => StarfishGridReader.Read(p, new SpectrumReadOptions()), CheckSpectra);
        var auto = Reader("SpectrumReader.Read (auto)", p => Read(p), CheckSpectra);
        // Each read decodes every grid point (PureHDF is the slow part), so there are fewer cases here than elsewhere.
        Run(Seed + 3, new[] { ("starfish_test_PHOENIX_grid.hdf5", 50), ("PHOENIX_IGRINS_m075.hdf5", 70) }.Select(g =>
        {
            var hot = FuzzMutator.Hdf5Metadata(File.ReadAllBytes(Data("grids", g.Item1)));
            return Fuzz(Data("grids", g.Item1), g.Item2, (m, b) => m.Hdf5(b, hot), new[] { grid, auto });
        }).ToArray());
    }

    [DataFact]
    public void Npz_and_Payne_loaders_end_in_a_load_or_a_clear_error()
    {
        string nn = Data("payne", "NN_normalized_spectra.npz"), wl = Data("payne", "apogee_wavelength.npz"), mask = Data("payne", "apogee_mask.npz");
        void CheckNet(object? o)
        {
            // A network that loads must evaluate: its arrays agree with its shape.
            var net = (PayneNetwork)o!;
            var flux = net.Evaluate(net.LabelMin.Zip(net.LabelMax, (a, b) => (a + b) / 2).ToArray());
            if (flux.Length != net.PixelCount) throw new InvalidOperationException("wrong flux length");
        }
        var npy = Reader("NpyArchive.Read", p => NpyArchive.Read(p));
        var beside = Reader("PayneNetwork.Load (damaged wavelength/mask beside it)", p => PayneNetwork.Load(Beside(p, Path.GetFileName(nn))), CheckNet);
        Func<FuzzMutator, byte[], Mutant> npz = (m, b) => m.Npz(b);
        Run(Seed + 4,
            Fuzz(nn, 120, npz, new[] { npy, Reader("PayneNetwork.Load (Import-BlaseModel)", p => PayneNetwork.Load(p), CheckNet), Reader("SpectrumReader.Read (auto)", p => Read(p)) }, wl, mask),
            Fuzz(wl, 80, npz, new[] { npy, beside }, nn, mask),
            Fuzz(mask, 80, npz, new[] { npy, beside }, nn, wl));
    }
}
