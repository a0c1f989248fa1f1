namespace Blase.Module.Tests;

/// <summary>
/// The module as users get it: `build.ps1 Package` run by real pwsh writes out/Blase/, which a fresh pwsh imports and
/// Test-ModuleManifest accepts; `build.ps1 Bench` runs a benchmark. (Build and Test are what `dotnet test` itself does.)
/// </summary>
public class PackageTests
{
    [Fact]
    public void Build_ps1_Package_makes_a_module_folder_that_a_fresh_pwsh_imports_and_Test_ModuleManifest_accepts()
    {
        var (code, output, err) = Pwsh.Run(TimeSpan.FromMinutes(15), "-File", Path.Combine(TestPaths.RepoRoot, "build.ps1"), "Package");
        Assert.True(code == 0, $"build.ps1 Package failed ({code}):\n{err}\n{Tail(output)}");
        var manifest = Path.Combine(TestPaths.RepoRoot, "out", "Blase", "Blase.psd1");
        Assert.True(File.Exists(manifest), "no out/Blase/Blase.psd1 after build.ps1 Package");

        var script = $$"""
            $ErrorActionPreference = 'Stop'
            $m = Test-ModuleManifest -Path '{{manifest}}'
            Import-Module '{{manifest}}'
            $commands = @(Get-Command -Module Blase)
            "version=$($m.Version)"
            "exported=$($m.ExportedCmdlets.Count)"
            "commands=$($commands.Count)"
            "device=$((Get-BlaseDevice -Kind Cpu).Kind)"
            "help=$((Get-Help Import-BlaseSpectrum).Synopsis.Length -gt 0)"
            "about=$([bool]((Get-Help about_Blase | Out-String) -match 'Gully-Santiago'))"
            "psversion=$($m.PowerShellVersion)"
            "editions=$($m.CompatiblePSEditions -join ',')"
            "author=$($m.Author)"
            "description=$($m.Description.Length -gt 40)"
            "guid=$($m.Guid)"
            "tags=$($m.Tags.Count -ge 5)"
            "formats=$($m.ExportedFormatFiles.Count)"
            "types=$($m.ExportedTypeFiles.Count)"
            "plot-exported=$($m.ExportedCmdlets.ContainsKey('Export-BlasePlot'))"
            # Every exported cmdlet is one the module has, and every cmdlet it has is exported.
            "same-cmdlets=$(@(Compare-Object @($m.ExportedCmdlets.Keys) @($commands.Name)).Count -eq 0)"
            # SkiaSharp's native library loads from the packaged folder: a plot renders (a line model of two lines).
            $model = [Blase.Engine.Lines.LineModel]::new([double[]](6001, 6002), [double[]](-4, -4), [double[]](-4, -4), [double[]](-6, -6),
                'PseudoVoigt', 'Linear', [double[]]@(1.0), 6000, 6003)
            $png = Join-Path ([System.IO.Path]::GetTempPath()) "blase-package-$([guid]::NewGuid()).png"
            $file = $model | Export-BlasePlot -Kind LineShape -Path $png -Width 640 -Height 400
            "plot=$($file.Length -gt 5000)"
            Remove-Item -LiteralPath $png
            """;
        (code, output, err) = Pwsh.Run(TimeSpan.FromMinutes(2), "-Command", script);
        Assert.True(code == 0, $"importing out/Blase failed ({code}):\n{err}\n{output}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        Assert.Contains("version=0.1.0", lines);
        var exported = int.Parse(lines.Single(l => l.StartsWith("exported=")).Split('=')[1]);
        Assert.True(exported >= 15, output);
        Assert.Contains($"commands={exported}", lines);
        Assert.Contains("device=Cpu", lines);
        Assert.Contains("help=True", lines);
        Assert.Contains("about=True", lines);
        Assert.Contains("psversion=7.4", lines);
        Assert.Contains("editions=Core", lines);
        Assert.Contains("author=Blase developers", lines);
        Assert.Contains("description=True", lines);
        Assert.Contains("guid=6f1c6a0e-2b7e-4a53-9d8e-3c5b1f0a7d42", lines);
        Assert.Contains("tags=True", lines);
        Assert.Contains("formats=1", lines);
        Assert.Contains("types=1", lines);
        Assert.Contains("plot-exported=True", lines);
        Assert.Contains("same-cmdlets=True", lines);
        Assert.Contains("plot=True", lines);
        // The native libraries every supported platform needs sit flat beside the dll, where PowerShell finds them.
        var folder = Path.GetDirectoryName(manifest)!;
        foreach (var native in new[] { "libSkiaSharp.so", "libHarfBuzzSharp.so", "libSkiaSharp.dll", "libHarfBuzzSharp.dll", "libSkiaSharp.dylib", "libHarfBuzzSharp.dylib", "DejaVuSans.ttf" })
            Assert.True(File.Exists(Path.Combine(folder, native)), $"out/Blase has no {native}");
    }

    [DataFact]
    public void Build_ps1_Bench_runs_a_benchmark_that_prints_JSON()
    {
        var file = Path.Combine(TestPaths.DataRoot!, "hpf", "WASP_69_hpf_stack.fits");
        var (code, output, err) = Pwsh.Run(TimeSpan.FromMinutes(10), "-Command",
            $"& '{Path.Combine(TestPaths.RepoRoot, "build.ps1")}' Bench -BenchArgs 'read', '{file}'");
        Assert.True(code == 0, $"build.ps1 Bench failed ({code}):\n{err}\n{Tail(output)}");
        var json = output.Split('\n').Select(l => l.Trim()).Last(l => l.StartsWith('{'));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("read", doc.RootElement.GetProperty("bench").GetString());
        Assert.Equal(2048, doc.RootElement.GetProperty("n_pix").GetInt32());
    }

    private static string Tail(string s) => s.Length > 4000 ? s[^4000..] : s;
}
