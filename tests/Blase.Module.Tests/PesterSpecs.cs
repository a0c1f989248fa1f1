using System.Collections.Concurrent;

namespace Blase.Module.Tests;

/// <summary>
/// Runs the Pester 5 specs in tests/Pester through PesterLite on the hosted engine, one xunit case per It.
/// Discovery lists the Its without running setup; each spec file then runs once and its results are shared.
/// </summary>
public class PesterSpecs
{
    private static readonly ConcurrentDictionary<string, Lazy<Dictionary<string, (string Result, string Message)>>> Runs = new();

    private static string SpecFolder => Path.Combine(PowerShellSession.RepoRoot, "tests", "Pester");

    private static List<(string File, string Name, string Result)> Discover()
    {
        var list = new List<(string, string, string)>();
        using var session = new PowerShellSession();
        foreach (var file in Directory.GetFiles(SpecFolder, "*.Tests.ps1").OrderBy(f => f))
        {
            var (output, errors) = session.Run(Script(file, discoverOnly: true), Vars());
            if (errors.Count > 0) throw new InvalidOperationException($"{Path.GetFileName(file)}: {errors[0]}");
            foreach (var o in output)
                list.Add((Path.GetFileName(file), (string)o.Properties["Name"].Value, (string)o.Properties["Result"].Value));
        }
        return list;
    }

    public static IEnumerable<object[]> Runnable() => Discover().Where(t => t.Result != "Skipped").Select(t => new object[] { t.File, t.Name });
    public static IEnumerable<object[]> Skipped() => Discover().Where(t => t.Result == "Skipped").Select(t => new object[] { t.File, t.Name });

    private static Dictionary<string, object?> Vars() => new()
    {
        ["BlaseDataRoot"] = PowerShellSession.DataRoot,
        ["BlaseRepoRoot"] = PowerShellSession.RepoRoot,
    };

    private static string Script(string file, bool discoverOnly) =>
        $"Import-Module '{Path.Combine(AppContext.BaseDirectory, "PesterLite.psm1")}' -Force; Invoke-Spec -Path '{file}'{(discoverOnly ? " -DiscoverOnly" : "")}";

    private static Dictionary<string, (string, string)> RunFile(string file)
    {
        using var session = new PowerShellSession();
        var (output, errors) = session.Run(Script(Path.Combine(SpecFolder, file), false), Vars());
        if (errors.Count > 0 && output.Count == 0) throw new InvalidOperationException($"{file}: {errors[0]}");
        return output.ToDictionary(o => (string)o.Properties["Name"].Value, o => ((string)o.Properties["Result"].Value, (string)o.Properties["Message"].Value));
    }

    [Theory]
    [MemberData(nameof(Runnable))]
    public void It(string file, string name)
    {
        var results = Runs.GetOrAdd(file, f => new Lazy<Dictionary<string, (string, string)>>(() => RunFile(f))).Value;
        Assert.True(results.TryGetValue(name, out var r), $"{file}: '{name}' was discovered but did not run");
        Assert.True(r.Result == "Passed", $"{file}: {name}: {r.Message}");
    }

    /// <summary>The specs skip only what needs ../shared/data: with the data present, every It runs.</summary>
    [DataFact]
    public void No_spec_is_skipped_when_the_data_is_present()
    {
        var skipped = Skipped().Select(r => $"{r[0]}: {r[1]}").ToList();
        Assert.True(skipped.Count == 0, "skipped although ../shared/data is present: " + string.Join("; ", skipped));
    }
}
