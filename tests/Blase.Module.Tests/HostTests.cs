using System.Diagnostics;

namespace Blase.Module.Tests;

/// <summary>The `blase` program as a user runs it: a separate process, its streams and its exit code.</summary>
public class HostTests
{
    private static ProcessStartInfo Start(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "blase.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    private static (int Code, string Out, string Err) Blase(params string[] args)
    {
        using var p = Process.Start(Start(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("blase did not finish in 2 minutes"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [DataFact]
    public void Bar_command_prints_28_for_the_goldilocks_file()
    {
        var file = Path.Combine(TestPaths.DataRoot!, "hpf", "Goldilocks_20210212T072837_v1.0_0037.spectra.fits");
        var (code, output, err) = Blase("-Command", $"Import-BlaseSpectrum -Path '{file}' | ForEach-Object {{ $_.Orders.Count }}");
        Assert.True(code == 0, err);
        Assert.Equal("28", output.Trim());
    }

    [Fact]
    public void Objects_are_formatted_with_the_module_views_and_no_escape_codes()
    {
        var (code, output, err) = Blase("-Command", "Get-BlaseDevice -Kind Cpu");
        Assert.True(code == 0, err);
        Assert.Contains("Kind", output);
        Assert.Contains("Cores", output);
        Assert.DoesNotContain("\u001b[", output);
    }

    [Fact]
    public void A_script_that_throws_exits_1_with_the_error_on_stderr()
    {
        using var dir = new TempScript("'before'; throw 'boom'; 'after'");
        var (code, output, err) = Blase(dir.Path);
        Assert.Equal(1, code);
        Assert.Contains("before", output);
        Assert.DoesNotContain("after", output);
        Assert.Contains("boom", err);
    }

    [Fact]
    public void Exit_codes_and_arguments_reach_the_script()
    {
        using var s = new TempScript("param($Name, $Code) \"hello $Name\"; exit $Code");
        var (code, output, _) = Blase(s.Path, "Vega", "3");
        Assert.Equal(3, code);
        Assert.Contains("hello Vega", output);
    }

    [Fact]
    public void Non_terminating_errors_go_to_stderr_the_script_goes_on_and_the_exit_code_is_1()
    {
        var (code, output, err) = Blase("-Command", "Import-BlaseSpectrum -Path nowhere.fits; 'still here'");
        Assert.Equal(1, code);
        Assert.Contains("still here", output);
        Assert.Contains("nowhere.fits", err);
    }

    [Fact]
    public void Errors_the_script_handles_itself_leave_the_exit_code_0()
    {
        var (code, output, err) = Blase("-Command",
            "Import-BlaseSpectrum -Path nowhere.fits -ErrorAction SilentlyContinue; try { Write-Error 'x' -ErrorAction Stop } catch { 'caught' }");
        Assert.True(code == 0, err);
        Assert.Contains("caught", output);
    }

    [Fact]
    public void A_script_has_the_full_cmdlet_set_as_under_pwsh()
    {
        var dir = Directory.CreateTempSubdirectory("blase-host-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "b.txt"), "b");
            File.WriteAllText(Path.Combine(dir.FullName, "a.txt"), "a");
            var csv = Path.Combine(dir.FullName, "files.csv");
            using var s = new TempScript($$"""
                $files = Get-ChildItem -LiteralPath '{{dir.FullName}}' -Filter *.txt | Sort-Object Name -Descending | Select-Object Name, Length
                $files | Export-Csv -LiteralPath '{{csv}}'
                if (Test-Path -LiteralPath '{{csv}}') { Import-Csv -LiteralPath '{{csv}}' | Join-String Name -Separator ',' }
                """);
            var (code, output, err) = Blase(s.Path);
            Assert.True(code == 0, err);
            Assert.Equal("b.txt,a.txt", output.Trim());
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Ctrl_C_stops_the_script_and_exits_130()
    {
        using var p = Process.Start(Start(new[] { "-Command", "'ready'; Start-Sleep -Seconds 60; 'not reached'" }))!;
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.Equal("ready", p.StandardOutput.ReadLine());
        Assert.Equal(0, Kill(p.Id, 2)); // SIGINT, what Ctrl+C sends
        if (!p.WaitForExit(30_000)) { p.Kill(true); Assert.Fail("blase did not stop within 30 s of SIGINT"); }
        Assert.Equal(130, p.ExitCode);
        Assert.DoesNotContain("not reached", p.StandardOutput.ReadToEnd());
        Assert.Contains("stopped", stderr.Result);
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, Blase().Code);
        Assert.Equal(2, Blase("missing-script.ps1").Code);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private sealed class TempScript : IDisposable
    {
        public TempScript(string text) => File.WriteAllText(Path, text);
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"blase-{Guid.NewGuid():N}.ps1");
        public void Dispose() => File.Delete(Path);
    }
}
