using System.Diagnostics;
using System.Reflection;

namespace Blase.Module.Tests;

/// <summary>
/// Real pwsh 7.6.9, the PowerShell .NET tool named in .config/dotnet-tools.json (`dotnet tool restore` installs it), run
/// as `dotnet pwsh` from the checkout; and where the build put real Pester 5.7.1 and the built module folder.
/// </summary>
public static class Pwsh
{
    private static string Metadata(string key) =>
        typeof(Pwsh).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"no {key} in the test assembly's metadata");

    /// <summary>Pester.psd1 from the NuGet package that the test project downloads (PackageDownload Pester 5.7.1).</summary>
    public static string PesterManifest => Path.GetFullPath(Metadata("PesterManifest"));

    /// <summary>Blase.psd1 in the cmdlets' build output: the module folder as pwsh users import it while developing.</summary>
    public static string ModuleManifest => Path.GetFullPath(Metadata("BlaseModuleManifest"));

    /// <summary>Runs `dotnet pwsh -NoProfile -NonInteractive` with the arguments, in the checkout's root.</summary>
    public static (int Code, string Out, string Err) Run(TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = TestPaths.RepoRoot,
        };
        foreach (var a in new[] { "pwsh", "-NoProfile", "-NonInteractive" }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["POWERSHELL_UPDATECHECK"] = "Off";
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(true);
            throw new TimeoutException($"pwsh did not finish in {timeout}: {string.Join(' ', args)}");
        }
        var (o, e) = (stdout.Result, stderr.Result);
        if (p.ExitCode != 0 && e.Contains("dotnet tool restore", StringComparison.Ordinal))
            throw new InvalidOperationException("pwsh is not installed: run `dotnet tool restore` in the checkout (.ci/run does)\n" + e);
        return (p.ExitCode, o, e);
    }
}
