using System.Text.Json;

namespace Blase.Module.Tests;

/// <summary>
/// Runs the Pester 5 specs in tests/Pester under real Pester 5.7.1 in real pwsh 7.6.9 (Invoke-Specs.ps1), with the
/// built module imported: one xunit case per It, plus one per spec file for what fails outside the Its (discovery,
/// BeforeAll/AfterAll). Discovery (Pester's SkipRun) lists the Its; the first case then runs every spec file once in
/// one pwsh, and each case reads its It's result.
/// </summary>
public class PesterSpecs
{
    private sealed record Record(string File, string Name, string Result, string? Message, double Duration);

    private static string SpecFolder => Path.Combine(TestPaths.RepoRoot, "tests", "Pester");

    private static readonly Lazy<List<Record>> Discovered = new(() => Invoke(discoverOnly: true));
    private static readonly Lazy<List<Record>> Results = new(() => Invoke(discoverOnly: false));

    private static List<Record> Invoke(bool discoverOnly)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "pester");
        Directory.CreateDirectory(dir);
        var result = Path.Combine(dir, discoverOnly ? "discovery.json" : "results.json");
        File.Delete(result);
        var args = new List<string>
        {
            "-File", Path.Combine(AppContext.BaseDirectory, "Invoke-Specs.ps1"),
            "-PesterManifest", Pwsh.PesterManifest, "-ModuleManifest", Pwsh.ModuleManifest,
            "-Path", SpecFolder, "-ResultPath", result, "-RepoRoot", TestPaths.RepoRoot,
        };
        if (TestPaths.DataRoot is not null) args.AddRange(new[] { "-DataRoot", TestPaths.DataRoot });
        if (discoverOnly) args.Add("-DiscoverOnly");
        var (code, output, errors) = Pwsh.Run(TimeSpan.FromMinutes(20), args.ToArray());
        // Pester's own report of the run, for whoever reads a failure.
        File.WriteAllText(Path.Combine(dir, discoverOnly ? "discovery.log" : "run.log"), output + errors);
        if (code != 0 || !File.Exists(result))
            throw new InvalidOperationException($"Invoke-Specs.ps1 failed (exit {code}):\n{errors}\n{Tail(output)}");
        var records = JsonSerializer.Deserialize<List<Record>>(File.ReadAllText(result)) ?? new();
        return records;
    }

    private static string Tail(string s) => s.Length > 4000 ? s[^4000..] : s;

    public static IEnumerable<object[]> Runnable() =>
        Discovered.Value.Where(r => r.Result != "Skipped").Select(r => new object[] { r.File, r.Name });

    [Theory]
    [MemberData(nameof(Runnable))]
    public void It(string file, string name)
    {
        var matches = Results.Value.Where(r => r.File == file && r.Name == name).ToList();
        Assert.True(matches.Count > 0, $"{file}: '{name}' was discovered but did not run");
        foreach (var r in matches)
            Assert.True(r.Result == "Passed", $"{file}: {name}: {r.Result}\n{r.Message}");
    }

    /// <summary>The specs skip only what needs ../shared/data, or Slurm where sbatch is absent (and CI, which has Slurm, does
    /// not say BLASE_REQUIRE_SLURM=1): with the data present, every other It runs.</summary>
    [DataFact]
    public void No_spec_is_skipped_when_the_data_is_present()
    {
        bool slurmOptional = Blase.Engine.Batch.SlurmJob.FindOnPath("sbatch") is null && Environment.GetEnvironmentVariable("BLASE_REQUIRE_SLURM") != "1";
        var skipped = Discovered.Value.Where(r => r.Result == "Skipped" && !(slurmOptional && r.Name.EndsWith("(needs Slurm)", StringComparison.Ordinal)))
            .Select(r => $"{r.File}: {r.Name}").ToList();
        Assert.True(skipped.Count == 0, "skipped although ../shared/data is present: " + string.Join("; ", skipped));
    }

    [Fact]
    public void Every_spec_file_is_found()
    {
        var files = Directory.GetFiles(SpecFolder, "*.Tests.ps1").Select(Path.GetFileName).ToHashSet();
        Assert.NotEmpty(files);
        Assert.Equal(files.OrderBy(f => f), Discovered.Value.Select(r => r.File).Distinct().OrderBy(f => f));
    }
}
