using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

/// <summary>
/// Invoke-BlaseBatch as a user runs it, in a hosted PowerShell runspace (Microsoft.PowerShell.SDK, as `blase` hosts it):
/// the recipe over the inputs with -Force (every input reduced each time), serially and with each --workers count. The
/// clone is made once before timing (the batch keeps it in the output folder, as every later run of a folder reads it), so
/// the figures are the reductions alone: read, select, transfer, outputs, manifest. One JSON line per worker count: seconds
/// (min and median over --repeat runs), inputs per minute from each, and the load average before and after.
/// </summary>
internal static class BatchBench
{
    public static int Run(Options o)
    {
        string recipe = Path.GetFullPath(o.Get("recipe") ?? throw new ArgumentException("--recipe <psd1> is required"));
        if (o.Files.Count == 0) throw new ArgumentException("give the input files after the options");
        var inputs = o.Files.Select(Path.GetFullPath).ToArray();
        var workers = (o.Get("workers") ?? "1,2").Split(',').Select(int.Parse).ToArray();
        string output = Directory.CreateTempSubdirectory("blase-batch-bench-").FullName;
        try
        {
            var iss = InitialSessionState.CreateDefault2();
            iss.ImportPSModule(new[] { typeof(Blase.Cmdlets.Batch.InvokeBlaseBatchCommand).Assembly.Location });
            using var runspace = RunspaceFactory.CreateRunspace(iss);
            runspace.Open();
            List<PSObject> Batch(int throttle)
            {
                using var ps = PowerShell.Create();
                ps.Runspace = runspace;
                ps.AddCommand("Invoke-BlaseBatch").AddParameter("Recipe", recipe).AddParameter("LiteralPath", inputs)
                    .AddParameter("OutputDirectory", output).AddParameter("ThrottleLimit", throttle).AddParameter("Force");
                var r = ps.Invoke().ToList();
                if (ps.HadErrors) Console.Error.WriteLine(string.Join("\n", ps.Streams.Error.Select(e => e.ToString())));
                return r;
            }
            Batch(1); // the clone, JIT and file cache
            foreach (int w in workers)
            {
                string loadBefore = Load();
                var times = new List<double>();
                int reduced = 0;
                for (int k = 0; k < o.Repeat; k++)
                {
                    var sw = Stopwatch.StartNew();
                    var results = Batch(w);
                    times.Add(sw.Elapsed.TotalSeconds);
                    reduced = results.Count(r => r.Properties["Outcome"]?.Value?.ToString() == "Reduced");
                }
                times.Sort();
                Json.Emit(new
                {
                    bench = "batch",
                    host = "hosted runspace (Microsoft.PowerShell.SDK), Invoke-BlaseBatch -Force",
                    workers = w,
                    inputs = inputs.Length,
                    reduced,
                    repeat = o.Repeat,
                    seconds = times[0],
                    seconds_median = times[times.Count / 2],
                    inputs_per_minute = 60 * inputs.Length / times[0],
                    inputs_per_minute_median = 60 * inputs.Length / times[times.Count / 2],
                    load_before = loadBefore,
                    load_after = Load(),
                    cores = Environment.ProcessorCount,
                });
            }
            return 0;
        }
        finally
        {
            Directory.Delete(output, true);
        }
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
