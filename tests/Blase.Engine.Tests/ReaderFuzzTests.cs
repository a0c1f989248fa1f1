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
/// to search longer; the defaults keep the whole suite near half a minute on two cores.
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
    /// One file of a family set out in a folder with its companions (WAVE file, .sn/.variance file): each mutant is
    /// written in its place, fed to the readers, and the original put back.
    /// </summary>
    private void Fuzz(FuzzRunner runner, string folder, string fileName, byte[] original, int count, Func<byte[], Mutant> mutate,
        params (string Reader, Func<string, object?> Read, Action<object?>? Check)[] readers)
    {
        string path = Path.Combine(folder, fileName);
        for (int i = 0; i < count; i++)
        {
            var m = mutate(original);
            File.WriteAllBytes(path, m.Bytes);
            foreach (var (name, read, check) in readers)
                runner.Run(name, m, path, Math.Max(m.Bytes.Length, original.Length), read, check);
        }
        File.WriteAllBytes(path, original);
    }

    private static (string, Func<string, object?>, Action<object?>?) Reader(string name, Func<string, object?> read, Action<object?>? check = null) => (name, read, check);

    private void Finish(FuzzRunner runner)
    {
        var failures = runner.Report(_output);
        Assert.True(failures.Count == 0, $"seed {Seed}: {failures.Count} distinct failure sites:\n{string.Join("\n", failures)}");
    }

    private static byte[] Copy(string dir, string source)
    {
        var bytes = File.ReadAllBytes(source);
        File.WriteAllBytes(Path.Combine(dir, Path.GetFileName(source)), bytes);
        return bytes;
    }

    [DataFact]
    public void Fits_spectrum_readers_end_in_a_read_or_a_clear_error()
    {
        using var tmp = new TempDir();
        var runner = new FuzzRunner();
        var mut = new FuzzMutator(Seed);
        var fitsFile = Reader("FitsFile.Read", p => FitsFile.Read(p));
        var auto = Reader("SpectrumReader.Read (auto)", p => Read(p), CheckSpectra);

        // PHOENIX: flux cuts beside their WAVE file; the WAVE file is damaged too.
        string phoenix = Directory.CreateDirectory(Path.Combine(tmp.Path, "phoenix")).FullName;
        var flux = Copy(phoenix, TestData.PhoenixCut);
        var normalized = Copy(phoenix, TestData.PhoenixNormalized);
        var wave = Copy(phoenix, TestData.PhoenixWaveCut);
        var phx = Reader("PhoenixReader", p => Read(p, SpectrumFormat.Phoenix), CheckSpectra);
        string fluxPath = Path.Combine(phoenix, Path.GetFileName(TestData.PhoenixCut));
        Fuzz(runner, phoenix, Path.GetFileName(TestData.PhoenixCut), flux, Count(150), mut.Fits, fitsFile, auto, phx);
        Fuzz(runner, phoenix, Path.GetFileName(TestData.PhoenixNormalized), normalized, Count(40), mut.Fits, auto, phx);
        Fuzz(runner, phoenix, Path.GetFileName(TestData.PhoenixWaveCut), wave, Count(100), mut.Fits, fitsFile,
            Reader("PhoenixReader (damaged WAVE file)", _ => Read(fluxPath, SpectrumFormat.Phoenix), CheckSpectra));

        // HPF: Goldilocks and Slope images, and the WASP-69 table.
        string hpf = Directory.CreateDirectory(Path.Combine(tmp.Path, "hpf")).FullName;
        Fuzz(runner, hpf, Path.GetFileName(TestData.Goldilocks), Copy(hpf, TestData.Goldilocks), Count(120), mut.Fits, fitsFile, auto,
            Reader("HpfReader", p => Read(p, SpectrumFormat.Goldilocks), CheckSpectra));
        Fuzz(runner, hpf, Path.GetFileName(TestData.Slope), Copy(hpf, TestData.Slope), Count(100), mut.Fits, fitsFile, auto,
            Reader("HpfReader", p => Read(p, SpectrumFormat.HpfSlope), CheckSpectra));
        Fuzz(runner, hpf, Path.GetFileName(TestData.Wasp69), Copy(hpf, TestData.Wasp69), Count(400), mut.Fits, fitsFile, auto,
            Reader("FitsTableSpectrumReader", p => Read(p, SpectrumFormat.FitsTable), CheckSpectra));

        // IGRINS: each spectrum beside its companion (.sn / .variance), both damaged in turn.
        foreach (var (spec, companion) in new[] { ("SDCK_20141125_0127.spec_a0v.fits", "SDCK_20141125_0127.sn.fits"), ("SDCH_20201202_0059.spec_a0v.fits", "SDCH_20201202_0059.variance.fits") })
        {
            string dir = Directory.CreateDirectory(Path.Combine(tmp.Path, "igrins-" + spec[..4])).FullName;
            var specBytes = Copy(dir, Data("igrins", spec));
            var compBytes = Copy(dir, Data("igrins", companion));
            string specPath = Path.Combine(dir, spec);
            Fuzz(runner, dir, spec, specBytes, Count(100), mut.Fits, fitsFile, auto, Reader("IgrinsReader", p => Read(p, SpectrumFormat.Igrins), CheckSpectra));
            Fuzz(runner, dir, companion, compBytes, Count(100), mut.Fits, fitsFile,
                Reader("IgrinsReader (damaged companion)", _ => Read(specPath, SpectrumFormat.Igrins), CheckSpectra));
        }
        Finish(runner);
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
        var runner = new FuzzRunner();
        var mut = new FuzzMutator(Seed + 1);
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
        Fuzz(runner, tmp.Path, "sample.blase.fits", File.ReadAllBytes(fits), Count(600), mut.Fits, load,
            Reader("SpectrumReader.Read (auto)", p => Read(p), CheckSpectra));
        Fuzz(runner, tmp.Path, "sample.csv", File.ReadAllBytes(csv), Count(300), mut.Text, load);
        Finish(runner);
    }

    [DataFact]
    public void Text_reader_ends_in_a_read_or_a_clear_error()
    {
        using var tmp = new TempDir();
        var runner = new FuzzRunner();
        var mut = new FuzzMutator(Seed + 2);
        var text = Reader("TextSpectrumReader", p => new[] { TextSpectrumReader.Read(p, new SpectrumReadOptions()) }, CheckSpectra);
        var auto = Reader("SpectrumReader.Read (auto)", p => Read(p), CheckSpectra);
        foreach (var (folder, name, lines) in new[]
                 {
                     ("telluric", "telfit_HPFtemplate_temp286_hum050.csv", 3000), ("telluric", "telfit_example_Model.dat", 0),
                     ("telluric", "telfit_example_Spectrum.dat", 0), ("phoenix", "Z_band_test_sample_lte03900-PHOENIX-ACES.dat", 3000),
                 })
        {
            // The long files are cut to their first few thousand lines: the damage is per line, and whole files
            // would only make each case slower.
            var bytes = File.ReadAllBytes(Data(folder, name));
            if (lines > 0) bytes = Encoding.UTF8.GetBytes(string.Join('\n', Encoding.UTF8.GetString(bytes).Split('\n').Take(lines + 1)));
            Fuzz(runner, tmp.Path, name, bytes, Count(250), mut.Text, text, auto);
        }
        Finish(runner);
    }

    [DataFact]
    public void Hdf5_grid_reader_ends_in_a_read_or_a_clear_error()
    {
        using var tmp = new TempDir();
        var runner = new FuzzRunner();
        var mut = new FuzzMutator(Seed + 3);
        var grid = Reader("StarfishGridReader", p => StarfishGridReader.Read(p, new SpectrumReadOptions()), CheckSpectra);
        var auto = Reader("SpectrumReader.Read (auto)", p => Read(p), CheckSpectra);
        foreach (var name in new[] { "starfish_test_PHOENIX_grid.hdf5", "PHOENIX_IGRINS_m075.hdf5" })
        {
            var bytes = File.ReadAllBytes(Data("grids", name));
            var hot = FuzzMutator.Hdf5Metadata(bytes);
            Fuzz(runner, tmp.Path, name, bytes, Count(300), b => mut.Hdf5(b, hot), grid, auto);
        }
        Finish(runner);
    }

    [DataFact]
    public void Npz_and_Payne_loaders_end_in_a_load_or_a_clear_error()
    {
        using var tmp = new TempDir();
        var runner = new FuzzRunner();
        var mut = new FuzzMutator(Seed + 4);
        var nn = Copy(tmp.Path, Data("payne", "NN_normalized_spectra.npz"));
        var wl = Copy(tmp.Path, Data("payne", "apogee_wavelength.npz"));
        var mask = Copy(tmp.Path, Data("payne", "apogee_mask.npz"));
        string nnPath = tmp.File("NN_normalized_spectra.npz");
        void CheckNet(object? o)
        {
            // A network that loads must evaluate: its arrays agree with its shape.
            var net = (PayneNetwork)o!;
            var flux = net.Evaluate(net.LabelMin.Zip(net.LabelMax, (a, b) => (a + b) / 2).ToArray());
            if (flux.Length != net.PixelCount) throw new InvalidOperationException("wrong flux length");
        }
        var npy = Reader("NpyArchive.Read", p => NpyArchive.Read(p));
        var payne = Reader("PayneNetwork.Load (Import-BlaseModel)", p => PayneNetwork.Load(p), CheckNet);
        var auto = Reader("SpectrumReader.Read (auto)", p => Read(p));
        Fuzz(runner, tmp.Path, "NN_normalized_spectra.npz", nn, Count(400), mut.Npz, npy, payne, auto);
        var beside = Reader("PayneNetwork.Load (damaged wavelength/mask beside it)", _ => PayneNetwork.Load(nnPath), CheckNet);
        Fuzz(runner, tmp.Path, "apogee_wavelength.npz", wl, Count(150), mut.Npz, npy, beside);
        Fuzz(runner, tmp.Path, "apogee_mask.npz", mask, Count(150), mut.Npz, npy, beside);
        Finish(runner);
    }
}
