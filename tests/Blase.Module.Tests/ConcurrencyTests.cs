using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Xunit.Abstractions;

namespace Blase.Module.Tests;

/// <summary>
/// Several runspaces cloning and transferring at once, as a RunspacePool (or Start-ThreadJob, or a batch with a throttle)
/// runs them in one process: each gives the bits a run alone gives.
/// </summary>
public class ConcurrencyTests
{
    private readonly ITestOutputHelper _out;
    public ConcurrencyTests(ITestOutputHelper output) => _out = output;

    // Clone a synthetic template (lines from the seed) and transfer the clone to a simulated observation of it; the result
    // is every fitted number's bits, as hex.
    private const string Job = """
        param([int] $Seed)
        $truth = [Blase.Engine.Transfer.ObservationSimulator]::SyntheticLines(40, 8650, 8668, $Seed)
        $wl = [double[]]::new(2200)
        for ($i = 0; $i -lt $wl.Length; $i++) { $wl[$i] = 8648.0 + 0.01 * $i }
        $template = [Blase.Engine.Spectra.Spectrum]::FromArrays($wl, $truth.Evaluate($wl), $null, 'Angstrom', 'Vacuum', $null)
        $clone = $template | Invoke-BlaseClone -Normalized -Prominence 0.005 -Epochs 15 -Device Cpu
        $pixels = [double[]]::new(300)
        for ($i = 0; $i -lt $pixels.Length; $i++) { $pixels[$i] = 8651.0 + 0.055 * $i }
        $flat = [System.Func[double, double]] { param($w) 1.0 }
        $order = [Blase.Engine.Transfer.ObservationSimulator]::Observe($truth, $pixels, -12.0, 5.0, 0.6, 55000, $flat, 200, $Seed, 0)
        $observed = [Blase.Engine.Spectra.Spectrum]::new([Blase.Engine.Spectra.SpectralOrder[]]@($order))
        $result = $observed | Invoke-BlaseTransfer -Model $clone -RadialVelocity -10 -BarycentricCorrection 0 -Device Cpu
        $numbers = @($clone.Center) + @($clone.LnAmplitude) + @($clone.LnSigma) + @($clone.LnGamma) +
            @($result.RadialVelocity, $result.RadialVelocityError, $result.Vsini, $result.VsiniError, $result.ChiSquare) +
            @($result.Model.Center) + @($result.Model.LnAmplitude) + @($result.Model.LnSigma) + @($result.Model.LnGamma)
        "$($clone.Count) lines; " + (($numbers | ForEach-Object { [BitConverter]::DoubleToInt64Bits($_).ToString('x16') }) -join '')
        """;

    private static InitialSessionState Session()
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(new[] { PowerShellSession.ModulePath });
        return iss;
    }

    private static string Result(PowerShell ps, IAsyncResult? pending = null)
    {
        IList<PSObject> output = pending is null ? ps.Invoke() : ps.EndInvoke(pending);
        Assert.True(ps.Streams.Error.Count == 0, string.Join("; ", ps.Streams.Error));
        return Assert.Single(output).BaseObject.ToString()!;
    }

    [Fact]
    public void Runspaces_cloning_and_transferring_at_once_give_the_bits_of_runs_alone()
    {
        int[] seeds = { 1, 2, 3 };
        var alone = new Dictionary<int, string>();
        var sw = Stopwatch.StartNew();
        using (var runspace = RunspaceFactory.CreateRunspace(Session()))
        {
            runspace.Open();
            foreach (int seed in seeds)
            {
                using var ps = PowerShell.Create();
                ps.Runspace = runspace;
                alone[seed] = Result(ps.AddScript(Job).AddArgument(seed));
                Assert.Matches("^[1-9][0-9]* lines; [0-9a-f]{400,}$", alone[seed]);
            }
        }
        Assert.Equal(seeds.Length, alone.Values.Distinct().Count());
        _out.WriteLine($"3 runs one after another: {sw.Elapsed.TotalSeconds:F1} s (with the runspace's start)");
        sw.Restart();

        // Six runs over three runspaces, all started together: each seed twice, so the same work also overlaps itself.
        using var pool = RunspaceFactory.CreateRunspacePool(Session());
        pool.SetMaxRunspaces(3);
        pool.Open();
        var runs = seeds.Concat(seeds).Select(seed =>
        {
            var ps = PowerShell.Create();
            ps.RunspacePool = pool;
            ps.AddScript(Job).AddArgument(seed);
            return (Seed: seed, Ps: ps, Pending: ps.BeginInvoke());
        }).ToList();
        foreach (var (seed, ps, pending) in runs)
            using (ps)
                Assert.Equal(alone[seed], Result(ps, pending));
        _out.WriteLine($"6 runs over 3 runspaces at once: {sw.Elapsed.TotalSeconds:F1} s (with the pool's start)");
    }
}
