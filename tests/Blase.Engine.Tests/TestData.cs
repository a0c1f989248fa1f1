namespace Blase.Engine.Tests;

/// <summary>The real spectra in ../shared/data beside the checkout; tests that need them skip when it is absent.</summary>
public static class TestData
{
    public static readonly string? Root = Blase.Tests.TestPaths.DataRoot;

    public const string Missing = Blase.Tests.TestPaths.Missing;

    /// <summary>An even wavelength grid from a to b (inclusive).</summary>
    public static double[] Grid(double a, double b, double step) =>
        Enumerable.Range(0, (int)Math.Round((b - a) / step) + 1).Select(i => a + i * step).ToArray();

    /// <summary>
    /// n random lines every 0.245 Å from <paramref name="first"/> (several per window: blends), with amplitudes up to
    /// <paramref name="maxAmplitude"/>, σ in [0.02, 0.05] and γ in [0.01, 0.04] Å.
    /// </summary>
    public static Lines.LineModel BlendedLines(int n, double first, int seed, double maxAmplitude, Lines.ProfileShape profile = Lines.ProfileShape.PseudoVoigt,
        Lines.CombinationMode mode = Lines.CombinationMode.Linear, double[]? continuum = null, double continuumMin = 0, double continuumMax = 1)
    {
        var rng = new Random(seed);
        return new Lines.LineModel(
            Enumerable.Range(0, n).Select(i => first + i * 0.245 + 0.05 * rng.NextDouble()).ToArray(),
            Enumerable.Range(0, n).Select(_ => Math.Log(0.002 + (maxAmplitude - 0.002) * rng.NextDouble())).ToArray(),
            Enumerable.Range(0, n).Select(_ => Math.Log(0.02 + 0.03 * rng.NextDouble())).ToArray(),
            Enumerable.Range(0, n).Select(_ => Math.Log(0.01 + 0.03 * rng.NextDouble())).ToArray(),
            profile, mode, continuum, continuumMin, continuumMax);
    }

    /// <summary>Twelve separated lines on 7000–7016 Å (0.01 Å pixels) and a continuum of the given degree: a small clone to fit.</summary>
    public static (Lines.LineModel Truth, double[] Wave) TwelveLines(int continuumDegree = 0)
    {
        var rng = new Random(5);
        var wave = Enumerable.Range(0, 1601).Select(i => 7000 + i * 0.01).ToArray();
        int n = 12;
        var c = Enumerable.Range(0, n).Select(i => 7000.6 + i * 1.25 + 0.1 * rng.NextDouble()).ToArray();
        var s = Enumerable.Range(0, n).Select(_ => Math.Log(0.02 + 0.02 * rng.NextDouble())).ToArray();
        var truth = new Lines.LineModel(c, Enumerable.Range(0, n).Select(_ => Math.Log(0.005 + 0.02 * rng.NextDouble())).ToArray(), s,
            s.Select(v => v + Math.Log(0.6 + 0.6 * rng.NextDouble())).ToArray(), continuum: new[] { 1.0, 0.01, -0.005 }.Take(continuumDegree + 1).ToArray(),
            continuumMin: wave[0], continuumMax: wave[^1]);
        return (truth, wave);
    }

    public static string File(params string[] parts) => Path.Combine(new[] { Root ?? throw new InvalidOperationException(Missing) }.Concat(parts).ToArray());

    public static string Goldilocks => File("hpf", "Goldilocks_20210212T072837_v1.0_0037.spectra.fits");
    public static string Slope => File("hpf", "GJ_699_Slope-20181003T013939_R01.optimal.fits");
    public static string Wasp69 => File("hpf", "WASP_69_hpf_stack.fits");
    public static string PhoenixCut => File("phoenix", "lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes_5000-8000A.fits");
    public static string PhoenixNormalized => File("phoenix", "lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes_5000-8000A_normalized.fits");
    public static string PhoenixWaveFull => File("phoenix", "WAVE_PHOENIX-ACES-AGSS-COND-2011.fits");
    public static string PhoenixWaveCut => File("phoenix", "WAVE_PHOENIX-ACES-AGSS-COND-2011_5000-8000A.fits");
}

/// <summary>A temporary folder removed after the test.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "blase-test-" + Guid.NewGuid().ToString("N"));
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { }
    }
}
