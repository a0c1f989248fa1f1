using System.Diagnostics;

namespace Blase.Module.Tests;

/// <summary>
/// Issue 12's bar, with real `blase` processes: a batch over the three real HPF files and two corrupt ones (a truncated FITS
/// file, random bytes). The fixture's serial run is the reference; a rerun skips, a run killed with SIGKILL and rerun, a run
/// with -ThrottleLimit 2 and a Slurm job array all end with the same bytes in every output and in summary.csv. The recipe
/// keeps each fit short: a 70 Å clone, 30 Å of each input, RV and continuum free, at most 5 iterations.
/// </summary>
public sealed class BatchTests : IClassFixture<BatchTests.Reference>
{
    private readonly Reference _ref;

    public BatchTests(Reference reference) => _ref = reference;

    /// <summary>The inputs, the recipe and the serial run every other run is compared with (made once, when the data is present).</summary>
    public sealed class Reference : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("blase-batch-").FullName;
        public string Inputs => Path.Combine(Root, "in");
        public string Recipe => Path.Combine(Root, "recipe.psd1");
        public string Serial => Path.Combine(Root, "serial");
        public static readonly string[] Good =
        {
            "GJ_699_Slope-20181003T013939_R01.optimal.fits", "Goldilocks_20210212T072837_v1.0_0037.spectra.fits", "WASP_69_hpf_stack.fits",
        };

        private readonly Lazy<(int Code, string Out, string Err, Dictionary<string, byte[]> Files)> _run;

        public Reference()
        {
            _run = new(() =>
            {
                Directory.CreateDirectory(Inputs);
                foreach (var f in Good) File.Copy(Path.Combine(TestPaths.DataRoot!, "hpf", f), Path.Combine(Inputs, f));
                var fits = File.ReadAllBytes(Path.Combine(TestPaths.DataRoot!, "hpf", Good[0]));
                File.WriteAllBytes(Path.Combine(Inputs, "truncated.fits"), fits[..100_000]);
                var garbage = new byte[30_000];
                new Random(12).NextBytes(garbage);
                File.WriteAllBytes(Path.Combine(Inputs, "garbage.fits"), garbage);
                string template = Path.Combine(TestPaths.DataRoot!, "phoenix", "Z_band_test_sample_lte03900-PHOENIX-ACES.dat");
                File.WriteAllText(Recipe, $$"""
                    @{
                        Template       = '{{template}}'
                        TemplateSelect = @{ Wavelength = 8655, 8725 }
                        Clone          = @{ Teff = 3900 }
                        Select         = @{ Wavelength = 8670, 8700 }
                        Transfer       = @{ BarycentricCorrection = 0; Free = 'RadialVelocity', 'Continuum'; Vsini = 3; MaxIterations = 5; RadialVelocitySearch = 150 }
                    }
                    """);
                var (code, output, err) = Blase(Batch(Serial));
                return (code, output, err, Snapshot(Serial));
            });
        }

        public (int Code, string Out, string Err, Dictionary<string, byte[]> Files) Run => _run.Value;

        public string[] Batch(string output, string extra = "") =>
            new[] { "-NoProgress", "-Command", $"Invoke-BlaseBatch -Recipe '{Recipe}' -Path '{Inputs}/*.fits' -OutputDirectory '{output}' {extra}" };

        public void Dispose() => Directory.Delete(Root, true);
    }

    /// <summary>Every output and summary.csv (the manifests and the log hold times, so they are not compared).</summary>
    private static Dictionary<string, byte[]> Snapshot(string dir) =>
        Directory.GetFiles(dir, "*.csv").ToDictionary(Path.GetFileName, File.ReadAllBytes)!;

    private static void SameAsSerial(Dictionary<string, byte[]> expected, string dir)
    {
        var actual = Snapshot(dir);
        Assert.Equal(expected.Keys.OrderBy(k => k), actual.Keys.OrderBy(k => k));
        foreach (var (name, bytes) in expected) Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} differs from the serial run's");
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
    }

    /// <summary>
    /// A new output folder holding the reference run's cached clone (as a folder reduced before would), so that the run in it
    /// fits the same model without cloning again: the clone costs seconds the test does not need to spend twice.
    /// </summary>
    private string WithCachedClone(string name)
    {
        string dir = Path.Combine(_ref.Root, name), cache = Path.Combine(dir, ".blase");
        Directory.CreateDirectory(cache);
        foreach (var f in Directory.GetFiles(Path.Combine(_ref.Serial, ".blase"), "clone-*.fits")) File.Copy(f, Path.Combine(cache, Path.GetFileName(f)));
        return dir;
    }

    private static ProcessStartInfo Start(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "blase.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    private static (int Code, string Out, string Err) Blase(string[] args)
    {
        using var p = Process.Start(Start(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(600_000)) { p.Kill(true); throw new TimeoutException("blase did not finish in 10 minutes"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [DataFact]
    public void Three_reduced_two_failures_with_reasons_exit_1_and_a_rerun_skips_them_and_exits_0()
    {
        var (code, output, err, files) = _ref.Run;
        Assert.True(code == 1, $"exit {code}: {err}");
        Assert.Contains("garbage.fits: not reduced: is not a spectrum format", err);
        Assert.Contains("truncated.fits: not reduced: truncated", err);
        var summary = File.ReadAllLines(Path.Combine(_ref.Serial, "summary.csv"));
        Assert.Equal(6, summary.Length);
        Assert.Equal(3, summary.Count(l => l.Contains(",Reduced,")));
        Assert.Equal(2, summary.Count(l => l.Contains(",Failed,")));
        foreach (var f in Reference.Good)
        {
            string name = Path.GetFileNameWithoutExtension(f);
            foreach (var ext in new[] { ".transfer.csv", ".lines.csv", ".manifest.json" }) Assert.True(File.Exists(Path.Combine(_ref.Serial, name + ext)), name + ext);
        }
        Assert.Equal(5, File.ReadAllLines(Path.Combine(_ref.Serial, "batch.log")).Length);

        // Again, over the good files: nothing to do, nothing rewritten, exit 0.
        var written = Directory.GetFiles(_ref.Serial, "*.lines.csv").ToDictionary(f => f, File.GetLastWriteTimeUtc);
        string good = string.Join(',', Reference.Good.Select(f => $"'{Path.Combine(_ref.Inputs, f)}'"));
        var again = Blase(new[] { "-NoProgress", "-Command", $"Invoke-BlaseBatch -Recipe '{_ref.Recipe}' -LiteralPath {good} -OutputDirectory '{_ref.Serial}' | ForEach-Object {{ \"$($_.Input)=$($_.Outcome)\" }}" });
        Assert.True(again.Code == 0, again.Err);
        Assert.Equal(Reference.Good.Select(f => $"{f}=Skipped"), again.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (var (f, t) in written) Assert.Equal(t, File.GetLastWriteTimeUtc(f));

        // Over all five: the failures are retried (and fail again: exit 1); the summary is the first run's.
        var all = Blase(_ref.Batch(_ref.Serial));
        Assert.Equal(1, all.Code);
        Assert.Equal(3, all.Out.Split('\n').Count(l => l.Contains("Skipped")));
        SameAsSerial(files, _ref.Serial);
    }

    [DataFact]
    public void A_batch_killed_midway_and_run_again_ends_as_an_uninterrupted_run_with_no_partial_file()
    {
        var expected = _ref.Run.Files;
        string dir = WithCachedClone("killed");
        using (var p = Process.Start(Start(_ref.Batch(dir)))!)
        {
            try
            {
                // SIGKILL as soon as the first good input is recorded: the others are then mid-fit or not begun.
                var clock = Stopwatch.StartNew();
                while (!p.HasExited && clock.Elapsed < TimeSpan.FromMinutes(5) &&
                       !Reference.Good.Any(f => File.Exists(Path.Combine(dir, Path.GetFileNameWithoutExtension(f) + ".manifest.json"))))
                    Thread.Sleep(20);
                Assert.False(p.HasExited, "the batch ended before it could be killed");
            }
            finally
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.WaitForExit(30_000);
            }
        }
        int recorded = Reference.Good.Count(f => File.Exists(Path.Combine(dir, Path.GetFileNameWithoutExtension(f) + ".manifest.json")));
        Assert.InRange(recorded, 1, 2);

        var (code, output, err) = Blase(_ref.Batch(dir));
        Assert.True(code == 1, err);
        Assert.Contains("Skipped", output);
        SameAsSerial(expected, dir);
    }

    [DataFact]
    public void ThrottleLimit_2_gives_the_bytes_of_a_serial_run()
    {
        var expected = _ref.Run.Files;
        string dir = WithCachedClone("parallel");
        var (code, _, err) = Blase(_ref.Batch(dir, "-ThrottleLimit 2"));
        Assert.True(code == 1, err);
        SameAsSerial(expected, dir);
    }

    [SlurmFact]
    public void A_Slurm_job_array_gives_the_outputs_and_summary_of_a_local_run_and_a_resubmission_redoes_only_what_is_missing()
    {
        var expected = _ref.Run.Files;
        string dir = WithCachedClone("slurm");
        var (code, output, err) = Blase(_ref.Batch(dir, "-Scheduler Slurm -Verbose"));
        Assert.True(code == 1, $"exit {code}: {err}");
        Assert.Contains("submitted Slurm job", err);
        Assert.Contains("garbage.fits: not reduced", err);
        SameAsSerial(expected, dir);

        // One output lost: the resubmission runs one task, for that input alone, and restores the same bytes.
        string lost = Path.Combine(dir, "WASP_69_hpf_stack.lines.csv");
        File.Delete(lost);
        string good = string.Join(',', Reference.Good.Select(f => $"'{Path.Combine(_ref.Inputs, f)}'"));
        var again = Blase(new[] { "-NoProgress", "-Command", $"Invoke-BlaseBatch -Recipe '{_ref.Recipe}' -LiteralPath {good} -OutputDirectory '{dir}' -Scheduler Slurm -Verbose | ForEach-Object {{ \"$($_.Input)=$($_.Outcome)\" }}" });
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("1 tasks", again.Err);
        Assert.Equal(new[] { "Skipped", "Skipped", "Reduced" }, again.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().Split('=')[1]));
        Assert.Equal(expected["WASP_69_hpf_stack.lines.csv"], File.ReadAllBytes(lost));
    }
}

/// <summary>
/// A real-data fact that needs Slurm (sbatch on the PATH). Skipped with the reason where Slurm is not installed; run (and so
/// failing) when BLASE_REQUIRE_SLURM=1, as .ci/run sets after starting its single-node Slurm (.ci/slurm-up.sh).
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (TestPaths.DataRoot is null) Skip = TestPaths.Missing;
        else if (Blase.Engine.Batch.SlurmJob.FindOnPath("sbatch") is null && Environment.GetEnvironmentVariable("BLASE_REQUIRE_SLURM") != "1")
            Skip = "Slurm is not installed here (no sbatch on the PATH): run .ci/slurm-up.sh as root to start a single-node Slurm; CI sets BLASE_REQUIRE_SLURM=1 so this never skips there.";
    }
}
